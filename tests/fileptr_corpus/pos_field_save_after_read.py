# label: positive
# not: fileptr.E001
from django.shortcuts import get_object_or_404, redirect

from .models import Profile
from .scanner import looks_like_malware


def change_avatar(request, pk):
    profile = get_object_or_404(Profile, pk=pk)
    upload = request.FILES["avatar"]
    if looks_like_malware(upload.read()):
        return redirect("profile-rejected")
    profile.avatar.save(upload.name, upload)  # expect: fileptr.E002
    return redirect("profile", pk=pk)
