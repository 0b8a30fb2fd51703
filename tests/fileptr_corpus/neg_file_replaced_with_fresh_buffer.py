# label: negative
# not: fileptr.E002
import gzip
from io import BytesIO

from django.core.files.storage import default_storage


def upload_compressed(request):
    upload = request.FILES["document"]
    data = gzip.compress(upload.read())
    upload.file = BytesIO(data)  # the upload now reads the new buffer, from its start
    return default_storage.save(upload.name + ".gz", upload)
