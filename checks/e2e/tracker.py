"""The runtime read tracker: who read an uploaded file, from where, and what they got.

`track(file, tracker)` puts a recording proxy under a Django `File` (InMemoryUploadedFile,
TemporaryUploadedFile, ContentFile...): the object keeps its class, so project code sees
no difference, while every read, write, seek and tell is recorded with the calling frame
and the chain of project frames above it. For each stream the tracker knows which call
left it at its current position (its "owner"), so that two mistakes are flagged with
both lines:

- a read that returns nothing because an earlier call, elsewhere, consumed (or wrote) the
  stream and nothing rewound it;
- a save of a stream that is not at position 0 (`Tracker.saving`), which a storage that
  calls `content.read()` stores short or empty.

`handler_paths(paths)` wraps the project's FILE_UPLOAD_HANDLERS so that a real request
through the project's own view produces tracked uploads; `derived` follows the files and
buffers the project builds from them.
"""
from __future__ import annotations

import contextlib
import io
import re
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.module_loading import import_string

HERE = Path(__file__).resolve().parent
# Not call sites: the tracking proxies, the recording storage (its read stands for the
# caller's storage save) and the context managers they run in.
HERE_FILES = {__file__, contextlib.__file__,
              *(str(Path(__file__).with_name(name)) for name in ("derived.py", "recording.py"))}
OWN_PACKAGES = tuple(str(HERE.parents[1] / p) + "/" for p in
                     ("checks", "diagnostics", "manage_commands", "reports"))
OWN_CODE = "the diagnostic's own test upload"  # how the tool's frames are shown
LIBRARY_MARKERS = ("/site-packages/", "/dist-packages/", "/lib/python")
STDLIB = re.compile(r".*/lib/python\d+\.\d+/")
MAX_EVENTS = 200  # per stream, after merging repeats; enough to show what happened
CHAIN_DEPTH = 6  # project frames kept per event: the call chain from the call outwards


@dataclass(frozen=True)
class Frame:
    path: str  # relative to the project root when inside it
    line: int
    function: str
    in_project: bool = field(default=False, compare=False)

    def __str__(self):
        if self.path == OWN_CODE:
            return f"{OWN_CODE} ({self.function})"
        return f"{self.path}:{self.line} in {self.function}"


@dataclass
class Event:
    op: str  # read, write, seek, tell, save, made
    stream: str
    site: Frame  # the code that called (first frame outside the tracker)
    chain: tuple[Frame, ...]  # the project frames above it, innermost first
    position: int  # before the call
    nbytes: int  # bytes read or written, summed over merged calls
    detail: str  # what the call was, when more than its op ("seek(0, 2)", "default.save(...)")
    calls: int = 1  # merged repeats

    @property
    def frame(self) -> Frame | None:
        """The nearest frame in the project's own code."""
        return self.chain[0] if self.chain else None


@dataclass
class Problem:
    kind: str  # "eof_read" or "save_not_at_start"
    stream: str
    event: Event  # the read or save that went wrong
    earlier: Event | None  # the call that left the stream where it was
    log: StreamLog | None  # everything that happened to the stream
    storage: str = ""  # the storage alias of a save
    name: str = ""  # the name a save was asked for


@dataclass
class StreamLog:
    name: str
    events: list[Event] = field(default_factory=list)
    readers: dict = field(default_factory=dict)  # site -> bytes read since the last seek
    owner: Event | None = None  # the call that left the stream at its current position
    ends: dict = field(default_factory=dict)  # position -> the call that ended there
    saving: int = 0  # saves in progress: their reads are judged by what is stored

    def moved(self, event: Event, end: int) -> None:
        """`event` left the stream at `end`."""
        self.owner = event if end else None
        if end:
            self.ends[end] = event


class Tracker:
    """Collects events of every tracked stream; safe to share between threads."""

    def __init__(self, project_root: Path):
        self.project_root = Path(project_root).resolve()
        self.streams: dict[int, StreamLog] = {}
        self.problems: list[Problem] = []
        self._files: dict[str, tuple[str, bool]] = {}
        self._lock = threading.Lock()

    # -- frames -------------------------------------------------------------------------
    def _file(self, filename: str) -> tuple[str, bool]:
        """(the path shown for code in `filename`, whether it is the project's own code:
        not a library, not ours), worked out once per file."""
        found = self._files.get(filename)
        if found is None:
            path = str(Path(filename).resolve()) if not filename.startswith("<") else filename
            mine = path.startswith(str(self.project_root) + "/") and not (
                path.startswith(OWN_PACKAGES) or any(m in path for m in LIBRARY_MARKERS))
            if path.startswith(OWN_PACKAGES):
                shown = OWN_CODE
            elif path.startswith(str(self.project_root) + "/"):
                shown = Path(path).relative_to(self.project_root).as_posix()
            else:  # django/forms/fields.py, contextlib.py
                shown = STDLIB.sub("", filename.split("-packages/", 1)[-1])
            found = self._files[filename] = (shown, mine)
        return found

    def is_project(self, filename: str) -> bool:
        """Whether code in `filename` is the project's own (not a library, not ours). A
        library's file is not resolved to say no (for every loaded module, that took a
        twentieth of a second)."""
        found = self._files.get(filename)
        if found is None and any(m in filename for m in LIBRARY_MARKERS):
            return False
        return (found or self._file(filename))[1]

    def frame_of(self, f, line: int | None = None) -> Frame:
        path, mine = self._file(f.f_code.co_filename)
        return Frame(path, line or f.f_lineno, f.f_code.co_name, mine)

    def frames(self) -> tuple[Frame, tuple[Frame, ...]]:
        """(the calling site outside this module, the project frames above it)."""
        f = sys._getframe(1)
        while f is not None and f.f_code.co_filename in HERE_FILES:
            f = f.f_back
        site = self.frame_of(f) if f is not None else Frame("?", 0, "?")
        chain = []
        while f is not None and len(chain) < CHAIN_DEPTH:
            if self.is_project(f.f_code.co_filename):
                chain.append(self.frame_of(f))
            f = f.f_back
        return site, tuple(chain)

    def project_frame(self) -> Frame | None:
        chain = self.frames()[1]
        return chain[0] if chain else None

    # -- events -------------------------------------------------------------------------
    def register(self, stream, name: str) -> None:
        with self._lock:
            self.streams[id(stream)] = StreamLog(name)

    def _event(self, stream, op: str, position: int, nbytes: int = 0, detail: str = ""):
        """(the stream's log, the recorded event), merged with a repeat of the last one."""
        site, chain = self.frames()
        log = self.streams[id(stream)]
        event = Event(op, log.name, site, chain, position, nbytes, detail)
        last = log.events[-1] if log.events else None
        if last and op in ("read", "write", "tell") and self._same_caller(last, event):
            last.calls += 1
            last.nbytes += nbytes
            last.op = op if last.op == "tell" else last.op
            return log, last
        if len(log.events) < MAX_EVENTS:
            log.events.append(event)
        return log, event

    def _same_caller(self, last: Event, event: Event) -> bool:
        """Merge repeats: the same site, or library calls on behalf of one project line
        (Pillow parsing a header reads a few bytes from many places)."""
        if last.op not in ("read", "write", "tell") or (
                "tell" not in (last.op, event.op) and last.op != event.op):
            return False
        if last.site == event.site:
            return True
        return last.chain[:1] == event.chain[:1] and not last.site.in_project \
            and not event.site.in_project

    def on_read(self, stream, position: int, nbytes: int, requested) -> None:
        with self._lock:
            log, event = self._event(stream, "read", position, nbytes)
            site, owner = event.site, log.owner
            if nbytes == 0 and requested != 0 and owner is not None and owner.site != site \
                    and not log.readers.get(site) and not log.saving:
                self.problems.append(Problem("eof_read", log.name, event, owner, log))
            log.readers[site] = log.readers.get(site, 0) + nbytes
            if nbytes:
                log.moved(event, position + nbytes)

    def on_write(self, stream, position: int, nbytes: int) -> None:
        with self._lock:
            log, event = self._event(stream, "write", position, nbytes)
            if nbytes:
                log.moved(event, position + nbytes)

    def on_seek(self, stream, position: int, target: int, whence: int, now: int) -> None:
        with self._lock:
            log, event = self._event(
                stream, "seek", position,
                detail=f"seek({target}{', ' + str(whence) if whence else ''})")
            log.readers.clear()  # a new pass over the stream begins
            # Back to where another call left it (a library restoring the position after a
            # look at the header) keeps that call as the owner.
            log.moved(log.ends.get(now, event), now)

    def on_tell(self, stream, position: int) -> None:
        with self._lock:
            self._event(stream, "tell", position)

    def made(self, stream, position: int, detail: str) -> None:
        """A stream the project built (a File around a buffer, a BytesIO) came into being
        at `position`; its name then says where."""
        with self._lock:
            log, event = self._event(stream, "made", position, detail=detail)
            if event.frame:
                log.name = f"{log.name} made at {event.frame}"
            if position:
                log.moved(event, position)

    @contextmanager
    def saving(self, content, name: str, storage: str):
        """Around a storage's save of `content`: yields the Problem when the stream is not
        at position 0 (the storage sets its `name` to the name it stored), else None. The
        reads of the save itself are judged by what is stored, not as problems."""
        position = position_of(content)
        stream = _tracked(track(content, self) if _is_django_file(content) else content)
        log = self.streams.get(id(stream)) if stream is not None else None
        problem = None
        with self._lock:
            label = log.name if log else getattr(content, "name", None) or name
            site, chain = self.frames()
            event = Event("save", label, site, chain, position or 0, 0,
                          f"{storage}.save({name!r})")
            if log:
                if len(log.events) < MAX_EVENTS:
                    log.events.append(event)
                log.saving += 1
            if position:
                problem = Problem("save_not_at_start", label, event,
                                  log.owner if log else None, log, storage, name)
                self.problems.append(problem)
        try:
            yield problem
        finally:
            if log:
                with self._lock:
                    log.saving -= 1


class Tracked:
    """A stream that reports to a Tracker (TrackingIO, derived.TrackedBytesIO)."""


class TrackingIO(Tracked):
    """A file object that reports each read, write, seek and tell to a Tracker."""

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

    def write(self, data):
        position = self._raw.tell()
        written = self._raw.write(data)
        self._tracker.on_write(self, position, len(data) if written is None else written)
        return written

    def seek(self, offset, whence=0):
        position = self._raw.tell()
        result = self._raw.seek(offset, whence)
        self._tracker.on_seek(self, position, offset, whence, self._raw.tell())
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


def position_of(stream) -> int | None:
    """The stream's position, None when it has none; a tracked stream's is looked up
    without recording a tell (it is the diagnostic's look, not the project's)."""
    inner = getattr(stream, "file", stream)
    try:
        if isinstance(inner, TrackingIO):
            return inner._raw.tell()
        if isinstance(inner, Tracked):
            return io.BytesIO.tell(inner)
        return stream.tell()
    except (AttributeError, OSError, ValueError):
        return None


def _is_django_file(obj) -> bool:
    from django.core.files.base import File

    return isinstance(obj, File) and obj.file is not None


def _tracked(file) -> Tracked | None:
    """The tracked stream of a Django File, or the file when it is a tracked stream."""
    inner = getattr(file, "file", file)
    return inner if isinstance(inner, Tracked) else None


def track(file, tracker: Tracker, name: str | None = None):
    """Record every read/seek/tell of a Django File (InMemoryUploadedFile,
    TemporaryUploadedFile, ContentFile...) from now on; returns the same object."""
    if file is not None and not isinstance(getattr(file, "file", None), Tracked):
        file.file = TrackingIO(file.file, tracker, name or _label(file))
    return file


def _label(file) -> str:
    return f"{file.name} ({type(file).__name__})" if file.name else type(file).__name__


# -- upload handlers ------------------------------------------------------------------------
_state = threading.local()


def current() -> Tracker | None:
    """The tracker active in this thread."""
    return getattr(_state, "tracker", None)


class active:
    """`with active(tracker):` - uploads produced by tracking handlers in this thread (and
    the files `derived` follows) are tracked by `tracker`."""

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

    inner_path: str  # the wrapped handler's dotted path, set by handler_paths

    def __init__(self, request=None):
        self._inner = import_string(self.inner_path)(request)

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def file_complete(self, file_size):
        file = self._inner.file_complete(file_size)
        tracker = current()
        if file is not None and tracker is not None:
            track(file, tracker)
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
