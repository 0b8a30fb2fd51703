# label: positive
# not: fileptr.E001
import hashlib

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from .validators import MAX_AVATAR_BYTES, validate_avatar_size

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class AvatarStorageChecks(TestCase):
    def check_avatar_is_stored_and_oversize_refused(self):
        upload = SimpleUploadedFile("a.png", PNG, content_type="image/png")
        self.assertEqual(hashlib.md5(upload.read()).hexdigest(), hashlib.md5(PNG).hexdigest())
        name = default_storage.save("avatars/a.png", upload)  # expect: fileptr.E002
        with self.assertRaises(ValidationError):
            validate_avatar_size(SimpleUploadedFile("big.png", b"0" * (MAX_AVATAR_BYTES + 1)))
        return name
