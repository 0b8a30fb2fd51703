# label: negative
# not: fileptr.W002
from django import forms
from PIL import Image


class UploadForm(forms.Form):
    image = forms.FileField()

    def clean_image(self):
        upload = self.cleaned_data["image"]
        try:
            Image.open(upload).verify()
        except Exception as exc:
            raise forms.ValidationError(f"not an image: {exc}")
        upload.seek(0)
        return upload
