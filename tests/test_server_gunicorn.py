"""A real gunicorn on 127.0.0.1 serving a copy of the example project: the worker timeout
happens (log line, 500 or dropped connection) and server.budget predicts it from the same
Procfile and the upload e2e.upload measures through the project's view; with gthread the
request passes and the check says so. Its log is then triaged by server.logs."""
from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from PIL import Image

from conftest import base_env, by_code, run_cli

SLOW_S = 3.5  # the view's processing time when diagnosed: above the 2 s timeout
TIMEOUT_S = 2
# Served, the sync worker's view sleeps far longer than the timeout, so however loaded the
# machine, the worker is killed before the view could finish.
SERVED_SLOW_S = 60

SLOW_VIEW = f'''
import os
import time

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from PIL import Image


@csrf_exempt
def slow_upload(request):
    """Decodes the upload, then takes SLOW_UPLOAD_S seconds, like a WebP quality search."""
    with Image.open(request.FILES["image"]) as image:
        image.load()
        size = image.size
    time.sleep(float(os.environ.get("SLOW_UPLOAD_S", "{SLOW_S}")))
    return JsonResponse({{"size": size}}, status=201)
'''

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(project: Path, procfile: str) -> None:
    (project / "gallery" / "slow.py").write_text(SLOW_VIEW)
    with open(project / "photosite" / "urls.py", "a") as urls:
        urls.write('\nfrom gallery.slow import slow_upload\n\n'
                   'urlpatterns.append(path("api/slow/", slow_upload))\n')
    (project / "Procfile").write_text(procfile)


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 80, 30)).save(out, "JPEG")
    return out.getvalue()


class Gunicorn:
    """The Procfile's web command, run the way a platform runs it: sh -c with PORT set."""

    def __init__(self, project: Path, log: Path, slow_s: float):
        self.port = free_port()
        command = (project / "Procfile").read_text().split(":", 1)[1].strip()
        # No control socket: its default path is shared by every gunicorn of this user.
        env = base_env(PORT=self.port, STORAGE_BACKEND="disk", SLOW_UPLOAD_S=slow_s,
                       GUNICORN_CMD_ARGS="--no-control-socket",
                       PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
        self.log = log
        self.proc = subprocess.Popen(["sh", "-c", f"exec {command}"], cwd=project, env=env,
                                     stdout=subprocess.DEVNULL, stderr=open(log, "wb"))
        self.wait_for("Booting worker")

    def wait_for(self, text: str, limit: float = 15.0) -> None:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if text in self.log.read_text(errors="replace"):
                return
            assert self.proc.poll() is None, self.log.read_text()
            time.sleep(0.1)
        raise AssertionError(f"{text!r} not in the log:\n{self.log.read_text()}")

    def upload(self):
        url = f"http://127.0.0.1:{self.port}/api/slow/"
        return requests.post(url, files={"image": ("photo.jpg", jpeg(), "image/jpeg")},
                             timeout=SERVED_SLOW_S / 2)  # (a ReadTimeout fails the test)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def served(example_project, tmp_path):
    """start(procfile) -> a running Gunicorn on the example project; stopped afterwards."""
    started = []

    def start(procfile: str, slow_s: float) -> Gunicorn:
        prepare(example_project, procfile)
        server = Gunicorn(example_project, tmp_path / "gunicorn.log", slow_s)
        started.append(server)
        return server
    yield start
    for server in started:
        server.stop()


def diagnose(project: Path, log: Path) -> dict:
    """The server family with e2e.upload, which times a real upload to the slow view
    through Django's test client and hands the time to server.budget."""
    run = run_cli("server", "e2e.upload", "--endpoint", "/api/slow/", "--field", "image",
                  "--settings", "photosite.settings", "--format", "json", "--logs", log,
                  cwd=project, env=base_env(STORAGE_BACKEND="disk"), timeout=120)
    run.report()  # the exit status its findings call for
    return {c["id"]: c for c in run.json()["checks"]}



def test_sync_worker_timeout_happens_and_is_predicted(served, example_project):
    procfile = ("web: gunicorn photosite.wsgi:application --bind 127.0.0.1:$PORT "
                f"--workers 1 --timeout {TIMEOUT_S}\n")
    server = served(procfile, SERVED_SLOW_S)
    try:
        response = server.upload()
        outcome = response.status_code
    except requests.ConnectionError:
        outcome = "dropped"
    server.wait_for("WORKER TIMEOUT")
    assert outcome in (500, "dropped"), outcome  # cut short: the view never finished
    # Diagnose while the server still runs: the live master is found under /proc.
    checks = diagnose(example_project, server.log)
    server.stop()

    config = checks["server.config"]
    fact = config["facts"]["server.worker_timeout"]
    assert fact["timeout_s"] == TIMEOUT_S and fact["worker_class"] == "sync"
    assert fact["workers"] == 1
    launches = by_code(config)["server.I001"]["evidence"][0]["rows"]
    assert [row[1] for row in launches][:2] == ["process", "Procfile"]  # the running one wins
    assert launches[0][3] == launches[1][3].replace("$PORT", str(server.port)) or \
        f"127.0.0.1:{server.port}" in launches[0][3]
    budget = by_code(checks["server.budget"])
    assert checks["server.budget"]["status"] == "fail"
    assert "WORKER TIMEOUT" in budget["server.E030"]["message"]
    assert f"of the {TIMEOUT_S} s worker timeout" in budget["server.E030"]["message"]
    assert "sync workers: the timeout bounds the whole request" in str(
        budget["server.E030"]["evidence"])
    # The time compared is the one e2e.upload measured (the view sleeps SLOW_S).
    timings = checks["e2e.upload"]["facts"]["upload.timings"]
    assert timings["total_s"] >= SLOW_S and timings["path"] == "endpoint"
    measured = next(e for e in budget["server.E030"]["evidence"]
                    if e["title"].startswith("Measured upload of diagnostic-photo.jpg"))
    assert measured["rows"][0][:2] == ["POST /api/slow/", round(timings["total_s"], 3)]

    # The log this server wrote, triaged.
    logs = by_code(checks["server.logs"])
    timeout = logs["server.E101"]
    facts = dict(timeout["evidence"][0]["items"])
    assert facts["count"] == 1 and facts["explained by"] == "server.budget"
    assert facts["first"] and facts["first"] == facts["last"]
    assert "WORKER TIMEOUT (pid:" in timeout["evidence"][1]["lines"][0]
    # gunicorn 27 answers the killed request with a 500 and logs no traceback; when the
    # worker ignores the abort it is sent SIGKILL, which counts as part of the timeout.
    kills = facts["SIGKILL after the timeout (not out of memory)"]
    assert "server.E102" not in logs
    assert kills == (1 if outcome == "dropped" else 0)


def test_gthread_passes_and_the_check_says_so(served, example_project):
    # The worker's heartbeat comes at least every second while its thread sleeps: a
    # 4 s timeout leaves 3 s of slack for a loaded machine, and the request is still
    # half as long again as the timeout.
    timeout = 4
    procfile = ("web: gunicorn photosite.wsgi:application --bind 127.0.0.1:$PORT "
                f"--workers 1 --threads 4 --timeout {timeout}\n")
    server = served(procfile, timeout * 1.5)
    response = server.upload()
    assert response.status_code == 201, response.text
    time.sleep(1.2)  # one more arbiter round: still no timeout
    server.stop()
    assert "WORKER TIMEOUT" not in server.log.read_text()
    checks = diagnose(example_project, server.log)
    fact = checks["server.config"]["facts"]["server.worker_timeout"]
    assert fact["worker_class"] == "gthread" and fact["threads"] == 4
    budget = by_code(checks["server.budget"])
    assert checks["server.budget"]["status"] == "pass"
    assert "liveness check, so this request passes" in budget["server.I031"]["message"]
    total = checks["e2e.upload"]["facts"]["upload.timings"]["total_s"]
    assert f"The upload takes {total:.2f} s of the {timeout} s" in \
        budget["server.I031"]["message"]
    assert "server.I101" in by_code(checks["server.logs"])  # its log: nothing to report
