"""The README's quick start, run exactly as the README says: on ImageKit (the default) and on
S3 (--storage s3)."""
from __future__ import annotations

import json
import re
import socket
import subprocess

from conftest import IK5_PYTHON, REPO, base_env, by_code, codes, note_emitted


def test_quick_start_writes_both_reports_and_talks_to_the_emulator(tmp_path):
    proc = subprocess.run([str(REPO / ".venv/bin/python"), str(REPO / "examples/quickstart.py")],
                          cwd=tmp_path, env=base_env(), capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    html, md = tmp_path / "report.html", tmp_path / "report.md"
    assert html.is_file() and md.is_file()
    # The verdict: the example carries real bugs on purpose.
    assert re.search(r"^\[FAIL\] Uploads will fail here\. ", proc.stdout, re.M), proc.stdout
    # The key check reached the emulator the script started, and was accepted.
    answered = re.search(r"The emulator answered: (.*)", proc.stderr).group(1)
    assert "GET /v1/files -> 200" in answered
    assert re.search(r"imagekit\.auth: pass", proc.stderr)
    report = md.read_text(encoding="utf-8")
    assert "imagekit.I003" in report and "imagekit.I001" in report
    # The example's storage is written for imagekitio 4.x, which has no timeout.
    assert "imagekit.W020" in report
    assert "imagekit.auth" in html.read_text(encoding="utf-8")
    # By default the example stores on ImageKit: no S3 storage to check.
    assert re.search(r"s3\.config: skipped .* not applicable", proc.stderr)
    # The emulator was stopped: its port no longer answers.
    port = re.search(r"ImageKit emulator on http://127.0.0.1:(\d+)", proc.stderr).group(1)
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", int(port))) != 0


S3_SECRET = "local-s3-example-secret-not-a-real-key"  # examples/quickstart.py's test key


def test_s3_quick_start_diagnoses_the_example_on_a_local_s3_and_leaves_the_bucket_empty(
        tmp_path):
    proc = subprocess.run([str(REPO / ".venv/bin/python"), str(REPO / "examples/quickstart.py"),
                           "--storage", "s3", "--e2e", "--format", "json"], cwd=tmp_path,
                          env=base_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = (tmp_path / "report.json").read_text(encoding="utf-8")
    note_emitted(text)
    checks = {c["id"]: c for c in json.loads(text)["checks"]}
    # What the example's S3 settings carry: uploads that overwrite each other, static files
    # at the bucket's root above the media, and a public ACL for the static files ...
    assert (checks["s3.config"]["status"], sorted(codes(checks["s3.config"]))) == \
        ("warn", ["s3.I001", "s3.I001", "s3.W002", "s3.W006"])
    assert "'default'" in by_code(checks["s3.config"])["s3.W002"]["message"]
    # ... which the bucket, created as AWS creates one (ACLs disabled, public ACLs
    # blocked), refuses: collectstatic would fail.
    bucket = checks["s3.bucket"]
    assert (bucket["status"], sorted(codes(bucket))) == \
        ("fail", ["s3.E051", "s3.E052", "s3.I040", "s3.I040"])
    assert all("'staticfiles'" in by_code(bucket)[code]["message"]
               for code in ("s3.E051", "s3.E052"))
    # The write tier: the test images round-trip through the uploads' storage.
    upload = checks["s3.upload"]
    assert (upload["status"], codes(upload)) == ("pass", ["s3.I060"])
    assert "'default'" in by_code(upload)["s3.I060"]["message"]
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert all(code in report for code in ("s3.W002", "s3.W006", "s3.E051", "s3.I060"))
    # Real writes went through the proxy and were deleted; the bucket is empty after.
    answered = re.search(r"The S3 proxy answered: (.*)", proc.stderr).group(1)
    assert re.search(r"PutObject -> 200 \(\d+x\)", answered), answered
    assert re.search(r"DeleteObject -> 204 \(\d+x\)", answered), answered
    assert "The bucket holds 0 objects after the run\n" in proc.stderr
    # The key the example was given is in no output.
    for name in ("report.json", "report.md", "report.html"):
        assert S3_SECRET not in (tmp_path / name).read_text(encoding="utf-8")
    assert S3_SECRET not in proc.stdout + proc.stderr
    # Both servers were stopped.
    ports = re.search(r"S3 \(moto\) on http://127.0.0.1:(\d+), the S3 proxy on "
                      r"http://127.0.0.1:(\d+)", proc.stderr).groups()
    for port in ports:
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", int(port))) != 0


def test_s3_quick_start_names_what_to_install_without_moto(tmp_path):
    proc = subprocess.run([IK5_PYTHON, str(REPO / "examples/quickstart.py"), "--storage", "s3"],
                          cwd=tmp_path, env=base_env(), capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert 'pip install "moto[server]"' in proc.stderr
    assert list(tmp_path.iterdir()) == []
