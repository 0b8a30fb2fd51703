# label: positive
# not: fileptr.E002
import hashlib


def fingerprint_and_sniff(upload):
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    head = upload.read()  # expect: fileptr.E001
    return digest.hexdigest(), head[:4]
