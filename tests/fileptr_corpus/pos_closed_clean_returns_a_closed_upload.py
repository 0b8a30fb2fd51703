# label: positive
# not: fileptr.E002, fileptr.W004
from django import forms


class ResumeForm(forms.Form):
    resume = forms.FileField()

    def clean_resume(self):
        resume = self.cleaned_data["resume"]
        with resume:
            if not resume.read(5).startswith(b"%PDF"):
                raise forms.ValidationError("Upload a PDF.")
        return resume  # expect: fileptr.E005
