"""A thin HTTP proxy in front of an S3 server (moto's, in tests), for the answers a local S3
does not give: what AWS, Cloudflare R2 and MinIO answer when something is wrong.

Every request is forwarded unchanged, except while a fault is chosen:

    with S3Proxy(upstream="http://127.0.0.1:5000") as proxy:
        proxy.fault("access_denied", operations={"GetObject", "HeadObject"})
        ...                       # proxy.url as AWS_S3_ENDPOINT_URL; proxy.requests
        proxy.clear()

Faults (see FAULTS), each with the provider's status and XML error body (HEAD answers carry
no body, as S3's do). The ACL and checksum faults answer the requests that carry those
headers, or every request of the operations a fault names:

    acl_disabled      a request with x-amz-acl: 400 AccessControlListNotSupported (a bucket
                      whose Object Ownership is "bucket owner enforced")
    acl_not_implemented  a request with x-amz-acl: 501 NotImplemented (Cloudflare R2)
    checksum_mismatch a request with the checksum headers botocore 1.36+ adds by default:
                      400 XAmzContentSHA256Mismatch (MinIO, B2)
    checksum_signature  the same requests: 403 SignatureDoesNotMatch (R2, Spaces)
    access_denied     403 AccessDenied (e.g. only GetObject/HeadObject: a policy without
                      s3:GetObject)
    wrong_region      301 PermanentRedirect, x-amz-bucket-region: the `region` parameter
    clock_skew        403 RequestTimeTooSkewed, the server's clock `skew_s` ahead
    invalid_key       403 InvalidAccessKeyId
    signature         403 SignatureDoesNotMatch (a wrong secret key)
    no_such_bucket    404 NoSuchBucket
    not_implemented   501 NotImplemented (an operation the service lacks)
    internal_error    500 InternalError
    slow              forwarded after `delay_s`
    hang              no answer for `delay_s`, then the connection is closed
    drop              forwarded (a PutObject is stored), then closed without an answer

Run it by hand in front of moto: python examples/s3_proxy.py (needs moto[server]).
"""
from __future__ import annotations

import datetime as dt
import http.client
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

from local_server import LocalServer

# Headers botocore 1.36+ sends with a body when request_checksum_calculation is
# "when_supported" (its default), and the payload hash of its aws-chunked trailer upload.
CHECKSUM_HEADERS = ("x-amz-sdk-checksum-algorithm", "x-amz-trailer")
TRAILER_PAYLOAD = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
SIGNATURE_MESSAGE = ("The request signature we calculated does not match the signature you "
                     "provided. Check your key and signing method.")
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "proxy-authorization", "proxy-authenticate"}


@dataclass
class Request:
    """One request the proxy received, and the status it answered (None: no answer)."""

    operation: str
    method: str
    path: str
    headers: dict
    status: int | None = None


@dataclass
class Fault:
    kind: str
    operations: frozenset | None = None  # only these S3 operations (None: every one)
    times: int | None = None  # answer this many matching requests, then forward (None: all)
    params: dict = field(default_factory=dict)


def operation(method: str, path: str, query: str) -> str:
    """The S3 operation a path-style request asks for (the ones storages send)."""
    keys = parse_qs(query, keep_blank_values=True)
    bucket, _, key = path.lstrip("/").partition("/")
    if not bucket:
        return "ListBuckets"
    if not key:
        for name in ("ownershipControls", "publicAccessBlock", "acl", "policy", "location"):
            if name in keys:
                prefix = {"PUT": "Put", "DELETE": "Delete"}.get(method, "Get")
                return f"{prefix}Bucket{name[0].upper()}{name[1:]}".replace(
                    "BucketPublicAccessBlock", "PublicAccessBlock")
        if method == "POST" and "delete" in keys:
            return "DeleteObjects"
        return {"HEAD": "HeadBucket", "PUT": "CreateBucket", "DELETE": "DeleteBucket"}.get(
            method, "ListObjectsV2" if keys.get("list-type") == ["2"] else "ListObjects")
    if "uploads" in keys:
        return "CreateMultipartUpload"
    if "uploadId" in keys:
        return {"PUT": "UploadPart", "POST": "CompleteMultipartUpload",
                "DELETE": "AbortMultipartUpload"}.get(method, "ListParts")
    return {"HEAD": "HeadObject", "PUT": "PutObject", "DELETE": "DeleteObject"}.get(
        method, "GetObject")


def sends_checksum(headers) -> bool:
    lower = {k.lower(): v for k, v in headers.items()}
    return any(h in lower for h in CHECKSUM_HEADERS) or \
        any(h.startswith("x-amz-checksum-") and h != "x-amz-checksum-mode" for h in lower) or \
        lower.get("x-amz-content-sha256") == TRAILER_PAYLOAD


def error_xml(code: str, message: str, **extra) -> bytes:
    rows = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in extra.items())
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
            f"<Message>{escape(message)}</Message>{rows}</Error>").encode()


def amz_now(offset_s: float = 0.0) -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=offset_s)


def answer(kind: str, params: dict, bucket: str, headers, named: bool = False
           ) -> tuple[int, bytes, dict] | None:
    """(status, body, headers) of a fault that answers instead of S3; None: this request is
    forwarded (the fault does not apply to it). `named`: the fault names this request's
    operation, so the ACL and checksum faults answer it whatever its headers."""
    lower = {k.lower(): v for k, v in headers.items()}
    ids = {"RequestId": "4442587FB7D0A2F9", "HostId": "proxy-host-id"}
    if kind == "acl_disabled":
        if "x-amz-acl" not in lower and not named:
            return None
        return 400, error_xml("AccessControlListNotSupported", "The bucket does not allow ACLs",
                              **ids), {}
    if kind == "acl_not_implemented":
        if "x-amz-acl" not in lower and not named:
            return None
        return 501, error_xml("NotImplemented", f"Header 'x-amz-acl' with value "
                              f"'{lower.get('x-amz-acl', '')}' not implemented"), {}
    if kind in ("checksum_mismatch", "checksum_signature"):
        if not sends_checksum(headers) and not named:
            return None
        if kind == "checksum_signature":
            return 403, error_xml("SignatureDoesNotMatch", SIGNATURE_MESSAGE), {}
        return 400, error_xml("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256'"
                              " header does not match what was computed.", BucketName=bucket,
                              **ids), {}
    if kind == "access_denied":
        return 403, error_xml("AccessDenied", "Access Denied", **ids), {}
    if kind == "wrong_region":
        region = params.get("region", "eu-west-1")
        return 301, error_xml(
            "PermanentRedirect", "The bucket you are attempting to access must be addressed "
            "using the specified endpoint. Please send all future requests to this endpoint.",
            Endpoint=f"{bucket}.s3.{region}.amazonaws.com", Bucket=bucket, **ids), \
            {"x-amz-bucket-region": region}
    if kind == "clock_skew":
        server = amz_now(params.get("skew_s", 3600))
        return 403, error_xml(
            "RequestTimeTooSkewed", "The difference between the request time and the current "
            "time is too large.", RequestTime=lower.get("x-amz-date", ""),
            ServerTime=server.strftime("%Y-%m-%dT%H:%M:%SZ"),
            MaxAllowedSkewMilliseconds=900000, **ids), {}
    if kind == "invalid_key":
        key = lower.get("authorization", "").partition("Credential=")[2].partition("/")[0]
        return 403, error_xml("InvalidAccessKeyId", "The AWS Access Key Id you provided does "
                              "not exist in our records.", AWSAccessKeyId=key, **ids), {}
    if kind == "signature":
        return 403, error_xml("SignatureDoesNotMatch", SIGNATURE_MESSAGE, **ids), {}
    if kind == "not_implemented":
        return 501, error_xml("NotImplemented", "A header you provided implies functionality "
                              "that is not implemented", **ids), {}
    if kind == "internal_error":
        return 500, error_xml("InternalError", "We encountered an internal error. Please try "
                              "again.", **ids), {}
    if kind == "no_such_bucket":
        return 404, error_xml("NoSuchBucket", "The specified bucket does not exist",
                              BucketName=bucket, **ids), {}
    raise ValueError(f"unknown fault {kind!r}")


ANSWERS = ("acl_disabled", "acl_not_implemented", "checksum_mismatch", "checksum_signature",
           "access_denied", "wrong_region", "clock_skew", "invalid_key", "signature",
           "no_such_bucket", "not_implemented", "internal_error")
FAULTS = (*ANSWERS, "slow", "hang", "drop")


class S3Proxy(LocalServer):
    handler_attr, name = "proxy", "s3-proxy"

    def __init__(self, upstream: str, delay_s: float = 30.0):
        super().__init__()
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname, parts.port or 80)
        self.delay_s = delay_s  # how long slow and hung answers wait
        self.requests: list[Request] = []
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    # -- faults ----------------------------------------------------------------------
    def fault(self, kind: str, operations=None, times: int | None = None, **params) -> None:
        """Answer the matching requests with `kind` (see FAULTS) from now on: only the named
        S3 operations (e.g. {"GetObject"}) when given, only `times` of them when given.
        Parameters: region (wrong_region), skew_s (clock_skew), delay_s (slow, hang)."""
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r} (choose from {', '.join(FAULTS)})")
        ops = frozenset([operations] if isinstance(operations, str) else operations or ()) \
            or None
        with self._lock:
            self._faults.append(Fault(kind, ops, times, params))

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def _take(self, op: str, bucket: str, headers) -> tuple[Fault, tuple | None] | None:
        """The first chosen fault that applies to this request, and its answer."""
        with self._lock:
            for fault in self._faults:
                if fault.operations is not None and op not in fault.operations:
                    continue
                reply = answer(fault.kind, fault.params, bucket, headers,
                               fault.operations is not None) \
                    if fault.kind in ANSWERS else None
                if fault.kind in ANSWERS and reply is None:
                    continue
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                return fault, reply
        return None

    def operations(self) -> list[str]:
        return [r.operation for r in self.requests]


class _Handler(BaseHTTPRequestHandler):
    proxy: S3Proxy
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep test output quiet
        pass

    def do_GET(self):
        self._handle()

    do_HEAD = do_PUT = do_POST = do_DELETE = do_GET

    def _handle(self) -> None:
        proxy = self.proxy
        parts = urlsplit(self.path)
        op = operation(self.command, parts.path, parts.query)
        record = Request(op, self.command, parts.path, dict(self.headers))
        with proxy._lock:
            proxy.requests.append(record)
        body = self._body()
        taken = proxy._take(op, parts.path.lstrip("/").partition("/")[0], self.headers)
        fault, reply = taken or (None, None)
        if reply is not None:
            return self._send(record, *reply)
        delay = fault.params.get("delay_s", proxy.delay_s) if fault else 0
        if fault and fault.kind == "hang":
            proxy._stopping.wait(delay)
            return self._close()
        if fault and fault.kind == "slow":
            proxy._stopping.wait(delay)
        status, payload, headers = self._forward(body)
        if fault and fault.kind == "drop":
            return self._close()
        self._send(record, status, payload, headers)

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _forward(self, body: bytes) -> tuple[int, bytes, dict]:
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        if body or self.command in ("PUT", "POST"):
            headers["Content-Length"] = str(len(body))
        conn = http.client.HTTPConnection(*self.proxy.upstream, timeout=60)
        try:
            conn.request(self.command, self.path, body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
            return response.status, payload, {k: v for k, v in response.getheaders()
                                              if k.lower() not in HOP_BY_HOP}
        finally:
            conn.close()

    def _send(self, record: Request, status: int, body: bytes, headers: dict) -> None:
        record.status = status
        self.send_response(status)
        length = next((v for k, v in headers.items() if k.lower() == "content-length"), "0")
        headers = {k: v for k, v in headers.items()
                   if k.lower() not in ("content-length", "server", "date")}
        if body and not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/xml"
        for name, value in headers.items():
            self.send_header(name, value)
        if self.command == "HEAD":  # S3 answers HEAD with the headers alone
            self.send_header("Content-Length", length if status < 300 else "0")
            self.end_headers()
            return
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _close(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(2)
        except OSError:
            pass


S3Proxy.handler = _Handler


def main() -> None:
    """moto's S3 server and the proxy in front of it, in the foreground."""
    from moto.server import ThreadedMotoServer

    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    proxy = S3Proxy(f"http://{host}:{port}").start()
    print(f"S3 (moto) on http://{host}:{port}, the proxy on {proxy.url}:")
    print(f"AWS_S3_ENDPOINT_URL = {proxy.url!r}")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        proxy.stop()
        moto.stop()


if __name__ == "__main__":
    main()
