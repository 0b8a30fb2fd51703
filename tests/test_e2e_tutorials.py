"""Acceptance: three projects written the way tutorials write them, with no
UPLOAD_DIAGNOSTICS setting, each with the classic upload bug in its own shape and a fixed
twin. `python manage.py diagnose_uploads` finds each bug through the project's real
endpoint, naming the consuming and the saving line; the fixed twins pass."""
from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from conftest import base_env, codes, run_manage
from tutorials import PROJECTS, fix, write_tutorial

# project -> (consuming line, saving line, the finding, the endpoint, its kind, status)
EXPECTED = {
    "gallery": (("photos/views.py", 'Image.open(request.FILES["image"]).verify()'),
                ("photos/views.py", "form.save()"), "e2e.E004",
                "POST /upload/", "function", 302),
    "photoapi": (("api/views.py", "hashlib.sha256(upload.read())"),
                 ("api/views.py", "serializer.save("), "e2e.E002",
                 "POST /api/photos/", "drf", 201),
    "banners": (("shop/imaging.py", 'image.convert("RGB").save(buffer'),
                ("shop/models.py", "super().save(*args, **kwargs)"), "e2e.E002",
                "POST /admin/shop/banner/add/", "admin", 302),
}


@pytest.fixture(scope="module")
def tutorials(tmp_path_factory):
    """Each project with its bug and fixed, migrations made as a tutorial reader would."""
    root = tmp_path_factory.mktemp("tutorials")
    made = {}
    for name in PROJECTS:
        bugged = write_tutorial(root / "bugged", name)
        subprocess.run([sys.executable, "manage.py", "makemigrations", "-v", "0"],
                       cwd=bugged, env=base_env(), check=True)
        fixed = fix(shutil.copytree(bugged, root / "fixed" / name), name)
        made[name] = (bugged, fixed)
    return made


def line_of(root, where) -> str:
    path, text = where
    number = next(n for n, line in enumerate((root / path).read_text().splitlines(), 1)
                  if text in line)
    return f"{path}:{number}"


def diagnose(root):
    assert "UPLOAD_DIAGNOSTICS" not in (root / "mysite" / "settings.py").read_text()
    run = run_manage(root, "--format", "json")
    run.report()  # the exit status its findings call for
    return run, {c["id"]: c for c in run.json()["checks"]}


def exercised(check, request):
    method, url = request.split()
    return next(e for e in check["facts"]["e2e.endpoints"]
                if (e["method"], e["url"]) == (method, url))


@pytest.mark.parametrize("name", list(EXPECTED))
def test_the_classic_bug_is_found_through_the_real_endpoint(tutorials, name):
    consuming, saving, code, request, kind, status = EXPECTED[name]
    root = tutorials[name][0]
    run, checks = diagnose(root)
    assert run.returncode == 1
    check = checks["e2e.upload"]
    assert check["status"] == "fail"
    [finding] = [f for f in check["findings"] if f["code"] == code]
    path, line = line_of(root, saving).split(":")
    assert finding["location"] == {"path": path, "line": int(line)}
    assert line_of(root, consuming) in finding["message"]
    assert line_of(root, saving) in finding["message"]
    tracked = dict(next(e for e in finding["evidence"] if e["title"] == "Read tracker")["items"])
    assert tracked["consumed at"] == line_of(root, consuming)
    assert tracked["saved at"] == line_of(root, saving)
    frames = next(e for e in finding["evidence"] if e["title"].startswith("Project frames"))
    chains = {role: [r[2].split(" in ")[0] for r in frames["rows"] if r[0] == role]
              for role in ("consuming call", "save")}
    assert chains["consuming call"][0] == line_of(root, consuming)
    assert chains["save"][0] == line_of(root, saving)
    if name == "banners":  # the frames between: the model's save() called the helper
        assert chains["consuming call"][1].startswith("shop/models.py:")
    endpoint = exercised(check, request)
    assert endpoint == {**endpoint, "kind": kind, "exercised": True, "status_code": status,
                        "reason": None}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_the_fixed_twin_passes_and_lists_its_endpoint(tutorials, name):
    *_lines, request, kind, status = EXPECTED[name]
    run, checks = diagnose(tutorials[name][1])
    check = checks["e2e.upload"]
    assert check["status"] == "pass", check["findings"]
    assert codes(check) == ["e2e.I002", "e2e.I001"]
    assert f"{request} ({status})" in check["findings"][0]["message"]
    assert exercised(check, request)["exercised"] is True
    assert not [f for c in checks.values() for f in c["findings"]
                if f["code"].startswith(("e2e.", "fileptr.")) and f["level"] == "error"]
