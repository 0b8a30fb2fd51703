"""The pytest plugin, in a real pytest session of a small Django project (pytester).

The planted bug is the one the tool exists for: a view reads the upload for a checksum and
then saves it without rewinding, so a remote storage would store 0 bytes.
"""
from __future__ import annotations

import textwrap

import pytest

pytest_plugins = ["pytester"]

SETTINGS = """
SECRET_KEY = "test-not-secret"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
USE_TZ = True
STATIC_URL = "static/"
ROOT_URLCONF = "testsite.urls"
UPLOAD_DIAGNOSTICS = {"E2E": {"URL": "/upload/", "FIELD": "image", "IMAGE": "800x600"}}
"""
URLS = """
import hashlib

from django.core.files.storage import default_storage
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def upload(request):
    image = request.FILES["image"]
    checksum = hashlib.sha256(image.read()).hexdigest()
    {rewind}
    name = default_storage.save(f"photos/{{checksum[:8]}}.jpg", image)
    return JsonResponse({{"name": name}}, status=201)


urlpatterns = [path("upload/", upload)]
"""
PLANTED_BUG = "pass  # the upload is now at its end"
FIXED = "image.seek(0)"
RISK = "FILE_UPLOAD_MAX_MEMORY_SIZE = 200 * 1024 * 1024  # whole uploads in memory\n"
TESTS = """
def test_site_works():
    assert 1 + 1 == 2
"""
NO_CACHE = ("-p", "no:cacheprovider")


@pytest.fixture
def site(pytester, monkeypatch):
    """A Django project with a test suite, run by pytest-django in a subprocess."""
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")

    def make(rewind: str, extra_settings: str = "", tests: str = TESTS):
        package = pytester.path / "testsite"
        package.mkdir(exist_ok=True)
        (package / "__init__.py").write_text("")
        (package / "settings.py").write_text(SETTINGS + extra_settings)
        (package / "urls.py").write_text(URLS.format(rewind=rewind))
        pytester.makeini("[pytest]\nDJANGO_SETTINGS_MODULE = testsite.settings\n"
                         "pythonpath = .\n")
        pytester.makepyfile(test_site=textwrap.dedent(tests))
        return pytester
    return make


def test_fails_the_session_on_a_planted_bug_and_passes_once_fixed(site):
    result = site(PLANTED_BUG).runpytest_subprocess("--diagnose-uploads", *NO_CACHE)
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    result.assert_outcomes(passed=1)  # the project's own tests pass; the diagnosis fails
    out = result.stdout.str()
    assert "upload diagnosis" in out
    assert "e2e.E002" in out and "stored with 0 bytes" in out  # found by the dry upload
    assert "testsite/urls.py:15" in out  # the save that stores the consumed upload
    assert "findings at or above error: the session fails" in out

    # Fixed, leaving only a risk (a warning): passes at the default level, still shown.
    fixed = site(FIXED, RISK).runpytest_subprocess("--diagnose-uploads", *NO_CACHE)
    assert fixed.ret == pytest.ExitCode.OK, fixed.stdout.str()
    out = fixed.stdout.str()
    assert "upload diagnosis" in out and "django.W002" in out
    assert "e2e.E00" not in out and "[FAIL]" not in out


def test_level_sets_what_fails_the_session(site):
    result = site(FIXED, RISK).runpytest_subprocess("--diagnose-uploads=warning", *NO_CACHE)
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    assert "findings at or above warning: the session fails" in result.stdout.str()


def test_inactive_unless_asked_for_and_the_fixture_returns_the_report(site):
    tests = """
        def test_the_upload_path(upload_diagnosis):
            assert upload_diagnosis["schema_version"] == 1
            ran = {c["id"]: c for c in upload_diagnosis["checks"]}
            assert ran["e2e.upload"]["status"] == "fail"
            codes = [f["code"] for f in ran["e2e.upload"]["findings"]]
            assert "e2e.E002" in codes
            # only the static tier: no network call, nothing written
            assert {c["tier"] for c in upload_diagnosis["checks"]} == {"static"}
            assert upload_diagnosis["run"]["flags"]["offline"] is True
    """
    result = site(PLANTED_BUG, tests=tests).runpytest_subprocess(*NO_CACHE)
    # Without --diagnose-uploads the plugin is inactive: the bug fails no session and no
    # report is printed, but the fixture still diagnoses for tests that ask for it.
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.assert_outcomes(passed=1)
    assert "upload diagnosis" not in result.stdout.str()
