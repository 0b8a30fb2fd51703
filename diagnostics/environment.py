"""The environment section of a report: versions and the storage in use."""
from __future__ import annotations

import platform
import sys
from importlib import metadata

PACKAGES = ("Django", "Pillow", "imagekitio", "gunicorn", "django-storages", "boto3",
            "djangorestframework", "uvicorn", "django-upload-diagnostics")


def package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def pillow_codecs() -> dict[str, bool]:
    try:
        from PIL import features
    except ImportError:
        return {}
    return {name: bool(features.check(name)) for name in ("jpg", "zlib", "webp", "avif")}


def storage_backends(settings) -> dict[str, str]:
    """Each configured storage alias and its backend class path."""
    if settings is None:
        return {}
    storages = getattr(settings, "STORAGES", None) or {}
    found = {alias: str(conf.get("BACKEND", "?")) for alias, conf in storages.items()
             if isinstance(conf, dict)}
    legacy = getattr(settings, "DEFAULT_FILE_STORAGE", None)
    if legacy and "default" not in found:
        found["default"] = str(legacy)
    return found


def collect(settings=None, settings_module: str | None = None) -> dict:
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": {name: package_version(name) for name in PACKAGES},
        "pillow_codecs": pillow_codecs(),
        "settings_module": settings_module,
        "storages": storage_backends(settings),
    }
