"""Shared helpers: run the real command in a subprocess, write real settings modules."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "photoapp"
IK5_PYTHON = os.environ.get("UPLOAD_DIAGNOSTICS_IK5_PYTHON", str(REPO / ".venv-ik5/bin/python"))
CORE_PYTHON = os.environ.get("UPLOAD_DIAGNOSTICS_CORE_PYTHON", str(REPO / ".venv-core/bin/python"))


# Finding codes that a real run of the command reported during this session, for
# tests/test_codes_asserted.py: from the JSON, SARIF and text reports the runs printed
# and from the reports the tests validated (plugins/harness.validate).
EMITTED: set[str] = set()
CODE = r"[a-z][a-z0-9_]*\.[CEWID]\d{3}"
IN_REPORT = re.compile(rf'"(?:code|ruleId)": "({CODE})"|^ +\[[A-Z ]+\] ({CODE}) ', re.M)


def note_emitted(text: str) -> None:
    EMITTED.update(a or b for a, b in IN_REPORT.findall(text or ""))


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str

    def __post_init__(self):
        note_emitted(self.stdout)

    def json(self) -> dict:
        return json.loads(self.stdout)

    def report(self) -> dict:
        """The JSON report on stdout, after checking the exit status is the one its findings
        call for at the default --fail-level: 1 with an error or critical finding, else 0."""
        report = self.json()
        assert self.returncode == exit_for(report), self.output
        return report

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def exit_for(report: dict) -> int:
    """The exit status a report calls for at the default --fail-level (error)."""
    levels = {f["level"] for c in report["checks"] for f in c["findings"]}
    return 1 if levels & {"error", "critical"} else 0


def by_code(check: dict) -> dict[str, dict]:
    """A check result's findings by code (the last one wins when a code repeats)."""
    return {f["code"]: f for f in check["findings"]}


def evidence(check: dict, finding: dict) -> list[dict]:
    """A finding's evidence with each reference replaced by the block it points at (a
    block several findings of a check carry is shown with one of them)."""
    return [{**check["findings"][e["finding"]]["evidence"][e["block"]], "title": e["title"]}
            if e["type"] == "ref" else e for e in finding["evidence"]]


def codes(check: dict) -> list[str]:
    """A check result's finding codes, in order."""
    return [f["code"] for f in check["findings"]]


def base_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DJANGO_", "IMAGEKIT", "GUNICORN", "WEB_CONCURRENCY"))}
    env.update(NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost",
               PYTHONDONTWRITEBYTECODE="1")
    env.update({k: str(v) for k, v in extra.items()})
    return env


def interruptible() -> None:
    """preexec_fn for a command a test interrupts with Ctrl-C: a suite started in the
    background ignores SIGINT, and a child inherits that (Python then installs no
    KeyboardInterrupt handler)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def interrupt_when(command: list, ready, cwd, env) -> subprocess.CompletedProcess:
    """Start `command`, press Ctrl-C once `ready()` is true (it must still be running
    then), and wait for it to end."""
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=interruptible)
    deadline = time.monotonic() + 60
    while not ready():
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(command, proc.returncode, stdout, stderr)


# Run as root (as CI does), a process without these capabilities meets the file
# permissions an ordinary user would.
AS_USER = ["setpriv", "--inh-caps=-dac_override,-dac_read_search",
           "--bounding-set=-dac_override,-dac_read_search"]


def run_cli(*args, cwd=None, env=None, python=None, timeout=300, stdin=None,
            as_user=False) -> Run:
    """`python -m upload_diagnostics.manage_commands ARGS` (the diagnose-uploads CLI) in a
    subprocess; `as_user`: with a user's file permissions even when the suite runs as root."""
    python = python or sys.executable
    prefix = AS_USER if as_user and os.geteuid() == 0 else []
    proc = subprocess.run([*prefix, python, "-m", "upload_diagnostics.manage_commands",
                           *map(str, args)], cwd=cwd, env=env or base_env(),
                          capture_output=True, text=True, timeout=timeout, input=stdin)
    return Run(proc.returncode, proc.stdout, proc.stderr)


def run_manage(project: Path, *args, env=None, python=None, timeout=300) -> Run:
    """`python manage.py diagnose_uploads ARGS` in a project folder."""
    python = python or sys.executable
    proc = subprocess.run([python, "manage.py", "diagnose_uploads", *map(str, args)],
                          cwd=project, env=env or base_env(), capture_output=True, text=True,
                          timeout=timeout)
    return Run(proc.returncode, proc.stdout, proc.stderr)


def site_packages(python) -> Path:
    return Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()"
                                "['purelib'])"], capture_output=True, text=True,
                               check=True).stdout.strip())


def core_python(venv: Path) -> Path:
    """A Python with this package (as installed here, editable) and only its runtime
    dependencies (.venv-core's): none of the extras."""
    subprocess.run([CORE_PYTHON, "-m", "venv", "--without-pip", venv], check=True)
    site = site_packages(venv / "bin" / "python")
    (site / "core.pth").write_text(f"{site_packages(CORE_PYTHON)}\n")
    for path in site_packages(sys.executable).glob("__editable__*django_upload_diagnostics*"):
        shutil.copy(path, site)
    return venv / "bin" / "python"


def write_files(root: Path, files: dict[str, str]) -> Path:
    """Write {relative path: text (dedented)} under root; returns root."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


MINIMAL_SETTINGS = """
SECRET_KEY = "test-not-secret"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth",
                  "upload_diagnostics.manage_commands"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
USE_TZ = True
"""


@pytest.fixture
def project(tmp_path):
    """A factory for a real Django project on disk: project(settings_extra, files)."""
    def make(settings: str = "", files: dict[str, str] | None = None,
             module: str = "testsite") -> Path:
        root = tmp_path / "project"
        write_files(root, {
            f"{module}/__init__.py": "",
            f"{module}/settings.py": MINIMAL_SETTINGS + textwrap.dedent(settings),
            "manage.py": f"""
                import os, sys
                os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{module}.settings")
                from django.core.management import execute_from_command_line
                execute_from_command_line(sys.argv)
            """,
            **(files or {}),
        })
        return root
    return make


@pytest.fixture
def example_project(tmp_path):
    """A private copy of the bundled example project."""
    dest = tmp_path / "photoapp"
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns(
        "db.sqlite3", "media", "__pycache__"))
    return dest


WHOLE_SUITE = pytest.StashKey[bool]()
LAST = "test_codes_asserted.py"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """The codes test runs last, after whatever order pytest-randomly chose, and judges
    what the runs emitted only when the whole suite was selected."""
    items.sort(key=lambda item: item.path.name == LAST)
    tests = Path(__file__).resolve().parent
    config.stash[WHOLE_SUITE] = not config.option.keyword and not config.option.markexpr \
        and not config.getoption("deselect") \
        and all(Path(a).resolve() == tests for a in config.args)


def pytest_terminal_summary(terminalreporter, config):
    """The adversarial cases' summary line and their heaviest runs (tests/adversarial.py),
    and the seed of the test order."""
    adversarial = sys.modules.get("adversarial")
    if adversarial is not None and adversarial.LEDGER:
        terminalreporter.section("adversarial cases")
        terminalreporter.write_line(adversarial.summary_line())
        for o in adversarial.heaviest():
            terminalreporter.write_line(f"  {o.seconds:5.1f} s wall {o.cpu_s:5.1f} s CPU "
                                        f"{o.peak_mib:5.0f} MiB peak  {o.name}")
    seed = config.getoption("randomly_seed", None)
    if seed is not None:
        terminalreporter.write_line(f"test order: --randomly-seed={seed} replays it "
                                    "(-p no:randomly keeps the file order)")


# The local S3 (moto's server and the error-injecting proxy): fixtures moto_server, local_s3.
from s3_local import local_s3, moto_server  # noqa: E402,F401
