# label: positive
# not: fileptr.W004, fileptr.E001
import logging

from botocore.exceptions import ClientError
from django.http import JsonResponse
from PIL import Image

logger = logging.getLogger(__name__)


def upload_photo(request, client):
    upload = request.FILES["image"]
    try:
        client.upload_fileobj(upload, "mirror", upload.name)
    except ClientError:
        logger.warning("the mirror refused %s", upload.name, exc_info=True)
        return JsonResponse({"mirrored": False}, status=502)
    finally:
        logger.info("mirror attempted")
    image = Image.open(upload)  # expect: fileptr.E005
    return JsonResponse({"format": image.format})
