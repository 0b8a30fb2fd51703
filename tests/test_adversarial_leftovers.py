"""Leftovers the tool cannot confirm: the storage dies mid-upload after it stored the object,
so the answer is lost. The write tier finds the object when the storage can list its test
prefix and deletes it; when it cannot, a critical finding names the exact object and the
prefix, and `--cleanup` lists what is under the test prefixes of every storage (ImageKit's
media library included) and deletes it with --yes. Real storages: FileSystemStorage, and
the real imagekitio 4.x SDK against the ImageKit emulator with a fault that stores the
upload and then drops the connection."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from adversarial import assert_survived, hostile_run
from conftest import REPO, base_env
from test_e2e_imagekit import SETTINGS, STORAGE_4

sys.path.insert(0, str(REPO / "examples"))
from imagekit_emulator import ImageKitEmulator  # noqa: E402

# A FileSystemStorage whose connection "drops" once the bytes are on disk.
LOST_FS = '''
from django.core.files.storage import FileSystemStorage


class LostAnswerStorage(FileSystemStorage):
    def _save(self, name, content):
        super()._save(name, content)
        raise ConnectionResetError("connection reset by peer after the upload was sent")
'''
FS_SETTINGS = """
MEDIA_ROOT = BASE_MEDIA
STORAGES = {"default": {"BACKEND": "media.storage.LostAnswerStorage"},
            "staticfiles": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
UPLOAD_DIAGNOSTICS = {"E2E": {"IMAGE": "320x240"}}
"""


@pytest.fixture
def emulator():
    with ImageKitEmulator(stall_s=20) as emu:
        yield emu


def diagnose(root, out, *args, emulator=None, name=None):
    env = base_env(PYTHONPATH=root, **(emulator.environ() if emulator else {}))
    return hostile_run(name or "", ["--settings", "testsite.settings", *args], cwd=root,
                       out=out, env=env, timeout=60,
                       canaries=(emulator.private_key,) if emulator else ())


def cleanup(root, out, *args, emulator=None) -> tuple[int, list[dict]]:
    """`--cleanup [--yes] --format json`: (exit status, the places)."""
    env = base_env(PYTHONPATH=root, **(emulator.environ() if emulator else {}))
    outcome = assert_survived(hostile_run(
        f"--cleanup {' '.join(args)}", ["--settings", "testsite.settings", "--cleanup", *args,
                                         "--format", "json"], cwd=root, out=out, env=env,
        formats=False, canaries=(emulator.private_key,) if emulator else ()))
    return outcome.returncode, json.loads(outcome.stdout)


def place(places: list[dict], where: str) -> dict:
    return next(p for p in places if p["where"].startswith(where))


def findings(outcome, check_id: str, code: str) -> list[dict]:
    return [f for f in outcome.check(check_id)["findings"] if f["code"] == code]


def test_a_lost_answer_on_a_listable_storage_is_found_and_deleted(project, tmp_path):
    media = tmp_path / "media"
    root = project(FS_SETTINGS.replace("BASE_MEDIA", repr(str(media))),
                   {"media/__init__.py": "", "media/storage.py": LOST_FS})
    outcome = assert_survived(diagnose(root, tmp_path / "out", "e2e", "--e2e"), returncode=1)
    failed = findings(outcome, "e2e.storage", "e2e.E006")
    assert failed and all("ConnectionResetError" in f["message"] for f in failed)
    assert not findings(outcome, "e2e.storage", "diagnostics.C002")
    assert not findings(outcome, "e2e.storage", "diagnostics.C003")  # listed: known, deleted
    assert not (media / "upload-diagnostics").exists()


def test_a_lost_answer_in_imagekit_is_a_critical_finding_and_cleanup_removes_it(
        project, tmp_path, emulator):
    root = project(SETTINGS, {"media/__init__.py": "", "media/storage.py": STORAGE_4})
    emulator.inject("lost_answer", times=1, path="/api/v1/files/upload")
    outcome = assert_survived(diagnose(root, tmp_path / "out", "e2e", "--e2e",
                                       emulator=emulator), returncode=1)
    [stored] = emulator.files.values()  # the upload whose answer was lost
    [maybe] = findings(outcome, "e2e.storage", "diagnostics.C003")
    assert maybe["level"] == "critical"
    name = stored["filePath"].lstrip("/")
    assert maybe["message"] == ("1 test object(s) sent to storage 'default' may be left "
                                f"there: {name} (ConnectionError: ('Connection "
                                "aborted.', RemoteDisconnected('Remote end closed connection "
                                "without response')))")
    prefix = "/".join(name.split("/")[:2]) + "/"  # upload-diagnostics/<run>/
    assert name.startswith("upload-diagnostics/") and f"cannot list {prefix}" in maybe["hint"]
    assert "diagnose-uploads --cleanup" in maybe["hint"]

    status, places = cleanup(root, tmp_path / "c1", emulator=emulator)
    assert status == 1
    assert place(places, "storage 'default'")["problem"].startswith(
        "cannot list upload-diagnostics/ (NotImplementedError")
    assert place(places, "ImageKit media library")["found"] == [stored["filePath"]]
    assert emulator.files  # listing deletes nothing

    status, places = cleanup(root, tmp_path / "c2", "--yes", emulator=emulator)
    assert status == 1  # the storage that cannot list still cannot be confirmed
    library = place(places, "ImageKit media library")
    assert library["deleted"] and library["left"] == [] and emulator.files == {}


def test_imagekit_upload_names_the_file_a_lost_answer_may_have_left(project, tmp_path,
                                                                    emulator):
    root = project(SETTINGS)
    emulator.inject("lost_answer", times=1, path="/api/v1/files/upload")
    emulator.inject("server_error", times=1, path="/v1/files")  # the listing fails too
    outcome = assert_survived(diagnose(root, tmp_path / "out", "imagekit.upload", "--e2e",
                                       emulator=emulator), returncode=1)
    [stored] = emulator.files.values()
    [maybe] = findings(outcome, "imagekit.upload", "diagnostics.C003")
    assert maybe["level"] == "critical"
    assert maybe["message"] == ("1 test object(s) sent to ImageKit media library may be "
                                f"left there: {stored['filePath']} (no usable answer: "
                                "connection)")
    assert "cannot list /upload-diagnostics/ to tell (LookupError: ImageKit answered " \
        "500)" in maybe["hint"]
    status, places = cleanup(root, tmp_path / "c1", "--yes", emulator=emulator)
    assert place(places, "ImageKit media library")["found"] == [stored["filePath"]]
    assert emulator.files == {}


def test_imagekit_upload_finds_and_deletes_what_a_lost_answer_stored(project, tmp_path,
                                                                     emulator):
    root = project(SETTINGS)
    emulator.inject("lost_answer", times=1, path="/api/v1/files/upload")
    outcome = assert_survived(diagnose(root, tmp_path / "out", "imagekit.upload", "--e2e",
                                       emulator=emulator), returncode=1)
    codes = [f["code"] for f in outcome.check("imagekit.upload")["findings"]]
    assert codes == ["imagekit.E017", "imagekit.I030"]  # dropped; then found and deleted
    assert emulator.files == {} and emulator.requests_to("DELETE", "/v1/files/")


def test_cleanup_through_the_management_command(project, tmp_path):
    media = tmp_path / "media"
    root = project(f"MEDIA_ROOT = {str(media)!r}\nSTATIC_URL = '/static/'\n")
    for rel in ("upload-diagnostics/20260101-000000-0a1b2c3d/photo.jpg",
                "upload-diagnostics/20260101-000000-0a1b2c3d/thumbs/photo.webp"):
        (media / rel).parent.mkdir(parents=True, exist_ok=True)
        (media / rel).write_bytes(b"x")
    (media / "keep.jpg").write_bytes(b"users' file")

    def manage(*args):
        return subprocess.run([sys.executable, "manage.py", "diagnose_uploads", "--cleanup",
                               *args], cwd=root, capture_output=True, text=True,
                              env=base_env(), timeout=120)
    listed = manage()
    assert listed.returncode == 1, listed.stderr
    assert listed.stdout.splitlines()[1:4] == [
        "  storage 'default' (django.core.files.storage.filesystem.FileSystemStorage), under "
        "upload-diagnostics/: 2 object(s)",
        "    upload-diagnostics/20260101-000000-0a1b2c3d/photo.jpg",
        "    upload-diagnostics/20260101-000000-0a1b2c3d/thumbs/photo.webp"]
    assert listed.stdout.endswith("2 object(s) found; run again with --yes to delete them.\n")
    deleted = manage("--yes")
    assert deleted.returncode == 0 and deleted.stdout.endswith("2 of 2 object(s) deleted.\n")
    assert sorted(p.name for p in media.iterdir()) == ["keep.jpg"]  # folders removed too
    again = manage()
    assert again.returncode == 0 and "2 object" not in again.stdout


def test_cleanup_looks_at_the_storage_of_a_model_field_too(project, tmp_path):
    """The write tier stands in for model fields' storages too: what it left there is
    listed and deleted like what it left on STORAGES."""
    scans = tmp_path / "scans"
    root = project(f"""
        MEDIA_ROOT = {str(tmp_path / "media")!r}
        STATIC_URL = "/static/"
        INSTALLED_APPS += ["photos"]
    """, {"photos/__init__.py": "", "photos/models.py": f"""
        from django.core.files.storage import FileSystemStorage
        from django.db import models


        class Photo(models.Model):
            scan = models.FileField(storage=FileSystemStorage(location={str(scans)!r}))

            class Meta:
                app_label = "photos"
    """})
    left = scans / "upload-diagnostics/20260101-000000-0a1b2c3d/scan.jpg"
    left.parent.mkdir(parents=True)
    left.write_bytes(b"x")
    run = subprocess.run([sys.executable, "manage.py", "diagnose_uploads", "--cleanup",
                          "--yes"], cwd=root, capture_output=True, text=True, env=base_env(),
                         timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "  storage 'photos.Photo.scan' (django.core.files.storage.filesystem." \
        "FileSystemStorage), under upload-diagnostics/: 1 object(s)\n" \
        "    upload-diagnostics/20260101-000000-0a1b2c3d/scan.jpg  deleted\n" in run.stdout
    assert run.stdout.endswith("1 of 1 object(s) deleted.\n")
    assert list(scans.iterdir()) == []


def test_yes_without_cleanup_is_a_usage_error(project, tmp_path):
    outcome = assert_survived(diagnose(project(), tmp_path / "out", "--yes"), returncode=2)
    assert outcome.stderr.strip() == ("diagnose-uploads: error: --yes only confirms "
                                      "--cleanup: add --cleanup to delete what it lists.")
