"""Hard-image benchmark: `e2e.upload --images hard` sending the hard-image set through the
one upload endpoint of a generated project, against a script that makes the same requests
by hand with Django's test client.

Both are whole processes, timed (wall clock) from interpreter start to exit, in pairs
(by hand, then the diagnosis), seven times after one untimed run of each to warm the page
cache and bytecode; the ratio is the median of the pairs' ratios (this host's speed drifts
from minute to minute, so a single pair can be off by a third either way):
- the diagnosis: `manage.py diagnose_uploads e2e.upload --images hard --format json`, which
  finds the endpoint in the URLconf, makes the hard-image set (HEIC with pillow-heif when it
  is installed, the decompression bomb, ...), creates the test database and posts each image
  (a superuser logged in, the read tracker, the recording storage and the peak-memory
  measurement on, each request rolled back), then judges and reports every image;
- by hand: a script that sets Django up, creates the same test database and a superuser,
  and posts the same images (read from files, under the same names) with the test client,
  each request rolled back, checking each status code against the diagnosis's.

The view does what upload views typically do, carefully: it registers pillow-heif's opener,
refuses too many pixels, applies the EXIF orientation, and stores a WebP copy for display
and a thumbnail.

    .venv/bin/python benchmarks/bench_hard.py

Target: the diagnosis at most 1.2x the requests by hand. It also prints how long making
the set takes (in the benchmark's own process, before the runs): the script reads the
images from files, the diagnosis makes them (in a thread that overlaps with its search for
the endpoint, its test database and its first requests).
"""
from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench_endpoints import timed

TARGET = 1.2
PAIRS = 7

SETTINGS = """
from pathlib import Path
BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "bench-only"
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes",
                  "django.contrib.sessions", "bench", "upload_diagnostics.manage_commands"]
MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware",
              "django.contrib.auth.middleware.AuthenticationMiddleware"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
                         "NAME": BASE_DIR / "db.sqlite3"}}
ROOT_URLCONF = "benchsite.urls"
STORAGES = {"default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
"""

MODELS = """
from django.db import models


class Photo(models.Model):
    image = models.ImageField(upload_to="photos/")
    display = models.ImageField(upload_to="display/", blank=True)
    thumbnail = models.ImageField(upload_to="thumbs/", blank=True)
"""

VIEWS = """
import io

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.http import JsonResponse
from PIL import Image, ImageOps

from .models import Photo

try:
    from pillow_heif import register_heif_opener
    register_heif_opener()
except ImportError:
    pass


class PhotoForm(forms.ModelForm):
    class Meta:
        model = Photo
        fields = ["image"]


def processed(upload):
    # A WebP copy for display and a thumbnail, as the example project makes them.
    image = Image.open(upload)
    if image.width * image.height > Image.MAX_IMAGE_PIXELS:
        raise OSError("too many pixels")
    image = ImageOps.exif_transpose(image).convert("RGB")
    display = io.BytesIO()
    image.save(display, "WEBP", quality=82)
    image.thumbnail((300, 300))
    thumbnail = io.BytesIO()
    image.save(thumbnail, "JPEG", quality=80)
    upload.seek(0)
    return (ContentFile(display.getvalue(), name="display.webp"),
            ContentFile(thumbnail.getvalue(), name="thumb.jpg"))


@login_required
def upload(request):
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        return JsonResponse(form.errors, status=400)
    photo = form.save(commit=False)
    try:
        photo.display, photo.thumbnail = processed(form.cleaned_data["image"])
    except OSError as exc:
        return JsonResponse({"image": [f"Unusable image: {exc}"]}, status=400)
    photo.save()
    return JsonResponse({"id": photo.pk}, status=201)
"""

BY_HAND = """
import json, os, sys
sys.path.insert(0, os.getcwd())
os.environ["DJANGO_SETTINGS_MODULE"] = "benchsite.settings"
import django
django.setup()
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.test.utils import setup_databases, setup_test_environment, teardown_databases

images = json.load(open(sys.argv[1]))
setup_test_environment()
old = setup_databases(verbosity=0, interactive=False, serialized_aliases=set())
for image in images:
    with transaction.atomic():
        user = User.objects.create_superuser("bench", "bench@example.com", None)
        client = Client()
        client.force_login(user)
        upload = SimpleUploadedFile(image["name"], open(image["file"], "rb").read(),
                                    image["content_type"])
        response = client.post("/upload/", {"image": upload})
        assert response.status_code == image["status_code"], (image, response.status_code)
        transaction.set_rollback(True)
teardown_databases(old, verbosity=0)
"""


def write_project(root: Path) -> None:
    files = {
        "manage.py": "import os, sys\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', "
                     "'benchsite.settings')\nfrom django.core.management import "
                     "execute_from_command_line\nexecute_from_command_line(sys.argv)\n",
        "benchsite/__init__.py": "", "benchsite/settings.py": SETTINGS,
        "benchsite/urls.py": "from django.urls import path\nfrom bench import views\n"
                             "urlpatterns = [path('upload/', views.upload)]\n",
        "bench/__init__.py": "", "bench/views.py": VIEWS, "bench/models.py": MODELS,
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)


def main() -> int:
    from PIL import Image
    from upload_diagnostics.checks.e2e import hardset

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_project(root)
        started = time.perf_counter()
        made, not_made = hardset.hard_set(Image.MAX_IMAGE_PIXELS)
        making = time.perf_counter() - started
        diagnose = [sys.executable, "manage.py", "diagnose_uploads", "e2e.upload", "--images",
                    "hard", "--format", "json", "--output", str(root / "report.json")]
        timed(diagnose, root)  # warm the page cache and bytecode; its verdicts for the check
        verdicts = json.loads((root / "report.json").read_text())["checks"][0]["facts"][
            "e2e.images"]
        status = {v["name"]: v["status_code"] for v in verdicts}
        manifest = []
        for n, image in enumerate(made):
            (root / f"image{n}").write_bytes(image.data)
            manifest.append({"name": image.name, "file": f"image{n}",
                             "content_type": image.content_type,
                             "status_code": status[image.name]})
        (root / "images.json").write_text(json.dumps(manifest))
        by_hand = [sys.executable, "-c", BY_HAND, "images.json"]
        timed(by_hand, root)
        pairs = [(timed(by_hand, root), timed(diagnose, root)) for _ in range(PAIRS)]
    print(f"{len(made)} images through one endpoint: " + ", ".join(
        f"{v['kind']} {v['status_code']}" for v in verdicts if v["endpoint"]))
    if not_made:
        print("not made here: " + "; ".join(f"{n.kind}: {n.reason}" for n in not_made))
    ratios = sorted(d / h for h, d in pairs)
    ratio = statistics.median(ratios)
    hand = statistics.median(h for h, _ in pairs)
    diagnosis = statistics.median(d for _, d in pairs)
    print(f"by hand with the test client: {hand:.2f} s; diagnose_uploads e2e.upload "
          f"--images hard: {diagnosis:.2f} s (whole processes, medians of {PAIRS} runs); "
          f"making the set, which the diagnosis does and the script does not: {making:.2f} s "
          "in this process")
    print(f"ratio: {ratio:.2f}x, median of {PAIRS} pairs ({ratios[0]:.2f}x-{ratios[-1]:.2f}x; "
          f"target <= {TARGET}x) {'OK' if ratio <= TARGET else 'OVER'}")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
