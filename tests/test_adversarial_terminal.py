"""Terminal injection: control characters from logs, file names, launch commands, config
files and saved reports reach the text and Markdown reports (and the progress lines) only
as visible escapes, whether the report goes to a file or to standard output."""
from __future__ import annotations

import json
import os

import pytest

from adversarial import CONTROL, assert_survived, hostile_run
from test_adversarial_files import project

ESC = "\x1b"
PAYLOADS = {
    "clear screen and recolour": f"{ESC}[2J{ESC}[31mred",
    "window title": f"{ESC}]0;pwned\x07",
    "clipboard write (OSC 52)": f"{ESC}]52;c;cm0gLXJmIH4=\x07",
    "hyperlink": f"{ESC}]8;;http://evil.example/{ESC}\\click{ESC}]8;;{ESC}\\",
    "carriage return overwrite": "all good\rFAKE",
    "backspaces": "secret\x08\x08\x08\x08\x08\x08shown",
    "C1 CSI": "\x9b31mred",
    "bidi override": "\u202egnp.exe",
}
TIMEOUT = "[2024-05-01 10:00:00 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:9) "


def run(tmp_path, *args, **kw):
    return hostile_run(kw.pop("name", tmp_path.name), args, cwd=tmp_path,
                       out=tmp_path / "out", **kw)


def shows_escapes(outcome, formats=("text", "md")) -> None:
    """The payload is shown, escaped, in the text and Markdown reports (the Markdown lists
    only failed checks and warnings)."""
    for fmt in formats:
        assert "\\x1b" in outcome.reports[fmt] or "\\x9b" in outcome.reports[fmt] or \
            "\\u202e" in outcome.reports[fmt] or "\\x0d" in outcome.reports[fmt] or \
            "\\x08" in outcome.reports[fmt], outcome.reports[fmt][-3000:]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_control_characters_in_a_log_line(tmp_path, payload):
    log = tmp_path / "error.log"
    log.write_text(TIMEOUT + PAYLOADS[payload] + "\n", encoding="utf-8")
    outcome = assert_survived(run(tmp_path, "server.logs", "--logs", log, "-v", "2",
                                  "--project-dir", tmp_path), returncode=1)
    shows_escapes(outcome)
    line = outcome.finding("server.E101")["evidence"][1]["lines"][0]
    assert line == TIMEOUT + PAYLOADS[payload]  # the JSON keeps the line as it was


def test_control_characters_in_a_launch_command(tmp_path):
    root = project(tmp_path / "p", {"Procfile": f"web: gunicorn app.wsgi {ESC}[2J{ESC}]0;x\x07"
                                                "\r --timeout 20\n"})
    outcome = assert_survived(run(tmp_path, "server.config", "-v", "2", "--project-dir", root))
    shows_escapes(outcome)


def test_control_characters_in_file_names(tmp_path):
    root = project(tmp_path / "p", {f"app/{ESC}[31mevil.py": "def upload(request:\n",
                                    "Procfile": "web: gunicorn app.wsgi\n"})
    os.mkfifo(root / f"Dockerfile.{ESC}]0;title\x07")
    os.mkfifo(root / "Dockerfile")
    outcome = assert_survived(run(tmp_path, "-v", "2", "--project-dir", root), returncode=0)
    shows_escapes(outcome, ("text",))
    skipped = {row[0] for f in outcome.check("server.config")["findings"]
               if f["code"] == "diagnostics.I001" for row in f["evidence"][0]["rows"]}
    assert f"Dockerfile.{ESC}]0;title\x07" in skipped  # the JSON keeps the name as it is
    assert "fileptr.I001" in outcome.codes("fileptr.reuse")


def test_control_characters_in_an_nginx_location(tmp_path):
    path = f"/up{ESC}[2J{ESC}[31m/"  # (no ; or space: nginx would end the word there)
    root = project(tmp_path / "p", {"deploy/nginx.conf": "server { listen 80;\n"
                                                         f"  location {path} {{ proxy_pass "
                                                         "http://app; } }\n"})
    outcome = assert_survived(run(tmp_path, "server", "-v", "2", "--project-dir", root),
                              returncode=1)
    limit = outcome.finding("server.E010")
    assert limit["evidence"][0]["rows"][0][2] == path
    shows_escapes(outcome)


def test_control_characters_in_the_project_folder_name_reach_no_progress_line(tmp_path):
    root = tmp_path / f"lib{ESC}]0;title\x07"
    root.mkdir()
    outcome = assert_survived(run(tmp_path, "server.config", "--project-dir", root))
    assert "not applicable" in outcome.check("server.config")["skipped_reason"]
    assert not CONTROL.search(outcome.stderr), repr(outcome.stderr)
    assert "\\x1b]0;title\\x07" in outcome.stderr


def test_a_saved_report_full_of_control_characters_renders_escaped(tmp_path):
    log = tmp_path / "error.log"
    log.write_text(TIMEOUT + "".join(PAYLOADS.values()) + "\n", encoding="utf-8")
    first = run(tmp_path, "server.logs", "--logs", log, "--project-dir", tmp_path)
    saved = tmp_path / "saved.json"
    saved.write_text(first.reports["json"], encoding="utf-8")
    again = assert_survived(run(tmp_path, "--from-json", saved, name="--from-json"),
                            returncode=1)
    assert json.loads(again.reports["json"])["checks"] == json.loads(first.reports["json"])[
        "checks"]
    shows_escapes(again)


def test_the_text_report_on_standard_output(tmp_path):
    log = tmp_path / "error.log"
    log.write_text(TIMEOUT + PAYLOADS["clear screen and recolour"] + "\n", encoding="utf-8")
    outcome = assert_survived(run(tmp_path, "server.logs", "--logs", log, "-v", "2",
                                  "--project-dir", tmp_path, "--format", "text",
                                  formats=False), returncode=1)
    assert "\\x1b[2J" in outcome.stdout and not CONTROL.search(outcome.stdout)
