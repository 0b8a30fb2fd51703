# label: negative
# not: fileptr.E001, fileptr.E002
import hashlib

from django.shortcuts import redirect

from .forms import DocumentForm


def upload_document(request):
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        return redirect("upload")
    upload = request.FILES["document"]
    document = form.save(commit=False)
    document.sha256 = hashlib.sha256(upload.read()).hexdigest()
    upload.seek(0)
    document.save()
    return redirect("documents")
