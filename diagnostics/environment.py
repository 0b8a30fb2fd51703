"""The environment section of a report: versions and the storage in use."""
from __future__ import annotations

import ast
import platform
import sys
from importlib import metadata

from .facts import WorkerTimeout

# The packages the report lists: these always, the others (by the module they are used
# as) only when the project uses them.
ALWAYS = ("Django", "Pillow", "django-upload-diagnostics")
USED_AS = {"imagekitio": "imagekitio", "gunicorn": "gunicorn", "django-storages": "storages",
           "boto3": "boto3", "djangorestframework": "rest_framework", "uvicorn": "uvicorn"}
WANTED = frozenset(USED_AS.values())
_ENCODED = {module: module.encode() for module in WANTED}
# The context cache key of the project's SourceModules: a check that reads every Python
# file (fileptr) fills it, so the report does not read them again.
SOURCE_MODULES = "environment.source_modules"


def package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def platform_name() -> str:
    """platform.platform()'s answer on Linux, e.g. Linux-6.1.0-x86_64-with-glibc2.36,
    without the `uname -p` process it starts for a processor name that Linux leaves
    empty."""
    libc = "".join(platform.libc_ver())
    parts = [platform.system(), platform.release(), platform.machine()]
    return "-".join(parts + ([f"with-{libc}"] if libc else []))


def pillow_codecs() -> dict[str, bool]:
    """The codecs of the Pillow the run used; none when it used none (a run of the source
    or server checks: importing Pillow only to list them would cost more than some whole
    runs) or Pillow is missing."""
    if "PIL" not in sys.modules:
        return {}
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


def used_modules(ctx) -> set[str]:
    """Which of USED_AS's modules the project uses: named in its settings (apps, storages,
    upload handlers) or imported by its source (SourceModules over ctx.python_files(), or
    what a check that read every file already found under SOURCE_MODULES)."""
    names: set[str] = set()
    settings = ctx.settings
    if settings is not None:
        names.update(getattr(settings, "INSTALLED_APPS", ()))
        names.update(storage_backends(settings).values())
        names.update(getattr(settings, "FILE_UPLOAD_HANDLERS", ()))
    found = _tops(names) & WANTED
    if found != WANTED:
        found |= ctx.cached(SOURCE_MODULES, lambda: _read_sources(ctx)).found
    return found


class SourceModules:
    """Which of USED_AS's modules a project's source imports, fed file by file. A file
    is parsed only when its text names one not found yet: on a large project, parsing
    every file again would cost more than the diagnosis."""

    def __init__(self):
        self.found: set[str] = set()

    def add(self, data: bytes, path, tree: ast.Module | None = None) -> None:
        missing = WANTED - self.found
        if missing and any(_ENCODED[module] in data for module in missing):
            self.found |= _tops(_imported(data, path, tree)) & WANTED


def _read_sources(ctx) -> SourceModules:
    modules = SourceModules()
    for path in ctx.python_files():
        if modules.found == WANTED:
            break
        data = ctx.files.bytes(path)  # (None: not a regular file, or over the limit)
        if data is not None:
            modules.add(data, path)
    return modules


def _tops(names) -> set[str]:
    return {str(name).split(".")[0] for name in names}


def _imported(source: bytes, path, tree: ast.Module | None) -> set[str]:
    """The absolute modules a file imports, at any depth of its statements."""
    try:
        todo = list((tree or ast.parse(source, filename=str(path))).body)
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
        "platform": platform_name(),
        "packages": {name: package_version(name) for name in listed},
        "pillow_codecs": pillow_codecs(),
        "settings_module": settings_module,
        "storages": storage_backends(settings),
    }
