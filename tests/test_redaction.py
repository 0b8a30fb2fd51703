"""The canary test: secrets planted in settings, the environment, findings, facts,
progress messages and an exception appear in no output of any format."""
from __future__ import annotations

import json

from conftest import run_cli, run_manage
from upload_diagnostics.diagnostics.redact import fingerprint
from plugins.harness import by_id, checks_setting, env, validate
from upload_diagnostics.reports import FORMATS, extension

PRIVATE_KEY = "private_Zk3vQ9xY2mL8pR4tW7nB1cD5eF0="
DB_PASSWORD = "Sup3rS3cretPw0rd"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
API_TOKEN = "tok-9f8e7d6c5b4a3921"
ENV_KEY = "private_EnvOnlyKey4dF8gH2jK6lZ0xC"

SETTINGS = f"""
IMAGEKIT = {{"PRIVATE_KEY": {PRIVATE_KEY!r}, "PUBLIC_KEY": "public_notsecret",
             "URL_ENDPOINT": "https://ik.imagekit.io/demo"}}
DATABASE_URL = "postgres://app:{DB_PASSWORD}@db.internal:5432/app"
AWS_SECRET_ACCESS_KEY = {AWS_SECRET!r}
UPLOAD_API_TOKEN = {API_TOKEN!r}
"""


def canaries(reveal_file) -> list[str]:
    values = [PRIVATE_KEY, PRIVATE_KEY.removeprefix("private_"), DB_PASSWORD, AWS_SECRET,
              API_TOKEN, ENV_KEY]
    return values + ([reveal_file.read_text()] if reveal_file.exists() else [])


def leaky_project(project, tmp_path):
    reveal = tmp_path / "bearer"
    root = project(checks_setting("Leaky", ("Crasher", {"reveal": str(reveal)}),
                                  extra=SETTINGS))
    return root, reveal


def assert_clean(text: str, values: list[str], where: str) -> None:
    for value in values:
        assert value not in text, f"a planted secret ({value[:6]}...) leaked into {where}"


def test_no_canary_in_any_format_file_stdout_or_stderr(project, tmp_path):
    root, reveal = leaky_project(project, tmp_path)
    environ = env(IMAGEKIT_PRIVATE_KEY=ENV_KEY)
    args = [a for fmt in FORMATS for a in ("--format", fmt)]
    out = tmp_path / "out"
    # Every check, built-ins included (they read the same settings), no network.
    files_run = run_manage(root, *args, "--output", out, "-v", "2", "--offline",
                           "--image", "320x240", env=environ)
    assert files_run.returncode == 1, files_run.stderr
    outputs = {f"{fmt} file": (out / f"report.{extension(fmt)}").read_text() for fmt in FORMATS}
    outputs["stdout (files run)"] = files_run.stdout
    outputs["stderr (files run)"] = files_run.stderr
    for fmt in FORMATS:
        run = run_cli("--settings", "testsite.settings", "udx", "--offline", "--format", fmt,
                      "-v", "2", cwd=root, env=environ)
        assert run.returncode == 1, run.stderr
        outputs[f"{fmt} on stdout"] = run.stdout
        outputs[f"stderr of {fmt}"] = run.stderr

    values = canaries(reveal)
    assert len(values) == 7  # the crashing check did reveal its bearer token
    for where, text in outputs.items():
        assert_clean(text, values, where)

    # The leaks did happen and were scrubbed: fingerprints and the redaction log show it.
    report = validate(json.loads(outputs["json file"]))
    leaky = by_id(report)["udx.leaky"]
    assert leaky["findings"][0]["message"].startswith("leaking ")
    assert "udx.leaky is looking at" in files_run.stderr  # the progress message, scrubbed
    json_text = outputs["json file"]
    for value in (PRIVATE_KEY, AWS_SECRET):
        assert fingerprint(value) in json_text
    assert fingerprint(PRIVATE_KEY) in outputs["html file"]
    assert fingerprint(PRIVATE_KEY) in outputs["md on stdout"]
    kinds = {r["kind"] for r in report["redactions"]}
    assert {"known-value", "key-name", "bearer-token"} <= kinds
    wheres = {r["where"] for r in report["redactions"]}
    assert any(w.startswith("checks[") and "evidence" in w for w in wheres)
    crash = by_id(report)["udx.crasher"]["findings"][0]
    assert "Bearer «redacted" in crash["message"]
    assert "Bearer «redacted" in crash["evidence"][0]["text"]  # the traceback too


def test_no_canary_in_a_usage_error(project):
    root = project(files={"testsite/broken.py": f"""
        raise ImportError("cannot reach the CDN with {PRIVATE_KEY}")
    """})
    for extra in ((), ("--traceback",)):
        run = run_cli("--settings", "testsite.broken", *extra, cwd=root)
        assert run.returncode == 2
        assert "could not be imported" in run.stderr
        assert_clean(run.output, [PRIVATE_KEY, PRIVATE_KEY.removeprefix("private_")],
                     "a usage error")
        assert fingerprint(PRIVATE_KEY) in run.stderr


def test_no_canary_in_usage_errors_of_either_front_end(project):
    """A secret in a usage error (here pasted as a check id, with the settings' token
    in the environment) is scrubbed on both front ends, with and without --traceback."""
    root = project(SETTINGS)
    for extra in ((), ("--traceback",)):
        for run in (run_manage(root, PRIVATE_KEY, API_TOKEN, *extra),
                    run_cli("--settings", "testsite.settings", PRIVATE_KEY, API_TOKEN, *extra,
                            cwd=root)):
            assert run.returncode == 2, run.output
            assert "unknown check id" in run.stderr
            assert_clean(run.output, [PRIVATE_KEY, API_TOKEN], f"a usage error {extra}")
            assert fingerprint(PRIVATE_KEY) in run.stderr
