"""Peak memory of one request, measured by Linux itself.

What it counts: how far the process's resident memory rose above its level at the start
of the request, at its highest (Linux's peak resident set, VmHWM, reset just before the
request by writing 5 to /proc/self/clear_refs). It includes everything the request made
resident: Pillow's pixel buffers (which tracemalloc does not see), Django's parsing, the
project's code. Memory the C library kept from earlier work would be reused unseen, so
`prepare()` asks glibc to map every buffer of 128 KiB or more by itself (mallopt
M_MMAP_THRESHOLD, its default value made fixed) before the run, and each request starts
with malloc_trim(0), which hands back what is free. Small objects Python keeps in its own
arenas from earlier requests are not counted again, so it is a lower bound. Resetting the
peak also resets what the process reports as its maximum RSS (getrusage). Elsewhere than
Linux, or where /proc cannot be written, it is None.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import re
from contextlib import contextmanager
from functools import cache

_STATUS = "/proc/self/status"
M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
MMAP_THRESHOLD = 128 * 1024


def _kib(name: str) -> int:
    with open(_STATUS, encoding="ascii") as status:
        return int(re.search(rf"^{name}:\s+(\d+) kB", status.read(), re.MULTILINE).group(1))


@cache
def _glibc():
    """The C library when it is glibc (it has mallopt and malloc_trim), else None."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


@cache
def prepare() -> None:
    """Before the run makes its images: large buffers mapped one by one from now on."""
    if _glibc():
        _glibc().mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)


class Peak:
    bytes: int | None = None


@contextmanager
def peak():
    """Yields a Peak whose `bytes` is set when the block ends (None when unmeasurable)."""
    found = Peak()
    if _glibc():
        _glibc().malloc_trim(0)
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
        before = _kib("VmRSS")
    except (OSError, AttributeError):  # not Linux, no /proc, or no such field
        yield found
        return
    try:
        yield found
    finally:
        found.bytes = max(0, _kib("VmHWM") - before) * 1024
