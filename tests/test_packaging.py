"""The wheel: built offline, templates inside, installed into a fresh venv, and the
console script renders a complete HTML report from there."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile

from conftest import CORE_PYTHON, REPO, base_env, exit_for, run_manage
from plugins.harness import by_id, make_venv, pip_install, validate

PACKAGES = ("diagnostics", "checks", "reports", "manage_commands")
SERVER_EXTRA = 'pip install "django-upload-diagnostics[server]"'


def build_wheel(tmp_path):
    """Build from a copy of the sources, so the build leaves nothing in the repository."""
    src = tmp_path / "src"
    src.mkdir()
    for name in PACKAGES:
        shutil.copytree(REPO / name, src / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (REPO / name).exists():
            shutil.copy(REPO / name, src / name)
    if not (src / "README.md").exists():
        (src / "README.md").write_text("django-upload-diagnostics\n")
    proc = subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation",
                           "--outdir", tmp_path / "dist", src],
                          capture_output=True, text=True, env=base_env())
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (wheel,) = (tmp_path / "dist").glob("django_upload_diagnostics-*.whl")
    return wheel


def test_wheel_installs_and_renders_html_outside_the_repository(tmp_path):
    wheel = build_wheel(tmp_path)
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = sorted(p.relative_to(REPO).as_posix() for p in REPO.glob("*/templates/*"))
    assert len(templates) > 5
    for name in templates:
        assert f"upload_diagnostics/{name}" in names
    # Every source module of the four folders is in the wheel, under one import package,
    # and nothing is installed under a top-level name of its own.
    sources = {f"upload_diagnostics/{p.relative_to(REPO).as_posix()}"
               for name in PACKAGES for p in (REPO / name).rglob("*.py")
               if "__pycache__" not in p.parts}
    assert sources <= names, sorted(sources - names)
    assert {n.split("/")[0] for n in names if not n.startswith("django_upload_diagnostics-")} \
        == {"upload_diagnostics"}
    entry_points = zipfile.ZipFile(wheel).read(
        next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert re.search(r"diagnose-uploads\s*=\s*upload_diagnostics\.manage_commands\.cli:main",
                     entry_points)

    python = make_venv(tmp_path / "venv", with_repo=False)
    pip_install(python, wheel)
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    where = subprocess.run(
        [python, "-c", "from upload_diagnostics import diagnostics, checks, reports, "
                       "manage_commands;"
                       "print('\\n'.join(m.__file__ for m in (diagnostics, checks, reports, "
                       "manage_commands)))"],
        cwd=workdir, capture_output=True, text=True, env=base_env(), check=True)
    for path in where.stdout.split():
        assert path.startswith(str(tmp_path / "venv")), path
        assert not path.startswith(str(REPO)), path

    script = tmp_path / "venv/bin/diagnose-uploads"
    run = subprocess.run([script, "--offline", "--format", "html", "--output", "x.html"],
                         cwd=workdir, capture_output=True, text=True, env=base_env())
    html = (workdir / "x.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert "<style>" in html and "pillow.codecs" in html
    embedded = re.search(r'<script type="application/json" id="report-json">(.*?)</script>',
                         html, re.S).group(1)
    report = validate(json.loads(embedded))
    assert run.returncode == exit_for(report), run.stderr
    assert str(REPO) not in json.dumps(report["run"])


def test_without_extras_a_fresh_project_runs_and_names_the_extra_of_each_skipped_check(
        tmp_path, project):
    """The wheel alone, into a venv holding only its runtime dependencies: `manage.py
    diagnose_uploads` works, and a check whose parser is missing says which extra brings
    it. The Environment table lists only what the project uses."""
    python = make_venv(tmp_path / "venv", with_repo=False, packages_of=CORE_PYTHON)
    pip_install(python, build_wheel(tmp_path))
    extras = ("yaml", "crossplane", "dockerfile", "gunicorn", "imagekitio")
    found = subprocess.run([python, "-c", "import importlib.util as u; print([m for m in "
                            f"{extras!r} if u.find_spec(m)])"], capture_output=True, text=True,
                           env=base_env(), check=True)
    assert found.stdout.strip() == "[]"  # none of the extras is there
    root = project()
    text = run_manage(root, python=python)
    assert "Traceback" not in text.output
    for check in ("server.config", "server.nginx"):
        assert re.search(rf"\[SKIP\] {re.escape(check)} .*: skipped, .*crossplane.* not "
                         rf"installed .* \(needs: {re.escape(SERVER_EXTRA)}\)\n", text.stdout)
    report = run_manage(root, "--format", "json", python=python).report()
    assert text.returncode == exit_for(report), text.output  # the same run, in text
    checks = by_id(report)
    assert not [c["id"] for c in checks.values() if c["status"] in ("error", "timeout")]
    assert checks["server.config"]["skipped_reason"] == (
        "PyYAML and dockerfile and crossplane are not installed (it reads deployment files "
        "with them)")
    assert checks["server.nginx"]["enable_with"] == checks["server.budget"]["enable_with"] \
        == SERVER_EXTRA
    ran = ("pillow.codecs", "django.upload_settings", "fileptr.reuse")
    assert {c: checks[c]["status"] for c in ran} == dict.fromkeys(ran, "pass")  # no extra
    skipped = [c for c in checks.values() if c["status"] == "skipped"]
    for check in skipped:  # each says how to enable it, or why nothing would
        assert check["enable_with"] or "does not use ImageKit" in check["skipped_reason"], check
    assert set(report["environment"]["packages"]) == {"Django", "Pillow",
                                                      "django-upload-diagnostics"}
