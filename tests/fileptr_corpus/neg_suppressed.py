# label: negative
# not: fileptr.E001
import hashlib


def digest_twice(upload):
    first = hashlib.md5(upload.read()).hexdigest()
    second = hashlib.md5(upload.read()).hexdigest()  # upload-diagnostics: ignore[fileptr.E001]
    return first, second
