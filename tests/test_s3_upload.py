"""s3.upload (--e2e) through the real command: django-storages' S3Storage and boto3 over HTTP
to moto behind examples/s3_proxy.py. Each test lists the bucket afterwards past the proxy:
zero objects across the fault matrix (a failure at each step, a hung proxy, Ctrl-C, a
connection dropped after the body was read), and what may be left is named."""
from __future__ import annotations

import json
import sys

import pytest

from adversarial import assert_survived, hostile_run
from conftest import base_env, interrupt_when
from s3_local import S3_SETTINGS

# The project's own retry and timeout settings, so that a fault ends within a test's time.
FAST = """
from botocore.config import Config
AWS_S3_CLIENT_CONFIG = Config(retries={"total_max_attempts": 2}, read_timeout=5,
                              connect_timeout=2)
"""
PREFIX = "upload-diagnostics/"


def diagnose(root, out, local_s3, *args, timeout=60, name=""):
    return hostile_run(name, ["--settings", "testsite.settings", "s3.upload", "--e2e", *args],
                       cwd=root, out=out, env=base_env(PYTHONPATH=root, **local_s3.environ()),
                       timeout=timeout, canaries=(local_s3.secret_key,))


def findings(outcome, code: str) -> list[dict]:
    return [f for f in outcome.check("s3.upload")["findings"] if f["code"] == code]


def codes(outcome) -> list[str]:
    return [f["code"] for f in outcome.check("s3.upload")["findings"]]


@pytest.fixture
def s3_project(project):
    return project(S3_SETTINGS + FAST)


def test_the_images_round_trip_and_nothing_is_left(s3_project, tmp_path, local_s3):
    outcome = assert_survived(diagnose(s3_project, tmp_path / "out", local_s3), returncode=0)
    assert outcome.check("s3.upload")["status"] == "pass"
    [done] = findings(outcome, "s3.I060")
    assert done["message"] == (
        "2 test image(s) round-tripped through storage 'default' "
        f"(storages.backends.s3.S3Storage, bucket {local_s3.bucket!r}): saved, described by "
        "HeadObject, served by url(), deleted and gone")
    rows = done["evidence"][0]["rows"]
    assert [(row[3], row[5]) for row in rows] == [("image/jpeg", "JPEG"), ("image/png", "PNG")]
    assert all(row[1].startswith(PREFIX) and row[4].endswith("(signed)") and "?" not in row[4]
               for row in rows)
    settings = (s3_project / "testsite/settings.py").read_text().splitlines()
    line = next(n for n, text in enumerate(settings, 1) if text.startswith("STORAGES = "))
    assert done["location"] == {"path": "testsite/settings.py", "line": line}
    ops = local_s3.proxy.operations()
    assert {"PutObject", "HeadObject", "GetObject", "DeleteObject"} <= set(ops)
    assert local_s3.keys() == []


def test_without_an_s3_storage_the_check_is_skipped_and_says_so(project, tmp_path, local_s3):
    outcome = assert_survived(diagnose(project(), tmp_path / "out", local_s3), returncode=0)
    check = outcome.check("s3.upload")
    assert (check["status"], check["findings"]) == ("skipped", [])
    assert check["skipped_reason"].startswith("not applicable: no storage of the project is "
                                              "django-storages' S3Storage")
    assert local_s3.proxy.requests == []


def test_static_files_on_s3_are_not_round_tripped(project, tmp_path, local_s3):
    static_only = S3_SETTINGS.replace(
        '"default": {"BACKEND": "storages.backends.s3.S3Storage"}',
        '"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}').replace(
        "django.contrib.staticfiles.storage.StaticFilesStorage", "storages.backends.s3.S3Storage")
    root = project(static_only)
    outcome = assert_survived(diagnose(root, tmp_path / "out", local_s3), returncode=0)
    check = outcome.check("s3.upload")
    assert (check["status"], check["skipped_reason"]) == (
        "skipped", "not applicable: the project's S3 storages hold static files only "
                   "(collectstatic writes them, not uploads)")
    assert local_s3.proxy.requests == []


@pytest.mark.parametrize("fault, operation, settings, code, said, explained", [
    ("access_denied", "PutObject", "", "s3.E060", "AccessDenied: Access Denied", "s3.E041"),
    ("acl_disabled", "PutObject", 'AWS_DEFAULT_ACL = "public-read"', "s3.E060",
     "AccessControlListNotSupported: The bucket does not allow ACLs", None),
    ("checksum_mismatch", "PutObject", "", "s3.E060",
     "XAmzContentSHA256Mismatch: The provided 'x-amz-content-sha256' header does not match "
     "what was computed.", "s3.E047"),
    ("access_denied", "HeadObject", "", "s3.E061", "403: Forbidden", "s3.E041"),
    ("access_denied", "GetObject", "", "s3.E062",
     "GET failed: HTTP Error 403: Forbidden (AccessDenied: Access Denied)", None),
])
def test_a_failure_at_each_step_is_named_and_leaves_nothing(project, tmp_path, local_s3, fault,
                                                            operation, settings, code, said,
                                                            explained):
    root = project(S3_SETTINGS + FAST + settings)
    local_s3.proxy.fault(fault, operations={operation})
    outcome = assert_survived(diagnose(root, tmp_path / "out", local_s3), returncode=1)
    assert codes(outcome) == [code]
    [failed] = findings(outcome, code)
    assert failed["message"].endswith(said) and "diagnostic-small.jpg" in failed["message"]
    if code != "s3.E062":
        step = {"PutObject": "write", "HeadObject": "head"}[operation]
        assert failed["message"].startswith(f"The {step} ({operation}) step of {PREFIX}")
    if explained:  # the fix of the s3.bucket code that names the same answer
        assert failed["hint"].startswith(f"The answer is what {explained} explains: ")
    assert local_s3.keys() == []


def test_an_object_stored_as_something_else_than_an_image_is_a_warning(project, tmp_path,
                                                                       local_s3):
    forced = 'AWS_S3_OBJECT_PARAMETERS = {"ContentType": "application/octet-stream"}'
    root = project(S3_SETTINGS + FAST + forced)
    outcome = assert_survived(diagnose(root, tmp_path / "out", local_s3), returncode=0)
    assert codes(outcome) == ["s3.W063", "s3.W063"]
    assert all(f["message"].endswith("as 'application/octet-stream', not an image type")
               for f in findings(outcome, "s3.W063"))
    assert local_s3.keys() == []


def test_a_delete_that_fails_names_every_key_left_and_cleanup_removes_them(
        s3_project, tmp_path, local_s3):
    local_s3.proxy.fault("access_denied", operations={"DeleteObject"})
    outcome = assert_survived(diagnose(s3_project, tmp_path / "out", local_s3), returncode=1)
    assert codes(outcome) == ["diagnostics.C002"]
    [left] = findings(outcome, "diagnostics.C002")
    assert left["level"] == "critical"
    named = [row[0] for row in left["evidence"][0]["rows"]]
    assert named == local_s3.keys() and len(named) == 2
    assert "(AccessDenied) when calling the DeleteObject operation" in left["message"]
    assert "diagnose-uploads --cleanup --yes" in left["hint"]
    local_s3.proxy.clear()
    run = cleanup(s3_project, tmp_path / "c", local_s3, "--yes")
    assert run.returncode == 0, run.stderr
    assert local_s3.keys() == []


def test_a_hung_proxy_times_the_check_out_and_its_undo_leaves_nothing(s3_project, tmp_path,
                                                                      local_s3):
    local_s3.proxy.fault("hang", operations={"PutObject"}, delay_s=30)
    outcome = assert_survived(diagnose(s3_project, tmp_path / "out", local_s3, "--timeout",
                                       "3", timeout=3), returncode=1)
    check = outcome.check("s3.upload")
    assert check["status"] == "timeout" and codes(outcome) == ["diagnostics.E003"]
    assert "PutObject" in local_s3.proxy.operations()
    assert local_s3.keys() == []


def test_a_dropped_connection_after_the_body_is_found_and_deleted(s3_project, tmp_path,
                                                                  local_s3):
    local_s3.proxy.fault("drop", operations={"PutObject"})
    outcome = assert_survived(diagnose(s3_project, tmp_path / "out", local_s3), returncode=1)
    assert codes(outcome) == ["s3.E060"]  # stored, no answer: found by listing, deleted
    assert "ConnectionClosedError" in findings(outcome, "s3.E060")[0]["message"]
    assert local_s3.proxy.operations().count("PutObject") == 2  # (the project's retries)
    assert local_s3.keys() == []


def test_a_dropped_write_that_cannot_be_confirmed_is_named_as_may_be_left(
        s3_project, tmp_path, local_s3):
    local_s3.proxy.fault("drop", operations={"PutObject"})
    local_s3.proxy.fault("access_denied", operations={"ListObjects", "DeleteObject",
                                                       "HeadObject"})
    outcome = assert_survived(diagnose(s3_project, tmp_path / "out", local_s3), returncode=1)
    assert codes(outcome) == ["s3.E060", "diagnostics.C003"]
    [maybe] = findings(outcome, "diagnostics.C003")
    [key] = local_s3.keys()  # it is there: stored before the connection dropped
    assert maybe["message"] == ("1 test object(s) sent to storage 'default' may be left "
                                f"there: {key} (ConnectionClosedError: Connection was closed "
                                f"before we received a valid response from endpoint URL: "
                                f"\"{local_s3.url}/{local_s3.bucket}/{key}\".)")
    assert f"cannot list {key.rsplit('/', 1)[0]}/ to tell (AccessDenied: An error occurred " \
        "(AccessDenied) when calling the ListObjects operation" in maybe["hint"]
    local_s3.proxy.clear()
    assert cleanup(s3_project, tmp_path / "c", local_s3, "--yes").returncode == 0
    assert local_s3.keys() == []


def test_ctrl_c_mid_run_deletes_what_was_written(s3_project, tmp_path, local_s3):
    local_s3.proxy.fault("slow", operations={"GetObject"}, delay_s=30)
    out = tmp_path / "report.json"
    run = interrupt_when(
        [sys.executable, "-m", "upload_diagnostics.manage_commands", "--settings",
         "testsite.settings", "s3.upload", "--e2e", "--format", "json", "--output", str(out)],
        lambda: "GetObject" in local_s3.proxy.operations() and local_s3.keys(),  # written
        s3_project, base_env(PYTHONPATH=s3_project, **local_s3.environ()))
    assert run.returncode == 130, run.stderr
    check = json.loads(out.read_text())["checks"][0]
    assert [f["code"] for f in check["findings"]] == ["diagnostics.E005"]
    assert local_s3.keys() == []
    assert local_s3.secret_key not in run.stderr + out.read_text()


def cleanup(root, out, local_s3, *args):
    """`diagnose-uploads --cleanup ARGS` on the project (past any fault still chosen)."""
    return assert_survived(hostile_run(
        "--cleanup", ["--settings", "testsite.settings", "--cleanup", *args], cwd=root,
        out=out, env=base_env(PYTHONPATH=root, **local_s3.environ()), formats=False,
        canaries=(local_s3.secret_key,)))


def test_the_end_to_end_check_on_an_s3_storage_leaves_nothing_either(s3_project, tmp_path,
                                                                     local_s3):
    outcome = assert_survived(hostile_run(
        "", ["--settings", "testsite.settings", "e2e.storage", "--e2e"], cwd=s3_project,
        out=tmp_path / "out", env=base_env(PYTHONPATH=s3_project, **local_s3.environ()),
        timeout=120, canaries=(local_s3.secret_key,)))
    check = outcome.check("e2e.storage")
    assert not [f for f in check["findings"] if f["code"].startswith("diagnostics.C")]
    assert "PutObject" in local_s3.proxy.operations()  # it wrote to the bucket
    assert local_s3.keys() == []
