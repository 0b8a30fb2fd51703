"""gunicorn's effective settings for one launch, resolved by gunicorn itself in a subprocess.

gunicorn fixes some defaults at import (`workers` from WEB_CONCURRENCY, `bind` from PORT)
and executes config files, so the resolution runs in a fresh interpreter with the
deployment's working directory and environment. The application is never imported.
"""
from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from upload_diagnostics.diagnostics.files import Files

from .discovery import Launch

PROBE = Path(__file__).with_name("probe_gunicorn.py")
MARK = "@@upload-diagnostics-gunicorn@@"
PROBE_TIMEOUT_S = 20.0
OUTPUT_TAIL = 256 * 1024  # bytes of the probe's output read (the answer is its last line)
DEFAULT_TIMEOUT_S = 30


@dataclass
class Resolved:
    launch: Launch
    settings: dict = field(default_factory=dict)  # name -> {"value", "source"[, "effective"]}
    error: str | None = None  # gunicorn's own words when it rejects the configuration
    stage: str | None = None  # "config file", "command line", "import", "probe"
    config_file: str | None = None
    version: str | None = None

    def value(self, key: str):
        return self.settings.get(key, {}).get("value")

    def source(self, key: str) -> str:
        return self.settings.get(key, {}).get("source", "")

    @property
    def worker_class(self) -> str:
        return self.settings.get("worker_class", {}).get("effective") or \
            str(self.value("worker_class") or "sync")


class Probe:
    """gunicorn's loader running on one launch, in a process group of its own. Its output
    goes to temporary files, not pipes: a child the config file starts in the background
    inherits them, and nothing waits on it; the whole group is killed when the probe is
    collected (or at the end of the run)."""

    def __init__(self, launch: Launch, timeout: float):
        env = {**os.environ, **launch.env}
        env.pop("PYTHONSTARTUP", None)
        self.timeout, self.stopped = timeout, False
        self.started = time.monotonic()
        self.stdout, self.stderr = tempfile.TemporaryFile(), tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, "-P", str(PROBE), json.dumps(launch.argv)], cwd=launch.cwd,
            env=env, stdin=subprocess.DEVNULL, stdout=self.stdout, stderr=self.stderr,
            start_new_session=True)

    def wait(self) -> bool:
        """Whether it ended within its time; either way its process group is gone after."""
        try:
            self.proc.wait(max(0.0, self.started + self.timeout - time.monotonic()))
            return True
        except subprocess.TimeoutExpired:
            return False
        finally:
            self.stop()

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except OSError:  # the group is already empty
            pass
        self.proc.poll()

    def output(self) -> tuple[str, str]:
        """The tails of its stdout and stderr (a config file may print without end)."""
        return tuple(_tail(f) for f in (self.stdout, self.stderr))


def start(launch: Launch, files: Files, timeout: float = PROBE_TIMEOUT_S) -> Probe | Resolved:
    """Start gunicorn's own loader on the launch; `collect` reads its answer."""
    config = config_file(launch)
    if config is not None and os.path.lexists(config) and not files.readable(config):
        return Resolved(launch, error=f"its config file {os.path.relpath(config, launch.cwd)} "
                        "was not read (see the files not read)", stage="probe")
    try:
        return Probe(launch, min(timeout, PROBE_TIMEOUT_S))
    except OSError as exc:
        return Resolved(launch, error=f"cannot start {sys.executable}: {exc}", stage="probe")


def config_file(launch: Launch) -> Path | None:
    """The config file gunicorn will execute for this launch: -c/--config (on the command
    line, else in GUNICORN_CMD_ARGS), else ./gunicorn.conf.py; None for python: modules."""
    for words in (launch.argv, shlex.split(launch.env.get("GUNICORN_CMD_ARGS") or
                                           os.environ.get("GUNICORN_CMD_ARGS", ""))):
        for i, word in enumerate(words):
            if word in ("-c", "--config") and i + 1 < len(words):
                name = words[i + 1]
            elif word.startswith("--config="):
                name = word.split("=", 1)[1]
            else:
                continue
            return None if name.startswith("python:") else launch.cwd / name
    return launch.cwd / "gunicorn.conf.py"


def collect(launch: Launch, probe: Probe | Resolved) -> Resolved:
    if isinstance(probe, Resolved):
        return probe
    if not probe.wait():
        return Resolved(launch, error=f"gunicorn did not finish loading its configuration "
                        f"within {probe.timeout:g} s (a config file that blocks?)",
                        stage="config file")
    stdout, stderr = probe.output()
    line = next((x for x in reversed(f"{stderr}\n{stdout}".splitlines())  # stdout's first
                 if x.startswith(MARK)), None)
    if line is None:
        tail = (stderr or stdout).strip()[-2000:]
        return Resolved(launch, error=tail or f"exit status {probe.proc.returncode}",
                        stage="probe")
    data = json.loads(line[len(MARK):])
    return Resolved(launch, data.get("settings", {}), data.get("error"), data.get("stage"),
                    data.get("config_file"), data.get("version"))


def _tail(f, size: int = OUTPUT_TAIL) -> str:
    f.seek(0, os.SEEK_END)
    f.seek(max(0, f.tell() - size))
    text = f.read().decode("utf-8", "replace")
    f.close()
    return text


def short_source(source: str, ctx) -> str:
    """`config file /abs/path` -> `config file rel/path`."""
    if source.startswith("config file "):
        return "config file " + ctx.relpath(source[len("config file "):])
    return source
