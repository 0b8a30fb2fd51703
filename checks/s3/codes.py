"""The s3 family's finding codes, each declared once. Numbers by check:

    001-039  s3.config   static: storages, credentials, botocore, ACL, overwrite, URLs
    040-059  s3.bucket   network, read-only: what the bucket and the provider answered
    060-079  s3.upload   the write tier's round trip
"""
from upload_diagnostics.diagnostics import Code

# -- s3.config ------------------------------------------------------------------------------------

I001 = Code(
    "s3.I001", "S3 storage found",
    "Emitted once for each S3Storage (or subclass) the project uses: a STORAGES alias or "
    "a model field's storage=. Shows the provider (from the endpoint URL's host), bucket, "
    "region, endpoint, location, custom domain, signature version, ACL, overwrite, signed "
    "URLs and where the credentials come from; keys are shown as fingerprints.",
    "Support sees in one place which bucket each upload goes to and how, without a key.",
    'STORAGES = {"default": {"BACKEND": "storages.backends.s3.S3Storage"}}',
    'STORAGES = {"default": {"BACKEND": "storages.backends.s3.S3Storage"}}',
    "Nothing to fix: this records what was found.")

E001 = Code(
    "s3.E001", "An AWS access key id or secret key has the wrong format",
    "For AWS (no endpoint URL, or an amazonaws.com one): the access key id is not `AKIA` "
    "or `ASIA` and 16 upper-case letters or digits, or the secret access key is not 40 "
    "characters of base64.",
    "A key from another provider, a partial copy or a placeholder: AWS answers "
    "`InvalidAccessKeyId` or `SignatureDoesNotMatch` to every upload.",
    'AWS_ACCESS_KEY_ID = "my-access-key"',
    'AWS_ACCESS_KEY_ID = os.environ["AWS_ACCESS_KEY_ID"]  # AKIA + 16 characters',
    "Copy the access key pair again from IAM (or the provider's console).", "python")

E002 = Code(
    "s3.E002", "The AWS access key id and secret key are swapped",
    "The secret key holds a value shaped like an access key id (`AKIA...`, 20 "
    "characters) and the access key id one shaped like a secret (40 characters).",
    "boto3 signs with the access key id as the secret: AWS answers `InvalidAccessKeyId`.",
    'AWS_ACCESS_KEY_ID = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"\n'
    'AWS_SECRET_ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"',
    'AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"\n'
    'AWS_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"',
    "Exchange the two values where they are defined.")

E003 = Code(
    "s3.E003", "An S3 credential has surrounding whitespace or quotes",
    "The access key id, secret key or session token begins or ends with spaces, a "
    "newline or quote characters.",
    "boto3 sends them as they are: `SignatureDoesNotMatch` or `InvalidAccessKeyId` "
    "on every upload, while the same key works in the console.",
    "AWS_SECRET_ACCESS_KEY=\"'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'\"",
    "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "Remove the quotes or whitespace where the variable is defined (.env file, "
    "dashboard).", "ini")

E004 = Code(
    "s3.E004", "The AWS session token and access key id disagree",
    "A session token with a long-term access key id (`AKIA...`), or a temporary key id "
    "(`ASIA...`) without a session token.",
    "Temporary credentials need all three values from the same STS answer: AWS answers "
    "`InvalidToken` (a token with a long-term key) or `InvalidAccessKeyId`.",
    'AWS_ACCESS_KEY_ID = "AKIA..."\nAWS_SESSION_TOKEN = os.environ["AWS_SESSION_TOKEN"]',
    'AWS_ACCESS_KEY_ID = "AKIA..."  # long-term keys: no AWS_SESSION_TOKEN',
    "Use long-term keys without a token, or all three temporary values together (better: "
    "let boto3 take them from the instance or task role).")

E005 = Code(
    "s3.E005", "An S3 storage cannot be built",
    "Django could not construct an S3Storage the project configures: django-storages "
    "raised while reading its settings (a location with a leading slash, a profile "
    "together with keys, one CloudFront key without the other).",
    "Every upload to that storage raises the same error.",
    'AWS_LOCATION = "/media"', 'AWS_LOCATION = "media"',
    "Fix the setting the error names.")

E006 = Code(
    "s3.E006", "botocore's default checksums break this S3-compatible service",
    "botocore 1.36 or later with a non-AWS endpoint URL, and neither "
    "`request_checksum_calculation` nor `response_checksum_validation` set to "
    "`when_required` (in the storage's client_config, the AWS_REQUEST_CHECKSUM_CALCULATION "
    "and AWS_RESPONSE_CHECKSUM_VALIDATION environment variables, or the shared config "
    "file).",
    "Since 1.36 botocore adds CRC checksums (and aws-chunked bodies) to every upload; "
    "MinIO, R2, B2, Spaces and GCS answer `XAmzContentSHA256Mismatch`, "
    "`SignatureDoesNotMatch` or `NotImplemented`.",
    'AWS_S3_ENDPOINT_URL = "https://<account>.r2.cloudflarestorage.com"',
    'from botocore.config import Config\n'
    'AWS_S3_CLIENT_CONFIG = Config(request_checksum_calculation="when_required",\n'
    '                              response_checksum_validation="when_required")',
    "Set both to when_required in AWS_S3_CLIENT_CONFIG (or the environment variables), "
    "or pin botocore<1.36.")

E007 = Code(
    "s3.E007", "An ACL is set for a service that rejects ACLs",
    "default_acl/AWS_DEFAULT_ACL (or an ACL in AWS_S3_OBJECT_PARAMETERS) other than "
    "`private` is set for an endpoint that does not implement object ACLs (Cloudflare R2).",
    "django-storages sends `x-amz-acl` with every upload; R2 answers `NotImplemented` and "
    "nothing is stored.",
    'AWS_DEFAULT_ACL = "public-read"', "AWS_DEFAULT_ACL = None  # public access: an R2 "
    "public bucket or custom domain",
    "Remove AWS_DEFAULT_ACL (None); make objects public through the bucket's settings.")

W001 = Code(
    "s3.W001", "public-read ACL on AWS: buckets created since April 2023 reject ACLs",
    "default_acl/AWS_DEFAULT_ACL (or the ACL of AWS_S3_OBJECT_PARAMETERS) is `public-read` "
    "or `public-read-write` for AWS S3. "
    "The network check (s3.bucket) reads the bucket's ownership controls to confirm.",
    "New buckets have Object Ownership `BucketOwnerEnforced` (ACLs disabled) and Block "
    "Public Access on: every upload fails with `AccessControlListNotSupported` (or "
    "`AccessDenied`).",
    'AWS_DEFAULT_ACL = "public-read"',
    "AWS_DEFAULT_ACL = None  # public reads through a bucket policy or CloudFront",
    "Drop the ACL and grant reads with a bucket policy or CloudFront, or enable ACLs on "
    "the bucket knowingly.")

W002 = Code(
    "s3.W002", "Uploads with the same name overwrite each other",
    "file_overwrite/AWS_S3_FILE_OVERWRITE is True (django-storages' default) for an S3 "
    "storage that takes uploads (not the staticfiles alias or S3StaticStorage).",
    "Django's get_available_name keeps the name as it is: two users' photo.jpg become "
    "one object, and the first is lost without an error.",
    "# AWS_S3_FILE_OVERWRITE unset (True)", "AWS_S3_FILE_OVERWRITE = False",
    "Set AWS_S3_FILE_OVERWRITE = False (or file_overwrite in OPTIONS), or give each "
    "upload a unique upload_to name.")

W003 = Code(
    "s3.W003", "Signed URLs expire before what caches them",
    "querystring_auth is on and querystring_expire (AWS_QUERYSTRING_EXPIRE, 3600 s by "
    "default) is shorter than the default cache's TIMEOUT (None: forever) or the cache "
    "middleware's CACHE_MIDDLEWARE_SECONDS.",
    "A cached page or fragment keeps serving a signed URL after it expired: images go "
    "blank (403 `Request has expired`) until the cache entry does.",
    'CACHES = {"default": {..., "TIMEOUT": None}}\nAWS_QUERYSTRING_EXPIRE = 3600',
    'CACHES = {"default": {..., "TIMEOUT": 600}}\nAWS_QUERYSTRING_EXPIRE = 3600',
    "Make the expiry longer than any cache of pages that hold the URLs, or cache for "
    "less, or serve public objects without signatures.")

W004 = Code(
    "s3.W004", "Signed URLs are asked for but a custom domain makes them unsigned",
    "querystring_auth is set to True by the project and custom_domain is set without "
    "CloudFront keys (AWS_CLOUDFRONT_KEY_ID/AWS_CLOUDFRONT_KEY).",
    "django-storages builds custom-domain URLs without any signature unless it can sign "
    "them for CloudFront: on a private bucket every image answers 403.",
    'AWS_S3_CUSTOM_DOMAIN = "cdn.example.com"\nAWS_QUERYSTRING_AUTH = True',
    'AWS_S3_CUSTOM_DOMAIN = "cdn.example.com"\nAWS_CLOUDFRONT_KEY_ID = "K2..."\n'
    'AWS_CLOUDFRONT_KEY = os.environ["AWS_CLOUDFRONT_KEY"]',
    "Give django-storages CloudFront keys, or make the objects public behind the CDN "
    "and set AWS_QUERYSTRING_AUTH = False.")

E008 = Code(
    "s3.E008", "The custom domain has a scheme or a path",
    "custom_domain/AWS_S3_CUSTOM_DOMAIN contains `://`, a `/` or surrounding whitespace.",
    "django-storages writes `https://` + the domain + `/` + the name: "
    "`https://https://cdn.example.com//photo.jpg`, a URL that loads nothing.",
    'AWS_S3_CUSTOM_DOMAIN = "https://cdn.example.com/"',
    'AWS_S3_CUSTOM_DOMAIN = "cdn.example.com"',
    "Keep the host name only; AWS_S3_URL_PROTOCOL sets the scheme and AWS_LOCATION the "
    "path.")

E009 = Code(
    "s3.E009", "The endpoint URL names another AWS region than region_name",
    "An amazonaws.com endpoint URL with a region in its host (s3.eu-west-1.amazonaws.com) "
    "while region_name/AWS_S3_REGION_NAME is another region.",
    "boto3 signs for region_name and sends to the endpoint's region: "
    "`AuthorizationHeaderMalformed` or `SignatureDoesNotMatch`, and presigned URLs fail.",
    'AWS_S3_REGION_NAME = "us-east-1"\n'
    'AWS_S3_ENDPOINT_URL = "https://s3.eu-west-1.amazonaws.com"',
    'AWS_S3_REGION_NAME = "eu-west-1"  # and no endpoint URL for AWS',
    "Set the bucket's region and drop the endpoint URL (boto3 builds AWS's itself).")

E010 = Code(
    "s3.E010", "Signature version 2 in a region that accepts only version 4",
    "signature_version `s3` (SigV2) with an AWS region launched after January 2014 "
    "(e.g. eu-central-1, us-east-2, ap-south-1).",
    "Those regions never accepted SigV2: `InvalidRequest: The authorization mechanism you "
    "have provided is not supported. Please use AWS4-HMAC-SHA256.`",
    'AWS_S3_SIGNATURE_VERSION = "s3"', 'AWS_S3_SIGNATURE_VERSION = "s3v4"',
    "Use s3v4 (boto3's default: remove the setting).")

W005 = Code(
    "s3.W005", "Signature version 2 is turned off for new buckets",
    "signature_version `s3` (SigV2) for AWS in a region that still accepts it for old "
    "buckets, or with no region.",
    "AWS accepts SigV2 only for buckets created before June 24, 2020: uploads to a newer "
    "bucket fail with `InvalidRequest` asking for AWS4-HMAC-SHA256.",
    'AWS_S3_SIGNATURE_VERSION = "s3"', 'AWS_S3_SIGNATURE_VERSION = "s3v4"',
    "Use s3v4 (boto3's default: remove the setting).")

W006 = Code(
    "s3.W006", "Two storages share a bucket prefix",
    "Two S3 storages (STORAGES aliases or model fields) use the same bucket and endpoint "
    "with the same location, or one location inside the other.",
    "Static files and uploads mix: `collectstatic --clear` deletes what is under the "
    "static location, uploads included, and names can collide.",
    'STORAGES = {"default": {... "location": ""}, "staticfiles": {... "location": ""}}',
    'STORAGES = {"default": {... "location": "media"},\n'
    '            "staticfiles": {... "location": "static"}}',
    "Give each storage its own location (or its own bucket).")

# -- s3.bucket ------------------------------------------------------------------------------------
# What the bucket and the provider answered; s3.upload may report its own calls' errors with the
# provider-error codes (E040-E050) too.

I040 = Code(
    "s3.I040", "The S3 bucket answers the storage's client",
    "HeadBucket and a 1-key ListObjectsV2 under the storage's location succeeded with the "
    "client django-storages builds (its credentials, endpoint, region and botocore config). "
    "The evidence shows the bucket's Object Ownership and public-access block where the "
    "policy allows reading them.",
    "Support sees which bucket, endpoint and region the storage really talks to.",
    'AWS_STORAGE_BUCKET_NAME = "acme-media"', 'AWS_STORAGE_BUCKET_NAME = "acme-media"',
    "Nothing to fix: this records what the bucket answered.")

E040 = Code(
    "s3.E040", "The provider rejects the request signature (SignatureDoesNotMatch)",
    "The bucket answered SignatureDoesNotMatch: it computed another signature than the "
    "client sent.",
    "The secret access key does not belong to the access key id (a copy of another key, a "
    "trailing newline or quote from .env, a rotated key), or a proxy rewrote the request. "
    "Every upload fails with the same error.",
    'AWS_SECRET_ACCESS_KEY = os.environ["AWS_SECRET_ACCESS_KEY"]  # "wJalr...EY\\n"',
    'AWS_SECRET_ACCESS_KEY = os.environ["AWS_SECRET_ACCESS_KEY"].strip()',
    "Copy the secret access key of this access key id again from the provider's console "
    "(IAM, R2 API tokens, MinIO), without quotes or whitespace.")

E041 = Code(
    "s3.E041", "The credentials may not read the bucket (AccessDenied)",
    "HeadBucket or ListObjectsV2 under the storage's location answered AccessDenied (a HEAD "
    "answer has no body: 403 alone).",
    "The key is valid, but the IAM policy (or bucket policy) does not allow s3:ListBucket: "
    "django-storages' exists() and listdir() fail, and a policy this narrow usually lacks "
    "s3:GetObject/s3:PutObject too.",
    '{"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": "arn:aws:s3:::acme-media/*"}',
    '{"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": "arn:aws:s3:::acme-media"},\n'
    '{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],\n'
    ' "Resource": "arn:aws:s3:::acme-media/*"}',
    "Grant s3:ListBucket on the bucket and s3:GetObject, s3:PutObject, s3:DeleteObject on "
    "its objects to the storage's user or role.", "json")

E042 = Code(
    "s3.E042", "The bucket does not exist (NoSuchBucket)",
    "The provider answered NoSuchBucket (HeadBucket: 404).",
    "A typo in AWS_STORAGE_BUCKET_NAME, a bucket of another account or endpoint, or one not "
    "created in this environment: every upload fails.",
    'AWS_STORAGE_BUCKET_NAME = "acme-meida"', 'AWS_STORAGE_BUCKET_NAME = "acme-media"',
    "Set the bucket name the provider's console shows, on the endpoint that holds it, or "
    "create the bucket.")

E043 = Code(
    "s3.E043", "The bucket is in another region (PermanentRedirect)",
    "The provider answered PermanentRedirect (HeadBucket: 301) or AuthorizationHeaderMalformed "
    "for the region; the finding names the bucket's region from the x-amz-bucket-region "
    "header.",
    "botocore follows one redirect for S3's own endpoints, but not through an endpoint URL "
    "set for another region, and signed URLs keep the wrong region: uploads fail or images "
    "answer 301/400.",
    'AWS_S3_REGION_NAME = "us-east-1"  # the bucket lives in eu-west-1',
    'AWS_S3_REGION_NAME = "eu-west-1"',
    "Set AWS_S3_REGION_NAME (and AWS_S3_ENDPOINT_URL, if set) to the bucket's region.")

E044 = Code(
    "s3.E044", "The provider does not know the access key (InvalidAccessKeyId)",
    "The provider answered InvalidAccessKeyId.",
    "The key was deleted or rotated, belongs to another provider (an AWS key sent to R2, a "
    "MinIO key sent to AWS), or the endpoint URL points at the wrong service.",
    'AWS_ACCESS_KEY_ID = "AKIA...OLDKEY"', 'AWS_ACCESS_KEY_ID = os.environ["AWS_ACCESS_KEY_ID"]',
    "Create or copy a current key pair for this provider and set both halves together.")

E045 = Code(
    "s3.E045", "This machine's clock is off (RequestTimeTooSkewed)",
    "The provider answered RequestTimeTooSkewed; the finding shows the request's time, the "
    "server's and the difference.",
    "SigV4 signatures carry the time and S3 refuses requests more than 15 minutes off: every "
    "call fails until the clock is right.",
    "# a container host without NTP, 2 hours behind", "timedatectl set-ntp true",
    "Synchronise the clock (chrony or systemd-timesyncd on the host; a container takes the "
    "host's clock).", "sh")

E046 = Code(
    "s3.E046", "The provider does not implement what the client sent (NotImplemented)",
    "The provider answered NotImplemented (501), e.g. Cloudflare R2 for a header it does not "
    "support.",
    "S3-compatible services implement a subset of S3: the same request fails on every upload.",
    'AWS_DEFAULT_ACL = "public-read"  # R2: Header \'x-amz-acl\' ... not implemented',
    "AWS_DEFAULT_ACL = None",
    "Remove the setting that makes the client send what the message names (an ACL, a "
    "storage class, an SSE option) for this provider.")

E047 = Code(
    "s3.E047", "The provider rejects botocore's default checksums",
    "The provider answered XAmzContentSHA256Mismatch, or an error about x-amz-checksum or "
    "the aws-chunked trailer.",
    "botocore 1.36 and later add a CRC32 checksum (an aws-chunked trailer) to every upload; "
    "MinIO, R2, B2, Spaces and GCS's S3 mode reject it unless the client only sends "
    "checksums when an operation requires them.",
    'AWS_S3_ENDPOINT_URL = "https://<account>.r2.cloudflarestorage.com"',
    "from botocore.config import Config\n"
    "AWS_S3_CLIENT_CONFIG = Config(request_checksum_calculation=\"when_required\",\n"
    "                              response_checksum_validation=\"when_required\")",
    "Set request_checksum_calculation and response_checksum_validation to \"when_required\" "
    "(AWS_S3_CLIENT_CONFIG, or AWS_REQUEST_CHECKSUM_CALCULATION=when_required in the "
    "environment).")

E048 = Code(
    "s3.E048", "The S3 endpoint did not answer in time",
    "A call got no answer within UPLOAD_DIAGNOSTICS[\"S3\"][\"TIMEOUT\"] seconds.",
    "botocore waits 60 s per read and retries: a hung endpoint holds a gunicorn worker until "
    "its timeout kills it (WORKER TIMEOUT).",
    "AWS_S3_CLIENT_CONFIG = None", 'AWS_S3_CLIENT_CONFIG = Config(connect_timeout=5, '
    'read_timeout=20, retries={"max_attempts": 3})',
    "Check egress to the endpoint (firewall, proxy) and the provider's status; bound the "
    "client with connect_timeout/read_timeout.")

E049 = Code(
    "s3.E049", "The S3 endpoint cannot be reached",
    "The connection was refused, dropped, or the host name or TLS handshake failed.",
    "Every upload fails with EndpointConnectionError or an SSL error.",
    'AWS_S3_ENDPOINT_URL = "http://minio:9000"  # not running here',
    'AWS_S3_ENDPOINT_URL = "https://minio.internal:9000"',
    "Check AWS_S3_ENDPOINT_URL, that the service runs and that this environment reaches it "
    "(DNS, firewall, HTTPS_PROXY/NO_PROXY, CA bundle via AWS_CA_BUNDLE).")

E050 = Code(
    "s3.E050", "The S3 endpoint answered with an unexpected error",
    "A call failed with an error none of the other codes explains; the evidence shows the "
    "status, code and message.",
    "Whatever it is, the storage's calls fail the same way.",
    "# an error the evidence names", "# see the provider's documentation for that code",
    "Look the code up in the provider's S3 error reference.")

E051 = Code(
    "s3.E051", "The storage sends an ACL to a bucket with ACLs disabled",
    "The bucket's Object Ownership is BucketOwnerEnforced (the default for buckets created "
    "since April 2023) and the storage sets an ACL (AWS_DEFAULT_ACL or ACL in "
    "AWS_S3_OBJECT_PARAMETERS).",
    "S3 refuses every PutObject that carries x-amz-acl: AccessControlListNotSupported "
    "'The bucket does not allow ACLs'.",
    'AWS_DEFAULT_ACL = "public-read"',
    "AWS_DEFAULT_ACL = None  # public reads come from a bucket policy or CloudFront",
    "Remove the ACL setting and grant public reads with a bucket policy, or enable ACLs "
    "(Object Ownership: bucket owner preferred).")

E052 = Code(
    "s3.E052", "The storage sends a public ACL that the public-access block refuses",
    "The bucket's public-access block has BlockPublicAcls and the storage sets a public ACL "
    "(public-read, public-read-write).",
    "S3 refuses every PutObject with a public ACL (AccessDenied).",
    'AWS_DEFAULT_ACL = "public-read"', "AWS_DEFAULT_ACL = None",
    "Remove the public ACL (serve images through signed URLs, CloudFront or a bucket "
    "policy), or turn BlockPublicAcls off for this bucket and account if they must be "
    "public.")

I041 = Code(
    "s3.I041", "The bucket's ownership or public-access settings could not be read",
    "GetBucketOwnershipControls or GetPublicAccessBlock answered AccessDenied or "
    "NotImplemented.",
    "Nothing breaks: a storage's key rarely may read bucket settings, and S3-compatible "
    "services often lack them; the ACL checks E051/E052 could not run.",
    '{"Action": ["s3:PutObject", "s3:GetObject"]}',
    '{"Action": ["s3:PutObject", "s3:GetObject", "s3:GetBucketOwnershipControls",\n'
    '            "s3:GetBucketPublicAccessBlock"]}',
    "Nothing to fix; to have these checked, run with a key that may read them.", "json")

E053 = Code(
    "s3.E053", "botocore finds no credentials for the storage",
    "Neither the storage's settings (AWS_S3_ACCESS_KEY_ID, AWS_ACCESS_KEY_ID...) nor "
    "botocore's chain (environment, profile, instance role) gave credentials, or botocore "
    "cannot make the storage's client at all (a profile that is not in the shared files).",
    "Every upload fails with NoCredentialsError 'Unable to locate credentials' (or "
    "ProfileNotFound).",
    "# no AWS_ACCESS_KEY_ID anywhere",
    'AWS_ACCESS_KEY_ID = os.environ["AWS_ACCESS_KEY_ID"]\n'
    'AWS_SECRET_ACCESS_KEY = os.environ["AWS_SECRET_ACCESS_KEY"]',
    "Set the key pair in the deployment's environment, or attach a role (instance profile, "
    "task role, IRSA).")

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
    fix="Read the provider error in the finding; its hint gives the fix of the s3.bucket "
        "code that names the same answer (botocore's default checksums on a service that "
        "rejects them, a policy without s3:PutObject, a wrong key, region or clock), and "
        "s3.config reports the settings behind it (an ACL the bucket does not allow). Fix "
        "the setting, then run with --e2e again.")

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
