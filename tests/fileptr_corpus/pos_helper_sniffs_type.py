# label: positive
# not: fileptr.E002
import hashlib

import magic


def sniff_type(upload):
    head = upload.read(2048)
    if head.startswith(b"%PDF"):
        return "application/pdf"
    rest = upload.read()
    return magic.from_buffer(head + rest, mime=True)


def describe(request):
    upload = request.FILES["document"]
    digest = hashlib.sha256(upload.read()).hexdigest()
    kind = sniff_type(upload)  # expect: fileptr.E001
    return digest, kind


def archive(request):
    upload = request.FILES["document"]
    kind = sniff_type(upload)
    data = upload.read()  # expect: fileptr.E001
    return kind, data
