# label: positive
# not: fileptr.E002
from celery import shared_task
from django.core.files.storage import default_storage
from imagekitio import ImageKit
from PIL import Image

client = ImageKit(private_key="", public_key="", url_endpoint="")


@shared_task
def publish_photo(name):
    with default_storage.open(name, "rb") as fh:
        image = Image.open(fh)
        if image.width > 8000:
            return None
        return client.upload_file(file=fh, file_name=name)  # expect: fileptr.E001
