"""A local stand-in for ImageKit.io's API, for tests and the quick start.

It speaks the parts of the documented API that storages use, on 127.0.0.1:

    POST   /api/v1/files/upload       multipart upload, returns the upload JSON
    GET    /v1/files?limit=N          list files (the side-effect-free key check); with
                                      path=/folder, the files under it; skip=N pages
    GET    /v1/files/{id}/details     one file
    DELETE /v1/files/{id}             204, empty body
    GET    /{ENDPOINT_ID}/{path}      the stored bytes, at the file's `url`

Authentication is HTTP Basic with the private key as the user name (the password is
ignored: imagekitio 5.x sends one of its own). Faults are injected on demand:

    with ImageKitEmulator(private_key=..., public_key=...) as emu:
        emu.inject("rate_limit", times=1)
        ...                       # emu.url, emu.url_endpoint, emu.files, emu.requests

Point imagekitio 4.x at it with imagekitio.constants.url.URL.UPLOAD_BASE_URL and
API_BASE_URL, 5.x with ImageKit(base_url=emu.url) or IMAGE_KIT_BASE_URL.
"""
from __future__ import annotations

import base64
import datetime as dt
import email.parser
import email.policy
import json
import os
import secrets
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from local_server import LocalServer

ENDPOINT_ID = "emulator"
HELP = "For support kindly contact us at support@imagekit.io ."
NO_KEY = "Your request does not contain private API key."
WRONG_KEY = "Your account cannot be authenticated."
NO_FILE = "Your request is missing file parameter."
FAULTS = ("rate_limit", "server_error", "bad_gateway", "not_json", "stall", "drop",
          "empty_file", "lost_answer")


def make_keys() -> tuple[str, str]:
    """A (private, public) pair shaped like ImageKit's: prefix + base64 of 20 bytes."""
    def key(prefix):
        return prefix + base64.b64encode(secrets.token_bytes(20)).decode()
    return key("private_"), key("public_")


@dataclass
class Request:
    """One request the emulator received."""

    method: str
    path: str
    query: dict
    headers: dict
    auth_user: str | None
    fields: dict = field(default_factory=dict)  # multipart fields, file as its size
    status: int | None = None


@dataclass
class _Fault:
    kind: str
    times: int
    path: str | None  # only requests whose path starts with this


class ImageKitEmulator(LocalServer):
    """The emulator; `url` is the API base URL (the upload and management APIs live there)."""

    handler_attr, name = "emulator", "imagekit-emulator"

    def __init__(self, private_key: str | None = None, public_key: str | None = None,
                 stall_s: float = 60.0):
        super().__init__()
        generated = make_keys()
        self.private_key = private_key or generated[0]
        self.public_key = public_key or generated[1]
        self.stall_s = stall_s
        self.files: dict[str, dict] = {}  # file id -> upload JSON (+ "_bytes")
        self.requests: list[Request] = []
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()

    @property
    def url_endpoint(self) -> str:
        """The URL endpoint files are served from, like https://ik.imagekit.io/<id>."""
        return f"{self.url}/{ENDPOINT_ID}"

    def environ(self) -> dict[str, str]:
        """Environment variables that point a project and the toolkit at this emulator."""
        return {"IMAGEKIT_PRIVATE_KEY": self.private_key,
                "IMAGEKIT_PUBLIC_KEY": self.public_key,
                "IMAGEKIT_URL_ENDPOINT": self.url_endpoint,
                "UPLOAD_DIAGNOSTICS_IMAGEKIT_URL": self.url,
                "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}

    # -- faults ----------------------------------------------------------------------
    def inject(self, fault: str, times: int = 1, path: str | None = None) -> None:
        """Answer the next `times` requests (whose path starts with `path`) with `fault`:
        rate_limit (429), server_error (500), bad_gateway (HTML 502), not_json (200 with
        an HTML body), stall (no answer for stall_s), drop (connection closed without an
        answer), empty_file (400 missing file parameter), lost_answer (an upload is stored,
        then the connection is closed without an answer)."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r} (choose from {', '.join(FAULTS)})")
        with self._lock:
            self._faults.append(_Fault(fault, times, path))

    def _take_fault(self, path: str) -> str | None:
        with self._lock:
            for fault in self._faults:
                if fault.path is None or path.startswith(fault.path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                    return fault.kind
        return None

    def requests_to(self, method: str, path_prefix: str) -> list[Request]:
        return [r for r in self.requests if r.method == method and
                r.path.startswith(path_prefix)]

    # -- storage ---------------------------------------------------------------------
    def _store(self, data: bytes, fields: dict) -> dict:
        folder = "/" + (fields.get("folder") or "/").strip("/")
        name = fields.get("fileName") or "file"
        if fields.get("useUniqueFileName", "true") != "false":
            stem, dot, ext = name.rpartition(".")
            name = f"{stem or ext}_{secrets.token_hex(4)}{dot}{ext if stem else ''}"
        path = f"{folder.rstrip('/')}/{name}"
        file_id = uuid.uuid4().hex[:24]
        tags = [t for t in (fields.get("tags") or "").split(",") if t] or None
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")
        record = {
            "fileId": file_id, "name": name, "size": len(data), "filePath": path,
            "url": f"{self.url_endpoint}{path}", "thumbnailUrl":
                f"{self.url_endpoint}/tr:n-ik_ml_thumbnail{path}",
            "fileType": "image" if data[:4] in (b"\x89PNG", b"\xff\xd8\xff\xe0",
                                                b"\xff\xd8\xff\xe1", b"RIFF") else "non-image",
            "height": _size(data)[1], "width": _size(data)[0], "orientation": None,
            "tags": tags,
            "AITags": None, "isPrivateFile": fields.get("isPrivateFile") == "true",
            "isPublished": True, "customCoordinates": None, "customMetadata": {},
            "embeddedMetadata": {}, "extensionStatus": {},
            "versionInfo": {"id": file_id, "name": "Version 1"},
            "createdAt": now, "updatedAt": now, "type": "file", "mime": _mime(data),
        }
        with self._lock:
            self.files[file_id] = {**record, "_bytes": data}
        return record

    def public(self, file_id: str) -> dict:
        return {k: v for k, v in self.files[file_id].items() if not k.startswith("_")}


def _size(data: bytes) -> tuple[int | None, int | None]:
    """(width, height) of a PNG, from its IHDR chunk; (None, None) for anything else."""
    if data.startswith(b"\x89PNG") and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return None, None


def _mime(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg"
    return "application/octet-stream"


class _Handler(BaseHTTPRequestHandler):
    emulator: ImageKitEmulator
    protocol_version = "HTTP/1.1"
    server_version = "ImageKitEmulator/1"

    def log_message(self, *args):  # keep test output quiet
        pass

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_DELETE(self):
        self._handle("DELETE")

    # -- dispatch --------------------------------------------------------------------
    def _handle(self, method: str) -> None:
        emu = self.emulator
        parts = urlsplit(self.path)
        body = self._body()
        fields, data = self._fields(body) if method == "POST" else ({}, b"")
        record = Request(method, parts.path, parse_qs(parts.query), dict(self.headers),
                         self._auth_user(), {k: v for k, v in fields.items()})
        if method == "POST":
            record.fields["file"] = len(data) if data is not None else None
        with emu._lock:
            emu.requests.append(record)
        fault = emu._take_fault(parts.path)
        if fault == "lost_answer" and data and record.auth_user == emu.private_key:
            emu._store(data, fields)  # stored; the answer never leaves
        if fault:
            return self._fault(fault, record)
        if method == "GET" and parts.path.startswith(f"/{ENDPOINT_ID}/"):
            return self._serve_file(parts.path[len(ENDPOINT_ID) + 1:], record)
        if record.auth_user is None:
            return self._json(401, {"message": NO_KEY, "help": HELP}, record)
        if record.auth_user != emu.private_key:
            return self._json(403, {"message": WRONG_KEY, "help": HELP}, record)
        route = parts.path.rstrip("/").split("/")[1:]
        if method == "POST" and parts.path == "/api/v1/files/upload":
            if not data:
                return self._json(400, {"message": NO_FILE, "help": HELP}, record)
            return self._json(200, emu._store(data, fields), record)
        if method == "GET" and route == ["v1", "files"]:
            limit = int((record.query.get("limit") or ["1000"])[0])
            skip = int((record.query.get("skip") or ["0"])[0])
            folder = (record.query.get("path") or ["/"])[0].rstrip("/") + "/"
            with emu._lock:
                found = [i for i, f in emu.files.items() if f["filePath"].startswith(folder)]
            listing = [emu.public(i) for i in found[skip:skip + limit]]
            return self._json(200, listing, record)
        if route[:2] == ["v1", "files"] and len(route) >= 3 and route[2] in emu.files:
            if method == "GET" and route[3:] == ["details"]:
                return self._json(200, emu.public(route[2]), record)
            if method == "DELETE" and len(route) == 3:
                with emu._lock:
                    emu.files.pop(route[2], None)
                return self._send(204, b"", "application/json", record)
        return self._json(404, {"message": "The requested file does not exist.",
                                "help": HELP}, record)

    def _fault(self, fault: str, record: Request) -> None:
        if fault == "rate_limit":
            return self._json(429, {"message": "Too many requests", "help": HELP}, record,
                              {"X-RateLimit-Limit": "10", "X-RateLimit-Reset": "1000",
                               "X-RateLimit-Interval": "1000", "Retry-After": "1"})
        if fault == "server_error":
            return self._json(500, {"message": "We have experienced an internal error "
                                    "while processing your request.", "help": HELP}, record)
        if fault == "bad_gateway":
            return self._send(502, b"<html><head><title>502 Bad Gateway</title></head>"
                              b"<body><center><h1>502 Bad Gateway</h1></center></body></html>",
                              "text/html", record)
        if fault == "not_json":
            return self._send(200, b"<html><body>Maintenance</body></html>", "text/html",
                              record)
        if fault == "empty_file":
            return self._json(400, {"message": NO_FILE, "help": HELP}, record)
        if fault == "stall":
            record.status = 0
            self.emulator._stopping.wait(self.emulator.stall_s)
        # stall (after waiting), drop and lost_answer: close the connection, no answer
        self.close_connection = True
        try:
            self.connection.shutdown(2)
        except OSError:
            pass

    def _serve_file(self, path: str, record: Request) -> None:
        for item in list(self.emulator.files.values()):
            if item["filePath"] == path:
                return self._send(200, item["_bytes"], item["mime"], record)
        return self._send(404, b"Not found", "text/plain", record)

    # -- reading ---------------------------------------------------------------------
    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _fields(self, body: bytes) -> tuple[dict, bytes | None]:
        """Multipart form fields (text) and the `file` part's bytes (None if absent)."""
        ctype = self.headers.get("Content-Type", "")
        if not ctype.startswith("multipart/form-data"):
            return {}, None
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {ctype}\r\n\r\n".encode() + body)
        fields, data = {}, None
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            if name == "file":
                data = payload
            elif name:
                fields[name] = payload.decode("utf-8", "replace")
        return fields, data

    def _auth_user(self) -> str | None:
        header = self.headers.get("Authorization", "")
        if not header.lower().startswith("basic "):
            return None
        try:
            user = base64.b64decode(header[6:].strip()).decode("utf-8").partition(":")[0]
        except (ValueError, UnicodeDecodeError):
            return None
        return user or None

    # -- writing ---------------------------------------------------------------------
    def _json(self, status: int, payload, record: Request, headers: dict | None = None):
        self._send(status, json.dumps(payload).encode(), "application/json", record, headers)

    def _send(self, status: int, body: bytes, ctype: str, record: Request,
              headers: dict | None = None) -> None:
        record.status = status
        self.send_response(status)
        if status != 204:
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if status != 204:
            self.wfile.write(body)


ImageKitEmulator.handler = _Handler


def main() -> None:
    """Run the emulator in the foreground: python examples/imagekit_emulator.py."""
    emu = ImageKitEmulator(os.environ.get("IMAGEKIT_PRIVATE_KEY"),
                           os.environ.get("IMAGEKIT_PUBLIC_KEY")).start()
    print("ImageKit emulator on", emu.url, "- export these to use it:")
    for name, value in emu.environ().items():
        print(f"export {name}={value}")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        emu.stop()


if __name__ == "__main__":
    main()
