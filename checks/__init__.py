"""Built-in checks, one module per family. Register a new one in BUILTIN."""
from .django_settings import UploadSettings
from .pillow import PillowCodecs

BUILTIN = [PillowCodecs, UploadSettings]

__upload_diagnostics__ = True
