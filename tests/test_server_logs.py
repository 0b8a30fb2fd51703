"""server.logs through the real command: log text written by real Django and Pillow, the
documented line formats of gunicorn, uWSGI, nginx and Heroku, stdin, .gz, chunk borders."""
from __future__ import annotations

import gzip
import subprocess
import sys
import textwrap

from conftest import base_env, run_cli


def only(run, check_id: str) -> dict:
    """The result of one check in a JSON report."""
    return next(c for c in run.json()["checks"] if c["id"] == check_id)


def triage(*logs, stdin=None, cwd=None) -> tuple[int, dict[str, dict]]:
    run = run_cli("server.logs", *(a for log in logs for a in ("--logs", log)), "--format",
                  "json", stdin=stdin, cwd=cwd)
    run.report()  # the exit status its findings call for
    check = only(run, "server.logs")
    return run.returncode, {f["code"]: f for f in check["findings"]}


def facts(finding: dict) -> dict:
    return dict(finding["evidence"][0]["items"])


MIXED = textwrap.dedent("""\
    [2026-11-20 10:00:00 +0000] [7] [INFO] Booting worker with pid: 12
    [2026-11-20 10:00:31 +0000] [7] [CRITICAL] WORKER TIMEOUT (pid:12)
    [2026-11-20 10:00:32 +0000] [7] [ERROR] Worker (pid:12) was sent SIGKILL! Perhaps out of memory?
    [2026-11-20 10:05:00 +0000] [7] [ERROR] Worker (pid:40) was sent SIGKILL! Perhaps out of memory?
    [2026-11-20 10:09:10 +0000] [7] [CRITICAL] WORKER TIMEOUT (pid:41)
    [2026-11-20 10:09:10 +0000] [41] [ERROR] Error handling request /api/photos/
    Traceback (most recent call last):
      File "/app/venv/lib/python3.12/site-packages/gunicorn/workers/sync.py", line 134, in handle
    SystemExit: 1
    2026/11/20 10:09:10 [error] 30#30: *88 upstream prematurely closed connection while reading response header from upstream, client: 10.0.0.1
    Thu Nov 20 10:11:00 2026 - *** HARAKIRI ON WORKER 2 (pid: 3312, try: 1) ***
    2026-11-20T10:12:00.000000+00:00 heroku[router]: at=error code=H12 desc="Request timeout" method=POST path="/api/photos/" status=503
    2026-11-20T10:13:00.000000+00:00 app[web.1]: upload failed: Missing file parameter for upload key=private_Zq8hX2pLw9TrVb4sKm1NcYe3Uo=
    2026-11-20T10:14:00.000000+00:00 app[web.1]: TypeError: catching classes that do not inherit from BaseException is not allowed
""")


def test_documented_line_formats(tmp_path):
    log = tmp_path / "mixed.log"
    log.write_text(MIXED)
    status, found = triage(log)
    assert status == 1
    timeout = facts(found["server.E101"])
    assert timeout["count"] == 2
    assert (timeout["first"], timeout["last"]) == ("2026-11-20 10:00:31 +0000",
                                                   "2026-11-20 10:09:10 +0000")
    assert timeout["SIGKILL after the timeout (not out of memory)"] == 1
    oom = facts(found["server.E102"])  # pid 40 had no timeout: a real out-of-memory kill
    assert oom["count"] == 1 and oom["first"] == "2026-11-20 10:05:00 +0000"
    assert facts(found["server.E103"])["count"] == 1
    assert facts(found["server.E106"])["first"] == "2026/11/20 10:09:10"
    assert facts(found["server.E107"])["first"] == "Thu Nov 20 10:11:00 2026"
    assert facts(found["server.E108"])["explained by"] == "server.config"
    assert facts(found["server.E112"])["count"] == 1
    assert facts(found["server.E113"])["explained by"] == "imagekit.sdk"
    # samples are shown, but the report's redaction scrubs the key in them
    sample = found["server.E112"]["evidence"][1]["lines"][0]
    assert "Missing file parameter" in sample and "Zq8hX2pLw9TrVb4sKm1NcYe3Uo" not in sample


def test_stdin_and_gzip(tmp_path):
    packed = tmp_path / "old.log.gz"
    with gzip.open(packed, "wt") as out:
        out.write(MIXED)
    _, from_stdin = triage("-", stdin=MIXED)
    _, from_gz = triage(packed)
    assert facts(from_stdin["server.E101"])["count"] == 2
    assert facts(from_stdin["server.E101"])["file"] == "standard input"
    assert {c: facts(f)["count"] for c, f in from_gz.items()} == \
        {c: facts(f)["count"] for c, f in from_stdin.items()}


def test_unreadable_and_missing_logs(tmp_path):
    status, found = triage(tmp_path / "nope.log")
    assert status == 1 and "nope.log cannot be read" in found["server.E100"]["message"]
    broken = tmp_path / "cut.log.gz"
    broken.write_bytes(gzip.compress(MIXED.encode())[:40])
    _, found = triage(broken)
    assert "server.E100" in found
    run = run_cli("server.logs", "--format", "json", cwd=tmp_path)
    check = only(run, "server.logs")
    assert (check["status"], check["findings"]) == ("skipped", [])
    assert check["skipped_reason"].startswith("no log was given to triage")
    assert check["enable_with"].startswith("--logs ")
    assert run.returncode == 0


def test_signatures_across_chunk_borders(tmp_path):
    """3 MB of noise with a timeout line every ~300 KB: each counted once, lines exact."""
    filler = "[2026-11-20 10:00:00 +0000] [7] [INFO] GET /healthz 200 " + "x" * 60 + "\n"
    signal = "[2026-11-20 11:00:00 +0000] [7] [CRITICAL] WORKER TIMEOUT (pid:{})\n"
    log = tmp_path / "big.log"
    lines = 0
    with open(log, "w") as out:
        for n in range(10):
            for _ in range(2500 + n * 7):
                out.write(filler)
                lines += 1
            out.write(signal.format(100 + n))
            lines += 1
    _, found = triage(log)
    assert facts(found["server.E101"])["count"] == 10
    scanned = dict(found["server.E101"]["evidence"][2]["items"])
    assert scanned["lines"] == lines and scanned["bytes"] == log.stat().st_size


def test_real_django_and_pillow_log_text(project, tmp_path):
    """Django's own security loggers and Pillow's own error, written by a real request."""
    log = tmp_path / "django.log"
    root = project(f"""
        ROOT_URLCONF = "testsite.urls"
        ALLOWED_HOSTS = ["*"]
        DATA_UPLOAD_MAX_MEMORY_SIZE = 100
        DATA_UPLOAD_MAX_NUMBER_FILES = 1
        LOGGING = {{
            "version": 1,
            "formatters": {{"plain": {{"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}}}},
            "handlers": {{"file": {{"class": "logging.FileHandler", "filename": r"{log}",
                                   "formatter": "plain"}}}},
            "loggers": {{"django": {{"handlers": ["file"], "level": "WARNING"}},
                        "testsite": {{"handlers": ["file"], "level": "ERROR"}}}},
        }}
    """, files={
        "testsite/urls.py": """
            import io
            import logging

            from django.http import HttpResponse
            from django.urls import path
            from django.views.decorators.csrf import csrf_exempt
            from PIL import Image

            logger = logging.getLogger("testsite")


            @csrf_exempt
            def upload(request):
                upload = request.FILES["image"]
                upload.read()  # a checksum, without seek(0) afterwards
                try:
                    Image.open(io.BytesIO(upload.read()))
                except Exception:
                    logger.exception("thumbnail failed")
                    return HttpResponse(status=400)
                return HttpResponse(status=201)

            urlpatterns = [path("upload/", upload)]
        """,
    })
    script = textwrap.dedent("""
        import io, django
        django.setup()
        from django.test import Client
        from PIL import Image
        client = Client()
        def jpeg(name):
            data = io.BytesIO()
            Image.new("RGB", (32, 32)).save(data, "JPEG")
            data.seek(0)
            data.name = name
            return data
        client.post("/upload/", {"image": jpeg("a.jpg")})
        client.post("/upload/", {"image": jpeg("a.jpg"), "other": jpeg("b.jpg")})
        client.post("/upload/", {"note": "x" * 500})
    """)
    subprocess.run([sys.executable, "-c", script], cwd=root, check=True, timeout=60,
                   env=base_env(DJANGO_SETTINGS_MODULE="testsite.settings"))
    _, found = triage(log)
    assert facts(found["server.E111"])["count"] == 1  # Pillow: cannot identify image file
    assert facts(found["server.E110"])["count"] == 1  # DATA_UPLOAD_MAX_NUMBER_FILES
    assert facts(found["server.E109"])["count"] == 1  # DATA_UPLOAD_MAX_MEMORY_SIZE
    assert facts(found["server.E109"])["first"]  # the formatter's asctime is read
