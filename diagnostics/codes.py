"""Finding codes, each declared once: identity, level and documentation in one object.

A check module declares its codes as module-level `Code` objects and emits findings by
calling them: `E001("message", evidence=[...])`. The level is the code's letter (C
critical, E error, W warning, I info, D debug), so code, level and docs cannot disagree,
and a malformed or twice-declared code fails when its module is imported.

`CodeDoc` is the older form (a bare documentation entry in a module's `CODES` list);
modules move from it to `Code`.
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

    def __repr__(self) -> str:
        return f"Code({self.code!r})"


def _values(code: Code) -> tuple:
    return tuple(getattr(code, f.name) for f in fields(code))


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


# The engine's own codes: what the runner reports when a check cannot do its job.
ENGINE_CODES = [
    CodeDoc(
        code="diagnostics.E001",
        title="A check plugin could not be loaded",
        detects="A check named in settings.UPLOAD_DIAGNOSTICS[\"CHECKS\"] or registered "
                "through the upload_diagnostics.checks entry point fails to import, is not "
                "a Check subclass, has no dotted id, or raises when it is created.",
        why="The check it names does not run, so whatever it was meant to catch goes "
            "unreported; the other checks still run.",
        bad='UPLOAD_DIAGNOSTICS = {\n    "CHECKS": ["myproject.diag.CdnCheck"],  '
            "# module renamed to myproject.diagnostics\n}",
        good='UPLOAD_DIAGNOSTICS = {\n    "CHECKS": ["myproject.diagnostics.CdnCheck"],\n}',
        fix="Read the traceback in the finding's evidence, then fix the dotted path, the "
            "plugin's import error or its class attributes (id like 'family.name', tier one "
            "of static/network/write, a run(ctx) method). Remove the entry if the plugin is "
            "no longer wanted."),
    CodeDoc(
        code="diagnostics.E002",
        title="A check crashed",
        detects="A check raised an exception, or yielded something that is not a Finding, "
                "instead of reporting findings.",
        why="The part of the upload path that check covers was not diagnosed. The crash is "
            "usually a bug in the check, but it can also point at a setting or file of the "
            "project that is broken in a way nobody anticipated.",
        bad="class CdnCheck(Check):\n    id = \"cdn.headers\"\n\n    def run(self, ctx):\n"
            "        yield \"the CDN strips Content-Length\"  # not a Finding",
        good="class CdnCheck(Check):\n    id = \"cdn.headers\"\n\n    def run(self, ctx):\n"
             "        yield Finding(\"cdn.W001\", Level.WARNING,\n"
             "                      \"the CDN strips Content-Length\")",
        fix="Read the redacted traceback in the evidence. For a built-in check, attach the "
            "report to an issue; for your own check, make run(ctx) yield "
            "diagnostics.Finding objects and catch the errors it expects."),
    CodeDoc(
        code="diagnostics.E003",
        title="A check did not finish in time",
        detects="A check ran longer than its timeout (its own `timeout`, else --timeout, "
                "60 s by default) and was abandoned.",
        why="Whatever it waits on hangs: a storage call without an HTTP timeout, a server "
            "that never answers, a storage whose exists() always returns True. The same "
            "hang in production holds a worker until gunicorn kills it (WORKER TIMEOUT).",
        bad="python manage.py diagnose_uploads --timeout 5   # far below what the check needs",
        good="python manage.py diagnose_uploads --timeout 120",
        fix="Look at the other findings for what the check was doing (a network call, a "
            "server start). If it is only slow, raise --timeout; if it hangs, fix the hang "
            "(add timeouts to SDK calls, make exists() answer honestly).",
        lang="sh"),
    CodeDoc(
        code="diagnostics.E004",
        title="A check could not undo what it did",
        detects="An undo step a check registered (deleting a test upload, stopping a "
                "server, removing a temporary file) raised an error after the check "
                "finished, timed out or was interrupted.",
        why="Something the diagnosis created may still exist: a test image in the real "
            "storage under the diagnostic prefix, a server process, a temporary folder.",
        bad="# storage credentials allow upload but not delete\nIMAGEKIT_PRIVATE_KEY = "
            "\"<key of a role without delete permission>\"",
        good="# a key whose role may also delete, so --e2e can clean up\n"
             "IMAGEKIT_PRIVATE_KEY = \"<key with upload and delete permission>\"",
        fix="The evidence lists each failed undo step with the exact object it was about; "
            "remove those objects by hand, then fix what made the undo fail (permissions, "
            "a storage that cannot delete)."),
    CodeDoc(
        code="diagnostics.E005",
        title="A check was interrupted",
        detects="The run was stopped with Ctrl-C while this check was running; the checks "
                "after it were not run.",
        why="The report is incomplete: the interrupted check and everything after it "
            "were not diagnosed.",
        bad="python manage.py diagnose_uploads --e2e   # stopped with Ctrl-C half way",
        good="python manage.py diagnose_uploads --e2e   # left to finish",
        fix="Run the command again and let it finish; pass --timeout to bound slow checks "
            "instead of interrupting them. The interrupted check's undo steps already ran.",
        lang="sh"),
]
