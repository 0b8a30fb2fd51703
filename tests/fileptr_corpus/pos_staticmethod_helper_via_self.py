# label: positive
# not: fileptr.E001
import hashlib

from django.core.files.storage import default_storage


class Archiver:
    @staticmethod
    def digest(fileobj):
        return hashlib.md5(fileobj.read()).hexdigest()

    @classmethod
    def name_for(cls, upload):
        return f"{cls.digest(upload)}-{upload.name}"

    def archive(self, upload):
        name = self.name_for(upload)
        return default_storage.save(name, upload)  # expect: fileptr.E002
