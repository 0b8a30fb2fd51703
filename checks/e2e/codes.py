"""The e2e family's finding codes, each declared once."""
from upload_diagnostics.diagnostics import Code

_SERIALIZER_BAD = """def create(self, validated_data):
    upload = validated_data["image"]
    validated_data["checksum"] = hashlib.sha256(upload.read()).hexdigest()
    return super().create(validated_data)  # the storage reads b''"""
_SERIALIZER_GOOD = """def create(self, validated_data):
    upload = validated_data["image"]
    validated_data["checksum"] = hashlib.sha256(upload.read()).hexdigest()
    upload.seek(0)
    return super().create(validated_data)"""

E001 = Code(
    code="e2e.E001",
    title="The upload was read at its end after another read consumed it",
    detects="During the end-to-end upload, the read tracker (a proxy under each upload, "
            "each Django File made during the request, such as a ContentFile of the "
            "upload's bytes, and each BytesIO the project's modules make) records every "
            "read, write, seek and tell with the calling frame and the project frames "
            "above it. It emits this code when project or library code reads nothing "
            "because a call elsewhere had consumed (or written) the stream to its end "
            "and nothing rewound it; the evidence names both lines. A save of such a "
            "stream is reported by what was stored instead (e2e.E002, e2e.E004), or by "
            "this code when the save failed on what was left.",
    why="The second consumer gets b''. A remote storage that calls content.read() "
        "(ImageKit, most SDK-based backends) uploads 0 bytes or fails with 'Missing file "
        "parameter for upload'; Pillow on BytesIO(f.read()) fails with 'cannot "
        "identify image file'. FileSystemStorage rewinds through chunks(), so the bug "
        "only shows in production.",
    bad=_SERIALIZER_BAD,
    good=_SERIALIZER_GOOD,
    fix="Call upload.seek(0) after the first read, right where it happens, or read the "
        "file once into bytes and give each consumer BytesIO(data).")

E002 = Code(
    code="e2e.E002",
    title="An object was stored with 0 bytes",
    detects="The recording storage (or, with --e2e, the real storage read back) "
            "received content that was empty although the file object handed to "
            "save() had a size. When the read tracker saw what left the stream at its "
            "end, the finding sits at the save and its evidence names the consuming "
            "line (`path:line`) and the frames between the two.",
    why="The stored image is empty: every page that shows it gets a broken image, and "
        "ImageKit or S3 may reject the upload outright. It almost always means the "
        "stream was consumed before save() and not rewound.",
    bad=_SERIALIZER_BAD,
    good=_SERIALIZER_GOOD,
    fix="Add seek(0) after the consuming call the evidence names (or right before the "
        "save), or save a fresh ContentFile(data).")

E003 = Code(
    code="e2e.E003",
    title="A stored object does not decode as an image",
    detects="Pillow cannot open and verify the bytes the storage received, although "
            "they are not empty.",
    why="The site stores something that is not the image: a partly read stream, text, "
        "or a wrong buffer. Thumbnails and pages that show it fail later, far from the "
        "cause.",
    bad="out = BytesIO()\nimage.save(out, 'WEBP')\n"
        "storage.save(name, ContentFile(out.read()))  # at the end: b''",
    good="out = BytesIO()\nimage.save(out, 'WEBP')\n"
         "storage.save(name, ContentFile(out.getvalue()))",
    fix="Pass the complete encoded bytes (getvalue(), or seek(0) then read()) to the "
        "storage, and check what the code hands to save().")

E004 = Code(
    code="e2e.E004",
    title="A stored object's size differs from the file that was saved",
    detects="The storage received a number of bytes different from the size of the "
            "file object given to save() (InMemoryUploadedFile.size, ContentFile.size).",
    why="A truncated image: the top of a JPEG decodes and the rest is grey, or the "
        "decoder fails. The stream was part-way through when it was saved (for example "
        "after Pillow read a header), or the backend truncates.",
    bad="Image.open(upload).verify()  # leaves the position after the header\n"
        "upload.file.seek(100)\nstorage.save(name, upload)",
    good="Image.open(upload).verify()\nupload.seek(0)\nstorage.save(name, upload)",
    fix="seek(0) before saving; if the position is 0, test the backend's save with a "
        "known file and compare sizes.")

E005 = Code(
    code="e2e.E005",
    title="The project's upload endpoint rejected a valid photo",
    detects="A multipart request with a generated photo to one of the project's upload "
            "endpoints (discovered, or UPLOAD_DIAGNOSTICS['E2E'] URL / --endpoint) "
            "answered with a server error (5xx), or refused the photo itself: errors on "
            "the file field, or any refusal of a configured endpoint. The evidence "
            "holds the response body, what was logged and every storage call the "
            "request made.",
    why="Users get the same answer for the same photo: the upload fails every time, "
        "often with a generic message that hides the cause.",
    bad="UPLOAD_DIAGNOSTICS = {\"E2E\": {\"URL\": \"/api/photos/\", \"FIELD\": \"file\"}}"
        "\n# the serializer expects \"image\": 400 {\"image\": [\"No file was submitted.\"]}",
    good="UPLOAD_DIAGNOSTICS = {\"E2E\": {\"URL\": \"/api/photos/\", \"FIELD\": \"image\","
         "\n                             \"DATA\": {\"title\": \"diagnostic upload\"}}}",
    fix="For a 5xx read the log and storage calls in the evidence and fix the failing "
        "one; for a refused photo read the file field's error (a Pillow without the "
        "format's codec, a size limit); for a configured endpoint make FIELD, DATA and "
        "USER match what the view expects.")

E006 = Code(
    code="e2e.E006",
    title="The upload pipeline raised an exception",
    detects="A stage of the generic path (multipart parsing with the project's upload "
            "handlers, ImageField verification, Pillow processing, a storage call) or "
            "the project's own view raised. The finding names the stage or the "
            "innermost project frame and carries the redacted traceback.",
    why="In production the same exception becomes a 500 page, or a worker that dies "
        "mid-request; masked by an except clause it becomes a vague 'Upload failed'.",
    bad="FILE_UPLOAD_TEMP_DIR = \"/var/tmp/uploads\"  # does not exist on the server",
    good="FILE_UPLOAD_TEMP_DIR = BASE_DIR / \"tmp\"  # created at deploy time",
    fix="Read the traceback's last project frame and fix that call, its settings or the "
        "backend it talks to; then run the check again.",
    lang="python")

E007 = Code(
    code="e2e.E007",
    title="The storage does not give back what it was given",
    detects="In the round trip save -> exists -> size -> url -> open().read() -> "
            "delete -> exists, a call answered wrongly: exists() False right after save, "
            "a size or content different from what was sent, or exists() still True "
            "after delete.",
    why="Django relies on these answers: a wrong size breaks FileField.size and "
        "validators, a wrong exists() makes names collide or files pile up, different "
        "content means users get another image.",
    bad="class Storage(BaseStorage):\n    def size(self, name):\n        return 0",
    good="class Storage(BaseStorage):\n    def size(self, name):\n"
         "        return self.client.get_file_details(self._ids[name]).size",
    fix="Fix the named method of the storage backend so that it reports the stored "
        "object truthfully.")

E008 = Code(
    code="e2e.E008",
    title="exists() is always True: saving never finds a free name",
    detects="While a file was saved, the storage's exists() returned True for 1000 "
            "candidate names in a row (or for longer than the stage timeout), so the "
            "check stopped Django's Storage.get_available_name() search.",
    why="get_available_name() loops until exists() says False. When it never does the "
        "request hangs until the worker timeout kills it: it looks like a slow upload "
        "or a worker timeout, not a storage bug.",
    bad="class ImageKitStorage(Storage):\n    def exists(self, name):\n"
        "        return True  # 'the CDN has everything'",
    good="class ImageKitStorage(Storage):\n    def exists(self, name):\n"
         "        return name in self._ids\n\n"
         "    def get_available_name(self, name, max_length=None):\n"
         "        return name  # the backend overwrites",
    fix="Make exists() answer for the exact name, or override get_available_name() to "
        "return the name when the backend overwrites or names objects itself.")

E009 = Code(
    code="e2e.E009",
    title="The test database for the endpoint path could not be created",
    detects="Before it posts to the project's endpoints, the check creates test "
            "databases the way `manage.py test` does (and rolls every request back); "
            "this failed, or settings.DATABASES configures no database at all.",
    why="The endpoint path did not run, so the project's own view, serializer and "
        "storage calls were not exercised; only the generic path's results are known.",
    bad="DATABASES = {\"default\": {\"ENGINE\": \"django.db.backends.postgresql\",\n"
        "                        \"USER\": \"app\"}}  # app may not CREATE DATABASE",
    good="DATABASES = {\"default\": {\"ENGINE\": \"django.db.backends.postgresql\",\n"
         "                        \"USER\": \"app\", \"TEST\": {\"NAME\": \"app_test\"}}}",
    fix="Make `python manage.py test` work here (database permissions, migrations that "
        "apply to an empty database), then run the check again.")

E010 = Code(
    code="e2e.E010",
    title="A stored object's URL does not serve the image",
    detects="e2e.fetch (network tier) asks e2e.storage (--e2e) to GET the http(s) URL "
            "the storage's url() gives for each object its round trip stored, with a "
            "timeout, while the object exists, and checks that it answers with bytes "
            "that decode as an image. "
            "Length and content type are shown in the evidence but not judged: CDNs "
            "such as ImageKit re-encode what they serve.",
    why="The upload succeeds but the page shows a broken image: url() builds the wrong "
        "address (missing https://, wrong endpoint, a folder missing from the path), "
        "the bucket is private, or the CDN answers with an error page.",
    bad='def url(self, name):\n    return settings.IMAGEKIT_URL_ENDPOINT + name  '
        '# "https://ik.imagekit.io/demophotos/x.jpg"',
    good='def url(self, name):\n    return f"{settings.IMAGEKIT_URL_ENDPOINT.rstrip(\'/\')}'
         '/{name}"',
    fix="Open the URL from the evidence in a browser; fix url() or the endpoint "
        "setting until it serves the stored image.")

W001 = Code(
    code="e2e.W001",
    title="A file was saved while not at position 0",
    detects="A storage's save() received a stream whose position was not 0, and what "
            "was stored is still complete: the storage in use rewound it itself "
            "(FileSystemStorage reads through chunks()), or what it stored could not be "
            "read back to tell. A save that stored less is e2e.E002 or e2e.E004.",
    why="This storage forgives it, a remote one does not: ImageKit and other SDK-based "
        "backends call content.read() and store only what is left, usually 0 bytes. The "
        "deployment with the remote storage fails while local tests pass.",
    bad=_SERIALIZER_BAD,
    good=_SERIALIZER_GOOD,
    fix="seek(0) before handing the file to save(), next to the read that moved it.")

W002 = Code(
    code="e2e.W002",
    title="UPLOAD_DIAGNOSTICS['E2E'] does not describe a usable endpoint",
    detects="The E2E setting is present but is not a dict, names a URL_NAME that "
            "reverse() does not know, or DATA, HEADERS, USER or PREPARE fail while the "
            "request is prepared (before it is sent).",
    why="No endpoint was exercised, only the generic path ran: the project's own view, "
        "serializer and storage code, where most upload bugs live, was not.",
    bad="UPLOAD_DIAGNOSTICS = {\"E2E\": {\"URL_NAME\": \"photo-uplaod\"}}",
    good="UPLOAD_DIAGNOSTICS = {\"E2E\": {\"URL_NAME\": \"photo-upload\", \"FIELD\": "
         "\"image\"}}",
    fix="Set URL to the endpoint's path or URL_NAME to its name in urls.py, and FIELD to "
        "the file field the view reads.")

W003 = Code(
    code="e2e.W003",
    title="An upload endpoint could not be exercised",
    detects="An endpoint chosen for the run (configured, or among the best-ranked "
            "discovered ones) was not exercised: a required field that no generated "
            "value satisfies, a refusal of the user or headers the request carried (401, "
            "403, a redirect to the login page), a refusal of a filled-in field, a form "
            "field the view reads but no form declares, or a method the view does not "
            "take. The finding names the field and the flag or setting that supplies it.",
    why="The project's own upload code behind that endpoint, where most upload bugs "
        "live, was not run; whatever it does to an upload is unknown.",
    bad="class Banner(models.Model):\n    code = models.CharField(max_length=8, validators=[\n"
        "        RegexValidator(r'^[A-Z]{3}-\\d{4}$')])  # no generated text fits",
    good="python manage.py diagnose_uploads --data code=ABC-1234",
    fix="Supply what the finding names: --data NAME=VALUE (or UPLOAD_DIAGNOSTICS['E2E']"
        "['DATA']) for a field, --user NAME or --header 'Authorization: ...' (E2E USER "
        "or HEADERS) for authentication, --endpoint URL for a concrete address.")

I002 = Code(
    code="e2e.I002",
    title="The upload endpoints found, and what each answered",
    detects="Always emitted when the project has upload endpoints: each one found in the "
            "URLconf (DRF views, form views, views whose code reads request.FILES, admin "
            "add views) or configured, whether it was exercised, the status codes it "
            "answered and, when it was not exercised, why.",
    why="It says which of the project's real upload paths the verdict covers.",
    bad="POST /api/photos/ (drf) - not exercised: beyond --max-endpoints 5",
    good="python manage.py diagnose_uploads --max-endpoints 10",
    fix="Exercise more endpoints with --max-endpoints N, or name them with --endpoint URL.",
    lang="text")

I001 = Code(
    code="e2e.I001",
    title="How long the upload took, stage by stage",
    detects="Always emitted when an upload path completed: the large image's time "
            "through the project's endpoint (or the generic path), each stage's seconds "
            "and bytes, and its share of the worker timeout once the server checks found "
            "it; server.budget compares it with the worker timeout.",
    why="A sync gunicorn worker is killed at its timeout (30 s by default) and the "
        "client sees 502/504; knowing where the time goes tells which stage to cut.",
    bad="gunicorn photosite.wsgi  # timeout 30 s; an upload takes 34 s",
    good="gunicorn photosite.wsgi --timeout 90  # or make the upload faster",
    fix="Compare the total with the worker and proxy timeouts; shrink the slowest stage "
        "(resize before encoding, draft() for thumbnails, an SDK timeout) or raise the "
        "timeouts.",
    lang="bash")

_SAVE_BAD = """image = Image.open(upload)
image.thumbnail((1024, 1024))
out = BytesIO()
image.save(out, "JPEG")  # OSError: cannot write mode RGBA as JPEG"""
_SAVE_GOOD = """image = Image.open(upload)
image.thumbnail((1024, 1024))
out = BytesIO()
image.convert("RGB").save(out, "JPEG")"""

E050 = Code(
    code="e2e.E050",
    title="An image of the hard set made the upload endpoint fail",
    detects="With --images hard, each image phones and users really send (HEIC, CMYK JPEG, "
            "RGBA and palette PNG, 16-bit PNG, a truncated JPEG, animated GIF and WebP, an "
            "EXIF-rotated photo, a decompression bomb, awkward file names) goes through the "
            "project's upload endpoints. This code is emitted when one answered with a "
            "server error or raised (a real server answers 500): one finding per endpoint, "
            "exception type and project line, naming the images, the exception and the "
            "project's own `path:line`.",
    why="Users with that kind of image get a 500 page (or a worker that dies) every time; "
        "the traceback is in the server's log, far from the form they used.",
    bad=_SAVE_BAD,
    good=_SAVE_GOOD,
    fix="Fix the line the finding names: convert to a mode the output format takes "
        "(RGB for JPEG), catch Pillow's OSError and DecompressionBombError for a broken or "
        "huge image and answer 400 with a message.",
    lang="python")

E051 = Code(
    code="e2e.E051",
    title="An image of the hard set was stored broken",
    detects="With --images hard, an endpoint accepted an image and what it stored is empty, "
            "or neither the bytes sent nor an image Pillow can open and verify. Objects a "
            "consumed stream explains are reported as e2e.E002/E004 instead.",
    why="The upload looks successful, but the stored file shows as a broken image, or "
        "fails in every thumbnail and CDN transformation later.",
    bad="data = upload.read()\nthumb = make_thumbnail(upload)  # reads to the end\n"
        "storage.save(name, ContentFile(upload.read()))  # b''",
    good="data = upload.read()\nthumb = make_thumbnail(BytesIO(data))\n"
         "storage.save(name, ContentFile(data))",
    fix="Look at what the view hands to save() for that image (the evidence names the "
        "stored object and its size) and store the complete, encoded bytes.",
    lang="python")

W050 = Code(
    code="e2e.W050",
    title="An image phones send was rejected",
    detects="With --images hard, an endpoint refused an image that phones send as they are: "
            "an iPhone's HEIC photo, or a photo whose EXIF orientation turns it. The "
            "finding quotes the project's message.",
    why="iPhone users upload HEIC unless the browser converts it; a site that refuses it "
        "turns them away with 'Upload a valid image', which they cannot act on.",
    bad="# Pillow opens no HEIC until pillow-heif registers its opener\n"
        "image = forms.ImageField()",
    good="from pillow_heif import register_heif_opener\n\nregister_heif_opener()  "
         "# in AppConfig.ready()\nimage = forms.ImageField()",
    fix="Register pillow-heif's opener (pillow_heif.register_heif_opener()) at start-up "
        "and convert HEIC to JPEG or WebP when storing, or accept= only what the site "
        "takes and say so on the form.",
    lang="python")

I050 = Code(
    code="e2e.I050",
    title="What the upload endpoints did with each image of the hard set",
    detects="Emitted with --images hard: for each image and endpoint, the status code, "
            "accepted or rejected with the project's message, stored intact or broken, the "
            "exception and project line on a 500, and the request's peak memory (the rise of "
            "the process's resident memory during the request). Images that could not be "
            "made here (HEIC without pillow-heif) are listed with the reason. The same rows "
            "are the JSON fact e2e.images.",
    why="Rejecting an image with a clear 4xx is fine; the table shows which images the "
        "project takes, and how much memory each one costs a worker.",
    bad="diagnose-uploads --settings mysite.settings e2e.upload",
    good="diagnose-uploads --settings mysite.settings e2e.upload --images hard",
    fix="Read the rows: a 500, a broken stored file or a rejected phone image is also "
        "reported as its own finding (e2e.E050, e2e.E051, e2e.W050).",
    lang="bash")
