# label: positive
# not: fileptr.E001
import hashlib

from django.core.files.storage import default_storage


def handle_uploaded_files(files):
    digest = hashlib.sha256(files["image"].read()).hexdigest()
    return default_storage.save(f"images/{digest}.jpg", files["image"])  # expect: fileptr.E002
