"""GitHub-flavoured Markdown, paste-ready; never longer than MAX_CHARS.

Past the limit, detail is dropped lowest level first: every shown finding keeps at least
its one-line form while room allows, the most severe keep their evidence, and the report
says exactly what was left out.
"""
from __future__ import annotations

from collections import Counter

from diagnostics.model import Level

from .reference import loaded_docs
from .templating import by_severity, grouped, render_template

MAX_CHARS = 65_536
SHOWN_GROUPS = ("failed", "warnings")  # whose findings the Markdown lists
NOTE_ROOM = 1_500  # kept free for the note that says what was cut
SEP = "\x1e"


def render(report: dict, *, verbosity: int = 1, **_options) -> str:
    docs = _docs(report)
    text = _render(report, docs, _keep_all, [])
    if len(text) <= MAX_CHARS:
        return text
    return _shortened(report, docs)


def _docs(report: dict) -> dict:
    known = loaded_docs()
    codes = {f["code"] for c in report["checks"] for f in c["findings"]}
    return {code: known[code] for code in codes if code in known}


def _keep_all(check: dict):
    return [(f, True) for f in by_severity(check["findings"])], 0


def _render(report: dict, docs: dict, plan, cuts: list[str]) -> str:
    return render_template("report.md.j2", report=report, docs=docs, plan=plan, cuts=cuts)


def _shown(report: dict) -> list[dict]:
    """The findings the Markdown lists, most severe first, report order within a level."""
    findings = [f for key, _, checks in grouped(report) if key in SHOWN_GROUPS
                for c in checks for f in c["findings"]]
    return sorted(findings, key=lambda f: -Level.parse(f["level"]))


def _sizes(findings: list[dict], docs: dict, full: bool) -> list[int]:
    text = render_template("md_blocks.j2", findings=findings, docs=docs, full=full, sep=SEP)
    return [len(block) for block in text.split(SEP)[:len(findings)]]


def _shortened(report: dict, docs: dict) -> str:
    findings = _shown(report)
    compact = _sizes(findings, docs, False)
    full = _sizes(findings, docs, True)
    skeleton = len(_render(report, docs, lambda check: ([], len(check["findings"])), []))
    budget = MAX_CHARS - skeleton - NOTE_ROOM
    modes: dict[int, bool] = {}  # id(finding) -> with evidence
    for f, size in zip(findings, compact):  # first everyone's one-line form...
        if size > budget:
            break
        modes[id(f)] = False
        budget -= size
    for f, small, big in zip(findings, compact, full):  # ...then evidence, top down
        if id(f) in modes and big - small <= budget:
            modes[id(f)] = True
            budget -= big - small

    def plan(check: dict):
        items = by_severity(check["findings"])
        kept = [(f, modes[id(f)]) for f in items if id(f) in modes]
        return kept, len(items) - len(kept)

    text = _render(report, docs, plan, _cuts(findings, modes))
    if len(text) > MAX_CHARS:  # only if the estimate was wrong; never exceed the limit
        note = "\n\n> Report cut at 65,536 characters; see the JSON or HTML report.\n"
        text = text[:MAX_CHARS - len(note)] + note
    return text


def _cuts(findings: list[dict], modes: dict[int, bool]) -> list[str]:
    """What was left out, by level: 'the evidence of 40 warning findings', ..."""
    dropped = Counter(f["level"] for f in findings if id(f) not in modes)
    bare = Counter(f["level"] for f in findings
                   if modes.get(id(f)) is False and f["evidence"])
    cuts = []
    for what, counts in (("", dropped), ("the evidence of ", bare)):
        parts = [f"{counts[lvl.label]} {lvl.label}" for lvl in reversed(Level)
                 if counts[lvl.label]]
        if parts:
            cuts.append(f"{what}{', '.join(parts)} findings")
    return cuts
