"""fileptr's scan of the installed Django package against a baseline that only parses it.

    python benchmarks/bench_fileptr.py [PACKAGE_DIR]

Both sides read and ast.parse the same files in the same run, three times, alternating;
times are this process's CPU time and the best of each side is kept, so other work on a
shared machine disturbs the ratio little. The ratio is what the analysis adds on top of
parsing (target: at most 1.5x on one core).
"""
from __future__ import annotations

import argparse
import ast
import gc
import time
from pathlib import Path


from upload_diagnostics.checks.fileptr.scan import scan
from upload_diagnostics.diagnostics.context import Context, Options


def baseline(files: list[Path]) -> float:
    """Parse every file and keep the trees, as the scan (and Context.parsed) does, with
    the cyclic collector off as during the scan."""
    gc.disable()
    started = time.process_time()
    trees = []
    for path in files:
        try:
            trees.append(ast.parse(path.read_bytes(), filename=str(path)))
        except (SyntaxError, ValueError):
            pass
    took = time.process_time() - started
    del trees
    gc.enable()
    return took


def analysis(root: Path, files: list[Path]) -> tuple[float, int, int]:
    """A fresh scan of the same files (parsing included; a new Context each time)."""
    ctx = Context(root, Options())
    started = time.process_time()
    result = scan(ctx.project_root, files, ctx.parsed, ctx.relpath)
    findings = len(result.reuse) + len(result.masked) + len(result.unparsable)
    return time.process_time() - started, result.files, findings


def discovery(root: Path) -> float:
    started = time.process_time()
    Context(root, Options()).python_files()
    return time.process_time() - started


def main() -> int:
    import django

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default=str(Path(django.__file__).parent))
    args = parser.parse_args()
    root = Path(args.root).resolve()
    files = Context(root, Options()).python_files()
    baseline(files[:50])  # warm the page cache for both sides
    runs = [(baseline(files), analysis(root, files)) for _ in range(3)]  # alternate
    base = min(b for b, _ in runs)  # keep the best of each side
    took, scanned, findings = min((a for _, a in runs), key=lambda a: a[0])
    walk = min(discovery(root) for _ in range(3))
    print(f"root: {root}")
    print(f"files: {scanned}  findings: {findings}")
    print(f"ast.parse only: {base:.2f} s CPU ({len(files) / base:.0f} files/s)")
    print(f"fileptr scan:   {took:.2f} s CPU ({scanned / took:.0f} files/s)")
    print(f"ratio: {took / base:.2f}x (target <= 1.5x)")
    print(f"file discovery (Context.python_files, shared by every check): {walk:.2f} s CPU;"
          f" scan including it: {(took + walk) / base:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
