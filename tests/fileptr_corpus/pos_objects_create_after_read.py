# label: positive
# not: fileptr.E001
import hashlib

from .models import Attachment


def attach(request, ticket):
    upload = request.FILES["attachment"]
    return Attachment.objects.create(  # expect: fileptr.E002
        ticket=ticket,
        file=upload,
        sha1=hashlib.sha1(upload.read()).hexdigest(),
    )
