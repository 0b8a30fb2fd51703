"""Runs checks: selection, ordering by facts, tier gating, timeouts, crash isolation."""
from __future__ import annotations

import fnmatch
import threading
import time
import traceback
from typing import Callable, Iterable

from .check import Check, Skip
from .context import Context
from .engine_codes import C001, E001, E002, E003, E005
from .model import CheckResult, Finding, family, status_for, traceback_block
from .registry import LoadProblem

SLOW_NOTICE_S = 10.0
GATES = {
    "network": ("offline", True, "the network tier is off (--offline)",
                "a run without --offline"),
    "write": ("e2e", False, "the write tier runs only with --e2e", "--e2e"),
}


class SelectionError(ValueError):
    """Unknown check id or tag: a usage error."""


class Interrupted(Exception):
    """The run was stopped with Ctrl-C; carries the results so far."""

    def __init__(self, results):
        super().__init__("interrupted")
        self.results = results


def select(checks: list[Check], ids: Iterable[str] = (), tags: Iterable[str] = ()):
    """Checks named by id (or family prefix such as `pillow`) or carrying one of the tags."""
    ids, tags = list(ids), list(tags)
    if not ids and not tags:
        return list(checks)
    known_ids = {c.id for c in checks}
    families = {family(c.id) for c in checks}
    known_tags = {t for c in checks for t in c.tags}
    unknown = [i for i in ids if i not in known_ids and i not in families]
    unknown_tags = [t for t in tags if t not in known_tags]
    if unknown or unknown_tags:
        parts = []
        if unknown:
            parts.append(f"unknown check id {', '.join(map(repr, unknown))} "
                         f"(known: {', '.join(sorted(known_ids))})")
        if unknown_tags:
            parts.append(f"unknown tag {', '.join(map(repr, unknown_tags))} "
                         f"(known: {', '.join(sorted(known_tags)) or 'none'})")
        raise SelectionError("; ".join(parts) + ". See --list-checks.")
    return [c for c in checks
            if c.id in ids or family(c.id) in ids or set(c.tags) & set(tags)]


def order(checks: list[Check]) -> list[Check]:
    """Registration order, except that a check comes after the providers of the facts it
    requires or uses. A cycle keeps the remaining checks in registration order."""
    providers: dict[str, list[Check]] = {}
    for c in checks:
        for fact in c.provides:
            providers.setdefault(fact, []).append(c)
    done: list[Check] = []
    pending = list(checks)
    while pending:
        for c in pending:
            deps = [p for f in (*c.requires, *c.uses) for p in providers.get(f, ()) if p is not c]
            if all(p in done or p not in pending for p in deps):
                break
        else:
            c = pending[0]  # a cycle: break it deterministically
        pending.remove(c)
        done.append(c)
    return done


def misfit(check: Check, findings: list) -> tuple[str, str] | None:
    """What is wrong with what `check` reported, as (message, hint), or None: each item
    must be a Finding of a code the check lists in `codes`, at that code's level."""
    levels = {c.code: c.level for c in check.codes}
    for f in findings:
        if not isinstance(f, Finding):
            return (f"returned {type(f).__name__}, not Finding",
                    "run(ctx) must yield diagnostics.Finding objects.")
        if levels.get(f.code) != f.level:
            said = "it does not list in its codes" if f.code not in levels else \
                f"declared {levels[f.code].label}"
            return (f"reported {f.code} at level {f.level.label}, a code {said}",
                    "Declare each code once as a diagnostics.Code, list it in the check's "
                    "`codes`, and make its findings by calling it: E001(message, ...).")
    return None


def _silenced(code: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(code, p) for p in patterns)


class Runner:
    def __init__(self, ctx: Context, default_timeout: float,
                 silence: Iterable[str] = (), progress: Callable[[str], None] = print):
        self.ctx = ctx
        self.default_timeout = default_timeout
        self.silence = tuple(silence)
        self.progress = progress
        ctx.progress = progress
        self._begin_errors: dict = {}
        self._providers: dict[str, list[str]] = {}  # fact -> the selected checks providing it

    def run(self, checks: list[Check], problems: list[LoadProblem] = ()) -> list[CheckResult]:
        results = [self._load_problems(problems)] if problems else []
        ordered = order(checks)
        self._providers = {}
        for check in ordered:
            for fact in check.provides:
                self._providers.setdefault(fact, []).append(check.id)
        self._begin(ordered)
        for n, check in enumerate(ordered, 1):
            try:
                result = self.run_one(check)
            except KeyboardInterrupt:
                errors = self.ctx.run_cleanups()
                result = self._result(check, "error", [E005(
                    f"{check.id} was interrupted (Ctrl-C)",
                    "Run it again to completion; its undo steps ran.",
                    [traceback_block("\n".join(errors), "Cleanup errors")] if errors else [])])
                results.append(result)
                for rest in ordered[n:]:
                    results.append(self._skip(rest, "the run was interrupted (Ctrl-C)", None))
                raise Interrupted(results) from None
            results.append(result)
            self.progress(f"[{n}/{len(ordered)}] {check.id}: {result.status} "
                          f"({result.duration_s:.2f} s)"
                          + (f" - {result.skipped_reason}" if result.skipped_reason else ""))
        return results

    def _begin(self, checks: list[Check]) -> None:
        """Let every check that will run start its background work first."""
        self._begin_errors = {}
        for check in checks:
            if self._gate(check, facts=False):
                continue
            try:
                check.begin(self.ctx)
            except Exception as exc:  # reported as this check's crash when it runs
                self._begin_errors[check.id] = (exc, traceback.format_exc())

    def run_one(self, check: Check) -> CheckResult:
        reason = self._gate(check)
        if reason:
            return self._skip(check, *reason)
        timeout = check.timeout if check.timeout is not None else self.default_timeout
        before = set(self.ctx.facts)
        outcome: dict = {}

        def target():
            if check.id in self._begin_errors:
                error, trace = self._begin_errors[check.id]
                if isinstance(error, Skip):
                    outcome.update(findings=[], skip=error)
                else:
                    outcome["error"], outcome["traceback"] = error, trace
                return
            findings: list = []
            try:
                findings.extend(check.run(self.ctx) or ())
                outcome["findings"] = findings
            except Skip as skip:  # what it found before it stopped is kept
                outcome.update(findings=findings, skip=skip)
            except BaseException as exc:  # noqa: BLE001 - one check's crash is one result
                outcome["error"] = exc
                outcome["traceback"] = traceback.format_exc()

        started = time.perf_counter()
        thread = threading.Thread(target=target, name=f"check:{check.id}", daemon=True)
        thread.start()
        noticed = False
        while thread.is_alive():
            elapsed = time.perf_counter() - started
            if elapsed >= timeout:
                break
            if not noticed and elapsed >= SLOW_NOTICE_S:
                self.progress(f"      {check.id} is still running ({elapsed:.0f} s, "
                              f"timeout {timeout:g} s)")
                noticed = True
            thread.join(min(0.1, timeout - elapsed))
        duration = time.perf_counter() - started
        timed_out = thread.is_alive()  # (undo steps may let it end: it still timed out)
        cleanup_errors = self.ctx.run_cleanups()
        if timed_out:
            findings = [E003(
                f"{check.id} did not finish within {timeout:g} s and was abandoned",
                "Something it waits on hangs (a server, a storage call, a lock); its evidence "
                "elsewhere in the report says what it was doing. Raise the limit with "
                "--timeout if the work is just slow.")]
            result = self._result(check, "timeout", findings)
        elif "error" in outcome:
            findings = [E002(
                f"{check.id} crashed: {type(outcome['error']).__name__}: {outcome['error']}",
                "This is a bug in the check, not necessarily in your project; attach this "
                "report to an issue.",
                [traceback_block(outcome["traceback"])])]
            result = self._result(check, "error", findings)
        else:
            findings = outcome["findings"]
            wrong = misfit(check, findings)
            if wrong:
                result = self._result(check, "error", [E002(f"{check.id} {wrong[0]}", wrong[1])])
            else:
                result = self._result(check, None, findings)
                skip = outcome.get("skip")
                if skip:
                    result.status = "skipped"
                    result.skipped_reason, result.enable_with = skip.reason, skip.enable_with
        if cleanup_errors:
            result.findings.append(C001(
                f"{check.id} could not undo what it did: {cleanup_errors[0]}",
                "Remove the named objects by hand; the evidence lists every failed undo step.",
                [traceback_block("\n".join(cleanup_errors), "Undo errors")]))
            result.status = "fail" if result.status in ("pass", "warn") else result.status
        result.duration_s = duration
        result.facts = {k: self.ctx.facts[k] for k in self.ctx.facts if k not in before}
        return result

    def _gate(self, check: Check, facts: bool = True) -> tuple[str, str | None] | None:
        if check.needs_django and not self.ctx.django_ready:
            return ("it needs Django settings and none are configured",
                    "--settings MODULE or DJANGO_SETTINGS_MODULE")
        gate = GATES.get(check.tier)
        if gate:
            option, when, reason, flag = gate
            if getattr(self.ctx.options, option) is when:
                return reason, flag
        missing = [f for f in check.requires if f not in self.ctx.facts]
        if facts and missing:
            providers = sorted({p for f in missing for p in self._providers.get(f, ())})
            if providers:  # (a fact's name is the engine's, not the reader's)
                return f"it needs what {' or '.join(providers)} finds, and none was found", None
            return (f"it needs {', '.join(missing)}, which no selected check provides", None)
        return None

    def _result(self, check: Check, status: str | None, findings: list[Finding]):
        shown = [f for f in findings if not _silenced(f.code, self.silence)]
        return CheckResult(
            id=check.id, title=check.title, tier=check.tier, tags=tuple(check.tags),
            layer=check.layer, status=status or status_for(shown), findings=shown,
            silenced=len(findings) - len(shown))

    def _skip(self, check: Check, reason: str, flag: str | None) -> CheckResult:
        return CheckResult(id=check.id, title=check.title, tier=check.tier,
                           tags=tuple(check.tags), layer=check.layer, status="skipped",
                           skipped_reason=reason,
                           enable_with=flag)

    def _load_problems(self, problems: list[LoadProblem]) -> CheckResult:
        findings = [E001(
            f"A check from {p.source} could not be loaded: {p.error}",
            f"Fix or remove {p.target!r}; the other checks ran without it.",
            [traceback_block(p.traceback)] if p.traceback else [])
            for p in problems]
        return CheckResult(id="diagnostics.plugins", title="Check plugins load", tier="static",
                           status="error", findings=findings)
