"""Django storage on ImageKit.io, written against imagekitio 4.x."""
import logging

from django.conf import settings
from django.core.files.storage import Storage
from django.utils.deconstruct import deconstructible
from imagekitio import ImageKit
from imagekitio.models.UploadFileRequestOptions import UploadFileRequestOptions

logger = logging.getLogger(__name__)


@deconstructible
class ImageKitStorage(Storage):
    def __init__(self, folder="/"):
        self.folder = folder
        self.client = ImageKit(
            private_key=settings.IMAGEKIT_PRIVATE_KEY,
            public_key=settings.IMAGEKIT_PUBLIC_KEY,
            url_endpoint=settings.IMAGEKIT_URL_ENDPOINT,
        )
        self._ids = {}

    def _save(self, name, content):
        data = content.read()
        options = UploadFileRequestOptions(folder=self.folder, use_unique_file_name=False)
        try:
            result = self.client.upload_file(file=data, file_name=name, options=options)
        except Exception as exc:
            logger.error("ImageKit upload of %s failed: %s", name, exc)
            raise
        self._ids[result.file_path.lstrip("/")] = result.file_id
        return result.file_path.lstrip("/")

    def exists(self, name):
        return False

    def url(self, name):
        return f"{settings.IMAGEKIT_URL_ENDPOINT.rstrip('/')}/{name}"

    def delete(self, name):
        file_id = self._ids.pop(name, None)
        if file_id:
            self.client.delete_file(file_id=file_id)

    def size(self, name):
        raise NotImplementedError("ImageKit sizes are read through the API")
