"""Which check a thread works for, and whether the runner gave up on it.

The runner runs each check (and its `begin`) in a thread of its own and abandons it when
its time is up. Python cannot stop a thread, so an abandoned one stops itself: the loops
that can run long (the file walk, every project-file read, log chunks) call
`checkpoint()`, which raises `Abandoned` once the check's time is over. It is a
BaseException so that a check's own `except Exception` does not swallow it.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager

_local = threading.local()


class Abandoned(BaseException):
    """Raised in a check's thread after the runner abandoned the check."""


@contextmanager
def serving(check_id: str, stop: threading.Event):
    """Mark the current thread as working for `check_id` until `stop` is set."""
    _local.check, _local.stop = check_id, stop
    try:
        yield
    finally:
        _local.check = _local.stop = None


def current() -> str | None:
    """The id of the check this thread works for, if any."""
    return getattr(_local, "check", None)


def checkpoint() -> None:
    """Raise Abandoned if this thread's check was abandoned."""
    stop = getattr(_local, "stop", None)
    if stop is not None and stop.is_set():
        raise Abandoned(_local.check)
