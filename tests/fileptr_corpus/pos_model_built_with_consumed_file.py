# label: positive
# not: fileptr.E001
import hashlib

from .models import Photo


def create_photo(request):
    upload = request.FILES["image"]
    title = hashlib.md5(upload.read()).hexdigest()
    photo = Photo(title=title, image=upload)
    photo.save()  # expect: fileptr.E002
    return photo
