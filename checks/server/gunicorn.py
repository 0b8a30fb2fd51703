"""gunicorn's effective settings for one launch, resolved by gunicorn itself in a subprocess.

gunicorn fixes some defaults at import (`workers` from WEB_CONCURRENCY, `bind` from PORT)
and executes config files, so the resolution runs in a fresh interpreter with the
deployment's working directory and environment. The application is never imported.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .discovery import Launch

PROBE = Path(__file__).with_name("probe_gunicorn.py")
MARK = "@@upload-diagnostics-gunicorn@@"
PROBE_TIMEOUT_S = 20.0
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


def start(launch: Launch) -> subprocess.Popen | Resolved:
    """Start gunicorn's own loader on the launch; `collect` reads its answer."""
    env = {**os.environ, **launch.env}
    env.pop("PYTHONSTARTUP", None)
    try:
        return subprocess.Popen([sys.executable, "-P", str(PROBE), json.dumps(launch.argv)],
                                cwd=launch.cwd, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    except OSError as exc:
        return Resolved(launch, error=f"cannot start {sys.executable}: {exc}", stage="probe")


def collect(launch: Launch, proc: subprocess.Popen | Resolved) -> Resolved:
    if isinstance(proc, Resolved):
        return proc
    try:
        stdout, stderr = proc.communicate(timeout=PROBE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return Resolved(launch, error=f"gunicorn did not finish loading its configuration "
                        f"within {PROBE_TIMEOUT_S:g} s (a config file that blocks?)",
                        stage="config file")
    line = next((x for x in reversed(stdout.splitlines()) if x.startswith(MARK)), None)
    if line is None:
        tail = (stderr or stdout).strip()[-2000:]
        return Resolved(launch, error=tail or f"exit status {proc.returncode}", stage="probe")
    data = json.loads(line[len(MARK):])
    return Resolved(launch, data.get("settings", {}), data.get("error"), data.get("stage"),
                    data.get("config_file"), data.get("version"))


def short_source(source: str, ctx) -> str:
    """`config file /abs/path` -> `config file rel/path`."""
    if source.startswith("config file "):
        return "config file " + ctx.relpath(source[len("config file "):])
    return source
