# label: negative
# not: fileptr.E002
import hashlib

from django.shortcuts import redirect, render

from .forms import PhotoForm


def upload_photo(request):
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "photos/upload.html", {"form": form})
    photo = form.save()
    photo.sha256 = hashlib.sha256(request.FILES["image"].read()).hexdigest()
    photo.save(update_fields=["sha256"])
    return redirect(photo)


def upload_photo_committed(request):
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        photo = form.save(commit=True)
        photo.sha256 = hashlib.sha256(request.FILES["image"].read()).hexdigest()
        photo.save(update_fields=["sha256"])
    else:
        return render(request, "photos/upload.html", {"form": form})
    return redirect(photo)
