# label: negative
# not: fileptr.E001, fileptr.E002
import unittest

from django.core.files.base import ContentFile

from .storage import StrictStorage


class StrictStorageChecks(unittest.TestCase):
    def check_consumed_content_is_refused(self):
        content = ContentFile(b"data")
        content.read()
        with self.assertRaises(ValueError):
            StrictStorage().save("x.bin", content)
