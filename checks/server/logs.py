"""server.logs: triage of gunicorn, uWSGI, nginx, Heroku router and Django log lines.

Logs are read in fixed-size binary chunks searched with bytes.find for each signature's
words, so a 1 GB log streams in constant memory at close to disk speed; only the lines found
are checked with the signature's pattern and decoded.
"""
from __future__ import annotations

import gzip
import os
import re
import stat
import sys
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field

from upload_diagnostics.diagnostics import Check, Code, Skip, kv, limits, log
from upload_diagnostics.diagnostics.files import KINDS

from .codes import (E100, E101, E102, E103, E104, E105, E106, E107, E108, E109, E110, E111,
                    E112, E113, I101)

CHUNK = 1 << 20
LONG_LINE = 4 * CHUNK  # a partial line is not kept past this
SAMPLES = 3
MAX_LINE = 2000  # characters of a sample line kept
# A matching line without a timestamp this close after a timestamped event of the same kind
# is that event's traceback ("django.core.exceptions.RequestDataTooBig: ..."), not a new one.
TRACEBACK_SPAN = 16384


@dataclass(frozen=True)
class Signature:
    key: str
    code: Code
    pattern: bytes
    message: str  # "{count} ..." completed with the count and time range
    explained_by: str  # the check (or family) whose findings explain the cause
    hint: str


SIGNATURES = [
    Signature("worker_timeout", E101, rb"\[CRITICAL\] WORKER TIMEOUT \(pid:\d+\)",
              "gunicorn killed {count} worker(s) for running past the timeout (WORKER TIMEOUT)",
              "server.budget",
              "Compare the upload time with the worker timeout (server.budget): raise "
              "--timeout, use gthread workers, or move image work out of the request."),
    Signature("oom_kill", E102,
              rb"Worker \(pid:\d+\) was sent SIGKILL! Perhaps out of memory\?",
              "{count} worker(s) were sent SIGKILL with no timeout before: out of memory",
              "pillow.codecs",
              "Bound the pixels Pillow decodes (Image.MAX_IMAGE_PIXELS, draft() for JPEG "
              "thumbnails) and the number of workers per container's memory."),
    Signature("system_exit", E103, rb"^SystemExit: 1[ \t\r]*$",
              "{count} request(s) ended in SystemExit: 1: the worker was stopped mid-request "
              "by its timeout, and the client got a 500", "server.budget",
              "This is the timeout's other face: see WORKER TIMEOUT and server.budget."),
    Signature("body_too_large", E104, rb"client intended to send too large body",
              "nginx refused {count} request(s) with 413: body larger than "
              "client_max_body_size", "server.nginx",
              "Raise client_max_body_size where uploads are proxied (server.nginx)."),
    Signature("upstream_timeout", E105, rb"upstream timed out \(110",
              "nginx gave up on the app {count} time(s) (upstream timed out: 504)",
              "server.nginx",
              "Make proxy_read_timeout longer than the worker timeout, and the upload shorter "
              "than both (server.nginx, server.budget)."),
    Signature("upstream_closed", E106, rb"upstream prematurely closed connection",
              "The app dropped {count} connection(s) mid-request (nginx: 502), typically a "
              "worker killed by its timeout", "server.budget",
              "Look for WORKER TIMEOUT lines at the same times; see server.budget."),
    Signature("harakiri", E107, rb"HARAKIRI",
              "uWSGI harakiri killed {count} request(s)", "server.config",
              "Raise harakiri above the slowest upload or make the upload faster."),
    Signature("heroku_h12", E108, rb"code=H12",
              "Heroku's router timed out {count} request(s) at 30 s (H12)", "server.config",
              "Keep uploads under 30 s: upload from the browser straight to storage, or "
              "process images in a background job."),
    Signature("data_upload_max", E109,
              rb"RequestDataTooBig|exceeded settings\.DATA_UPLOAD_MAX_MEMORY_SIZE",
              "Django rejected {count} request(s) above DATA_UPLOAD_MAX_MEMORY_SIZE",
              "django.upload_settings",
              "Raise DATA_UPLOAD_MAX_MEMORY_SIZE or send the image as a file part: the limit "
              "counts non-file fields such as base64 images."),
    Signature("too_many_files", E110,
              rb"TooManyFilesSent|exceeded settings\.DATA_UPLOAD_MAX_NUMBER_FILES",
              "Django rejected {count} request(s) with more files than "
              "DATA_UPLOAD_MAX_NUMBER_FILES", "django.upload_settings",
              "Raise DATA_UPLOAD_MAX_NUMBER_FILES to the number of files a form may send."),
    Signature("cannot_identify", E111, rb"cannot identify image file",
              "Pillow could not read {count} upload(s) (cannot identify image file): often a "
              "file read twice without seek(0)", "fileptr",
              "Rewind the upload (f.seek(0)) before handing it on; see the fileptr checks."),
    Signature("missing_file", E112, rb"Missing file parameter for upload",
              "ImageKit received {count} empty upload(s) (Missing file parameter for upload): "
              "the file was read to its end before the storage sent it", "fileptr",
              "Rewind the file before the storage reads it; see the fileptr and imagekit "
              "checks."),
    Signature("bad_except", E113,
              rb"catching classes that do not inherit from BaseException",
              "{count} error(s) were masked by an except clause naming a module, not an "
              "exception", "imagekit.sdk",
              "Import the exception class itself (see imagekit.sdk for the SDK version's "
              "exception names)."),
]
# Literal words that every line of a signature holds: bytes.find over a whole chunk is far
# faster than a regular expression, which then only confirms the lines found.
NEEDLES = {
    "worker_timeout": (b"WORKER TIMEOUT",), "oom_kill": (b"was sent SIGKILL",),
    "system_exit": (b"SystemExit: 1",), "body_too_large": (b"too large body",),
    "upstream_timeout": (b"upstream timed out",), "upstream_closed": (b"prematurely closed",),
    "harakiri": (b"HARAKIRI",), "heroku_h12": (b"code=H12",),
    "data_upload_max": (b"RequestDataTooBig", b"DATA_UPLOAD_MAX_MEMORY_SIZE"),
    "too_many_files": (b"TooManyFilesSent", b"DATA_UPLOAD_MAX_NUMBER_FILES"),
    "cannot_identify": (b"cannot identify image file",),
    "missing_file": (b"Missing file parameter",), "bad_except": (b"inherit from BaseException",),
}
PATTERNS = {s.key: re.compile(s.pattern) for s in SIGNATURES}
_PID = re.compile(rb"\(pid:(\d+)\)")
_TIMESTAMPS = [re.compile(p) for p in (
    rb"\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4})\]",  # gunicorn
    rb"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?)",  # ISO (Heroku)
    rb"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:,\d{3})?)",  # Python logging's asctime
    rb"^(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d)",  # nginx error log
    rb"\[(\d\d/\w{3}/\d{4}[ :]\d\d:\d\d:\d\d)",  # Django runserver, access logs
    rb"(\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4})",  # uWSGI
)]


@dataclass
class Tally:
    count: int = 0
    first: str | None = None
    last: str | None = None
    samples: list[str] = field(default_factory=list)
    followups: int = 0  # SIGKILL lines that followed a timeout of the same pid


@dataclass
class Triage:
    name: str
    lines: int = 0
    bytes: int = 0
    tallies: dict[str, Tally] = field(default_factory=dict)


def timestamp(line: bytes) -> str | None:
    for pattern in _TIMESTAMPS:
        m = pattern.search(line)
        if m:
            return m.group(1).decode(errors="replace")
    return None


@dataclass
class Scanner:
    """State carried from chunk to chunk: small and bounded, whatever the log's size."""

    result: Triage
    offset: int = 0  # bytes of the stream before the current block
    timed_out: OrderedDict = field(default_factory=OrderedDict)  # recent pids that timed out
    last_event: dict = field(default_factory=dict)  # signature -> its last timestamped event


def triage_stream(stream, name: str) -> Triage:
    """Count every signature in a binary stream, chunk by chunk."""
    scanner = Scanner(Triage(name))
    rest = b""
    while True:
        limits.checkpoint()
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        scanner.result.bytes += len(chunk)
        data = rest + chunk
        end = data.rfind(b"\n") + 1
        if end == 0 and len(data) < LONG_LINE:
            rest = data
            continue
        # (a line longer than LONG_LINE is scanned a piece at a time, never held whole)
        block, rest = (data[:end], data[end:]) if end else (data, b"")
        scanner.result.lines += block.count(b"\n")
        scan(block, scanner)
        scanner.offset += len(block)
    if rest:
        scanner.result.lines += 1
        scan(rest, scanner)
    return scanner.result


def candidates(block: bytes) -> list[tuple[int, str]]:
    """(line start, signature) of the lines holding a signature's words, in log order,
    one per line and signature."""
    found = set()
    for key, needles in NEEDLES.items():
        for needle in needles:
            at = block.find(needle)
            while at >= 0:
                found.add((block.rfind(b"\n", 0, at) + 1, key))
                end = block.find(b"\n", at)
                at = block.find(needle, end) if end >= 0 else -1
    return sorted(found)


def scan(block: bytes, scanner: Scanner) -> None:
    result, timed_out = scanner.result, scanner.timed_out
    for start, key in candidates(block):
        stop = block.find(b"\n", start)
        line = block[start:stop if stop >= 0 else len(block)]
        if not PATTERNS[key].search(line):
            continue
        when = timestamp(line)
        where = scanner.offset + start
        previous = scanner.last_event.get(key)  # offset of its last timestamped event
        if when is None and previous is not None and where - previous < TRACEBACK_SPAN:
            continue  # the last line of that event's traceback, not a new event
        if when is not None:
            scanner.last_event[key] = where
        pid = _PID.search(line)
        if key == "worker_timeout" and pid:
            timed_out[pid.group(1)] = None
            if len(timed_out) > 4096:
                timed_out.popitem(last=False)
        if key == "oom_kill" and pid and pid.group(1) in timed_out:
            result.tallies.setdefault("worker_timeout", Tally()).followups += 1
            continue  # the kill that follows a timeout, not an out-of-memory kill
        tally = result.tallies.setdefault(key, Tally())
        tally.count += 1
        if when:
            tally.first = tally.first or when
            tally.last = when
        if len(tally.samples) < SAMPLES:
            tally.samples.append(line[:MAX_LINE * 4].decode("utf-8", errors="replace")[:MAX_LINE])


def open_log(name: str):
    """A binary stream of the log: standard input, a file or a pipe (a .gz is
    decompressed as it is read); a device or a folder is refused."""
    if name == "-":
        return sys.stdin.buffer
    mode = os.stat(name).st_mode
    if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode)):
        raise OSError(f"{KINDS.get(stat.S_IFMT(mode), 'a special file')}, not a file or a pipe")
    if name.endswith(".gz"):
        return gzip.open(name, "rb")
    return open(name, "rb")


class LogTriage(Check):
    """Reads the logs given with --logs (a path, or - for standard input) and turns the
    lines that explain failed uploads into findings, counted and time-ranged."""

    id = "server.logs"
    title = "Server and application logs"
    layer = "server"
    tags = ("server", "logs")
    codes = (I101, E100, *(s.code for s in SIGNATURES))
    timeout = 1800  # a large log takes its time; it streams in constant memory

    def run(self, ctx):
        names = list(ctx.options.logs)
        if not names:
            raise Skip("no log was given to triage; the server's own log often names the "
                       "failure outright (WORKER TIMEOUT, 413, 504)",
                       "--logs /var/log/gunicorn/error.log (repeatable; - reads standard "
                       "input, .gz files are read as they are)")
        for name in names:
            try:
                stream = open_log(name)
            except OSError as exc:
                yield E100(f"The log {name} cannot be read: {exc.strerror or exc}",
                           "Check the path and that this user may read it.")
                continue
            try:
                result = triage_stream(stream, "standard input" if name == "-" else name)
            except (OSError, EOFError, zlib.error) as exc:  # gzip's own errors among them
                yield E100(f"The log {name} cannot be read: {type(exc).__name__}: {exc}",
                           "Check that the file is a text log (or a complete .gz).")
                continue
            finally:
                if stream is not sys.stdin.buffer:
                    stream.close()
            yield from self.findings(ctx, result)

    def findings(self, ctx, result: Triage):
        scanned = kv("Log", {"file": result.name, "lines": result.lines, "bytes": result.bytes})
        if not result.tallies:
            yield I101(f"{result.lines} lines of {result.name}: no known upload failure",
                       "", [scanned])
            return
        for sig in SIGNATURES:
            tally = result.tallies.get(sig.key)
            if tally is None or not (tally.count or tally.followups):
                continue
            for line in tally.samples:  # password=..., Authorization: ... in free text
                ctx.add_secrets_in(line)
            span = f" between {tally.first} and {tally.last}" if tally.first else ""
            facts = {"count": tally.count, "first": tally.first, "last": tally.last,
                     "explained by": sig.explained_by, "file": result.name}
            if sig.key == "worker_timeout":
                facts["SIGKILL after the timeout (not out of memory)"] = tally.followups
            yield sig.code(sig.message.format(count=tally.count) + span, sig.hint,
                           [kv("Signature", facts),
                            log(f"Sample lines ({len(tally.samples)} of {tally.count})",
                                tally.samples), scanned])
