"""Built-in checks, one module per family. Register a new one in BUILTIN."""
from .django_settings import UploadSettings
from .e2e import CHECKS as E2E_CHECKS, register_secrets
from .fileptr import FilePointerReuse, MaskedErrors
from .imagekit import CHECKS as IMAGEKIT_CHECKS, redirect_sdk
from .pillow import PillowCodecs
from .server import CHECKS as SERVER_CHECKS

BUILTIN = [PillowCodecs, UploadSettings, FilePointerReuse, MaskedErrors, *SERVER_CHECKS,
           *E2E_CHECKS, *IMAGEKIT_CHECKS]

# Called once with the Context before any check runs (e.g. to point an SDK at a
# configured base URL), whichever checks are selected.
PREPARE = [redirect_sdk, register_secrets]


def prepare(ctx) -> None:
    for func in PREPARE:
        func(ctx)
