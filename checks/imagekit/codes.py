"""The imagekit family's finding codes, each declared once. Numbers by check:

    001-009  imagekit.credentials  the keys' and URL endpoint's shape (I003: imagekit.auth)
    010-019  imagekit.auth         what ImageKit answered; imagekit.upload reuses them
    020-029  imagekit.sdk          the installed imagekitio against the project's code
    030-039  imagekit.upload       the upload round trip
"""
from upload_diagnostics.diagnostics import Code

# -- imagekit.credentials: the values' shape ------------------------------------------------------

I001 = Code(
    "imagekit.I001", "ImageKit configuration found",
    "Emitted once with where each ImageKit value came from (setting or environment), "
    "the storage backend and the installed SDK; keys are shown as fingerprints.",
    "Support compares fingerprints with the dashboard without seeing a key.",
    'IMAGEKIT_PRIVATE_KEY = os.environ["IMAGEKIT_PRIVATE_KEY"]',
    'IMAGEKIT_PRIVATE_KEY = os.environ["IMAGEKIT_PRIVATE_KEY"]',
    "Nothing to fix: this records what was found.")

E001 = Code(
    "imagekit.E001", "An ImageKit value the SDK needs is missing or empty",
    "The private key (or, for imagekitio 2.x-4.x, the public key or URL endpoint) is "
    "neither a setting nor an environment variable, or is empty.",
    "imagekitio 4.x raises ValueError while the storage is built; 5.x sends no key "
    "and ImageKit answers 401 'Your request does not contain private API key.'.",
    'IMAGEKIT_PRIVATE_KEY = os.environ.get("IMAGEKIT_PRIVATE_KEY", "")',
    'IMAGEKIT_PRIVATE_KEY = os.environ["IMAGEKIT_PRIVATE_KEY"]  # fail at start-up',
    "Set the variable in the deployment (dashboard > Developer options).")

W001 = Code(
    "imagekit.W001", "An ImageKit value this SDK does not need is missing",
    "With imagekitio 5.x the public key or URL endpoint is missing.",
    "Uploads work, but URLs the storage builds from the endpoint are wrong.",
    'IMAGEKIT_URL_ENDPOINT = ""', 'IMAGEKIT_URL_ENDPOINT = "https://ik.imagekit.io/acme"',
    "Set the value from the dashboard.")

E002 = Code(
    "imagekit.E002", "An ImageKit key has the wrong prefix",
    "The private key does not start with `private_` or the public key with `public_`.",
    "A key from another service or a partial copy: every call answers 403.",
    'IMAGEKIT_PRIVATE_KEY = "lRzKMZ7sETu6KZWCn4ERDvDL3ek="',
    'IMAGEKIT_PRIVATE_KEY = "private_lRzKMZ7sETu6KZWCn4ERDvDL3ek="',
    "Copy the whole key again from the dashboard.", "ini")

E003 = Code(
    "imagekit.E003", "The private and public keys are swapped",
    "The private key setting holds a `public_` key and the public one a `private_` "
    "key.", "The SDK authenticates with the public key: 403 on every upload.",
    "IMAGEKIT_PRIVATE_KEY=public_...\nIMAGEKIT_PUBLIC_KEY=private_...",
    "IMAGEKIT_PRIVATE_KEY=private_...\nIMAGEKIT_PUBLIC_KEY=public_...",
    "Exchange the two values.", "ini")

E004 = Code(
    "imagekit.E004", "An ImageKit value has surrounding whitespace or quotes",
    "A key or the endpoint begins or ends with spaces, a newline or quote characters.",
    "The quotes become part of the key; ImageKit answers 403.",
    'IMAGEKIT_PRIVATE_KEY="\'private_abc=\'"', "IMAGEKIT_PRIVATE_KEY=private_abc=",
    "Remove the quotes or whitespace where the variable is defined.", "ini")

E005 = Code(
    "imagekit.E005", "An ImageKit key looks truncated",
    "The part after `private_`/`public_` is base64 whose length is not a multiple of "
    "four: the trailing `=` was dropped.",
    "Some .env parsers and shells strip a trailing `=`; the key no longer matches: "
    "403.", "IMAGEKIT_PRIVATE_KEY=private_lRzKMZ7sETu6KZWCn4ERDvDL3ek",
    'IMAGEKIT_PRIVATE_KEY="private_lRzKMZ7sETu6KZWCn4ERDvDL3ek="',
    "Quote the value and paste the full key.", "ini")

E006 = Code(
    "imagekit.E006", "The URL endpoint is not an https URL",
    "IMAGEKIT_URL_ENDPOINT has no scheme, or http for a non-local host.",
    "File URLs built from it are relative or insecure; browsers block mixed content.",
    'IMAGEKIT_URL_ENDPOINT = "ik.imagekit.io/acme"',
    'IMAGEKIT_URL_ENDPOINT = "https://ik.imagekit.io/acme"', "Add https://.")

W002 = Code(
    "imagekit.W002", "The URL endpoint's path is not an ImageKit id",
    "An ik.imagekit.io endpoint with no path or with more than one path segment "
    "(custom domains are not checked).",
    "Every file URL built from it points at another account or folder: 404.",
    'IMAGEKIT_URL_ENDPOINT = "https://ik.imagekit.io/"',
    'IMAGEKIT_URL_ENDPOINT = "https://ik.imagekit.io/acme"',
    "Copy the endpoint from the dashboard.")

W003 = Code(
    "imagekit.W003", "Settings and environment disagree",
    "A setting holds a different value from the environment variable of the same "
    "name (imagekitio 5.x reads IMAGEKIT_PRIVATE_KEY itself).",
    "Two sources of truth: one process uploads with one key, another with the other.",
    'IMAGEKIT_PRIVATE_KEY = "private_old="  # while the env has private_new=',
    'IMAGEKIT_PRIVATE_KEY = os.environ["IMAGEKIT_PRIVATE_KEY"]',
    "Read the setting from the environment, or remove the stale variable.")

W004 = Code(
    "imagekit.W004", "An ImageKit value is missing, but the default storage is not ImageKit's",
    "The project imports imagekitio or names ImageKit keys in its settings, the key an "
    "upload needs is missing or empty, and the default storage is another remote backend "
    "(S3, GCS, Azure...): uploads do not go through ImageKit, so this is not why they "
    "fail. (With FileSystemStorage the key stays an error, imagekit.E001: code may upload "
    "through imagekitio itself.)",
    "Code that still calls imagekitio directly (a leftover storage class, a management "
    "command, a model field's own storage) fails the same way imagekit.E001 describes.",
    'STORAGES = {"default": {"BACKEND": "storages.backends.s3.S3Storage"}}\n'
    'IMAGEKIT_PRIVATE_KEY = os.environ.get("IMAGEKIT_PRIVATE_KEY", "")',
    'STORAGES = {"default": {"BACKEND": "storages.backends.s3.S3Storage"}}\n'
    '# the ImageKit settings and the unused storage class removed',
    "Remove the ImageKit code and settings nothing uses, or set the key where it is used.")


# -- imagekit.auth: what ImageKit answered --------------------------------------------------------

I003 = Code(
    "imagekit.I003", "ImageKit accepted the private key",
    "GET /v1/files?limit=1 answered 200 with JSON.",
    "The key works from this host; upload failures lie elsewhere.",
    "IMAGEKIT_PRIVATE_KEY=private_... (accepted)",
    "IMAGEKIT_PRIVATE_KEY=private_... (accepted)", "Nothing to fix.", "ini")

E010 = Code(
    "imagekit.E010", "ImageKit answered 401: no private key",
    "A call answered 401 'Your request does not contain private API key.'.",
    "Every upload fails the same way.",
    "ImageKit(private_key=os.environ.get('IK_KEY'))  # unset in production",
    "ImageKit(private_key=settings.IMAGEKIT_PRIVATE_KEY)",
    "Set the private key in this environment.")

E011 = Code(
    "imagekit.E011", "ImageKit answered 403: wrong key",
    "A call answered 403 'Your account cannot be authenticated.'.",
    "The key belongs to another account, is the public key, or was altered.",
    "IMAGEKIT_PRIVATE_KEY=private_from_staging=", "IMAGEKIT_PRIVATE_KEY=private_prod=",
    "Copy the private key again from the dashboard.", "ini")

W010 = Code(
    "imagekit.W010", "ImageKit answered 429: rate limited",
    "A call answered 429 with X-RateLimit-* headers.",
    "Bursts of uploads fail until the limit resets; 4.x does not retry.",
    "for f in files: client.upload_file(...)",
    "retry with backoff on 429, honouring X-RateLimit-Reset",
    "Add backoff, or ask ImageKit for a higher limit.")

E012 = Code(
    "imagekit.E012", "ImageKit or a proxy answered 5xx",
    "A call answered 500, 502, 503 or 504 (HTML bodies come from a proxy).",
    "Uploads fail with a 500 from the view unless the error is handled.",
    "client.upload_file(...)  # 502 surfaces as SyntaxError in 4.x",
    "catch the SDK's server error and answer 503 with Retry-After",
    "Check ImageKit's status page and any proxy; retry with backoff.")

E013 = Code(
    "imagekit.E013", "A call to ImageKit timed out",
    "No answer within UPLOAD_DIAGNOSTICS['IMAGEKIT']['TIMEOUT'] seconds.",
    "imagekitio 2.x-4.x have no timeout: the request hangs until gunicorn kills the "
    "worker.", "ImageKit(...)  # 4.x: requests without timeout",
    "ImageKit(private_key=..., timeout=20)  # 5.x", "Check egress; set a timeout.")

E014 = Code(
    "imagekit.E014", "The ImageKit host name does not resolve",
    "The call failed with a DNS resolution error.",
    "No upload can reach ImageKit from this host.", "BASE_URL=https://api.imagekit.oi",
    "BASE_URL=https://api.imagekit.io", "Fix DNS or the host name.", "ini")

E015 = Code(
    "imagekit.E015", "TLS handshake with ImageKit failed",
    "The call failed with an SSL/TLS error.",
    "Missing CA certificates or an intercepting proxy break every upload.",
    "FROM python:slim  # no ca-certificates",
    "RUN apt-get install -y ca-certificates", "Install the CA bundle.", "dockerfile")

E016 = Code(
    "imagekit.E016", "ImageKit's answer is not JSON",
    "A call answered with a body that is not JSON (an HTML page).",
    "The SDK fails with a JSON decoding error that hides the real cause.",
    "API base URL pointing at a web page", "the API base URL of ImageKit",
    "Check the base URL and proxies.")

E019 = Code(
    "imagekit.E019", "The SDK could not read a successful answer",
    "ImageKit answered 2xx with JSON, but the installed SDK raised while reading it "
    "(imagekitio 3.0.x: TypeError: unexpected keyword argument for a new field).",
    "The upload succeeded on ImageKit's side, yet the storage raises: a 500 and an "
    "orphaned file on every upload.", "imagekitio==3.0.1", "imagekitio>=3.1,<5",
    "Upgrade the SDK.", "ini")

E017 = Code(
    "imagekit.E017", "The connection to ImageKit was refused or dropped",
    "The call failed without any HTTP answer.",
    "Firewalls, proxies or a wrong base URL drop every upload.",
    "HTTPS_PROXY=http://proxy.invalid:3128", "NO_PROXY or a working proxy",
    "Check egress and proxy settings.", "ini")

E018 = Code(
    "imagekit.E018", "Unexpected answer from ImageKit or the SDK",
    "The SDK refused the configuration or the call answered an unexpected status.",
    "The upload path fails in a way the other codes do not cover.",
    "an answer 418 to GET /v1/files", "an answer 200 with a JSON list",
    "Read the evidence (status and body) and compare with ImageKit's API reference.")


# -- imagekit.sdk: the installed SDK against the project's code -----------------------------------

I020 = Code(
    "imagekit.I020", "Installed imagekitio generation",
    "Reports the installed imagekitio version and which API generation it belongs to.",
    "Four incompatible generations exist; support needs to know which one runs.",
    "imagekitio==4.2.0", "imagekitio==4.2.0",
    "Nothing to fix: compare it with the version the code was written for.", "ini")

W020 = Code(
    "imagekit.W020", "The installed imagekitio has no HTTP timeout",
    "imagekitio 2.x-4.x call requests without a timeout.",
    "A stalled ImageKit call holds the gunicorn worker until the arbiter kills it "
    "(WORKER TIMEOUT); the user gets a 502/504.",
    "imagekitio==4.2.0", "imagekitio>=5  # ImageKit(private_key=..., timeout=20)",
    "Upgrade to 5.x and pass timeout=, or run the upload with your own deadline.",
    "ini")

W021 = Code(
    "imagekit.W021", "imagekitio 3.0.x cannot read current answers",
    "The installed imagekitio is 3.0.x, whose result classes reject unknown fields.",
    "ImageKit's answers carry fields added after 3.0: every upload raises TypeError "
    "after the file was stored.", "imagekitio==3.0.1", "imagekitio>=3.1",
    "Upgrade the SDK (3.1-4.x keep the same API).", "ini")

W022 = Code(
    "imagekit.W022", "The requirements pin another imagekitio generation than the installed one",
    "A requirements file (requirements*.txt or requirements/*.txt, UTF-8 or UTF-16) pins "
    "imagekitio to an exact version of another API generation (2.x, 3.0.x, 3.1-4.x, 5.x) "
    "than the one installed where the diagnosis runs.",
    "The other imagekit.sdk findings judge the code against the installed generation; the "
    "deployment installs the pinned one, whose API differs (5.x has no upload_file, no "
    "public_key, no imagekitio.exceptions). What passes here can fail there, and the "
    "other way round.",
    "# requirements.txt\nimagekitio==4.2.0\n# the diagnosis runs where imagekitio 5.11.0 "
    "is installed",
    "# run the diagnosis in the deployment's own environment\n"
    "pip install -r requirements.txt && diagnose-uploads imagekit",
    "Run the diagnosis with the requirements installed, or update the pin and the code "
    "together.", "ini")

W023 = Code(
    "imagekit.W023", "A key is read from a setting named for the other key",
    "An ImageKit(...) call passes private_key a value whose expression names the public "
    "key (settings.IMAGEKIT_PUBLIC_KEY, os.environ[\"IK_PUBLIC\"], public_key) and not "
    "the private one, or passes public_key a value named for the private key.",
    "The public key in place of the private one makes every upload fail with 403 \"Your "
    "account cannot be authenticated\" - and a private key in the public_key slot can end "
    "up where public keys go (templates, the browser). When the names are right and only "
    "the values swapped, imagekit.credentials reports that instead.",
    "ImageKit(private_key=settings.IMAGEKIT_PUBLIC_KEY,\n"
    "         public_key=settings.IMAGEKIT_PRIVATE_KEY,\n"
    "         url_endpoint=settings.IMAGEKIT_URL_ENDPOINT)",
    "ImageKit(private_key=settings.IMAGEKIT_PRIVATE_KEY,\n"
    "         public_key=settings.IMAGEKIT_PUBLIC_KEY,\n"
    "         url_endpoint=settings.IMAGEKIT_URL_ENDPOINT)",
    "Pass each key from the setting or variable that holds it; if the names themselves "
    "are swapped, rename them so the next reader is not misled.")

E020 = Code(
    "imagekit.E020", "The project imports imagekitio, which is not installed",
    "A project file imports imagekitio and the package is missing.",
    "The storage module fails to import: every upload is a 500.",
    "from imagekitio import ImageKit  # requirements.txt lacks imagekitio",
    "imagekitio==4.2.0  # in requirements.txt", "Install the SDK.", "python")

E021 = Code(
    "imagekit.E021", "An imagekitio import does not exist in the installed SDK",
    "A `from imagekitio... import ...` names a module or attribute the installed "
    "package does not have (e.g. imagekitio.exceptions on 5.x).",
    "ImportError when the storage module loads.",
    "from imagekitio.exceptions import ForbiddenException  # on 5.x",
    "from imagekitio import PermissionDeniedError", "Use the installed API.")

E022 = Code(
    "imagekit.E022", "ImageKit() keyword not accepted by the installed SDK",
    "The ImageKit constructor is called with a keyword its signature lacks "
    "(5.x has no public_key/url_endpoint).", "TypeError when the storage is built.",
    "ImageKit(private_key=pk, public_key=pub, url_endpoint=url)  # on 5.x",
    "ImageKit(private_key=pk)", "Pass only the keywords the installed SDK takes.")

E023 = Code(
    "imagekit.E023", "Client method missing or called with unknown keywords",
    "A method called on an ImageKit client does not exist in the installed SDK or "
    "does not accept a keyword (upload_file on 5.x, files.upload on 4.x).",
    "AttributeError/TypeError during the upload: a 500.",
    "client.upload_file(file=data, file_name=name)  # on 5.x",
    "client.files.upload(file=data, file_name=name)", "Use the installed API.")

E024 = Code(
    "imagekit.E024", "Upload result read in a way the installed SDK does not support",
    "An attribute read from an upload result is not a field of the installed "
    "result class, or the result is subscripted like a 2.x dict.",
    "AttributeError/TypeError after a successful upload: the file is stored but the "
    "request fails.", 'file_id = result["response"]["fileId"]  # 3.1+',
    "file_id = result.file_id", "Read the fields the installed result class has.")

E025 = Code(
    "imagekit.E025", "except clause catches a module",
    "`from imagekitio.exceptions import X` binds the module X (4.x has one module per "
    "class); `except X` then catches a module.",
    "Any error reaching the clause becomes TypeError 'catching classes that do not "
    "inherit from BaseException is not allowed', hiding the real cause.",
    "from imagekitio.exceptions import ForbiddenException\n"
    "try: ...\nexcept ForbiddenException: ...",
    "from imagekitio.exceptions.ForbiddenException import ForbiddenException",
    "Import the class from its module.")


# -- imagekit.upload: the round trip --------------------------------------------------------------

I030 = Code(
    "imagekit.I030", "Upload round trip succeeded",
    "With --e2e: a tiny PNG was uploaded through the installed SDK and deleted; the "
    "evidence lists its file id and path.",
    "The write path to ImageKit works with this SDK and these keys.",
    "diagnose-uploads imagekit --e2e", "diagnose-uploads imagekit --e2e",
    "Nothing to fix.", "shell")

E030 = Code(
    "imagekit.E030", "ImageKit rejected the upload: missing file parameter",
    "The upload answered 400 'Your request is missing file parameter.'.",
    "The body carried 0 bytes: the file pointer was at EOF when the storage read it.",
    "data = content.read()  # after the serializer already read it",
    "content.seek(0)\ndata = content.read()", "Rewind uploads before reading them.")

E031 = Code(
    "imagekit.E031", "The upload response lacks a field the code reads",
    "A field the project's code reads from upload results is missing or null in a "
    "real response of the installed SDK.",
    "The storage fails after the file was stored, leaving an orphan.",
    "result.response_metadata.raw['fileId']  # on 5.x",
    "result.file_id", "Read fields the installed result class has.")
