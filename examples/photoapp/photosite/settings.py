"""Settings of a small photo-sharing site: DRF uploads, Pillow, images stored on ImageKit."""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-not-secret-photoapp")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "rest_framework",
    "gallery",
    "upload_diagnostics.manage_commands",
]

MIDDLEWARE = [
    "django.middleware.common.CommonMiddleware",
]

ROOT_URLCONF = "photosite.urls"
WSGI_APPLICATION = "photosite.wsgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / "db.sqlite3",
    }
}

USE_TZ = True
STATIC_URL = "static/"
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "media"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ImageKit credentials come from the environment (.env in development).
IMAGEKIT_PRIVATE_KEY = os.environ.get("IMAGEKIT_PRIVATE_KEY", "")
IMAGEKIT_PUBLIC_KEY = os.environ.get("IMAGEKIT_PUBLIC_KEY", "")
IMAGEKIT_URL_ENDPOINT = os.environ.get("IMAGEKIT_URL_ENDPOINT", "")

# Where uploaded images go: ImageKit in production, S3 for the old deployment, disk locally.
STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "imagekit")
STATIC_STORAGE = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
if STORAGE_BACKEND == "imagekit":
    DEFAULT_STORAGE = {"BACKEND": "gallery.storage.ImageKitStorage"}
elif STORAGE_BACKEND == "s3":
    # AWS S3, or an S3-compatible service (MinIO, R2) at AWS_S3_ENDPOINT_URL.
    from botocore.config import Config

    AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "photoapp-media")
    AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL") or None
    AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME", "us-east-1")
    AWS_ACCESS_KEY_ID = os.environ.get("AWS_ACCESS_KEY_ID")
    AWS_SECRET_ACCESS_KEY = os.environ.get("AWS_SECRET_ACCESS_KEY")
    AWS_S3_ADDRESSING_STYLE = "path"
    # botocore 1.36+ checksums are refused by MinIO and R2 unless only sent when required.
    AWS_S3_CLIENT_CONFIG = Config(
        connect_timeout=5, read_timeout=20, retries={"max_attempts": 3},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required")
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"location": "media"},
    }
    # Static files on the same bucket, public for the browser.
    STATIC_STORAGE = {
        "BACKEND": "storages.backends.s3.S3StaticStorage",
        "OPTIONS": {"default_acl": "public-read"},
    }
else:
    DEFAULT_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}

STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": STATIC_STORAGE,
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
}

LOGGING = {
    "version": 1,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"gallery": {"handlers": ["console"], "level": "INFO"}},
}
