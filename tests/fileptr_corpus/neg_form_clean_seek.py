# label: negative
# not: fileptr.E001, fileptr.E002
from django import forms

MAX_BYTES = 10 * 1024 * 1024


class PhotoForm(forms.Form):
    photo = forms.ImageField()

    def clean_photo(self):
        photo = self.cleaned_data["photo"]
        if photo.size > MAX_BYTES:
            raise forms.ValidationError("too large")
        header = photo.read(12)
        photo.seek(0)
        if header[:3] != b"\xff\xd8\xff":
            raise forms.ValidationError("JPEG only")
        return photo
