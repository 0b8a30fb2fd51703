"""The local S3: real boto3 through examples/s3_proxy.py to moto's S3 server; each fault
answers what the provider answers, and only the requests it applies to."""
from __future__ import annotations

import datetime as dt
import time

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError

FAST = {"retries": {"total_max_attempts": 1}, "connect_timeout": 2, "read_timeout": 2}


def client(local_s3, **config):
    return local_s3.client(local_s3.url, **{**FAST, **config})


def error(call, *args, **kwargs) -> dict:
    with pytest.raises(ClientError) as caught:
        call(*args, **kwargs)
    return caught.value.response


def test_without_a_fault_requests_pass_unchanged(local_s3):
    s3 = client(local_s3)
    s3.put_object(Bucket=local_s3.bucket, Key="media/a.txt", Body=b"hello")
    assert s3.get_object(Bucket=local_s3.bucket, Key="media/a.txt")["Body"].read() == b"hello"
    assert s3.head_object(Bucket=local_s3.bucket, Key="media/a.txt")["ContentLength"] == 5
    assert local_s3.keys() == ["media/a.txt"]
    assert local_s3.proxy.operations() == ["PutObject", "GetObject", "HeadObject"]
    assert [r.status for r in local_s3.proxy.requests] == [200, 200, 200]


def test_an_acl_on_a_bucket_without_acls_is_refused_and_others_pass(local_s3):
    local_s3.proxy.fault("acl_disabled")
    s3 = client(local_s3)
    answer = error(s3.put_object, Bucket=local_s3.bucket, Key="a", Body=b"x",
                   ACL="public-read")
    assert (answer["Error"]["Code"], answer["ResponseMetadata"]["HTTPStatusCode"]) == \
        ("AccessControlListNotSupported", 400)
    assert answer["Error"]["Message"] == "The bucket does not allow ACLs"
    s3.put_object(Bucket=local_s3.bucket, Key="b", Body=b"x")
    assert local_s3.keys() == ["b"]


def test_r2_does_not_implement_acl_headers(local_s3):
    local_s3.proxy.fault("acl_not_implemented")
    answer = error(client(local_s3).put_object, Bucket=local_s3.bucket, Key="a", Body=b"x",
                   ACL="public-read")
    assert (answer["Error"]["Code"], answer["ResponseMetadata"]["HTTPStatusCode"]) == \
        ("NotImplemented", 501)
    assert answer["Error"]["Message"] == \
        "Header 'x-amz-acl' with value 'public-read' not implemented"


@pytest.mark.parametrize("fault,code,status", [
    ("checksum_mismatch", "XAmzContentSHA256Mismatch", 400),
    ("checksum_signature", "SignatureDoesNotMatch", 403)])
def test_default_checksums_are_refused_and_when_required_passes(local_s3, fault, code, status):
    local_s3.proxy.fault(fault)
    answer = error(client(local_s3).put_object, Bucket=local_s3.bucket, Key="a", Body=b"x")
    assert (answer["Error"]["Code"], answer["ResponseMetadata"]["HTTPStatusCode"]) == \
        (code, status)
    client(local_s3, request_checksum_calculation="when_required").put_object(
        Bucket=local_s3.bucket, Key="b", Body=b"x")
    assert local_s3.keys() == ["b"]


def test_access_denied_on_chosen_operations_only(local_s3):
    local_s3.proxy.fault("access_denied", operations={"GetObject", "HeadObject"})
    s3 = client(local_s3)
    s3.put_object(Bucket=local_s3.bucket, Key="a", Body=b"x")
    answer = error(s3.get_object, Bucket=local_s3.bucket, Key="a")
    assert (answer["Error"]["Code"], answer["Error"]["Message"]) == ("AccessDenied",
                                                                     "Access Denied")
    answer = error(s3.head_object, Bucket=local_s3.bucket, Key="a")
    assert answer["Error"]["Code"] == "403"  # a HEAD answer has no body to name it
    assert s3.list_objects_v2(Bucket=local_s3.bucket)["KeyCount"] == 1


def test_wrong_region_names_the_right_one(local_s3):
    local_s3.proxy.fault("wrong_region", region="eu-central-1")
    answer = error(client(local_s3).list_objects_v2, Bucket=local_s3.bucket)
    assert answer["Error"]["Code"] == "PermanentRedirect"
    assert answer["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "eu-central-1"
    assert answer["Error"]["Endpoint"] == f"{local_s3.bucket}.s3.eu-central-1.amazonaws.com"


def test_clock_skew_shows_both_times(local_s3):
    local_s3.proxy.fault("clock_skew", skew_s=7200)
    answer = error(client(local_s3).list_objects_v2, Bucket=local_s3.bucket)
    assert answer["Error"]["Code"] == "RequestTimeTooSkewed"
    request = dt.datetime.strptime(answer["Error"]["RequestTime"], "%Y%m%dT%H%M%SZ")
    server = dt.datetime.strptime(answer["Error"]["ServerTime"], "%Y-%m-%dT%H:%M:%SZ")
    assert 7190 <= (server - request).total_seconds() <= 7210


@pytest.mark.parametrize("fault,code,status", [
    ("invalid_key", "InvalidAccessKeyId", 403), ("signature", "SignatureDoesNotMatch", 403),
    ("no_such_bucket", "NoSuchBucket", 404)])
def test_provider_errors(local_s3, fault, code, status):
    local_s3.proxy.fault(fault)
    answer = error(client(local_s3).list_objects_v2, Bucket=local_s3.bucket)
    assert (answer["Error"]["Code"], answer["ResponseMetadata"]["HTTPStatusCode"]) == \
        (code, status)
    if fault == "invalid_key":
        assert answer["Error"]["AWSAccessKeyId"] == local_s3.access_key


def test_a_fault_for_a_number_of_requests(local_s3):
    local_s3.proxy.fault("no_such_bucket", times=1)
    s3 = client(local_s3)
    assert error(s3.list_objects_v2, Bucket=local_s3.bucket)["Error"]["Code"] == "NoSuchBucket"
    assert s3.list_objects_v2(Bucket=local_s3.bucket)["KeyCount"] == 0


def test_a_dropped_connection_after_the_body_leaves_the_object_stored(local_s3):
    local_s3.proxy.fault("drop", operations="PutObject")
    with pytest.raises(ConnectionClosedError):
        client(local_s3).put_object(Bucket=local_s3.bucket, Key="lost", Body=b"x")
    assert local_s3.keys() == ["lost"]


def test_slow_and_hung_answers(local_s3):
    local_s3.proxy.fault("slow", delay_s=0.5, times=1)
    started = time.monotonic()
    assert client(local_s3).list_objects_v2(Bucket=local_s3.bucket)["KeyCount"] == 0
    assert time.monotonic() - started >= 0.5
    local_s3.proxy.fault("hang", delay_s=10)
    with pytest.raises(ReadTimeoutError):
        client(local_s3, read_timeout=0.5).list_objects_v2(Bucket=local_s3.bucket)
