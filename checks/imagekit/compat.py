"""imagekit.sdk: does the project's imagekitio code fit the installed generation?

Every use found in the source (imports, constructor keywords, client methods and their
keywords, fields read from upload results, caught exceptions) is checked against the
installed package itself: modules are looked up, signatures and result models are
introspected. Only the "what to write instead" hints come from a table.
"""
from __future__ import annotations

import importlib
import importlib.util
import inspect
import types
import typing

from upload_diagnostics.diagnostics import Check, Skip, kv
from upload_diagnostics.diagnostics.facts import SDK_TIMEOUT, SdkTimeout

from . import config as cfg
from . import requirements
from . import sdk as sdk_mod
from . import usage as usage_mod
from .codes import E020, E021, E022, E023, E024, E025, I020, W020, W021, W022, W023

# The equivalent spelling in each generation, for hints (introspection cannot say).
EQUIVALENT = {
    "5": {
        "constructor": "ImageKit(private_key=settings.IMAGEKIT_PRIVATE_KEY)",
        "upload_file": "client.files.upload(file=data, file_name=name, folder=folder, "
                       "use_unique_file_name=False)",
        "upload": "client.files.upload(file=data, file_name=name, folder=folder)",
        "list_files": "client.assets.list(limit=...)",
        "get_file_details": "client.files.get(file_id)",
        "delete_file": "client.files.delete(file_id)",
        "bulk_file_delete": "client.files.bulk.delete(file_ids=[...])",
        "url": "client.helper.build_url(url_endpoint=..., src=...)",
        "imagekitio.exceptions": "from imagekitio import APIStatusError, "
                                 "AuthenticationError, PermissionDeniedError, RateLimitError",
        "imagekitio.models": "pass the options as keyword arguments of client.files.upload()",
        "public_key": "drop public_key: 5.x authenticates with the private key alone",
        "url_endpoint": "drop url_endpoint: build file URLs from settings or with "
                        "client.helper.build_url(url_endpoint=..., src=...)",
        "result": "FileUploadResponse fields: result.file_id, result.file_path, result.url",
    },
    "2": {
        "files.upload": "client.upload_file(file=data, file_name=name, "
                        "options={'folder': folder, 'use_unique_file_name': False})",
        "files.delete": "client.delete_file(file_id)",
        "upload_file": "client.upload_file(file=data, file_name=name, options={...})",
        "imagekitio.exceptions": "2.x raises no API errors: check result['error']",
        "imagekitio.models": "pass the options as a dict: options={'folder': ...}",
        "result": "result['response']['fileId'] and result['response']['filePath'], "
                  "after checking result['error']",
    },
    "4": {
        "constructor": "ImageKit(private_key=..., public_key=..., url_endpoint=...)",
        "files.upload": "client.upload_file(file=data, file_name=name, "
                        "options=UploadFileRequestOptions(folder=folder))",
        "files.delete": "client.delete_file(file_id=file_id)",
        "files.get": "client.get_file_details(file_id=file_id)",
        "assets.list": "client.list_files(ListAndSearchFileRequestOptions(limit=...))",
        "helper.build_url": "client.url({'path': ..., 'transformation': [...]})",
        "base_url": "set imagekitio.constants.url.URL.API_BASE_URL/UPLOAD_BASE_URL",
        "imagekitio.exceptions": "from imagekitio.exceptions.ForbiddenException import "
                                 "ForbiddenException (one module per class)",
        "result": "UploadFileResult: result.file_id, result.file_path, result.url, "
                  "result.response_metadata.raw",
    },
}


def spelling(generation: str, key: str) -> str:
    table = EQUIVALENT.get(generation if generation in ("2", "5") else "4", {})
    return table.get(key) or next((v for k, v in table.items() if key.startswith(k)), "")


def equivalent(generation: str, *keys: str) -> str:
    """' For <generation>: <what to write instead>.' for the keys the table knows."""
    found = [s for s in (spelling(generation, k) for k in keys) if s]
    return f" For {_gen_label(generation)}: {'; '.join(found)}." if found else ""


def _gen_label(generation: str) -> str:
    return {"5": "imagekitio 5.x", "4": "imagekitio 3.1-4.x", "3.0": "imagekitio 3.0.x",
            "2": "imagekitio 2.x"}.get(generation, "this imagekitio")


def resolve_import(item: usage_mod.Import):
    """(found, object): the module or attribute an import binds, from the installed SDK."""
    try:
        module = importlib.import_module(item.module)
    except Exception:  # noqa: BLE001 - missing module, or one that fails to import
        return False, None
    if item.name is None:
        return True, module
    if hasattr(module, item.name):
        return True, getattr(module, item.name)
    try:
        return True, importlib.import_module(f"{item.module}.{item.name}")
    except Exception:  # noqa: BLE001
        return False, None


def dummy_client(sdk):
    """A client built with placeholder values, only to introspect (no network)."""
    from imagekitio import ImageKit
    if sdk.generation == "5":
        return ImageKit(private_key="private_introspection", base_url="http://127.0.0.1:9")
    return ImageKit(private_key="private_introspection", public_key="public_introspection",
                    url_endpoint="https://ik.imagekit.io/introspection")


def accepts(func, keywords) -> list[str]:
    """The keywords `func`'s signature does not accept."""
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return []
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return []
    names = {p.name for p in params}
    return [k for k in keywords if k not in names]


def result_type(method):
    """The class a method returns, from its annotation (Dict[str, Any] -> dict)."""
    try:
        hint = typing.get_type_hints(method).get("return")
    except Exception:  # noqa: BLE001 - unresolvable forward references
        hint = inspect.signature(method).return_annotation
    hint = typing.get_origin(hint) or hint
    return hint if isinstance(hint, type) else None


def result_fields(cls) -> set[str] | None:
    """Names readable on an instance of `cls` (None: unknown)."""
    if cls is None:
        return None
    fields = set(getattr(cls, "model_fields", {}) or {})
    try:
        fields |= set(inspect.signature(cls.__init__).parameters) - {"self", "kwargs"}
    except (TypeError, ValueError):
        pass
    fields |= {n for n in dir(cls) if not n.startswith("_")}
    return fields


class ImageKitSdk(Check):
    """Detects the installed imagekitio generation, warns when it has no HTTP timeout,
    and checks the project's imagekitio code against that generation's real API."""

    id = "imagekit.sdk"
    title = "The project's imagekitio code fits the installed SDK"
    layer = "storage"
    tags = ("imagekit", "sdk", "storage")
    codes = (I020, W020, W021, W022, W023, E020, E021, E022, E023, E024, E025)
    provides = (SDK_TIMEOUT.name, "imagekit.usage")

    def run(self, ctx):
        config = cfg.load(ctx)
        sdk = config.sdk
        usages = usage_mod.project_usage(ctx)
        ctx.publish("imagekit.usage", [[ctx.relpath(u.path), len(u.uses)] for u in usages])
        cfg.require_use(config)
        pins = requirements.pins(ctx)
        if sdk.installed:  # the storage calls' own limit, held against the worker timeout
            SDK_TIMEOUT.publish(ctx, SdkTimeout(sdk.label, sdk.http_timeout))
        else:
            wanted = next((f"imagekitio{p.spec}" for p in pins if p.spec), "imagekitio")
            for usage in usages:
                if not usage.imports:
                    continue  # uses a client another module builds: reported there
                item = usage.imports[0]
                yield E020("The project imports imagekitio but it is not installed",
                           f"pip install '{wanted}' (the version the code was written for: "
                           "see the requirements and imagekit.sdk's other findings) in the "
                           "serving environment.",
                           [ctx.excerpt(usage.path, item.line)],
                           path=ctx.relpath(usage.path), line=item.line)
            if not usages:
                raise Skip("imagekitio is not installed: there is no SDK to check the "
                           "project against", "pip install imagekitio")
            return
        yield I020(f"{sdk.label} is installed ({sdk.describe})",
                   "", [kv("SDK", {"version": sdk.version, "generation": sdk.describe,
                                   "HTTP timeout": sdk.http_timeout or "none"})])
        if sdk.http_timeout is None:
            yield W020(
                f"{sdk.label} calls ImageKit without an HTTP timeout",
                "A stalled upload blocks the worker until gunicorn's timeout (30 s by "
                "default) kills it: [CRITICAL] WORKER TIMEOUT, then a 502/504 for the user. "
                "Upgrade to imagekitio 5.x (timeout=...) or bound the call yourself.")
        if sdk.generation == "3.0":
            yield W021(
                f"{sdk.label} cannot read today's ImageKit answers",
                "Its result classes take fixed keyword arguments and raise TypeError for "
                "every field ImageKit added since (mime, type, createdAt...): uploads succeed "
                "on ImageKit and fail in the view. Upgrade to imagekitio 3.1 or later.")
        for pin in pins:
            pinned = sdk_mod.Sdk(pin.version) if pin.version else None
            if pinned and pinned.generation != sdk.generation:
                yield W022(
                    f"{ctx.relpath(pin.path)} pins imagekitio{pin.spec} "
                    f"({_gen_label(pinned.generation)}) but {sdk.label} is installed here "
                    f"({_gen_label(sdk.generation)}): the code is judged against the "
                    "installed one",
                    evidence=[ctx.excerpt(pin.path, pin.line)],
                    path=ctx.relpath(pin.path), line=pin.line)
        try:
            client = dummy_client(sdk)
        except Exception:  # noqa: BLE001 - introspection of methods is then impossible
            client = None
        for usage in usages:
            yield from check_file(ctx, usage, sdk, client)


def check_file(ctx, usage, sdk, client):
    rel = ctx.relpath(usage.path)
    gen = sdk.generation

    def finding(code, message, hint, line):
        return code(message, hint, [ctx.excerpt(usage.path, line)], path=rel, line=line)

    resolved = {}
    for item in usage.imports:
        found, obj = resolve_import(item)
        resolved[item.bound] = obj
        if not found:
            what = f"{item.module}.{item.name}" if item.name else item.module
            package = ".".join(item.module.split(".")[:2])  # e.g. imagekitio.exceptions
            yield finding(E021, f"{what} does not exist in {sdk.label}",
                          "The import fails when the module loads (ImportError, so the "
                          "storage cannot even be built)." + equivalent(gen, package),
                          item.line)
    try:
        from imagekitio import ImageKit
    except Exception:  # noqa: BLE001 - a broken install: imports above say why
        return
    methods = {}
    for use in usage.uses:
        if use.kind == "constructor":
            for role, text in swapped_keys(use):
                yield finding(W023, f"ImageKit({role}=...) reads {text}, named for the "
                              "other key", None, use.line)
            bad = accepts(ImageKit.__init__, use.keywords)
            if bad:
                yield finding(E022,
                              f"ImageKit() does not accept {', '.join(bad)} in {sdk.label}",
                              "Constructing the client raises TypeError."
                              + equivalent(gen, *bad, "constructor"), use.line)
        elif use.kind == "method" and client is not None:
            target = client
            for part in use.chain:
                target = getattr(target, part, None)
                if target is None:
                    break
            name = ".".join(use.chain)
            if target is None or not callable(target):
                yield finding(E023, f"The client has no {name}() in {sdk.label}",
                              f"{use.text}() raises AttributeError.{equivalent(gen, name)}",
                              use.line)
                continue
            methods[use.chain] = target
            bad = accepts(target, use.keywords)
            if bad:
                yield finding(E023,
                              f"{name}() does not accept {', '.join(bad)} in {sdk.label}",
                              f"The call raises TypeError.{equivalent(gen, name)}", use.line)
        elif use.kind in ("read", "subscript") and use.method in methods:
            yield from check_read(use, methods[use.method], sdk, finding)
        elif use.kind == "except":
            obj = resolved.get(use.name.split(".")[0]) if "." not in use.name else None
            if isinstance(obj, types.ModuleType):
                yield finding(
                    E025,
                    f"except {use.name} catches a module, not an exception class",
                    f"When any error reaches this clause Python raises TypeError 'catching "
                    f"classes that do not inherit from BaseException is not allowed', "
                    f"hiding the real error. Import the class: from {obj.__name__} import "
                    f"{use.name}.", use.line)


def swapped_keys(use) -> list[tuple[str, str]]:
    """(keyword, value text) of constructor arguments named for the other key: the
    private key read from a PUBLIC name, or the public key from a PRIVATE one. Positional
    arguments are ImageKit(private_key, public_key, url_endpoint)."""
    found = []
    for slot, text in use.arguments:
        role = {"0": "private_key", "1": "public_key"}.get(slot, slot)
        upper = text.upper()
        other = {"private_key": "PUBLIC", "public_key": "PRIVATE"}.get(role)
        own = {"private_key": "PRIVATE", "public_key": "PUBLIC"}.get(role)
        if other and other in upper and own not in upper:
            found.append((role, text))
    return found


def check_read(use, method, sdk, finding):
    cls = result_type(method)
    fields = result_fields(cls)
    if fields is None:
        return
    name = cls.__name__
    if issubclass(cls, dict):
        if use.kind == "read":
            yield finding(E024,
                          f"{use.text}: {sdk.label} returns a dict, which has no "
                          f"attribute {use.chain[0]!r}",
                          "Reading it raises AttributeError." + equivalent(sdk.generation,
                                                                           "result"), use.line)
        return
    if use.kind == "subscript":
        if not hasattr(cls, "__getitem__"):
            yield finding(E024,
                          f"{use.text} subscripts a {name}, which {sdk.label} does not support",
                          f"{name} is not a dict (that was imagekitio 2.x) and raises "
                          f"TypeError.{equivalent(sdk.generation, 'result')}", use.line)
        return
    if use.chain[0] not in fields:
        yield finding(E024,
                      f"{use.text}: {name} has no field {use.chain[0]!r} in {sdk.label}",
                      "Reading it raises AttributeError (or returns None)."
                      + equivalent(sdk.generation, "result"),
                      use.line)


