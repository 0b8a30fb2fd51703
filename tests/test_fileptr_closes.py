"""fileptr's "closes": which calls really close an upload, shown with the real boto3 over
moto's S3 (tests/s3_local.py), and the real command on a Django project that uses an
upload after upload_fileobj, whose view fails the same way when it runs."""
from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from boto3.s3.transfer import TransferConfig

from conftest import base_env, evidence, run_manage, write_files
from s3_local import S3_SETTINGS

MIB = 1024 * 1024


def resource(local_s3):
    import boto3

    return boto3.resource("s3", endpoint_url=local_s3.upstream, region_name="us-east-1",
                          aws_access_key_id=local_s3.access_key,
                          aws_secret_access_key=local_s3.secret_key)


# What the analysis takes to close (fileptr/vocab.py CLOSERS) and what it does not.
CALLS = {
    "client.upload_fileobj": (lambda s3, f: s3.client().upload_fileobj(f, s3.bucket, "k"), True),
    "Bucket.upload_fileobj": (
        lambda s3, f: resource(s3).Bucket(s3.bucket).upload_fileobj(f, "k"), True),
    "Object.upload_fileobj(Fileobj=)": (
        lambda s3, f: resource(s3).Object(s3.bucket, "k").upload_fileobj(Fileobj=f), True),
    "put_object(Body=)": (
        lambda s3, f: s3.client().put_object(Bucket=s3.bucket, Key="k", Body=f), False),
    # above the multipart threshold s3transfer uploads copies of the parts
    "upload_fileobj in parts": (lambda s3, f: s3.client().upload_fileobj(
        f, s3.bucket, "k", Config=TransferConfig(multipart_threshold=5 * MIB)), False),
}


@pytest.mark.parametrize("call", list(CALLS))
def test_which_real_boto3_calls_close_the_file_they_upload(local_s3, call):
    upload, closes = CALLS[call]
    size = 6 * MIB if call.endswith("in parts") else 4096
    data = b"\xff\xd8" + b"x" * size
    fileobj = io.BytesIO(data)
    upload(local_s3, fileobj)
    assert fileobj.closed is closes
    stored = local_s3.client().get_object(Bucket=local_s3.bucket, Key="k")["Body"].read()
    assert stored == data


VIEWS = """
    import io

    import boto3
    from django.conf import settings
    from django.core.files.storage import default_storage
    from django.http import JsonResponse


    def bucket():
        return boto3.client("s3", endpoint_url=settings.AWS_S3_ENDPOINT_URL,
                            region_name=settings.AWS_S3_REGION_NAME,
                            aws_access_key_id=settings.AWS_ACCESS_KEY_ID,
                            aws_secret_access_key=settings.AWS_SECRET_ACCESS_KEY)


    def mirror_then_store(request):
        upload = request.FILES["photo"]
        bucket().upload_fileobj(upload, settings.AWS_STORAGE_BUCKET_NAME, "mirror/a.jpg")
        name = default_storage.save("photos/a.jpg", upload)
        return JsonResponse({"name": name})


    def mirror_a_copy_then_store(request):
        upload = request.FILES["photo"]
        data = upload.read()
        bucket().upload_fileobj(io.BytesIO(data), settings.AWS_STORAGE_BUCKET_NAME,
                                "mirror/b.jpg")
        upload.seek(0)
        name = default_storage.save("photos/b.jpg", upload)
        return JsonResponse({"name": name})
"""
URLS = """
    from django.urls import path

    from . import views

    urlpatterns = [path("a/", views.mirror_then_store),
                   path("b/", views.mirror_a_copy_then_store)]
"""
# Posts a photo to each view through Django's test client; prints what each answered.
PROBE = """
    import json, os
    os.environ["DJANGO_SETTINGS_MODULE"] = "testsite.settings"
    import django
    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    answers = {}
    for path in ("/a/", "/b/"):
        photo = SimpleUploadedFile("p.jpg", b"\\xff\\xd8" + b"x" * 4096, "image/jpeg")
        try:
            answers[path] = Client().post(path, {"photo": photo}).json()
        except ValueError as exc:
            answers[path] = f"ValueError: {exc}"
    print(json.dumps(answers))
"""


def test_the_command_finds_the_upload_used_after_upload_fileobj(project, local_s3, tmp_path):
    settings = S3_SETTINGS + 'ROOT_URLCONF = "shop.urls"\nALLOWED_HOSTS = ["testserver"]\n'
    root = project(settings, {"shop/__init__.py": "", "shop/views.py": VIEWS,
                              "shop/urls.py": URLS})
    env = base_env(**local_s3.environ())
    run = run_manage(root, "fileptr", "--format", "json", env=env)
    check = next(c for c in run.report()["checks"] if c["id"] == "fileptr.reuse")
    assert check["status"] == "fail"
    [finding] = check["findings"]
    lines = (root / "shop/views.py").read_text().splitlines()
    closing = lines.index('    bucket().upload_fileobj(upload, settings.AWS_STORAGE_BUCKET_NAME, '
                          '"mirror/a.jpg")') + 1
    assert (finding["code"], finding["level"], finding["location"]) == (
        "fileptr.E005", "error", {"path": "shop/views.py", "line": closing + 1})
    where = dict(evidence(check, finding)[0]["items"])
    assert (where["value"], where["closed at line"], where["closed by"]) == (
        "upload", closing, "bucket().upload_fileobj(...)")
    assert [e["title"] for e in evidence(check, finding) if e["type"] == "code"] == [
        f"here (line {closing + 1}); closed (line {closing})"]
    assert "io.BytesIO(data)" in finding["hint"]

    # Run, the flagged view fails as the finding says; the copy is stored whole.
    write_files(tmp_path, {"probe.py": PROBE})
    probe = subprocess.run([sys.executable, str(tmp_path / "probe.py")], cwd=root,
                           env=base_env(PYTHONPATH=root, **local_s3.environ()),
                           capture_output=True, text=True, timeout=120)
    assert probe.returncode == 0, probe.stderr
    assert json.loads(probe.stdout) == {"/a/": "ValueError: I/O operation on closed file.",
                                        "/b/": {"name": "photos/b.jpg"}}
    assert sorted(local_s3.keys()) == ["mirror/a.jpg", "mirror/b.jpg", "photos/b.jpg"]
    size = local_s3.client().head_object(Bucket=local_s3.bucket, Key="photos/b.jpg")
    assert size["ContentLength"] == 4098
