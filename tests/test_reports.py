"""The renderers: every format of one real run, a synthetic report with every evidence
type and status, and a 5,000-finding report."""
from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from conftest import base_env, run_cli
from plugins.harness import validate, validate_sarif
from upload_diagnostics.checks import builtin
from upload_diagnostics.diagnostics.codes import REGISTRY
from upload_diagnostics.diagnostics.model import (CheckResult, Finding, Level, code, kv, log,
                                                  table, traceback_block)
from upload_diagnostics.diagnostics.redact import Redactor
from upload_diagnostics.diagnostics.report import build
from upload_diagnostics.reports import FORMATS, render
from upload_diagnostics.reports.markdown import MAX_CHARS

builtin()  # imports every check family, which declares the built-in codes

LEVELS = [Level.CRITICAL, Level.ERROR, Level.WARNING, Level.INFO]
REAL_CODES = ["pillow.E001", "django.E001", "django.W002", "pillow.I001"]


def synthetic_report(n_findings: int, per_check: int = 250) -> dict:
    """A finished report built by the engine from real model objects: `n_findings`
    findings with every evidence type, plus an errored, a timed-out, a skipped and a
    passing check."""
    results = []
    for start in range(0, n_findings, per_check):
        findings = []
        for i in range(start, min(start + per_check, n_findings)):
            level = LEVELS[i % 4]
            evidence = [
                kv("Settings", {"FILE_UPLOAD_MAX_MEMORY_SIZE": 2621440, "MEDIA_ROOT": "/srv/m"}),
                table("Where", ["path", "line"], [[f"app/views_{i}.py", i], ["app/x.py", 3]]),
                code(f"app/views_{i}.py", 10, [f"line {n}" for n in range(10, 17)], 13),
                log("gunicorn error log", ["[CRITICAL] WORKER TIMEOUT (pid:12)"] * 3),
            ]
            if i % 100 == 0:
                evidence.append(traceback_block("Traceback (most recent call last):\n"
                                                '  File "x.py", line 1\nValueError: boom'))
            findings.append(Finding(REAL_CODES[i % 4] if i % 8 < 4 else f"demo.{'CEWI'[i % 4]}"
                                    f"{i % 1000:03d}", level, f"Finding number {i} says why",
                                    f"Hint number {i}", evidence, f"app/views_{i}.py", 13))
        status = "fail" if findings else "pass"
        results.append(CheckResult(f"family{start}.check", f"Check from {start}", "static",
                                   status=status, findings=findings, duration_s=0.25))
    results += [
        CheckResult("crash.check", "A check that crashed", "static", status="error",
                    findings=[Finding("diagnostics.E002", "error", "crash.check crashed: "
                                      "KeyError: 'x'", "attach this report",
                                      [traceback_block("Traceback...\nKeyError: 'x'")])]),
        CheckResult("slow.check", "A check that hung", "network", status="timeout",
                    findings=[Finding("diagnostics.E003", "error", "did not finish", "")]),
        CheckResult("e2e.write", "Uploads to the real storage", "write", status="skipped",
                    skipped_reason="the write tier runs only with --e2e", enable_with="--e2e"),
        CheckResult("pillow.codecs", "Pillow codecs", "static", status="pass",
                    findings=[Finding("pillow.I001", "info", "Pillow 13")], duration_s=0.1),
    ]
    return build(results, started_at="2026-01-01T00:00:00+00:00", duration_s=3.5,
                 argv=["diagnose-uploads", "--offline"], flags={"offline": True, "e2e": False,
                                                               "fail_level": "error"},
                 environment={"python": "3.11", "platform": "linux", "packages": {},
                              "pillow_codecs": {"webp": True}, "settings_module": "s",
                              "storages": {"default": "x.Storage"}},
                 redactor=Redactor(), project="/srv/app")


@pytest.fixture(scope="module")
def example_run(tmp_path_factory):
    """Every format of one real offline run on a copy of the example project."""
    import shutil

    from conftest import EXAMPLE

    root = tmp_path_factory.mktemp("example") / "photoapp"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("db.sqlite3", "media",
                                                                  "__pycache__"))
    out = root / "out"
    args = ["--settings", "photosite.settings", "--offline", "--output", out]
    for fmt in FORMATS:
        args += ["--format", fmt]
    run = run_cli(*args, cwd=root)
    assert run.returncode == 1, run.output  # the example carries real bugs on purpose
    return {fmt: (out / f"report.{ext}").read_text(encoding="utf-8")
            for fmt, (_, ext) in FORMATS.items()}


@pytest.mark.smoke
def test_every_format_renders_the_same_run(example_run):
    report = validate(json.loads(example_run["json"]))
    validate_sarif(json.loads(example_run["sarif"]))
    # The packages the example uses (its Procfile runs gunicorn, its source imports
    # imagekitio and rest_framework), not whatever else is installed here.
    assert set(report["environment"]["packages"]) == {
        "Django", "Pillow", "django-upload-diagnostics", "gunicorn", "imagekitio",
        "djangorestframework"}
    # The report carries the entry of each code it shows, as declared, redaction or not.
    shown = {f["code"] for c in report["checks"] for f in c["findings"]}
    assert report["codes"] == {code: REGISTRY[code].to_dict() for code in shown}
    failed = [c for c in report["checks"] if c["status"] in ("fail", "error", "timeout")]
    assert failed, "the example project carries bugs; its report must show a failure"
    codes = {f["code"]: f["level"] for c in failed for f in c["findings"]}
    for fmt in ("text", "md", "html", "junit"):
        text = example_run[fmt]
        for c, level in codes.items():
            if fmt == "text" and level in ("info", "debug"):
                continue  # the terminal shows info findings only with -v 2
            assert c in text, f"{c} missing from the {fmt} report"


@pytest.mark.smoke
def test_html_is_self_contained_and_embeds_the_json(example_run):
    html = example_run["html"]
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)"', html)[1]
    assert csp.startswith("default-src 'none';") and "connect-src 'none'" in csp
    # Only the report's own script may run: its hash, no 'unsafe-inline' for scripts.
    script = re.search(r"<script>(.*?)</script>", html, re.S)[1]
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}';" in csp
    assert not re.search(r'(src|href)="(https?:)?//', html), "nothing may be fetched"
    assert "<link" not in html
    embedded = re.search(r'<script type="application/json" id="report-json">(.*?)</script>',
                         html, re.S).group(1)
    assert json.loads(embedded) == json.loads(example_run["json"])
    # The reference entry of a failed code travels inside the report, and every link in
    # the page leads to something inside it.
    report = json.loads(example_run["json"])
    code = next(f["code"] for c in report["checks"] if c["status"] == "fail"
                for f in c["findings"] if f["level"] == "error")
    entry = re.search(rf'<article class="refentry[^"]*" id="ref-{re.escape(code)}">(.*?)</article>',
                      html, re.S)
    assert entry and "How to fix." in entry.group(1)
    assert report["codes"][code]["why"].split("'")[0] in entry.group(1)
    targets = set(re.findall(r'href="#([^"]+)"', html))
    ids = set(re.findall(r' id="([^"]+)"', html))
    assert targets and targets <= ids, targets - ids
    assert "docs/codes/" not in html


@pytest.mark.smoke
def test_junit_has_one_testcase_per_check(example_run):
    report = json.loads(example_run["json"])
    root = ET.fromstring(example_run["junit"])
    cases = root.findall("./testsuite/testcase")
    assert sorted(c.get("name") for c in cases) == sorted(c["id"] for c in report["checks"])
    by_name = {c.get("name"): c for c in cases}
    for check in report["checks"]:
        case = by_name[check["id"]]
        assert float(case.get("time")) == pytest.approx(check["duration_s"], abs=0.001)
        failure = case.find("failure")
        assert (failure is not None) == (check["status"] == "fail")
        if failure is not None:
            worst = [f for f in check["findings"] if f["level"] in ("error", "critical")]
            assert worst[0]["code"] in failure.get("message")
            assert worst[0]["message"] in failure.text
    assert root.get("failures") == str(report["summary"]["counts"]["fail"])


@pytest.mark.smoke
def test_markdown_is_paste_ready(example_run):
    md = example_run["md"]
    report = json.loads(example_run["json"])
    assert md.startswith("## Uploads will fail here\n\nFindings: ")
    assert "### Environment" in md and "### Finding-code reference" in md
    # It reads the same in any tracker: no HTML, no emoji shortcodes, no entities.
    assert not re.search(r"<(details|summary|br)|:x:|:warning:|&(lt|gt|amp);", md)
    assert "](docs/" not in md and "docs/codes/" not in md, "the tool's docs are not there"
    for check in report["checks"]:
        if check["status"] == "fail":
            assert f"### FAIL `{check['id']}`" in md
    assert len(md) <= MAX_CHARS and "shortened" not in md


def test_every_evidence_type_and_status_renders():
    report = synthetic_report(8, per_check=8)
    html = render("html", report)
    assert '<span class="ln mark"><i>13</i>line 13</span>' in html
    assert "WORKER TIMEOUT" in html and '<details class="tb"><summary>Traceback' in html
    assert "Needs: <code>--e2e</code>." in html
    timings = html.split("<h2>Timings</h2>")[1].split("</table>")[0]
    assert re.findall(r"<code>([\w.]+)</code>", timings)[:2] == ["family0.check", "pillow.codecs"]
    # Failed first, then warnings, passed, skipped; only the first two open.
    groups = re.findall(r'<section class="group g-(\w+)" id="group-\w+">\s*<details '
                        r'class="group-box"( open)?>', html)
    assert groups == [("failed", " open"), ("warnings", " open"), ("passed", ""),
                      ("skipped", "")]
    # Within a check the most severe finding comes first.
    assert html.index("Finding number 0 ") < html.index("Finding number 1 ") < \
        html.index("Finding number 3 ")
    assert "Finding number 4 " in html.split("Finding number 6 ")[0]  # critical before warning

    junit = ET.fromstring(render("junit", report))
    cases = {c.get("name"): c for c in junit.iter("testcase")}
    assert cases["crash.check"].find("error") is not None
    assert "KeyError" in cases["crash.check"].find("error").text
    assert cases["slow.check"].find("error").get("message").startswith("timeout")
    assert "needs: --e2e" in cases["e2e.write"].find("skipped").get("message")
    assert cases["pillow.codecs"].find("system-out").text.startswith("pillow.I001")
    assert junit.get("errors") == "2" and junit.get("skipped") == "1"

    md = render("md", report)
    assert "(line 13)" in md and "**Traceback**\n\n  ```text\n  Traceback (most" in md
    assert "  > 13 | line 13\n    14 | line 14" in md  # the marked line, numbered
    text = render("text", report)
    assert ">   13 | line 13" in text


def test_junit_stays_valid_xml_with_hostile_text():
    report = synthetic_report(1, per_check=1)
    finding = report["checks"][0]["findings"][0]
    finding["message"] = "bell\x07 nul\x00 ]]> </script> & <b> \u2028"
    finding["evidence"] = [{"type": "log", "title": "t\x1b[31m", "lines": ["\x0c]]>"]}]
    root = ET.fromstring(render("junit", report))  # raises on invalid XML
    failure = next(root.iter("failure"))
    assert "]]> </script> & <b>" in failure.text and "\x07" not in failure.text


def test_markdown_neutralises_control_characters():
    report = synthetic_report(1, per_check=1)
    report["checks"][0]["findings"][0]["message"] = "red \x1b[31m alert\x07 nul\x00 \x9b"
    md = render("md", report)
    assert not [c for c in md if ord(c) < 32 and c not in "\n"] and "\x9b" not in md
    # each written as its escape (reports/printable.py), then escaped for Markdown
    assert "red \\\\x1b\\[31m alert\\\\x07 nul\\\\x00 \\\\x9b" in md


def test_findings_without_a_reference_entry_still_render():
    report = synthetic_report(8, per_check=8)
    finding = report["checks"][0]["findings"][0]
    assert finding["code"] == "pillow.E001" and finding["docs"] == "#/codes/pillow.E001"
    assert report["codes"]["pillow.E001"]["title"].startswith("The project asks for a format")
    assert "demo.W006" not in report["codes"]  # declared by no one: no entry, no pointer
    assert next(f for c in report["checks"] for f in c["findings"]
                if f["code"] == "demo.W006")["docs"] is None
    finding["code"] = "thirdparty.E042"  # a report from a plugin that is not installed here
    html = render("html", report)
    assert 'href="#ref-thirdparty.E042"' not in html  # no dead in-page link
    assert "thirdparty.E042" in html and "docs/codes/" not in html
    sarif = json.loads(render("sarif", report))
    rule = sarif["runs"][0]["tool"]["driver"]["rules"][0]
    assert rule["id"] == "thirdparty.E042" and rule["help"]["text"] == finding["hint"]


def test_five_thousand_findings():
    report = synthetic_report(5000)
    md = render("md", report)
    assert len(md) <= MAX_CHARS
    note = re.search(r"This report was shortened to stay under 65,536 characters\.\*\* "
                     r"Left out: (.*?)\. The JSON and HTML reports have everything\.", md)
    assert note, md[:2000]
    assert "info findings" in note.group(1)  # lowest level goes first
    assert "### FAIL `family0.check`" in md and "crash.check" in md
    assert md.count("(critical)") > 0

    html = render("html", report)
    assert html.count('<article class="finding') == 5000 + 2 + 1
    embedded = re.search(r'id="report-json">(.*?)</script>', html, re.S).group(1)
    assert len(json.loads(embedded)["checks"]) == len(report["checks"])
    assert len(html) < 20_000_000


def test_list_checks_markdown_catalogue():
    run = run_cli("--list-checks", "--format", "md")
    assert run.returncode == 0, run.output
    assert run.stdout.startswith("## Checks (")
    assert "| `pillow.codecs` | static |" in run.stdout
    assert "`pillow.E001`" in run.stdout and "](docs/" not in run.stdout
    assert "*(needs Django settings)*" in run.stdout


@pytest.mark.smoke
def test_a_saved_json_report_renders_the_same_without_any_check(example_run, tmp_path):
    """A saved JSON report rendered again in a process that imports no check module gives
    the run's own HTML, Markdown, SARIF and JUnit: every format reads the code entries the
    report carries. --from-json does the same from the command line."""
    saved = tmp_path / "report.json"
    saved.write_text(example_run["json"], encoding="utf-8")
    formats = {"html": "html", "md": "md", "sarif": "sarif", "junit": "xml"}
    script = (
        "import json, sys\n"
        "from upload_diagnostics.reports import render\n"
        f"report = json.loads(open({str(saved)!r}, encoding='utf-8').read())\n"
        f"for fmt, ext in {formats!r}.items():\n"
        f"    open({str(tmp_path)!r} + '/again.' + ext, 'w', encoding='utf-8').write(\n"
        "        render(fmt, report))\n"
        "print(json.dumps([m for m in sys.modules if m.startswith('upload_diagnostics')]))\n")
    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=base_env(),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    modules = json.loads(proc.stdout)
    assert "upload_diagnostics.reports.html" in modules
    assert not [m for m in modules if m.startswith("upload_diagnostics.checks")], modules
    out = tmp_path / "out"
    run = run_cli("--from-json", saved, "--output", out,
                  *[arg for fmt in formats for arg in ("--format", fmt)], cwd=tmp_path)
    assert run.returncode == 1, run.output  # the example's errors, at --fail-level error
    for fmt, ext in formats.items():
        again = (tmp_path / f"again.{ext}").read_text(encoding="utf-8")
        assert again == example_run[fmt], fmt
        assert (out / f"report.{ext}").read_text(encoding="utf-8") == again, fmt


def test_from_json_refuses_what_is_not_a_report(tmp_path):
    (tmp_path / "other.json").write_text('{"checks": []}')
    run = run_cli("--from-json", tmp_path / "other.json", "--format", "html", cwd=tmp_path)
    assert run.returncode == 2
    assert "is not a schema 1 report of this tool" in run.stderr
    run = run_cli("--from-json", tmp_path / "missing.json", cwd=tmp_path)
    assert run.returncode == 2 and "cannot read a JSON report" in run.stderr
