"""server.logs: triage of gunicorn, uWSGI, nginx, Heroku router and Django log lines.

Logs are read in fixed-size binary chunks searched with bytes.find for each signature's
words, so a 1 GB log streams in constant memory at close to disk speed; only the lines found
are checked with the signature's pattern and decoded.
"""
from __future__ import annotations

import gzip
import re
import sys
from collections import OrderedDict
from dataclasses import dataclass, field

from upload_diagnostics.diagnostics import Check, Finding, Level, Option, kv, log
from upload_diagnostics.diagnostics.codes import CodeDoc

CHUNK = 1 << 20
SAMPLES = 3
MAX_LINE = 2000  # characters of a sample line kept
# A matching line without a timestamp this close after a timestamped event of the same kind
# is that event's traceback ("django.core.exceptions.RequestDataTooBig: ..."), not a new one.
TRACEBACK_SPAN = 16384


@dataclass(frozen=True)
class Signature:
    key: str
    code: str
    pattern: bytes
    message: str  # "{count} ..." completed with the count and time range
    explained_by: str  # the check (or family) whose findings explain the cause
    hint: str


SIGNATURES = [
    Signature("worker_timeout", "server.E101", rb"\[CRITICAL\] WORKER TIMEOUT \(pid:\d+\)",
              "gunicorn killed {count} worker(s) for running past the timeout (WORKER TIMEOUT)",
              "server.budget",
              "Compare the upload time with the worker timeout (server.budget): raise "
              "--timeout, use gthread workers, or move image work out of the request."),
    Signature("oom_kill", "server.E102",
              rb"Worker \(pid:\d+\) was sent SIGKILL! Perhaps out of memory\?",
              "{count} worker(s) were sent SIGKILL with no timeout before: out of memory",
              "pillow.codecs",
              "Bound the pixels Pillow decodes (Image.MAX_IMAGE_PIXELS, draft() for JPEG "
              "thumbnails) and the number of workers per container's memory."),
    Signature("system_exit", "server.E103", rb"^SystemExit: 1[ \t\r]*$",
              "{count} request(s) ended in SystemExit: 1: the worker was stopped mid-request "
              "by its timeout, and the client got a 500", "server.budget",
              "This is the timeout's other face: see WORKER TIMEOUT and server.budget."),
    Signature("body_too_large", "server.E104", rb"client intended to send too large body",
              "nginx refused {count} request(s) with 413: body larger than "
              "client_max_body_size", "server.nginx",
              "Raise client_max_body_size where uploads are proxied (server.nginx)."),
    Signature("upstream_timeout", "server.E105", rb"upstream timed out \(110",
              "nginx gave up on the app {count} time(s) (upstream timed out: 504)",
              "server.nginx",
              "Make proxy_read_timeout longer than the worker timeout, and the upload shorter "
              "than both (server.nginx, server.budget)."),
    Signature("upstream_closed", "server.E106", rb"upstream prematurely closed connection",
              "The app dropped {count} connection(s) mid-request (nginx: 502), typically a "
              "worker killed by its timeout", "server.budget",
              "Look for WORKER TIMEOUT lines at the same times; see server.budget."),
    Signature("harakiri", "server.E107", rb"HARAKIRI",
              "uWSGI harakiri killed {count} request(s)", "server.config",
              "Raise harakiri above the slowest upload or make the upload faster."),
    Signature("heroku_h12", "server.E108", rb"code=H12",
              "Heroku's router timed out {count} request(s) at 30 s (H12)", "server.config",
              "Keep uploads under 30 s: upload from the browser straight to storage, or "
              "process images in a background job."),
    Signature("data_upload_max", "server.E109",
              rb"RequestDataTooBig|exceeded settings\.DATA_UPLOAD_MAX_MEMORY_SIZE",
              "Django rejected {count} request(s) above DATA_UPLOAD_MAX_MEMORY_SIZE",
              "django.upload_settings",
              "Raise DATA_UPLOAD_MAX_MEMORY_SIZE or send the image as a file part: the limit "
              "counts non-file fields such as base64 images."),
    Signature("too_many_files", "server.E110",
              rb"TooManyFilesSent|exceeded settings\.DATA_UPLOAD_MAX_NUMBER_FILES",
              "Django rejected {count} request(s) with more files than "
              "DATA_UPLOAD_MAX_NUMBER_FILES", "django.upload_settings",
              "Raise DATA_UPLOAD_MAX_NUMBER_FILES to the number of files a form may send."),
    Signature("cannot_identify", "server.E111", rb"cannot identify image file",
              "Pillow could not read {count} upload(s) (cannot identify image file): often a "
              "file read twice without seek(0)", "fileptr",
              "Rewind the upload (f.seek(0)) before handing it on; see the fileptr checks."),
    Signature("missing_file", "server.E112", rb"Missing file parameter for upload",
              "ImageKit received {count} empty upload(s) (Missing file parameter for upload): "
              "the file was read to its end before the storage sent it", "fileptr",
              "Rewind the file before the storage reads it; see the fileptr and imagekit "
              "checks."),
    Signature("bad_except", "server.E113",
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
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        scanner.result.bytes += len(chunk)
        data = rest + chunk
        end = data.rfind(b"\n") + 1
        if end == 0:
            rest = data
            continue
        block, rest = data[:end], data[end:]
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
            tally.samples.append(line.decode("utf-8", errors="replace")[:MAX_LINE])


def open_log(name: str):
    if name == "-":
        return sys.stdin.buffer
    if name.endswith(".gz"):
        return gzip.open(name, "rb")
    return open(name, "rb")


class LogTriage(Check):
    """Reads the logs given with --logs (a path, or - for standard input) and turns the
    lines that explain failed uploads into findings, counted and time-ranged."""

    id = "server.logs"
    title = "Server and application logs"
    tags = ("server", "logs")
    timeout = 1800  # a large log takes its time; it streams in constant memory
    flags = (Option(("--logs",), "logs", "A server or application log to triage (gunicorn, "
                    "uWSGI, nginx, Heroku router, Django); repeatable; '-' reads standard "
                    "input. Example: --logs /var/log/gunicorn/error.log", "FILE",
                    multiple=True),)

    def run(self, ctx):
        names = list(ctx.options.logs)
        if not names:
            yield Finding("server.I100", Level.INFO, "No log was given to triage",
                          "Pass the server's error log: --logs /var/log/gunicorn/error.log "
                          "(repeatable; - reads standard input, .gz files are read as they "
                          "are).")
            return
        for name in names:
            try:
                stream = open_log(name)
            except OSError as exc:
                yield Finding("server.E100", Level.ERROR,
                              f"The log {name} cannot be read: {exc.strerror or exc}",
                              "Check the path and that this user may read it.")
                continue
            try:
                result = triage_stream(stream, "standard input" if name == "-" else name)
            except (OSError, EOFError, gzip.BadGzipFile) as exc:
                yield Finding("server.E100", Level.ERROR,
                              f"The log {name} cannot be read: {exc}",
                              "Check that the file is a text log (or a complete .gz).")
                continue
            finally:
                if stream is not sys.stdin.buffer:
                    stream.close()
            yield from self.findings(result)

    def findings(self, result: Triage):
        scanned = kv("Log", {"file": result.name, "lines": result.lines, "bytes": result.bytes})
        if not result.tallies:
            yield Finding("server.I101", Level.INFO,
                          f"{result.lines} lines of {result.name}: no known upload failure",
                          "", [scanned])
            return
        for sig in SIGNATURES:
            tally = result.tallies.get(sig.key)
            if tally is None or not (tally.count or tally.followups):
                continue
            span = f" between {tally.first} and {tally.last}" if tally.first else ""
            facts = {"count": tally.count, "first": tally.first, "last": tally.last,
                     "explained by": sig.explained_by, "file": result.name}
            if sig.key == "worker_timeout":
                facts["SIGKILL after the timeout (not out of memory)"] = tally.followups
            yield Finding(sig.code, Level.ERROR, sig.message.format(count=tally.count) + span,
                          sig.hint, [kv("Signature", facts),
                                     log(f"Sample lines ({len(tally.samples)} of "
                                         f"{tally.count})", tally.samples), scanned])


def _doc(code, title, detects, why, bad, good, fix, lang="text"):
    return CodeDoc(code, title, detects, why, bad, good, fix, lang)


CODES = [
    _doc("server.I100", "No log was given to triage",
         "server.logs ran without --logs.",
         "The server's own log often names the failure outright (WORKER TIMEOUT, 413, 504); "
         "without it only configuration can be judged.",
         "diagnose-uploads server", "diagnose-uploads server --logs /var/log/gunicorn/error.log",
         "Pass the error log of the server (and nginx's) with --logs; use - for stdin.", "sh"),
    _doc("server.I101", "The log holds no known upload failure",
         "Every line of the log was searched for the signatures of this page and none "
         "matched.",
         "The failure is elsewhere: another log, or a failure that logs nothing (see the "
         "other checks).",
         "diagnose-uploads server --logs access.log", "diagnose-uploads server --logs error.log",
         "Give the error log of the server that handled the failing request.", "sh"),
    _doc("server.E100", "A log cannot be read",
         "A file given with --logs does not exist, is not readable, or is a broken .gz.",
         "Nothing in it could be triaged.",
         "--logs /var/log/gunicorn/eror.log", "--logs /var/log/gunicorn/error.log",
         "Fix the path or the permissions, or pipe it: sudo cat log | diagnose-uploads "
         "server --logs -", "sh"),
    _doc("server.E101", "gunicorn killed workers for running past the timeout",
         "Lines `[CRITICAL] WORKER TIMEOUT (pid:N)`; a following `Worker (pid:N) was sent "
         "SIGKILL! Perhaps out of memory?` for the same pid is counted as part of the "
         "timeout, not as an out-of-memory kill.",
         "The request that ran past `timeout` was stopped: the client got a 500, a reset or "
         "(behind nginx) a 502, and every request queued on that worker waited.",
         "[2026-01-05 10:00:31 +0000] [7] [CRITICAL] WORKER TIMEOUT (pid:12)\n"
         "gunicorn app:application --timeout 30   # uploads take 40 s",
         "gunicorn app:application --timeout 90 --threads 4",
         "Measure the upload (server.budget); raise --timeout above it, use gthread workers, "
         "or move image processing to a background job."),
    _doc("server.E102", "Workers were killed for lack of memory",
         "`Worker (pid:N) was sent SIGKILL! Perhaps out of memory?` with no WORKER TIMEOUT "
         "for that pid before it.",
         "The kernel's OOM killer stopped a worker: full-size image decodes (a 12 MP photo "
         "takes ~180 MiB when encoded to WebP) times workers exceed the container's memory.",
         "image = Image.open(upload)\nimage.save(out, \"WEBP\")  # full size, every worker",
         "image = Image.open(upload)\nimage.draft(\"RGB\", (2048, 2048))\n"
         "image.thumbnail((2048, 2048))\nimage.save(out, \"WEBP\")",
         "Decode smaller (draft, thumbnail), lower the number of workers per container, or "
         "give the container more memory.", "python"),
    _doc("server.E103", "Requests ended in SystemExit: 1",
         "Traceback lines `SystemExit: 1` after gunicorn's `Error handling request`.",
         "gunicorn stops a timed-out sync worker by raising SystemExit inside the request; "
         "the client receives a 500 with no application error logged.",
         "[ERROR] Error handling request /api/photos/\n...\nSystemExit: 1",
         "gunicorn app:application --timeout 90 --threads 4",
         "Treat it as a worker timeout: see server.E101 and server.budget."),
    _doc("server.E104", "nginx refused uploads as too large (413)",
         "nginx error-log lines `client intended to send too large body`.",
         "The upload never reached the app; the client got 413 Request Entity Too Large.",
         "location / { proxy_pass http://app; }  # client_max_body_size 1m by default",
         "location / { client_max_body_size 25m; proxy_pass http://app; }",
         "Set client_max_body_size above the largest image users send.", "nginx"),
    _doc("server.E105", "nginx timed out waiting for the app (504)",
         "nginx error-log lines `upstream timed out (110: Connection timed out)`.",
         "nginx answered 504 while the app was still working: the upload may still be "
         "saved, and the client retries it.",
         "proxy_read_timeout 25s;   # gunicorn --timeout 30",
         "proxy_read_timeout 95s;   # gunicorn --timeout 90",
         "Make proxy_read_timeout longer than the worker timeout and the upload faster than "
         "both.", "nginx"),
    _doc("server.E106", "The app closed connections mid-request (502)",
         "nginx error-log lines `upstream prematurely closed connection`.",
         "A worker died while answering: most often killed by its timeout or by the OOM "
         "killer; nginx returns 502.",
         "upstream prematurely closed connection while reading response header from upstream",
         "# no such line once the worker timeout fits the upload",
         "Find the WORKER TIMEOUT or SIGKILL line at the same time and fix that cause."),
    _doc("server.E107", "uWSGI harakiri killed requests",
         "uWSGI log lines containing `HARAKIRI`.",
         "uWSGI killed a worker whose request ran longer than `harakiri` seconds; the client "
         "got an error.",
         "[uwsgi]\nharakiri = 20", "[uwsgi]\nharakiri = 90",
         "Raise harakiri above the slowest upload, or make the upload faster.", "ini"),
    _doc("server.E108", "Heroku's router timed out requests (H12)",
         "Heroku router lines with `code=H12`.",
         "Heroku ends a request that has not answered within 30 s; the dyno keeps working "
         "and the client sees a 503.",
         "web: gunicorn app:application   # uploads take 35 s",
         "web: gunicorn app:application --timeout 25   # and faster uploads",
         "Keep uploads under 30 s: direct browser-to-storage uploads or background jobs."),
    _doc("server.E109", "Django rejected requests above DATA_UPLOAD_MAX_MEMORY_SIZE",
         "Log lines naming `RequestDataTooBig` or Django's message `Request body exceeded "
         "settings.DATA_UPLOAD_MAX_MEMORY_SIZE.`",
         "Django answered 400: the non-file part of the request (e.g. a base64 image in a "
         "form field or JSON) was larger than the limit.",
         "DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # base64 images in JSON",
         "DATA_UPLOAD_MAX_MEMORY_SIZE = 15 * 1024 * 1024",
         "Send images as multipart file parts, or raise the limit.", "python"),
    _doc("server.E110", "Django rejected requests with too many files",
         "Log lines naming `TooManyFilesSent` or Django's message `The number of files "
         "exceeded settings.DATA_UPLOAD_MAX_NUMBER_FILES.`",
         "Django answered 400 because the request carried more files than "
         "DATA_UPLOAD_MAX_NUMBER_FILES (100 by default).",
         "DATA_UPLOAD_MAX_NUMBER_FILES = 10  # gallery form sends 20",
         "DATA_UPLOAD_MAX_NUMBER_FILES = 50",
         "Raise the limit to what the form may send, or split the upload.", "python"),
    _doc("server.E111", "Pillow could not identify uploaded images",
         "Log lines `cannot identify image file`.",
         "Pillow got bytes that are not an image: often an empty stream, because the upload "
         "was read once already and not rewound.",
         "data = upload.read()  # checksum\nImage.open(io.BytesIO(upload.read()))  # empty",
         "data = upload.read()\nupload.seek(0)\nImage.open(upload)",
         "Rewind uploads before each read (seek(0)); see the fileptr checks.", "python"),
    _doc("server.E112", "ImageKit received empty uploads",
         "Log lines `Missing file parameter for upload`.",
         "The storage backend sent 0 bytes: its _save read the file at its end.",
         "def _save(self, name, content):\n    return self.client.upload_file("
         "file=content.read(), file_name=name)",
         "def _save(self, name, content):\n    content.seek(0)\n    return "
         "self.client.upload_file(file=content.read(), file_name=name)",
         "Seek the content to 0 in _save; find the earlier read (fileptr checks).", "python"),
    _doc("server.E113", "Errors were masked by an except clause naming a module",
         "Log lines `catching classes that do not inherit from BaseException is not allowed`.",
         "The except clause names a module (e.g. imported from a package's exceptions "
         "folder), so every real error becomes this TypeError and its cause is lost.",
         "from sdk.exceptions import UploadError  # UploadError is a submodule here\n"
         "try:\n    upload()\nexcept UploadError:  # TypeError on every error\n    ...",
         "from sdk.exceptions.UploadError import UploadError  # the class\n"
         "try:\n    upload()\nexcept UploadError:\n    ...",
         "Import the exception class itself; see imagekit.sdk for the installed SDK.",
         "python"),
]
