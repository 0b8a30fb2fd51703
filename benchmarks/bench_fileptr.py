"""fileptr as a user meets it: the whole `diagnose-uploads fileptr` process against a
script that reads and ast.parses the same files, in the same run.

    python benchmarks/bench_fileptr.py [TREE ...]

Trees: the installed Django package, and the real-world corpus (.cache/realworld/tree,
fetched by tests/run.sh) when it is there, or the folders given. For each tree, both
sides run as fresh processes, interpreter start to exit, in pairs (bare, then tool), eleven
times; the ratio is the median of the pairs' ratios of CPU time (user + system, from the
kernel's accounting of each process): the two runs of a pair meet the same machine, whose
speed drifts by a third from minute to minute on a shared host. The median CPU and wall
times and the peak RSS of each side are shown too. The tool runs
as an install does, with Python's bytecode cache (PYTHONDONTWRITEBYTECODE unset, one
warm-up run first). The file list both sides read is the
tool's own selection (Context.python_files: no tests, migrations or virtualenvs).

Then growth: synthetic projects of 1,000 and 5,000 modules (two file helpers a module,
one calling a helper of another module) through the same command.

Targets: at most 1.5x the bare parse on each tree; 5,000 modules at most 5.5x 1,000;
peak RSS at most 4x the bare parse's.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from bench_engine import ENV
from upload_diagnostics.diagnostics.context import Context, Options

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / ".cache" / "realworld" / "tree"
RUNS = 11
BARE_PARSE = textwrap.dedent("""
    import ast, sys
    for line in open(sys.argv[1], encoding="utf-8"):
        path = line.rstrip("\\n")
        try:
            with open(path, "rb") as f:
                ast.parse(f.read(), filename=path)
        except (SyntaxError, ValueError, OSError, RecursionError):
            pass
""")


def measure(argv: list[str]) -> tuple[float, float, float]:
    """(CPU seconds, wall seconds, peak RSS in MiB) of one process, start to exit. CPU
    time (user + system) is what the ratios use: on a shared machine, wall time also
    counts the time other processes held the cores."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=ENV)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{argv[:3]}... exited {code}")
    return usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024


def tool_argv(root: Path, output: Path) -> list[str]:
    script = Path(sys.executable).with_name("diagnose-uploads")
    return [str(script), "fileptr", "--project-dir", str(root), "--offline",
            "--format", "json", "--output", str(output), "-v", "0"]


def compare(root: Path, work: Path) -> dict:
    files = Context(root, Options()).python_files()
    listing = work / f"{root.name}.files"
    listing.write_text("".join(f"{p}\n" for p in files), encoding="utf-8")
    script = work / "bare_parse.py"
    script.write_text(BARE_PARSE, encoding="utf-8")
    bare_argv = [sys.executable, str(script), str(listing)]
    argv = tool_argv(root, work / "report.json")
    measure(bare_argv)  # warm the page cache (and the tool's bytecode cache)
    measure(argv)
    bare, tool = [], []
    for _ in range(RUNS):  # alternate, so load on a shared machine hits both sides
        bare.append(measure(bare_argv))
        tool.append(measure(argv))
    return {"files": len(files),
            "ratio": statistics.median(t[0] / b[0] for b, t in zip(bare, tool)),
            "bare_s": statistics.median(c for c, _, _ in bare),
            "tool_s": statistics.median(c for c, _, _ in tool),
            "bare_wall": statistics.median(w for _, w, _ in bare),
            "tool_wall": statistics.median(w for _, w, _ in tool),
            "bare_mib": max(m for _, _, m in bare), "tool_mib": max(m for _, _, m in tool)}


def synthetic(root: Path, modules: int) -> Path:
    """A project of `modules` modules, each with two file helpers; every module's
    second helper calls the first helper of the previous module."""
    package = root / "app"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    for n in range(modules):
        previous = f"from app.m{n - 1} import digest as other\n" if n else "other = None\n"
        (package / f"m{n}.py").write_text(previous + textwrap.dedent(f"""
            import hashlib


            def digest(upload):
                data = upload.read()
                upload.seek(0)
                return hashlib.sha256(data).hexdigest()


            def store(storage, upload):
                name = f"{n}-{{other(upload) if other else digest(upload)}}"
                return storage.save(name, upload)
        """), encoding="utf-8")
    return root


def growth(work: Path) -> dict:
    times = {}
    for modules in (1000, 5000):
        root = synthetic(work / f"synthetic{modules}", modules)
        argv = tool_argv(root, work / "synthetic.json")
        measure(argv)
        times[modules] = statistics.median(measure(argv)[0] for _ in range(RUNS))
    return times


def main() -> int:
    import django

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", nargs="*")
    args = parser.parse_args()
    trees = [Path(t).resolve() for t in args.trees] or \
        [Path(django.__file__).parent] + ([CORPUS] if CORPUS.is_dir() else [])
    print(f"whole process (interpreter start to exit), median of {RUNS}: CPU time "
          "(user + system), wall time in brackets")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for root in trees:
            r = compare(root, work)
            print(f"{root} ({r['files']} files):\n"
                  f"  bare parse {r['bare_s']:.2f} s ({r['bare_wall']:.2f} s), "
                  f"{r['bare_mib']:.0f} MiB peak\n"
                  f"  diagnose-uploads fileptr {r['tool_s']:.2f} s ({r['tool_wall']:.2f} s), "
                  f"{r['tool_mib']:.0f} MiB peak\n"
                  f"  time {r['ratio']:.2f}x (median of the pairs; target <= 1.5x), "
                  f"memory {r['tool_mib'] / r['bare_mib']:.2f}x (target <= 4x)")
        times = growth(work)
        print(f"synthetic: 1,000 modules {times[1000]:.2f} s, 5,000 modules "
              f"{times[5000]:.2f} s: {times[5000] / times[1000]:.2f}x (target <= 5.5x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
