"""The runtime read tracker: who read an uploaded file, from where, and what they got.

`track(file, tracker)` puts a recording proxy under a Django `File` (InMemoryUploadedFile,
TemporaryUploadedFile, ContentFile...): the object keeps its class, so project code sees
no difference, while every read, seek and tell is recorded with the calling frame. Two
mistakes are flagged as they happen:

- a read that returns nothing because an earlier read, elsewhere, consumed the stream
  and nothing rewound it (the remote storage that then uploads 0 bytes);
- a save of a stream that is not at position 0 (`Tracker.saving`).

`handler_paths(paths)` wraps the project's FILE_UPLOAD_HANDLERS so that a real request
through the project's own view produces tracked uploads.
"""
from __future__ import annotations

import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.module_loading import import_string

HERE = Path(__file__).resolve().parent
OWN_PACKAGES = tuple(str(HERE.parents[1] / p) + "/" for p in
                     ("checks", "diagnostics", "manage_commands", "reports"))
LIBRARY_MARKERS = ("/site-packages/", "/dist-packages/", "/lib/python")
MAX_EVENTS = 200  # per stream, after merging repeats; enough to show what happened


@dataclass(frozen=True)
class Frame:
    path: str  # relative to the project root when inside it
    line: int
    function: str
    in_project: bool = field(default=False, compare=False)

    def __str__(self):
        return f"{self.path}:{self.line} in {self.function}"


@dataclass
class Event:
    op: str  # read, seek, tell, save
    stream: str
    site: Frame  # the code that called (first frame outside the tracker)
    frame: Frame | None  # the nearest frame in the project's own code
    position: int  # before the call
    nbytes: int = 0  # bytes returned by reads, summed over merged calls
    calls: int = 1
    detail: str = ""


@dataclass
class Problem:
    kind: str  # "eof_read" or "save_not_at_start"
    stream: str
    event: Event  # the read or save that went wrong
    earlier: Event | None = None  # the read that consumed the stream
    log: "StreamLog | None" = None  # everything that happened to the stream


@dataclass
class StreamLog:
    name: str
    events: list[Event] = field(default_factory=list)
    readers: dict = field(default_factory=dict)  # site -> bytes read since the last seek
    last_read: dict = field(default_factory=dict)  # site -> (order, its latest read event)
    seq: int = 0


class Tracker:
    """Collects events of every tracked stream; safe to share between threads."""

    def __init__(self, project_root: Path):
        self.project_root = Path(project_root).resolve()
        self.streams: dict[int, StreamLog] = {}
        self.problems: list[Problem] = []
        self._project_files: dict[str, bool] = {}
        self._lock = threading.Lock()

    # -- frames -------------------------------------------------------------------------
    def is_project(self, filename: str) -> bool:
        """Whether code in `filename` is the project's own (not a library, not ours)."""
        found = self._project_files.get(filename)
        if found is None:
            path = str(Path(filename).resolve()) if not filename.startswith("<") else filename
            found = path.startswith(str(self.project_root) + "/") and not (
                path.startswith(OWN_PACKAGES) or any(m in path for m in LIBRARY_MARKERS))
            self._project_files[filename] = found
        return found

    def frame_of(self, f, line: int | None = None) -> Frame:
        filename = f.f_code.co_filename
        try:
            path = Path(filename).resolve().relative_to(self.project_root).as_posix()
        except ValueError:
            path = filename.split("-packages/", 1)[-1]  # django/forms/fields.py
            if path.startswith(OWN_PACKAGES):
                path = Path(path).relative_to(HERE.parents[1]).as_posix()
        return Frame(path, line or f.f_lineno, f.f_code.co_name, self.is_project(filename))

    def frames(self, depth: int = 1) -> tuple[Frame, Frame | None]:
        """(the calling site outside this module, the nearest project frame or None)."""
        f = sys._getframe(depth)
        while f is not None and f.f_code.co_filename == __file__:
            f = f.f_back
        site = self.frame_of(f) if f is not None else Frame("?", 0, "?")
        while f is not None and not self.is_project(f.f_code.co_filename):
            f = f.f_back
        return site, (self.frame_of(f) if f is not None else None)

    def project_frame(self) -> Frame | None:
        return self.frames()[1]

    # -- events -------------------------------------------------------------------------
    def register(self, stream: "TrackingIO", name: str) -> None:
        with self._lock:
            self.streams[id(stream)] = StreamLog(name)

    def _add(self, log: StreamLog, event: Event) -> Event:
        last = log.events[-1] if log.events else None
        if last and event.op in ("read", "tell") and self._same_caller(last, event):
            last.calls += 1
            last.nbytes += event.nbytes
            last.op = "read" if "read" in (last.op, event.op) else last.op
            return last
        if len(log.events) < MAX_EVENTS:
            log.events.append(event)
        return event

    def _same_caller(self, last: Event, event: Event) -> bool:
        """Merge repeats: the same site, or library calls on behalf of one project line
        (Pillow parsing a header reads a few bytes from many places)."""
        if last.op not in ("read", "tell"):
            return False
        if last.site == event.site:
            return last.op == event.op
        return last.frame == event.frame and not last.site.in_project \
            and not event.site.in_project

    def on_read(self, stream, position: int, nbytes: int, requested) -> None:
        site, frame = self.frames()
        with self._lock:
            log = self.streams[id(stream)]
            event = self._add(log, Event("read", log.name, site, frame, position, nbytes))
            others = {s: n for s, n in log.readers.items() if s != site and n}
            if nbytes == 0 and requested != 0 and others and not log.readers.get(site):
                consumer = max(log.last_read[s] for s in others)[1]
                self.problems.append(Problem("eof_read", log.name, event, consumer, log))
            log.readers[site] = log.readers.get(site, 0) + nbytes
            if nbytes:
                log.seq += 1
                log.last_read[site] = (log.seq, event)

    def on_seek(self, stream, position: int, target: int, whence: int) -> None:
        site, frame = self.frames()
        with self._lock:
            log = self.streams[id(stream)]
            self._add(log, Event("seek", log.name, site, frame, position,
                                 detail=f"seek({target}{', ' + str(whence) if whence else ''})"))
            log.readers.clear()  # a new pass over the stream begins

    def on_tell(self, stream, position: int) -> None:
        site, frame = self.frames()
        with self._lock:
            log = self.streams[id(stream)]
            self._add(log, Event("tell", log.name, site, frame, position))

    def saving(self, content, name: str, storage: str) -> None:
        """Called by a storage before it reads `content`: flag a stream not at position 0."""
        try:
            position = content.tell()
        except (AttributeError, OSError, ValueError):
            return
        site, frame = self.frames()
        stream = _tracking_io(content)
        with self._lock:
            log = self.streams.get(id(stream)) if stream else None
            label = log.name if log else getattr(content, "name", None) or name
            event = Event("save", label, site, frame, position,
                          detail=f"{storage}.save({name!r})")
            if log:
                self._add(log, event)
            if position:
                earlier = None
                if log:
                    reads = [e for e in log.events if e.op == "read" and e.nbytes]
                    earlier = reads[-1] if reads else None
                self.problems.append(Problem("save_not_at_start", label, event, earlier, log))


class TrackingIO:
    """A file object that reports each read, seek and tell to a Tracker."""

    def __init__(self, raw, tracker: Tracker, name: str):
        self._raw = raw
        self._tracker = tracker
        tracker.register(self, name)

    def read(self, size=-1):
        position = self._raw.tell()
        data = self._raw.read() if size is None else self._raw.read(size)
        self._tracker.on_read(self, position, len(data), size)
        return data

    def readline(self, size=-1):
        position = self._raw.tell()
        data = self._raw.readline(size)
        self._tracker.on_read(self, position, len(data), size)
        return data

    def readlines(self, hint=-1):
        return list(iter(self.readline, b""))

    def __iter__(self):
        return iter(self.readline, b"")

    def seek(self, offset, whence=0):
        position = self._raw.tell()
        result = self._raw.seek(offset, whence)
        self._tracker.on_seek(self, position, offset, whence)
        return result

    def tell(self):
        position = self._raw.tell()
        self._tracker.on_tell(self, position)
        return position

    def __getattr__(self, name):  # name, close, closed, fileno, size...
        return getattr(self._raw, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _tracking_io(file) -> TrackingIO | None:
    inner = getattr(file, "file", file)
    return inner if isinstance(inner, TrackingIO) else None


def track(file, tracker: Tracker, name: str | None = None):
    """Record every read/seek/tell of a Django File (InMemoryUploadedFile,
    TemporaryUploadedFile, ContentFile...) from now on; returns the same object."""
    if file is not None and not isinstance(getattr(file, "file", None), TrackingIO):
        file.file = TrackingIO(file.file, tracker, name or file.name or repr(file))
    return file


# -- upload handlers ------------------------------------------------------------------------
_state = threading.local()


class active:
    """`with active(tracker):` - uploads produced by tracking handlers in this thread are
    tracked by `tracker`."""

    def __init__(self, tracker: Tracker):
        self.tracker = tracker

    def __enter__(self):
        self.previous = getattr(_state, "tracker", None)
        _state.tracker = self.tracker
        return self.tracker

    def __exit__(self, *exc):
        _state.tracker = self.previous


class TrackingUploadHandler:
    """Wraps one of the project's upload handlers: same behaviour, tracked result."""

    inner_path = "django.core.files.uploadhandler.MemoryFileUploadHandler"

    def __init__(self, request=None):
        self._inner = import_string(self.inner_path)(request)

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def file_complete(self, file_size):
        file = self._inner.file_complete(file_size)
        tracker = getattr(_state, "tracker", None)
        if file is not None and tracker is not None:
            track(file, tracker, f"{file.name} ({type(file).__name__})")
        return file


def handler_paths(paths) -> list[str]:
    """Dotted paths of tracking wrappers of the given upload handler paths, in order,
    for FILE_UPLOAD_HANDLERS."""
    module = sys.modules[__name__]
    result = []
    for path in paths:
        attr = "Tracking_" + path.replace(".", "_")
        if not hasattr(module, attr):
            setattr(module, attr, type(attr, (TrackingUploadHandler,), {"inner_path": path}))
        result.append(f"{__name__}.{attr}")
    return result


def handlers(paths, request=None) -> list:
    """Instances of the tracking wrappers, for a MultiPartParser built by hand."""
    return [import_string(p)(request) for p in handler_paths(paths)]
