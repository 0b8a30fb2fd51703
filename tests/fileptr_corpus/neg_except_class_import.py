# label: negative
# not: fileptr.E004, fileptr.I002
from imagekitio.exceptions.BadRequestException import BadRequestException
from imagekitio.exceptions.UnauthorizedException import UnauthorizedException


def upload_or_none(client, data, name):
    try:
        return client.upload_file(file=data, file_name=name)
    except (BadRequestException, UnauthorizedException):
        return None
