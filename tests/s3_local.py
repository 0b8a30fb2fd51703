"""The local S3 the tests speak real boto3 to: moto's S3 server on 127.0.0.1 (one per test
session) and, in front of it, examples/s3_proxy.py (one per test) to choose a fault.

    def test_x(local_s3, project):
        local_s3.proxy.fault("acl_disabled")      # faults: examples/s3_proxy.py
        env = local_s3.environ()                  # credentials, endpoint, no AWS metadata
        ... local_s3.keys()                       # what the bucket holds, read past the proxy

A project points django-storages at it with S3_SETTINGS (AWS_S3_ENDPOINT_URL from the
environment); the credentials are obviously test values.
"""
from __future__ import annotations

import sys
import uuid
from dataclasses import dataclass

import pytest

from conftest import REPO

sys.path.insert(0, str(REPO / "examples"))
from s3_proxy import S3Proxy  # noqa: E402

ACCESS_KEY = "AKIATESTLOCALS3ONLY0"
SECRET_KEY = "test-secret-key-for-the-local-s3-only-000"
REGION = "us-east-1"

# Settings for a project whose default storage is django-storages' S3Storage on the local S3.
S3_SETTINGS = """
import os
STORAGES = {"default": {"BACKEND": "storages.backends.s3.S3Storage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
AWS_STORAGE_BUCKET_NAME = os.environ["TEST_S3_BUCKET"]
AWS_S3_ENDPOINT_URL = os.environ["TEST_S3_ENDPOINT_URL"]
AWS_S3_REGION_NAME = "us-east-1"
AWS_ACCESS_KEY_ID = os.environ["TEST_S3_ACCESS_KEY_ID"]
AWS_SECRET_ACCESS_KEY = os.environ["TEST_S3_SECRET_ACCESS_KEY"]
"""


@dataclass
class LocalS3:
    upstream: str  # moto, for the test itself (past the proxy)
    proxy: S3Proxy
    bucket: str
    access_key: str = ACCESS_KEY
    secret_key: str = SECRET_KEY

    @property
    def url(self) -> str:
        """The endpoint a project uses: the proxy."""
        return self.proxy.url

    def client(self, endpoint: str | None = None, **config):
        """A boto3 client with the test credentials (to moto itself unless `endpoint`)."""
        import boto3
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=endpoint or self.upstream, region_name=REGION,
                            aws_access_key_id=self.access_key,
                            aws_secret_access_key=self.secret_key, config=Config(**config))

    def keys(self, prefix: str = "") -> list[str]:
        """Every key in the bucket (under `prefix`), read from moto past the proxy."""
        pages = self.client().get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix)
        return [item["Key"] for page in pages for item in page.get("Contents", ())]

    def environ(self, **extra) -> dict[str, str]:
        """Environment for a command run against this S3 (S3_SETTINGS reads it): no AWS
        profile, config file or instance metadata is consulted."""
        return {"TEST_S3_BUCKET": self.bucket, "TEST_S3_ENDPOINT_URL": self.url,
                "TEST_S3_ACCESS_KEY_ID": self.access_key,
                "TEST_S3_SECRET_ACCESS_KEY": self.secret_key,
                "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/dev/null",
                "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
                **{k: str(v) for k, v in extra.items()}}


@pytest.fixture(scope="session")
def moto_server():
    """moto's S3 server on 127.0.0.1, a free port; its URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def local_s3(moto_server):
    """A fresh bucket on moto and a proxy in front of it with no fault chosen."""
    with S3Proxy(moto_server, delay_s=20) as proxy:
        s3 = LocalS3(moto_server, proxy, f"test-{uuid.uuid4().hex[:12]}")
        s3.client().create_bucket(Bucket=s3.bucket)
        yield s3
