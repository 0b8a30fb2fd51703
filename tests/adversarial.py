"""The adversarial harness: one run of the real CLI on hostile input, asking for all six
formats at once, and everything that must hold of it whatever the input.

`hostile_run` starts the command in its own session (so its process group is its own),
marks its environment, and waits at most the case's time budget. It then reports, and
`assert_survived` checks: no hang (the budget), no process left behind (in the group or
carrying the mark), no crash (no traceback on stderr, no check in status error, no
diagnostics.E002), no leak (no canary in stdout, stderr or any report), no control
character in the text and Markdown reports, a JSON report valid against the schema, and
SARIF, JUnit and HTML that parse.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from conftest import AS_USER, base_env
from plugins.harness import validate, validate_sarif

FORMATS = {"text": "txt", "md": "md", "html": "html", "json": "json", "junit": "xml",
           "sarif": "sarif"}
MARK = "UPLOAD_DIAGNOSTICS_ADVERSARIAL_CASE"
MARGIN_S = 40.0  # interpreter start, imports and the reports, on a loaded machine
# Linux keeps a process's peak RSS across exec, so a command forked from this large test
# process would report this process's size as its own peak. A small launcher forks the
# command, and writes the command's own peak (KiB) to the file named first.
PEAK_LAUNCHER = """
import os, signal, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(str(usage.ru_maxrss))
if os.WIFSIGNALED(status):
    signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
    os.kill(os.getpid(), os.WTERMSIG(status))
sys.exit(os.waitstatus_to_exitcode(status))
"""
# What no text or Markdown report may carry: C0 controls but tab and newline, DEL, C1,
# and the bidirectional overrides that reorder what a terminal shows.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

# Every case run in this session, for the summary line (conftest.pytest_terminal_summary).
LEDGER: list["Outcome"] = []


def canary() -> str:
    """A secret-looking value unique to one case."""
    return f"cAnArY{uuid.uuid4().hex[:20]}"


@dataclass
class Outcome:
    name: str
    returncode: int | None
    stdout: str
    stderr: str
    seconds: float
    peak_mib: float
    budget: float
    cpu_s: float  # user + system time of the command (its children included when waited)
    reports: dict[str, str] = field(default_factory=dict)  # format -> text
    survivors: list[str] = field(default_factory=list)  # "pid cmdline" of processes left
    canaries: tuple[str, ...] = ()

    @property
    def hung(self) -> bool:
        return self.returncode is None or self.seconds > self.budget or bool(self.survivors)

    def json(self) -> dict:
        return json.loads(self.reports["json"])

    def check(self, check_id: str) -> dict:
        return next(c for c in self.json()["checks"] if c["id"] == check_id)

    def codes(self, check_id: str | None = None) -> list[str]:
        checks = self.json()["checks"]
        return [f["code"] for c in checks if check_id in (None, c["id"])
                for f in c["findings"]]

    def finding(self, code: str) -> dict:
        return next(f for c in self.json()["checks"] for f in c["findings"]
                    if f["code"] == code)

    def crashes(self) -> list[str]:
        found = [f"{c['id']}: {f['message']}" for c in self.reports_checks()
                 for f in c["findings"] if f["code"] == "diagnostics.E002"]
        found += [f"{c['id']} ended in status error" for c in self.reports_checks()
                  if c["status"] == "error" and c["id"] != "diagnostics.plugins"]
        if "Traceback (most recent call last)" in self.stderr:
            found.append("a traceback on stderr")
        return found

    def reports_checks(self) -> list[dict]:
        return self.json()["checks"] if "json" in self.reports else []

    def leaks(self) -> list[str]:
        places = {"stdout": self.stdout, "stderr": self.stderr, **self.reports}
        return [f"{value} in {where}" for value in self.canaries
                for where, text in places.items() if value in text]


def hostile_run(name: str, args, cwd: Path, out: Path, *, timeout: float = 10,
                env: dict | None = None, canaries=(), stdin: bytes | None = None,
                as_user: bool = False, formats: bool = True,
                budget: float | None = None) -> Outcome:
    """Run `diagnose-uploads ARGS` (plus every format into `out`, and --timeout unless
    ARGS sets one) and collect what it left."""
    args = [str(a) for a in args]
    if "--timeout" not in args:
        args += ["--timeout", str(timeout)]
    if formats:
        args += [x for fmt in FORMATS for x in ("--format", fmt)] + ["--output", str(out)]
    mark = uuid.uuid4().hex
    path, _, test = os.environ.get("PYTEST_CURRENT_TEST", "").rpartition(" ")[0].partition("::")
    test = f"{os.path.basename(path)}::{test}" if test else ""
    name = test if not name or name.startswith("test_") or not test else f"{test}: {name}"
    command = [sys.executable, "-m", "upload_diagnostics.manage_commands", *args]
    if as_user and os.geteuid() == 0:
        command = AS_USER + command
    budget = budget or timeout + MARGIN_S
    stdout_path, stderr_path = out.with_suffix(".stdout"), out.with_suffix(".stderr")
    peak_path = out.with_suffix(".peak")
    command = [sys.executable, "-c", PEAK_LAUNCHER, str(peak_path), *command]
    started = time.perf_counter()
    with open(stdout_path, "wb") as so, open(stderr_path, "wb") as se:
        proc = subprocess.Popen(command, cwd=cwd, env={**(env or base_env()), MARK: mark},
                                stdin=subprocess.PIPE if stdin is not None else
                                subprocess.DEVNULL, stdout=so, stderr=se,
                                start_new_session=True)
    if stdin is not None:
        _feed(proc, stdin)
    returncode, cpu = _wait(proc.pid, started + budget)
    seconds = time.perf_counter() - started
    peak = int(peak_path.read_text()) if peak_path.exists() else 0  # none when killed
    survivors = _survivors(proc.pid, mark)
    outcome = Outcome(name, returncode, stdout_path.read_text("utf-8", "replace"),
                      stderr_path.read_text("utf-8", "replace"), seconds, peak / 1024, budget,
                      cpu, _reports(out) if formats else {}, survivors, tuple(canaries))
    LEDGER.append(outcome)
    return outcome


def assert_survived(outcome: Outcome, returncode: int | None = None) -> Outcome:
    """Everything that must hold of any run, then the exit status the case pins."""
    assert not outcome.hung, (f"{outcome.name}: hung ({outcome.seconds:.1f} s of "
                              f"{outcome.budget:.0f}; left {outcome.survivors})\n"
                              + outcome.stderr[-3000:])
    assert not outcome.leaks(), outcome.leaks()
    if outcome.reports:
        assert set(outcome.reports) == set(FORMATS), (sorted(outcome.reports),
                                                      outcome.stderr[-3000:])
        validate(outcome.json())
        validate_sarif(json.loads(outcome.reports["sarif"]))
        ET.fromstring(outcome.reports["junit"])
        embedded = HtmlReport.parse(outcome.reports["html"])
        assert embedded == outcome.json(), "the HTML embeds another report than the JSON"
        for fmt in ("text", "md"):
            bad = CONTROL.findall(outcome.reports[fmt])
            assert not bad, f"control characters in the {fmt} report: {bad[:5]}"
    assert not outcome.crashes(), outcome.crashes()
    if returncode is not None:
        assert outcome.returncode == returncode, (outcome.returncode, outcome.stdout[-2000:],
                                                  outcome.stderr[-3000:])
    return outcome


class HtmlReport(HTMLParser):
    """The JSON the HTML report embeds; the document must close what it opens."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = {"html": 0, "body": 0, "script": 0}
        self.json_text: list[str] = []
        self.in_json = False

    @classmethod
    def parse(cls, html: str) -> dict:
        parser = cls()
        parser.feed(html)
        parser.close()
        assert parser.depth == {"html": 0, "body": 0, "script": 0}, parser.depth
        return json.loads("".join(parser.json_text))

    def handle_starttag(self, tag, attrs):
        if tag in self.depth:
            self.depth[tag] += 1
        self.in_json = tag == "script" and ("id", "report-json") in attrs

    def handle_endtag(self, tag):
        if tag in self.depth:
            self.depth[tag] -= 1
        self.in_json = False

    def handle_data(self, data):
        if self.in_json:
            self.json_text.append(data)


def summary_line() -> str:
    cases = len(LEDGER)
    crashes = sum(bool(o.reports and o.crashes()) or "Traceback (most recent call" in o.stderr
                  for o in LEDGER)
    leaks = sum(bool(o.leaks()) for o in LEDGER)
    hangs = sum(o.hung for o in LEDGER)
    return f"{cases} cases, {crashes} crashes, {leaks} leaks, {hangs} hangs"


def heaviest(n: int = 8) -> list[Outcome]:
    return sorted(LEDGER, key=lambda o: (o.seconds, o.peak_mib), reverse=True)[:n]


def _feed(proc: subprocess.Popen, data: bytes) -> None:
    try:
        proc.stdin.write(data)
    except BrokenPipeError:
        pass
    finally:
        try:
            proc.stdin.close()
        except BrokenPipeError:
            pass


def _wait(pid: int, deadline: float) -> tuple[int | None, float]:
    """(exit status or None when the deadline passed, CPU seconds of the run)."""
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status), _cpu(usage)
        if time.perf_counter() > deadline:
            _kill_group(pid)
            _, status, usage = os.wait4(pid, 0)
            return None, _cpu(usage)
        time.sleep(0.05)


def _cpu(usage) -> float:
    return usage.ru_utime + usage.ru_stime


def _survivors(pgid: int, mark: str) -> list[str]:
    """Processes of the run still alive: in its process group, or carrying its mark in
    their environment (a child that left the group). They are killed once listed."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            group = int(stat.rsplit(")", 1)[1].split()[2])
            marked = f"{MARK}={mark}".encode() in (entry / "environ").read_bytes()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue
        if (group == pgid or marked) and stat.rsplit(")", 1)[1].split()[0] != "Z":
            found.append(f"{entry.name} {cmdline.strip()}")
            try:
                os.kill(int(entry.name), signal.SIGKILL)
            except OSError:
                pass
    return found


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError:
        pass


def _reports(out: Path) -> dict[str, str]:
    return {fmt: (out / f"report.{ext}").read_text("utf-8") for fmt, ext in FORMATS.items()
            if (out / f"report.{ext}").is_file()}
