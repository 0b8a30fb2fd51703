"""Reading the project's files: regular files only, bounded in size, never blocking.

A project folder can hold anything: a FIFO named Procfile blocks whoever opens it, a
symlink to /dev/zero never ends, a 5 MB one-line module costs gigabytes to parse. Every
check opens project files through `Files`, which looks with stat() before it opens, reads
at most the size limit, and records what it did not read and why; the runner reports
those as an info finding of the check that skipped them.
"""
from __future__ import annotations

import os
import re
import stat
import threading
from pathlib import Path

from . import limits

DEFAULT_LIMIT = 1024 * 1024
KINDS = {stat.S_IFIFO: "a FIFO (named pipe)", stat.S_IFCHR: "a character device",
         stat.S_IFBLK: "a block device", stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a folder"}
_SIZE = re.compile(r"(\d+)\s*([kmg]?)i?b?", re.I)


def parse_size(text: str) -> int:
    """'1048576', '512k', '5M', '1G' (powers of 1024) as a positive number of bytes."""
    match = _SIZE.fullmatch(str(text).strip())
    number = int(match.group(1)) * 1024 ** " kmg".index(match.group(2).lower() or " ") \
        if match else 0
    if number <= 0:
        raise ValueError(f"{text!r} is not a size in bytes such as 1048576, 512k or 5M")
    return number


def refusal(path: str | os.PathLike, limit: int) -> str | None:
    """Why the file at `path` is not read (None when it is a regular file within the
    limit), found with stat() alone."""
    try:
        info = os.stat(path)
    except OSError as exc:
        return os_reason(path, exc)
    except ValueError:  # an embedded NUL byte
        return "an impossible file name"
    if not stat.S_ISREG(info.st_mode):
        return f"{KINDS.get(stat.S_IFMT(info.st_mode), 'a special file')}, not a regular file"
    if info.st_size > limit:
        return f"{info.st_size} bytes, over the limit of {limit}"
    return None


def os_reason(path, exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "not readable by this user (permission denied)"
    if exc.errno == 40:  # ELOOP
        return "a symlink loop"
    if isinstance(exc, FileNotFoundError) and os.path.islink(path):
        return "a dangling symlink"
    return exc.strerror or type(exc).__name__


class NotRead(Exception):
    """A file that is not read; `reason` says why, as the report shows it."""

    def __init__(self, path, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason


def read_bytes(path: str | os.PathLike, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; raises NotRead. The file is
    opened without blocking and checked again once open (it may have been swapped)."""
    reason = refusal(path, limit)
    if reason:
        raise NotRead(path, reason)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError as exc:
        raise NotRead(path, os_reason(path, exc)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRead(path, "not a regular file")
        try:
            data = _read(fd, info.st_size, limit)
        except OSError as exc:
            raise NotRead(path, os_reason(path, exc)) from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise NotRead(path, f"more than {limit} bytes, over the limit")
    return data


def _read(fd: int, expected: int, limit: int) -> bytes:
    """At most limit + 1 bytes, to the end of the file: first the size fstat gave, then
    more if the file grew. (No file object: this runs for every project file.)"""
    chunks, got, ask = [], 0, expected + 1
    while got <= limit:
        chunk = os.read(fd, min(ask, limit + 1 - got))
        if not chunk:
            break
        chunks.append(chunk)
        got, ask = got + len(chunk), 64 * 1024
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


class Files:
    """The run's reader of project files, with its size limit (and where the limit comes
    from, for the report), and the files each check skipped."""

    def __init__(self, root: Path, limit: int = DEFAULT_LIMIT, source: str = "--max-file-size"):
        self.root, self.limit, self.source = Path(root), limit, source
        self.skipped: dict[str, dict[str, str]] = {}  # check id -> {relative path: reason}
        self._lock = threading.Lock()

    def bytes(self, path: str | os.PathLike, limit: int | None = None) -> bytes | None:
        """The file's bytes, or None when it is not read (recorded with the reason)."""
        limits.checkpoint()
        try:
            return read_bytes(path, limit or self.limit)
        except NotRead as exc:
            self.skip(path, exc.reason)
            return None

    def text(self, path: str | os.PathLike, encoding: str = "utf-8") -> str | None:
        """The file as text (undecodable bytes replaced), or None when it is not read."""
        data = self.bytes(path)
        return None if data is None else data.decode(encoding, "replace")

    def readable(self, path: str | os.PathLike) -> bool:
        """Whether the file would be read; a file that would not is recorded."""
        reason = refusal(path, self.limit)
        if reason:
            self.skip(path, reason)
        return reason is None

    def skip(self, path: str | os.PathLike, reason: str) -> None:
        """Record that `path` was not read, for the check whose thread this is."""
        if "over the limit" in reason:
            reason = f"{reason} ({self.source})"
        with self._lock:
            self.skipped.setdefault(limits.current() or "", {})[self._rel(path)] = reason

    def taken(self, check_id: str) -> dict[str, str]:
        """What `check_id` skipped, once: {relative path: reason}."""
        with self._lock:
            return self.skipped.pop(check_id, {})

    def _rel(self, path) -> str:
        absolute = os.path.abspath(path)
        root = str(self.root)
        if absolute.startswith(root + os.sep):
            return absolute[len(root) + 1:].replace(os.sep, "/")
        return str(path)
