"""What both fileptr checks share: one scan per run, and where a finding is."""
from __future__ import annotations

from pathlib import Path

from upload_diagnostics.diagnostics import kv
from upload_diagnostics.diagnostics.context import Context, Options
from upload_diagnostics.diagnostics.environment import SOURCE_MODULES

from .scan import ScanResult, scan


def scanned(ctx) -> ScanResult:
    """The project's scan, done once per run by whichever fileptr check runs first."""
    def run():
        files = ctx.python_files()
        ctx.progress(f"      fileptr: scanning {len(files)} Python files under "
                     f"{ctx.project_root}")
        result = scan(ctx.project_root, files, ctx.relpath, ctx.files)
        ctx.cached(SOURCE_MODULES, lambda: result.modules)  # the same files: no second read
        return result
    return ctx.cached("fileptr.scan", run)


def where(ctx, issue, extra: dict) -> list[dict]:
    """Evidence: the function and details, then the source around the line (the file and
    line are the finding's location)."""
    items = {"function": issue.function}
    items.update({k: v for k, v in extra.items() if v not in (None, "")})
    return [kv("Where", items), ctx.excerpt(issue.module.path, issue.line, title="here")]


def scan_tree(root) -> ScanResult:
    """Scan a source tree without the command or Django settings (the same file
    selection as --project-dir ROOT): for scripts and benchmarks."""
    ctx = Context(Path(root), Options())
    return scan(ctx.project_root, ctx.python_files(), ctx.relpath, ctx.files)
