"""Runs checks: selection, ordering by facts, tier gating, timeouts, crash isolation."""
from __future__ import annotations

import fnmatch
import threading
import time
import traceback
from typing import Any, Callable, Iterable

from .check import Check, Skip
from .context import Context
from . import limits
from .engine_codes import C001, E001, E002, E003, E005, I001
from .model import CheckResult, Finding, family, status_for, table, traceback_block
from .registry import LoadProblem

SLOW_NOTICE_S = 10.0
BEGIN_WAIT_S = 2.0  # how long the runner waits for the checks' begin() before the runs
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
        self._begun: dict[str, _Work] = {}
        self._providers: dict[str, list[str]] = {}  # fact -> the selected checks providing it

    def run(self, checks: list[Check], problems: list[LoadProblem] = ()) -> list[CheckResult]:
        try:
            return self._run(checks, problems)
        finally:
            self.ctx.end()

    def _run(self, checks: list[Check], problems) -> list[CheckResult]:
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
                errors, left = self.ctx.run_cleanups()
                result = self._result(check, "error", [E005(
                    f"{check.id} was interrupted (Ctrl-C)",
                    "Run it again to completion; its undo steps ran.",
                    [traceback_block("\n".join(errors), "Cleanup errors")] if errors else []),
                    *left])
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
        """Let every check that will run start its background work first, each in a thread
        of its own (its run waits for it, within the check's time limit)."""
        self._begun = {c.id: _Work(c.id, lambda c=c: c.begin(self.ctx)) for c in checks
                       if not self._gate(c, facts=False)}
        deadline = time.perf_counter() + BEGIN_WAIT_S
        for work in self._begun.values():  # quick ones (a flag set) are done before runs
            work.thread.join(max(0.0, deadline - time.perf_counter()))

    def run_one(self, check: Check) -> CheckResult:
        reason = self._gate(check)
        if reason:
            return self._skip(check, *reason)
        timeout = check.timeout if check.timeout is not None else self.default_timeout
        before = set(self.ctx.facts)
        begun = self._begun.pop(check.id, None)
        found: list = []  # what it reported, kept when it raises Skip part way

        def run():
            if begun is not None:
                begun.thread.join()
                begun.reraise()
            found.extend(check.run(self.ctx) or ())

        started = time.perf_counter()
        work = _Work(check.id, run)
        noticed = False
        while work.thread.is_alive():
            elapsed = time.perf_counter() - started
            if elapsed >= timeout:
                break
            if not noticed and elapsed >= SLOW_NOTICE_S:
                self.progress(f"      {check.id} is still running ({elapsed:.0f} s, "
                              f"timeout {timeout:g} s)")
                noticed = True
            work.thread.join(min(0.1, timeout - elapsed))
        outcome = work.outcome
        duration = time.perf_counter() - started
        timed_out = work.thread.is_alive()  # (undo steps may let it end: it still timed out)
        if timed_out:  # its thread stops at its next checkpoint
            work.stop.set()
            if begun is not None:
                begun.stop.set()
        cleanup_errors, left = self.ctx.run_cleanups()
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
            findings = found
            wrong = misfit(check, findings)
            if wrong:
                result = self._result(check, "error", [E002(f"{check.id} {wrong[0]}", wrong[1])])
            else:
                result = self._result(check, None, findings)
                skip = outcome.get("skip")
                if skip:
                    result.status = "skipped"
                    result.skipped_reason, result.enable_with = skip.reason, skip.enable_with
        result.findings += left  # (a round trip's undo names what it left itself)
        if cleanup_errors:
            result.findings.append(C001(
                f"{check.id} could not undo what it did: {cleanup_errors[0]}",
                "Remove the named objects by hand; the evidence lists every failed undo step.",
                [traceback_block("\n".join(cleanup_errors), "Undo errors")]))
        if left or cleanup_errors:
            result.status = "fail" if result.status in ("pass", "warn") else result.status
        skipped = self.ctx.files.taken(check.id)
        if skipped:
            first, why = next(iter(skipped.items()))
            more = f" (and {len(skipped) - 1} more)" if len(skipped) > 1 else ""
            result.findings.append(I001(
                f"A project file was not read: {first} is {why}{more}",
                "Nothing in these files was diagnosed. Replace a special file (FIFO, device, "
                "socket) or a broken symlink by the file it stands for, make it readable, or "
                "raise the size limit.",
                [table("Files not read", ["file", "why"], sorted(map(list, skipped.items())))]))
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


class _Work:
    """A piece of one check's work (its begin, or its run) in a daemon thread that knows
    which check it serves: `outcome` holds its value, Skip or error once it ends, and
    setting `stop` makes it end at its next checkpoint (diagnostics.limits)."""

    def __init__(self, check_id: str, func: Callable[[], Any]):
        self.stop = threading.Event()
        self.outcome: dict = {}
        self.thread = threading.Thread(target=self._run, args=(check_id, func),
                                       name=f"check:{check_id}", daemon=True)
        self.thread.start()

    def _run(self, check_id: str, func) -> None:
        with limits.serving(check_id, self.stop):
            try:
                self.outcome["value"] = func()
            except Skip as skip:
                self.outcome["skip"] = skip
            except limits.Abandoned:
                pass
            except _Failed as failed:  # its begin() raised: reported as its own crash
                self.outcome["error"], self.outcome["traceback"] = failed.error, failed.trace
            except BaseException as exc:  # noqa: BLE001 - one check's crash is one result
                self.outcome["error"] = exc
                self.outcome["traceback"] = traceback.format_exc()

    def reraise(self) -> None:
        """In the run's thread: end the same way as this begin, if it failed."""
        if "skip" in self.outcome:
            raise self.outcome["skip"]
        if "error" in self.outcome:
            raise _Failed(self.outcome["error"], self.outcome["traceback"])


def bounded(func: Callable[[], Any], seconds: float, default: Any = None) -> Any:
    """func() when it ends within `seconds` (and does not raise), else `default`; the
    engine's own work outside any check (e.g. the environment section) stays bounded."""
    work = _Work("", func)
    work.thread.join(seconds)
    if work.thread.is_alive():
        work.stop.set()
    return work.outcome.get("value", default)


class _Failed(Exception):
    """A begin() that raised: its run reports that error and traceback."""

    def __init__(self, error: BaseException, trace: str):
        super().__init__(str(error))
        self.error, self.trace = error, trace
