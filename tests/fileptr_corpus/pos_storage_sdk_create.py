# label: positive
# not: fileptr.E001, fileptr.E002
from django.core.files.storage import Storage


class CloudflareImagesStorage(Storage):
    def _save(self, name, content):
        image = self.client.images.v1.create(  # expect: fileptr.E003
            account_id=self.account_id, file=content, metadata={"name": name})
        return image.id
