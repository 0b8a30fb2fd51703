"""Finding codes, each declared once: identity, level and documentation in one object.

A check module declares its codes as module-level `Code` objects and emits findings by
calling them: `E001("message", evidence=[...])`. The level is the code's letter (C
critical, E error, W warning, I info, D debug), so code, level and docs cannot disagree,
and a malformed or twice-declared code fails when its module is imported.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, fields

from .model import Finding, Level

CODE_PATTERN = re.compile(r"[a-z][a-z0-9_]*\.[CEWID]\d{3}")
LETTER_LEVELS = {"C": Level.CRITICAL, "E": Level.ERROR, "W": Level.WARNING,
                 "I": Level.INFO, "D": Level.DEBUG}

# Every Code declared so far in this process (built-ins, plugins), by code.
REGISTRY: dict[str, "Code"] = {}


@dataclass(frozen=True, eq=False)
class Code:
    """One finding code. `hint` is its findings' default one-line hint; without it, the
    fix is the hint."""

    code: str  # family + level letter + number, e.g. "pillow.E001"
    title: str  # one line: what is wrong
    detects: str  # what the check looks at and when it emits this code
    why: str  # why it breaks (or endangers) uploads
    bad: str  # an example of the problem: code or configuration
    good: str  # the same example, fixed
    fix: str  # how to fix it, in steps
    lang: str = "python"  # language of the examples, for syntax highlighting
    hint: str = ""

    def __post_init__(self):
        if not CODE_PATTERN.fullmatch(self.code):
            raise ValueError(f"{self.code!r} is not a finding code like 'family.E001' "
                             "(letter C, E, W, I or D, then three digits)")
        known = REGISTRY.get(self.code)
        if known is not None and _values(known) != _values(self):
            raise ValueError(f"{self.code} is declared twice, with different content")
        REGISTRY[self.code] = self

    @property
    def level(self) -> Level:
        return LETTER_LEVELS[self.code.split(".", 1)[1][0]]

    @property
    def family(self) -> str:
        return self.code.split(".", 1)[0]

    def __call__(self, message: str, hint: str | None = None, evidence=None, *,
                 path: str | None = None, line: int | None = None) -> Finding:
        """A finding of this code."""
        if hint is None:
            hint = self.hint or self.fix
        return Finding(self.code, self.level, message, hint, list(evidence or ()), path, line)

    def to_dict(self) -> dict:
        """The documentation a report carries for each code it shows."""
        return {"title": self.title, "level": self.level.label, "detects": self.detects,
                "why": self.why, "bad": self.bad, "good": self.good, "fix": self.fix,
                "lang": self.lang}

    def __repr__(self) -> str:
        return f"Code({self.code!r})"


def _values(code: Code) -> tuple:
    return tuple(getattr(code, f.name) for f in fields(code))
