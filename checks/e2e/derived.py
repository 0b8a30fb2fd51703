"""Following what the project builds from an upload: every Django `File` made while a
request runs (a ContentFile of the upload's bytes, a File around a buffer) is tracked from
the moment it is made, and so is every `BytesIO` the project's own modules make, so that
a consumed-then-saved derived file is reported with the line that consumed (or wrote) it.

`follow(tracker)` installs this for the duration of the check; streams are tracked only in
a thread where the tracker is active (`tracker.active`).
"""
from __future__ import annotations

import io
import sys
import types

from . import tracker as tracking


class _AnyBytesIO(type):
    """`isinstance(x, io.BytesIO)` in a project module (where BytesIO is the tracked kind)
    stays true for every BytesIO."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, io.BytesIO)


class TrackedBytesIO(io.BytesIO, tracking.Tracked, metaclass=_AnyBytesIO):
    """A BytesIO that reports reads, writes and seeks to the tracker active where it was
    made; elsewhere it is a plain BytesIO."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._tracker = tracking.current()
        if self._tracker is not None:
            self._tracker.register(self, "BytesIO")
            self._tracker.made(self, 0, "BytesIO()")

    def _reported(self, read, size):
        position = super().tell()
        data = read(size)
        if self._tracker is not None:
            self._tracker.on_read(self, position, len(data), size)
        return data

    def read(self, size=-1):
        return self._reported(super().read, size)

    def read1(self, size=-1):
        return self.read(size)

    def readline(self, size=-1):
        return self._reported(super().readline, size)

    def readinto(self, buffer):
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def write(self, data):
        position = super().tell()
        written = super().write(data)
        if self._tracker is not None:
            self._tracker.on_write(self, position, written)
        return written

    def seek(self, offset, whence=0):
        position = super().tell()
        result = super().seek(offset, whence)
        if self._tracker is not None:
            self._tracker.on_seek(self, position, offset, whence, result)
        return result

    def tell(self):
        position = super().tell()
        if self._tracker is not None:
            self._tracker.on_tell(self, position)
        return position


_TRACKED_IO = types.ModuleType("io", io.__doc__)
_TRACKED_IO.__dict__.update({k: v for k, v in io.__dict__.items() if not k.startswith("__")})
_TRACKED_IO.BytesIO = TrackedBytesIO


class follow:
    """Track Django Files made in a tracked thread, and have the project's modules make
    tracked BytesIO objects (`BytesIO` and `io` rebound in their globals), until `stop()`."""

    def __init__(self, tracker: tracking.Tracker):
        self.tracker = tracker
        self._patched: list[tuple[dict, str, object]] = []
        self._init = None

    def start(self) -> None:
        from django.core.files.base import File
        from django.core.files.uploadedfile import UploadedFile

        self._init = original = File.__init__

        def init(file_self, file, name=None):
            original(file_self, file, name)
            tracker = tracking.current()
            # (uploads are tracked by the tracking upload handlers, under their own name)
            if tracker is not None and file is not None and not isinstance(
                    file, tracking.Tracked) and not isinstance(file_self, UploadedFile):
                position = tracking.position_of(file) or 0
                tracking.track(file_self, tracker)
                tracker.made(file_self.file, position, f"{type(file_self).__name__}(...)")

        File.__init__ = init
        for module in list(sys.modules.values()):
            if self.tracker.is_project(getattr(module, "__file__", None) or "<none>"):
                self._rebind(vars(module), "BytesIO", io.BytesIO, TrackedBytesIO)
                self._rebind(vars(module), "io", io, _TRACKED_IO)

    def _rebind(self, names: dict, name: str, old, new) -> None:
        if names.get(name) is old:
            names[name] = new
            self._patched.append((names, name, old))

    def stop(self) -> None:
        from django.core.files.base import File

        if self._init is not None:
            File.__init__, self._init = self._init, None
        for names, name, old in self._patched:
            names[name] = old
        self._patched.clear()

