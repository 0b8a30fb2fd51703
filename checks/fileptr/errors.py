"""fileptr.masked_errors: except clauses that hide why an upload failed."""
from __future__ import annotations

from upload_diagnostics.diagnostics import Check, table

from .codes import E004, I002, W001, W002, W003
from .common import scanned, where

# code -> (message template, hint) of the masked-error findings
MASKED = {
    E004: (
        "{detail} in {function}(), not an exception class",
        "Import the class from its module (e.g. from pkg.exceptions.Name import Name). When "
        "any exception reaches this clause Python raises 'TypeError: catching classes that "
        "do not inherit from BaseException is not allowed', which hides the real upload "
        "error."),
    W001: (
        "{detail} in {function}() swallows every error",
        "Catch the exception you expect, or log it with logger.exception(...) and re-raise: "
        "a swallowed upload or storage error leaves a record pointing at a file that was "
        "never stored, and nothing in the log says why."),
    W002: (
        "{detail} in {function}() replaces the error and drops its cause",
        "Write `raise NewError(...) from exc`, and log the original: when a framework turns "
        "NewError into a response (ValidationError, APIException) the original error is "
        "never logged."),
    W003: (
        "{detail} in {function}(): the traceback is lost",
        "Use logger.exception(...) or pass exc_info=True so the traceback reaches the log; "
        "a bare message says an upload failed but not where or why."),
}
BY_NAME = {code.code: code for code in MASKED}  # the scan names its issues by code
UNRESOLVED_HINT = ("Run the diagnosis in the environment that serves the site, where the "
                   "package is installed, so the except clauses can be verified "
                   "(see fileptr.E004).")


class MaskedErrors(Check):
    """Except clauses in the project's source that hide why an upload failed: a caught
    name that is a module (resolved against the installed packages without importing
    them), `except Exception: pass` and cause-less re-raises in upload and storage code,
    and logger.error in an except clause without the traceback."""

    id = "fileptr.masked_errors"
    title = "Upload errors are not swallowed or masked"
    layer = "code"
    tags = ("fileptr", "source", "errors")
    codes = (E004, W001, W002, W003, I002)

    def run(self, ctx):
        result = scanned(ctx)
        unresolved: dict[str, list] = {}
        for issue in result.masked:
            if issue.code == I002.code:
                module = issue.detail["target"].rpartition(".")[0]
                unresolved.setdefault(module, []).append(issue)
                continue
            code = BY_NAME[issue.code]
            message, hint = MASKED[code]
            detail = issue.detail["detail"]
            yield code(
                message.format(detail=detail, function=issue.function), hint,
                where(ctx, issue, {"found": detail,
                                    "resolves to": issue.detail.get("target")}),
                path=issue.module.rel, line=issue.line)
        for module, issues in unresolved.items():
            yield self._unresolved(ctx, module, issues)

    def _unresolved(self, ctx, module: str, issues: list):
        """One finding per package that is not installed, listing every clause."""
        first = issues[0]
        rows = [[i.module.rel, i.line, i.function, i.detail["target"]] for i in issues[:50]]
        return I002(
            f"{module} is not importable here: {len(issues)} except clause(s) naming "
            f"classes from it are unresolved (first in {first.function}() at "
            f"{first.module.rel}:{first.line})",
            UNRESOLVED_HINT,
            [table("Except clauses not verified", ["file", "line", "function", "name"], rows),
             ctx.excerpt(first.module.path, first.line, title="first clause")],
            path=first.module.rel, line=first.line)
