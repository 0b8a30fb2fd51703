"""Settings of the wrong type or value. Django's upload settings that Django cannot use are
django.E005 findings naming the setting and the type expected (the end-to-end checks,
which would only meet Django's TypeError, are skipped with that reason); a malformed
UPLOAD_DIAGNOSTICS is a one-paragraph usage error (exit 2) naming the key, through both
front ends, without showing the value."""
from __future__ import annotations

import subprocess
import sys

import pytest

from adversarial import assert_survived, canary, hostile_run
from conftest import MINIMAL_SETTINGS, base_env, write_files

STATIC = '{"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}'
FS = "django.core.files.storage.FileSystemStorage"
# setting line -> the E005 message
WRONG = {
    'FILE_UPLOAD_MAX_MEMORY_SIZE = "2621440"':
        "FILE_UPLOAD_MAX_MEMORY_SIZE is '2621440' (a str); Django expects an int of bytes "
        "(0 or more)",
    "FILE_UPLOAD_MAX_MEMORY_SIZE = -1":
        "FILE_UPLOAD_MAX_MEMORY_SIZE is -1 (an int); Django expects an int of bytes (0 or more)",
    "DATA_UPLOAD_MAX_MEMORY_SIZE = 2.5e6":
        "DATA_UPLOAD_MAX_MEMORY_SIZE is 2500000.0 (a float); Django expects an int of bytes "
        "(0 or more), or None",
    "DATA_UPLOAD_MAX_NUMBER_FILES = True":
        "DATA_UPLOAD_MAX_NUMBER_FILES is True (a bool); Django expects an int (0 or more), or "
        "None",
    'FILE_UPLOAD_PERMISSIONS = "0644"':
        "FILE_UPLOAD_PERMISSIONS is '0644' (a str); Django expects an int such as 0o644, or None",
    "FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o17777":
        "FILE_UPLOAD_DIRECTORY_PERMISSIONS is 8191 (an int); Django expects an int such as "
        "0o755, or None",
    f'FILE_UPLOAD_HANDLERS = "{FS}"':
        f"FILE_UPLOAD_HANDLERS is '{FS}' (a str); Django expects a list of dotted paths",
    "FILE_UPLOAD_TEMP_DIR = 5":
        "FILE_UPLOAD_TEMP_DIR is 5 (an int); Django expects a path (str or Path), or None",
    "MEDIA_ROOT = None":
        "MEDIA_ROOT is None (a NoneType); Django expects a path (str or Path)",
    f'STORAGES = {{"default": "{FS}", "staticfiles": {STATIC}}}':
        f"STORAGES['default'] is '{FS}' (a str); Django expects a dict with a \"BACKEND\" "
        'dotted path and optional "OPTIONS" dict, such as {"BACKEND": '
        '"django.core.files.storage.FileSystemStorage"}',
    'STORAGES = "storages.backends.s3.S3Storage"':
        "STORAGES is 'storages.backends.s3.S3Storage' (a str); Django expects a dict of "
        'aliases, each a dict such as {"BACKEND": "..."}',
}


def settings_project(root, settings: str, files: dict | None = None):
    return write_files(root, {"mysite/__init__.py": "",
                              "mysite/settings.py": MINIMAL_SETTINGS + settings + "\n",
                              "manage.py": "", **(files or {})})


def run(tmp_path, settings: str, *args, canaries=(), **kw):
    root = settings_project(tmp_path / "p", settings)
    return hostile_run(kw.pop("name", tmp_path.name),
                       ["--settings", "mysite.settings", "--project-dir", root, "--offline",
                        *args], cwd=root, out=tmp_path / "out", canaries=canaries, **kw)


@pytest.mark.parametrize("line", WRONG)
def test_an_upload_setting_of_the_wrong_type_is_a_finding(tmp_path, line):
    outcome = assert_survived(run(tmp_path, line), returncode=1)
    check = outcome.check("django.upload_settings")
    wrong = [f for f in check["findings"] if f["code"] == "django.E005"]
    assert [f["message"] for f in wrong] == [WRONG[line]]
    assert check["status"] == "fail"
    upload = outcome.check("e2e.upload")
    assert upload["status"] == "skipped"
    assert "of the wrong type (django.E005)" in upload["skipped_reason"]
    for media in ("media.serving", "media.disk"):  # they read the storages Django builds
        assert "of the wrong type (django.E005)" in outcome.check(media)["skipped_reason"]
    if line.startswith("STORAGES"):
        s3 = outcome.check("s3.config")
        assert (s3["status"], s3["skipped_reason"]) == (
            "skipped", f"{WRONG[line].split(' is ')[0]} is of the wrong type (django.E005): Django "
            "cannot build the storages")


def test_a_storage_entry_without_a_backend_shows_no_option_value(tmp_path):
    secret = canary()
    line = (f'STORAGES = {{"default": {{"OPTIONS": {{"secret_key": "{secret}", '
            f'"bucket_name": "b"}}}}, "staticfiles": {STATIC}}}')
    outcome = assert_survived(run(tmp_path, line, canaries=(secret,)), returncode=1)
    assert outcome.codes("django.upload_settings").count("django.E005") == 1
    message = outcome.finding("django.E005")["message"]
    assert message.startswith("STORAGES['default'] is {'OPTIONS': {'secret_key': '«redacted")


def test_several_wrong_settings_are_each_named(tmp_path):
    # one value per setting (the second FILE_UPLOAD_MAX_MEMORY_SIZE and STORAGES left out)
    lines = [line for i, line in enumerate(WRONG) if i != 1 and "STORAGES" not in line]
    outcome = assert_survived(run(tmp_path, "\n".join(lines)), returncode=1)
    messages = [f["message"] for f in outcome.check("django.upload_settings")["findings"]
                if f["code"] == "django.E005"]
    assert sorted(messages) == sorted(WRONG[line] for line in lines)


def usage_error(outcome, *fragments):
    assert outcome.reports == {}  # nothing ran, nothing written
    lines = outcome.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("diagnose-uploads: error: "), lines
    for fragment in fragments:
        assert fragment in lines[0]


# UPLOAD_DIAGNOSTICS -> what the usage error says
BROKEN = {
    '{"SOURCE": {"INCLUDE": ["src", None]}}':
        'settings.UPLOAD_DIAGNOSTICS["SOURCE"]["INCLUDE"] must be a list of folders relative '
        'to the project root, such as ["src"]; it is a list of NoneType, str.',
    '{"SOURCE": {"EXCLUDE": "legacy"}}':
        'settings.UPLOAD_DIAGNOSTICS["SOURCE"]["EXCLUDE"] must be a list of folders',
    '{"SOURCE": ["src"]}':
        'settings.UPLOAD_DIAGNOSTICS["SOURCE"] must be a dict with the keys INCLUDE, EXCLUDE, '
        "TESTS; it is a list of str.",
    '{"CHECKS": {"udx_checks.Provider": {}}}':
        'settings.UPLOAD_DIAGNOSTICS["CHECKS"] must be a list of dotted paths of Check '
        'classes, or ("path", {options}) pairs; it is a dict.',
    '{"SILENCE": 3}': 'settings.UPLOAD_DIAGNOSTICS["SILENCE"] must be a list of finding codes',
    '{"IMAGEKIT": {"TIMEOUT": "10"}}':
        'settings.UPLOAD_DIAGNOSTICS["IMAGEKIT"]["TIMEOUT"] must be a number of seconds above '
        "0; it is a str.",
    '{"IMAGEKIT": {"FOLDER": "/"}}':
        'settings.UPLOAD_DIAGNOSTICS["IMAGEKIT"]["FOLDER"] must be a folder other than the root',
    '{"E2E": {"MAX_ENDPOINTS": 0, "IMAGE": "big"}}':
        'settings.UPLOAD_DIAGNOSTICS["E2E"]["MAX_ENDPOINTS"] must be a whole number above 0; '
        'it is 0. settings.UPLOAD_DIAGNOSTICS["E2E"]["IMAGE"] must be a size such as',
    '{"E2E": {"DATA": [("title", "x")]}}':
        'settings.UPLOAD_DIAGNOSTICS["E2E"]["DATA"] must be a dict of form fields',
    '{"MAX_FILE_BYTES": "5M", "MAX_UPLOAD_BYTES": -1}':
        'settings.UPLOAD_DIAGNOSTICS["MAX_UPLOAD_BYTES"] must be a number of bytes above 0, '
        "such as 20 * 1024 * 1024; it is -1. "
        'settings.UPLOAD_DIAGNOSTICS["MAX_FILE_BYTES"] must be a number of bytes above 0',
    '{"SITE_URL": ["https://photos.acme.io/", "photos.acme.io"]}':
        'settings.UPLOAD_DIAGNOSTICS["SITE_URL"] must be the site\'s public address such as '
        '"https://photos.acme.io/", or a list of them',
    '["CdnCheck"]': "settings.UPLOAD_DIAGNOSTICS must be a dict such as",
}


@pytest.mark.parametrize("value", BROKEN)
def test_a_broken_upload_diagnostics_value_is_a_usage_error(tmp_path, value):
    outcome = assert_survived(run(tmp_path, f"UPLOAD_DIAGNOSTICS = {value}"), returncode=2)
    usage_error(outcome, BROKEN[value])


# Values that may be credentials: the usage error names their type, never the value.
SECRET_SHAPED = {
    '{{"E2E": {{"HEADERS": ["Authorization: Token {c}"]}}}}':
        'settings.UPLOAD_DIAGNOSTICS["E2E"]["HEADERS"] must be a dict of header names to '
        "text, such as {\"Authorization\": \"Token ...\"}; it is a list of str.",
    '{{"E2E": {{"HEADERS": {{"X-Api-Key": 5, "X-Other": "{c}"}}}}}}':
        'settings.UPLOAD_DIAGNOSTICS["E2E"]["HEADERS"] must be a dict of header names to '
        "text",
    '{{"E2E": {{"USER": {{"name": "alice", "password": "{c}"}}}}}}':
        'settings.UPLOAD_DIAGNOSTICS["E2E"]["USER"] must be a username, or a dict with '
        '"username"; it is a dict.',
    '"{c}"': "settings.UPLOAD_DIAGNOSTICS must be a dict such as",
    '{{"IMAGEKIT": "{c}"}}':
        'settings.UPLOAD_DIAGNOSTICS["IMAGEKIT"] must be a dict with the keys BASE_URL, '
        "TIMEOUT, SETTING_NAMES, FOLDER; it is a str.",
}


@pytest.mark.parametrize("value", SECRET_SHAPED)
def test_a_broken_value_that_may_be_a_secret_is_not_shown(tmp_path, value):
    secret = canary()
    setting = f"UPLOAD_DIAGNOSTICS = {value.format(c=secret)}"
    outcome = assert_survived(run(tmp_path, setting, canaries=(secret,)), returncode=2)
    usage_error(outcome, SECRET_SHAPED[value])


def test_the_management_command_gives_the_same_usage_error(tmp_path):
    secret = canary()
    root = settings_project(tmp_path / "p", f'UPLOAD_DIAGNOSTICS = {{"E2E": {{"USER": '
                                            f'{{"password": "{secret}"}}}}, "CHECKS": 3}}')
    proc = subprocess.run([sys.executable, "-c", "from django.core.management import "
                           "execute_from_command_line as run; run(['manage.py', "
                           "'diagnose_uploads'])"], cwd=root, capture_output=True, text=True,
                          env=base_env(DJANGO_SETTINGS_MODULE="mysite.settings"), timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip() == (
        'CommandError: settings.UPLOAD_DIAGNOSTICS["CHECKS"] must be a list of dotted paths '
        'of Check classes, or ("path", {options}) pairs; it is 3. '
        'settings.UPLOAD_DIAGNOSTICS["E2E"]["USER"] must be a username, or a dict with '
        '"username"; it is a dict.')


def test_entries_set_to_none_count_as_not_set(tmp_path):
    setting = ('UPLOAD_DIAGNOSTICS = {"SOURCE": {"INCLUDE": None, "EXCLUDE": None, '
               '"TESTS": None}, "SILENCE": None, "CHECKS": None, "E2E": None, '
               '"IMAGEKIT": {"TIMEOUT": None}, "MAX_FILE_BYTES": None}')
    root = settings_project(tmp_path / "p", setting, {
        "app/__init__.py": "", "app/views.py": "def upload(request):\n"
        "    f = request.FILES['f']\n    f.read()\n    return f.read()\n"})
    outcome = assert_survived(hostile_run(
        tmp_path.name, ["--settings", "mysite.settings", "--project-dir", root, "--offline",
                        "fileptr", "django"], cwd=root, out=tmp_path / "out"), returncode=1)
    assert "fileptr.E001" in outcome.codes("fileptr.reuse")  # the whole project was read
    assert outcome.check("django.upload_settings")["status"] == "pass"
