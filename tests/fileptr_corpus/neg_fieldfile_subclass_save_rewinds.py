# label: negative
# not: fileptr.E002
import hashlib

from django.db.models.fields.files import ImageFieldFile


class RewindingFieldFile(ImageFieldFile):
    def save(self, name, content, save=True):
        content.seek(0)  # this project's save path rewinds whatever it is given
        super().save(name, content, save)

    def replace(self, upload):
        self.instance.sha1 = hashlib.sha1(upload.read()).hexdigest()
        self.save(upload.name, upload)
