"""pillow.codecs and django.upload_settings through the real command, on real settings."""
from __future__ import annotations

import json
import subprocess
import sys

from conftest import base_env, by_code, run_cli, run_manage
from plugins.harness import by_id

JSON = ("--format", "json")

# A Pillow built without libwebp has no PIL._webp; blocking the module makes this one so.
NO_WEBP = """
import sys
sys.modules["PIL._webp"] = None
"""

PROCESSING = {
    "shop/__init__.py": "",
    "shop/images.py": """
        from io import BytesIO

        from PIL import Image


        def to_webp(upload):
            out = BytesIO()
            Image.open(upload).save(out, "WEBP", quality=80)
            return out
    """,
}


def test_a_format_the_source_asks_for_that_pillow_cannot_encode(project):
    root = project(NO_WEBP + "\nfrom PIL import Image\nImage.MAX_IMAGE_PIXELS = None\n",
                   PROCESSING)
    run = run_manage(root, "pillow", *JSON)
    assert run.returncode == 1, run.stderr
    pillow = by_id(run.json())["pillow.codecs"]
    found = by_code(pillow)
    assert pillow["status"] == "fail"
    assert found["pillow.E001"]["location"] == {"path": "shop/images.py", "line": 8}
    assert "asks for WEBP" in found["pillow.E001"]["message"]
    assert found["pillow.W001"]["level"] == "warning"
    assert pillow["facts"]["pillow.formats"]["WEBP"] == {"encode": False, "decode": False}
    assert pillow["facts"]["pillow.formats"]["JPEG"] == {"encode": True, "decode": True}


def test_the_same_source_passes_where_webp_can_be_encoded(project):
    root = project(files=PROCESSING)
    run = run_manage(root, "pillow", *JSON)
    assert run.returncode == 0, run.stderr
    pillow = by_id(run.json())["pillow.codecs"]
    assert set(by_code(pillow)) == {"pillow.I001"}
    assert "WEBP" in by_code(pillow)["pillow.I001"]["message"]
    assert pillow["facts"]["pillow.formats"]["WEBP"] == {"encode": True, "decode": True}


def test_pillow_runs_without_settings_and_django_checks_say_why_not(tmp_path):
    run = run_cli("pillow", "django", "--project-dir", tmp_path, *JSON, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    report = run.json()
    assert by_id(report)["pillow.codecs"]["status"] == "pass"
    django = by_id(report)["django.upload_settings"]
    assert django["status"] == "skipped"
    assert "Django settings" in django["skipped_reason"]


BROKEN_UPLOADS = """
FILE_UPLOAD_TEMP_DIR = "/nonexistent/upload-tmp"
FILE_UPLOAD_MAX_MEMORY_SIZE = 100 * 1024 * 1024
FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.MemoryFileUploadHandler",
                        "shop.handlers.Missing"]
MEDIA_ROOT = __file__  # a file, not a directory
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "remote": {"BACKEND": "shop.storage.NoSuchStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
INSTALLED_APPS += ["shop"]
STATIC_URL = "static/"
"""

SHOP = {
    "shop/__init__.py": "",
    "shop/storage.py": "",
    "shop/models.py": """
        from django.db import models


        class Photo(models.Model):
            image = models.ImageField(upload_to="/photos/")
    """,
}


def test_each_upload_setting_problem_is_its_own_finding(project):
    root = project(BROKEN_UPLOADS, SHOP)
    run = run_manage(root, "django", *JSON)
    assert run.returncode == 1, run.stderr
    result = by_id(run.json())["django.upload_settings"]
    found = by_code(result)
    assert "/nonexistent/upload-tmp does not exist" in found["django.E001"]["message"]
    assert "shop.handlers.Missing" in found["django.E002"]["message"]
    assert "TemporaryFileUploadHandler" in found["django.W003"]["message"]
    assert "100.0 MiB" in found["django.W002"]["message"]
    assert "'remote'" in found["django.E003"]["message"]
    assert "is not a directory" in found["django.E004"]["message"]
    # Django's own system check, folded in with its id; files.E001 is not repeated.
    assert "fields.E202" in found["django.E100"]["message"]
    assert "files.E001" not in json.dumps(result["findings"])
    assert result["facts"]["storage.backends"]["remote"] == "shop.storage.NoSuchStorage"
    limits = result["facts"]["django.upload_limits"]
    assert limits["FILE_UPLOAD_TEMP_DIR"] == "/nonexistent/upload-tmp"


def test_sane_upload_settings_pass_with_the_settings_shown(project, tmp_path):
    media = tmp_path / "media"
    root = project(f"MEDIA_ROOT = {str(media)!r}\nFILE_UPLOAD_TEMP_DIR = {str(tmp_path)!r}\n")
    run = run_cli("--settings", "testsite.settings", "django", *JSON, cwd=root)
    assert run.returncode == 0, run.stderr
    result = by_id(run.json())["django.upload_settings"]
    assert result["status"] == "pass"
    shown = dict(by_code(result)["django.I001"]["evidence"][0]["items"])
    assert shown["FILE_UPLOAD_TEMP_DIR"].endswith(str(tmp_path))
    assert shown["MEDIA_ROOT"] == str(media)


def test_a_permission_mode_written_in_decimal_is_named_and_is_what_django_applies(
        project, tmp_path):
    """644 is 0o1204 to Python: Django's real save gives the file that mode, which its owner
    cannot read. 0o644, and 420 (0o644 in decimal), are right."""
    media, thumbs, other = tmp_path / "media", tmp_path / "thumbs", tmp_path / "other"
    fs = "django.core.files.storage.FileSystemStorage"
    root = project(f"""
        MEDIA_ROOT = {str(media)!r}
        FILE_UPLOAD_PERMISSIONS = 644
        STORAGES = {{
            "default": {{"BACKEND": "{fs}"}},
            "thumbs": {{"BACKEND": "{fs}", "OPTIONS": {{"location": {str(thumbs)!r},
                       "file_permissions_mode": 0o644, "directory_permissions_mode": 755}}}},
            "other": {{"BACKEND": "{fs}", "OPTIONS": {{"location": {str(other)!r},
                      "file_permissions_mode": 420, "directory_permissions_mode": 0o755}}}},
            "staticfiles": {{"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}},
        }}
    """)
    run = run_manage(root, "django", *JSON)
    assert run.returncode == 1, run.stderr
    result = by_id(run.json())["django.upload_settings"]
    e006 = [f for f in result["findings"] if f["code"] == "django.E006"]
    assert [(f["level"], f["message"]) for f in e006] == [
        ("error", "Storage 'default' gives its files mode 0o1204 (--w----r-T): 644 was "
                  "written in decimal"),
        ("error", "Storage 'thumbs' gives its directories mode 0o1363 (d-wxrw--wt): 755 was "
                  "written in decimal")]
    assert e006[0]["hint"] == ("Write FILE_UPLOAD_PERMISSIONS (or the storage's "
                               "file_permissions_mode) as 0o644, then chmod what was already "
                               "saved: as it is, the app's own user cannot read them.")
    assert "cannot list them" in e006[1]["hint"]
    saved = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c",
         "import os; from django.core.files.base import ContentFile;"
         "from django.core.files.storage import default_storage as s;"
         "print(oct(os.stat(s.path(s.save('a.txt', ContentFile(b'x')))).st_mode & 0o7777))"],
        cwd=root, env=base_env(), capture_output=True, text=True, check=True)
    assert saved.stdout.split()[-1] == "0o1204"  # what the finding says Django applies
