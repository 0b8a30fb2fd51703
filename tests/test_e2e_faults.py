"""Cleanup is a guarantee: faults injected at each storage stage, a name search that never
ends, a timeout and Ctrl-C leave the storage and the database as they were."""
from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import MINIMAL_SETTINGS, base_env, interrupt_when, run_cli, write_files

SETTINGS = f'''{MINIMAL_SETTINGS}
import os
from pathlib import Path
BASE_DIR = Path(__file__).resolve().parent.parent
INSTALLED_APPS += ["shop"]
DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3",
                          "NAME": BASE_DIR / "db.sqlite3"}}}}
ROOT_URLCONF = "testsite.urls"
ALLOWED_HOSTS = ["shop.example"]
MEDIA_ROOT = BASE_DIR / "media"
STORAGES = {{"default": {{"BACKEND": "shop.storage.FaultyStorage"}}}}
UPLOAD_DIAGNOSTICS = {{"E2E": {{"URL": "/upload/", "FIELD": "image", "IMAGE": "320x240"}}}}
'''

FILES = {
    "testsite/urls.py": """
        from django.urls import path
        from shop.views import upload
        urlpatterns = [path("upload/", upload)]
    """,
    "shop/__init__.py": "",
    "shop/models.py": """
        from django.db import models

        class Item(models.Model):
            image = models.ImageField(upload_to="items/")
    """,
    "shop/views.py": """
        from django.http import JsonResponse
        from .models import Item

        def upload(request):
            item = Item.objects.create(image=request.FILES["image"])
            return JsonResponse({"id": item.pk}, status=201)
    """,
    # FAULT picks the stage that fails: save (after writing), exists, size, url, open,
    # delete (once), delete_always, exists_true (every name taken), slow (SLOW seconds).
    "shop/storage.py": """
        import os
        import time
        from django.core.files.storage import FileSystemStorage

        FAULT = os.environ.get("FAULT", "")
        deleted_once = []

        class FaultyStorage(FileSystemStorage):
            def _save(self, name, content):
                name = super()._save(name, content)
                if FAULT == "save":
                    raise OSError("injected failure after writing " + name)
                if FAULT == "slow" and os.environ.get("SLOW_NAMES", "") in name:
                    time.sleep(float(os.environ["SLOW"]))
                return name

            def exists(self, name):
                if FAULT == "exists_true":
                    return True
                found = super().exists(name)
                if FAULT == "exists" and found:
                    raise ConnectionError("injected exists failure")
                return found

            def size(self, name):
                if FAULT == "size_wrong":
                    return 0
                if FAULT == "size":
                    raise ConnectionError("injected size failure")
                return super().size(name)

            def url(self, name):
                if FAULT == "url":
                    raise ValueError("injected url failure")
                return super().url(name)

            def _open(self, name, mode="rb"):
                if FAULT == "open":
                    raise FileNotFoundError("injected open failure")
                return super()._open(name, mode)

            def delete(self, name):
                if FAULT == "delete_always" or (FAULT == "delete" and not deleted_once):
                    deleted_once.append(name)
                    raise PermissionError("injected delete failure for " + name)
                return super().delete(name)
    """,
}


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """A project with a model, an upload view and a storage that fails on demand; its
    database is migrated so that the tests can prove it unchanged."""
    root = tmp_path_factory.mktemp("faults") / "shop"
    write_files(root, {"testsite/__init__.py": "", "testsite/settings.py": SETTINGS, **FILES})
    env = base_env(DJANGO_SETTINGS_MODULE="testsite.settings")
    subprocess.run([sys.executable, "-m", "django", "migrate", "--run-syncdb", "-v", "0"],
                   cwd=root, env=env, check=True)
    return root


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stored_files(root: Path) -> list[str]:
    media = root / "media"
    return sorted(p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file()) \
        if media.exists() else []


def diagnose(root: Path, fault: str, *args, **env):
    before = digest(root / "db.sqlite3")
    run = run_cli("--settings", "testsite.settings", "e2e.storage", "--e2e", "--format",
                  "json", *args, cwd=root, env=base_env(FAULT=fault, **env))
    run.report()  # the exit status its findings call for
    assert digest(root / "db.sqlite3") == before, "the project database changed"
    return run.json()["checks"][0]


@pytest.mark.parametrize("fault, stage", [
    ("save", "storage save"), ("exists", "storage exists"), ("size", "storage size"),
    ("url", "storage url"), ("open", "storage open().read()"), ("delete", "storage delete"),
])
def test_a_failure_at_each_storage_stage_is_reported_and_leaves_nothing(shop, fault, stage):
    check = diagnose(shop, fault)
    failed = [f for f in check["findings"] if f["code"] == "e2e.E006"
              and f'failed at "{stage}"' in f["message"]]
    assert failed, [f["message"] for f in check["findings"]]
    assert "injected" in failed[0]["message"]
    assert check["status"] == "fail"
    assert not [f for f in check["findings"] if f["code"] == "diagnostics.C002"]
    assert stored_files(shop) == []
    assert not (shop / "media").exists()


def test_the_endpoint_path_reports_the_exception_from_the_project_view(shop):
    check = diagnose(shop, "save")
    raised = [f for f in check["findings"] if f["code"] == "e2e.E006"
              and f["message"].startswith("POST /upload/ raised OSError")]
    # The innermost project frame: the storage line that raised, called from the view.
    storage = (shop / "shop" / "storage.py").read_text().splitlines()
    line = next(n for n, text in enumerate(storage, 1) if "raise OSError" in text)
    assert raised and raised[0]["location"] == {"path": "shop/storage.py", "line": line}
    assert 'shop/views.py", line 5' in next(
        e["text"] for e in raised[0]["evidence"] if e["type"] == "traceback")
    assert stored_files(shop) == []


def test_a_name_that_cannot_be_deleted_is_critical_and_named(shop):
    try:
        check = diagnose(shop, "delete_always")
        left = [f for f in check["findings"] if f["code"] == "diagnostics.C002"]
        assert left and left[0]["level"] == "critical"
        named = {row[0] for row in
                 next(e for e in left[0]["evidence"] if e["type"] == "table")["rows"]}
        assert named == set(stored_files(shop)) and named
        assert all(n.startswith("upload-diagnostics/") for n in named)
    finally:
        import shutil
        shutil.rmtree(shop / "media", ignore_errors=True)


def test_exists_always_true_is_named_as_an_endless_name_search(shop):
    check = diagnose(shop, "exists_true")
    loops = [f for f in check["findings"] if f["code"] == "e2e.E008"]
    assert loops, [f["message"] for f in check["findings"]]
    assert "get_available_name() loops forever" in loops[0]["hint"]
    assert "returned True for 1000 candidate names" in loops[0]["message"]
    assert stored_files(shop) == []


def test_a_timeout_mid_save_still_deletes_what_was_written(shop):
    check = diagnose(shop, "slow", "--timeout", "2", SLOW="4")
    assert check["status"] == "timeout"
    assert stored_files(shop) == []
    assert not (shop / "media").exists()


@pytest.mark.parametrize("names", ["original/", "items/"], ids=["generic", "endpoint"])
def test_ctrl_c_mid_save_deletes_what_was_written(shop, names):
    """Interrupted in the generic path's first save, or inside the project's view (in the
    rolled-back transaction on the test database)."""
    before = digest(shop / "db.sqlite3")
    run = interrupt_when(
        [sys.executable, "-m", "upload_diagnostics.manage_commands",
         "--settings", "testsite.settings", "e2e.storage", "--e2e", "--format", "json"],
        lambda: any(names in f for f in stored_files(shop)), shop,
        base_env(FAULT="slow", SLOW="3", SLOW_NAMES=names))
    assert run.returncode == 130, run.stderr
    assert '"interrupted": true' in run.stdout
    assert stored_files(shop) == []
    assert digest(shop / "db.sqlite3") == before


def test_a_storage_that_answers_wrongly_fails_the_round_trip(shop):
    check = diagnose(shop, "size_wrong")
    wrong = [f for f in check["findings"] if f["code"] == "e2e.E007"]
    assert wrong and all("storage size" in f["message"] for f in wrong)
    assert "is 0 bytes;" in wrong[0]["message"]
    assert stored_files(shop) == []
