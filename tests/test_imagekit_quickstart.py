"""The README's quick start, run exactly as the README says."""
from __future__ import annotations

import re
import socket
import subprocess

from conftest import REPO, base_env


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
    # The emulator was stopped: its port no longer answers.
    port = re.search(r"ImageKit emulator on http://127.0.0.1:(\d+)", proc.stderr).group(1)
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", int(port))) != 0
