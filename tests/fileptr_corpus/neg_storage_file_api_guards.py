# label: negative
# not: fileptr.E003
"""Storage.save() wraps what it is given in a File, so hasattr(content, X) is true in
_save for every attribute a File has: the else branches never run."""
from django.core.files.storage import Storage


class ChunksGuardStorage(Storage):
    def _save(self, name, content):
        if hasattr(content, "chunks"):
            data = b"".join(content.chunks())
        else:
            data = content.read()
        self.client.upload_file(file=data, file_name=name)
        return name


class SeekGuardStorage(Storage):
    def _save(self, name, content):
        if hasattr(content, "seek"):
            data = b"".join(content.chunks())
        else:
            data = content.read()
        self.client.upload_file(file=data, file_name=name)
        return name


class ReadGuardStorage(Storage):
    def _save(self, name, content):
        if hasattr(content, "read"):
            data = b"".join(content.chunks())
        else:
            data = content.read()
        self.client.upload_file(file=data, file_name=name)
        return name


class OpenGuardStorage(Storage):
    def _save(self, name, content):
        if hasattr(content, "open"):
            data = b"".join(content.chunks())
        else:
            data = content.read()
        self.client.upload_file(file=data, file_name=name)
        return name


class TellGuardStorage(Storage):
    def _save(self, name, content):
        if hasattr(content, "tell"):
            data = b"".join(content.chunks())
        else:
            data = content.read()
        self.client.upload_file(file=data, file_name=name)
        return name


class NameGuardStorage(Storage):
    def _save(self, name, content):
        if hasattr(content, "name"):
            data = b"".join(content.chunks())
        else:
            data = content.read()
        self.client.upload_file(file=data, file_name=name)
        return name


class SizeGuardStorage(Storage):
    def _save(self, name, content):
        if hasattr(content, "size"):
            data = b"".join(content.chunks())
        else:
            data = content.read()
        self.client.upload_file(file=data, file_name=name)
        return name


class FileGuardStorage(Storage):
    def _save(self, name, content):
        if hasattr(content, "file"):
            data = b"".join(content.chunks())
        else:
            data = content.read()
        self.client.upload_file(file=data, file_name=name)
        return name


class MultipleChunksGuardStorage(Storage):
    def _save(self, name, content):
        if hasattr(content, "multiple_chunks"):
            data = b"".join(content.chunks())
        else:
            data = content.read()
        self.client.upload_file(file=data, file_name=name)
        return name
