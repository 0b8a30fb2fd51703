"""Endpoint benchmark: e2e.upload discovering and exercising 10 upload endpoints of a
generated project (function views with ModelForms, DRF views, CreateViews) with a 12 MP
photo, against a script that makes the same requests by hand with Django's test client.

Both are whole processes, timed from interpreter start to exit, one run each (after one
untimed run of each to warm the page cache and bytecode):
- the diagnosis: `manage.py diagnose_uploads e2e.upload --max-endpoints 10 --format json`,
  which generates its two test photos (a small one and the 12 MP one), finds the
  endpoints in the URLconf, creates the test database, and posts both photos to each
  endpoint (a superuser logged in, required fields filled, the read tracker and the
  recording storage on, each request rolled back);
- by hand: a script that sets Django up, creates the same test database, a superuser and
  the related rows, and posts the same two photos (read from files) to each endpoint with
  the test client, each request rolled back.

    .venv/bin/python benchmarks/bench_endpoints.py

Target: the diagnosis at most 1.2x the requests by hand.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_engine import ENV

TARGET = 1.2
ENDPOINTS = 10

SETTINGS = """
from pathlib import Path
BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "bench-only"
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes",
                  "django.contrib.sessions", "rest_framework", "bench",
                  "upload_diagnostics.manage_commands"]
MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware",
              "django.contrib.auth.middleware.AuthenticationMiddleware"]
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates",
              "APP_DIRS": True}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
                         "NAME": BASE_DIR / "db.sqlite3"}}
ROOT_URLCONF = "benchsite.urls"
STORAGES = {"default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
REST_FRAMEWORK = {"DEFAULT_PERMISSION_CLASSES":
                  ["rest_framework.permissions.IsAuthenticated"]}
"""

MODELS = """
from django.db import models


class Category(models.Model):
    name = models.CharField(max_length=40)
"""

MODEL = """

class Photo{n}(models.Model):
    category = models.ForeignKey(Category, on_delete=models.CASCADE)
    title = models.CharField(max_length=80)
    image = models.ImageField(upload_to="photos{n}/")
    thumbnail = models.ImageField(upload_to="thumbs{n}/", blank=True)
"""

VIEWS = """
import io

from django import forms
from django.core.files.base import ContentFile
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.generic import CreateView
from PIL import Image
from rest_framework import generics, serializers

from . import models


def thumbnail(upload):
    image = Image.open(upload)
    image.thumbnail((1024, 1024))
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=85)
    upload.seek(0)
    return ContentFile(out.getvalue(), name="thumb.jpg")
"""

FUNCTION_VIEW = """

class Form{n}(forms.ModelForm):
    class Meta:
        model = models.Photo{n}
        fields = ["category", "title", "image"]


def upload{n}(request):
    form = Form{n}(request.POST, request.FILES)
    if request.method == "POST" and form.is_valid():
        photo = form.save(commit=False)
        photo.thumbnail = thumbnail(request.FILES["image"])
        photo.save()
        return redirect("/")
    return HttpResponse(status=400)
"""

DRF_VIEW = """

class Serializer{n}(serializers.ModelSerializer):
    class Meta:
        model = models.Photo{n}
        fields = ["id", "category", "title", "image"]


class Upload{n}(generics.CreateAPIView):
    serializer_class = Serializer{n}

    def perform_create(self, serializer):
        serializer.save(thumbnail=thumbnail(serializer.validated_data["image"]))
"""

CREATE_VIEW = """

class Upload{n}(CreateView):
    model = models.Photo{n}
    fields = ["category", "title", "image"]
    success_url = "/"
    template_name = "bench/form.html"

    def form_valid(self, form):
        form.instance.thumbnail = thumbnail(form.cleaned_data["image"])
        return super().form_valid(form)
"""

KINDS = ("function", "drf", "form")


def kind(n: int) -> str:
    return KINDS[n % len(KINDS)]


def write_project(root: Path) -> None:
    views, routes = VIEWS, []
    for n in range(ENDPOINTS):
        views += {"function": FUNCTION_VIEW, "drf": DRF_VIEW, "form": CREATE_VIEW}[kind(n)] \
            .format(n=n)
        view = f"views.upload{n}" if kind(n) == "function" else f"views.Upload{n}.as_view()"
        routes.append(f'    path("upload{n}/", {view}),')
    files = {
        "manage.py": "import os, sys\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', "
                     "'benchsite.settings')\nfrom django.core.management import "
                     "execute_from_command_line\nexecute_from_command_line(sys.argv)\n",
        "benchsite/__init__.py": "", "benchsite/settings.py": SETTINGS,
        "benchsite/urls.py": "from django.http import HttpResponse\nfrom django.urls import "
                             "path\nfrom bench import views\nurlpatterns = [\n    path('', "
                             "lambda r: HttpResponse('ok')),\n" + "\n".join(routes) + "\n]\n",
        "bench/__init__.py": "", "bench/views.py": views,
        "bench/models.py": MODELS + "".join(MODEL.format(n=n) for n in range(ENDPOINTS)),
        "bench/templates/bench/form.html": "{{ form }}",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


BY_HAND = """
import os, sys, time
sys.path.insert(0, os.getcwd())
os.environ["DJANGO_SETTINGS_MODULE"] = "benchsite.settings"
import django
django.setup()
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.test.utils import setup_databases, setup_test_environment, teardown_databases
from rest_framework.test import APIClient
from bench.models import Category

photos = [(name, open(name, "rb").read()) for name in sys.argv[2:]]
setup_test_environment()
old = setup_databases(verbosity=0, interactive=False, serialized_aliases=set())
for n, kind in enumerate(sys.argv[1].split(",")):
    for name, data in photos:
        with transaction.atomic():
            user = User.objects.create_superuser("bench", "bench@example.com", None)
            category = Category.objects.create(name="bench")
            client = APIClient() if kind == "drf" else Client()
            if kind == "drf":
                client.force_authenticate(user)
            else:
                client.force_login(user)
            image = SimpleUploadedFile(name, data, "image/jpeg")
            response = client.post(f"/upload{n}/", {"category": category.pk,
                                                    "title": "bench", "image": image})
            assert response.status_code in (201, 302), (n, response.status_code)
            transaction.set_rollback(True)
teardown_databases(old, verbosity=0)
"""


def timed(cmd: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=ENV, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    from upload_diagnostics.checks.e2e import images

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_project(root)
        photos = [images.small_photo(2621440), images.phone_photo()]
        for photo in photos:
            (root / photo.name).write_bytes(photo.data)
        diagnose = [sys.executable, "manage.py", "diagnose_uploads", "e2e.upload",
                    "--max-endpoints", str(ENDPOINTS), "--timeout", "600", "--format", "json",
                    "--output", str(root / "report.json")]
        by_hand = [sys.executable, "-c", BY_HAND,
                   ",".join(kind(n) for n in range(ENDPOINTS))] + [p.name for p in photos]
        for cmd in (by_hand, diagnose):  # warm the page cache and bytecode
            timed(cmd, root)
        hand, diagnosis = timed(by_hand, root), timed(diagnose, root)
        report = json.loads((root / "report.json").read_text())
    check = report["checks"][0]
    exercised = [e for e in check["facts"]["e2e.endpoints"] if e["exercised"]]
    assert len(exercised) == ENDPOINTS and check["status"] == "pass", check
    ratio = diagnosis / hand
    print(f"{ENDPOINTS} endpoints ({', '.join(sorted({kind(n) for n in range(ENDPOINTS)}))}), "
          f"each sent {photos[0].label} and {photos[1].label}")
    print(f"by hand with the test client: {hand:.2f} s; diagnose_uploads e2e.upload: "
          f"{diagnosis:.2f} s (whole processes, one run each)")
    print(f"ratio: {ratio:.2f}x (target <= {TARGET}x) {'OK' if ratio <= TARGET else 'OVER'}")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
