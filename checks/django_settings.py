"""django.upload_settings: Django's upload limits, temp dir, media root and storages."""
from __future__ import annotations

import os
import shutil
import stat
import tempfile

from upload_diagnostics.diagnostics import Check, Code, kv, table

MB = 1024 * 1024
LOW_FREE_SPACE = 512 * MB
RELEVANT_SYSTEM_CHECKS = ("files.", "fields.E20", "fields.E21", "fields.W20", "storage")
COVERED_SYSTEM_CHECKS = {"files.E001"}  # FILE_UPLOAD_TEMP_DIR: django.E001 says more


def _info(code: str, title: str, detects: str, why: str) -> Code:
    return Code(code=code, title=title, detects=detects, why=why,
                bad="# nothing to fix: an informational summary",
                good="# nothing to fix: an informational summary",
                fix="Nothing; it is context for the other findings.")


I001 = _info(
    "django.I001", "Django's upload settings",
    "Always emitted: the upload limits, handlers, temp dir, MEDIA_ROOT and MEDIA_URL "
    "as Django resolved them.",
    "Most upload failures depend on these values; support needs them side by side.")

E001 = Code(
    code="django.E001",
    title="FILE_UPLOAD_TEMP_DIR is missing or not writable",
    detects="The directory uploads are streamed to (FILE_UPLOAD_TEMP_DIR, else the "
            "system temp dir) does not exist, is not a directory or is not writable.",
    why="Only uploads larger than FILE_UPLOAD_MAX_MEMORY_SIZE (2.5 MB by default) are "
        "written there, so small test images work while phone photos fail with a 500 "
        "(FileNotFoundError or PermissionError).",
    bad='FILE_UPLOAD_TEMP_DIR = "/var/app/tmp"  # never created in the container',
    good='FILE_UPLOAD_TEMP_DIR = BASE_DIR / "tmp"  # created at build time, owned by app',
    fix="Create the directory and give the server's user write access (e.g. in the "
        "Dockerfile), or remove the setting to use the system temp dir.")

W001 = Code(
    code="django.W001",
    title="Little free space in the upload temp dir",
    detects="Less than 512 MiB is free on the volume of the upload temp dir.",
    why="Large uploads are streamed to that volume; when it fills up they fail with "
        "\"No space left on device\".",
    bad='FILE_UPLOAD_TEMP_DIR = "/tmp"  # a small tmpfs in the container',
    good='FILE_UPLOAD_TEMP_DIR = "/data/upload-tmp"  # on the large data volume',
    fix="Free space, or point FILE_UPLOAD_TEMP_DIR at a larger volume.")

W002 = Code(
    code="django.W002",
    title="Whole uploads are held in memory",
    detects="FILE_UPLOAD_MAX_MEMORY_SIZE is above 50 MiB.",
    why="Every upload below that size stays in the worker's memory; a few concurrent "
        "phone photos can exhaust a small container and the worker is killed "
        "(\"Perhaps out of memory?\").",
    bad="FILE_UPLOAD_MAX_MEMORY_SIZE = 200 * 1024 * 1024",
    good="FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # Django's default: 2.5 MB",
    fix="Keep FILE_UPLOAD_MAX_MEMORY_SIZE near Django's default so larger uploads "
        "stream to FILE_UPLOAD_TEMP_DIR.")

I002 = _info(
    "django.I002",
    "DATA_UPLOAD_MAX_MEMORY_SIZE is below FILE_UPLOAD_MAX_MEMORY_SIZE",
    "DATA_UPLOAD_MAX_MEMORY_SIZE is set lower than FILE_UPLOAD_MAX_MEMORY_SIZE, "
    "which usually means it was meant as an upload size cap.",
    "DATA_UPLOAD_MAX_MEMORY_SIZE counts only the non-file fields of a request, so "
    "it does not cap upload size; validate the file size in the form or serializer "
    "and set client_max_body_size in nginx instead.")

E002 = Code(
    code="django.E002",
    title="An upload handler cannot be imported",
    detects="A dotted path in FILE_UPLOAD_HANDLERS does not import.",
    why="Django builds the handlers for every multipart request; while one is broken "
        "every upload fails with an ImportError (a 500).",
    bad='FILE_UPLOAD_HANDLERS = ["myapp.uploads.ProgressHandler"]  # module was renamed',
    good='FILE_UPLOAD_HANDLERS = [\n    "myapp.upload_handlers.ProgressHandler",\n'
         '    "django.core.files.uploadhandler.TemporaryFileUploadHandler",\n]',
    fix="Fix the dotted path, or remove the handler from FILE_UPLOAD_HANDLERS.")

W003 = Code(
    code="django.W003",
    title="No TemporaryFileUploadHandler",
    detects="FILE_UPLOAD_HANDLERS does not include "
            "django.core.files.uploadhandler.TemporaryFileUploadHandler.",
    why="Without it every upload, however large, is read into memory; big files can "
        "exhaust the worker's memory.",
    bad='FILE_UPLOAD_HANDLERS = [\n'
        '    "django.core.files.uploadhandler.MemoryFileUploadHandler",\n]',
    good='FILE_UPLOAD_HANDLERS = [\n'
         '    "django.core.files.uploadhandler.MemoryFileUploadHandler",\n'
         '    "django.core.files.uploadhandler.TemporaryFileUploadHandler",\n]',
    fix="Add TemporaryFileUploadHandler after MemoryFileUploadHandler, or remove the "
        "setting to use Django's default pair.")

E003 = Code(
    code="django.E003",
    title="A storage cannot be built",
    detects="Building a storage of STORAGES (or the legacy DEFAULT_FILE_STORAGE) raises: "
            "the BACKEND does not import, or its OPTIONS are rejected.",
    why="Every save through that storage raises the same error, so each upload that "
        "reaches it fails with a 500.",
    bad='STORAGES = {"default": {"BACKEND": "storages.backends.s3.S3Storage"}}\n'
        "# django-storages not installed in production",
    good='STORAGES = {"default": {"BACKEND": "storages.backends.s3.S3Storage",\n'
         '                        "OPTIONS": {"bucket_name": "photos"}}}\n'
         "# and django-storages[s3] in requirements.txt",
    fix="Install the backend's package, fix the BACKEND dotted path, and give it the "
        "OPTIONS its constructor expects.")

E004 = Code(
    code="django.E004",
    title="MEDIA_ROOT is not writable",
    detects="A FileSystemStorage's location exists but is not a writable directory, or "
            "neither it nor its parent exists.",
    why="Every save raises PermissionError or FileNotFoundError, so uploads fail with a "
        "500 while reading existing files still works.",
    bad='MEDIA_ROOT = "/srv/media"  # owned by root, the app runs as www-data',
    good='MEDIA_ROOT = BASE_DIR / "media"  # writable by the app\'s user',
    fix="Point MEDIA_ROOT (or the storage's location) at a directory the server's user "
        "can write, or fix its owner and permissions.")

E005 = Code(
    code="django.E005",
    title="An upload setting has the wrong type or value",
    detects="One of Django's upload settings is not of the type Django expects: a size or "
            "count that is a str, a float or negative, FILE_UPLOAD_PERMISSIONS as a str, "
            "FILE_UPLOAD_HANDLERS as a single str, a MEDIA_ROOT or FILE_UPLOAD_TEMP_DIR that "
            "is not a path, a STORAGES entry that is not a dict with a BACKEND. The finding "
            "names the setting and the type expected.",
    why="Django reads these settings in the middle of a request: the upload fails there "
        "with a TypeError or AttributeError (a 500), often only for uploads large enough to "
        "reach the code that compares or applies the value.",
    bad='FILE_UPLOAD_MAX_MEMORY_SIZE = os.environ.get("UPLOAD_MEMORY", "2621440")  # a str\n'
        'FILE_UPLOAD_PERMISSIONS = "0644"\n'
        'STORAGES = {"default": "storages.backends.s3.S3Storage"}',
    good='FILE_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("UPLOAD_MEMORY", "2621440"))\n'
         "FILE_UPLOAD_PERMISSIONS = 0o644\n"
         'STORAGES = {"default": {"BACKEND": "storages.backends.s3.S3Storage"}}',
    fix="Give the setting the type the finding names (convert values read from the "
        "environment with int()), then run the diagnosis again: the checks that need the "
        "setting were not run on the wrong value.")

E006 = Code(
    code="django.E006",
    title="A permission mode written as a decimal number",
    detects="A FileSystemStorage's file or directory mode (FILE_UPLOAD_PERMISSIONS, "
            "FILE_UPLOAD_DIRECTORY_PERMISSIONS, or the file_permissions_mode / "
            "directory_permissions_mode option) is a decimal number whose digits read as "
            "an octal mode, such as 644 or 755, so it sets the sticky, setgid or setuid "
            "bits no upload needs.",
    why="Python reads 644 as decimal: Django chmods each saved file to 0o1204, which "
        "its owner, the app itself, cannot read. Saving works; making a thumbnail, "
        "reading the file back or serving it through Django then fails with "
        "PermissionError, and a directory mode of 755 (0o1363) cannot be listed.",
    bad="FILE_UPLOAD_PERMISSIONS = 644",
    good="FILE_UPLOAD_PERMISSIONS = 0o644",
    fix="Write the mode in octal, with the 0o prefix, then fix the mode of the files "
        "already saved (chmod 644).")

I003 = _info(
    "django.I003", "The configured storages",
    "Always emitted: each storage alias, its BACKEND and the class it built.",
    "Most upload failures happen inside the storage backend; support needs to know "
    "which one is in use.")

E100 = Code(
    code="django.E100",
    title="Django's system checks report an error about files or storage",
    detects="Django's own system checks (manage.py check) report an error whose id is "
            "about files, ImageField or storage (files.E001, fields.E210, ...).",
    why="Django itself says the upload configuration is broken; e.g. fields.E210 means "
        "Pillow is missing, so ImageField cannot validate uploads.",
    bad='FILE_UPLOAD_TEMP_DIR = "/nonexistent"  # files.E001',
    good="# FILE_UPLOAD_TEMP_DIR unset: the system temp dir is used",
    fix="Follow the hint of the folded system-check message; Django's system check "
        "reference documents each id.")

W100 = Code(
    code="django.W100",
    title="Django's system checks warn about files or storage",
    detects="Django's own system checks report a warning whose id is about files, "
            "ImageField or storage.",
    why="Django flags a configuration that works today but is fragile for uploads.",
    bad="photo = models.ImageField(upload_to=\"/photos/\")  # absolute path",
    good="photo = models.ImageField(upload_to=\"photos/\")",
    fix="Follow the hint of the folded system-check message; Django's system check "
        "reference documents each id.")

I100 = _info(
    "django.I100", "Django's system checks note something about files or storage",
    "Django's own system checks report an info or debug message whose id is about "
    "files, ImageField or storage.",
    "Context only: Django's message is folded into the report so nothing is lost.")


def _count(value, none: bool) -> bool:
    return value is None and none or isinstance(value, int) and not isinstance(value, bool) \
        and value >= 0


def _path(value, none: bool) -> bool:
    return value is None and none or isinstance(value, (str, os.PathLike))


# setting -> (test, what Django expects)
TYPES = {
    "DATA_UPLOAD_MAX_MEMORY_SIZE": (lambda v: _count(v, True),
                                    "an int of bytes (0 or more), or None"),
    "DATA_UPLOAD_MAX_NUMBER_FILES": (lambda v: _count(v, True), "an int (0 or more), or None"),
    "FILE_UPLOAD_MAX_MEMORY_SIZE": (lambda v: _count(v, False), "an int of bytes (0 or more)"),
    "FILE_UPLOAD_PERMISSIONS": (lambda v: _count(v, True) and (v or 0) <= 0o7777,
                                "an int such as 0o644, or None"),
    "FILE_UPLOAD_DIRECTORY_PERMISSIONS": (lambda v: _count(v, True) and (v or 0) <= 0o7777,
                                          "an int such as 0o755, or None"),
    "FILE_UPLOAD_TEMP_DIR": (lambda v: _path(v, True), "a path (str or Path), or None"),
    "FILE_UPLOAD_HANDLERS": (lambda v: isinstance(v, (list, tuple)) and all(
        isinstance(x, str) for x in v), "a list of dotted paths"),
    "MEDIA_ROOT": (lambda v: _path(v, False), "a path (str or Path)"),
    "MEDIA_URL": (lambda v: isinstance(v, str), 'a str such as "/media/"'),
}


def wrong_settings(settings) -> dict[str, str]:
    """{setting: what is wrong} for the upload settings whose type Django cannot use
    (STORAGES entry by entry: STORAGES["default"])."""
    wrong = {name: f"is {_shown(getattr(settings, name, None))}; Django expects {what}"
             for name, (test, what) in TYPES.items()
             if hasattr(settings, name) and not test(getattr(settings, name))}
    storages = getattr(settings, "STORAGES", {})
    if not isinstance(storages, dict):
        wrong["STORAGES"] = (f"is {_shown(storages)}; Django expects a dict of aliases, each "
                             'a dict such as {"BACKEND": "..."}')
        return wrong
    for alias, entry in storages.items():
        if not (isinstance(entry, dict) and isinstance(entry.get("BACKEND"), str)
                and isinstance(entry.get("OPTIONS", {}), dict)):
            wrong[f"STORAGES[{alias!r}]"] = (
                f"is {_shown(entry)}; Django expects a dict with a \"BACKEND\" dotted path "
                'and optional "OPTIONS" dict, such as {"BACKEND": '
                '"django.core.files.storage.FileSystemStorage"}')
    return wrong


def _shown(value) -> str:
    text = repr(value)
    kind = type(value).__name__
    article = "an" if kind[0] in "aeiou" else "a"
    return f"{text if len(text) <= 80 else text[:77] + '...'} ({article} {kind})"


def _size(value) -> str:
    if value is None:
        return "unlimited (None)"
    return f"{value} bytes ({value / MB:.1f} MiB)" if isinstance(value, int) else _shown(value)


SHOWN = ("DATA_UPLOAD_MAX_MEMORY_SIZE", "FILE_UPLOAD_MAX_MEMORY_SIZE",
         "DATA_UPLOAD_MAX_NUMBER_FILES", "FILE_UPLOAD_HANDLERS", "FILE_UPLOAD_TEMP_DIR",
         "FILE_UPLOAD_PERMISSIONS", "MEDIA_ROOT", "MEDIA_URL")


def _setting_shown(name: str, value, wrong: bool, temp_dir: str):
    """A setting as the summary shows it (a wrong one as it is, with its type)."""
    if wrong:
        return _shown(value)
    if name.endswith("MEMORY_SIZE"):
        return _size(value)
    if name == "FILE_UPLOAD_HANDLERS":
        return ", ".join(value)
    if name == "FILE_UPLOAD_TEMP_DIR":
        return value or f"not set: the system's temporary folder, {temp_dir}"
    if name == "FILE_UPLOAD_PERMISSIONS":
        return oct(value) if value is not None else None
    return value


def _decimal_mode(mode) -> bool:
    """A mode such as 644 written without 0o: three or four decimal digits, each an octal
    digit, and the special bits (0o7000) set, which no upload needs. (420, 0o644 in
    decimal, is right.)"""
    return isinstance(mode, int) and mode >= 0o1000 and len(str(mode)) in (3, 4) \
        and set(str(mode)) <= set("01234567")


def _writable_dir(path: str) -> str | None:
    """Why `path` cannot hold uploads, or None when it can."""
    if not os.path.exists(path):
        return "does not exist"
    if not os.path.isdir(path):
        return "is not a directory"
    if not os.access(path, os.W_OK | os.X_OK):
        return "is not writable by this user"
    return None


class UploadSettings(Check):
    """Django's upload limits and handlers, FILE_UPLOAD_TEMP_DIR and MEDIA_ROOT, which
    class each configured storage resolves to and whether it can be built, and Django's
    own relevant system-check messages."""

    id = "django.upload_settings"
    title = "Django's upload settings and storages"
    layer = "platform"
    tags = ("django", "settings", "storage")
    codes = (I001, E005, E001, W001, W002, I002, E002, W003, E003, E004, E006, I003, E100,
             W100, I100)
    needs_django = True
    provides = ("django.upload_limits", "storage.backends")

    def run(self, ctx):
        s = ctx.settings
        wrong = wrong_settings(s)
        for name, problem in wrong.items():
            yield E005(f"{name} {problem}", evidence=[kv("Setting", {"name": name,
                                                                    "problem": problem})])
        usable = {name: getattr(s, name, None) for name in TYPES if name not in wrong}
        temp_dir = usable.get("FILE_UPLOAD_TEMP_DIR") or tempfile.gettempdir()
        limits = {
            "DATA_UPLOAD_MAX_MEMORY_SIZE": usable.get("DATA_UPLOAD_MAX_MEMORY_SIZE"),
            "FILE_UPLOAD_MAX_MEMORY_SIZE": usable.get("FILE_UPLOAD_MAX_MEMORY_SIZE"),
            "DATA_UPLOAD_MAX_NUMBER_FILES": usable.get("DATA_UPLOAD_MAX_NUMBER_FILES"),
            "FILE_UPLOAD_TEMP_DIR": temp_dir,
        }
        ctx.publish("django.upload_limits", limits)
        shown = kv("Upload settings", {name: _setting_shown(name, getattr(s, name, None),
                                                            name in wrong, temp_dir)
                                       for name in SHOWN})
        yield I001("Django's upload settings", evidence=[shown])
        if wrong:  # building the storages, and Django's own checks, fail on these values
            return
        yield from self._temp_dir(s, temp_dir, shown)
        yield from self._limits(s, shown)
        yield from self._handlers(s)
        backends = yield from self._storages(ctx, s)
        ctx.publish("storage.backends", backends)
        yield from self._system_checks()

    def _temp_dir(self, s, temp_dir, shown):
        problem = _writable_dir(temp_dir)
        if problem:
            yield E001(
                f"FILE_UPLOAD_TEMP_DIR {temp_dir} {problem}",
                f"Create it and make it writable by the server's user, or unset "
                f"FILE_UPLOAD_TEMP_DIR. Only uploads larger than FILE_UPLOAD_MAX_MEMORY_SIZE "
                f"({_size(s.FILE_UPLOAD_MAX_MEMORY_SIZE)}) go there, so small test images "
                f"pass while phone photos fail with a 500.", [shown])
            return
        free = shutil.disk_usage(temp_dir).free
        if free < LOW_FREE_SPACE:
            yield W001(
                f"Only {free / MB:.0f} MiB free in the upload temp dir {temp_dir}",
                "Free space or point FILE_UPLOAD_TEMP_DIR at a larger volume: large uploads "
                "are streamed there and fail with 'No space left on device'.",
                [kv("Disk", {"path": temp_dir, "free": f"{free / MB:.0f} MiB"})])

    def _limits(self, s, shown):
        if s.FILE_UPLOAD_MAX_MEMORY_SIZE and s.FILE_UPLOAD_MAX_MEMORY_SIZE > 50 * MB:
            yield W002(
                f"FILE_UPLOAD_MAX_MEMORY_SIZE is {_size(s.FILE_UPLOAD_MAX_MEMORY_SIZE)}: "
                "whole uploads are held in each worker's memory",
                "Keep it near Django's default of 2.5 MB so large uploads stream to "
                "FILE_UPLOAD_TEMP_DIR; a few concurrent phone photos can otherwise exhaust "
                "a small container's memory and the worker is killed.", [shown])
        if s.DATA_UPLOAD_MAX_MEMORY_SIZE is not None and \
                s.DATA_UPLOAD_MAX_MEMORY_SIZE < s.FILE_UPLOAD_MAX_MEMORY_SIZE:
            yield I002(
                "DATA_UPLOAD_MAX_MEMORY_SIZE is below FILE_UPLOAD_MAX_MEMORY_SIZE; "
                "it does not limit file parts",
                "To cap upload size, validate the file's size in the form or serializer, "
                "and set client_max_body_size in nginx: DATA_UPLOAD_MAX_MEMORY_SIZE only "
                "counts the non-file fields.", [shown])

    def _handlers(self, s):
        from django.utils.module_loading import import_string

        rows, broken = [], []
        for path in s.FILE_UPLOAD_HANDLERS:
            try:
                import_string(path)
                rows.append([path, "ok"])
            except ImportError as exc:
                rows.append([path, f"cannot import: {exc}"])
                broken.append(path)
        handlers = table("FILE_UPLOAD_HANDLERS", ["handler", "import"], rows)
        for path in broken:
            yield E002(
                f"Upload handler {path} cannot be imported",
                "Fix the dotted path in FILE_UPLOAD_HANDLERS: every multipart request "
                "fails while it is broken.", [handlers])
        names = " ".join(s.FILE_UPLOAD_HANDLERS)
        if "TemporaryFileUploadHandler" not in names:
            yield W003(
                "No TemporaryFileUploadHandler: large uploads are kept in memory",
                "Keep django.core.files.uploadhandler.TemporaryFileUploadHandler in "
                "FILE_UPLOAD_HANDLERS so uploads above FILE_UPLOAD_MAX_MEMORY_SIZE stream "
                "to disk.", [handlers])

    def _storages(self, ctx, s):
        from django.core.files.storage import FileSystemStorage, storages
        from django.core.files.storage.handler import InvalidStorageError

        from django.apps import apps

        backends, rows = {}, []
        for alias in storages.backends:
            if alias == "staticfiles" and not apps.is_installed("django.contrib.staticfiles"):
                continue  # Django's default entry, unused (and unbuildable) without the app
            backend = storages.backends[alias].get("BACKEND", "?")
            backends[alias] = backend
            try:
                storage = storages[alias]
            except (InvalidStorageError, ImportError, Exception) as exc:  # noqa: BLE001
                rows.append([alias, backend, f"{type(exc).__name__}: {exc}"])
                yield E003(
                    f"Storage {alias!r} ({backend}) cannot be built: "
                    f"{type(exc).__name__}: {exc}",
                    "Fix its BACKEND path and OPTIONS in STORAGES (or DEFAULT_FILE_STORAGE); "
                    "every save through it raises this error.")
                continue
            rows.append([alias, backend, type(storage).__name__])
            if isinstance(storage, FileSystemStorage):
                yield from self._media_root(alias, storage)
                yield from self._modes(alias, storage)
        yield I003(f"{len(rows)} storages: " + ", ".join(f"{a} -> {b}" for a, b, _ in rows),
                   evidence=[table("Storages", ["alias", "backend", "instance"], rows)])
        return backends

    def _media_root(self, alias, storage):
        location = str(storage.location)
        problem = _writable_dir(location)
        if problem == "does not exist":
            parent = os.path.dirname(location.rstrip(os.sep)) or "."
            if _writable_dir(parent) is None:
                return  # FileSystemStorage creates it on the first save
        if problem:
            yield E004(
                f"Storage {alias!r} writes to {location}, which {problem}",
                "Set MEDIA_ROOT (or the storage's location) to a directory the server's "
                "user can write; every save raises PermissionError or FileNotFoundError.",
                [kv("FileSystemStorage", {"alias": alias, "location": location,
                                          "base_url": storage.base_url})])

    def _modes(self, alias, storage):
        for kind, mode, names in (
                ("files", storage.file_permissions_mode,
                 "FILE_UPLOAD_PERMISSIONS (or the storage's file_permissions_mode)"),
                ("directories", storage.directory_permissions_mode,
                 "FILE_UPLOAD_DIRECTORY_PERMISSIONS (or the storage's "
                 "directory_permissions_mode)")):
            if _decimal_mode(mode):
                shown = stat.filemode(mode | (stat.S_IFREG if kind == "files" else stat.S_IFDIR))
                yield E006(
                    f"Storage {alias!r} gives its {kind} mode {oct(mode)} ({shown}): {mode} "
                    f"was written in decimal",
                    f"Write {names} as 0o{mode}, then chmod what was already saved"
                    + ("" if mode & 0o400 else f": as it is, the app's own user cannot "
                       f"{'read' if kind == 'files' else 'list'} them") + ".",
                    [kv("FileSystemStorage", {"alias": alias, "location": str(storage.location),
                                              f"{kind} mode": f"{oct(mode)} ({shown})"})])

    def _system_checks(self):
        from django.core import checks as django_checks

        # Only the families that can hold upload problems: the full run (URLs, templates,
        # security...) costs more than the rest of this check and adds nothing here.
        tags = [django_checks.Tags.files, django_checks.Tags.models]
        for message in django_checks.run_checks(tags=tags):
            if not (message.id or "").startswith(RELEVANT_SYSTEM_CHECKS) or \
                    message.id in COVERED_SYSTEM_CHECKS:
                continue
            code = E100 if message.level >= django_checks.ERROR else \
                W100 if message.level >= django_checks.WARNING else I100
            yield code(f"Django system check {message.id}: {message.msg}",
                       message.hint or f"See Django's system check reference for {message.id}.",
                       [kv("System check", {"id": message.id, "object": str(message.obj)})])
