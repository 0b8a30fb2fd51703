# label: positive
# not: fileptr.E001
from django.core.exceptions import ValidationError


def validate_pdf(value):  # expect: fileptr.E002
    if value.read(5) != b"%PDF-":
        raise ValidationError("Upload a PDF document.")
