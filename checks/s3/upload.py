"""s3.upload: the write tier's round trip through each S3 storage the project uses.

For each storage built as django-storages' S3Storage (checks.storages): the generated
images are saved through the project's real storage under the run's test prefix, HeadObject
describes what was stored (size and content type), url() (signed or public) is fetched over
HTTP and decoded with Pillow, and the engine's round trip deletes every key and proves it
gone, also when the check fails, times out or is interrupted.
"""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from upload_diagnostics.diagnostics import Check, Skip, roundtrip, table

from .. import storages
from ..e2e import config as e2e_config, images
from ..e2e.generic import fetch
from ..e2e.recording import walk
from . import errors
from .found import located, s3_uses
from .codes import E060, E061, E062, I060, W063

FETCH_TIMEOUT = 10.0  # seconds, unless UPLOAD_DIAGNOSTICS["E2E"]["FETCH_TIMEOUT"] says


class S3Upload(Check):
    """Saves, describes, fetches and deletes the generated images through each S3
    storage, under the test prefix."""

    id = "s3.upload"
    title = "Images round-trip through each S3 storage: saved, described, served, deleted"
    layer = "storage"
    tags = ("s3", "storage", "e2e")
    tier = "write"
    needs_django = True
    codes = (I060, E060, E061, E062, W063, *roundtrip.CODES)

    def run(self, ctx):
        uses = [s3.use for s3 in s3_uses(ctx) if s3.takes_uploads]
        if not uses:
            raise Skip("not applicable: the project's S3 storages hold static files only "
                       "(collectstatic writes them, not uploads)")
        timeout = float(e2e_config.settings_of(ctx).get("FETCH_TIMEOUT") or FETCH_TIMEOUT)
        for use in uses:
            for secret in (use.instance.secret_key, use.instance.security_token):
                ctx.add_secret(secret)
            yield from S3RoundTrip(ctx, use, timeout).run(test_images(ctx))


def test_images(ctx) -> list[images.TestImage]:
    """A small JPEG (with EXIF orientation, as phones write it) and a PNG with alpha."""
    return ctx.cached("s3.images", lambda: [
        images.small_photo(int(getattr(ctx.settings, "FILE_UPLOAD_MAX_MEMORY_SIZE",
                                       2621440))),
        images.phone_photo(images.SMALL_SIZE, name="diagnostic-small.png", fmt="PNG")])


class S3RoundTrip:
    """One storage's round trip: each image written, described and fetched, then every
    key deleted by the engine's round trip."""

    def __init__(self, ctx, use: storages.StorageUse, timeout: float):
        self.ctx, self.use, self.timeout = ctx, use, timeout
        self.storage = storage = use.instance
        self.prefix = roundtrip.run_prefix()
        self.trip = roundtrip.RoundTrip(
            f"storage {use.name!r}", self.prefix, storage.delete, storage.exists,
            lambda: walk(storage, self.prefix), exact=True, ctx=ctx)
        self.location = located(use.where)
        self.label = f"storage {use.name!r} ({use.backend}, bucket {storage.bucket_name!r})"

    def run(self, pictures):
        rows, found = [], []
        try:
            for picture in pictures:
                row, problems = self.one(picture)
                found += problems
                if row is None:  # a step failed: the next image would fail the same way
                    break
                rows.append(row)
        finally:
            found += self.trip.finish()
        if not found:
            found.append(I060(
                f"{len(rows)} test image(s) round-tripped through {self.label}: saved, "
                "described by HeadObject, served by url(), deleted and gone", "",
                [table("Written, read back and deleted", [
                    "image", "key", "stored bytes", "content type", "url()", "served"],
                    rows)], **self.location))
        return found

    def one(self, picture) -> tuple[list | None, list]:
        """(the evidence row, the findings) of one image's write, head and get; the row is
        None when a step failed."""
        from django.core.files.base import ContentFile

        name = self.prefix + picture.name
        self.ctx.progress(f"      s3.upload: {self.use.name}: saving {name}")
        with self.trip.writing(name):
            saved = errors.call("PutObject", lambda: {"name": self.storage.save(
                name, ContentFile(picture.data, name=picture.name))})
        if not saved.ok:
            if saved.failure:  # a timeout or a dropped connection: it may be stored
                self.trip.lost(name, saved.detail)
            return None, [self.failed(E060, "write (PutObject)", name, saved)]
        name = saved.result["name"]
        self.trip.stored(name)
        key = self.storage._normalize_name(name)  # (the storage's own: its location prefix)
        head = errors.call("HeadObject", self.storage.connection.meta.client.head_object,
                           Bucket=self.storage.bucket_name, Key=key)
        if not head.ok:
            return None, [self.failed(E061, "head (HeadObject)", key, head)]
        size, kind = head.result.get("ContentLength"), head.result.get("ContentType", "")
        problems = []
        if size != len(picture.data):
            problems.append(E061(
                f"HeadObject of {key} in {self.label} describes {size} bytes; "
                f"{len(picture.data):,} were sent", None, [], **self.location))
        if not kind.startswith("image/"):
            problems.append(W063(f"{key} is stored in {self.label} as {kind!r}, not an "
                                 "image type", None, [], **self.location))
        url = self.storage.url(name)
        signed = signing(url)
        got = fetch(url, self.timeout)
        if got["problem"]:
            problems.append(E062(
                f"The {signed} URL of {key} from {self.label} "
                f"({url.split('?')[0]}) {got['problem']}", None, [], **self.location))
            return None, problems
        return [picture.label, key, f"{size:,}", kind, f"{url.split('?')[0]} ({signed})",
                got["image"]], problems

    def failed(self, code, step: str, key: str, outcome):
        """The step's finding: the provider's answer, and the fix of the s3.bucket code that
        names the same answer."""
        storage = self.storage
        named = errors.finding(outcome, step, storage.bucket_name, storage.region_name,
                               self.timeout, [])
        answer = f"{outcome.code}: {outcome.message}" if outcome.code else outcome.detail
        hint = None if errors.kind(outcome) == "unexpected" else \
            f"The answer is what {named.code} explains: {named.hint}"
        return code(f"The {step} step of {key} through {self.label} failed: {answer}", hint,
                    [table("The answer", ["operation", "status", "error", "message"],
                           [outcome.row()])], **self.location)


def signing(url: str) -> str:
    """"signed" (with its lifetime) or "public", as a URL's query string tells."""
    query = parse_qs(urlsplit(url).query)
    if "X-Amz-Signature" in query:
        return f"signed, expires in {query.get('X-Amz-Expires', ['?'])[0]} s"
    if "Signature" in query:  # SigV2 and CloudFront
        return "signed"
    return "public"
