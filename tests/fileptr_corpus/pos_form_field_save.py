# label: positive
# not: fileptr.E001
import hashlib

from django import forms

from .models import Profile


class AvatarForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = ["avatar"]

    def save(self, commit=True):
        avatar = self.cleaned_data["avatar"]
        self.instance.avatar_sha1 = hashlib.sha1(avatar.read()).hexdigest()
        self.instance.avatar.save(avatar.name, avatar, save=False)  # expect: fileptr.E002
        return super().save(commit)
