# label: positive
# not: fileptr.I002
from imagekitio import exceptions


def delete_remote(client, file_id):
    try:
        client.delete_file(file_id=file_id)
    except exceptions.NotFoundException:  # expect: fileptr.E004
        return False
    return True
