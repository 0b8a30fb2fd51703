"""End-to-end benchmark: the generic path of e2e.upload (read tracker, tracking upload
handlers, recording storage, stage timing) against a plain script doing the same work
with Django's own parts (MultiPartParser and the default handlers, forms.ImageField,
the same Pillow processing, a round trip through Django's InMemoryStorage).

Each measurement is one fresh process; runs are interleaved and the medians compared.

    .venv/bin/python benchmarks/bench_e2e.py [--size 8000x6000] [--runs 5]

Targets: time overhead at most 10%; peak memory (max RSS) at most 1.5x the plain script's.
"""
from __future__ import annotations

import argparse
import io
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

TIME_TARGET, MEMORY_TARGET = 1.10, 1.5


def setup_django(tmp: str) -> None:
    import django
    from django.conf import settings

    settings.configure(
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth"],
        DATABASES={}, USE_TZ=True, FILE_UPLOAD_TEMP_DIR=tmp, MEDIA_ROOT=tmp,
        STORAGES={"default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}})
    django.setup()


def load_image(path: str):
    from upload_diagnostics.checks.e2e.images import TestImage
    from PIL import Image

    data = Path(path).read_bytes()
    with Image.open(io.BytesIO(data)) as image:
        size = image.size
    return TestImage("bench.jpg", data, size, "image/jpeg")


def child_check(path: str, tmp: str) -> dict:
    """The check's generic path, as e2e.upload runs it without --e2e."""
    from upload_diagnostics.checks.e2e import generic
    from upload_diagnostics.checks.e2e import tracker as tracking
    from upload_diagnostics.checks.e2e.recording import Recorder, RecordingStorage
    from django import forms  # noqa: F401 - imported up front, as in the plain script
    from django.conf import settings
    from django.http import multipartparser  # noqa: F401
    from PIL import Image, ImageOps  # noqa: F401

    image = load_image(path)
    started, cpu = time.perf_counter(), time.process_time()
    tracker = tracking.Tracker(Path(tmp))
    storage = RecordingStorage(Recorder(tracker), "default")
    run = generic.run(image, storage, tracker,
                      tracking.handler_paths(settings.FILE_UPLOAD_HANDLERS))
    result = {"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu,
              "upload": run.upload_class}
    assert run.failure is None and not run.problems, (run.failure, run.problems)
    return result


def child_plain(path: str, tmp: str) -> dict:
    """What a project does with an upload, written plainly with Django and Pillow."""
    from django import forms
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.core.files.uploadhandler import load_handler
    from django.conf import settings
    from django.http.multipartparser import MultiPartParser
    from PIL import Image, ImageOps

    from upload_diagnostics.checks.e2e.generic import multipart

    image = load_image(path)
    started, cpu = time.perf_counter(), time.process_time()
    body, content_type = multipart(image)
    meta = {"CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(body))}
    handlers = [load_handler(p) for p in settings.FILE_UPLOAD_HANDLERS]
    _post, files = MultiPartParser(meta, io.BytesIO(body), handlers, "utf-8").parse()
    upload = files["file"]
    forms.ImageField().to_python(upload)
    picture = ImageOps.exif_transpose(Image.open(upload))
    picture.thumbnail((2048, 2048))
    out = io.BytesIO()
    picture.convert("RGB").save(out, "WEBP", quality=82)
    webp = ContentFile(out.getvalue(), name="processed.webp")
    del picture
    picture = Image.open(upload)
    picture.draft("RGB", (300, 300))
    picture = ImageOps.exif_transpose(picture)
    picture.thumbnail((300, 300))
    picture.convert("RGB").save(io.BytesIO(), "JPEG", quality=80)
    upload.seek(0)
    sent = {"bench/original.jpg": (upload, image.data),
            "bench/processed.webp": (webp, webp.file.getvalue())}
    names = {k: default_storage.save(k, content) for k, (content, _data) in sent.items()}
    for key, name in names.items():
        assert default_storage.exists(name)
        assert default_storage.size(name) == len(sent[key][1])
        default_storage.url(name)
        with default_storage.open(name, "rb") as stored:
            assert stored.read() == sent[key][1]
        default_storage.delete(name)
        assert not default_storage.exists(name)
    upload.close()
    return {"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu,
            "upload": type(upload).__name__}


def run_child(kind: str, image: Path) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", kind, "--image-file",
                           str(image)], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="8000x6000", help="image size, WxH (48 MP)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", choices=("check", "plain"), help=argparse.SUPPRESS)
    parser.add_argument("--image-file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        with tempfile.TemporaryDirectory() as tmp:
            setup_django(tmp)
            result = (child_check if args.child == "check" else child_plain)(
                args.image_file, tmp)
        result["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return 0

    from upload_diagnostics.checks.e2e.images import phone_photo

    width, height = (int(n) for n in args.size.lower().split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        image = Path(tmp) / "bench.jpg"
        photo = phone_photo((width, height))
        image.write_bytes(photo.data)
        print(f"image: {width}x{height} ({width * height / 1e6:.0f} MP), "
              f"{len(photo.data) / 1e6:.1f} MB JPEG; {args.runs} runs each, interleaved")
        results = {"check": [], "plain": []}
        for _ in range(args.runs):
            for kind in ("plain", "check"):
                results[kind].append(run_child(kind, image))
    def median(kind, key):
        return statistics.median(r[key] for r in results[kind])

    # CPU time is the ratio's basis: steadier than wall time on a machine shared with
    # other work (both do the same single-threaded work, so it tracks wall time).
    time_ratio = median("check", "cpu") / median("plain", "cpu")
    memory_ratio = median("check", "max_rss_mb") / median("plain", "max_rss_mb")
    for kind in ("plain", "check"):
        print(f"{kind:>6}: CPU {median(kind, 'cpu'):.3f} s, wall {median(kind, 'seconds'):.3f} s "
              f"(medians), peak RSS {median(kind, 'max_rss_mb'):.0f} MB, upload object "
              f"{results[kind][0]['upload']}")
    print(f"wall time ratio check/plain: "
          f"{median('check', 'seconds') / median('plain', 'seconds'):.3f}")
    print(f"CPU time ratio check/plain: {time_ratio:.3f} (target <= {TIME_TARGET:.2f}) "
          f"{'OK' if time_ratio <= TIME_TARGET else 'OVER'}")
    print(f"peak memory ratio check/plain: {memory_ratio:.3f} (target <= {MEMORY_TARGET}) "
          f"{'OK' if memory_ratio <= MEMORY_TARGET else 'OVER'}")
    return 0 if time_ratio <= TIME_TARGET and memory_ratio <= MEMORY_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
