# label: positive
# not: fileptr.E001
from django import forms
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import InMemoryUploadedFile

from .svg import has_javascript


class ImageForm(forms.Form):
    image = forms.FileField()

    def save(self):
        image = self.files.get("image")
        uploaded = InMemoryUploadedFile(file=image, field_name=None, name=image.name,
                                        content_type=image.content_type, size=image.size,
                                        charset=None)
        if has_javascript(uploaded.read()):
            raise forms.ValidationError("SVG with JavaScript")
        return self._store(uploaded, image.name)  # expect: fileptr.E002

    def _store(self, image, name):
        default_storage.save(name, image)
        return default_storage.url(name)
