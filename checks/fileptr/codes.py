"""The fileptr family's finding codes, each declared once: fileptr.reuse's (E001-E003,
E005, W004, I001), then fileptr.masked_errors' (E004, W001-W003, I002)."""
from upload_diagnostics.diagnostics import Code

# -- fileptr.reuse: uploads read again, or saved, after being consumed -----------------------------

E001 = Code(
    code="fileptr.E001",
    title="An upload is read again after it was consumed",
    detects="Within a function, a file is consumed - .read(), readlines(), iteration, "
            "copyfileobj, hashing, chunks(), Pillow's Image.open followed by load(), "
            "verify(), convert(), thumbnail() or save(), or a project function that does "
            "one of these (followed across modules, methods, static and class methods) - "
            "and later read again from its current position (.read(), BytesIO(f.read()), "
            "an SDK or HTTP upload call, a project function that reads it, or a form or "
            "serializer bound to request.FILES / request.data, whose ImageField "
            "validation reads it) with no seek(0) in between. Image.open() alone reads "
            "only the header, so a read after it gets the file without its header. Only "
            "values shown to be files count: a request.FILES item; what File, "
            "ContentFile, UploadedFile, BytesIO or open() make; a form, serializer or "
            "model field the project declares as FileField or ImageField; a parameter "
            "the code reads, seeks, chunks or sends; anything it seeks. A name that "
            "sounds like an upload is no evidence, nor is any validated_data item. Test "
            "files are not read unless UPLOAD_DIAGNOSTICS['SOURCE']['TESTS'] is true, and "
            "misuse inside `with self.assertRaises(...)` is taken as the test's point.",
    why="The second read starts at the end of the file and returns b'' (or the tail "
        "after Pillow's header read). Pillow then fails with 'cannot identify image "
        "file', an SDK uploads 0 bytes ('Missing file parameter for upload'), or a "
        "checksum is taken of nothing. It hides in development whenever the code in "
        "between happens to rewind.",
    bad="def create(self, validated_data):\n    upload = validated_data[\"image\"]\n"
        "    digest = hashlib.sha256(upload.read()).hexdigest()\n"
        "    image = Image.open(BytesIO(upload.read()))  # reads b''",
    good="def create(self, validated_data):\n    upload = validated_data[\"image\"]\n"
         "    data = upload.read()\n    digest = hashlib.sha256(data).hexdigest()\n"
         "    image = Image.open(BytesIO(data))",
    fix="Read the file once into bytes and give each use its own BytesIO(data), or call "
        "f.seek(0) right before every further read. Keep the seek next to the read it "
        "protects, so later edits do not separate them. When the second read is meant "
        "to see the rest (a stream, not a file), end that line with "
        "`# upload-diagnostics: ignore[fileptr.E001]`.")

E002 = Code(
    code="fileptr.E002",
    title="A consumed upload is handed to a saver",
    detects="A file that was consumed (read, decoded by Pillow, hashed, chunked) is then "
            "given to something that stores it - storage.save(name, f), field.save(name, "
            "f), Model.objects.create(image=f), Photo(image=f).save(), photo.image = f "
            "then photo.save(), form.save() or form.save(commit=False) then .save() for "
            "a form bound to request.FILES, serializer.save(image=f), "
            "super().create(validated_data) with the file inside validated_data, or "
            "returned from a clean()/clean_<field>()/validate()/validate_<field>() method "
            "(or left consumed by a function a field lists in validators=[...]) - "
            "without a seek(0) in between. Saving is not consuming (storages read "
            "through chunks() or rewind), so a file saved twice is not reported, nor is "
            "a save after Image.open() alone (only the header was read), nor a save "
            "through a project storage whose own _save rewinds first. Only the ORM "
            "arguments that are files are saved.",
    why="Django's FileSystemStorage reads the content through File.chunks(), which "
        "seeks to 0 first, so the bug never shows in development. A remote storage "
        "whose _save calls content.read() (ImageKit and most SDK-based backends) "
        "stores 0 bytes or a truncated file in production.",
    bad="def create(self, validated_data):\n    upload = validated_data[\"image\"]\n"
        "    validated_data[\"checksum\"] = sha256(upload.read()).hexdigest()\n"
        "    return super().create(validated_data)",
    good="def create(self, validated_data):\n    upload = validated_data[\"image\"]\n"
         "    validated_data[\"checksum\"] = sha256(upload.read()).hexdigest()\n"
         "    upload.seek(0)\n    return super().create(validated_data)",
    fix="Call f.seek(0) after the last read and before the save. Make the storage "
        "rewind too (see fileptr.E003), so one forgotten seek cannot store an empty "
        "file.")

E003 = Code(
    code="fileptr.E003",
    title="A storage's _save reads content without rewinding it",
    detects="A method _save(self, name, content) of a Storage subclass reads content "
            "(content.read(), a loop over it, handing it to an SDK or HTTP upload - "
            "requests/httpx data= or files= - or to a helper, a method of another "
            "project class or a function that does, followed two calls deep and more) "
            "before any content.seek(0), content.open() or content.chunks(). A seek "
            "under `if hasattr(content, 'seek')` or inside try/except "
            "(AttributeError, UnsupportedOperation) counts.",
    why="Storage.save() passes content on wherever the caller left it. Any read "
        "before the save - validation, a checksum, a thumbnail - leaves it at the end, "
        "and this _save then uploads 0 bytes (ImageKit: 'Missing file parameter for "
        "upload') or a file without its first bytes.",
    bad="class ImageKitStorage(Storage):\n    def _save(self, name, content):\n"
        "        data = content.read()\n"
        "        result = self.client.upload_file(file=data, file_name=name)",
    good="class ImageKitStorage(Storage):\n    def _save(self, name, content):\n"
         "        if hasattr(content, \"seek\"):\n            content.seek(0)\n"
         "        data = content.read()\n"
         "        result = self.client.upload_file(file=data, file_name=name)",
    fix="Start _save with content.seek(0) when the content is seekable, or build the "
        "bytes from content.chunks(), which rewinds by itself.")

CLOSED_DETECTS = (
    "Within a function, a file is closed - by boto3's upload_fileobj (the client's "
    "upload_fileobj(f, bucket, key), Bucket(...).upload_fileobj(f, key), "
    "Object(...).upload_fileobj(f) or Fileobj=f: s3transfer closes a seekable file "
    "object it uploads in one request, that is below the multipart threshold, 8 MB by "
    "default, which is every usual image; boto3 issue 929, s3transfer issue 80, every "
    "release to 0.19), by the end of a `with f:` / `with request.FILES[...] as f:` / "
    "`with open(...) as f:` / `with File(f):` block, by `with contextlib.closing(f):`, "
    "by f.close(), or by a project function that does one of these to its parameter "
    "(followed across modules, including a project Storage's _save behind "
    "storage.save()) - and then used: read, iterated, sought, chunked, opened with "
    "Pillow, handed to a saver (storage.save, field.save, objects.create, "
    "serializer.save...), uploaded again, or given to a project function that does one "
    "of these. Reading .name, .size or .content_type is not a use (they are kept "
    "values), nor is f.open() (a Django File on a path reopens it), nor put_object("
    "Body=f) or a django-storages save (neither closes what it is given).")

E005 = Code(
    code="fileptr.E005",
    title="An upload is used after it was closed",
    detects=CLOSED_DETECTS + " Emitted when the use certainly follows the close: the "
    "close is on every path that reaches the use (fileptr.W004 otherwise).",
    why="Any read, seek or save of a closed file raises 'ValueError: I/O operation on "
        "closed file', so the request fails with a 500 after the first copy was stored. "
        "It hides in tests that mock boto3 (a mock does not close) and appears with the "
        "real SDK.",
    bad="def upload_photo(request):\n    upload = request.FILES[\"photo\"]\n"
        "    s3.upload_fileobj(upload, \"originals\", upload.name)  # closes upload\n"
        "    return Photo.objects.create(image=upload)",
    good="def upload_photo(request):\n    upload = request.FILES[\"photo\"]\n"
         "    data = upload.read()\n"
         "    s3.upload_fileobj(io.BytesIO(data), \"originals\", upload.name)\n"
         "    return Photo.objects.create(image=ContentFile(data, name=upload.name))",
    fix="Give the call that closes the file its own copy - read the upload once into "
        "bytes and pass io.BytesIO(data) - or move the closing call after the last use. "
        "f.seek(0) or f.open() do not help: an uploaded file cannot be reopened once "
        "closed (InMemoryUploadedFile's buffer is gone, TemporaryUploadedFile's file is "
        "deleted).")

W004 = Code(
    code="fileptr.W004",
    title="An upload may be used after it was closed",
    detects=CLOSED_DETECTS + " Emitted when the close is on some of the paths that reach "
    "the use (a branch, a loop body, a try block whose handler goes on, a project "
    "function that closes it on some of its paths); fileptr.E005 when on all of them.",
    why="On the paths through the close, the use raises 'ValueError: I/O operation on "
        "closed file': the upload fails only when that branch runs (a setting, a kind "
        "of file, a retry), which tests rarely cover.",
    bad="upload = request.FILES[\"photo\"]\nif settings.MIRROR_ORIGINALS:\n"
        "    s3.upload_fileobj(upload, \"mirror\", upload.name)\n"
        "Photo.objects.create(image=upload)",
    good="upload = request.FILES[\"photo\"]\ndata = upload.read()\nupload.seek(0)\n"
         "if settings.MIRROR_ORIGINALS:\n"
         "    s3.upload_fileobj(io.BytesIO(data), \"mirror\", upload.name)\n"
         "Photo.objects.create(image=upload)",
    fix="As for fileptr.E005: hand the closing call a copy (io.BytesIO(data)), or "
        "close on no path that goes on to use the file.")

I001 = Code(
    code="fileptr.I001",
    title="A Python file does not parse",
    detects="A .py file the analysis reads cannot be parsed: a syntax error, bytes "
            "that are not valid in its declared encoding, or a binary file with a .py "
            "name. One finding per file. A UTF-8 file whose text names nothing the "
            "analysis looks at (a read, seek, open, save, upload, storage, except, an "
            "image or storage library...) is parsed only when code the analysis follows "
            "imports or calls into it, so a syntax error in such a file that nothing "
            "reaches is not reported.",
    why="The file-pointer analysis cannot look at it, so a double read in it would go "
        "unreported. If the server imports it, it fails at import time too.",
    bad="# -*- coding: utf-8 -*-\ntitle = \"caf\\xe9\"  # saved as Latin-1",
    good="# -*- coding: latin-1 -*-\ntitle = \"caf\\xe9\"",
    fix="Fix the syntax or the encoding (or declare the real encoding with a PEP 263 "
        "line), or exclude the file with UPLOAD_DIAGNOSTICS['SOURCE']['EXCLUDE'].")


# -- fileptr.masked_errors: except clauses that hide why an upload failed ------------------------

E004 = Code(
    code="fileptr.E004",
    title="An except clause catches a module, not an exception class",
    detects="An except clause names something that resolves to a module: typically "
            "`from pkg.exceptions import Name` where pkg/exceptions/Name.py is a "
            "submodule and the package's __init__ does not import the class (the "
            "imagekitio 4.x layout). Resolved against the project and the installed "
            "packages without importing them.",
    why="When any exception reaches the clause, Python raises 'TypeError: catching "
        "classes that do not inherit from BaseException is not allowed' instead. "
        "Every storage error then turns into that TypeError and the real cause (a 401, "
        "a 413, a timeout) is never seen.",
    bad="from imagekitio.exceptions import BadRequestException\n\ntry:\n"
        "    client.upload_file(file=data, file_name=name)\n"
        "except BadRequestException:\n    ...",
    good="from imagekitio.exceptions.BadRequestException import BadRequestException\n\n"
         "try:\n    client.upload_file(file=data, file_name=name)\n"
         "except BadRequestException:\n    ...",
    fix="Import the class from its own module (pkg.exceptions.Name.Name), or catch the "
        "SDK's documented base class.")

W001 = Code(
    code="fileptr.W001",
    title="Upload or storage code swallows every error",
    detects="An `except:`, `except Exception:` or `except BaseException:` whose body "
            "is only pass, continue or a constant, around upload code. Upload code, concretely: a try block that stores or sends a file (storage.save(name, content), field.save(name, content), serializer.save(), form.save(), a call given a request.FILES value, an SDK upload such as upload_file/upload_fileobj/put_object, put/post/request with files= or data=), or any try block of a Storage's _save(). A try "
            "block that only deletes, lists, validates, converts or writes a database row "
            "is not: a failed clean-up or a rejected image skipped on purpose is a "
            "decision.",
    why="The upload then fails silently: the request answers 200 or 201 while the file "
        "was never stored, and nothing in the log says why.",
    bad="try:\n    photo.image.save(name, upload)\nexcept Exception:\n    pass",
    good="try:\n    photo.image.save(name, upload)\nexcept StorageError:\n"
         "    logger.exception(\"storing %s failed\", name)\n    raise",
    fix="Catch only the exceptions you can handle, and log the others with "
        "logger.exception(...) before re-raising.")

W002 = Code(
    code="fileptr.W002",
    title="Upload code replaces an error without its cause",
    detects="Inside `except:`/`except Exception:` around upload code, a new "
            "exception is raised without `from exc` and without the caught exception "
            "in its arguments. Upload code, concretely: a try block that stores or sends a file (storage.save(name, content), field.save(name, content), serializer.save(), form.save(), a call given a request.FILES value, an SDK upload such as upload_file/upload_fileobj/put_object, put/post/request with files= or data=), or any try block of a Storage's _save(); also a try block of a saving method (create, "
            "update, save, perform_create, perform_update, form_valid) that handles "
            "validated_data, cleaned_data or request.FILES.",
    why="When the new exception becomes a response (DRF's ValidationError or "
        "APIException, Django's SuspiciousOperation) the original error - the one that "
        "says what went wrong - is never logged.",
    bad="try:\n    storage.save(name, upload)\nexcept Exception:\n"
        "    raise ValidationError(\"Upload failed\")",
    good="try:\n    storage.save(name, upload)\nexcept Exception as exc:\n"
         "    logger.exception(\"storing %s failed\", name)\n"
         "    raise ValidationError(\"Upload failed\") from exc",
    fix="Chain the cause with `from exc`, and log the original with "
        "logger.exception(...) when the new exception is turned into a response.")

W003 = Code(
    code="fileptr.W003",
    title="An upload error is logged without its traceback",
    detects="A logger.error(...) or logger.critical(...) call inside an except clause "
            "around upload code (as for fileptr.W002), without exc_info, when the clause "
            "does not re-raise, the message does not carry traceback.format_exc(), and "
            "the clause catches more than expected answers (ValueError, TypeError, "
            "KeyError, DoesNotExist, ValidationError...: logging int('x')'s error "
            "without a traceback loses nothing). Upload code, concretely: a try block that stores or sends a file (storage.save(name, content), field.save(name, content), serializer.save(), form.save(), a call given a request.FILES value, an SDK upload such as upload_file/upload_fileobj/put_object, put/post/request with files= or data=), or any try block of a Storage's _save().",
    why="The log shows that an upload failed but not where: for a storage or SDK "
        "error the message alone ('upload failed: ') is often empty, and the stack "
        "that would name the layer is gone.",
    bad="try:\n    photo = serializer.save()\nexcept Exception as exc:\n"
        "    logger.error(\"upload failed: %s\", exc)",
    good="try:\n    photo = serializer.save()\nexcept Exception:\n"
         "    logger.exception(\"upload failed\")",
    fix="Use logger.exception(...) inside except clauses, or pass exc_info=True.")

I002 = Code(
    code="fileptr.I002",
    title="An except clause's class could not be resolved",
    detects="An except clause names a class imported from an `exceptions`/`errors` "
            "module of a package that is not installed where the diagnosis runs, so "
            "whether the name is a class or a submodule (fileptr.E004) cannot be told. "
            "One finding per such module, listing every clause.",
    why="Packages that keep one exception per module (imagekitio 4.x) make "
        "`from pkg.exceptions import Name` bind a module; that is only visible with the "
        "package installed.",
    bad="# run outside the site's virtualenv\ndiagnose-uploads fileptr --project-dir .",
    good="# run with the interpreter that serves the site\n"
         ".venv/bin/diagnose-uploads fileptr --project-dir .",
    fix="Run the diagnosis with the project's own environment, where its packages are "
        "installed.",
    lang="sh")
