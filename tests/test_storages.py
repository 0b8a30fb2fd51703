"""checks/storages.py: every storage a real Django project uses, resolved by Django itself
(STORAGES aliases, Django 4.2's DEFAULT_FILE_STORAGE, storage= on model fields)."""
from __future__ import annotations

import json
import subprocess
import sys

from conftest import base_env
from test_lowest import LOWEST_PYTHON

# Run inside the project: Django set up from its settings, then the resolution printed.
RESOLVE = """
import json, django
django.setup()
from django.conf import settings
from upload_diagnostics.checks.storages import resolve
from upload_diagnostics.diagnostics import Context, Options
ctx = Context(".", Options(), settings)
print(json.dumps([{"name": u.name, "backend": u.backend, "declared": u.declared,
                   "where": u.where, "problem": u.problem.split(":")[0], "same_as": u.same_as,
                   "options": sorted(u.options), "built": u.instance is not None}
                  for u in resolve(ctx)]))
"""

MODELS = """
from django.core.files.storage import FileSystemStorage, storages
from django.db import models


def media_storage():
    return storages["media"]


class Photo(models.Model):
    image = models.ImageField(storage=media_storage)
    scan = models.FileField(storage=FileSystemStorage(location="/tmp/scans"))
    plain = models.FileField()

    class Meta:
        app_label = "photos"
"""


def resolved(root, python=None) -> dict[str, dict]:
    run = subprocess.run([python or sys.executable, "-c", RESOLVE], cwd=root, text=True,
                         capture_output=True, timeout=120,
                         env=base_env(DJANGO_SETTINGS_MODULE="testsite.settings",
                                      AWS_EC2_METADATA_DISABLED="true"))
    assert run.returncode == 0, run.stderr
    return {use["name"]: use for use in json.loads(run.stdout)}


def test_every_alias_and_model_field_storage_is_resolved_with_where_it_is_declared(project):
    root = project("""
        INSTALLED_APPS += ["photos"]
        STORAGES = {
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                        "OPTIONS": {"location": "/tmp/media"}},
            "staticfiles": {
                "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            "media": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {"bucket_name": "photos",
                            "endpoint_url": "http://127.0.0.1:9"},
            },
            "broken": {"BACKEND": "nowhere.Missing"},
        }
    """, {"photos/__init__.py": "", "photos/models.py": MODELS})
    uses = resolved(root)
    assert list(uses) == ["default", "staticfiles", "media", "broken", "photos.Photo.image",
                          "photos.Photo.scan"]  # `plain` uses default_storage: the alias
    assert uses["default"] | {"options": None} == {
        "name": "default", "backend": "django.core.files.storage.filesystem.FileSystemStorage",
        "declared": "STORAGES['default']", "where": "testsite/settings.py:9", "problem": "",
        "same_as": None, "options": None, "built": True}
    assert uses["default"]["options"] == ["location"]
    assert uses["staticfiles"]["where"] == "testsite/settings.py:11"
    assert uses["media"]["backend"] == "storages.backends.s3.S3Storage"
    assert uses["media"]["where"] == "testsite/settings.py:13"
    assert uses["media"]["options"] == ["bucket_name", "endpoint_url"]
    assert uses["broken"] | {"where": None} == {
        "name": "broken", "backend": "nowhere.Missing", "declared": "STORAGES['broken']",
        "where": None, "problem": "InvalidStorageError", "same_as": None, "options": [],
        "built": False}
    image = uses["photos.Photo.image"]
    assert image["declared"] == "storage= of photos.Photo.image (made by " \
        "photos.models.media_storage())"
    assert (image["where"], image["same_as"], image["backend"]) == (
        "photos/models.py:10", "media", "storages.backends.s3.S3Storage")
    scan = uses["photos.Photo.scan"]
    assert (scan["declared"], scan["where"], scan["same_as"], scan["backend"]) == (
        "storage= of photos.Photo.scan", "photos/models.py:11", None,
        "django.core.files.storage.filesystem.FileSystemStorage")


def test_django_42_default_file_storage_is_the_default_alias(project):
    """Django 4.2 (the lowest version the project supports, in .venv-lowest) still reads
    DEFAULT_FILE_STORAGE; Django's storage handler makes it the default alias."""
    root = project("""
        DEFAULT_FILE_STORAGE = "storages.backends.s3.S3Storage"
        AWS_STORAGE_BUCKET_NAME = "photos"
        AWS_S3_ENDPOINT_URL = "http://127.0.0.1:9"
    """)
    uses = resolved(root, LOWEST_PYTHON)
    assert list(uses) == ["default", "staticfiles"]
    assert (uses["default"]["backend"], uses["default"]["declared"],
            uses["default"]["where"], uses["default"]["built"]) == (
        "storages.backends.s3.S3Storage", "DEFAULT_FILE_STORAGE", "testsite/settings.py:7",
        True)
    assert uses["staticfiles"]["declared"] == "STORAGES['staticfiles']"
    assert uses["staticfiles"]["where"] is None  # Django's default, not in the settings file
