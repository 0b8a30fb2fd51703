"""The findings of an upload run: what the endpoints answered, what the read tracker saw,
what the storages received, the generic path's stages, and the timings.

One finding per object and cause: a consumed-then-saved file is reported once, by what
was stored (E002 empty, E004 short, W001 complete because the storage rewound it), at
the save, naming the consuming line.
"""
from __future__ import annotations

import traceback

from upload_diagnostics.diagnostics import Finding, kv, log, table, traceback_block
from upload_diagnostics.diagnostics.facts import (UPLOAD_TIMINGS, WORKER_TIMEOUT, Stage,
                                                  UploadTimings)

from .codes import (E001, E002, E003, E004, E005, E006, E007, E008, E009, I001, I002,
                    W001, W002, W003)
from .recording import NameSearchLoop, Recorder
from .tracker import Frame, Problem, Tracker


def _where(frame) -> str:
    return str(frame) if frame else "library code"


def _at(frame: Frame | None) -> dict:
    """A finding's location at a frame."""
    return {"path": frame.path, "line": frame.line} if frame else {}


def _calls_table(calls, title="Storage calls") -> dict:
    return table(title, ["storage", "call", "name", "seconds", "bytes", "project frame",
                         "error"],
                 [[c.storage, c.op, c.name, round(c.seconds, 4), c.nbytes, _where(c.frame),
                   c.error or ""] for c in calls[:100]])


def _stages_table(title: str, stages) -> dict:
    return table(title, ["stage", "seconds", "bytes in", "bytes out", "names"],
                 [[s.name, round(s.seconds, 4), s.bytes_in, s.bytes_out,
                   ", ".join(s.names[:4])] for s in stages])


# -- what stopped the requests ------------------------------------------------------------

def config_finding(exc) -> Finding:
    return W002(f'UPLOAD_DIAGNOSTICS["E2E"] is not usable: {exc}',
                "Fix the setting (see the e2e.W002 reference); no endpoint was exercised, "
                "only the generic path ran.")


def unusable_finding(exc) -> Finding:
    """USER or PREPARE failed while a request was prepared (called in its except)."""
    return W002(f'UPLOAD_DIAGNOSTICS["E2E"] is not usable: preparing the request failed '
                f"with {type(exc).__name__}: {exc}",
                'Check "USER" (a username, or a dict with "username") and "PREPARE" (a '
                "dotted path to func(client, data) returning the data); only the generic "
                "path ran.", [traceback_block(traceback.format_exc())])


def database_finding(exc) -> Finding:
    """The test database could not be set up (called in its except)."""
    return E009(f"The test database could not be created: {type(exc).__name__}: {exc}",
                "The endpoints run on a test database built the way `manage.py test` builds "
                "it; make `python manage.py test` work (a database in settings.DATABASES, "
                "migrations, permissions) and run again.",
                [traceback_block(traceback.format_exc())])


# -- the endpoints ---------------------------------------------------------------------------

def name_loops(run) -> list:
    """The saves of a request that never found a free name (e2e.E008)."""
    return [c for c in run.calls if c.error and c.error.startswith("NameSearchLoop")]


def endpoint_findings(ctx, runs, judged: bool = False) -> list[Finding]:
    """E008, then E006 or E005 for each request; with the hard set (`judged`), whose
    verdicts report what the endpoints answered, only E008."""
    findings = []
    for run in runs:
        request = f"{run.endpoint.method} {run.url}"
        facts = kv(request, {
            "view": run.endpoint.view, "image": run.image.label,
            "upload object": run.upload_class or "?", "request bytes": run.request_bytes,
            "status": run.status, "seconds": round(run.seconds, 3)})
        evidence = [facts, _calls_table(run.calls, "Storage calls during the request")]
        if run.log:
            evidence.append(log("Logged during the request", run.log))
        loops = name_loops(run)
        if loops:
            findings.append(E008(
                f"Saving never finds a free name during {request}: {loops[0].error}",
                "The storage's exists() answers True for every name, so Django's "
                "Storage.get_available_name() loops forever and the request hangs until the "
                "worker timeout kills it. Make exists() return False for names that are not "
                "stored.", evidence))
        if judged:
            continue
        if run.error:
            where = run.frame
            findings.append(E006(
                f"{request} raised {run.error}" + (f" at {where}" if where else ""),
                "The project's upload view raised instead of answering; the traceback shows "
                "where. Fix that line; a real request gets a 500 page here.",
                evidence + [traceback_block(run.traceback)]
                + ([ctx.excerpt(ctx.project_root / where.path, where.line)] if where else []),
                **_at(where)))
        elif run.outcome == "refused" or (run.status or 0) >= 500:
            errors = "; ".join(f"{k}: {' '.join(v)}" for k, v in run.errors.items())
            findings.append(E005(
                f"{request} with {run.image.label} was refused: HTTP {run.status} "
                f"{(errors or first_line(run.body))[:200]}",
                "The project's endpoint refused a valid photo. Read the response body and "
                "the log below: a 5xx names the failing call among the storage calls, an "
                "error on the file field says what the view holds against the photo.",
                evidence + [log("Response body", run.body.splitlines()[:40])]))
    return findings


def first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line[:200]


def not_exercised_findings(chosen, runs) -> list[Finding]:
    """One warning per chosen endpoint that no request exercised."""
    findings = []
    for endpoint in chosen:
        mine = [r for r in runs if r.endpoint is endpoint]
        if mine and not any(r.exercised for r in mine):
            findings.append(W003(
                f"{endpoint.method} {endpoint.url} ({endpoint.view}) was not exercised: "
                f"{mine[0].reason}",
                evidence=[kv("Endpoint", endpoint.listing())]))
    return findings


def endpoints_fact(chosen, others, runs, limit: int, why_not: str = "") -> list[dict]:
    """e2e.endpoints: each endpoint found or configured, and what became of it."""
    facts = []
    for endpoint in chosen + others:
        mine = [r for r in runs if r.endpoint is endpoint]
        statuses = [r.status for r in mine if r.status is not None]
        peaks = [r.peak_memory_bytes for r in mine if r.peak_memory_bytes is not None]
        skipped = [r.reason for r in mine if r.outcome == "skipped"]
        exercised = any(r.exercised for r in mine)
        reason = None if exercised else (skipped[0] if skipped else why_not if endpoint in
                                         chosen else _left_out(endpoint, limit))
        facts.append({"url": endpoint.url, "view": endpoint.view, "kind": endpoint.kind,
                      "method": endpoint.method, "exercised": exercised,
                      "status_code": max(statuses) if statuses else None,
                      "peak_memory_bytes": max(peaks) if peaks else None,
                      "reason": reason})
    return facts


def _left_out(endpoint, limit: int) -> str:
    if endpoint.parameters:
        return (f"its URL has parameters ({endpoint.url}); exercise it with --endpoint and "
                "a concrete URL")
    if endpoint.nested:
        return (f"its file field {endpoint.nested} is inside a nested serializer, which "
                "multipart form data cannot carry")
    return f"beyond --max-endpoints {limit}, after the likelier user-facing endpoints"


def endpoints_finding(facts: list[dict]) -> Finding:
    exercised = [f for f in facts if f["exercised"]]
    answered = ", ".join(f"{f['method']} {f['url']} ({f['status_code']})" for f in exercised)
    return I002(
        f"{len(facts)} upload endpoint(s) found, {len(exercised)} exercised"
        + (f": {answered}" if answered else ""), evidence=[table(
            "Upload endpoints", ["method", "url", "view", "kind", "exercised", "status",
                                 "why not"],
            [[f["method"], f["url"], f["view"], f["kind"], f["exercised"],
              "-" if f["status_code"] is None else f["status_code"], f["reason"] or ""]
             for f in facts])])


# -- the read tracker and what was stored --------------------------------------------------

def saved_problems(tracker: Tracker) -> set:
    """(storage, name) of each object saved from a stream not at 0."""
    return {(p.storage, p.name) for p in tracker.problems if p.kind != "eof_read"}


def tracker_findings(ctx, tracker: Tracker, recorder: Recorder,
                     judged: set = frozenset()) -> list[Finding]:
    """E001 for reads at the end of a consumed stream; for saves of a stream not at 0,
    one finding by what was stored; then stored objects wrong for another reason, but
    those `judged` (storage, name) by the hard set's verdicts."""
    stored = {(s.storage, s.name): s for s in recorder.stored}
    saves = {(c.storage, c.name): c for c in recorder.calls if c.op == "save"}
    explained, groups = set(), {}
    for problem in tracker.problems:
        if problem.kind == "eof_read":
            key = ("E001", _where(problem.earlier and problem.earlier.frame),
                   _where(problem.event.frame), str(problem.event.site))
        else:
            where = (problem.storage, problem.name)
            explained.add(where)
            key = (_saved_code(stored.get(where), saves.get(where)),
                   _where(problem.earlier and problem.earlier.frame),
                   _where(problem.event.frame))
        groups.setdefault(key, []).append(problem)
    findings = [_problem_finding(ctx, key[0], problems, stored, saves)
                for key, problems in groups.items()]
    return findings + stored_findings(ctx, recorder, explained | judged)


def _saved_code(kept, call) -> str:
    if kept is None and call is not None and call.error:
        return "E001"  # the save failed on what was left of the stream
    if kept is None or (kept.nbytes and kept.sent in (None, kept.nbytes)):
        return "W001"  # stored whole (the storage rewound), or nothing to tell
    return "E002" if kept.nbytes == 0 else "E004"


def _problem_finding(ctx, code: str, problems: list[Problem], stored: dict,
                     saves: dict) -> Finding:
    first = problems[0]
    event, earlier = first.event, first.earlier
    how = "written" if earlier and earlier.op == "write" else "read"
    facts = {"stream": first.stream}
    if earlier:
        facts["consumed at"] = _path_line(earlier.frame)
        facts.update(_through(earlier, "consumed"))
        facts[f"bytes {how} there"] = earlier.nbytes
    if event.op == "read":
        facts["read again at"] = _path_line(event.frame)
        facts.update(_through(event, "read"))
        facts.update({"bytes read again": event.nbytes, "position": event.position})
    else:
        facts.update({"saved at": _path_line(event.frame), "save": event.detail,
                      "position at save": event.position})
    if len(problems) > 1:
        facts["also"] = problems[1].stream
    evidence = [kv("Read tracker", facts), _chain_table(earlier, event)]
    if first.log:
        evidence.append(table(f"Reads, writes, seeks and tells of {first.stream}",
                              ["call", "position", "bytes", "calls", "call site",
                               "project frame"],
                              [[e.detail or e.op, e.position, e.nbytes, e.calls, str(e.site),
                                _where(e.frame)] for e in first.log.events]))
    kept = [stored[(p.storage, p.name)] for p in problems if (p.storage, p.name) in stored]
    if kept:
        evidence.append(_stored_table(kept))
    for frame in (earlier and earlier.frame, event.frame):
        if frame:
            evidence.append(ctx.excerpt(ctx.project_root / frame.path, frame.line))
    where = event.frame or (earlier.frame if earlier else None)
    cause = (f"{_where(earlier.frame)} had {how} it to position {event.position:,} and "
             "nothing rewound it" if earlier else
             f"it was at position {event.position:,} (nothing tracked moved it there)")
    if code == "E001" and event.op == "read":
        return E001(f"{first.stream} was read at its end by {_where(event.frame)}: 0 bytes, "
                    f"because {cause}", evidence=evidence, **_at(where))
    saved = f"{first.stream} was saved by {_where(event.frame)} ({event.detail})"
    if code == "E001":  # the storage got what was left, nothing, and failed on it
        call = saves[(first.storage, first.name)]
        return E001(f"{saved} at its end, and the save failed ({call.error}): {cause}",
                    evidence=evidence, **_at(where))
    if code == "E002":
        return E002(f"{saved} and stored with 0 bytes: {cause}", evidence=evidence,
                    **_at(where))
    if code == "E004":
        sizes = f"{kept[0].nbytes:,} of {kept[0].sent:,} bytes" if kept else "short"
        return E004(f"{saved} and stored short ({sizes}): {cause}", evidence=evidence,
                    **_at(where))
    hint = ("This storage stored it whole because it rewinds by itself (FileSystemStorage "
            "reads through chunks()); one that calls content.read() (ImageKit, most SDK "
            "backends) stores only what is left, often 0 bytes. Call seek(0) before "
            "saving." if kept else "What the storage made of it could not be read back; "
            "one that calls content.read() stores only what is left. Call seek(0) before "
            "saving.")
    return W001(f"{saved} at position {event.position:,}, not 0: {cause}", hint, evidence,
                **_at(where))


def _path_line(frame: Frame | None) -> str:
    return f"{frame.path}:{frame.line}" if frame else "library code"


def _through(event, what: str) -> dict:
    """The library call that did it for the project's line, when it was not that line."""
    if event.frame and event.site == event.frame:
        return {}
    return {f"{what} through": str(event.site)}


def _chain_table(earlier, event) -> dict:
    """The project frames of the consuming call and of the later read or save: the
    frames between the two lines."""
    rows = [[role, n, str(frame)] for role, e in (("consuming call", earlier),
                                                  (event.op, event)) if e
            for n, frame in enumerate(e.chain)]
    return table("Project frames, innermost first", ["call", "depth", "frame"], rows)


_STORED_COLUMNS = ["storage", "name", "content saved", "its size", "stored bytes",
                   "decodes as"]


def _stored_table(items) -> dict:
    return table("Stored objects", _STORED_COLUMNS,
                 [[s.storage, s.name, s.content, s.sent, s.nbytes, s.image or s.problem]
                  for s in items])


def stored_findings(ctx, recorder: Recorder, explained: set) -> list[Finding]:
    """Stored objects that are empty, short or not an image, where no tracked save
    explains them (e.g. a ContentFile made of b'' read from a spent buffer)."""
    saves = {(c.storage, c.name): c for c in recorder.calls if c.op == "save"}
    rest = [s for s in recorder.stored if (s.storage, s.name) not in explained]
    groups = [
        (E002, [s for s in rest if s.nbytes == 0],
         "{n} object(s) were stored with 0 bytes, e.g. {first}"),
        (E004, [s for s in rest if s.nbytes and s.sent is not None and s.sent != s.nbytes],
         "{n} object(s) were stored with a size different from the file saved, e.g. {first}"),
        (E003, [s for s in rest if s.nbytes and s.sent in (None, s.nbytes) and not s.image],
         "{n} stored object(s) do not decode as an image, e.g. {first}"),
    ]
    findings = []
    for code, items, message in groups:
        if not items:
            continue
        call = saves.get((items[0].storage, items[0].name))
        frame = call.frame if call else None
        evidence = [_stored_table(items)]
        if frame:
            evidence.append(ctx.excerpt(ctx.project_root / frame.path, frame.line))
        findings.append(code(
            message.format(n=len(items), first=f"{items[0].storage}:{items[0].name} "
                           f"({items[0].nbytes:,} bytes, {items[0].content})"),
            evidence=evidence, **_at(frame)))
    return findings


# -- the generic path ---------------------------------------------------------------------

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
        for stage, problem in run.problems:
            findings.append(E007(
                f"Storage round trip, {stage}: {problem}",
                "The storage does not give back what it was given: check the backend's "
                "size()/exists()/open() implementation and that save() stores every byte "
                "(Storage.save must return the name it actually stored).", [stages]))
    return findings


def name_search_finding(loop: NameSearchLoop, evidence) -> Finding:
    return E008(
        f"Saving never finds a free name: {loop}",
        f"{loop.storage}.exists() answers True for every name, so Django's "
        "Storage.get_available_name() loops forever and the request hangs until the worker "
        "timeout kills it. Make exists() return False for names that are not stored (or "
        "override get_available_name() to return the name when the backend overwrites).",
        list(evidence))


# -- timings ----------------------------------------------------------------------------

def publish_timings(ctx, generic_runs, endpoint_runs) -> UploadTimings | None:
    """upload.timings for the server budget: the large image through the first endpoint
    that answered, else through the generic path."""
    answered = [r for r in endpoint_runs if r.exercised and r.status is not None]
    if answered:
        first = answered[0].endpoint
        run = max((r for r in answered if r.endpoint is first),
                  key=lambda r: r.request_bytes)  # the large image
        stages = [Stage(f"{first.method} {run.url}", round(run.seconds, 4), run.request_bytes,
                        len(run.body))]
        stages += [Stage(f"storage {c.op} {c.name}", round(c.seconds, 4), 0, c.nbytes or 0)
                   for c in run.calls]
        timings = UploadTimings(round(run.seconds, 4), tuple(stages), run.request_bytes,
                                "endpoint", run.image.label)
    elif generic_runs:
        run = generic_runs[-1]
        timings = UploadTimings(round(run.total_s, 4), tuple(s.fact() for s in run.stages),
                                run.request_bytes, "generic", run.image.label)
    else:
        return None
    UPLOAD_TIMINGS.publish(ctx, timings)
    return timings


def timing_finding(ctx, timings, generic_runs, endpoint_runs, prefix, hard=False) -> Finding:
    """I001; with the hard set, whose every request is in e2e.I050, only the timed one's
    block is shown."""
    worker = WORKER_TIMEOUT.read(ctx)
    limit = worker and worker.timeout_s
    share = f" ({timings.total_s / limit:.1%} of the {limit:g} s worker timeout)" \
        if limit and timings else ""
    evidence = [_stages_table(f"Generic path: {r.image.label} ({r.upload_class})", r.stages)
                for r in generic_runs]
    evidence += [kv(f"Endpoint: {r.endpoint.method} {r.url}, {r.image.label}",
                    {"upload object": r.upload_class, "status": r.status,
                     "seconds": round(r.seconds, 3), "request bytes": r.request_bytes,
                     "peak memory (MiB)": mib(r.peak_memory_bytes)})
                 for r in endpoint_runs if r.exercised and (
                     not hard or (timings and r.image.label == timings.image))]
    mode = f"the real storages under {prefix}" if prefix else \
        "a recording in-memory storage in place of every project storage"
    evidence.append(kv("How it ran", {"storage": mode, "database": "a test database, "
                                      "rolled back" if endpoint_runs else "not used"}))
    message = (f"The upload of {timings.image} took {timings.total_s:.2f} s through "
               f"the {timings.path} path{share}") if timings else \
        "No upload path completed"
    hint = "Compare with the worker timeout (server checks) and the proxy timeouts; the " \
        "stages show where the time goes."
    if not hard:
        hint += (" Add --images hard to send the images phones and users really send (HEIC, "
                 "RGBA PNG, a truncated JPEG, a decompression bomb...) and see what each does.")
    return I001(message, hint, evidence)


def mib(nbytes: int | None):
    """Bytes as MiB, one decimal, for a table; "-" when unmeasured."""
    return "-" if nbytes is None else round(nbytes / 2**20, 1)
