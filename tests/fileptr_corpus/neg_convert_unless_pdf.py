# label: negative
# not: fileptr.E002
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from .conversion import convert_to_pdf


def store_as_pdf(request):
    upload = request.FILES["file"]
    if upload.content_type == "application/pdf":
        document = upload
    else:
        document = ContentFile(convert_to_pdf(upload.read()), name="converted.pdf")
    return default_storage.save(f"documents/{document.name}", document)
