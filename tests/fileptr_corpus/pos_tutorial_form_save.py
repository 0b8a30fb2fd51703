# label: positive
# not: fileptr.E001
import hashlib

from django.shortcuts import redirect, render

from .forms import DocumentForm


def upload_document(request):
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        digest = hashlib.sha256(request.FILES["document"].read()).hexdigest()
        request.session["digest"] = digest
        form.save()  # expect: fileptr.E002
        return redirect("documents")
    return render(request, "upload.html", {"form": form})
