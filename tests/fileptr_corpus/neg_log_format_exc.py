# label: negative
# not: fileptr.W003
import logging
import traceback

from django.core.files.storage import default_storage

logger = logging.getLogger(__name__)


def store(name, upload):
    try:
        return default_storage.save(name, upload)
    except Exception:
        logger.error("storing %s failed:\n%s", name, traceback.format_exc())
        return None
