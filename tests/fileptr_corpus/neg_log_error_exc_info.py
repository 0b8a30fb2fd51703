# label: negative
# not: fileptr.W003
import logging

from rest_framework.response import Response

logger = logging.getLogger(__name__)


def create_photo(serializer):
    try:
        photo = serializer.save()
    except Exception:
        logger.error("upload failed", exc_info=True)
        return Response(status=500)
    return Response({"id": photo.pk})
