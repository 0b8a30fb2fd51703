"""--images hard: the images phones and users send, through a real project's endpoints.

The fixture project's thumbnail code saves whatever Pillow opened as JPEG without
converting it (RGBA, palette, 16-bit and animated images fail there), does not handle a
truncated file, decodes a decompression bomb and registers no HEIC opener; its avatar
endpoint stores the thumbnail from a buffer read at its end. The fixed twin refuses too
many pixels, converts to RGB first, answers 400 for a damaged file, registers pillow-heif
and stores the buffer's bytes.
"""
from __future__ import annotations

from conftest import IK5_PYTHON, by_code, codes, run_cli
from plugins.harness import validate

SETTINGS = """
INSTALLED_APPS += ["photos"]
ROOT_URLCONF = "testsite.urls"
STORAGES = {"default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
"""

MODELS = """
from django.db import models


class Photo(models.Model):
    image = models.ImageField(upload_to="photos/")
    thumbnail = models.ImageField(upload_to="thumbs/", blank=True)
"""

URLS = """
from django.urls import path

from photos import views

urlpatterns = [path("upload/", views.upload), path("avatar/", views.avatar)]
"""

VIEWS = """
import io

from django import forms
from django.core.files.base import ContentFile
from django.http import JsonResponse
from PIL import Image

from .models import Photo


class PhotoForm(forms.ModelForm):
    class Meta:
        model = Photo
        fields = ["image"]


def thumbnail(upload):
    img = Image.open(upload)
    img.thumbnail((400, 400))
    buf = io.BytesIO()
    img.save(buf, "JPEG")
    upload.seek(0)
    return buf


def upload(request):
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        return JsonResponse(form.errors, status=400)
    photo = form.save(commit=False)
    buf = thumbnail(form.cleaned_data["image"])
    photo.thumbnail = ContentFile(buf.getvalue(), name="thumb.jpg")
    photo.save()
    return JsonResponse({"id": photo.pk}, status=201)


def avatar(request):
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        return JsonResponse(form.errors, status=400)
    photo = form.save(commit=False)
    buf = thumbnail(form.cleaned_data["image"])
    photo.thumbnail = ContentFile(buf.read(), name="thumb.jpg")
    photo.save()
    return JsonResponse({"id": photo.pk}, status=201)
"""

FIXED = {
    'import io\n': "import io\n\nfrom pillow_heif import register_heif_opener\n",
    "from .models import Photo\n": "from .models import Photo\n\nregister_heif_opener()\n",
    "    img.thumbnail(":
        "    if img.width * img.height > Image.MAX_IMAGE_PIXELS:\n"
        '        raise OSError(f"{img.width}x{img.height} pixels is too many")\n'
        '    img = img.convert("RGB")\n    img.thumbnail(',
    "buf.read()": "buf.getvalue()",
    '    buf = thumbnail(form.cleaned_data["image"])\n':
        '    try:\n        buf = thumbnail(form.cleaned_data["image"])\n'
        '    except OSError as exc:  # a truncated or damaged file, or too many pixels\n'
        '        return JsonResponse({"image": [f"Unusable image: {exc}"]}, status=400)\n',
}


def photos_project(project, fixed: bool = False, settings: str = "", views_extra: str = ""):
    views = VIEWS + views_extra
    for old, new in (FIXED.items() if fixed else ()):
        assert old in views
        views = views.replace(old, new)
    return project(SETTINGS + settings, {"testsite/urls.py": URLS, "photos/__init__.py": "",
                                         "photos/models.py": MODELS, "photos/views.py": views})


def hard_run(root, *args, python=None):
    run = run_cli("--settings", "testsite.settings", "e2e.upload", "--format", "json", *args,
                  cwd=root, python=python)
    report = validate(run.report())  # e2e.images as docs/report.schema.json says
    check = report["checks"][0]
    return check, {(v["kind"], v["endpoint"]): v for v in check["facts"]["e2e.images"]}


def line_of(path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


KINDS = {"heic", "cmyk-jpeg", "rgba-png", "palette-png", "png-16bit", "truncated-jpeg",
         "animated-gif", "animated-webp", "exif-rotated", "decompression-bomb", "name-unicode",
         "name-spaces", "name-hash", "name-150"}
UPLOAD, AVATAR = "POST /upload/", "POST /avatar/"


def test_saving_what_pillow_opened_as_jpeg_fails_for_rgba_and_palette(project):
    root = photos_project(project)
    check, verdicts = hard_run(root, "--images", "hard")
    views = root / "photos" / "views.py"
    save = f"photos/views.py:{line_of(views, 'img.save(buf')}"
    load = f"photos/views.py:{line_of(views, 'img.thumbnail(')}"
    assert check["status"] == "fail"
    assert {kind for kind, _endpoint in verdicts} == KINDS
    for kind, mode in (("rgba-png", "RGBA"), ("palette-png", "P"), ("png-16bit", "I;16"),
                       ("animated-gif", "P"), ("animated-webp", "RGBA")):
        got = verdicts[(kind, UPLOAD)]
        assert (got["status_code"], got["verdict"], got["at"]) == (500, "error", save), got
        assert got["message"] == f"OSError: cannot write mode {mode} as JPEG"
    truncated = verdicts[("truncated-jpeg", UPLOAD)]
    assert (truncated["verdict"], truncated["at"]) == ("error", load)
    assert truncated["message"].startswith("OSError: image file is truncated")
    heic = verdicts[("heic", UPLOAD)]
    assert (heic["status_code"], heic["verdict"]) == (400, "rejected")
    assert heic["message"].startswith("image: Upload a valid image.")
    long_name = verdicts[("name-150", UPLOAD)]
    assert long_name["verdict"] == "rejected"
    assert "at most 100 characters (it has 150)" in long_name["message"]
    for kind in ("cmyk-jpeg", "exif-rotated", "name-unicode", "name-spaces", "name-hash"):
        got = verdicts[(kind, UPLOAD)]
        assert (got["status_code"], got["verdict"]) == (201, "accepted"), got
        assert got["stored"].startswith("intact: default:photos/")
    bomb = verdicts[("decompression-bomb", UPLOAD)]
    assert bomb["verdict"] == "accepted"
    assert bomb["message"].startswith("DecompressionBombWarning: Image size (")
    # Decoding the bomb takes a byte a pixel: 85 MiB; a 1024x768 RGBA image 3 MiB; a 320x240
    # photo far less.
    assert 80 * 2**20 < bomb["peak_memory_bytes"] < 200 * 2**20
    assert 3 * 2**20 < verdicts[("rgba-png", UPLOAD)]["peak_memory_bytes"] < 60 * 2**20
    assert verdicts[("name-hash", UPLOAD)]["peak_memory_bytes"] < 3 * 2**20
    # The avatar endpoint stores the thumbnail read from the end of its buffer: 0 bytes.
    avatar = verdicts[("cmyk-jpeg", AVATAR)]
    assert avatar["verdict"] == "broken"
    assert "thumb" in avatar["stored"] and "(0 bytes)" in avatar["stored"]

    # One finding per endpoint, exception type and line.
    failed = {(f["message"].split(" answered")[0], f["location"]["line"],
               f["message"].split(": ")[1].split(":")[0]): f
              for f in check["findings"] if f["code"] == "e2e.E050"}
    save_line, load_line = int(save.split(":")[1]), int(load.split(":")[1])
    assert set(failed) == {(endpoint, line, "OSError") for endpoint in (UPLOAD, AVATAR)
                           for line in (save_line, load_line)}
    saving = failed[(UPLOAD, save_line, "OSError")]
    assert saving["location"]["path"] == "photos/views.py"
    assert saving["message"].startswith(
        f"{UPLOAD} answered 500 for rgba-png (transparent.png), palette-png (palette.png), "
        "png-16bit (scan-16bit.png), animated-gif (animated.gif), animated-webp "
        "(animated.webp): OSError: cannot write mode I;16 as JPEG; OSError: cannot write "
        "mode P as JPEG; OSError: cannot write mode RGBA as JPEG at ")
    assert saving["message"].endswith(f"at {save}")
    assert "truncated-jpeg" in failed[(UPLOAD, load_line, "OSError")]["message"]
    warnings = [f["message"] for f in check["findings"] if f["code"] == "e2e.W050"]
    assert [m.split(" rejected what phones send: ")[0] for m in warnings] == [UPLOAD, AVATAR]
    assert all(": heic (IMG_0001.HEIC): image: Upload a valid image." in m for m in warnings)
    broken = [f for f in check["findings"] if f["code"] == "e2e.E051"]
    assert [f["message"].split(" stored")[0] for f in broken] == [AVATAR]
    table = by_code(check)["e2e.I050"]["evidence"][0]
    assert table["title"] == "The hard-image set" and len(table["rows"]) == 2 * len(KINDS)


def test_the_fixed_twin_passes(project):
    root = photos_project(project, fixed=True)
    check, verdicts = hard_run(root, "--images", "hard", "--endpoint", "/upload/")
    assert check["status"] == "pass", check["findings"]
    assert codes(check) == ["e2e.I050", "e2e.I002", "e2e.I001"]
    rejected = {kind for (kind, _e), v in verdicts.items() if v["verdict"] == "rejected"}
    assert rejected == {"truncated-jpeg", "decompression-bomb", "name-150"}
    assert verdicts[("truncated-jpeg", UPLOAD)]["message"].startswith(
        "image: Unusable image: image file is truncated")
    assert verdicts[("decompression-bomb", UPLOAD)]["message"] == \
        "image: Unusable image: 10000x8948 pixels is too many"
    assert {v["verdict"] for (kind, _e), v in verdicts.items() if kind not in rejected} \
        == {"accepted"}
    assert all(isinstance(v["peak_memory_bytes"], int) for v in verdicts.values())
    # A 1024x768 CMYK JPEG decoded (3 MiB) and converted to RGB (3 MiB more).
    assert verdicts[("cmyk-jpeg", UPLOAD)]["peak_memory_bytes"] > 4 * 2**20
    # The timings come from the largest image that was answered.
    assert check["facts"]["upload.timings"]["image"].startswith("print-cmyk.jpg")


def test_without_pillow_heif_the_heic_photo_is_skipped_saying_so(project):
    # (the settings ask for the hard set here, in a virtualenv without pillow-heif; the
    # views module, loaded with the URLconf, lowers Pillow's limit: the bomb follows it)
    root = photos_project(project, settings='UPLOAD_DIAGNOSTICS = {"E2E": {"IMAGES": "hard", '
                                            '"URL": "/upload/"}}\n',
                          views_extra="\nImage.MAX_IMAGE_PIXELS = 40_000_000\n")
    check, verdicts = hard_run(root, python=IK5_PYTHON)
    heic = verdicts[("heic", None)]
    assert (heic["verdict"], heic["status_code"], heic["peak_memory_bytes"]) == \
        ("skipped", None, None)
    assert heic["message"].startswith("pillow-heif is not installed: pip install")
    assert "e2e.W050" not in codes(check)  # the EXIF-rotated photo was accepted
    assert verdicts[("exif-rotated", UPLOAD)]["verdict"] == "accepted"
    assert verdicts[("decompression-bomb", UPLOAD)]["message"].startswith(
        "DecompressionBombWarning: Image size (40010000 pixels) exceeds limit of 40000000")
