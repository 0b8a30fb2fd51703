"""Text that is safe to show on a terminal: the one place control characters from logs,
file names or findings are neutralised before the text and Markdown reports (and the
progress lines) are written."""
from __future__ import annotations

import re

# What a terminal acts on instead of showing: C0 controls but tab and newline, DEL, C1
# controls, and the bidirectional overrides that reorder the text shown.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(value):
    """`value` (a whole report, or any string or part of one) with each control character
    written as its escape (ESC as \\x1b), so that a log line, a file name or a finding
    cannot move the cursor, recolour or retitle a terminal, or hide text. The text and
    Markdown renderers apply it to the report before anything else."""
    if isinstance(value, str):
        return _CONTROL.sub(_escape, value) if _CONTROL.search(value) else value
    if isinstance(value, dict):
        return {k: printable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [printable(v) for v in value]
    return value


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
