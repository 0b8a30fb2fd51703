# label: positive
# not: fileptr.E001
import hashlib

from django import forms
from django.core.files.storage import default_storage


class DocumentForm(forms.Form):
    document = forms.FileField()

    def save(self):
        document = self.cleaned_data["document"]
        fingerprint = hashlib.sha1(document.read()).hexdigest()
        name = f"documents/{fingerprint}-{document.name}"
        return default_storage.save(name, document)  # expect: fileptr.E002
