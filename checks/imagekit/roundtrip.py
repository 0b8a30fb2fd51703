"""imagekit.upload: a real upload round trip through the installed SDK (write tier).

Uploads a tiny generated PNG under a dedicated folder the way the installed generation's
storages do, checks the answer has every field the project's code reads from upload
results, and deletes the file, even when the check times out.
"""
from __future__ import annotations

import ast
import io
import json
import secrets

from upload_diagnostics.diagnostics import Check, Finding, Skip, kv, roundtrip, table

from . import config as cfg
from . import network
from . import usage as usage_mod
from .codes import E018, E030, E031, I030
from .leftovers import Library, test_folder

NO_FILE = "missing file parameter"
# Failures after which ImageKit may have stored the upload although its answer was lost.
UNANSWERED = ("timeout", "connection", "server", "not_json", "unexpected")


def tiny_png() -> bytes:
    from PIL import Image
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (30, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def fields_read(ctx) -> list[tuple]:
    """(path, line, attribute chain, source) of each read of an upload result."""
    reads = []
    for usage in usage_mod.project_usage(ctx):
        for use in usage.uses:
            if use.kind in ("read", "subscript") and \
                    ".".join(use.method) in usage_mod.UPLOAD_METHODS:
                reads.append((usage.path, use.line, use.chain, use.text))
    return reads


def readable(value, chain) -> bool:
    """Whether `.name` and `["key"]` steps (keys come quoted) lead somewhere on a real
    result: a dict key must exist (its value may be null), an attribute must not be None
    (3.1-4.x results answer None for any unknown name)."""
    for part in chain:
        if part[:1] in "'\"":
            key = ast.literal_eval(part)
            if not isinstance(value, dict) or key not in value:
                return False
            value = value[key]
        else:
            value = getattr(value, part, None)
            if value is None:
                return False
    return True


def answer_json(outcome) -> dict:
    """The upload answer as 2.x would return it, when the SDK itself failed to read it."""
    try:
        answer = json.loads(outcome.body) if outcome.status == 200 else None
    except ValueError:
        return {}
    return {"response": answer} if isinstance(answer, dict) else {}


def stored(value) -> tuple[str | None, str | None]:
    """(file id, path) of an upload result of any generation (2.x: a dict)."""
    if isinstance(value, dict):
        response = value.get("response") or {}
        return response.get("fileId"), response.get("filePath")
    return getattr(value, "file_id", None), getattr(value, "file_path", None)


class ImageKitUpload(Check):
    """Uploads a tiny image through the installed SDK, checks the response carries what
    the project's code reads, and deletes it; the report lists what was written."""

    id = "imagekit.upload"
    title = "An upload to ImageKit round-trips through the installed SDK"
    layer = "storage"
    tags = ("imagekit", "storage", "e2e")
    codes = (I030, E030, E031, *roundtrip.CODES, *network.FAILURES)
    tier = "write"
    uses = ("imagekit.config",)

    def run(self, ctx):
        config = cfg.load(ctx)
        cfg.require_use(config)
        cfg.require_key(config)
        if not config.sdk.installed:
            raise Skip("imagekitio is not installed: there is no SDK to upload through",
                       "pip install imagekitio")
        folder = test_folder(ctx)
        path = f"{folder}/probe-{secrets.token_hex(4)}.png"
        try:
            client = network.build_client(config)
        except Exception as exc:  # noqa: BLE001 - the SDK refused the configuration
            yield E018(f"{config.sdk.label} refused the "
                       f"configuration: {type(exc).__name__}: {exc}",
                       "Fix the values imagekit.credentials reports.")
            return
        ids: dict[str, str] = {}  # path -> ImageKit's file id, once known
        trip = roundtrip.RoundTrip("ImageKit media library", folder + "/",
                                   lambda name: delete(client, ids, name),
                                   listing=lambda: listed(Library.of(config), folder, ids),
                                   sweep=False, ctx=ctx)
        ctx.progress(f"      imagekit.upload: uploading {path}")
        with trip.writing(path):
            outcome = client.upload(tiny_png(), path.rsplit("/", 1)[1], folder)
        file_id, stored_path = stored(outcome.value if outcome.ok else answer_json(outcome))
        if file_id:
            ids[stored_path or path] = file_id
            trip.stored(stored_path or path)
        request = f"POST /api/v1/files/upload ({path})"
        blocks = network.evidence(outcome, request, config.sdk,
                                  config.base_url or "https://upload.imagekit.io")
        rows = []
        if not outcome.ok or not file_id:
            yield upload_failure(outcome, config, blocks)
            if not file_id and network.classify(outcome) in UNANSWERED:
                trip.lost(path, f"no usable answer: {network.classify(outcome)}")
        else:
            yield from self.check_fields(ctx, outcome.value, rows)
        yield from trip.finish()
        left = {name for name, _why in trip.left}
        for name in [n for n in trip.names if n in ids and n not in left]:
            yield I030(f"Uploaded {name} (id {ids[name]}) through {config.sdk.label} and "
                       "deleted it", "",
                       [kv("Written and deleted", {"file id": ids[name], "path": name})]
                       + ([table("Fields the project reads from upload results",
                                 ["where", "expression", "in the response"], rows)]
                          if rows else []))

    def check_fields(self, ctx, result, rows):
        for path, line, chain, text in fields_read(ctx):
            present = readable(result, chain)
            rel = ctx.relpath(path)
            rows.append([f"{rel}:{line}", text, "yes" if present else "MISSING"])
            if not present:
                yield E031(f"The upload response has no {'.'.join(chain)}, which "
                           f"{text} reads", "The storage fails after the file is stored "
                           "(AttributeError, or None saved as the name); read the fields "
                           "the installed SDK's result has (see imagekit.sdk).",
                           [ctx.excerpt(path, line)], path=rel, line=line)


def delete(client, ids: dict, path: str) -> None:
    """Delete the test file at `path`; a path with no file id was never stored."""
    if path in ids:
        outcome = client.delete(ids[path])
        if not outcome.ok:
            raise RuntimeError(f"DELETE /v1/files/{ids[path]} answered "
                               f"{outcome.status or outcome.error}")


def listed(library: Library, folder: str, ids: dict) -> list[str]:
    """The paths under the test folder (their ids kept); raises LookupError saying why."""
    found = {f["filePath"]: f["fileId"] for f in library.files_under(folder)
             if f.get("fileId")}
    ids.update(found)
    return list(found)


def upload_failure(outcome, config, blocks) -> Finding:
    kind = network.classify(outcome)
    if outcome.status == 400 and NO_FILE in outcome.body.lower():
        return E030("ImageKit rejected the upload: 'Your request is missing file "
                    "parameter.'", "The bytes sent were empty: code that reads the "
                    "upload (content.read()) after it was already read, without "
                    "seek(0), sends 0 bytes. Rewind before the SDK call.", blocks)
    return network.failure(kind, outcome, "The test upload", config.timeout, blocks)


