"""fileptr.reuse: uploads read again, or saved, after being consumed or closed."""
from __future__ import annotations

from upload_diagnostics.diagnostics import Check, kv

from .codes import E001, E002, E003, E005, I001, W004
from .common import scanned, where


class FilePointerReuse(Check):
    """Reads the project's source (test code only when SOURCE["TESTS"] asks) with
    Python's ast and follows each value shown to be a file through every function (and
    the project functions it is handed to): a read after the file was consumed, a save
    of a consumed file, a Storage._save that reads content without seeking to 0, and any
    use of a file after it was closed (boto3's upload_fileobj, a `with` block, close()).

    A comment `# upload-diagnostics: ignore[fileptr.E001]` (codes comma-separated, or
    none for all) on the reported line silences it; the count is in the published fact.
    """

    id = "fileptr.reuse"
    title = "Uploaded files are not used again after being consumed or closed"
    layer = "code"
    tags = ("fileptr", "source", "storage")
    codes = (E001, E002, E003, E005, W004, I001)
    provides = ("fileptr.static",)

    def run(self, ctx):
        result = scanned(ctx)
        ctx.progress(f"      fileptr: {result.files} files scanned, "
                     f"{len(result.unparsable)} not parsable")
        ctx.publish("fileptr.static", {
            "files_scanned": result.files, "suppressed": result.suppressed,
            "findings": [{"code": i.code, "path": i.module.rel, "line": i.line,
                          "function": i.function, "earlier": i.detail.get("earlier")}
                         for i in result.reuse]})
        for path, reason in result.unparsable:
            yield I001(
                f"{ctx.relpath(path)} does not parse: {reason}",
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
        if issue.code == E003.code:
            evidence = where(ctx, issue, {"value": name, "here": d["action"],
                                          "position": d["earlier_how"]})
        elif issue.code in (E005.code, W004.code):
            evidence = where(ctx, issue, {"value": name, "here": d["action"],
                                          "closed at line": earlier,
                                          "closed by": d["earlier_how"]})
        else:
            evidence = where(ctx, issue, {"value": name, "here": d["action"],
                                          "earlier read line": earlier,
                                          "earlier read": d["earlier_how"]})
        closed = issue.code in (E005.code, W004.code)
        if earlier and earlier != issue.line:
            what = "closed" if closed else "earlier read"
            evidence.append(ctx.excerpt(issue.module.path, earlier,
                                        title=f"{what} (line {earlier})"))
        func = f"{issue.function}()"
        if closed:
            return self._closed(issue, evidence, func)
        if issue.code == E001.code:
            return E001(
                f"{name} is read again at line {issue.line} in {func} after line "
                f"{earlier} consumed it ({d['earlier_how']})",
                f"Call {name}.seek(0) before this read, or read the file once into bytes "
                "and give each use its own BytesIO(data): a read at the end of the file "
                "returns b'' ('cannot identify image file', 0-byte uploads).",
                evidence, path=issue.module.rel, line=issue.line)
        if issue.code == E002.code:
            return E002(
                f"{name} is saved at line {issue.line} in {func} ({d['action']}) after "
                f"line {earlier} consumed it ({d['earlier_how']})",
                f"Call {name}.seek(0) before saving. FileSystemStorage hides this (it reads "
                "through chunks(), which rewinds), but a storage whose _save calls "
                "content.read() (ImageKit and other SDK backends) stores 0 bytes or a "
                "truncated file.",
                evidence, path=issue.module.rel, line=issue.line)
        return E003(
            f"{func} reads {name} at line {issue.line} ({d['action']}) without seeking "
            "to 0 first",
            "Start _save with content.seek(0) (when content is seekable), or read it through "
            "content.chunks(), which rewinds: Django hands _save the file wherever the "
            "caller left it, so after any earlier read it uploads 0 bytes (ImageKit: "
            "'Missing file parameter for upload').",
            evidence, path=issue.module.rel, line=issue.line)

    def _closed(self, issue, evidence, func):
        d = issue.detail
        name, earlier = d["name"], d["earlier"]
        fix = (f"Give the closing call its own copy (data = {name}.read(), then "
               "io.BytesIO(data)), or move it after the last use: seek(0) or open() "
               "cannot bring back an upload once it is closed.")
        if issue.code == E005.code:
            return E005(
                f"{name} is used at line {issue.line} in {func} ({d['action']}) after "
                f"line {earlier} closed it ({d['earlier_how']})",
                fix + " This raises 'ValueError: I/O operation on closed file'.",
                evidence, path=issue.module.rel, line=issue.line)
        return W004(
            f"{name} is used at line {issue.line} in {func} ({d['action']}), which line "
            f"{earlier} may have closed before ({d['earlier_how']})",
            fix + " On the paths through the close this raises 'ValueError: I/O "
            "operation on closed file'.",
            evidence, path=issue.module.rel, line=issue.line)


def _line_of(reason: str) -> int | None:
    if "(line " in reason:
        tail = reason.rsplit("(line ", 1)[1].rstrip(")")
        return int(tail) if tail.isdigit() else None
    return None
