"""What the project's endpoints did with each image of the hard set (--images hard): one
verdict per image and endpoint, the fact e2e.images made of them, and their findings.

Verdicts: "accepted" (stored intact, or nothing stored), "broken" (accepted, but an object
stored is empty, or neither the bytes sent nor an image Pillow verifies), "rejected" (a
4xx, or errors on the file field), "error" (a 5xx, or the view raised: a real server
answers 500), "skipped" (not made here, or the request was not exercised, with the reason).
"""
from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import asdict, dataclass

from upload_diagnostics.diagnostics import Finding, table, traceback_block
from upload_diagnostics.diagnostics.facts import E2E_IMAGES

from .codes import E050, E051, I050, W050
from .findings import first_line, mib, name_loops
from .hardset import FROM_PHONES, NotMade


@dataclass
class Verdict:
    name: str
    kind: str
    endpoint: str | None  # "POST /upload/"
    status_code: int | None
    verdict: str
    peak_memory_bytes: int | None
    message: str = ""  # the project's message, the exception, or why it was skipped
    stored: str = ""  # "intact: ...", "broken: ...", "nothing stored", ""
    at: str | None = None  # the project's path:line where the exception was raised


def judge(run, stored: dict) -> Verdict:
    """The verdict on one request; `stored` maps (storage, name) to recording.Stored."""
    image, status = run.image, run.status
    saved = [stored[(c.storage, c.name)] for c in run.calls
             if c.op == "save" and (c.storage, c.name) in stored]
    broken = [s for s in saved if _broken(s, image.data)]
    verdict = Verdict(image.name, image.kind, f"{run.endpoint.method} {run.url}", status,
                      "accepted", run.peak_memory_bytes)
    if run.error or (status or 0) >= 500:
        verdict.verdict, verdict.status_code = "error", status or 500
        verdict.message = run.error or first_line(run.body)
        verdict.at = run.frame and f"{run.frame.path}:{run.frame.line}"
    elif run.outcome == "refused" or (run.outcome == "failed" and 400 <= status < 500):
        verdict.verdict = "rejected"
        verdict.message = "; ".join(f"{k}: {' '.join(v)}" for k, v in run.errors.items()) \
            or first_line(run.body)
    elif not run.exercised:
        verdict.verdict, verdict.message = "skipped", run.reason
    else:
        verdict.verdict = "broken" if broken else "accepted"
        verdict.message = "; ".join(run.warned)
        verdict.stored = _stored(saved, broken)
    return verdict


def not_made(item: NotMade) -> Verdict:
    return Verdict(item.name, item.kind, None, None, "skipped", None, item.reason)


def _broken(kept, sent: bytes) -> bool:
    """Empty, or neither the bytes sent nor an image (a HEIC stored as sent is intact even
    where this Pillow cannot open it)."""
    return kept.nbytes == 0 or (kept.image is None
                                and kept.digest != hashlib.sha256(sent).hexdigest())


def _stored(saved, broken) -> str:
    if not saved:
        return "nothing stored"
    if broken:
        return "broken: " + ", ".join(
            f"{s.storage}:{s.name} ({s.nbytes:,} bytes{', ' + s.problem if s.nbytes else ''})"
            for s in broken)
    return "intact: " + ", ".join(f"{s.storage}:{s.name}" for s in saved)


def publish(ctx, verdicts: list[Verdict]) -> None:
    E2E_IMAGES.publish(ctx, [asdict(v) for v in verdicts])


# -- findings ------------------------------------------------------------------------------

def findings(ctx, judged: list[tuple[Verdict, object]], explained: set) -> list[Finding]:
    """From (verdict, its EndpointRun or None): E050 per endpoint, exception type and
    line (but a save that never found a free name: e2e.E008); E051 per endpoint for what
    was stored broken (but objects a consumed stream explains: `explained`); W050 per
    endpoint for the phone images it rejected; then the table of every verdict (I050)."""
    failed = [(v, run) for v, run in judged if not (run and name_loops(run))]  # e2e.E008
    found = [_failed(ctx, key, group) for key, group in _grouped(failed, "error").items()]
    for endpoint, group in _grouped(judged, "broken").items():
        shown = [v for v, run in group if not _explained(run, explained)]
        if shown:
            found.append(E051(
                f"{endpoint} stored {len(shown)} image(s) of the hard set broken: "
                + "; ".join(f"{v.kind} ({v.name}): {v.stored}" for v in shown),
                evidence=[_table("Images stored broken", shown)]))
    for endpoint, group in _grouped(judged, "rejected").items():
        phone = [v for v, _run in group if v.kind in FROM_PHONES]
        if phone:
            found.append(W050(
                f"{endpoint} rejected what phones send: " + "; ".join(
                    f"{v.kind} ({v.name}): {v.message[:160]}" for v in phone),
                "; ".join(FROM_PHONES[v.kind] for v in phone) + ". Accept them: register "
                "pillow-heif's opener for HEIC, ImageOps.exif_transpose() for the orientation.",
                [_table("Phone images rejected", phone)]))
    found.append(overview([v for v, _run in judged]))
    return found


def overview(verdicts: list[Verdict]) -> Finding:
    counts = Counter(v.verdict for v in verdicts)
    summary = ", ".join(f"{n} {name}" for name, n in counts.items())
    return I050(f"The hard-image set: {len(verdicts)} verdict(s): {summary}",
                "A clear 4xx for an image the site does not take is fine; a 500, a broken "
                "stored file or a rejected phone image is a finding of its own.",
                [_table("The hard-image set", verdicts)])


def _grouped(judged, verdict: str) -> dict:
    """The (verdict, run) pairs with that verdict, by endpoint (errors: by endpoint,
    exception type and line)."""
    groups = {}
    for v, run in judged:
        if v.verdict == verdict:
            key = (v.endpoint, v.message.split(":")[0], v.at) if verdict == "error" else \
                v.endpoint
            groups.setdefault(key, []).append((v, run))
    return groups


def _explained(run, explained: set) -> bool:
    return any((c.storage, c.name) in explained for c in run.calls if c.op == "save")


def _failed(ctx, key, group) -> Finding:
    endpoint, _error, at = key
    verdicts = [v for v, _run in group]
    run = group[0][1]
    evidence = [_table("Images that failed", verdicts)]
    if run.traceback:
        evidence.append(traceback_block(run.traceback))
    where = {}
    if run.frame:
        evidence.append(ctx.excerpt(ctx.project_root / run.frame.path, run.frame.line))
        where = {"path": run.frame.path, "line": run.frame.line}
    images = ", ".join(f"{v.kind} ({v.name})" for v in verdicts)
    messages = "; ".join(sorted({v.message for v in verdicts}))
    return E050(f"{endpoint} answered {verdicts[0].status_code} for {images}: "
                f"{messages[:300]}" + (f" at {at}" if at else ""), evidence=evidence, **where)


_COLUMNS = ["image", "kind", "endpoint", "status", "verdict", "message", "stored", "at",
            "peak memory (MiB)"]


def _table(title: str, verdicts: list[Verdict]) -> dict:
    return table(title, _COLUMNS, [
        [v.name, v.kind, v.endpoint or "-", "-" if v.status_code is None else v.status_code,
         v.verdict, v.message, v.stored, v.at or "",
         mib(v.peak_memory_bytes)]
        for v in verdicts])
