# label: positive
# not: fileptr.E001
from django import forms
from PIL import Image


class AvatarForm(forms.Form):
    avatar = forms.FileField()

    def clean_avatar(self):
        avatar = self.cleaned_data["avatar"]
        image = Image.open(avatar)
        image.verify()
        if max(image.size) > 4096:
            raise forms.ValidationError("at most 4096 pixels a side")
        return avatar  # expect: fileptr.E002
