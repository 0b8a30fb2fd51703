"""The s3 family's finding codes, each declared once. Numbers by check:

    001-039  s3.config   static: storages, credentials, botocore, ACL, overwrite, URLs
    040-059  s3.bucket   network, read-only: what the bucket and the provider answered
    060-079  s3.upload   the write tier's round trip
"""
from upload_diagnostics.diagnostics import Code

# -- s3.config ------------------------------------------------------------------------------------

# -- s3.bucket ------------------------------------------------------------------------------------

# -- s3.upload ------------------------------------------------------------------------------------

I060 = Code(
    code="s3.I060",
    title="The test images round-tripped through the S3 storage",
    detects="With --e2e, each S3 storage saved the generated images under the test prefix, "
            "HeadObject described them with the size sent and an image content type, their "
            "url() (signed or public) served bytes Pillow decodes, and they were deleted "
            "and are gone. The evidence lists each object.",
    why="The project's uploads can be stored, served and removed through this storage, "
        "with these credentials and this bucket.",
    bad="python manage.py diagnose_uploads s3 --e2e",
    good="python manage.py diagnose_uploads s3 --e2e",
    fix="Nothing to fix.",
    lang="sh")

E060 = Code(
    code="s3.E060",
    title="Saving an image through the S3 storage failed",
    detects="With --e2e, the project's S3 storage could not save a generated image under "
            "the test prefix (PutObject, or a multipart upload). The finding names the "
            "step and the provider's error (AccessControlListNotSupported, NotImplemented, "
            "XAmzContentSHA256Mismatch, SignatureDoesNotMatch, AccessDenied, a timeout...).",
    why="Every upload of the project fails the same way in production, after Django "
        "already accepted the file: users see a 500.",
    bad='AWS_DEFAULT_ACL = "public-read"  # on a bucket with ACLs disabled',
    good="AWS_DEFAULT_ACL = None  # the bucket policy decides who reads",
    fix="Read the provider error in the finding: the s3.config and s3.bucket checks "
        "explain each one (ACLs a bucket does not allow, botocore's default checksums on a "
        "service that rejects them, a policy without s3:PutObject, a wrong key or region). "
        "Fix the setting, then run with --e2e again.")

E061 = Code(
    code="s3.E061",
    title="The stored object is not what was saved",
    detects="With --e2e, after a save HeadObject of the stored key failed (e.g. a policy "
            "without s3:GetObject answers 403), or it describes fewer or more bytes than "
            "were sent.",
    why="A storage that cannot read back what it wrote fails on size(), exists() and "
        "thumbnails; a size that differs means the stored image is truncated or "
        "re-encoded on the way (a gzip setting, a proxy).",
    bad='{"Effect": "Allow", "Action": ["s3:PutObject"]}',
    good='{"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject", "s3:DeleteObject", '
         '"s3:ListBucket"]}',
    fix="Give the key s3:GetObject on the bucket's objects (HeadObject needs it), and make "
        "sure nothing rewrites the body on the way (AWS_IS_GZIPPED for images, a proxy).",
    lang="json")

E062 = Code(
    code="s3.E062",
    title="The stored object's URL does not serve the image",
    detects="With --e2e, a GET of the url() the S3 storage gives for a stored test image "
            "(signed, or public with AWS_QUERYSTRING_AUTH = False or a custom domain) did "
            "not answer the image: an HTTP error with the provider's code (AccessDenied on "
            "a private bucket with unsigned URLs, SignatureDoesNotMatch, NoSuchKey under a "
            "wrong custom domain), no answer in time, or bytes Pillow cannot decode.",
    why="The upload succeeds and the page shows a broken image: what users report as "
        "'uploads vanish'.",
    bad='AWS_QUERYSTRING_AUTH = False  # unsigned URLs, on a private bucket',
    good="AWS_QUERYSTRING_AUTH = True  # signed URLs (or a bucket policy for public reads)",
    fix="Serve the bucket the way its URLs are made: signed URLs for a private bucket, a "
        "public-read policy (or a CDN) for unsigned ones; point AWS_S3_CUSTOM_DOMAIN at a "
        "host that serves this bucket.")

W063 = Code(
    code="s3.W063",
    title="The object is stored with a content type that is not an image's",
    detects="With --e2e, HeadObject of a stored test image gives a Content-Type that does "
            "not start with image/ (binary/octet-stream, application/octet-stream, one "
            "forced in AWS_S3_OBJECT_PARAMETERS).",
    why="Browsers download such a file instead of showing it, and CDNs may refuse to "
        "transform it.",
    bad='AWS_S3_OBJECT_PARAMETERS = {"ContentType": "application/octet-stream"}',
    good='AWS_S3_OBJECT_PARAMETERS = {"CacheControl": "max-age=86400"}',
    fix="Let django-storages guess the type from the name (do not force ContentType in "
        "AWS_S3_OBJECT_PARAMETERS), or set it per file from the upload's content_type.")
