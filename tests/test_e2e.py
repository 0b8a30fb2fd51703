"""e2e.upload through the real command on the bundled example project."""
from __future__ import annotations

from pathlib import Path

from conftest import base_env, codes, run_cli

SETTINGS = ("--settings", "photosite.settings")


def e2e(project: Path, *args, env=None):
    """Run e2e.upload (plus any other ids given) on the project; returns (run, checks)."""
    run = run_cli(*SETTINGS, "e2e.upload", "--format", "json", *args, cwd=project,
                  env=env or base_env())
    run.report()  # the exit status its findings call for
    return run, {c["id"]: c for c in run.json()["checks"]}



def items(finding: dict, title: str) -> dict:
    block = next(e for e in finding["evidence"] if e.get("title") == title)
    return dict((k, v) for k, v in block["items"])


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def files_under(path: Path) -> list[Path]:
    return [p for p in path.rglob("*") if p.is_file()] if path.exists() else []


def test_the_example_is_diagnosed_through_its_discovered_endpoint(example_project):
    # No E2E setting: the DRF view is found in the URLconf. Uploads above 200 kB go to a
    # TemporaryUploadedFile: both upload classes are tracked.
    settings = example_project / "photosite" / "settings.py"
    assert "UPLOAD_DIAGNOSTICS" not in settings.read_text()
    settings.write_text(settings.read_text() + "\nFILE_UPLOAD_MAX_MEMORY_SIZE = 200_000\n")
    run, checks = e2e(example_project, "--image", "1200x900")
    check = checks["e2e.upload"]
    assert check["status"] == "fail"
    serializer = example_project / "gallery" / "serializers.py"
    read_line = line_of(serializer, "upload.read()")
    save_line = line_of(serializer, "super().create(validated_data)")

    empty = next(f for f in check["findings"] if f["code"] == "e2e.E002")
    tracked = items(empty, "Read tracker")
    assert tracked["consumed at"] == f"gallery/serializers.py:{read_line}"
    assert tracked["saved at"] == f"gallery/serializers.py:{save_line}"
    assert tracked["bytes read there"] > 0 and tracked["position at save"] > 0
    assert empty["location"] == {"path": "gallery/serializers.py", "line": save_line}
    streams = {tracked["stream"], tracked.get("also")}
    assert any("InMemoryUploadedFile" in s for s in streams if s)
    assert any("TemporaryUploadedFile" in s for s in streams if s)
    stored = next(e for e in empty["evidence"] if e["title"] == "Stored objects")
    assert len(stored["rows"]) == 2 and all(r[4] == 0 and r[3] > 0 for r in stored["rows"])
    assert codes(check).count("e2e.E002") == 1  # one finding for the object and its cause

    assert check["facts"]["e2e.endpoints"] == [{
        "url": "/api/photos/", "view": "gallery.views.PhotoUploadView", "kind": "drf",
        "method": "POST", "exercised": True, "status_code": 201, "reason": None,
        "peak_memory_bytes": check["facts"]["e2e.endpoints"][0]["peak_memory_bytes"]}]
    # The largest of the two requests: the 1200x900 photo decoded (4 MiB) at least.
    assert check["facts"]["e2e.endpoints"][0]["peak_memory_bytes"] > 4 * 2**20
    # The endpoint ran, so the generic path did not: two answered POSTs, no generic stages.
    info = next(f for f in check["findings"] if f["code"] == "e2e.I001")
    titles = [e["title"] for e in info["evidence"]]
    assert not [t for t in titles if t.startswith("Generic path:")]
    posts = [e for e in info["evidence"] if e["title"].startswith("Endpoint: POST /api/photos/")]
    assert [dict(e["items"])["status"] for e in posts] == [201, 201]
    # Nothing left: no database file, no media folder.
    assert not (example_project / "db.sqlite3").exists()
    assert not (example_project / "media").exists()


def test_fixed_serializer_passes_with_timings(example_project):
    serializer = example_project / "gallery" / "serializers.py"
    text = serializer.read_text()
    fixed = text.replace("hexdigest()\n", "hexdigest()\n        upload.seek(0)\n", 1)
    assert fixed != text
    serializer.write_text(fixed)
    run, checks = e2e(example_project, "--image", "800x600")
    check = checks["e2e.upload"]
    assert check["status"] == "pass", check["findings"]
    assert codes(check) == ["e2e.I002", "e2e.I001"]
    assert "1 exercised: POST /api/photos/ (201)" in check["findings"][0]["message"]
    # The default run sends the pair, and says how to send the hard set.
    assert "e2e.images" not in check["facts"]
    assert "Add --images hard to send the images phones" in check["findings"][1]["hint"]
    timings = check["facts"]["upload.timings"]
    assert timings["path"] == "endpoint" and timings["total_s"] > 0
    assert timings["request_bytes"] > 0
    assert timings["stages"][0]["name"] == "POST /api/photos/"
    saves = [s for s in timings["stages"] if s["name"].startswith("storage save photos/")]
    assert saves and saves[0]["bytes_out"] > 0


def test_runtime_tracker_agrees_with_the_static_fileptr_check(example_project):
    run, checks = e2e(example_project, "fileptr", "--image", "640x480")
    static = next(f for f in checks["fileptr.reuse"]["findings"]
                  if f["location"] and f["location"]["path"] == "gallery/serializers.py")
    runtime = next(f for f in checks["e2e.upload"]["findings"] if f["code"] == "e2e.E002")
    assert runtime["location"] == static["location"]
    consumed = items(runtime, "Read tracker")["consumed at"]
    assert items(static, "Where")["earlier read line"] == int(consumed.split(":")[1])
    assert "stored with 0 bytes" in runtime["message"]


def test_real_disk_storage_under_a_prefix_leaves_nothing(example_project):
    run, checks = e2e(example_project, "e2e.storage", "--e2e", "--image", "640x480",
                      env=base_env(STORAGE_BACKEND="disk"))
    assert checks["e2e.upload"]["status"] == "skipped"  # the upload runs once, for real
    assert "e2e.storage runs this upload" in checks["e2e.upload"]["skipped_reason"]
    check = checks["e2e.storage"]
    # FileSystemStorage rewinds through chunks(): stored whole, but the tracker warns.
    assert codes(check) == ["e2e.W001", "e2e.I002", "e2e.I001"], check["findings"]
    warning = check["findings"][0]
    assert "at position" in warning["message"] and "upload-diagnostics/" in warning["message"]
    assert "rewinds by itself" in warning["hint"]
    how = items(check["findings"][2], "How it ran")
    assert how["storage"].startswith("the real storages under upload-diagnostics/")
    assert not (example_project / "media").exists()
    assert not (example_project / "db.sqlite3").exists()


def test_without_settings_the_check_is_skipped(tmp_path):
    run = run_cli("e2e.upload", "--format", "json", cwd=tmp_path)
    check = run.json()["checks"][0]
    assert check["status"] == "skipped" and "Django settings" in check["skipped_reason"]


def test_the_default_test_image_is_a_deterministic_phone_photo():
    import io

    from PIL import Image

    from upload_diagnostics.checks.e2e import images

    photo = images.phone_photo()
    assert photo.data == images.phone_photo().data  # the same bytes every run
    assert 3_000_000 <= len(photo.data) <= 6_000_000
    with Image.open(io.BytesIO(photo.data)) as image:
        assert (image.format, image.size) == ("JPEG", (4032, 3024))
        assert image.getexif()[images.ORIENTATION] == 6
    png = images.phone_photo((64, 48), fmt="PNG")
    with Image.open(io.BytesIO(png.data)) as image:
        assert (image.format, image.mode, png.content_type) == ("PNG", "RGBA", "image/png")
    assert len(images.small_photo(60_000).data) + 4096 < 60_000
