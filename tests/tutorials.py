"""Three small projects written the way Django tutorials write them, none with an
UPLOAD_DIAGNOSTICS setting; each carries the classic upload bug in its own shape, or its fix.

- `gallery`: a function view with a ModelForm; the view checks the image with
  Image.open(...).verify() and then calls form.save().
- `photoapi`: a DRF ModelViewSet behind token authentication; perform_create hashes the
  upload, then saves the serializer.
- `banners`: a model edited only in the admin; its save() shrinks the image with a helper
  that returns a buffer it did not rewind.
"""
from __future__ import annotations

from pathlib import Path

from conftest import write_files

SETTINGS = """
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "django-insecure-tutorial-only"
DEBUG = True
ALLOWED_HOSTS = []

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",{apps}
    "upload_diagnostics.manage_commands",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "mysite.urls"

TEMPLATES = [
    {{
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {{
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        }},
    }},
]

WSGI_APPLICATION = "mysite.wsgi.application"

DATABASES = {{
    "default": {{
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / "db.sqlite3",
    }}
}}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "media"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
{extra}"""

MANAGE = """
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
    from django.core.management import execute_from_command_line
    execute_from_command_line(sys.argv)
"""

GALLERY = {
    "photos/__init__.py": "",
    "photos/models.py": """
        from django.db import models


        class Photo(models.Model):
            title = models.CharField(max_length=100)
            image = models.ImageField(upload_to="photos/")
            uploaded_at = models.DateTimeField(auto_now_add=True)

            def __str__(self):
                return self.title
    """,
    "photos/forms.py": """
        from django import forms

        from .models import Photo


        class PhotoForm(forms.ModelForm):
            class Meta:
                model = Photo
                fields = ["title", "image"]
    """,
    "photos/views.py": """
        from django.shortcuts import redirect, render
        from PIL import Image

        from .forms import PhotoForm
        from .models import Photo


        def upload_photo(request):
            if request.method == "POST":
                form = PhotoForm(request.POST, request.FILES)
                if form.is_valid():
                    Image.open(request.FILES["image"]).verify()  # reject broken images
                    form.save()
                    return redirect("photo_list")
            else:
                form = PhotoForm()
            return render(request, "photos/upload.html", {"form": form})


        def photo_list(request):
            return render(request, "photos/list.html", {"photos": Photo.objects.all()})
    """,
    "photos/templates/photos/upload.html": """
        <form method="post" enctype="multipart/form-data">{% csrf_token %}
          {{ form.as_p }}<button type="submit">Upload</button>
        </form>
    """,
    "photos/templates/photos/list.html": """
        {% for photo in photos %}
          <img src="{{ photo.image.url }}" alt="{{ photo.title }}">
        {% endfor %}
    """,
    "mysite/urls.py": """
        from django.conf import settings
        from django.conf.urls.static import static
        from django.contrib import admin
        from django.urls import path

        from photos import views

        urlpatterns = [
            path("admin/", admin.site.urls),
            path("", views.photo_list, name="photo_list"),
            path("upload/", views.upload_photo, name="upload_photo"),
        ] + static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
    """,
}
GALLERY_FIX = ("Image.open(request.FILES[\"image\"]).verify()  # reject broken images\n",
               "Image.open(request.FILES[\"image\"]).verify()  # reject broken images\n"
               "            request.FILES[\"image\"].seek(0)\n")

PHOTOAPI = {
    "api/__init__.py": "",
    "api/models.py": """
        from django.conf import settings
        from django.db import models


        class Album(models.Model):
            name = models.CharField(max_length=100)


        class Photo(models.Model):
            VISIBILITY = [("public", "Public"), ("private", "Private")]

            owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                      related_name="photos")
            album = models.ForeignKey(Album, on_delete=models.CASCADE, related_name="photos")
            caption = models.CharField(max_length=200)
            image = models.ImageField(upload_to="photos/%Y/%m/")
            taken_on = models.DateField()
            visibility = models.CharField(max_length=10, choices=VISIBILITY)
            checksum = models.CharField(max_length=64, blank=True)
    """,
    "api/serializers.py": """
        from rest_framework import serializers

        from .models import Photo


        class PhotoSerializer(serializers.ModelSerializer):
            owner = serializers.ReadOnlyField(source="owner.username")

            class Meta:
                model = Photo
                fields = ["id", "owner", "album", "caption", "image", "taken_on",
                          "visibility", "checksum"]
                read_only_fields = ["checksum"]
    """,
    "api/views.py": """
        import hashlib

        from rest_framework import permissions, viewsets

        from .models import Photo
        from .serializers import PhotoSerializer


        class PhotoViewSet(viewsets.ModelViewSet):
            queryset = Photo.objects.all()
            serializer_class = PhotoSerializer
            permission_classes = [permissions.IsAuthenticated]

            def perform_create(self, serializer):
                upload = self.request.FILES["image"]
                checksum = hashlib.sha256(upload.read()).hexdigest()
                serializer.save(owner=self.request.user, checksum=checksum)
    """,
    "mysite/urls.py": """
        from django.contrib import admin
        from django.urls import include, path
        from rest_framework import routers
        from rest_framework.authtoken.views import obtain_auth_token

        from api.views import PhotoViewSet

        router = routers.DefaultRouter()
        router.register(r"photos", PhotoViewSet)

        urlpatterns = [
            path("admin/", admin.site.urls),
            path("api/", include(router.urls)),
            path("api/token/", obtain_auth_token),
        ]
    """,
}
PHOTOAPI_SETTINGS = """
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}
"""
PHOTOAPI_FIX = ("checksum = hashlib.sha256(upload.read()).hexdigest()\n",
                "checksum = hashlib.sha256(upload.read()).hexdigest()\n"
                "        upload.seek(0)\n")

BANNERS = {
    "shop/__init__.py": "",
    "shop/imaging.py": """
        from io import BytesIO

        from PIL import Image


        def shrink(upload, size=(1200, 1200)):
            \"\"\"The upload as a JPEG that fits in `size`.\"\"\"
            image = Image.open(upload)
            image.thumbnail(size)
            buffer = BytesIO()
            image.convert("RGB").save(buffer, format="JPEG", quality=85)
            return buffer
    """,
    "shop/models.py": """
        from django.core.files import File
        from django.db import models

        from .imaging import shrink


        class Category(models.Model):
            name = models.CharField(max_length=50, unique=True)

            class Meta:
                verbose_name_plural = "categories"

            def __str__(self):
                return self.name


        class Banner(models.Model):
            category = models.ForeignKey(Category, on_delete=models.PROTECT)
            headline = models.CharField(max_length=120)
            slug = models.SlugField(unique=True)
            image = models.ImageField(upload_to="banners/")
            starts = models.DateTimeField()
            active = models.BooleanField(default=True)

            def save(self, *args, **kwargs):
                if self.image and not self.image._committed:
                    self.image = File(shrink(self.image), name=self.image.name)
                super().save(*args, **kwargs)
    """,
    "shop/admin.py": """
        from django.contrib import admin

        from .models import Banner, Category

        admin.site.register(Category)


        @admin.register(Banner)
        class BannerAdmin(admin.ModelAdmin):
            list_display = ["headline", "category", "starts", "active"]
            prepopulated_fields = {"slug": ["headline"]}
    """,
    "mysite/urls.py": """
        from django.contrib import admin
        from django.urls import path

        urlpatterns = [
            path("admin/", admin.site.urls),
        ]
    """,
}
BANNERS_FIX = ("    return buffer\n", "    buffer.seek(0)\n    return buffer\n")

PROJECTS = {
    "gallery": (GALLERY, ("photos",), "", GALLERY_FIX),
    "photoapi": (PHOTOAPI, ("rest_framework", "rest_framework.authtoken", "api"),
                 PHOTOAPI_SETTINGS, PHOTOAPI_FIX),
    "banners": (BANNERS, ("shop",), "", BANNERS_FIX),
}


def write_tutorial(root: Path, name: str) -> Path:
    """Write the tutorial project `name`, with its bug, under root; returns its folder."""
    files, apps, extra, _fix = PROJECTS[name]
    listed = "".join(f'\n    "{app}",' for app in apps)
    return write_files(root / name, {
        "manage.py": MANAGE, "mysite/__init__.py": "",
        "mysite/settings.py": SETTINGS.format(apps=listed, extra=extra), **files})


def fix(project: Path, name: str) -> Path:
    """Mend the bug of the tutorial project `name` written at `project`."""
    bug, mended = PROJECTS[name][3]
    for path in sorted(project.rglob("*.py")):
        text = path.read_text()
        if bug in text:
            path.write_text(text.replace(bug, mended, 1))
            return project
    raise AssertionError(f"the bug of {name} was not found")
