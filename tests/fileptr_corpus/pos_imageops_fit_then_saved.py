# label: positive
# not: fileptr.E001
from io import BytesIO

from django.core.files.base import ContentFile
from PIL import Image, ImageOps

from .models import Profile


def square(image, side):
    return ImageOps.fit(image, (side, side))


def set_avatar(request):
    upload = request.FILES["avatar"]
    image = Image.open(upload)
    avatar = ImageOps.fit(image, (256, 256))
    buffer = BytesIO()
    square(avatar, 64).save(buffer, "PNG")
    return Profile.objects.create(  # expect: fileptr.E002
        user=request.user, original=upload, avatar=ContentFile(buffer.getvalue(), "a.png"))
