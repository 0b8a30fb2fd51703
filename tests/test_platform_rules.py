"""pillow.codecs and django.upload_settings on both sides of each edge, through the real
command: Django's memory-size settings, the free space where uploads are streamed (a real
small filesystem), the project's own system checks folded in, and a Pillow that cannot be
imported or has lost its JPEG encoder."""
from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from conftest import Run, base_env, by_code, codes, run_cli, write_files

MB = 1024 * 1024
DJANGO_DEFAULT = 2_621_440  # FILE_UPLOAD_MAX_MEMORY_SIZE


def upload_settings(project, settings: str, status: int = 0, files=None) -> dict:
    root = project(settings, files)
    run = run_cli("--settings", "testsite.settings", "django", "--format", "json", cwd=root)
    assert run.returncode == status, run.output
    return next(c for c in run.json()["checks"] if c["id"] == "django.upload_settings")


@pytest.mark.parametrize("size,warned", [(50 * MB, False), (50 * MB + 1, True), (0, False)])
def test_memory_size_edge_at_50_mib(project, tmp_path, size, warned):
    check = upload_settings(project, f"FILE_UPLOAD_MAX_MEMORY_SIZE = {size}\n"
                                     f"DATA_UPLOAD_MAX_MEMORY_SIZE = {size}\n"
                                     f"FILE_UPLOAD_TEMP_DIR = {str(tmp_path)!r}\n")
    assert ("django.W002" in codes(check)) == warned
    if warned:
        assert by_code(check)["django.W002"]["message"] == (
            "FILE_UPLOAD_MAX_MEMORY_SIZE is 52428801 bytes (50.0 MiB): whole uploads are "
            "held in each worker's memory")
        assert check["status"] == "warn"


@pytest.mark.parametrize("data,noted", [(DJANGO_DEFAULT - 1, True), (DJANGO_DEFAULT, False),
                                        (None, False)])
def test_data_limit_below_the_file_limit_is_explained(project, tmp_path, data, noted):
    check = upload_settings(project, f"DATA_UPLOAD_MAX_MEMORY_SIZE = {data}\n"
                                     f"FILE_UPLOAD_TEMP_DIR = {str(tmp_path)!r}\n")
    assert check["status"] == "pass"
    assert ("django.I002" in codes(check)) == noted
    shown = dict(by_code(check)["django.I001"]["evidence"][0]["items"])
    assert shown["DATA_UPLOAD_MAX_MEMORY_SIZE"] == (
        "unlimited (None)" if data is None else f"{data} bytes ({data / MB:.1f} MiB)")
    assert shown["FILE_UPLOAD_MAX_MEMORY_SIZE"] == "2621440 bytes (2.5 MiB)"
    if noted:
        assert by_code(check)["django.I002"]["message"] == (
            "DATA_UPLOAD_MAX_MEMORY_SIZE is below FILE_UPLOAD_MAX_MEMORY_SIZE; it does not "
            "limit file parts")


@pytest.mark.skipif(shutil.which("unshare") is None, reason="util-linux unshare is missing")
@pytest.mark.parametrize("size_mib,warned", [(511, True), (512, False)])
def test_free_space_edge_where_uploads_are_streamed(project, tmp_path, size_mib, warned):
    """FILE_UPLOAD_TEMP_DIR on a real tmpfs of that size, mounted in a private mount
    namespace (unshare) for the one run."""
    small = tmp_path / "small"
    small.mkdir()
    root = project(f"FILE_UPLOAD_TEMP_DIR = {str(small)!r}\n")
    command = [sys.executable, "-m", "upload_diagnostics.manage_commands", "--settings",
               "testsite.settings", "django", "--format", "json"]
    proc = subprocess.run(["unshare", "-rm", "sh", "-c", f'mount -t tmpfs -o size={size_mib}m '
                           f'tmpfs "{small}" && exec "$@"', "sh", *command], cwd=root,
                          env=base_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    check = Run(proc.returncode, proc.stdout, proc.stderr).json()["checks"][0]
    assert ("django.W001" in codes(check)) == warned
    if warned:
        finding = by_code(check)["django.W001"]
        assert finding["message"] == f"Only 511 MiB free in the upload temp dir {small}"
        assert dict(finding["evidence"][0]["items"]) == {"path": str(small),
                                                         "free": "511 MiB"}
        assert check["status"] == "warn"


SYSTEM_CHECKS = {
    "shop/__init__.py": "",
    "shop/apps.py": """
        from django.apps import AppConfig


        class ShopConfig(AppConfig):
            name = "shop"

            def ready(self):
                from . import checks  # noqa: F401 - registers them
    """,
    "shop/checks.py": """
        from django.core import checks


        @checks.register(checks.Tags.files)
        def bucket(app_configs, **kwargs):
            return [
                checks.Warning("The media bucket is not versioned", hint="Turn it on.",
                               id="storage.W901", obj="default"),
                checks.Info("Uploads go to the media bucket", id="files.I901"),
                checks.Warning("Not about files", id="shop.W001"),
            ]
    """,
}


def test_the_projects_own_system_checks_about_files_are_folded_in(project, tmp_path):
    check = upload_settings(project, 'INSTALLED_APPS += ["shop"]\n'
                            f"FILE_UPLOAD_TEMP_DIR = {str(tmp_path)!r}\n", 0, SYSTEM_CHECKS)
    found = by_code(check)
    assert (found["django.W100"]["message"], found["django.W100"]["hint"]) == (
        "Django system check storage.W901: The media bucket is not versioned", "Turn it on.")
    assert dict(found["django.W100"]["evidence"][0]["items"]) == {"id": "storage.W901",
                                                                  "object": "default"}
    assert (found["django.I100"]["message"], found["django.I100"]["hint"]) == (
        "Django system check files.I901: Uploads go to the media bucket",
        "See Django's system check reference for files.I901.")
    assert "shop.W001" not in str(check)  # not about uploads
    assert check["status"] == "warn"


def test_the_storages_in_use_are_listed(project, tmp_path):
    check = upload_settings(project, f"FILE_UPLOAD_TEMP_DIR = {str(tmp_path)!r}\n")
    i003 = by_code(check)["django.I003"]
    assert i003["message"] == ("1 storages: default -> "
                               "django.core.files.storage.FileSystemStorage")
    assert i003["evidence"][0]["rows"] == [
        ["default", "django.core.files.storage.FileSystemStorage", "FileSystemStorage"]]


def pillow_check(tmp_path, site: str, status: int) -> dict:
    """pillow.codecs run with `site` (a sitecustomize.py or a PIL package) first on the
    path: what a broken Pillow installation looks like to the command."""
    shim = tmp_path / "shim"
    write_files(shim, {site: "raise ImportError('PIL._imaging is missing: a Pillow built for "
                             "another Python')\n" if site.startswith("PIL")
                       else "from PIL import _imaging\ndel _imaging.jpeg_encoder\n"})
    run = run_cli("pillow", "--format", "json", cwd=tmp_path,
                  env=base_env(PYTHONPATH=shim))
    assert run.returncode == status, run.output
    return run.json()["checks"][0]


def test_a_pillow_that_cannot_be_imported(tmp_path):
    check = pillow_check(tmp_path, "PIL/__init__.py", 1)
    assert check["status"] == "fail"
    assert [(f["code"], f["message"]) for f in check["findings"]] == [
        ("pillow.E003", "Pillow cannot be imported: PIL._imaging is missing: a Pillow built "
                        "for another Python")]


def test_a_pillow_without_its_jpeg_encoder(tmp_path):
    """Pillow built without libjpeg has no jpeg_encoder in its C module."""
    check = pillow_check(tmp_path, "sitecustomize.py", 1)
    assert codes(check) == ["pillow.I001", "pillow.E002"]
    e002 = by_code(check)["pillow.E002"]
    assert e002["message"] == "This Pillow cannot encode JPEG"
    assert e002["hint"].startswith("Reinstall Pillow from a wheel (pip install "
                                   "--force-reinstall Pillow) or install the JPEG library")
    rows = {row[0]: row[1:] for row in e002["evidence"][0]["rows"]}
    assert rows["JPEG"] == ["NO", "yes"] and rows["PNG"] == ["yes", "yes"]
