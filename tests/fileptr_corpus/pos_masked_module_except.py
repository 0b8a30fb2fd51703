# label: positive
# not: fileptr.I002
import logging

from imagekitio.exceptions import BadRequestException

logger = logging.getLogger(__name__)


def upload_image(client, data, name):
    try:
        return client.upload_file(file=data, file_name=name)
    except BadRequestException:  # expect: fileptr.E004
        logger.warning("ImageKit rejected %s", name)
        return None
