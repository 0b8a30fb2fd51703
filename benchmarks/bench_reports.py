"""Render time of each report format for synthetic 1,000- and 5,000-finding reports.

    .venv/bin/python benchmarks/bench_reports.py [--repeat N]

Prints seconds (best of N) per format and size, and each as a ratio to the plain JSON
dump of the same report in the same run. Target: every format under 0.5 s at 1,000
findings.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from upload_diagnostics.reports import render  # noqa: E402
from test_reports import synthetic_report  # noqa: E402 - (which declares the built-in codes)

FORMATS = ("json", "junit", "md", "html", "text")
TARGET_S = 0.5


def best_of(repeat: int, func) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    render("html", synthetic_report(10))  # compile the templates once
    print(f"{'findings':>8}  {'format':<6}  {'seconds':>8}  {'x json':>7}  {'size':>9}")
    slow = []
    for n in (1000, 5000):
        report = synthetic_report(n)
        base = None
        for fmt in FORMATS:  # json first: the baseline of the ratios
            text = render(fmt, report)
            seconds = best_of(args.repeat, lambda: render(fmt, report))
            base = base or seconds
            print(f"{n:>8}  {fmt:<6}  {seconds:>8.3f}  {seconds / base:>7.1f}  "
                  f"{len(text) / 1e6:>7.2f}MB")
            if n == 1000 and seconds > TARGET_S:
                slow.append(fmt)
    print(f"1,000 findings under {TARGET_S} s: " + ("all formats" if not slow else
                                                      "NOT " + ", ".join(slow)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
