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

from upload_diagnostics.diagnostics import Check, Finding, Skip, kv, table

from . import config as cfg
from . import network
from . import usage as usage_mod
from .codes import C030, C031, E018, E030, E031, I030
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
    codes = (I030, E030, E031, C030, C031, *network.FAILURES)
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
        name = f"probe-{secrets.token_hex(4)}.png"
        written: dict = {}
        try:
            client = network.build_client(config)
        except Exception as exc:  # noqa: BLE001 - the SDK refused the configuration
            yield E018(f"{config.sdk.label} refused the "
                       f"configuration: {type(exc).__name__}: {exc}",
                       "Fix the values imagekit.credentials reports.")
            return

        def undo():
            if written.get("file_id") and not written.get("deleted"):
                outcome = client.delete(written["file_id"])
                if not outcome.ok:
                    raise RuntimeError(f"could not delete ImageKit file {written['file_id']} "
                                       f"({written.get('path')}): status {outcome.status}")
        ctx.on_cleanup(undo)
        ctx.progress(f"      imagekit.upload: uploading {folder}/{name}")
        outcome = client.upload(tiny_png(), name, folder)
        written["file_id"], written["path"] = stored(outcome.value if outcome.ok else
                                                    answer_json(outcome))
        request = f"POST /api/v1/files/upload ({folder}/{name})"
        blocks = network.evidence(outcome, request, config.sdk,
                                  config.base_url or "https://upload.imagekit.io")
        if not outcome.ok or not written.get("file_id"):
            yield upload_failure(outcome, config, blocks)
            if not written.get("file_id") and network.classify(outcome) in UNANSWERED:
                yield from self.look_for(ctx, config, folder, f"{folder}/{name}", written)
            if written.get("file_id"):  # stored although the SDK failed: remove it
                yield from self.delete(ctx, client, config, written, undo, [])
            ctx.done_cleanup(undo)
            return
        rows = []
        yield from self.check_fields(ctx, outcome.value, rows)
        yield from self.delete(ctx, client, config, written, undo, rows)

    def look_for(self, ctx, config, folder, path, written):
        """Whether ImageKit stored an upload whose answer was lost (then `written` names
        it, to be deleted); a critical finding when that cannot be known."""
        try:
            found = [f for f in Library.of(config).files_under(folder)
                     if f.get("filePath") == path and f.get("fileId")]
        except LookupError as exc:
            yield C031(f"The test file {path} may be left in the media library: the upload "
                       f"got no usable answer and listing {folder}/ failed ({exc})",
                       f"Run `diagnose-uploads --cleanup` once ImageKit answers again (it "
                       f"lists what is under {folder}/, --yes deletes it), or delete {path} "
                       "in the dashboard's Media library.",
                       [kv("May be left", {"path": path, "test folder": f"{folder}/",
                                           "listing": str(exc)})])
            return
        if found:
            written["file_id"], written["path"] = found[0]["fileId"], path

    def delete(self, ctx, client, config, written, undo, rows):
        deleted = client.delete(written["file_id"])
        ctx.done_cleanup(undo)
        written["deleted"] = deleted.ok
        record = kv("Written and deleted", {"file id": written["file_id"],
                                            "path": written["path"],
                                            "deleted": "yes" if deleted.ok else "NO"})
        if not deleted.ok:
            yield C030(f"The test file {written['path']} (id {written['file_id']}) could "
                       f"not be deleted: it is left in the media library",
                       f"Delete file id {written['file_id']} in the ImageKit dashboard "
                       "(Media library) by hand.",
                       [record] + network.evidence(deleted, "DELETE /v1/files/{id}",
                                                   config.sdk, config.base_url or ""))
            return
        yield I030(f"Uploaded {written['path']} (id {written['file_id']}) through "
                   f"{config.sdk.label} and deleted it", "",
                   [record] + ([table("Fields the project reads from upload results",
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


def upload_failure(outcome, config, blocks) -> Finding:
    kind = network.classify(outcome)
    if outcome.status == 400 and NO_FILE in outcome.body.lower():
        return E030("ImageKit rejected the upload: 'Your request is missing file "
                    "parameter.'", "The bytes sent were empty: code that reads the "
                    "upload (content.read()) after it was already read, without "
                    "seek(0), sends 0 bytes. Rewind before the SDK call.", blocks)
    return network.failure(kind, outcome, "The test upload", config.timeout, blocks)


