# label: positive
# not: fileptr.E001
from django.shortcuts import redirect
from PIL import Image

from .models import Photo


def upload_photo(request):
    f = request.FILES["image"]
    Image.open(f).verify()
    photo = Photo(title=request.POST["title"])
    photo.image = f
    photo.save()  # expect: fileptr.E002
    return redirect("gallery")
