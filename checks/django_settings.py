"""django.upload_settings: Django's upload limits, temp dir, media root and storages."""
from __future__ import annotations

import os
import shutil
import tempfile

from diagnostics import Check, Finding, Level, kv, table

MB = 1024 * 1024
LOW_FREE_SPACE = 512 * MB
RELEVANT_SYSTEM_CHECKS = ("files.", "fields.E20", "fields.E21", "fields.W20", "storage")


def _size(value) -> str:
    return "unlimited (None)" if value is None else f"{value} bytes ({value / MB:.1f} MiB)"


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
    tags = ("django", "settings", "storage")
    needs_django = True
    provides = ("django.upload_limits", "storage.backends")

    def run(self, ctx):
        s = ctx.settings
        temp_dir = s.FILE_UPLOAD_TEMP_DIR or tempfile.gettempdir()
        limits = {
            "DATA_UPLOAD_MAX_MEMORY_SIZE": s.DATA_UPLOAD_MAX_MEMORY_SIZE,
            "FILE_UPLOAD_MAX_MEMORY_SIZE": s.FILE_UPLOAD_MAX_MEMORY_SIZE,
            "DATA_UPLOAD_MAX_NUMBER_FILES": getattr(s, "DATA_UPLOAD_MAX_NUMBER_FILES", None),
            "FILE_UPLOAD_TEMP_DIR": temp_dir,
        }
        ctx.publish("django.upload_limits", limits)
        shown = kv("Upload settings", {
            "DATA_UPLOAD_MAX_MEMORY_SIZE": _size(s.DATA_UPLOAD_MAX_MEMORY_SIZE),
            "FILE_UPLOAD_MAX_MEMORY_SIZE": _size(s.FILE_UPLOAD_MAX_MEMORY_SIZE),
            "DATA_UPLOAD_MAX_NUMBER_FILES": limits["DATA_UPLOAD_MAX_NUMBER_FILES"],
            "FILE_UPLOAD_HANDLERS": ", ".join(s.FILE_UPLOAD_HANDLERS),
            "FILE_UPLOAD_TEMP_DIR": f"{s.FILE_UPLOAD_TEMP_DIR!r} -> {temp_dir}",
            "FILE_UPLOAD_PERMISSIONS": oct(s.FILE_UPLOAD_PERMISSIONS)
            if s.FILE_UPLOAD_PERMISSIONS is not None else None,
            "MEDIA_ROOT": s.MEDIA_ROOT, "MEDIA_URL": s.MEDIA_URL,
        })
        yield Finding("django.I001", Level.INFO, "Django's upload settings", evidence=[shown])
        yield from self._temp_dir(s, temp_dir, shown)
        yield from self._limits(s, shown)
        yield from self._handlers(s)
        backends = yield from self._storages(ctx, s)
        ctx.publish("storage.backends", backends)
        yield from self._system_checks()

    def _temp_dir(self, s, temp_dir, shown):
        problem = _writable_dir(temp_dir)
        if problem:
            yield Finding(
                "django.E001", Level.ERROR,
                f"FILE_UPLOAD_TEMP_DIR {temp_dir} {problem}",
                f"Create it and make it writable by the server's user, or unset "
                f"FILE_UPLOAD_TEMP_DIR. Only uploads larger than FILE_UPLOAD_MAX_MEMORY_SIZE "
                f"({_size(s.FILE_UPLOAD_MAX_MEMORY_SIZE)}) go there, so small test images "
                f"pass while phone photos fail with a 500.", [shown])
            return
        free = shutil.disk_usage(temp_dir).free
        if free < LOW_FREE_SPACE:
            yield Finding(
                "django.W001", Level.WARNING,
                f"Only {free / MB:.0f} MiB free in the upload temp dir {temp_dir}",
                "Free space or point FILE_UPLOAD_TEMP_DIR at a larger volume: large uploads "
                "are streamed there and fail with 'No space left on device'.",
                [kv("Disk", {"path": temp_dir, "free": f"{free / MB:.0f} MiB"})])

    def _limits(self, s, shown):
        if s.FILE_UPLOAD_MAX_MEMORY_SIZE and s.FILE_UPLOAD_MAX_MEMORY_SIZE > 50 * MB:
            yield Finding(
                "django.W002", Level.WARNING,
                f"FILE_UPLOAD_MAX_MEMORY_SIZE is {_size(s.FILE_UPLOAD_MAX_MEMORY_SIZE)}: "
                "whole uploads are held in each worker's memory",
                "Keep it near Django's default of 2.5 MB so large uploads stream to "
                "FILE_UPLOAD_TEMP_DIR; a few concurrent phone photos can otherwise exhaust "
                "a small container's memory and the worker is killed.", [shown])
        if s.DATA_UPLOAD_MAX_MEMORY_SIZE is not None and \
                s.DATA_UPLOAD_MAX_MEMORY_SIZE < s.FILE_UPLOAD_MAX_MEMORY_SIZE:
            yield Finding(
                "django.I002", Level.INFO,
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
            yield Finding(
                "django.E002", Level.ERROR, f"Upload handler {path} cannot be imported",
                "Fix the dotted path in FILE_UPLOAD_HANDLERS: every multipart request "
                "fails while it is broken.", [handlers])
        names = " ".join(s.FILE_UPLOAD_HANDLERS)
        if "TemporaryFileUploadHandler" not in names:
            yield Finding(
                "django.W003", Level.WARNING,
                "No TemporaryFileUploadHandler: large uploads are kept in memory",
                "Keep django.core.files.uploadhandler.TemporaryFileUploadHandler in "
                "FILE_UPLOAD_HANDLERS so uploads above FILE_UPLOAD_MAX_MEMORY_SIZE stream "
                "to disk.", [handlers])

    def _storages(self, ctx, s):
        from django.core.files.storage import FileSystemStorage, storages
        from django.core.files.storage.handler import InvalidStorageError

        backends, rows = {}, []
        for alias in storages.backends:
            backend = storages.backends[alias].get("BACKEND", "?")
            backends[alias] = backend
            try:
                storage = storages[alias]
            except (InvalidStorageError, ImportError, Exception) as exc:  # noqa: BLE001
                rows.append([alias, backend, f"{type(exc).__name__}: {exc}"])
                yield Finding(
                    "django.E003", Level.ERROR,
                    f"Storage {alias!r} ({backend}) cannot be built: "
                    f"{type(exc).__name__}: {exc}",
                    "Fix its BACKEND path and OPTIONS in STORAGES (or DEFAULT_FILE_STORAGE); "
                    "every save through it raises this error.")
                continue
            rows.append([alias, backend, type(storage).__name__])
            if isinstance(storage, FileSystemStorage):
                yield from self._media_root(alias, storage)
        yield Finding("django.I003", Level.INFO,
                      f"{len(rows)} storages: " + ", ".join(f"{a} -> {b}" for a, b, _ in rows),
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
            yield Finding(
                "django.E004", Level.ERROR,
                f"Storage {alias!r} writes to {location}, which {problem}",
                "Set MEDIA_ROOT (or the storage's location) to a directory the server's "
                "user can write; every save raises PermissionError or FileNotFoundError.",
                [kv("FileSystemStorage", {"alias": alias, "location": location,
                                          "base_url": storage.base_url})])

    def _system_checks(self):
        from django.core import checks as django_checks

        for message in django_checks.run_checks():
            if not (message.id or "").startswith(RELEVANT_SYSTEM_CHECKS):
                continue
            level = Level.ERROR if message.level >= django_checks.ERROR else \
                Level.WARNING if message.level >= django_checks.WARNING else Level.INFO
            code = {Level.ERROR: "django.E100", Level.WARNING: "django.W100"}.get(
                level, "django.I100")
            yield Finding(code, level, f"Django system check {message.id}: {message.msg}",
                          message.hint or "See Django's system check reference for "
                          f"{message.id}.",
                          [kv("System check", {"id": message.id, "object": str(message.obj)})])
