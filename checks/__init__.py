"""Built-in checks, one module per family. Register a new one in BUILTIN."""
from .django_settings import UploadSettings
from .fileptr import FilePointerReuse, MaskedErrors
from .pillow import PillowCodecs
from .server import CHECKS as SERVER_CHECKS

BUILTIN = [PillowCodecs, UploadSettings, FilePointerReuse, MaskedErrors, *SERVER_CHECKS]

# Called once with the Context before any check runs (e.g. to point an SDK at a
# configured base URL), whichever checks are selected.
PREPARE = []

__upload_diagnostics__ = True


def prepare(ctx) -> None:
    for func in PREPARE:
        func(ctx)
