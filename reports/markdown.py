"""GitHub-flavoured Markdown, paste-ready; never longer than MAX_CHARS."""
from __future__ import annotations

import copy

from diagnostics.model import Level

from .templating import render_template

MAX_CHARS = 65_536


def render(report: dict, *, verbosity: int = 1, **_options) -> str:
    text = _render(report, [])
    if len(text) <= MAX_CHARS:
        return text
    return _shortened(report)


def _render(report: dict, cuts: list[str]) -> str:
    return render_template("report.md.j2", report=report, cuts=cuts)


def _shortened(report: dict) -> str:
    """Drop detail, lowest level first: evidence, then the findings themselves."""
    report = copy.deepcopy(report)
    findings = [f for c in report["checks"] for f in c["findings"]]
    cuts: list[str] = []
    for level in Level:
        at_level = [f for f in findings if f["level"] == level.label]
        with_evidence = [f for f in at_level if f["evidence"]]
        if with_evidence:
            for f in with_evidence:
                f["evidence"] = []
            cuts.append(f"evidence of {len(with_evidence)} {level.label} findings")
            text = _render(report, cuts)
            if len(text) <= MAX_CHARS:
                return text
        if at_level:
            for check in report["checks"]:
                check["findings"] = [f for f in check["findings"] if f["level"] != level.label]
            cuts.append(f"{len(at_level)} {level.label} findings")
            text = _render(report, cuts)
            if len(text) <= MAX_CHARS:
                return text
    text = _render(report, cuts + ["the end of the report"])
    note = "\n\n> Report cut at 65,536 characters; see the JSON or HTML report.\n"
    return text[:MAX_CHARS - len(note)] + note
