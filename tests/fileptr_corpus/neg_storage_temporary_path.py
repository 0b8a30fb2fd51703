# label: negative
# not: fileptr.E003
import shutil

from django.core.files.storage import FileSystemStorage


class ArchiveStorage(FileSystemStorage):
    def _save(self, name, content):
        target = self.path(name)
        if hasattr(content, "temporary_file_path"):
            shutil.copy(content.temporary_file_path(), target)
            return name
        with open(target, "wb") as out:
            for chunk in content.chunks():
                out.write(chunk)
        return name
