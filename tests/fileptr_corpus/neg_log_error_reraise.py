# label: negative
# not: fileptr.W003
import logging

from django.core.files.storage import Storage

logger = logging.getLogger(__name__)


class RemoteStorage(Storage):
    def __init__(self, client):
        self.client = client

    def _save(self, name, content):
        content.seek(0)
        try:
            return self.client.upload_file(file=content.read(), file_name=name).file_path
        except Exception as exc:
            logger.error("upload of %s failed: %s", name, exc)
            raise
