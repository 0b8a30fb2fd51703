"""s3.config: real Django projects whose STORAGES and model fields Django builds into
django-storages S3Storage instances, diagnosed by the real command (static: no request is
made; endpoints of other providers are only names here)."""
from __future__ import annotations

import re
from textwrap import dedent

import pytest

from conftest import base_env, by_code, core_python, evidence, run_cli, run_manage
from test_lowest import LOWEST_PYTHON

LOCAL = "http://127.0.0.1:9"  # an S3-compatible endpoint nothing listens on
R2 = "https://0123abcd.r2.cloudflarestorage.com"
# Canary credentials (AWS's documented example shapes, changed): never in any output.
KEY_ID = "AKIAIOSFODNN7CANARY1"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYCANARYSEC1"
WHEN_REQUIRED = """
from botocore.config import Config
AWS_S3_CLIENT_CONFIG = Config(request_checksum_calculation="when_required",
                              response_checksum_validation="when_required")
"""


def s3_env(tmp_path, **extra) -> dict:
    """No AWS variable of this machine, no shared files of its user, no instance
    metadata: only what a test sets."""
    env = {k: v for k, v in base_env().items() if not k.startswith("AWS_")}
    env.update(AWS_EC2_METADATA_DISABLED="true",
               AWS_CONFIG_FILE=str(tmp_path / "aws-config"),
               AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "aws-credentials"))
    return env | {k: str(v) for k, v in extra.items()}


def diagnose(root, tmp_path, *args, env=None, python=None):
    run = run_cli("--settings", "testsite.settings", "--project-dir", root, "s3.config",
                  "--offline", *(args or ("--format", "json")), cwd=root,
                  env=env or s3_env(tmp_path), python=python)
    return run


def s3_check(root, tmp_path, **kwargs) -> tuple[int, dict]:
    run = diagnose(root, tmp_path, **kwargs)
    report = run.report()
    [check] = report["checks"]
    return run.returncode, check


def pinned(check) -> list[tuple]:
    """(code, level, location) of each problem (the info summaries left out)."""
    return [(f["code"], f["level"], f["location"] and
             f"{f['location']['path']}:{f['location']['line']}")
            for f in check["findings"] if f["level"] != "info"]


def line(root, text: str, module="testsite/settings.py") -> str:
    """`module:line` of the first line holding `text` (in settings, after STORAGES)."""
    lines = (root / module).read_text().splitlines()
    first = next((i for i, x in enumerate(lines) if x.startswith("STORAGES")), 0)
    return f"{module}:{next(i for i, x in enumerate(lines, 1) if text in x and i > first)}"


def summary(check, name) -> dict:
    found = next(f for f in check["findings"]
                 if f["code"] == "s3.I001" and f"storage {name!r}" in f["message"])
    blocks = evidence(check, found)
    return dict(blocks[0]["items"]) | {"credentials": blocks[1]["rows"]}


def test_a_correct_configuration_passes_and_is_listed(project, tmp_path):
    root = project(dedent(f"""
        INSTALLED_APPS += ["photos"]
        STORAGES = {{
            "default": {{"BACKEND": "storages.backends.s3.S3Storage",
                        "OPTIONS": {{"location": "media", "file_overwrite": False}}}},
            "staticfiles": {{"BACKEND": "storages.backends.s3.S3StaticStorage",
                            "OPTIONS": {{"location": "static"}}}},
        }}
        AWS_STORAGE_BUCKET_NAME = "photos"
        AWS_S3_ENDPOINT_URL = "{LOCAL}"
        AWS_S3_REGION_NAME = "us-east-1"
        AWS_ACCESS_KEY_ID = "test-key-id"
        AWS_SECRET_ACCESS_KEY = "test-secret-key"
    """) + WHEN_REQUIRED, {"photos/__init__.py": "", "photos/models.py": """
        from django.db import models
        from storages.backends.s3 import S3Storage


        class Photo(models.Model):
            scan = models.FileField(storage=S3Storage(location="scans", file_overwrite=False))

            class Meta:
                app_label = "photos"
    """})
    status, check = s3_check(root, tmp_path)
    assert (status, check["status"], pinned(check)) == (0, "pass", [])
    assert [f["message"] for f in check["findings"]] == [
        "S3 storage 'default': bucket 'photos' on an S3-compatible service at 127.0.0.1 "
        "(MinIO or another)",
        "S3 storage 'staticfiles': bucket 'photos' on an S3-compatible service at 127.0.0.1 "
        "(MinIO or another)",
        "S3 storage 'photos.Photo.scan': bucket 'photos' on an S3-compatible service at "
        "127.0.0.1 (MinIO or another)"]
    default, declared = summary(check, "default"), line(root, '"default"')
    assert {k: default[k] for k in ("declared by", "backend", "bucket", "region", "endpoint",
                                    "location", "custom domain", "signing", "ACL sent",
                                    "file overwrite", "signed URLs", "identity from")} == {
        "declared by": f"STORAGES['default'] ({declared})",
        "backend": "storages.backends.s3.S3Storage", "bucket": "photos",
        "region": "us-east-1", "endpoint": LOCAL, "location": "media",
        "custom domain": "(none)", "signing": "s3v4 (default)",
        "ACL sent": "(none: the bucket's default)", "file overwrite": "False",
        "signed URLs": "yes, expire after 3600 s", "identity from": "settings.AWS_ACCESS_KEY_ID"}
    assert [row[:2] for row in default["credentials"]] == [
        ["access key id", "settings.AWS_ACCESS_KEY_ID"],
        ["secret access key", "settings.AWS_SECRET_ACCESS_KEY"]]
    assert all(row[2].startswith("«redacted") for row in default["credentials"])
    scan = summary(check, "photos.Photo.scan")
    assert (scan["declared by"], scan["location"]) == (
        "storage= of photos.Photo.scan (photos/models.py:6)", "scans")


def test_r2_with_an_acl_and_default_checksums_and_shared_settings(project, tmp_path):
    root = project(f"""
        STORAGES = {{
            "default": {{"BACKEND": "storages.backends.s3.S3Storage",
                        "OPTIONS": {{"default_acl": "public-read"}}}},
            "staticfiles": {{"BACKEND": "storages.backends.s3.S3Storage"}},
        }}
        AWS_STORAGE_BUCKET_NAME = "photos"
        AWS_S3_ENDPOINT_URL = "{R2}"
        AWS_ACCESS_KEY_ID = " 0123456789abcdef0123456789abcdef"
        AWS_SECRET_ACCESS_KEY = "{SECRET}"
        AWS_S3_CUSTOM_DOMAIN = "https://images.example.com/"
    """)
    status, check = s3_check(root, tmp_path)
    settings = line(root, "AWS_S3_ENDPOINT_URL")
    assert (status, check["status"]) == (1, "fail")
    assert pinned(check) == [
        ("s3.E003", "error", line(root, "AWS_ACCESS_KEY_ID")),
        ("s3.E006", "error", settings),
        ("s3.E007", "error", line(root, '"default_acl"')),
        ("s3.W002", "warning", None),
        ("s3.E008", "error", line(root, "AWS_S3_CUSTOM_DOMAIN")),
        ("s3.W006", "warning", line(root, '"staticfiles"'))]
    found = by_code(check)
    # one finding for a setting both storages read, naming both
    assert found["s3.E003"]["message"] == (
        "The S3 access key id of 'default' and 'staticfiles' (settings.AWS_ACCESS_KEY_ID) "
        "has surrounding whitespace or quotes")
    assert found["s3.E006"]["message"].startswith(
        "botocore 1.")
    assert "computes checksums that Cloudflare R2 rejects ('default' and 'staticfiles', " \
        f"endpoint {R2}, settings.AWS_S3_ENDPOINT_URL): uploads fail with " \
        "XAmzContentSHA256Mismatch or SignatureDoesNotMatch" in found["s3.E006"]["message"]
    assert "NotImplemented" in found["s3.E007"]["message"]
    assert found["s3.E008"]["message"].endswith(
        "its URLs read https://https://images.example.com//photo.jpg")
    assert found["s3.W006"]["message"] == (
        "'default' (bucket root) and 'staticfiles' (bucket root) share bucket 'photos': one's "
        "files lie under the other's prefix")
    assert summary(check, "default")["provider"] == "Cloudflare R2"


@pytest.mark.parametrize("where, env", [
    ("client_config", {}),
    ("environment", {"AWS_REQUEST_CHECKSUM_CALCULATION": "when_required"}),
    ("shared config file", {}),
])
def test_checksums_when_required_from_any_source_silence_e006(project, tmp_path, where, env):
    root = project(dedent(f"""
        STORAGES = {{"default": {{"BACKEND": "storages.backends.s3.S3Storage",
                                "OPTIONS": {{"file_overwrite": False}}}}}}
        AWS_STORAGE_BUCKET_NAME = "photos"
        AWS_S3_ENDPOINT_URL = "{LOCAL}"
    """) + (WHEN_REQUIRED if where == "client_config" else ""))
    if where == "shared config file":
        (tmp_path / "aws-config").write_text(
            "[default]\nresponse_checksum_validation = when_required\n")
    status, check = s3_check(root, tmp_path, env=s3_env(tmp_path, **env))
    assert (status, check["status"], pinned(check)) == (0, "pass", [])


def test_aws_credentials_acl_expiry_region_and_signature(project, tmp_path):
    root = project(f"""
        STORAGES = {{
            "default": {{"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {{
                "access_key": "{SECRET}", "secret_key": "{KEY_ID}",
                "region_name": "us-east-1",
                "endpoint_url": "https://s3.eu-west-1.amazonaws.com"}}}},
            "avatars": {{"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {{
                "access_key": "my-access-key", "secret_key": "short",
                "security_token": "canary-session-token-0042",
                "region_name": "eu-central-1", "signature_version": "s3",
                "location": "avatars", "file_overwrite": False}}}},
            "staticfiles": {{"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {{
                "access_key": "{KEY_ID}", "secret_key": "{SECRET}",
                "security_token": "canary-session-token-0043",
                "signature_version": "s3", "location": "static",
                "querystring_auth": True, "custom_domain": "cdn.example.com"}}}},
        }}
        AWS_STORAGE_BUCKET_NAME = "photos"
        AWS_DEFAULT_ACL = "public-read"
        CACHES = {{"default": {{
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "TIMEOUT": None}}}}
    """)
    status, check = s3_check(root, tmp_path)
    acl = line(root, "AWS_DEFAULT_ACL")
    assert pinned(check) == [
        ("s3.E002", "error", line(root, '"access_key"')),
        ("s3.W001", "warning", acl),
        ("s3.W002", "warning", None),
        ("s3.W003", "warning", line(root, '"TIMEOUT": None')),
        ("s3.E009", "error", line(root, '"region_name": "us-east-1"')),
        ("s3.E001", "error", line(root, '"access_key": "my-access-key"')),
        ("s3.E001", "error", line(root, '"access_key": "my-access-key"')),
        ("s3.E010", "error", line(root, '"region_name": "eu-central-1"')),
        ("s3.E004", "error", line(root, '"security_token": "canary-session-token-0043"')),
        ("s3.W004", "warning", line(root, '"querystring_auth"')),
        ("s3.W005", "warning", line(root, '"signature_version": "s3", "location": "static"'))]
    assert (status, check["status"]) == (1, "fail")
    messages = [f["message"] for f in check["findings"] if f["level"] != "info"]
    assert messages == [
        "The AWS access key id and secret key of 'default' are swapped",
        "ACL 'public-read' (settings.AWS_DEFAULT_ACL) of 'default', 'avatars' and "
        "'staticfiles': AWS buckets created since April 2023 have ACLs disabled and answer "
        "AccessControlListNotSupported",
        "Same-named uploads to 'default' overwrite each other (file_overwrite True, "
        "django-storages' default): two uploads named photo.jpg keep only the second",
        "Signed URLs of 'default' and 'avatars' expire after 3600 s (django-storages' "
        "default) but the default cache keeps entries forever (CACHES['default']['TIMEOUT']): "
        "a cached page shows blank images once its URLs expire",
        "Requests of 'default' are signed for region 'us-east-1' "
        "(STORAGES['default']['OPTIONS']['region_name']) but its endpoint "
        "https://s3.eu-west-1.amazonaws.com is in 'eu-west-1'",
        "The AWS access key id of 'avatars' (STORAGES['avatars']['OPTIONS']['access_key']) "
        "is not AKIA or ASIA and 16 upper-case letters or digits",
        "The AWS secret access key of 'avatars' (STORAGES['avatars']['OPTIONS']['secret_key']) "
        "is not 40 characters of base64",
        "Signature Version 2 (STORAGES['avatars']['OPTIONS']['signature_version']) for "
        "'avatars' in eu-central-1, which accepts only version 4",
        "A session token with a long-term key id (AKIA...) for 'staticfiles' "
        "(STORAGES['staticfiles']['OPTIONS']['security_token'])",
        "Signed URLs are asked for (STORAGES['staticfiles']['OPTIONS']['querystring_auth']) "
        "but 'staticfiles' builds unsigned ones on its custom domain 'cdn.example.com': a "
        "private bucket answers 403 and images are blank",
        "Signature Version 2 (STORAGES['staticfiles']['OPTIONS']['signature_version']) for "
        "'staticfiles': AWS buckets created since June 24, 2020 reject it"]
    text = diagnose(root, tmp_path, "--format", "text", "-v", "2").stdout
    assert "canary-session-token" not in text and SECRET not in text and KEY_ID not in text


def test_where_boto3_finds_the_credentials(project, tmp_path):
    settings = """
        STORAGES = {"default": {"BACKEND": "storages.backends.s3.S3Storage",
                                "OPTIONS": {"file_overwrite": False}}}
        AWS_STORAGE_BUCKET_NAME = "photos"
        AWS_S3_REGION_NAME = "eu-west-1"
    """
    root = project(settings)

    def source(**env):
        return summary(s3_check(root, tmp_path, env=s3_env(tmp_path, **env))[1],
                       "default")["identity from"]

    assert source() == "none found: boto3 would try the instance profile (EC2 instance " \
        "metadata)"
    assert source(AWS_ACCESS_KEY_ID=KEY_ID, AWS_SECRET_ACCESS_KEY=SECRET) == \
        "environment AWS_ACCESS_KEY_ID"
    assert source(AWS_CONTAINER_CREDENTIALS_RELATIVE_URI="/v2/credentials/x") == \
        "the container's role (AWS_CONTAINER_CREDENTIALS_*: ECS or EKS)"
    (tmp_path / "aws-credentials").write_text(
        f"[uploads]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n")
    assert source(AWS_PROFILE="uploads") == \
        "the shared credentials/config files, profile 'uploads'"
    root = project(dedent(settings) + 'AWS_S3_SESSION_PROFILE = "missing"\n')
    assert source() == "the shared credentials/config files, profile 'missing' (NOT FOUND there)"


def test_a_storage_django_cannot_build_is_an_error(project, tmp_path):
    root = project("""
        STORAGES = {"default": {"BACKEND": "storages.backends.s3.S3Storage",
                                "OPTIONS": {"bucket_name": "photos", "location": "/media"}}}
    """)
    status, check = s3_check(root, tmp_path)
    assert (status, pinned(check)) == (1, [("s3.E005", "error", line(root, '"default"'))])
    assert check["findings"][0]["message"] == (
        "STORAGES['default'] (storages.backends.s3.S3Storage) cannot be built: "
        "ImproperlyConfigured: S3Storage.location cannot begin with a leading slash. Found "
        "'/media'. Use 'media' instead.")


def test_without_an_s3_storage_the_check_is_skipped(project, tmp_path):
    status, check = s3_check(project(), tmp_path)
    assert (status, check["status"], check["findings"]) == (0, "skipped", [])
    assert check["skipped_reason"] == (
        "not applicable: no storage of the project is django-storages' S3Storage (looked at 2: "
        "STORAGES and storage= on model fields)")
    assert check["enable_with"] == "an S3Storage in STORAGES or on a model field"


def test_without_the_s3_extra_the_check_is_skipped_with_the_install(project, tmp_path):
    root = project("""
        STORAGES = {"default": {"BACKEND": "storages.backends.s3.S3Storage"}}
    """)
    status, check = s3_check(root, tmp_path, python=core_python(tmp_path / "venv"))
    assert (status, check["status"], check["findings"]) == (0, "skipped", [])
    assert check["skipped_reason"] == ("django-storages and boto3 are not installed "
                                       "(STORAGES['default'] uses "
                                       "storages.backends.s3.S3Storage)")
    assert check["enable_with"] == 'pip install "django-upload-diagnostics[s3]"'


def test_canary_secrets_appear_in_no_format(project, tmp_path):
    """Secrets from OPTIONS, settings, the environment and the shared credentials file."""
    token, file_secret = "canary-session-token-7781", "canaryFILEsecret0000000000000000000000000"
    root = project(f"""
        STORAGES = {{"default": {{"BACKEND": "storages.backends.s3.S3Storage",
                                "OPTIONS": {{"secret_key": " {SECRET}",
                                            "security_token": "{token}"}}}},
                    "media": {{"BACKEND": "storages.backends.s3.S3Storage",
                              "OPTIONS": {{"session_profile": "uploads"}}}}}}
        AWS_STORAGE_BUCKET_NAME = "photos"
        AWS_S3_ENDPOINT_URL = "{R2}"
    """)
    (tmp_path / "aws-credentials").write_text(
        f"[uploads]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {file_secret}\n")
    env = s3_env(tmp_path, AWS_ACCESS_KEY_ID=KEY_ID)
    for fmt in ("text", "json", "md", "html"):
        run = diagnose(root, tmp_path, "--format", fmt, "-v", "2", env=env)
        assert run.returncode == 1, run.output
        assert "s3.E003" in run.stdout and "s3.E006" in run.stdout
        for canary in (SECRET, token, file_secret, KEY_ID):
            assert canary not in run.output, (fmt, canary)


def test_manage_py_runs_the_check(project, tmp_path):
    root = project(f"""
        STORAGES = {{"default": {{"BACKEND": "storages.backends.s3.S3Storage"}}}}
        AWS_STORAGE_BUCKET_NAME = "photos"
        AWS_S3_ENDPOINT_URL = "{LOCAL}"
    """)
    run = run_manage(root, "s3.config", "--offline", "--format", "json", env=s3_env(tmp_path))
    [check] = run.report()["checks"]
    assert pinned(check) == [("s3.E006", "error", line(root, "AWS_S3_ENDPOINT_URL")),
                             ("s3.W002", "warning", None)]
    assert re.search(r"an S3-compatible service at 127\.0\.0\.1", check["findings"][0]["message"])


def test_a_project_subclass_and_its_class_attributes(project, tmp_path):
    """django-storages takes a subclass's class attributes over the settings."""
    root = project("""
        STORAGES = {"default": {"BACKEND": "media.storage.MediaStorage"}}
        AWS_STORAGE_BUCKET_NAME = "photos"
        AWS_S3_FILE_OVERWRITE = False
        AWS_S3_REGION_NAME = "eu-west-1"
    """, {"media/__init__.py": "", "media/storage.py": """
        from storages.backends.s3 import S3Storage


        class MediaStorage(S3Storage):
            location = "media"
            file_overwrite = True
    """})
    status, check = s3_check(root, tmp_path)
    assert (status, pinned(check)) == (0, [("s3.W002", "warning", "media/storage.py:6")])
    assert check["findings"][1]["message"].startswith(
        "Same-named uploads to 'default' overwrite each other (file_overwrite True, "
        "media.storage.MediaStorage.file_overwrite)")
    assert summary(check, "default")["backend"] == "media.storage.MediaStorage"


@pytest.mark.parametrize("acl, found", [("public-read", True), ("private", False)])
def test_an_acl_in_the_object_parameters_counts_too(project, tmp_path, acl, found):
    """R2 answers NotImplemented to x-amz-acl other than private."""
    root = project(dedent(f"""
        STORAGES = {{"default": {{"BACKEND": "storages.backends.s3.S3Storage",
                                "OPTIONS": {{"file_overwrite": False}}}}}}
        AWS_STORAGE_BUCKET_NAME = "photos"
        AWS_S3_ENDPOINT_URL = "{R2}"
        AWS_S3_OBJECT_PARAMETERS = {{"ACL": "{acl}", "CacheControl": "max-age=86400"}}
    """) + WHEN_REQUIRED)
    status, check = s3_check(root, tmp_path)
    expected = [("s3.E007", "error", line(root, "AWS_S3_OBJECT_PARAMETERS"))] if found else []
    assert (status, pinned(check)) == (int(found), expected)


def test_the_lowest_declared_versions(project, tmp_path):
    """Django 4.2's DEFAULT_FILE_STORAGE, django-storages 1.14.0 (its Config was `config`,
    its backend also S3Boto3Storage) and botocore 1.31, which sends no checksums."""
    root = project(f"""
        DEFAULT_FILE_STORAGE = "storages.backends.s3boto3.S3Boto3Storage"
        AWS_STORAGE_BUCKET_NAME = "photos"
        AWS_S3_ENDPOINT_URL = "{R2}"
        AWS_DEFAULT_ACL = "public-read"
    """)
    status, check = s3_check(root, tmp_path, python=LOWEST_PYTHON)
    assert (status, pinned(check)) == (1, [
        ("s3.E007", "error", line(root, "AWS_DEFAULT_ACL")),
        ("s3.W002", "warning", None)])
    default = summary(check, "default")
    assert (default["declared by"], default["signing"]) == (
        f"DEFAULT_FILE_STORAGE ({line(root, 'DEFAULT_FILE_STORAGE')})", "s3v4 (default)")
