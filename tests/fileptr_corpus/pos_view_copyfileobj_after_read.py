# label: positive
# not: fileptr.E002
import hashlib
import shutil

from django.conf import settings
from django.http import HttpResponse


def archive_upload(request):
    upload = request.FILES.get("file")
    digest = hashlib.sha256(upload.read()).hexdigest()
    with open(settings.ARCHIVE_DIR / digest, "wb") as destination:
        shutil.copyfileobj(upload, destination)  # expect: fileptr.E001
    return HttpResponse(digest)
