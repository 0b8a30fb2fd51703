# label: positive
# not: fileptr.E002
import hashlib

from django.shortcuts import redirect, render

from .forms import PhotoForm
from .models import Photo


def upload_photo(request):
    photo = request.FILES["photo"]
    digest = hashlib.md5(photo.read()).hexdigest()
    if Photo.objects.filter(md5=digest).exists():
        return redirect("duplicate")
    form = PhotoForm(request.POST, request.FILES)  # expect: fileptr.E001
    if form.is_valid():
        form.save()
        return redirect("gallery")
    return render(request, "upload.html", {"form": form})
