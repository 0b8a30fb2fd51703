"""The pytest plugin, in a real pytest session of a small Django project (pytester)."""
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
"""
PLANTED_BUG = 'FILE_UPLOAD_TEMP_DIR = "/nonexistent/upload-tmp"  # never created\n'
RISK = "FILE_UPLOAD_MAX_MEMORY_SIZE = 200 * 1024 * 1024  # whole uploads in memory\n"
TESTS = """
def test_site_works():
    assert 1 + 1 == 2
"""


@pytest.fixture
def site(pytester, monkeypatch):
    """A Django project with a test suite, run by pytest-django in a subprocess."""
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")

    def make(extra_settings: str = "", tests: str = TESTS):
        (pytester.path / "testsite").mkdir(exist_ok=True)
        (pytester.path / "testsite" / "__init__.py").write_text("")
        (pytester.path / "testsite" / "settings.py").write_text(SETTINGS + extra_settings)
        pytester.makeini("[pytest]\nDJANGO_SETTINGS_MODULE = testsite.settings\n"
                         "pythonpath = .\n")
        pytester.makepyfile(test_site=textwrap.dedent(tests))
        return pytester
    return make


def test_fails_the_session_on_a_planted_bug_and_passes_once_fixed(site):
    result = site(PLANTED_BUG).runpytest_subprocess("--diagnose-uploads", "-p",
                                                    "no:cacheprovider")
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    result.assert_outcomes(passed=1)  # the project's own tests pass; the diagnosis fails
    out = result.stdout.str()
    assert "upload diagnosis" in out
    assert "django.E001" in out and "/nonexistent/upload-tmp" in out
    assert "findings at or above error: the session fails" in out

    # Fixed, leaving only a risk (a warning): passes at the default level, still shown.
    fixed = site(RISK).runpytest_subprocess("--diagnose-uploads", "-p", "no:cacheprovider")
    assert fixed.ret == pytest.ExitCode.OK, fixed.stdout.str()
    out = fixed.stdout.str()
    assert "upload diagnosis" in out and "django.W002" in out and "django.E001" not in out


def test_level_sets_what_fails_the_session(site):
    result = site(RISK).runpytest_subprocess("--diagnose-uploads=warning",
                                             "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.TESTS_FAILED, result.stdout.str()
    assert "findings at or above warning: the session fails" in result.stdout.str()


def test_inactive_unless_asked_for_and_the_fixture_returns_the_report(site):
    tests = """
        def test_upload_settings_are_sane(upload_diagnosis):
            assert upload_diagnosis["schema_version"] == 1
            ran = {c["id"]: c for c in upload_diagnosis["checks"]}
            assert ran["django.upload_settings"]["status"] == "fail"
            assert "e2e.upload" in ran  # the dry end-to-end upload is part of it
            codes = [f["code"] for c in upload_diagnosis["checks"] for f in c["findings"]]
            assert "django.E001" in codes
            # only the static tier: no network call, nothing written
            assert {c["tier"] for c in upload_diagnosis["checks"]} == {"static"}
            assert upload_diagnosis["run"]["flags"]["offline"] is True
    """
    result = site(PLANTED_BUG, tests).runpytest_subprocess("-p", "no:cacheprovider")
    # Without --diagnose-uploads the plugin is inactive: the bug fails no session and no
    # report is printed, but the fixture still diagnoses for tests that ask for it.
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.assert_outcomes(passed=1)
    assert "upload diagnosis" not in result.stdout.str()
