# label: negative
# not: fileptr.W003
import logging

logger = logging.getLogger(__name__)


def store_sized(storage, request, upload):
    try:
        width = int(request.POST["width"])
        return storage.save(f"{width}-{upload.name}", upload)
    except ValueError:
        logger.error("width is not a number: %r", request.POST.get("width"))
        return None
