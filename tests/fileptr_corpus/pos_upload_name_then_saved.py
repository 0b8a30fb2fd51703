# label: positive
# not: fileptr.E001
import hashlib
import logging
from pathlib import Path

from django.core.files.storage import default_storage

logger = logging.getLogger(__name__)


def upload_document(request):
    upload = request.FILES["document"]
    digest = hashlib.sha256(upload.read()).hexdigest()
    upload_name = f"{digest}{Path(upload.name).suffix}"
    if upload.multiple_chunks():
        logger.info("large upload %s", upload_name)
    return default_storage.save(f"docs/{upload_name}", upload)  # expect: fileptr.E002
