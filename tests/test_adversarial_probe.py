"""gunicorn config files that fight the probe (gunicorn's own loader, run on each launch):
one that starts a background child holding the probe's output open, one that blocks, one
that prints without end, one that forks a grandchild that ignores SIGTERM. Each run ends
within its limit, reports the config file's problem, and leaves no process behind (the
harness looks in the run's process group and for every process carrying its mark)."""
from __future__ import annotations

import pytest

from adversarial import assert_survived, hostile_run
from test_adversarial_files import project

PROCFILE = "web: gunicorn app.wsgi -c gunicorn.conf.py\n"
CONFIGS = {
    "a background child holding stdout": (
        "import subprocess, sys\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)'])\n"
        "timeout = 45\n", None),
    "a forked grandchild ignoring SIGTERM": (
        "import os, signal, time\n"
        "if os.fork() == 0:\n"
        "    signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "    if os.fork() == 0:\n"
        "        time.sleep(300)\n"
        "    os._exit(0)\n"
        "timeout = 45\n", None),
    "a config that blocks": ("import time\ntime.sleep(300)\ntimeout = 45\n",
                             "did not finish loading its configuration within 6 s"),
    # (16 MiB at most, where it wrote 2 GB in 3 s into the probe's output file)
    "a config that prints without end": (
        "import sys\nwhile True:\n    sys.stdout.write('x' * 65536)\n",
        "OSError: [Errno 27] File too large"),
}


@pytest.mark.parametrize("case", CONFIGS)
def test_a_hostile_gunicorn_config_ends_in_time_and_leaves_nothing(tmp_path, case):
    text, error = CONFIGS[case]
    root = project(tmp_path / "p", {"Procfile": PROCFILE, "gunicorn.conf.py": text})
    outcome = assert_survived(hostile_run(case, ["--project-dir", root, "--offline", "server"],
                                          cwd=tmp_path, out=tmp_path / "out", timeout=6),
                              returncode=1 if error else 0)
    config = outcome.check("server.config")
    if error is None:  # the config loaded: its timeout is the one in force
        assert outcome.finding("server.I002")["message"].startswith("gunicorn ")
        assert outcome.finding("server.I002")["message"].endswith(
            ": timeout 45 s (sync workers, 1 x 1 threads)")
    else:
        [found] = [f for f in config["findings"] if f["level"] == "error"]
        assert error in found["message"], found["message"]
