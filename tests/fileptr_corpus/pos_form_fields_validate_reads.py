# label: positive
# not: fileptr.E002
import hashlib

from django import forms


class ApplicationForm(forms.Form):
    resume = forms.FileField()
    photo = forms.ImageField()


def apply(request):
    resume = request.FILES["resume"]
    photo = request.FILES["photo"]
    digests = [hashlib.sha256(resume.read()).hexdigest(),
               hashlib.sha256(photo.read()).hexdigest()]
    form = ApplicationForm(request.POST, request.FILES)  # expect: fileptr.E001
    return form, digests
