"""The terminal report: the layer summary, then the findings to act on, then a one-line
verdict with the counts; status glyphs, ASCII under --no-color."""
from __future__ import annotations

from .printable import printable
from .templating import counts_text, render_template, verdict_text

GLYPHS = {  # status -> (unicode glyph, ascii tag, ANSI colour)
    "fail": ("✖", "[FAIL]", "31"), "error": ("✖", "[ERR ]", "31"),
    "timeout": ("⏱", "[TIME]", "31"), "warn": ("▲", "[WARN]", "33"),
    "pass": ("✔", "[ OK ]", "32"), "skipped": ("○", "[SKIP]", "90"),
}
LEVEL_STATUS = {"critical": "fail", "error": "fail", "warning": "warn", "info": "pass",
                "debug": "skipped"}


def _painter(color: bool):
    def paint(text: str, status: str) -> str:
        glyph, tag, ansi = GLYPHS[status]
        label = f"{glyph} {text}" if color else f"{tag} {text}"
        return f"\x1b[{ansi}m{label}\x1b[0m" if color else label
    return paint


def verdict(report: dict, color: bool = False) -> str:
    status = report["summary"]["status"]
    return _painter(color)(f"{verdict_text(report)}. {counts_text(report)}", status)


def render(report: dict, *, color: bool = False, verbosity: int = 1) -> str:
    report = printable(report)
    text = render_template("report.txt.j2", report=report, verbosity=verbosity,
                           paint=_painter(color), level_status=LEVEL_STATUS,
                           verdict=verdict(report, color))
    return text if color else text.encode("ascii", "replace").decode("ascii")
