"""Markdown that reads the same in GitHub, GitLab, Jira and Zendesk; never longer than
MAX_CHARS. No HTML, no emoji shortcodes, no entities: key-value evidence as lists, tables
only for tabular evidence, code in fences.

Each finding is rendered once as a block and the document is put together from the
blocks. Past the limit, detail is dropped lowest level first: every shown finding keeps
at least its one-line form while room allows, the most severe keep their evidence, and
the report says exactly what was left out.
"""
from __future__ import annotations

from collections import Counter

from upload_diagnostics.diagnostics.model import Level

from .printable import printable
from .templating import by_severity, grouped, render_template, serious

MAX_CHARS = 65_536
SHOWN_GROUPS = ("failed", "warnings")  # whose findings the Markdown lists
NOTE_ROOM = 1_500  # kept free for the note that says what was cut
SEP = "\x1e"
CHUNK = 100  # findings rendered at a time while filling the limit


def render(report: dict, *, verbosity: int = 1, **_options) -> str:
    report = printable(report)
    docs = report.get("codes") or {}  # the entries of the codes it shows
    findings = _shown(report)
    skeleton = len(_render(report, docs, {}, []))
    full = _prefix(findings, docs, True, MAX_CHARS - skeleton)
    if len(full) == len(findings) and skeleton + sum(map(len, full)) <= MAX_CHARS:
        return _render(report, docs, {id(f): b for f, b in zip(findings, full)}, [])
    return _shortened(report, docs, findings, full, skeleton)


def _shown(report: dict) -> list[dict]:
    """The findings the Markdown lists, most severe first, report order within a level."""
    findings = [f for key, _, checks in grouped(report) if key in SHOWN_GROUPS
                for c in checks for f in c["findings"]]
    return sorted(findings, key=lambda f: -Level.parse(f["level"]))


def _prefix(findings: list[dict], docs: dict, full: bool, room: int) -> list[str]:
    """The Markdown blocks of the first findings, with or without evidence, rendered in
    chunks until they fill `room`: a 5,000-finding report renders only what can fit."""
    blocks: list[str] = []
    size = 0
    while len(blocks) < len(findings) and size <= room:
        chunk = findings[len(blocks):len(blocks) + CHUNK]
        text = render_template("md_blocks.j2", findings=chunk, docs=docs, full=full, sep=SEP)
        new = text.split(SEP)[:len(chunk)]
        blocks += new
        size += sum(map(len, new))
    return blocks


def _render(report: dict, docs: dict, blocks: dict[int, str], cuts: list[str]) -> str:
    def plan(check: dict):
        items = by_severity(check["findings"])
        kept = [blocks[id(f)] for f in items if id(f) in blocks]
        return kept, len(items) - len(kept)
    return render_template("report.md.j2", report=report, docs=docs, plan=plan, cuts=cuts)


def _shortened(report: dict, docs: dict, findings: list[dict], full: list[str],
               skeleton: int) -> str:
    budget = MAX_CHARS - skeleton - NOTE_ROOM
    compact = _prefix(findings, docs, False, budget)
    chosen: list[str] = []
    for block in compact:  # first everyone's one-line form, most severe first...
        if len(block) > budget:
            break
        chosen.append(block)
        budget -= len(block)
    with_evidence = 0
    for small, big in zip(chosen, full):  # ...then evidence, top down, while it fits
        if len(big) - len(small) > budget:
            break
        chosen[with_evidence] = big
        budget -= len(big) - len(small)
        with_evidence += 1
    blocks = {id(f): b for f, b in zip(findings, chosen)}
    bare = [f for f in findings[with_evidence:len(chosen)] if f["evidence"] and serious(f)]
    text = _render(report, docs, blocks, _cuts(findings[len(chosen):], bare))
    if len(text) > MAX_CHARS:  # only if the estimate was wrong; never exceed the limit
        note = "\n\n> Report cut at 65,536 characters; see the JSON or HTML report.\n"
        text = text[:MAX_CHARS - len(note)] + note
    return text


def _cuts(dropped: list[dict], bare: list[dict]) -> list[str]:
    """What was left out, by level: '12 info findings; the evidence of 40 warning ...'."""
    cuts = []
    for what, findings in (("", dropped), ("the evidence of ", bare)):
        counts = Counter(f["level"] for f in findings)
        parts = [f"{counts[lvl.label]} {lvl.label}" for lvl in reversed(Level)
                 if counts[lvl.label]]
        if parts:
            cuts.append(f"{what}{', '.join(parts)} findings")
    return cuts
