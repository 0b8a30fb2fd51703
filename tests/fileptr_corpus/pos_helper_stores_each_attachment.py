# label: positive
# not: fileptr.E001
import hashlib

from django.core.files.storage import default_storage


def store_attachments(attachments):
    names = []
    for attachment in attachments:
        digest = hashlib.md5(attachment.read()).hexdigest()
        names.append(default_storage.save(f"attachments/{digest}", attachment))  # expect: fileptr.E002
    return names
