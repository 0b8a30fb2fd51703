"""The finding-code reference, kept beside the checks that emit the codes.

Each check module declares `CODES = [CodeDoc(...), ...]`, one entry per code it emits;
docs/codes/<family>.md is generated from them and a test keeps both in step.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CodeDoc:
    code: str  # e.g. "pillow.E001"
    title: str  # one line: what is wrong
    detects: str  # what the check looks at and when it emits this code
    why: str  # why it breaks (or endangers) uploads
    bad: str  # an example of the problem: code or configuration
    good: str  # the same example, fixed
    fix: str  # how to fix it, in steps
    lang: str = "python"  # language of the examples, for syntax highlighting
