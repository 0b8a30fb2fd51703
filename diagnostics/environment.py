"""The environment section of a report: versions and the storage in use."""
from __future__ import annotations

import ast
import platform
import re
import sys
from importlib import metadata

from .facts import WorkerTimeout

# The packages the report lists: these always, the others (by the module they are used
# as) only when the project uses them.
ALWAYS = ("Django", "Pillow", "django-upload-diagnostics")
USED_AS = {"imagekitio": "imagekitio", "gunicorn": "gunicorn", "django-storages": "storages",
           "boto3": "boto3", "djangorestframework": "rest_framework", "uvicorn": "uvicorn"}


def package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def pillow_codecs() -> dict[str, bool]:
    try:
        from PIL import features
    except ImportError:
        return {}
    known = {*features.modules, *features.codecs, *features.features}  # AVIF came in 11.2
    return {name: name in known and bool(features.check(name))
            for name in ("jpg", "zlib", "webp", "avif")}


def storage_backends(settings) -> dict[str, str]:
    """Each configured storage alias and its backend class path."""
    if settings is None:
        return {}
    storages = getattr(settings, "STORAGES", None) or {}
    found = {str(alias): str(conf.get("BACKEND", "?")) for alias, conf in storages.items()
             if isinstance(conf, dict)} if isinstance(storages, dict) else {}
    legacy = getattr(settings, "DEFAULT_FILE_STORAGE", None)
    if legacy and "default" not in found:
        found["default"] = str(legacy)
    return found


# Only files whose text names one of USED_AS's modules are parsed, and not kept.
USED_WORDS = re.compile(b"|".join(re.escape(m.encode()) for m in USED_AS.values()))


def used_modules(ctx) -> set[str]:
    """The top-level modules the project uses: imported by its source or named in its
    settings (apps, storages, upload handlers). Only the files that name one of USED_AS's
    modules are parsed: on a large project, every tree would cost more than the
    diagnosis."""
    names: set[str] = set()
    for path in ctx.python_files_matching(USED_WORDS):
        names.update(_imported(ctx.files.bytes(path)))
    settings = ctx.settings
    if settings is not None:
        names.update(getattr(settings, "INSTALLED_APPS", ()))
        names.update(storage_backends(settings).values())
        names.update(getattr(settings, "FILE_UPLOAD_HANDLERS", ()))
    return {str(name).split(".")[0] for name in names}


def _imported(source: bytes | None) -> set[str]:
    """The absolute modules a source file imports, at any depth of its statements."""
    try:
        todo = list(ast.parse(source).body) if source is not None else []
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    found = set()
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.module and not node.level:
                found.add(node.module)
        else:
            for name in ("body", "orelse", "finalbody", "handlers"):
                todo.extend(getattr(node, name, None) or ())
    return found


def collect(settings=None, settings_module: str | None = None, used: set[str] = frozenset(),
            server: WorkerTimeout | None = None) -> dict:
    """The environment section; `used` (see used_modules) and the server that runs the app
    pick the optional packages."""
    used = {*used, server.server} if server else used
    listed = [*ALWAYS, *(name for name, module in USED_AS.items() if module in used)]
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": {name: package_version(name) for name in listed},
        "pillow_codecs": pillow_codecs(),
        "settings_module": settings_module,
        "storages": storage_backends(settings),
    }
