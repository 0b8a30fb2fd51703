# label: positive
# not: fileptr.E001
import hashlib

from django.shortcuts import redirect

from .models import Photo


def upload_photo(request):
    f = request.FILES["image"]
    md5 = hashlib.md5(f.read()).hexdigest()
    Photo(image=f, title=md5).save()  # expect: fileptr.E002
    return redirect("gallery")
