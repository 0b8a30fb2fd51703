# label: positive
# not: fileptr.E001
from django.core.exceptions import ValidationError
from django.db import models


def validate_pdf(value):  # expect: fileptr.E002
    if value.read(5) != b"%PDF-":
        raise ValidationError("Upload a PDF document.")


class Invoice(models.Model):
    scan = models.FileField(upload_to="invoices/", validators=[validate_pdf])
