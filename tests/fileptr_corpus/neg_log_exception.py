# label: negative
# not: fileptr.W003, fileptr.W001
import logging

from django.core.files.storage import default_storage
from django.http import HttpResponseServerError, JsonResponse

logger = logging.getLogger(__name__)


def upload(request):
    try:
        name = default_storage.save(request.FILES["file"].name, request.FILES["file"])
    except Exception:
        logger.exception("storing the upload failed")
        return HttpResponseServerError()
    return JsonResponse({"name": name})
