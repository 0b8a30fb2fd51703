"""e2e.upload: a realistic image through the project's real upload path, stage by stage.

Without --e2e every storage the project uses is replaced by a recording in-memory storage
that reads content the way remote SDKs do; with --e2e the real storages are used under a
dedicated prefix and every name written is deleted afterwards. Database changes happen
on a test database inside a transaction that is rolled back.

Settings, all optional: UPLOAD_DIAGNOSTICS["E2E"] = {
    "URL": "/api/photos/" or "URL_NAME": "photo-upload",  # the project's endpoint
    "FIELD": "image", "DATA": {...},   # the file field and the other form fields
    "USER": "alice",                   # log in as this user (created in the test db)
    "PREPARE": "pkg.mod.func",         # func(client, data) -> data, before the POST
    "IMAGE": "4032x3024", "FORMAT": "JPEG" or "PNG",  # the large image (--image wins)
    "STAGE_TIMEOUT": 30, "FETCH_TIMEOUT": 10}         # seconds
"""
from __future__ import annotations

import time
import traceback
import uuid

from upload_diagnostics.diagnostics import Check, Finding, kv, log, table, traceback_block

from . import endpoint, generic, images
from . import tracker as tracking
from .codes import (C001, E001, E002, E003, E004, E005, E006, E007, E008, E009, E010, I001, W001,
                    W002)
from .recording import NameSearchLoop, PrefixedStorage, Recorder, RecordingStorage, StandIn


def image_size(value) -> tuple[int, int] | None:
    if not value:
        return None
    if isinstance(value, (tuple, list)):
        return int(value[0]), int(value[1])
    width, _, height = str(value).lower().partition("x")
    return int(width), int(height)


def test_images(ctx, config: dict) -> list[images.TestImage]:
    """A small upload kept in memory by Django and a large one (a temporary file when it
    exceeds FILE_UPLOAD_MAX_MEMORY_SIZE); --image or E2E["IMAGE"] sizes the large one."""
    size = ctx.options.image or image_size(config.get("IMAGE")) or images.PHONE_SIZE
    limit = int(getattr(ctx.settings, "FILE_UPLOAD_MAX_MEMORY_SIZE", 2621440))
    return [images.small_photo(limit),
            images.phone_photo(size, fmt=str(config.get("FORMAT", "JPEG")))]


class Session:
    """What the check changes while it runs, undone exactly once by `finish()` - called by
    the check itself, or by the runner when the check times out or the run is interrupted."""

    def __init__(self, ctx, recorder: Recorder):
        self.prefix = f"upload-diagnostics/{time.strftime('%Y%m%d-%H%M%S')}-" \
                      f"{uuid.uuid4().hex[:8]}/"
        self.prefixed: list[PrefixedStorage] = []
        if ctx.options.e2e:
            self.stand_in = StandIn(self._prefixed(recorder))
        else:
            self.stand_in = StandIn(lambda alias, _real: RecordingStorage(recorder, alias))
        self.environment = endpoint.TestEnvironment()
        self.left: list[str] | None = None

    def _prefixed(self, recorder):
        def make(alias, real):
            storage = PrefixedStorage(recorder, alias, real, self.prefix)
            self.prefixed.append(storage)
            return storage
        return make

    def finish(self) -> list[str]:
        """Delete every name written, restore the storages, drop the test databases;
        returns the objects that could not be deleted."""
        if self.left is None:
            self.left = [name for s in self.prefixed for name in s.cleanup()]
            self.stand_in.stop()
            self.environment.teardown()
        return self.left

    def undo(self) -> None:
        """The runner's undo step: raising names what is left for its critical finding."""
        left = self.finish()
        if left:
            raise RuntimeError("objects left in storage: " + "; ".join(left))


class EndToEndUpload(Check):
    """Sends generated photos through Django's upload parsing, the project's own endpoint,
    Pillow and the storage, timing each stage and tracking every read of the upload."""

    id = "e2e.upload"
    title = "An image upload goes through the project's real upload path"
    tags = ("e2e", "upload", "storage", "fileptr")
    codes = (E001, E002, E003, E004, E005, E006, E007, E008, E009, E010, W001, W002, C001, I001)
    uses = ("server.worker_timeout",)
    provides = ("upload.timings",)
    needs_django = True

    def run(self, ctx):
        from django.conf import settings

        config = dict(ctx.config.get("E2E") or {})
        ctx.progress("      e2e.upload: generating test images")
        pictures = ctx.cached("e2e.images", lambda: test_images(ctx, config))
        tracker = tracking.Tracker(ctx.project_root)
        recorder = Recorder(tracker, float(config.get("STAGE_TIMEOUT", 30)))
        session = Session(ctx, recorder)
        ctx.on_cleanup(session.undo)
        handler_paths = tracking.handler_paths(settings.FILE_UPLOAD_HANDLERS)
        # The network tier's part: GET the real stored URLs (never the in-memory ones).
        fetch_timeout = float(config.get("FETCH_TIMEOUT", 10)) \
            if ctx.options.e2e and not ctx.options.offline else None
        findings: list[Finding] = []
        generic_runs, endpoint_runs = [], []
        try:
            storages = session.stand_in.start()
            for picture in pictures:
                ctx.progress(f"      e2e.upload: generic path, {picture.label}")
                generic_runs.append(generic.run(picture, storages["default"], tracker,
                                                handler_paths, fetch_timeout))
            findings += self._endpoint(ctx, config, session, pictures, tracker, recorder,
                                       handler_paths, endpoint_runs)
        finally:
            left = session.finish()
            ctx.done_cleanup(session.undo)
        findings += generic_findings(generic_runs)
        findings += endpoint_findings(ctx, endpoint_runs)
        findings += tracker_findings(ctx, tracker)
        findings += stored_findings(ctx, recorder)
        if left:
            findings.append(leftover_finding(left, session.prefix))
        timings = publish_timings(ctx, generic_runs, endpoint_runs)
        findings.append(timing_finding(ctx, timings, generic_runs, endpoint_runs,
                                       session.prefixed and session.prefix))
        return findings

    def _endpoint(self, ctx, config, session, pictures, tracker, recorder, handler_paths,
                  runs) -> list[Finding]:
        if not (config.get("URL") or config.get("URL_NAME")):
            return []
        try:
            endpoint.target_url(config)
        except endpoint.ConfigError as exc:
            return [W002(f'UPLOAD_DIAGNOSTICS["E2E"] is not usable: {exc}',
                         'Set "URL" (a path such as "/api/photos/") or "URL_NAME" (a '
                         'name reverse() knows); only the generic path ran.')]
        ctx.progress("      e2e.upload: creating the test database")
        try:
            session.environment.setup()
        except Exception as exc:  # migrations that fail on an empty database, no DB server
            return [E009(f"The test database could not be created: {type(exc).__name__}: "
                         f"{exc}",
                         "The endpoint path runs on a test database built the way "
                         "`manage.py test` builds it; make `python manage.py test` work "
                         "(migrations, database permissions) and run again.",
                         [traceback_block(traceback.format_exc())])]
        for picture in pictures:
            ctx.progress(f"      e2e.upload: POST {config.get('URL') or config['URL_NAME']}, "
                         f"{picture.label}")
            try:
                runs.append(endpoint.post(picture, config, tracker, recorder, handler_paths))
            except Exception as exc:  # DATA, USER or PREPARE unusable: before the request
                return [W002(f'UPLOAD_DIAGNOSTICS["E2E"] is not usable: preparing the '
                             f"request failed with {type(exc).__name__}: {exc}",
                             'Check "DATA" (a dict of form fields), "USER" (a username '
                             'the user model accepts) and "PREPARE" (a dotted path to '
                             "func(client, data) returning the data); only the generic "
                             "path ran.", [traceback_block(traceback.format_exc())])]
        return []


# -- findings ---------------------------------------------------------------------------------

def _where(frame) -> str:
    return str(frame) if frame else "library code"


def _calls_table(calls, title="Storage calls") -> dict:
    return table(title, ["storage", "call", "name", "seconds", "bytes", "project frame",
                         "error"],
                 [[c.storage, c.op, c.name, round(c.seconds, 4), c.nbytes, _where(c.frame),
                   c.error or ""] for c in calls[:100]])


def generic_findings(runs) -> list[Finding]:
    findings = []
    for run in runs:
        stages = _stages_table(f"Stages: {run.image.label}", run.stages)
        failure = run.failure
        if failure and isinstance(failure.error, NameSearchLoop):
            findings.append(name_search_finding(failure.error, [stages]))
        elif failure:
            findings.append(E006(
                f"The generic upload path failed at \"{failure.stage}\" for "
                f"{run.image.label}: {failure.message}",
                _STAGE_HINTS.get(failure.stage.split(" (")[0], _STAGE_HINTS["storage"]),
                [stages, traceback_block(failure.traceback)]))
        for url, problem in run.url_problems:
            findings.append(E010(
                f"The stored object's URL {url} {problem}",
                "Users load images from this URL: check the storage's url() (domain, "
                "path, a private bucket or signed URLs) and that the CDN serves the "
                "stored object.", [stages]))
        for stage, problem in run.problems:
            findings.append(E007(
                f"Storage round trip, {stage}: {problem}",
                "The storage does not give back what it was given: check the backend's "
                "size()/exists()/open() implementation and that save() stores every byte "
                "(Storage.save must return the name it actually stored).", [stages]))
    return findings


_STAGE_HINTS = {
    "parse multipart": "Django could not parse or store the upload: check "
                       "FILE_UPLOAD_TEMP_DIR exists and is writable (uploads above "
                       "FILE_UPLOAD_MAX_MEMORY_SIZE go there) and the FILE_UPLOAD_HANDLERS.",
    "verify": "Django's ImageField rejects this image: Pillow cannot identify it (see the "
              "pillow.codecs check for the formats this Pillow decodes).",
    "process": "Pillow failed on the processing a typical upload pipeline does; see the "
               "traceback and the pillow.codecs check (WebP support).",
    "thumbnail": "Pillow failed while making a thumbnail; see the traceback.",
    "storage": "The storage backend raised during the round trip; the traceback shows the "
               "call. Fix the backend or its settings (credentials, bucket, folder).",
}


def _stages_table(title: str, stages) -> dict:
    return table(title, ["stage", "seconds", "bytes in", "bytes out", "names"],
                 [[s.name, round(s.seconds, 4), s.bytes_in, s.bytes_out,
                   ", ".join(s.names[:4])] for s in stages])


def name_search_finding(loop: NameSearchLoop, evidence) -> Finding:
    return E008(
        f"Saving never finds a free name: {loop}",
        f"{loop.storage}.exists() answers True for every name, so Django's "
        "Storage.get_available_name() loops forever and the request hangs until the worker "
        "timeout kills it. Make exists() return False for names that are not stored (or "
        "override get_available_name() to return the name when the backend overwrites).",
        list(evidence))


def endpoint_findings(ctx, runs) -> list[Finding]:
    findings = []
    for run in runs:
        facts = kv(f"POST {run.url}", {
            "image": run.image.label, "upload object": run.upload_class or "?",
            "request bytes": run.request_bytes, "status": run.status,
            "seconds": round(run.seconds, 3)})
        evidence = [facts, _calls_table(run.calls, "Storage calls during the request")]
        if run.log:
            evidence.append(log("Logged during the request", run.log))
        loops = [c for c in run.calls if c.error and c.error.startswith("NameSearchLoop")]
        if loops:
            findings.append(E008(
                f"Saving never finds a free name during POST {run.url}: {loops[0].error}",
                "The storage's exists() answers True for every name, so Django's "
                "Storage.get_available_name() loops forever and the request hangs until the "
                "worker timeout kills it. Make exists() return False for names that are not "
                "stored.", evidence))
        if run.error:
            where = run.frame
            findings.append(E006(
                f"POST {run.url} raised {run.error}"
                + (f" at {where}" if where else ""),
                "The project's upload view raised instead of answering; the traceback shows "
                "where. Fix that line; a real request gets a 500 page here.",
                evidence + [traceback_block(run.traceback)]
                + ([ctx.excerpt(ctx.project_root / where.path, where.line)] if where else []),
                path=where.path if where else None, line=where.line if where else None))
        elif run.status is not None and run.status >= 400:
            findings.append(E005(
                f"POST {run.url} with {run.image.label} was rejected: HTTP {run.status} "
                f"{_first_line(run.body)}",
                "The project's endpoint refused a valid photo. Read the response body and "
                "the log below; for a 4xx check the E2E FIELD/DATA/USER settings match what "
                "the view expects, for a 5xx the storage calls show which one failed.",
                evidence + [log("Response body", run.body.splitlines()[:40])]))
    return findings


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line[:200]


def tracker_findings(ctx, tracker: tracking.Tracker) -> list[Finding]:
    findings, seen = [], {}
    eof_streams = {p.stream for p in tracker.problems if p.kind == "eof_read"}
    for problem in tracker.problems:
        if problem.kind == "save_not_at_start" and problem.stream in eof_streams:
            continue  # the read at EOF that follows says it better
        earlier = problem.earlier
        key = (problem.kind, _where(earlier.frame) if earlier else "",
               _where(problem.event.frame), str(problem.event.site))
        if key in seen:
            seen[key].evidence[0]["items"].append(["also", problem.stream])
            continue
        seen[key] = finding = _tracker_finding(ctx, tracker, problem)
        findings.append(finding)
    return findings


def _tracker_finding(ctx, tracker, problem) -> Finding:
    event, earlier = problem.event, problem.earlier
    facts = {"stream": problem.stream}
    if earlier:
        facts.update({"consumed by": _where(earlier.frame), "consuming call site":
                      str(earlier.site), "bytes read then": earlier.nbytes})
    if problem.kind == "eof_read":
        facts.update({"read again by": _where(event.frame), "reading call site":
                      str(event.site), "bytes read again": event.nbytes,
                      "position": event.position})
    else:
        facts.update({"saved by": _where(event.frame), "save": event.detail,
                      "position at save": event.position})
    evidence = [kv("Read tracker", facts)]
    stream_log = problem.log
    if stream_log:
        evidence.append(table(f"Reads, seeks and tells of {problem.stream}",
                              ["call", "position", "bytes", "calls", "call site",
                               "project frame"],
                              [[e.detail or e.op, e.position, e.nbytes, e.calls, str(e.site),
                                _where(e.frame)] for e in stream_log.events]))
    for frame in (earlier and earlier.frame, event.frame):
        if frame:
            evidence.append(ctx.excerpt(ctx.project_root / frame.path, frame.line))
    where = event.frame or (earlier.frame if earlier else None)
    first = f" at {_where(earlier.frame)}" if earlier else ""
    if problem.kind == "eof_read":
        return E001(
            f"{problem.stream} was read at its end by {_where(event.frame)}: 0 bytes, because "
            f"it had been read{first} ({earlier.nbytes:,} bytes) without seek(0) in between",
            "Rewind with upload.seek(0) after reading it (or read it once into bytes and use "
            "BytesIO(data) for each consumer). FileSystemStorage hides this because it rewinds "
            "through chunks(); a remote storage that calls content.read() stores 0 bytes.",
            evidence, path=where.path if where else None, line=where.line if where else None)
    return W001(
        f"{problem.stream} was handed to {event.detail} at position {event.position:,}, "
        f"not 0{first}",
        "Call seek(0) before saving. This storage rewound by itself, but one that reads "
        "content.read() (ImageKit, most SDK-based backends) stores only what is left: "
        "often 0 bytes.",
        evidence, path=where.path if where else None, line=where.line if where else None)


def stored_findings(ctx, recorder: Recorder) -> list[Finding]:
    saves = {(c.storage, c.name): c for c in recorder.calls if c.op == "save"}

    def rows(items):
        return [[s.storage, s.name, s.content, s.sent, s.nbytes, s.image or s.problem,
                 _where(saves.get((s.storage, s.name)) and saves[(s.storage, s.name)].frame)]
                for s in items]

    columns = ["storage", "name", "content saved", "its size", "stored bytes", "decodes as",
               "saved from"]
    findings = []
    groups = [
        (E002, [s for s in recorder.stored if s.nbytes == 0],
         "{n} object(s) were stored with 0 bytes, e.g. {first}",
         "The storage received an empty stream: something read the upload before it was "
         "saved and did not rewind it (see the read tracker's finding for both lines). Add "
         "upload.seek(0) before the save."),
        (E003, [s for s in recorder.stored if s.nbytes and not s.image],
         "{n} stored object(s) do not decode as an image, e.g. {first}",
         "What reached the storage is not the image: check what the code passes to save() "
         "(a partly read stream, a str, a wrong buffer)."),
        (E004, [s for s in recorder.stored if s.nbytes and s.sent is not None
                and s.sent != s.nbytes],
         "{n} object(s) were stored with a size different from the file saved, e.g. {first}",
         "The storage received part of the file: the stream was not at position 0 when it "
         "was saved, or the backend truncates; seek(0) before saving."),
    ]
    for code, items, message, hint in groups:
        if not items:
            continue
        call = saves.get((items[0].storage, items[0].name))
        frame = call.frame if call else None
        evidence = [table("Stored objects", columns, rows(items))]
        if frame:
            evidence.append(ctx.excerpt(ctx.project_root / frame.path, frame.line))
        findings.append(code(
            message.format(n=len(items), first=f"{items[0].storage}:{items[0].name} "
                           f"({items[0].nbytes:,} bytes, {items[0].content})"),
            hint, evidence, path=frame.path if frame else None,
            line=frame.line if frame else None))
    return findings


def leftover_finding(left: list[str], prefix: str) -> Finding:
    return C001(
        f"The end-to-end check could not delete {len(left)} object(s) it wrote: {left[0]}",
        f"Delete them by hand (everything the check writes is under {prefix}); the storage's "
        "delete() failed or the object still exists after it.",
        [table("Objects left behind", ["object"], [[name] for name in left])])


def publish_timings(ctx, generic_runs, endpoint_runs) -> dict:
    """upload.timings for the server budget: the large image through the endpoint when it
    answered, else through the generic path."""
    answered = [r for r in endpoint_runs if r.status is not None]
    if answered:
        run = answered[-1]
        stages = [{"name": f"POST {run.url}", "seconds": round(run.seconds, 4),
                   "bytes_in": run.request_bytes, "bytes_out": len(run.body)}]
        stages += [{"name": f"storage {c.op} {c.name}", "seconds": round(c.seconds, 4),
                    "bytes_in": 0, "bytes_out": c.nbytes or 0} for c in run.calls]
        timings = {"total_s": round(run.seconds, 4), "stages": stages,
                   "request_bytes": run.request_bytes, "path": "endpoint"}
    elif generic_runs:
        run = generic_runs[-1]
        timings = {"total_s": round(run.total_s, 4), "stages": [s.fact() for s in run.stages],
                   "request_bytes": run.request_bytes, "path": "generic"}
    else:
        return {}
    timings["image"] = run.image.label
    ctx.publish("upload.timings", timings)
    return timings


def timing_finding(ctx, timings, generic_runs, endpoint_runs, prefix) -> Finding:
    worker = ctx.facts.get("server.worker_timeout") or {}
    limit = worker.get("timeout_s") if isinstance(worker, dict) else None
    share = f" ({timings['total_s'] / limit:.1%} of the {limit:g} s worker timeout)" \
        if limit and timings else ""
    evidence = [_stages_table(f"Generic path: {r.image.label} ({r.upload_class})", r.stages)
                for r in generic_runs]
    evidence += [kv(f"Endpoint: POST {r.url}, {r.image.label}",
                    {"upload object": r.upload_class, "status": r.status,
                     "seconds": round(r.seconds, 3), "request bytes": r.request_bytes})
                 for r in endpoint_runs]
    mode = f"the real storages under {prefix}" if prefix else \
        "a recording in-memory storage in place of every project storage"
    evidence.append(kv("How it ran", {"storage": mode, "database": "a test database, "
                                      "rolled back" if endpoint_runs else "not used"}))
    message = (f"The upload of {timings['image']} took {timings['total_s']:.2f} s through "
               f"the {timings['path']} path{share}") if timings else \
        "No upload path completed"
    return I001(message,
                "Compare with the worker timeout (server checks) and the proxy timeouts; "
                "the stages show where the time goes.", evidence)
