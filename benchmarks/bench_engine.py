"""Engine benchmark: an offline static diagnosis of examples/photoapp against
`manage.py check` on the same project (whole-process time, median of several runs,
interleaved), and the time to render a synthetic 1,000-finding report.

    .venv/bin/python benchmarks/bench_engine.py [--runs 7]

Targets: the diagnosis at most 1.5x `manage.py check`; each rendering under 0.5 s.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

from upload_diagnostics.diagnostics.model import CheckResult, Finding, code, kv, log, table
from upload_diagnostics.diagnostics.redact import Redactor
from upload_diagnostics.diagnostics.report import build

RATIO_TARGET, RENDER_TARGET_S = 1.5, 0.5


def static_check_ids(project: Path) -> list[str]:
    """Static-analysis checks: the static tier, without the dry-run upload (tag e2e),
    which runs the project's upload path on generated photos."""
    listing = subprocess.run([sys.executable, "manage.py", "diagnose_uploads", "--list-checks",
                              "--format", "json"], cwd=project, capture_output=True,
                             text=True, check=True)
    return [c["id"] for c in json.loads(listing.stdout)["checks"]
            if c["tier"] == "static" and "e2e" not in c["tags"]]


# Bytecode caches are written as in any installed environment (pip compiles a wheel's
# modules); PYTHONDONTWRITEBYTECODE would make every run recompile our sources.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def measure(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """Wall-clock and CPU (user + system) seconds of one run of `cmd`. CPU time is the
    steadier figure on a machine shared with other work."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def bench_commands(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(shutil.copytree(REPO / "examples/photoapp", Path(tmp) / "photoapp",
                                       ignore=shutil.ignore_patterns("media", "__pycache__")))
        ids = static_check_ids(project)
        commands = {
            "manage.py check": [sys.executable, "manage.py", "check"],
            "diagnose_uploads (static)": [sys.executable, "manage.py", "diagnose_uploads",
                                          "--offline", *ids],
            "diagnose_uploads --offline (all)": [sys.executable, "manage.py",
                                                 "diagnose_uploads", "--offline"],
        }
        for cmd in commands.values():  # warm the page cache and .pyc files
            measure(cmd, project)
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for _ in range(runs):
            for name, cmd in commands.items():
                times[name].append(measure(cmd, project))
    print(f"static checks: {', '.join(ids)}")
    medians = {}
    for name, samples in times.items():
        medians[name] = tuple(statistics.median(s[i] for s in samples) for i in (0, 1))
        print(f"{name:<34} median wall {medians[name][0]:6.3f} s, cpu {medians[name][1]:6.3f} s"
              f"  (wall of {runs}: {', '.join(f'{s[0]:.2f}' for s in samples)})")
    base = medians["manage.py check"]
    for i, kind in enumerate(("wall", "cpu")):
        ratio = medians["diagnose_uploads (static)"][i] / base[i]
        full = medians["diagnose_uploads --offline (all)"][i] / base[i]
        print(f"ratio static diagnosis / manage.py check ({kind}): {ratio:.2f}x "
              f"(target <= {RATIO_TARGET}x) {'OK' if ratio <= RATIO_TARGET else 'MISSED'}; "
              f"full offline run with the dry-run upload: {full:.2f}x (for information)")


def synthetic_report(n_findings: int = 1000) -> dict:
    """n findings over 50 checks, every evidence type, every level."""
    levels = ["critical", "error", "warning", "info", "debug"]
    results = []
    per_check = n_findings // 50
    for c in range(50):
        findings = []
        for i in range(per_check):
            level = levels[(c + i) % len(levels)]
            letter = {"critical": "C", "error": "E", "warning": "W"}.get(level, "I")
            findings.append(Finding(
                f"bench.{letter}{i:03d}", level,
                f"Finding {i} of check {c}: the upload path does something slow <here> | x",
                "Do the other thing instead; see the evidence.",
                [kv("Settings", {"TIMEOUT": 30, "WORKERS": 1, "key": f"value-{i}"}),
                 table("Timings", ["step", "seconds"], [["decode", 0.11], ["webp", 1.6]]),
                 code("gallery/images.py", 10, [f"line {n} = do_something()" for n in range(7)],
                      13),
                 log("gunicorn", [f"[CRITICAL] WORKER TIMEOUT (pid:{n})" for n in range(3)])],
                path="gallery/images.py", line=13))
        results.append(CheckResult(id=f"bench.check{c:02d}", title=f"Check {c}",
                                   tier="static", status="fail", findings=findings,
                                   duration_s=0.01))
    return build(results, started_at="2026-01-01T00:00:00+00:00", duration_s=1.0,
                 argv=["bench"], flags={"offline": True, "e2e": False, "fail_level": "error",
                                        "timeout": 60.0, "silence": [], "selected": [],
                                        "interrupted": False},
                 environment={"python": sys.version.split()[0], "platform": "bench",
                              "packages": {}, "pillow_codecs": {}, "settings_module": None,
                              "storages": {}},
                 redactor=Redactor(), project="/bench")


def bench_rendering(runs: int) -> None:
    from upload_diagnostics.reports import render

    report = synthetic_report()
    n = sum(len(c["findings"]) for c in report["checks"])
    for fmt in ("html", "md", "json"):
        render(fmt, report)  # template compilation is a one-off per process
        walls, cpus = [], []
        for _ in range(runs):
            started, cpu = time.perf_counter(), time.process_time()
            text = render(fmt, report)
            walls.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu)
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        print(f"render {fmt:<4} {n} findings: median wall {wall:.3f} s, cpu {cpu:.3f} s, "
              f"{len(text):,} chars (target < {RENDER_TARGET_S} s) "
              f"{'OK' if wall < RENDER_TARGET_S else 'MISSED'}")


# Where the CPU time of one static diagnosis goes, phase by phase, in one process.
BREAKDOWN = """
import os, sys, time, json
sys.path.insert(0, os.getcwd())
os.environ["DJANGO_SETTINGS_MODULE"] = sys.argv[1]
ids = set(json.loads(sys.argv[2]))
lap = time.process_time
phases, t = [], lap()
def mark(name):
    global t
    now = lap(); phases.append((name, now - t)); t = now
import django; django.setup(); mark("django.setup()")
import upload_diagnostics.manage_commands.main
import upload_diagnostics.reports.templating, jinja2; mark("engine, front end, jinja2 imports")
from upload_diagnostics.checks import builtin, prepare
BUILTIN = builtin(); mark("check modules imported")
from django.conf import settings
from upload_diagnostics.diagnostics.context import Context, Options
from upload_diagnostics.manage_commands.options import option_table
ctx = Context(os.getcwd(), Options.parse(option_table(), {"offline": True}), settings)
prepare(ctx); mark("prepare hooks")
for cls in BUILTIN:
    if cls.id in ids:
        try:
            list(cls().run(ctx) or ())
        except Exception:
            pass
        mark(f"run {cls.id}")
from upload_diagnostics.diagnostics import environment
environment.collect(settings, sys.argv[1]); mark("environment section")
from upload_diagnostics.reports.templating import environment as env
env(False).get_template("report.txt.j2"); mark("text template compiled")
print(json.dumps(phases))
"""


def breakdown(runs: int) -> None:
    """Median CPU seconds per phase; child processes (a check's subprocess) not included."""
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(shutil.copytree(REPO / "examples/photoapp", Path(tmp) / "photoapp",
                                       ignore=shutil.ignore_patterns("media", "__pycache__")))
        ids = static_check_ids(project)
        samples = [json.loads(subprocess.run(
            [sys.executable, "-c", BREAKDOWN, "photosite.settings", json.dumps(ids)],
            cwd=project, capture_output=True, text=True, check=True).stdout)
            for _ in range(runs)]
    print("CPU per phase of a static diagnosis (in-process, median):")
    for i, (name, _) in enumerate(samples[0]):
        print(f"  {statistics.median(s[i][1] for s in samples):6.3f} s  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    bench_commands(args.runs)
    breakdown(args.runs)
    bench_rendering(args.runs)


if __name__ == "__main__":
    main()
