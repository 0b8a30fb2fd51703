"""Log triage benchmark: server.logs' streaming triage of a large generated log (gunicorn,
nginx and Django lines with upload failures sprinkled in), in lines per second, against two
baselines in the same run: the straightforward implementation (each line searched with one
alternation of the same signatures, on a 16 MiB slice of the same log, since it is slow)
and a plain Python loop that only iterates over the lines (the floor of any line reader).

Each measurement is one fresh process (peak memory = its max RSS); runs are interleaved
and medians compared. Memory is measured on the full log and on a quarter of it: constant
memory means the two peaks are about equal.

    .venv/bin/python benchmarks/bench_logs.py [--size-mb 1024] [--runs 3]

Targets: at least 5x the straightforward line-by-line search; peak memory independent of
the log's size (full-size peak at most 1.1x the quarter-size peak).
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SPEEDUP_TARGET, MEMORY_TARGET = 5.0, 1.1
SLICE = 16 * 1024 * 1024

NOISE = [
    '[{t} +0000] [7] [INFO] 10.0.0.{n} - - "GET /api/photos/?page={n} HTTP/1.1" 200 5123\n',
    '2026/11/20 10:{m:02d}:{s:02d} [info] 30#30: *{n} client closed keepalive connection\n',
    '{d} INFO gallery photo {n} saved in 0.{n:03d} s\n',
    '[{t} +0000] [9] [DEBUG] POST /api/photos/ size={n}\n',
]
SIGNALS = [
    "[{t} +0000] [7] [CRITICAL] WORKER TIMEOUT (pid:{n})\n",
    "[{t} +0000] [7] [ERROR] Worker (pid:{n}) was sent SIGKILL! Perhaps out of memory?\n",
    "2026/11/20 10:{m:02d}:{s:02d} [error] 30#30: *{n} client intended to send too large "
    "body: 15728640 bytes, client: 10.0.0.1\n",
    "2026/11/20 10:{m:02d}:{s:02d} [error] 30#30: *{n} upstream timed out (110: Connection "
    "timed out) while reading response header from upstream\n",
    "{d} ERROR gallery upload failed: Missing file parameter for upload\n",
]


def generate(path: Path, size: int) -> int:
    """Write about `size` bytes of log; returns the number of lines."""
    lines = []
    for n in range(20000):
        m, s = divmod(n % 3600, 60)
        t, d = f"2026-11-20 10:{m:02d}:{s:02d}", f"2026-11-20 10:{m:02d}:{s:02d},{n % 1000:03d}"
        pool = SIGNALS if n % 997 == 0 else NOISE
        lines.append(pool[n % len(pool)].format(t=t, d=d, n=n, m=m, s=s))
    block = "".join(lines).encode()
    count = 0
    with open(path, "wb") as out:
        written = 0
        while written < size:
            out.write(block)
            written += len(block)
            count += len(lines)
    return count


TRIAGE = """
import json, resource, sys, time
from upload_diagnostics.checks.server.logs import triage_stream
started = time.perf_counter()
with open({path!r}, "rb") as log:
    result = triage_stream(log, "bench")
seconds = time.perf_counter() - started
print(json.dumps({{"lines": result.lines, "seconds": seconds,
                  "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "signatures": {{k: t.count for k, t in result.tallies.items()}}}}))
"""

NAIVE = """
import json, re, resource, sys, time
from upload_diagnostics.checks.server.logs import SIGNATURES
pattern = re.compile(b"|".join(b"(?P<%s>%s)" % (s.key.encode(), s.pattern) for s in SIGNATURES))
started = time.perf_counter()
lines = 0
counts = {{}}
with open({path!r}, "rb") as log:
    for line in log:
        lines += 1
        m = pattern.search(line)
        if m:
            counts[m.lastgroup] = counts.get(m.lastgroup, 0) + 1
seconds = time.perf_counter() - started
print(json.dumps({{"lines": lines, "seconds": seconds,
                  "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}))
"""

LOOP = """
import json, resource, time
started = time.perf_counter()
lines = 0
with open({path!r}, "rb") as log:
    for _ in log:
        lines += 1
seconds = time.perf_counter() - started
print(json.dumps({{"lines": lines, "seconds": seconds,
                  "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}))
"""


def measure(template: str, path: Path) -> dict:
    code = template.format(repo=str(REPO), path=str(path))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="log size (default 1024)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        big, quarter, part = (Path(tmp) / n for n in ("big.log", "quarter.log", "slice.log"))
        started = time.perf_counter()
        lines = generate(big, args.size_mb * 1024 * 1024)
        generate(quarter, args.size_mb * 1024 * 1024 // 4)
        generate(part, SLICE)
        print(f"generated {big.stat().st_size / 2**20:.0f} MiB, {lines} lines "
              f"in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        triage, naive, loop = [], [], []
        for _ in range(args.runs):
            triage.append(measure(TRIAGE, big))
            naive.append(measure(NAIVE, part))
            loop.append(measure(LOOP, big))
        small = measure(TRIAGE, quarter)
    assert all(r["lines"] == lines for r in triage + loop), "line counts disagree"
    rate = statistics.median(r["lines"] / r["seconds"] for r in triage)
    naive_rate = statistics.median(r["lines"] / r["seconds"] for r in naive)
    loop_rate = statistics.median(r["lines"] / r["seconds"] for r in loop)
    peak = max(r["rss_kb"] for r in triage)
    speedup, growth = rate / naive_rate, peak / small["rss_kb"]
    report = {
        "log_mib": args.size_mb, "lines": lines,
        "triage_lines_per_s": round(rate), "naive_lines_per_s": round(naive_rate),
        "plain_loop_lines_per_s": round(loop_rate),
        "speedup_vs_naive": round(speedup, 2), "speedup_target": SPEEDUP_TARGET,
        "share_of_plain_loop_speed": round(rate / loop_rate, 3),
        "triage_peak_rss_mib": round(peak / 1024, 1),
        "quarter_size_peak_rss_mib": round(small["rss_kb"] / 1024, 1),
        "plain_loop_peak_rss_mib": round(max(r["rss_kb"] for r in loop) / 1024, 1),
        "memory_growth": round(growth, 3), "memory_target": MEMORY_TARGET,
        "signatures": triage[0]["signatures"],
    }
    print(json.dumps(report, indent=2))
    ok = speedup >= SPEEDUP_TARGET and growth <= MEMORY_TARGET
    print(("PASS" if ok else "FAIL") + f": triage {rate:,.0f} lines/s ({speedup:.1f}x the "
          f"line-by-line search, {rate / loop_rate:.0%} of a bare line loop), peak "
          f"{peak / 1024:.1f} MiB ({growth:.2f}x the quarter-size log's)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
