# label: positive
# not: fileptr.E001
import hashlib

from django.core.files.storage import default_storage


def upload_file(request, kind):
    upload = request.FILES["file"]
    match kind:
        case "image":
            checksum = hashlib.md5(upload.read()).hexdigest()
        case _:
            checksum = None
    name = default_storage.save(f"files/{upload.name}", upload)  # expect: fileptr.E002
    return name, checksum
