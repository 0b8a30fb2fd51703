# label: negative
# not: fileptr.W001
import os

from django.core.files.storage import FileSystemStorage


class CleanupStorage(FileSystemStorage):
    def delete(self, name):
        try:
            os.remove(self.path(name))
        except FileNotFoundError:
            pass
