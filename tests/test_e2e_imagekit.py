"""e2e.upload --e2e against the ImageKit emulator on 127.0.0.1 with the real imagekitio 4.x
SDK: the example project's storage, and a fault injected at each storage stage. Zero
objects may remain in the emulator unless delete itself keeps failing, and then the
check names them."""
from __future__ import annotations

import sys

import pytest

from conftest import IK5_PYTHON, REPO, base_env, run_cli

sys.path.insert(0, str(REPO / "examples"))
from imagekit_emulator import ENDPOINT_ID, ImageKitEmulator  # noqa: E402

SETTINGS = """
import os
IMAGEKIT_PRIVATE_KEY = os.environ.get("IMAGEKIT_PRIVATE_KEY", "")
IMAGEKIT_PUBLIC_KEY = os.environ.get("IMAGEKIT_PUBLIC_KEY", "")
IMAGEKIT_URL_ENDPOINT = os.environ.get("IMAGEKIT_URL_ENDPOINT", "")
STORAGES = {"default": {"BACKEND": "media.storage.ImageKitStorage"}}
UPLOAD_DIAGNOSTICS = {"E2E": {"IMAGE": "320x240"}}
"""

# A complete storage on imagekitio 4.x (and the same on 5.x): every round-trip stage talks
# to the emulator except exists() and size(), answered from what the uploads returned.
STORAGE_COMMON = '''
import os
import urllib.request

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from imagekitio import ImageKit


class BaseImageKitStorage(Storage):
    files: dict  # name -> (file id, size), set by each SDK's storage

    def _save(self, name, content):
        file_path, file_id, size = self._upload(content.read(), name)
        name = file_path.lstrip("/")
        self.files[name] = (file_id, size)
        return name

    def exists(self, name):
        return name in self.files

    def size(self, name):
        return self.files[name][1]

    def url(self, name):  # URL_PREFIX: a wrong folder in the public address
        return self._address(os.environ.get("URL_PREFIX", "") + name)

    def _address(self, name):
        return settings.IMAGEKIT_URL_ENDPOINT.rstrip("/") + "/" + name

    def _open(self, name, mode="rb"):
        with urllib.request.urlopen(self._address(name), timeout=10) as response:
            return ContentFile(response.read(), name=name)

    def delete(self, name):
        if name in self.files:
            self._delete(self.files[name][0])
            del self.files[name]
'''

STORAGE_4 = STORAGE_COMMON + '''
from imagekitio.models.UploadFileRequestOptions import UploadFileRequestOptions


class ImageKitStorage(BaseImageKitStorage):
    def __init__(self):
        self.client = ImageKit(private_key=settings.IMAGEKIT_PRIVATE_KEY,
                               public_key=settings.IMAGEKIT_PUBLIC_KEY,
                               url_endpoint=settings.IMAGEKIT_URL_ENDPOINT)
        self.files = {}

    def _upload(self, data, name):
        options = UploadFileRequestOptions(folder="/", use_unique_file_name=False)
        result = self.client.upload_file(file=data, file_name=name, options=options)
        return result.file_path, result.file_id, result.size

    def _delete(self, file_id):
        self.client.delete_file(file_id=file_id)
'''

STORAGE_5 = STORAGE_COMMON + '''

class ImageKitStorage(BaseImageKitStorage):
    def __init__(self):
        self.client = ImageKit(private_key=settings.IMAGEKIT_PRIVATE_KEY, timeout=20)
        self.files = {}

    def _upload(self, data, name):
        result = self.client.files.upload(file=data, file_name=name, folder="/",
                                          use_unique_file_name=False)
        return result.file_path, result.file_id, result.size

    def _delete(self, file_id):
        self.client.files.delete(file_id)
'''


@pytest.fixture
def emulator():
    with ImageKitEmulator(stall_s=20) as emu:
        yield emu


def diagnose(root, emulator, *args, settings="testsite.settings", python=None, **env):
    """The e2e family with --e2e: e2e.storage's result, with e2e.fetch's under "fetch"."""
    run = run_cli("--settings", settings, "e2e", "--e2e", "--format", "json", *args,
                  cwd=root, python=python,
                  env=base_env(PYTHONPATH=root, **emulator.environ(), **env))
    run.report()  # the exit status its findings call for
    assert emulator.private_key not in run.output
    checks = {c["id"]: c for c in run.json()["checks"]}
    assert checks["e2e.upload"]["status"] == "skipped"  # the upload runs once, for real
    return {**checks["e2e.storage"], "fetch": checks["e2e.fetch"]}


def by_code(check, code):
    return [f for f in check["findings"] if f["code"] == code]


def test_the_example_storage_uploads_nothing_after_the_double_read(example_project, emulator):
    check = diagnose(example_project, emulator, "--image", "320x240",
                     settings="photosite.settings")
    # imagekitio 4.x refuses an empty file before sending it; the view answers 500.
    uploads = emulator.requests_to("POST", "/api/v1/files/upload")
    assert not [r for r in uploads if "/photos/" in r.fields.get("fileName", "")]
    rejected = by_code(check, "e2e.E005")
    assert rejected and "HTTP 500" in rejected[0]["message"]
    logged = next(e for e in rejected[0]["evidence"] if e["type"] == "log")["lines"]
    assert any("ImageKit upload of upload-diagnostics/" in line and
               "Missing file parameter for upload" in line for line in logged)
    [consumed] = by_code(check, "e2e.E001")  # at the save, naming the consuming line
    assert "the save failed (" in consumed["message"]
    assert "Missing file parameter for upload" in consumed["message"]
    assert consumed["location"] == {"path": "gallery/serializers.py", "line": 19}
    read = dict(next(e for e in consumed["evidence"] if e["title"] == "Read tracker")["items"])
    assert read["consumed at"] == "gallery/serializers.py:18"
    # The generic path's uploads were real and are gone again; its size() is missing.
    assert any(r.fields.get("file", 0) > 0 for r in uploads)
    assert any("NotImplementedError" in f["message"] for f in by_code(check, "e2e.E006"))
    assert emulator.files == {}


@pytest.fixture
def shop(project):
    return project(SETTINGS, {"media/__init__.py": "", "media/storage.py": STORAGE_4})


@pytest.fixture
def shop5(project):
    return project(SETTINGS, {"media/__init__.py": "", "media/storage.py": STORAGE_5})


@pytest.mark.parametrize("sdk", ["ik4", "ik5"])
def test_a_healthy_imagekit_storage_passes_and_leaves_nothing(request, emulator, sdk):
    shop = request.getfixturevalue("shop" if sdk == "ik4" else "shop5")
    check = diagnose(shop, emulator, python=None if sdk == "ik4" else IK5_PYTHON)
    # No upload endpoint: the storage round trip is what ran, and it passed.
    assert check["status"] == "pass", check["findings"]
    assert check["fetch"]["status"] == "pass", check["fetch"]
    assert len(emulator.requests_to("POST", "/api/v1/files/upload")) == 4  # 2 images x 2
    # Each object is read back three times: after save (to judge what was stored), from
    # its url() (the network tier) and by the round trip's open().read().
    assert len(emulator.requests_to("GET", f"/{ENDPOINT_ID}/")) == 12
    assert emulator.files == {}


@pytest.mark.parametrize("fault, times, path, stage", [
    ("server_error", 1, "/api/v1/files/upload", "storage save"),
    ("rate_limit", 1, "/api/v1/files/upload", "storage save"),
    ("drop", 1, "/api/v1/files/upload", "storage save"),
    ("server_error", 100, f"/{ENDPOINT_ID}/", "storage open().read()"),
    ("server_error", 1, "/v1/files/", "storage delete"),
])
def test_a_fault_at_each_stage_leaves_no_object(shop, emulator, fault, times, path, stage):
    emulator.inject(fault, times=times, path=path)
    check = diagnose(shop, emulator)
    failed = [f for f in by_code(check, "e2e.E006") if f'failed at "{stage}"' in f["message"]]
    assert failed, [f["message"] for f in check["findings"]]
    assert not by_code(check, "diagnostics.C002")
    assert emulator.files == {}


def test_objects_that_cannot_be_deleted_are_named(shop, emulator):
    emulator.inject("server_error", times=100, path="/v1/files/")
    check = diagnose(shop, emulator)
    left = by_code(check, "diagnostics.C002")
    assert left and left[0]["level"] == "critical"
    rows = next(e for e in left[0]["evidence"] if e["type"] == "table")["rows"]
    named = {row[0] for row in rows}
    assert named == {f["filePath"].lstrip("/") for f in emulator.files.values()}
    assert all(name.startswith("upload-diagnostics/") for name in named)


def test_a_url_that_does_not_serve_the_image_is_reported(shop, emulator):
    check = diagnose(shop, emulator, URL_PREFIX="photos/")
    assert check["status"] == "pass"  # the storage round trip stored and read back
    assert {f["code"] for f in check["findings"]} == {"e2e.I001"}
    fetch = check["fetch"]
    assert fetch["status"] == "fail" and {f["code"] for f in fetch["findings"]} == {"e2e.E010"}
    wrong = by_code(fetch, "e2e.E010")
    assert "GET failed: HTTP Error 404" in wrong[0]["message"]
    assert f"/{ENDPOINT_ID}/photos/upload-diagnostics/" in wrong[0]["message"]
    assert emulator.files == {}


def test_offline_does_not_fetch_urls(shop, emulator):
    check = diagnose(shop, emulator, "--offline", URL_PREFIX="photos/")
    assert check["fetch"]["status"] == "skipped"
    assert check["fetch"]["skipped_reason"] == "the network tier is off (--offline)"
    assert not [r for r in emulator.requests_to("GET", f"/{ENDPOINT_ID}/photos/")]


def test_a_failing_upload_with_imagekitio_5_leaves_nothing(shop5, emulator):
    emulator.inject("server_error", times=10, path="/api/v1/files/upload")  # beyond retries
    check = diagnose(shop5, emulator, python=IK5_PYTHON)
    failed = [f for f in by_code(check, "e2e.E006") if 'failed at "storage save"' in f["message"]]
    assert failed and "InternalServerError" in failed[0]["message"]
    assert emulator.files == {}
