"""s3.bucket through the real command: django-storages' S3Storage and boto3 against moto's
S3 server behind examples/s3_proxy.py, each provider error diagnosed by name."""
from __future__ import annotations

import textwrap

import pytest

from conftest import base_env, codes, evidence, run_cli
from s3_local import S3_SETTINGS

FAST = 'UPLOAD_DIAGNOSTICS = {"S3": {"TIMEOUT": 2}}\n'
CALLS = ["HeadBucket", "ListObjectsV2", "GetBucketOwnershipControls", "GetPublicAccessBlock"]


def diagnose(project, local_s3, settings="", *args, fmt="json", env=None):
    """Run s3.bucket on a project whose default storage is S3Storage on the local S3."""
    root = project(S3_SETTINGS + FAST + settings)
    run = run_cli("--settings", "testsite.settings", "--project-dir", root, "--format", fmt,
                  "s3.bucket", *args, cwd=root,
                  env=base_env(PYTHONPATH=root, **local_s3.environ(**(env or {}))))
    return run


def line_at(tmp_path, finding) -> str:
    """The project's line a finding points at (the project fixture writes tmp_path/project)."""
    location = finding["location"]
    lines = (tmp_path / "project" / location["path"]).read_text().splitlines()
    return lines[location["line"] - 1]


def result(run) -> dict:
    report = run.report()  # the exit status its findings call for
    return next(c for c in report["checks"] if c["id"] == "s3.bucket")


def test_a_correct_configuration_passes_with_four_read_only_calls(project, local_s3):
    local_s3.client().put_object(Bucket=local_s3.bucket, Key="media/old.jpg", Body=b"x")
    check = result(diagnose(project, local_s3, 'AWS_LOCATION = "media"\n'))
    assert (check["status"], codes(check)) == ("pass", ["s3.I040"])
    assert "a key under media" in check["findings"][0]["message"]
    assert local_s3.proxy.operations() == CALLS
    assert local_s3.keys() == ["media/old.jpg"]  # nothing written
    rows = dict(evidence(check, check["findings"][0])[0]["items"])
    assert (rows["bucket"], rows["endpoint"], rows["region"]) == \
        (local_s3.bucket, local_s3.url, "us-east-1")


@pytest.mark.parametrize("fault,code,words", [
    ("signature", "s3.E040", "SignatureDoesNotMatch"),
    ("access_denied", "s3.E041", "AccessDenied: Access Denied"),
    ("no_such_bucket", "s3.E042", "NoSuchBucket"),
    ("invalid_key", "s3.E044", "InvalidAccessKeyId"),
])
def test_each_provider_error_is_named(project, local_s3, fault, code, words):
    local_s3.proxy.fault(fault)
    check = result(diagnose(project, local_s3))
    assert (check["status"], codes(check)) == ("fail", [code])
    finding = check["findings"][0]
    assert "ListObjectsV2" in finding["message"] and words in finding["message"]
    assert local_s3.proxy.operations() == ["HeadBucket", "ListObjectsV2"]  # no retries


def test_an_unexpected_error_is_shown_and_not_retried(project, local_s3):
    local_s3.proxy.fault("internal_error")
    check = result(diagnose(project, local_s3))
    assert codes(check) == ["s3.E050"]
    assert "unexpected answer InternalError: We encountered an internal error" in \
        check["findings"][0]["message"]
    assert local_s3.proxy.operations() == ["HeadBucket", "ListObjectsV2"]


def test_a_timeout_that_is_not_a_number_is_a_usage_error(project, local_s3):
    run = diagnose(project, local_s3, 'UPLOAD_DIAGNOSTICS = {"S3": {"TIMEOUT": "2"}}\n')
    assert run.returncode == 2
    assert 'UPLOAD_DIAGNOSTICS["S3"]["TIMEOUT"] must be a number of seconds above 0' in \
        run.stderr


def test_access_denied_on_listing_only(project, local_s3):
    local_s3.proxy.fault("access_denied", operations="ListObjectsV2")
    check = result(diagnose(project, local_s3))
    assert codes(check) == ["s3.E041"]
    assert f"may not read the bucket '{local_s3.bucket}'" in check["findings"][0]["message"]


def test_the_wrong_region_names_the_buckets_region(project, local_s3, tmp_path):
    local_s3.proxy.fault("wrong_region", region="eu-central-1")
    check = result(diagnose(project, local_s3))
    assert codes(check) == ["s3.E043"]
    finding = check["findings"][0]
    assert "is in eu-central-1, the client signs for us-east-1" in finding["message"]
    assert finding["hint"].startswith('Set AWS_S3_REGION_NAME = "eu-central-1"')
    assert line_at(tmp_path, finding) == 'AWS_S3_REGION_NAME = "us-east-1"'
    # botocore follows the redirect once per call, then gives up
    assert local_s3.proxy.operations() == ["HeadBucket"] * 2 + ["ListObjectsV2"] * 2


def test_clock_skew_is_shown(project, local_s3):
    local_s3.proxy.fault("clock_skew", skew_s=7200)
    check = result(diagnose(project, local_s3))
    assert codes(check) == ["s3.E045"]
    finding = check["findings"][0]
    assert "this machine's clock is 7200 s behind" in finding["message"] or \
        "this machine's clock is 7199 s behind" in finding["message"]
    clocks = dict(evidence(check, finding)[-1]["items"])
    assert clocks["skew"] == finding["message"].split(": ")[-1].split(" (")[0]


@pytest.mark.parametrize("fault,code", [("not_implemented", "s3.E046"),
                                        ("checksum_mismatch", "s3.E047")])
def test_an_s3_compatible_service_refusing_the_listing(project, local_s3, fault, code):
    local_s3.proxy.fault(fault, operations="ListObjectsV2")
    check = result(diagnose(project, local_s3))
    assert codes(check) == [code]


def test_a_checksum_refusal_is_fixed_with_when_required(project, local_s3):
    local_s3.proxy.fault("checksum_mismatch", operations="ListObjectsV2")
    check = result(diagnose(project, local_s3))
    assert 'to "when_required"' in check["findings"][0]["hint"]


def test_a_hung_endpoint_times_out_once(project, local_s3):
    local_s3.proxy.fault("hang", delay_s=15)
    check = result(diagnose(project, local_s3, 'UPLOAD_DIAGNOSTICS = {"S3": {"TIMEOUT": 1}}\n'))
    assert codes(check) == ["s3.E048"]
    assert "no answer within 1 s" in check["findings"][0]["message"]
    assert local_s3.proxy.operations() == ["HeadBucket"]


def test_a_dropped_connection_and_a_refused_one(project, local_s3):
    local_s3.proxy.fault("drop")
    assert codes(result(diagnose(project, local_s3))) == ["s3.E049"]
    local_s3.proxy.clear()
    root = project(S3_SETTINGS + FAST)
    env = local_s3.environ(TEST_S3_ENDPOINT_URL="http://127.0.0.1:9")
    run = run_cli("--settings", "testsite.settings", "--format", "json", "s3.bucket", cwd=root,
                  env=base_env(PYTHONPATH=root, **env))
    check = result(run)
    assert codes(check) == ["s3.E049"]
    assert "Could not connect to the endpoint URL" in check["findings"][0]["message"]
    env = local_s3.environ(TEST_S3_ENDPOINT_URL="minio:9000")  # no scheme
    run = run_cli("--settings", "testsite.settings", "--format", "json", "s3.bucket", cwd=root,
                  env=base_env(PYTHONPATH=root, **env))
    check = result(run)
    assert codes(check) == ["s3.E049"]
    assert "Invalid endpoint: minio:9000" in check["findings"][0]["message"]


def test_no_credentials(project, local_s3):
    settings = S3_SETTINGS.replace('AWS_ACCESS_KEY_ID = os.environ["TEST_S3_ACCESS_KEY_ID"]',
                                   "").replace(
        'AWS_SECRET_ACCESS_KEY = os.environ["TEST_S3_SECRET_ACCESS_KEY"]', "")
    root = project(settings + FAST)
    run = run_cli("--settings", "testsite.settings", "--format", "json", "s3.bucket", cwd=root,
                  env=base_env(PYTHONPATH=root, **local_s3.environ()))
    assert codes(result(run)) == ["s3.E053"]
    assert local_s3.proxy.requests == []


def test_each_bucket_once_each_storage_named(project, local_s3):
    """Two aliases on the same bucket are asked once; a storage= of a model field on a
    bucket that does not exist (moto's own NoSuchBucket) is asked and named."""
    settings = """
        STORAGES["media"] = {"BACKEND": "storages.backends.s3.S3Storage"}
        INSTALLED_APPS += ["gallery"]
    """
    files = {"gallery/__init__.py": "", "gallery/models.py": """
        from django.db import models
        from storages.backends.s3 import S3Storage


        def archive():
            return S3Storage(bucket_name="archive-missing")


        class Photo(models.Model):
            image = models.ImageField(storage=archive)
    """}
    root = project(S3_SETTINGS + FAST + textwrap.dedent(settings), files)
    run = run_cli("--settings", "testsite.settings", "--format", "json", "s3.bucket", cwd=root,
                  env=base_env(PYTHONPATH=root, **local_s3.environ()))
    check = result(run)
    assert codes(check) == ["s3.I040", "s3.E042"]
    assert check["findings"][1]["message"].startswith(
        "Storage 'gallery.Photo.image', ListObjectsV2: the bucket 'archive-missing' does not "
        "exist here (NoSuchBucket")
    assert check["findings"][1]["location"] == {"path": "gallery/models.py", "line": 10}
    assert local_s3.proxy.operations() == CALLS + ["HeadBucket", "ListObjectsV2"]


def test_a_profile_that_is_not_there(project, local_s3):
    settings = 'AWS_S3_SESSION_PROFILE = "nowhere"\n'
    root = project(S3_SETTINGS.replace("AWS_ACCESS_KEY_ID", "# AWS_ACCESS_KEY_ID").replace(
        "AWS_SECRET_ACCESS_KEY", "# AWS_SECRET_ACCESS_KEY") + FAST + settings)
    run = run_cli("--settings", "testsite.settings", "--format", "json", "s3.bucket", cwd=root,
                  env=base_env(PYTHONPATH=root, **local_s3.environ()))
    check = result(run)
    assert codes(check) == ["s3.E053"]
    assert "ProfileNotFound: The config profile (nowhere) could not be found" in \
        check["findings"][0]["message"]


def test_acls_disabled_by_object_ownership(project, local_s3, tmp_path):
    local_s3.client().put_bucket_ownership_controls(
        Bucket=local_s3.bucket,
        OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    check = result(diagnose(project, local_s3, 'AWS_DEFAULT_ACL = "public-read"\n'))
    assert codes(check) == ["s3.E051", "s3.I040"]
    assert "sends ACL 'public-read'" in check["findings"][0]["message"]
    assert line_at(tmp_path, check["findings"][0]) == 'AWS_DEFAULT_ACL = "public-read"'

    # the same bucket without an ACL setting passes
    assert codes(result(diagnose(project, local_s3))) == ["s3.I040"]


def test_public_acl_against_the_public_access_block(project, local_s3):
    local_s3.client().put_public_access_block(
        Bucket=local_s3.bucket, PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True})
    settings = 'AWS_S3_OBJECT_PARAMETERS = {"ACL": "public-read"}\n'
    assert codes(result(diagnose(project, local_s3, settings))) == ["s3.E052", "s3.I040"]
    private = 'AWS_DEFAULT_ACL = "private"\n'
    assert codes(result(diagnose(project, local_s3, private))) == ["s3.I040"]


def test_unreadable_bucket_settings_are_information(project, local_s3):
    local_s3.proxy.fault("access_denied", operations="GetBucketOwnershipControls")
    local_s3.proxy.fault("not_implemented", operations="GetPublicAccessBlock")
    check = result(diagnose(project, local_s3, 'AWS_DEFAULT_ACL = "public-read"\n'))
    assert (check["status"], codes(check)) == ("pass", ["s3.I041", "s3.I040"])
    assert "(AccessDenied, NotImplemented)" in check["findings"][0]["message"]


def test_without_an_s3_storage_the_check_is_skipped(project):
    root = project()
    run = run_cli("--settings", "testsite.settings", "--format", "json", "s3.bucket", cwd=root,
                  env=base_env(PYTHONPATH=root))
    check = result(run)
    assert check["status"] == "skipped"
    assert "no storage of the project is django-storages' S3Storage" in \
        check["skipped_reason"]


def test_offline_skips_the_network_tier(project, local_s3):
    check = result(diagnose(project, local_s3, "", "--offline"))
    assert check["status"] == "skipped"
    assert local_s3.proxy.requests == []


CANARY_SECRET = "CANARYsecretKEY0000000000000000000000000"
CANARY_TOKEN = "CANARYsessionTOKEN1111111111111111111111"


@pytest.mark.parametrize("fmt", ["json", "text", "md", "html", "junit", "sarif"])
def test_no_secret_in_any_output(project, local_s3, fmt):
    local_s3.proxy.fault("signature")
    settings = f'AWS_SESSION_TOKEN = "{CANARY_TOKEN}"\n'
    run = diagnose(project, local_s3, settings, "-v", "2", fmt=fmt,
                   env={"TEST_S3_SECRET_ACCESS_KEY": CANARY_SECRET})
    assert run.returncode == 1
    assert "s3.E040" in run.stdout or fmt == "sarif"  # (SARIF: static findings only)
    for canary in (CANARY_SECRET, CANARY_TOKEN, CANARY_SECRET[:20], CANARY_TOKEN[-20:]):
        assert canary not in run.output
