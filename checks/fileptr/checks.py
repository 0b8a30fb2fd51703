"""fileptr.reuse and fileptr.masked_errors: the static half of the file-pointer family."""
from __future__ import annotations

from diagnostics import Check, Finding, Level, kv, table

from .codes import CODES  # noqa: F401 - the reference of every code emitted here
from .scan import scan


def _scan(ctx):
    def run():
        files = ctx.python_files()
        ctx.progress(f"      fileptr: scanning {len(files)} Python files under "
                     f"{ctx.project_root}")
        return scan(ctx.project_root, files, ctx.parsed, ctx.relpath)
    return ctx.cached("fileptr.scan", run)


def _where(ctx, issue, extra: dict) -> list[dict]:
    items = {"file": issue.module.rel, "line": issue.line, "function": issue.function}
    items.update({k: v for k, v in extra.items() if v not in (None, "")})
    return [kv("Where", items), ctx.excerpt(issue.module.path, issue.line, title="here")]


class FilePointerReuse(Check):
    """Reads the project's source with Python's ast and follows each upload-like value
    through every function (and the project functions it is handed to): a read after the
    file was consumed, a save of a consumed file, a Storage._save that reads content
    without seeking to 0.

    A comment `# upload-diagnostics: ignore[fileptr.E001]` (codes comma-separated, or
    none for all) on the reported line silences it; the count is in the published fact.
    """

    id = "fileptr.reuse"
    title = "Uploaded files are not read again or saved after being consumed"
    tags = ("fileptr", "source", "storage")
    provides = ("fileptr.static",)

    def run(self, ctx):
        result = _scan(ctx)
        ctx.progress(f"      fileptr: {result.files} files scanned, "
                     f"{len(result.unparsable)} not parsable")
        ctx.publish("fileptr.static", {
            "files_scanned": result.files, "suppressed": result.suppressed,
            "findings": [{"code": i.code, "path": i.module.rel, "line": i.line,
                          "function": i.function, "earlier": i.detail.get("earlier")}
                         for i in result.reuse]})
        for path, reason in result.unparsable:
            yield Finding(
                "fileptr.I001", Level.INFO, f"{ctx.relpath(path)} does not parse: {reason}",
                "The file-pointer analysis skipped it. Fix the syntax or the encoding "
                "(declare it with a PEP 263 coding line), or exclude the file with "
                "UPLOAD_DIAGNOSTICS['SOURCE']['EXCLUDE'].",
                [kv("File", {"file": ctx.relpath(path), "error": reason})],
                path=ctx.relpath(path), line=_line_of(reason))
        for issue in result.reuse:
            yield self._finding(ctx, issue)

    def _finding(self, ctx, issue):
        d = issue.detail
        name, earlier = d["name"], d["earlier"]
        evidence = _where(ctx, issue, {
            "value": name, "here": d["action"], "earlier read line": earlier,
            "earlier read": d["earlier_how"]})
        if earlier and earlier != issue.line:
            evidence.append(ctx.excerpt(issue.module.path, earlier,
                                        title=f"earlier read (line {earlier})"))
        where = f"{issue.function}()"
        if issue.code == "fileptr.E001":
            return Finding(
                "fileptr.E001", Level.ERROR,
                f"{name} is read again at line {issue.line} in {where} after line "
                f"{earlier} consumed it ({d['earlier_how']})",
                f"Call {name}.seek(0) before this read, or read the file once into bytes "
                "and give each use its own BytesIO(data): a read at the end of the file "
                "returns b'' ('cannot identify image file', 0-byte uploads).",
                evidence, path=issue.module.rel, line=issue.line)
        if issue.code == "fileptr.E002":
            return Finding(
                "fileptr.E002", Level.ERROR,
                f"{name} is saved at line {issue.line} in {where} ({d['action']}) after "
                f"line {earlier} consumed it ({d['earlier_how']})",
                f"Call {name}.seek(0) before saving. FileSystemStorage hides this (it reads "
                "through chunks(), which rewinds), but a storage whose _save calls "
                "content.read() (ImageKit and other SDK backends) stores 0 bytes or a "
                "truncated file.",
                evidence, path=issue.module.rel, line=issue.line)
        return Finding(
            "fileptr.E003", Level.ERROR,
            f"{where} reads content at line {issue.line} ({d['action']}) without seeking "
            "to 0 first",
            "Start _save with content.seek(0) (when content is seekable), or read it through "
            "content.chunks(), which rewinds: Django hands _save the file wherever the "
            "caller left it, so after any earlier read it uploads 0 bytes (ImageKit: "
            "'Missing file parameter for upload').",
            evidence, path=issue.module.rel, line=issue.line)


def _line_of(reason: str) -> int | None:
    if "(line " in reason:
        tail = reason.rsplit("(line ", 1)[1].rstrip(")")
        return int(tail) if tail.isdigit() else None
    return None


# code -> (level, message template, hint) of the masked-error findings
MASKED = {
    "fileptr.E004": (
        Level.ERROR, "{detail} in {function}(), not an exception class",
        "Import the class from its module (e.g. from pkg.exceptions.Name import Name). When "
        "any exception reaches this clause Python raises 'TypeError: catching classes that "
        "do not inherit from BaseException is not allowed', which hides the real upload "
        "error."),
    "fileptr.W001": (
        Level.WARNING, "{detail} in {function}() swallows every error",
        "Catch the exception you expect, or log it with logger.exception(...) and re-raise: "
        "a swallowed upload or storage error leaves a record pointing at a file that was "
        "never stored, and nothing in the log says why."),
    "fileptr.W002": (
        Level.WARNING, "{detail} in {function}() replaces the error and drops its cause",
        "Write `raise NewError(...) from exc`, and log the original: when a framework turns "
        "NewError into a response (ValidationError, APIException) the original error is "
        "never logged."),
    "fileptr.W003": (
        Level.WARNING, "{detail} in {function}(): the traceback is lost",
        "Use logger.exception(...) or pass exc_info=True so the traceback reaches the log; "
        "a bare message says an upload failed but not where or why."),
}
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
    tags = ("fileptr", "source", "errors")

    def run(self, ctx):
        result = _scan(ctx)
        unresolved: dict[str, list] = {}
        for issue in result.masked:
            if issue.code == "fileptr.I002":
                module = issue.detail["target"].rpartition(".")[0]
                unresolved.setdefault(module, []).append(issue)
                continue
            level, message, hint = MASKED[issue.code]
            detail = issue.detail["detail"]
            yield Finding(
                issue.code, level,
                message.format(detail=detail, function=issue.function), hint,
                _where(ctx, issue, {"found": detail,
                                    "resolves to": issue.detail.get("target")}),
                path=issue.module.rel, line=issue.line)
        for module, issues in unresolved.items():
            yield self._unresolved(ctx, module, issues)

    def _unresolved(self, ctx, module: str, issues: list):
        """One finding per package that is not installed, listing every clause."""
        first = issues[0]
        rows = [[i.module.rel, i.line, i.function, i.detail["target"]] for i in issues[:50]]
        return Finding(
            "fileptr.I002", Level.INFO,
            f"{module} is not importable here: {len(issues)} except clause(s) naming "
            f"classes from it are unresolved (first in {first.function}() at "
            f"{first.module.rel}:{first.line})",
            UNRESOLVED_HINT,
            [table("Except clauses not verified", ["file", "line", "function", "name"], rows),
             ctx.excerpt(first.module.path, first.line, title="first clause")],
            path=first.module.rel, line=first.line)
