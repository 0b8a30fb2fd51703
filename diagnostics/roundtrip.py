"""One storage round trip for every write-tier check: each name is recorded before it is
written under the test prefix, the undo is registered with the runner (so a timeout or
Ctrl-C still cleans up), and `finish()` deletes every name, proves each gone, and tells
what is left behind (diagnostics.C002) or may be left (diagnostics.C003: a write that got
no answer, where the storage cannot be listed to tell whether it stored anything).

The storage is three callables: `delete(name)`, `exists(name)` (None when it cannot tell)
and `listing()` (the names under the prefix; it raises when it cannot list).
"""
from __future__ import annotations

import threading
import time
import uuid
from contextlib import contextmanager
from typing import Callable, Iterable

from .engine_codes import C002, C003
from .model import Finding, kv, table

PREFIX = "upload-diagnostics/"  # every run's test objects live under PREFIX<time>-<random>/
WRITE_WAIT = 20.0  # seconds finish() waits for a write in flight before it deletes
CODES = (C002, C003)  # what a round trip reports: list them in the check's `codes`


def run_prefix() -> str:
    """A prefix of this run's own under PREFIX: "upload-diagnostics/<UTC time>-<random>/"
    (UTC: Django sets the process's time zone from TIME_ZONE)."""
    return f"{PREFIX}{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:8]}/"


def no_answer(error: BaseException) -> bool:
    """A connection or timeout error (in the chain of causes): the storage may have stored
    what it was sent although no answer came back."""
    seen = 0
    while error is not None and seen < 10:
        name = type(error).__name__
        if isinstance(error, (ConnectionError, TimeoutError)) or "Connection" in name \
                or "Timeout" in name or "Disconnected" in name:
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


class Closed(RuntimeError):
    """A write after finish() began: the check was stopped, nothing more is written."""


class LeftBehind(Exception):
    """Raised by a round trip's undo step when objects remain: the runner reports its
    findings instead of the generic diagnostics.C001."""

    def __init__(self, findings: list[Finding]):
        super().__init__("; ".join(f.message for f in findings))
        self.findings = findings


class RoundTrip:
    """The objects one check writes to one storage (`where`, e.g. "storage 'default'")
    under `prefix`. With `sweep`, the prefix is this run's own and everything listed under
    it is deleted too; without, the listing only tells whether a write that got no answer
    stored its name. With `exact`, a delete(name) that succeeds removes whatever a write of
    that name stored (an S3 key), so a write that got no answer is not in doubt once it
    succeeded; other storages may keep objects under names of their own choosing."""

    def __init__(self, where: str, prefix: str, delete: Callable[[str], object],
                 exists: Callable[[str], bool | None] = lambda name: None,
                 listing: Callable[[], Iterable[str]] | None = None, sweep: bool = True,
                 exact: bool = False, ctx=None):
        self.where, self.prefix, self.sweep, self.exact = where, prefix, sweep, exact
        self._delete, self._exists, self._listing = delete, exists, listing
        self.names: dict[str, None] = {}  # written, or perhaps written by a failed write
        self.unanswered: dict[str, str] = {}  # name -> the error of a write with no answer
        self.left: list[tuple[str, str]] = []  # (name, why) once finished
        self.maybe_left: list[tuple[str, str]] = []
        self.unlisted = ""  # why the prefix could not be listed
        self.finished = False
        self._flying: list[str] = []  # the names being written now
        self._idle = threading.Condition()
        self._ctx = ctx
        if ctx is not None:
            ctx.on_cleanup(self.undo)

    @contextmanager
    def writing(self, name: str):
        """Around one write of `name`: recorded first, so that the undo deletes it even
        while the write is in flight; an error that means no answer came marks it
        unanswered. Raises Closed once finish() began."""
        with self._idle:
            if self.finished:
                raise Closed("the check was stopped; nothing more is written")
            self._flying.append(name)
            self.names[name] = None
        try:
            yield
        except Exception as exc:
            if no_answer(exc):
                self.lost(name, f"{type(exc).__name__}: {exc}")
            raise
        finally:
            with self._idle:
                self._flying.remove(name)
                self._idle.notify_all()

    def stored(self, name: str) -> None:
        """The name a write stored (when the storage chose another than was asked)."""
        self.names[name] = None

    def lost(self, name: str, why: str) -> None:
        """A write of `name` got no answer: it may have stored it."""
        self.names[name] = None
        self.unanswered[name] = why

    def finish(self, wait: float = WRITE_WAIT) -> list[Finding]:
        """Delete every name and prove it gone (once; later calls return the same
        findings): a critical finding for what is left or may be left."""
        with self._idle:
            first = not self.finished
            self.finished = True
            self._idle.wait_for(lambda: not self._flying, timeout=wait)
            flying = sorted(set(self._flying))
        if self._ctx is not None:
            self._ctx.done_cleanup(self.undo)
        if first and self.names:
            self._delete_all(flying)
        return self.findings()

    def undo(self) -> None:
        """The runner's undo step (a timeout, Ctrl-C)."""
        found = self.finish()
        if found:
            raise LeftBehind(found)

    def _delete_all(self, flying: list[str]) -> None:
        listed, listable = self._listed()
        if listable and not self.sweep:
            listed = [name for name in listed if name in self.names]
        deleted = set()
        for name in sorted(set(self.names) | set(listed)):
            try:
                self._delete(name)
            except Exception as exc:  # noqa: BLE001 - reported with the name
                absent = self._absent(name)  # (unknown, for a write with no answer: in doubt)
                if absent is False or absent is None and name not in self.unanswered:
                    self.left.append((name, f"{type(exc).__name__}: {exc}"))
                continue
            if self._absent(name) is False:
                self.left.append((name, "still exists after delete"))
            elif self.exact:
                deleted.add(name)
        known = deleted | {name for name, _why in self.left}
        doubt = {} if listable else {name: why for name, why in self.unanswered.items()
                                     if name not in known}
        doubt |= {name: "still being written when the check was stopped" for name in flying}
        self.maybe_left = sorted(doubt.items())

    def _listed(self) -> tuple[list[str], bool]:
        """(the names under the prefix, whether they could be listed)."""
        if self._listing is None:
            self.unlisted = "it has no listing"
            return [], False
        if not (self.sweep or self.unanswered):
            return [], True  # nothing to look for
        try:
            return list(self._listing()), True
        except Exception as exc:  # noqa: BLE001 - cannot list: what got no answer is in doubt
            self.unlisted = f"{type(exc).__name__}: {exc}"
            return [], False

    def _absent(self, name: str) -> bool | None:
        """Whether `name` is gone; None when the storage cannot tell."""
        try:
            found = self._exists(name)
        except Exception:  # noqa: BLE001
            return None
        return None if found is None else not found

    def findings(self) -> list[Finding]:
        """diagnostics.C002 for the objects left behind, C003 for those that may be left."""
        doubt = f"{self.where} cannot list {self.prefix} to tell ({self.unlisted})" \
            if self.unlisted else "a write still running may land after the deletes"
        return [code(
            f"{len(rows)} test object(s) {said}: {rows[0][0]} ({rows[0][1]})",
            f"{why}. Run `diagnose-uploads --cleanup --yes` to delete what is under the "
            f"test prefixes (`--cleanup` alone lists it; this run wrote under "
            f"{self.prefix}), or delete the named objects by hand.",
            [table(title, ["object", "why"], [list(row) for row in rows]),
             kv("Where", {"storage": self.where, "test prefix": self.prefix})])
            for code, rows, said, why, title in (
                (C002, self.left, f"could not be deleted from {self.where}",
                 "The delete failed, or the object is still there after it: fix the "
                 "permission or the storage's delete()", "Objects left behind"),
                (C003, self.maybe_left, f"sent to {self.where} may be left there",
                 f"A write got no answer, so the object may exist, and {doubt}",
                 "Objects that may be left")) if rows]
