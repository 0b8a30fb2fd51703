"""Storages the end-to-end check puts in place of the project's, and what they record.

- `RecordingStorage` keeps objects in memory and reads content the way remote SDKs do:
  one `content.read()` from wherever the stream is, no rewind (FileSystemStorage reads
  through `chunks()`, which rewinds, and so hides a consumed upload).
- `PrefixedStorage` (--e2e) passes calls to a real storage under a dedicated prefix and
  remembers every name, so that `cleanup()` can delete them all.
- `StandIn(make)` puts one of them in place of every storage the project uses: each
  alias of STORAGES (so `default_storage` too) and storages set on model FileFields.
"""
from __future__ import annotations

import hashlib
import io
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import Storage

from upload_diagnostics.diagnostics.roundtrip import RoundTrip

from ..storages import field_storages
from .tracker import Frame, Tracker

NAME_SEARCH_LIMIT = 1000  # candidate names found taken in a row before we call it a loop


@dataclass
class Call:
    storage: str
    op: str
    name: str
    seconds: float = 0.0
    nbytes: int | None = None
    frame: Frame | None = None
    error: str | None = None


@dataclass
class Stored:
    storage: str
    name: str
    nbytes: int
    image: str | None  # the format Pillow recognises, None when it does not decode
    problem: str = ""  # why it does not decode
    content: str = ""  # what was saved (the stream's name and class)
    sent: int | None = None  # the size of the saved file object, when it knew one
    digest: str = ""  # SHA-256 of the stored bytes: whether an upload was stored as sent


class NameSearchLoop(Exception):
    """exists() said every candidate name was taken: get_available_name never ends."""

    def __init__(self, storage: str, name: str, count: int, seconds: float):
        super().__init__(f"{storage}.exists() returned True for {count} candidate names in "
                         f"{seconds:.2f} s (last: {name!r})")
        self.storage, self.name, self.count, self.seconds = storage, name, count, seconds


def describe_image(data: bytes) -> tuple[str | None, str]:
    """(Pillow's format name, "") when `data` decodes as an image, else (None, why)."""
    from PIL import Image

    if not data:
        return None, "0 bytes"
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            return image.format, ""
    except Exception as exc:  # any decoder error means the same thing here
        return None, f"{type(exc).__name__}: {exc}"


class Recorder:
    """The storage calls of one run and the objects they stored."""

    def __init__(self, tracker: Tracker, stage_timeout: float = 30.0):
        self.tracker = tracker
        self.stage_timeout = stage_timeout
        self.calls: list[Call] = []
        self.stored: list[Stored] = []
        self._lock = threading.Lock()

    @contextmanager
    def call(self, storage: str, op: str, name: str):
        record = Call(storage, op, str(name), frame=self.tracker.project_frame())
        started = time.perf_counter()
        try:
            yield record
        except BaseException as exc:
            record.error = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            record.seconds = time.perf_counter() - started
            with self._lock:
                self.calls.append(record)

    def mark(self) -> int:
        return len(self.calls)

    def since(self, mark: int) -> list[Call]:
        return self.calls[mark:]

    def keep(self, storage: str, name: str, data: bytes, content) -> None:
        fmt, problem = describe_image(data)
        label = f"{getattr(content, 'name', None) or name} ({type(content).__name__})"
        with self._lock:
            self.stored.append(Stored(storage, name, len(data), fmt, problem, label,
                                      getattr(content, "size", None),
                                      hashlib.sha256(data).hexdigest()))


class RecordingStorage(Storage):
    """An in-memory storage that receives content the way remote backends do."""

    def __init__(self, recorder: Recorder, alias: str):
        self.recorder = recorder
        self.alias = alias
        self.objects: dict[str, bytes] = {}

    def save(self, name, content, max_length=None):
        with self.recorder.tracker.saving(content, str(name), self.alias) as problem, \
                self.recorder.call(self.alias, "save", name) as call:
            call.name = super().save(name, content, max_length)
            call.nbytes = len(self.objects[call.name])
        if problem:
            problem.name = call.name
        return call.name

    def _save(self, name, content):
        data = content.read()  # one read, no rewind: what remote SDKs do
        self.objects[name] = data
        self.recorder.keep(self.alias, name, data, content)
        return name

    def _open(self, name, mode):  # Storage.open passes the mode
        with self.recorder.call(self.alias, "open", name) as call:
            data = self.objects[name]  # KeyError: like a remote 404
            call.nbytes = len(data)
            return ContentFile(data, name=name)

    def exists(self, name):
        with self.recorder.call(self.alias, "exists", name):
            return name in self.objects

    def size(self, name):
        with self.recorder.call(self.alias, "size", name) as call:
            call.nbytes = len(self.objects[name])
            return call.nbytes

    def url(self, name):
        with self.recorder.call(self.alias, "url", name):
            return f"memory://{self.alias}/{name}"

    def delete(self, name):
        with self.recorder.call(self.alias, "delete", name):
            self.objects.pop(name, None)

    def listdir(self, path):
        prefix = path.rstrip("/") + "/" if path else ""
        names = [n[len(prefix):] for n in self.objects if n.startswith(prefix)]
        return (sorted({n.split("/", 1)[0] for n in names if "/" in n}),
                sorted(n for n in names if "/" not in n))


class PrefixedStorage(Storage):
    """A real storage under a dedicated prefix; every name it writes is the round trip's,
    deleted by `cleanup()` (or by the runner's undo step on a timeout or Ctrl-C)."""

    def __init__(self, recorder: Recorder, alias: str, factory, prefix: str, ctx=None):
        self.recorder = recorder
        self.alias = alias
        self._factory = factory  # builds (or returns) the real storage on first use
        self._inner = None
        self.prefix = prefix
        self.trip = RoundTrip(f"storage {alias!r}", prefix, self._delete_real,
                              self._exists_real, lambda: walk(self._inner, prefix), ctx=ctx)
        self._searches: dict[int, dict] = {}  # thread -> its save's name search
        self._lock = threading.Lock()

    @property
    def inner(self):
        if self._inner is None:
            self._inner = self._factory()
            self._root = local_root(self._inner)
            self._root_existed = self._root is not None and os.path.isdir(self._root)
        return self._inner

    def _name(self, name: str) -> str:
        name = str(name).lstrip("/")
        return name if name.startswith(self.prefix) else self.prefix + name

    def save(self, name, content, max_length=None):
        name = self._name(name if name is not None else content.name)
        with self.trip.writing(name):
            with self.recorder.tracker.saving(content, name, self.alias) as problem, \
                    self.recorder.call(self.alias, "save", name) as call, self._guard():
                call.name = self.inner.save(name, content, max_length)
            self.trip.stored(call.name)
            if problem:
                problem.name = call.name
            self._keep(call, content)
            return call.name

    def _keep(self, call: Call, content) -> None:
        """Read back what the real storage holds, to judge it like the recording storage."""
        try:
            with self.inner.open(call.name, "rb") as stored:
                data = stored.read()
        except Exception:  # some backends cannot read back; size and decode stay unknown
            return
        call.nbytes = len(data)
        self.recorder.keep(self.alias, call.name, data, content)

    @contextmanager
    def _guard(self):
        """Make a name search that never ends (exists() always True) raise instead. Saves
        running at once (in threads) share one wrapper; each counts its own search."""
        inner, me = self.inner, threading.get_ident()
        with self._lock:
            if not self._searches:
                original = inner.exists
                inner.exists = lambda name: self._exists(original, name)
            self._searches[me] = {"started": time.perf_counter(), "taken": 0}
        try:
            yield
        finally:
            with self._lock:
                del self._searches[me]
                if not self._searches:
                    del inner.exists

    def _exists(self, original, name) -> bool:
        found = original(name)
        search = self._searches.get(threading.get_ident())
        if search is None:  # another thread's call, outside its saves
            return found
        search["taken"] = taken = search["taken"] + 1 if found else 0
        seconds = time.perf_counter() - search["started"]
        if found and (taken >= NAME_SEARCH_LIMIT or seconds > self.recorder.stage_timeout):
            raise NameSearchLoop(self.alias, name, taken, seconds)
        return found

    def _delegate(self, op: str, name, *args):
        with self.recorder.call(self.alias, op, name) as call:
            result = getattr(self.inner, op)(name, *args)
            if op == "size":
                call.nbytes = result
            return result

    def _open(self, name, mode):  # Storage.open passes the mode
        return self._delegate("open", self._name(name), mode)

    def exists(self, name):
        return self._delegate("exists", self._name(name))

    def size(self, name):
        return self._delegate("size", self._name(name))

    def url(self, name):
        return self._delegate("url", self._name(name))

    def delete(self, name):
        name = self._name(name)
        self._delegate("delete", name)

    def path(self, name):
        return self.inner.path(self._name(name))

    def listdir(self, path):
        return self.inner.listdir(self._name(path))

    def get_valid_name(self, name):
        return self.inner.get_valid_name(name)

    def _delete_real(self, name: str) -> None:
        if self._inner is not None:  # (never built: nothing was written)
            self._inner.delete(name)

    def _exists_real(self, name: str) -> bool:
        return self._inner is not None and self._inner.exists(name)

    def cleanup(self, wait: float = 20.0) -> list:
        """Delete every name written under the prefix: the round trip's findings for what
        is left behind or may be left (a save that got no answer, on a storage that
        cannot list the prefix to tell)."""
        found = self.trip.finish(wait)
        if self._inner is not None and self._root is not None:
            remove_empty_dirs(self._root, self.prefix, self._root_existed)
        return found


def walk(storage, folder: str) -> list[str]:
    """Every file name under `folder` of a storage, through listdir() folder by folder (a
    folder that does not exist holds nothing); raises what listdir() raises otherwise."""
    found, folders = [], [folder.rstrip("/")]
    while folders:
        current = folders.pop()
        try:
            dirs, files = storage.listdir(current)
        except FileNotFoundError:
            continue
        found += [f"{current}/{f}" for f in files]
        folders += [f"{current}/{d}" for d in dirs]
    return sorted(found)


def remove_empty_dirs(root: str, prefix: str, keep_root: bool = True) -> None:
    """A local storage keeps the prefix's folders (and its root, if saving made it)."""
    top = os.path.join(root, prefix.split("/")[0])
    for dirpath, _dirs, _files in sorted(os.walk(top), reverse=True):
        _rmdir(dirpath)
    if not keep_root:
        _rmdir(root)


def local_root(storage) -> str | None:
    """The folder a local storage (FileSystemStorage and kin) writes to, else None."""
    try:
        return storage.path("")
    except Exception:  # remote storages have no path()
        return None


def _rmdir(path: str) -> None:
    try:
        os.rmdir(path)  # only when empty
    except OSError:
        pass


class StandIn:
    """Puts `make(alias, real_factory)` in place of every storage the project uses until
    `stop()`: each STORAGES alias (so `default_storage` too) and storages set on model
    FileFields. `stop()` may run twice (the runner's undo step and the check's own)."""

    def __init__(self, make):
        self.make = make
        self.storages: dict[str, Storage] = {}
        self._saved = None
        self._fields = []
        self._lock = threading.Lock()

    def start(self) -> dict[str, Storage]:
        from django.core.files.storage import default_storage, storages
        from django.utils.functional import empty

        saved = self._saved = dict(storages._storages)
        for alias in storages.backends:
            self.storages[alias] = self.make(alias, lambda a=alias: saved.get(a) or
                                             storages.create_storage(storages.backends[a]))
        self._fields = [(label, f, f.storage) for label, f in field_storages()]
        storages._storages = dict(self.storages)
        default_storage._wrapped = empty
        for label, f, original in self._fields:
            self.storages[label] = f.storage = self.make(label, lambda s=original: s)
        return self.storages

    def stop(self) -> None:
        from django.core.files.storage import default_storage, storages
        from django.utils.functional import empty

        with self._lock:
            if self._saved is None:
                return
            for _, f, original in self._fields:
                f.storage = original
            storages._storages, self._saved = self._saved, None
            default_storage._wrapped = empty
