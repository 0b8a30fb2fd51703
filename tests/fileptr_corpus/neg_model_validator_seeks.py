# label: negative
# not: fileptr.E002
from django.core.exceptions import ValidationError


def validate_pdf(value):
    header = value.read(5)
    value.seek(0)
    if header != b"%PDF-":
        raise ValidationError("Upload a PDF document.")
