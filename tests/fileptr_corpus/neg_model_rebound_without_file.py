# label: negative
# not: fileptr.E002
import hashlib

from .models import Photo


def record_upload(request):
    upload = request.FILES["image"]
    photo = Photo(image=upload)
    digest = hashlib.md5(upload.read()).hexdigest()
    photo = Photo(title=digest)  # a new instance: no file attached
    photo.save()
    return photo
