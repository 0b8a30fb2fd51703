"""The generic path: what any Django upload goes through, stage by stage.

A real multipart body parsed by Django's MultiPartParser with the project's upload
handlers, Pillow verification as forms.ImageField does it, the common processing
(EXIF transpose, resize, WebP, thumbnail), then a storage round trip:
save -> exists -> size -> url -> open().read() -> delete -> exists.
"""
from __future__ import annotations

import io
import time
import traceback
from dataclasses import dataclass, field

from upload_diagnostics.diagnostics import facts

from . import tracker as tracking
from .images import TestImage

BOUNDARY = "upload-diagnostics-boundary"
FIELD = "file"
MAX_SIDE, THUMB_SIDE = 2048, 300


@dataclass
class Stage:
    name: str
    seconds: float = 0.0
    bytes_in: int = 0
    bytes_out: int = 0
    names: list[str] = field(default_factory=list)

    def fact(self) -> facts.Stage:
        """This stage in upload.timings."""
        return facts.Stage(self.name, round(self.seconds, 4), self.bytes_in, self.bytes_out)


@dataclass
class Failure:
    stage: str
    message: str
    traceback: str = ""
    error: BaseException | None = None


@dataclass
class GenericRun:
    image: TestImage
    request_bytes: int = 0
    upload_class: str = ""
    stages: list[Stage] = field(default_factory=list)
    failure: Failure | None = None  # a stage that raised
    problems: list[tuple[str, str]] = field(default_factory=list)  # (stage, what is wrong)
    fetched: list[dict] = field(default_factory=list)  # {url, bytes, type, problem}

    @property
    def total_s(self) -> float:
        return sum(s.seconds for s in self.stages)


def multipart(image: TestImage, field_name: str = FIELD, data: dict | None = None):
    """(body bytes, content type) of a browser-like multipart POST carrying `image`."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test.client import encode_multipart

    upload = SimpleUploadedFile(image.name, image.data, image.content_type)
    body = encode_multipart(BOUNDARY, {**(data or {}), field_name: upload})
    return body, f"multipart/form-data; boundary={BOUNDARY}"


class _Stages:
    """Times each stage; the first exception ends the run and is kept as its failure."""

    def __init__(self, run: GenericRun):
        self.run = run

    def __call__(self, name: str, bytes_in: int = 0):
        self.stage = Stage(name, bytes_in=bytes_in)
        return self

    def __enter__(self):
        self.started = time.perf_counter()
        return self.stage

    def __exit__(self, kind, exc, tb):
        self.stage.seconds = time.perf_counter() - self.started
        self.run.stages.append(self.stage)
        if exc is not None and isinstance(exc, Exception):
            self.run.failure = Failure(self.stage.name, f"{kind.__name__}: {exc}",
                                       "".join(traceback.format_exception(kind, exc, tb)), exc)
        return False


def run(image: TestImage, storage, tracker: tracking.Tracker, handler_paths,
        fetch_timeout: float | None = None) -> GenericRun:
    """Run every stage; with `fetch_timeout`, also GET each stored object's http(s) URL
    while the object exists."""
    result = GenericRun(image)
    try:
        _run(result, image, storage, tracker, handler_paths, fetch_timeout)
    except Exception:  # recorded by _Stages as the run's failure
        pass
    return result


def _run(result: GenericRun, image, storage, tracker, handler_paths, fetch_timeout) -> None:
    from django import forms
    from django.core.files.base import ContentFile
    from django.http.multipartparser import MultiPartParser
    from PIL import Image, ImageOps

    stage = _Stages(result)
    body, content_type = multipart(image)
    result.request_bytes = len(body)
    meta = {"CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(body))}
    upload = None
    try:
        with stage("parse multipart", len(body)) as s, tracking.active(tracker):
            handlers = tracking.handlers(handler_paths)
            _post, files = MultiPartParser(meta, io.BytesIO(body), handlers, "utf-8").parse()
            upload = files[FIELD]
            result.upload_class = type(upload).__name__
            s.bytes_out = upload.size
        with stage("verify (ImageField)", upload.size):
            forms.ImageField().to_python(upload)
        with stage("process (transpose, resize, WebP)", upload.size) as s:
            picture = ImageOps.exif_transpose(Image.open(upload))
            picture.thumbnail((MAX_SIDE, MAX_SIDE))
            out = io.BytesIO()
            picture.convert("RGB").save(out, "WEBP", quality=82)
            webp = tracking.track(ContentFile(out.getvalue(), name="processed.webp"), tracker)
            s.bytes_out = webp.size
            del picture
        with stage("thumbnail", upload.size) as s:
            picture = Image.open(upload)
            picture.draft("RGB", (THUMB_SIDE, THUMB_SIDE))
            picture = ImageOps.exif_transpose(picture)
            picture.thumbnail((THUMB_SIDE, THUMB_SIDE))
            out = io.BytesIO()
            picture.convert("RGB").save(out, "JPEG", quality=80)
            s.bytes_out = len(out.getvalue())
        upload.seek(0)  # Pillow leaves it anywhere; the saves below start from the top
        sent = {f"original/{image.name}": (upload, image.data),
                f"processed/{image.name.rsplit('.', 1)[0]}.webp": (webp, webp.file.getvalue())}
        _round_trip(result, stage, storage, sent, fetch_timeout)
    finally:
        if upload is not None:
            upload.close()  # a TemporaryUploadedFile deletes its temporary file


def _round_trip(result: GenericRun, stage, storage, sent: dict, fetch_timeout) -> None:
    problem = result.problems.append
    names, urls = {}, {}
    with stage("storage save", sum(len(d) for _, d in sent.values())) as s:
        for wanted, (content, _data) in sent.items():
            names[wanted] = storage.save(wanted, content)
            s.names.append(names[wanted])
    with stage("storage exists") as s:
        for name in names.values():
            if not storage.exists(name):
                problem(("storage exists", f"exists({name!r}) is False right after save"))
    with stage("storage size") as s:
        for wanted, name in names.items():
            size = storage.size(name)
            s.bytes_out += size
            if size != len(sent[wanted][1]):
                problem(("storage size", f"size({name!r}) is {size:,} bytes; "
                                         f"{len(sent[wanted][1]):,} were sent"))
    with stage("storage url") as s:
        for wanted, name in names.items():
            urls[wanted] = storage.url(name)
            s.names.append(urls[wanted])
    if fetch_timeout:
        with stage("GET url") as s:
            for url in urls.values():
                if url.startswith(("http://", "https://")):
                    got = fetch(url, fetch_timeout)
                    result.fetched.append(got)
                    s.bytes_out += got["bytes"]
                    s.names.append(f"{got['bytes']:,} bytes of {got['type'] or '?'} from {url}")
    with stage("storage open().read()") as s:
        for wanted, name in names.items():
            with storage.open(name, "rb") as stored:
                data = stored.read()
            s.bytes_out += len(data)
            if data != sent[wanted][1]:
                problem(("storage open().read()", f"{name!r} reads back {len(data):,} bytes "
                         f"that differ from the {len(sent[wanted][1]):,} sent"))
    with stage("storage delete") as s:
        for name in names.values():
            storage.delete(name)
            s.names.append(name)
    with stage("storage exists after delete"):
        for name in names.values():
            if storage.exists(name):
                problem(("storage exists after delete",
                         f"exists({name!r}) is still True after delete"))


def fetch(url: str, timeout: float) -> dict:
    """GET a stored object's URL (the network tier's part): it must answer with bytes that
    decode as an image. Length and type are shown, not judged: CDNs re-encode (ImageKit
    does by default) and browsers show images served as application/octet-stream."""
    import urllib.error
    import urllib.request

    from .recording import describe_image

    got = {"url": url, "bytes": 0, "type": "", "problem": "", "image": None}
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            data, got["type"] = response.read(), response.headers.get_content_type()
    except urllib.error.HTTPError as exc:
        got["problem"] = f"GET failed: {exc}{provider_error(exc)}"
        return got
    except (urllib.error.URLError, OSError, ValueError) as exc:
        got["problem"] = f"GET failed: {exc}"
        return got
    got["bytes"] = len(data)
    got["image"], why = describe_image(data)
    if got["image"] is None:
        got["problem"] = (f"serves {len(data):,} bytes of {got['type']} that do not decode "
                          f"as an image ({why})")
    return got


def provider_error(error) -> str:
    """The error code and message of the XML body S3 (and each service that speaks its
    API) answers with, as " (Code: Message)"; "" for any other body."""
    from xml.etree import ElementTree

    try:
        root = ElementTree.fromstring(error.read(64 * 1024))
    except (ElementTree.ParseError, OSError, ValueError):
        return ""
    code, message = root.findtext("Code"), root.findtext("Message")
    return f" ({code}: {message})" if code else ""
