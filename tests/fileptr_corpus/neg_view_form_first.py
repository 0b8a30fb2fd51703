# label: negative
# not: fileptr.E001, fileptr.E002
import hashlib

from django.shortcuts import redirect, render

from .forms import PhotoForm


def upload_photo(request):
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "upload.html", {"form": form})
    photo = form.cleaned_data["photo"]
    digest = hashlib.md5(photo.read()).hexdigest()
    photo.seek(0)
    form.instance.md5 = digest
    form.save()
    return redirect("gallery")
