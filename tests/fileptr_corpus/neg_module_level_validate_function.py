# label: negative
# not: fileptr.E002
from django.core.exceptions import ValidationError


def validate_svg(file_name, file):
    # A plain function its caller hands the file to (no field lists it as a validator):
    # the caller decides what happens to the position next.
    if b"<script" in file.read().lower():
        raise ValidationError(f"{file_name}: scripts are not allowed")
