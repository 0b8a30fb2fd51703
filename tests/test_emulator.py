"""The ImageKit emulator speaks the documented API, with faults on demand."""
from __future__ import annotations

import base64
import http.client
import json
import socket
import sys
import time
import urllib.error
import urllib.request

import pytest

from conftest import REPO

sys.path.insert(0, str(REPO / "examples"))
from imagekit_emulator import ImageKitEmulator, make_keys  # noqa: E402


def call(emu, method, path, key=None, body=None, ctype=None, password="ignored"):
    headers = {}
    if key is not None:
        token = base64.b64encode(f"{key}:{password}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    if ctype:
        headers["Content-Type"] = ctype
    request = urllib.request.Request(emu.url + path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def multipart(fields: dict, data: bytes) -> tuple[bytes, str]:
    boundary = "----emulatortest"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
             .encode() for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                 f'filename="a.png"\r\nContent-Type: image/png\r\n\r\n'.encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), \
        f"multipart/form-data; boundary={boundary}"


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x08\x00\x00\x00\x06" + b"\x00" * 20)


@pytest.fixture
def emu():
    with ImageKitEmulator(stall_s=30) as emulator:
        yield emulator


def test_keys_are_shaped_like_imagekits():
    private, public = make_keys()
    assert private.startswith("private_") and public.startswith("public_")
    assert len(base64.b64decode(private[8:], validate=True)) == 20


def test_authentication_only_the_user_name_counts(emu):
    status, _, body = call(emu, "GET", "/v1/files?limit=1")
    assert status == 401
    assert json.loads(body)["message"] == "Your request does not contain private API key."
    status, _, body = call(emu, "GET", "/v1/files?limit=1", key="private_wrong")
    assert status == 403 and json.loads(body)["message"] == "Your account cannot be authenticated."
    status, _, body = call(emu, "GET", "/v1/files?limit=1", key=emu.private_key,
                           password="do_not_set")
    assert status == 200 and json.loads(body) == []
    assert [r.status for r in emu.requests] == [401, 403, 200]
    assert emu.requests[-1].auth_user == emu.private_key and emu.requests[-1].query == {
        "limit": ["1"]}


def test_upload_details_serve_and_delete(emu):
    body, ctype = multipart({"fileName": "cat.png", "folder": "/pets",
                             "useUniqueFileName": "false", "tags": "a,b"}, PNG)
    status, _, answer = call(emu, "POST", "/api/v1/files/upload", emu.private_key, body, ctype)
    assert status == 200
    uploaded = json.loads(answer)
    assert uploaded["filePath"] == "/pets/cat.png" and uploaded["size"] == len(PNG)
    assert (uploaded["width"], uploaded["height"]) == (8, 6) and uploaded["tags"] == ["a", "b"]
    assert {"versionInfo", "AITags", "fileId", "url", "thumbnailUrl"} <= set(uploaded)
    assert emu.requests[-1].fields["file"] == len(PNG)
    status, _, served = call(emu, "GET", uploaded["url"][len(emu.url):])
    assert status == 200 and served == PNG
    status, _, details = call(emu, "GET", f"/v1/files/{uploaded['fileId']}/details",
                              emu.private_key)
    assert json.loads(details)["filePath"] == "/pets/cat.png"
    status, headers, empty = call(emu, "DELETE", f"/v1/files/{uploaded['fileId']}",
                                  emu.private_key)
    assert status == 204 and empty == b"" and emu.files == {}
    status, _, _ = call(emu, "GET", f"/v1/files/{uploaded['fileId']}/details", emu.private_key)
    assert status == 404


def test_unique_file_names_by_default_and_empty_file_rejected(emu):
    body, ctype = multipart({"fileName": "cat.png"}, PNG)
    _, _, answer = call(emu, "POST", "/api/v1/files/upload", emu.private_key, body, ctype)
    assert json.loads(answer)["name"] != "cat.png"
    body, ctype = multipart({"fileName": "cat.png"}, b"")
    status, _, answer = call(emu, "POST", "/api/v1/files/upload", emu.private_key, body, ctype)
    assert status == 400
    assert json.loads(answer)["message"] == "Your request is missing file parameter."


@pytest.mark.parametrize("fault, status, ctype", [
    ("rate_limit", 429, "application/json"), ("server_error", 500, "application/json"),
    ("bad_gateway", 502, "text/html"), ("not_json", 200, "text/html"),
    ("empty_file", 400, "application/json")])
def test_answering_faults(emu, fault, status, ctype):
    emu.inject(fault, times=2)
    for _ in range(2):
        got, headers, body = call(emu, "GET", "/v1/files?limit=1", emu.private_key)
        assert got == status and headers["Content-Type"] == ctype
    if fault == "rate_limit":
        assert headers["X-RateLimit-Limit"] and headers["X-RateLimit-Reset"]
    if fault == "not_json":
        with pytest.raises(ValueError):
            json.loads(body)
    assert call(emu, "GET", "/v1/files?limit=1", emu.private_key)[0] == 200  # used up


def test_faults_can_target_a_path(emu):
    emu.inject("server_error", path="/v1/files/")
    assert call(emu, "GET", "/v1/files?limit=1", emu.private_key)[0] == 200
    assert call(emu, "DELETE", "/v1/files/nope", emu.private_key)[0] == 500


def test_drop_closes_without_an_answer(emu):
    emu.inject("drop")
    connection = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=5)
    connection.request("GET", "/v1/files")
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        connection.getresponse()


def test_stall_outlasts_a_timeout_and_stop_releases_it():
    emu = ImageKitEmulator(stall_s=60).start()
    emu.inject("stall")
    connection = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=0.5)
    connection.request("GET", "/v1/files")
    with pytest.raises(TimeoutError):
        connection.getresponse()
    started = time.perf_counter()
    emu.stop()
    assert time.perf_counter() - started < 5
    with socket.socket() as sock:  # stopped: nothing listens on the port any more
        assert sock.connect_ex(("127.0.0.1", connection.port)) != 0


def test_unknown_fault_is_refused(emu):
    with pytest.raises(ValueError, match="unknown fault"):
        emu.inject("meteor")
