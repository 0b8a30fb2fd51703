# label: negative
# not: fileptr.E001, fileptr.E002
import unittest
from pathlib import Path

from .storage import StrictStorage

FIXTURE = Path(__file__).parent / "fixtures" / "photo.jpg"


class StrictStorageChecks(unittest.TestCase):
    def check_consumed_fixture_is_refused(self):
        with self.assertRaises(ValueError), open(FIXTURE, "rb") as fh:
            fh.read()
            StrictStorage().save("photo.jpg", fh)
