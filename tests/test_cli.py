"""Both front ends (`manage.py diagnose_uploads` and `diagnose-uploads`): usage errors,
outputs, --list-checks, progress on stderr and --help."""
from __future__ import annotations

import json
import re

import pytest

from conftest import run_cli, run_manage
from plugins.harness import checks_setting, env, validate
from upload_diagnostics.manage_commands.options import option_table
from upload_diagnostics.reports import FORMATS, extension

FRONT_ENDS = ["manage.py", "cli"]


def run(front_end, root, *args, **kwargs):
    """The command on the project at `root`, through either front end."""
    if front_end == "cli":
        return run_cli("--settings", "testsite.settings", *args, cwd=root, **kwargs)
    return run_manage(root, *args, **kwargs)


def assert_usage_error(result, *fragments):
    assert result.returncode == 2, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""
    message = result.stderr.strip()
    for fragment in fragments:
        assert fragment in message, message
    return message


USAGE_ERRORS = [
    (("no_such.check",), ["unknown check id 'no_such.check'", "pillow.codecs"]),
    (("--tag", "nope"), ["unknown tag 'nope'"]),
    (("--format", "pdf"), ["pdf", "html"]),
    (("--format", "json", "--output", "/nonexistent/dir/report.json"),
     ["Cannot write the report to /nonexistent/dir/report.json", "does not exist"]),
    (("--format", "json", "--format", "md"), ["only one can go to standard output", "--output"]),
    (("--image", "big"), ["'big' is not WIDTHxHEIGHT"]),
    (("--images", "all"), ["'all'", "'hard'"]),
    (("--timeout", "0"), ["--timeout must be a positive number of seconds"]),
    (("--project-dir", "/nonexistent/dir"), ["--project-dir /nonexistent/dir is not a directory"]),
]


@pytest.mark.parametrize("front_end", FRONT_ENDS)
@pytest.mark.parametrize("args, fragments", USAGE_ERRORS, ids=lambda v: "-".join(v)[:30])
def test_usage_errors_are_one_paragraph_and_exit_2(project, front_end, args, fragments):
    root = project()
    message = assert_usage_error(run(front_end, root, *args), *fragments)
    # One paragraph: argparse and click print the usage line first, then one error line.
    assert len([line for line in message.splitlines() if "rror" in line]) == 1


@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_traceback_flag_shows_the_traceback(project, front_end):
    result = run(front_end, project(), "no_such.check", "--traceback")
    assert result.returncode == 2
    assert "Traceback" in result.stderr and "no_such.check" in result.stderr


def test_a_settings_module_that_fails_to_import(project):
    root = project(files={"testsite/broken.py": "import udx_not_installed_anywhere\n"})
    result = run_cli("--settings", "testsite.broken", cwd=root)
    assert_usage_error(result, "'testsite.broken' could not be imported",
                       "No module named 'udx_not_installed_anywhere'")
    result = run_cli("--settings", "nosuchsite.settings", cwd=root)
    assert_usage_error(result, "No module named 'nosuchsite'")


def test_a_settings_module_that_fails_to_import_through_manage_py(project):
    root = project(files={"testsite/broken.py": "import udx_not_installed_anywhere\n"})
    result = run_manage(root, env=env(DJANGO_SETTINGS_MODULE="testsite.broken"))
    # Django stops before any app command exists; it still names the import error.
    assert result.returncode != 0
    assert "udx_not_installed_anywhere" in result.output


@pytest.mark.parametrize("front_end", FRONT_ENDS)
@pytest.mark.parametrize("setting, fragment", [
    ('UPLOAD_DIAGNOSTICS = ["udx_checks.Provider"]', "UPLOAD_DIAGNOSTICS must be a dict"),
    ('UPLOAD_DIAGNOSTICS = {"SILENCE": 3}', 'UPLOAD_DIAGNOSTICS["SILENCE"] must be a list'),
])
def test_a_malformed_upload_diagnostics_setting(project, front_end, setting, fragment):
    assert_usage_error(run(front_end, project(setting), env=env()), fragment)


OWN_APPS = ("reports", "checks", "diagnostics", "manage_commands")


def test_a_project_with_apps_named_like_our_folders(project, tmp_path):
    """Our folders install under `upload_diagnostics`, so a project's own `reports`,
    `checks`, `diagnostics` and `manage_commands` apps import and run side by side."""
    files = {f"{name}/__init__.py": f"OWNER = 'project {name}'\n" for name in OWN_APPS}
    files["reports/models.py"] = """
        from django.db import models

        class Report(models.Model):
            image = models.ImageField(upload_to="reports/")
    """
    root = project(f"INSTALLED_APPS += {list(OWN_APPS)!r}", files)
    probe = ("import reports, checks, diagnostics, manage_commands;"
             "print(reports.OWNER, checks.OWNER, diagnostics.OWNER, manage_commands.OWNER)")
    for result in (run_manage(root, "django", "--format", "json"),
                   run_cli("--settings", "testsite.settings", "django", "--format", "json",
                           cwd=root)):
        assert result.returncode == 0, result.output
        report = validate(result.json())
        assert [c["id"] for c in report["checks"]] == ["django.upload_settings"]
        assert report["checks"][0]["status"] == "pass"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_cli("--project-dir", root, "--settings", "testsite.settings", "django",
                     cwd=elsewhere)
    assert result.returncode == 0, result.output
    import subprocess
    import sys
    owners = subprocess.run([sys.executable, "-c", probe], cwd=root, capture_output=True,
                            text=True, check=True).stdout.split()
    assert owners == ["project", "reports", "project", "checks", "project", "diagnostics",
                      "project", "manage_commands"]


def test_output_file_and_directory(project, tmp_path):
    root = project()
    target = tmp_path / "one.json"
    result = run_manage(root, "pillow", "--offline", "--format", "json", "--output", target)
    assert result.returncode == 0, result.stderr  # this Pillow has every codec uploads use
    validate(json.loads(target.read_text()))
    assert f"wrote json report to {target}" in result.stderr
    # The verdict line: findings counted by level, checks by status, each labelled.
    assert result.stdout == ("[ OK ] No upload problem found. Findings: 1 info. Checks: 1 "
                             "passed.\n")

    existing = tmp_path / "existing"
    existing.mkdir()
    result = run_manage(root, "pillow", "--offline", "--format", "md", "--output", existing)
    assert result.returncode == 0, result.stderr
    assert [p.name for p in existing.iterdir()] == ["report.md"]
    assert (existing / "report.md").stat().st_size > 0

    folder = tmp_path / "reports"
    args = [a for fmt in FORMATS for a in ("--format", fmt)]
    result = run_cli("--settings", "testsite.settings", "pillow", "--offline", *args,
                     "--output", folder, cwd=root)
    assert result.returncode == 0, result.stderr
    written = sorted(p.name for p in folder.iterdir())
    assert written == sorted(f"report.{extension(fmt)}" for fmt in FORMATS)
    report = validate(json.loads((folder / "report.json").read_text()))
    assert "pillow.codecs" in (folder / "report.md").read_text()
    assert (folder / "report.html").read_text().rstrip().endswith("</html>")
    verdict = {"fail": "[FAIL]", "warn": "[WARN]", "pass": "[ OK ]"}[report["summary"]["status"]]
    assert re.fullmatch(re.escape(verdict) + r" .+\. Checks: 1 \w+\.\n", result.stdout)


@pytest.mark.smoke
@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_list_checks_in_each_format(project, front_end):
    root = project(checks_setting("Provider", "Network"))
    text = run(front_end, root, "--list-checks", env=env())
    assert text.returncode == 0
    assert re.search(r"^udx\.network\s+network\s+A network-tier check", text.stdout, re.M)
    assert re.search(r"^pillow\.codecs\s+static", text.stdout, re.M)
    listed = json.loads(run(front_end, root, "--list-checks", "--format", "json",
                            env=env()).stdout)
    ids = {c["id"]: c for c in listed["checks"]}
    assert ids["udx.provider"]["provides"] == ["udx.answer"]
    assert ids["django.upload_settings"]["needs_django"] is True
    md = run(front_end, root, "--list-checks", "--format", "md", env=env()).stdout
    rows = [line for line in md.splitlines() if line.startswith("| `")]
    assert len(rows) == len(ids)
    assert "| `udx.network` | network |" in md


@pytest.mark.smoke
@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_progress_goes_to_stderr_and_stdout_is_only_the_report(project, front_end):
    root = project(checks_setting("Provider", "Consumer"))
    result = run(front_end, root, "pillow", "udx", "--offline", "--format", "json", env=env())
    report = validate(result.json())  # stdout parses as a whole
    # gunicorn is installed here, but this project does not use it.
    assert set(report["environment"]["packages"]) == {"Django", "Pillow",
                                                      "django-upload-diagnostics"}
    lines = [line for line in result.stderr.splitlines() if line.startswith("[")]
    assert len(lines) == len(report["checks"])
    for line, check in zip(lines, report["checks"]):
        assert re.fullmatch(rf"\[\d+/\d+\] {re.escape(check['id'])}: {check['status']} "
                            r"\(\d+\.\d\d s\)( - .+)?", line), line
    quiet = run(front_end, root, "udx", "--offline", "--format", "json", "-v", "0", env=env())
    assert quiet.stderr == "" and validate(quiet.json())


def test_pillow_codecs_are_listed_only_when_the_run_used_pillow(tmp_path):
    source_only = run_cli("fileptr", "--project-dir", tmp_path, "--offline", "--format", "json")
    assert source_only.json()["environment"]["pillow_codecs"] == {}
    with_pillow = run_cli("pillow", "--project-dir", tmp_path, "--offline", "--format", "json")
    codecs = with_pillow.json()["environment"]["pillow_codecs"]
    assert set(codecs) == {"jpg", "zlib", "webp", "avif"} and codecs["jpg"] is True


@pytest.mark.parametrize("family", ["fileptr", "pillow"])
def test_packages_the_source_imports_are_listed_whoever_read_it(tmp_path, family):
    # fileptr reads every file and hands what they import to the report; without it, the
    # report reads them itself. Either way: the same packages.
    (tmp_path / "storage.py").write_text(
        "def client():\n    from imagekitio import ImageKit\n    return ImageKit\n")
    (tmp_path / "notes.py").write_text("# boto3 is not used here\nimport json\n")
    report = run_cli(family, "--project-dir", tmp_path, "--offline", "--format", "json").json()
    assert set(report["environment"]["packages"]) == {
        "Django", "Pillow", "django-upload-diagnostics", "imagekitio"}


def _option_blocks(help_text: str) -> dict[str, str]:
    """The help text of each option, keyed by every flag it lists."""
    blocks: dict[str, str] = {}
    current: list[str] = []
    for line in help_text.splitlines():
        match = re.match(r"\s{1,4}(-[-\w]+(?:[ ,=].*)?)", line)
        if match:
            current = []
            for flag in re.findall(r"(?<![\w-])(--?[a-z][-\w]*)", match.group(1).split("  ")[0]):
                blocks[flag] = current
        current.append(line)
    return {flag: " ".join(" ".join(lines).split()) for flag, lines in blocks.items()}


@pytest.mark.smoke
@pytest.mark.parametrize("front_end", FRONT_ENDS)
def test_help_explains_every_option_with_an_example(project, front_end):
    result = run(front_end, project(), "--help")
    assert result.returncode == 0
    blocks = _option_blocks(result.stdout)
    for opt in option_table():
        flag = opt.flags[-1]
        assert flag in blocks, f"{flag} missing from --help"
        assert opt.help.split(".")[0][:40] in blocks[flag], blocks[flag]
        assert "Example:" in blocks[flag], f"{flag}: {blocks[flag]}"
    if front_end == "cli":
        assert "Example:" in blocks["--settings"]
    assert "diagnose-uploads --settings mysite.settings" in result.stdout  # the epilog
    assert "exit status: 0" in result.stdout
