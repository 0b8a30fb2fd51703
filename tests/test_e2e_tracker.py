"""The runtime read tracker and the stored-content findings, through real requests to a
small project's views (one per way of handling an upload, chosen with VIEW)."""
from __future__ import annotations

import pytest

from conftest import base_env, run_cli

SETTINGS = """
import os
INSTALLED_APPS += ["django.contrib.sessions", "shop"]
MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware",
              "django.contrib.auth.middleware.AuthenticationMiddleware"]
ROOT_URLCONF = "testsite.urls"
E2E = {"FIELD": "image", "IMAGE": "320x240", "USER": os.environ.get("E2E_USER"),
       "PREPARE": os.environ.get("E2E_PREPARE")}
if os.environ.get("URL_NAME"):
    E2E["URL_NAME"] = os.environ["URL_NAME"]
else:
    E2E["URL"] = "/upload/"
UPLOAD_DIAGNOSTICS = {"E2E": E2E}
"""

VIEWS = """
import hashlib
import os

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import JsonResponse


def upload(request):
    view = os.environ["VIEW"]
    upload = request.FILES.get("image")
    if upload is None:
        return JsonResponse({"image": ["No file was submitted."]}, status=400)
    if view == "private":
        if not request.user.is_authenticated:
            return JsonResponse({"detail": "Authentication required."}, status=403)
        if request.POST.get("title") != "prepared":
            return JsonResponse({"title": ["This field is required."]}, status=400)
        name = default_storage.save("shop/" + upload.name, upload)
    elif view == "double":
        digest = hashlib.sha256(upload.read()).hexdigest()
        name = default_storage.save("shop/" + upload.name, upload)
    elif view == "seek":
        digest = hashlib.sha256(upload.read()).hexdigest()
        upload.seek(0)
        name = default_storage.save("shop/" + upload.name, upload)
    elif view == "chunks":
        digest = hashlib.sha256(upload.read()).hexdigest()
        data = b"".join(upload.chunks())  # chunks() rewinds first: reads everything
        name = default_storage.save("shop/" + upload.name, ContentFile(data))
    elif view == "partial":
        header = upload.read(100)
        name = default_storage.save("shop/" + upload.name, upload)
    elif view == "notimage":
        name = default_storage.save("shop/" + upload.name, ContentFile(b"<html>oops</html>"))
    elif view == "contentfile":
        copy = ContentFile(upload.read(), name="copy.jpg")
        digest = hashlib.sha256(copy.read()).hexdigest()
        name = default_storage.save("shop/copy.jpg", copy)
    return JsonResponse({"name": name}, status=201)
"""

FILES = {
    "testsite/urls.py": """
        from django.urls import path
        from shop.views import upload
        urlpatterns = [path("upload/", upload, name="upload")]
    """,
    "shop/__init__.py": "",
    "shop/views.py": VIEWS,
    "shop/prep.py": """
        def prepare(client, data):
            return {**data, "title": "prepared"}
    """,
    "shop/migrations/__init__.py": "",
    "shop/migrations/0001_initial.py": """
        import os
        from django.db import migrations

        def check(apps, schema_editor):
            if os.environ.get("BREAK_MIGRATION"):
                raise RuntimeError("this migration needs production data")

        class Migration(migrations.Migration):
            operations = [migrations.RunPython(check)]
    """,
}


@pytest.fixture
def shop(project):
    return project(SETTINGS, FILES)


def diagnose(root, view, *args, **env):
    run = run_cli("--settings", "testsite.settings", "e2e.upload", "--format", "json", *args,
                  cwd=root, env=base_env(VIEW=view, **env))
    run.report()  # the exit status its findings call for
    check = run.json()["checks"][0]
    return check, {f["code"]: f for f in check["findings"]}


def line_of(root, text):
    source = (root / "shop" / "views.py").read_text().splitlines()
    return next(n for n, line in enumerate(source, 1) if text in line)


def tracker_items(finding):
    return dict(next(e for e in finding["evidence"] if e["title"] == "Read tracker")["items"])


def stored_rows(finding):
    return next(e for e in finding["evidence"] if e["title"] == "Stored objects")["rows"]


def test_a_read_then_a_save_without_rewind_is_one_finding_at_the_save(shop):
    check, found = diagnose(shop, "double")
    assert set(found) == {"e2e.E002", "e2e.I002", "e2e.I001"}
    empty = found["e2e.E002"]
    tracked = tracker_items(empty)
    read = line_of(shop, 'digest = hashlib.sha256(upload.read())')
    save = read + 1
    assert tracked["consumed at"] == f"shop/views.py:{read}"
    assert tracked["saved at"] == f"shop/views.py:{save}"
    assert empty["location"] == {"path": "shop/views.py", "line": save}
    assert "stored with 0 bytes" in empty["message"]
    assert [r[4] for r in stored_rows(empty)] == [0, 0]  # the small and the large upload
    [endpoint] = check["facts"]["e2e.endpoints"]
    assert endpoint == {
        "url": "/upload/", "view": "shop.views.upload", "kind": "configured",
        "method": "POST", "exercised": True, "status_code": 201, "reason": None,
        "peak_memory_bytes": endpoint["peak_memory_bytes"]}
    assert isinstance(endpoint["peak_memory_bytes"], int)


@pytest.mark.parametrize("view", ["seek", "chunks"])
def test_rewinding_and_chunks_are_not_flagged(shop, view):
    check, found = diagnose(shop, view)
    assert check["status"] == "pass" and set(found) == {"e2e.I002", "e2e.I001"}, found


def test_a_partly_read_upload_is_saved_short(shop):
    check, found = diagnose(shop, "partial")
    assert set(found) == {"e2e.E004", "e2e.I002", "e2e.I001"}, found
    short = found["e2e.E004"]
    assert "to position 100 and nothing rewound it" in short["message"]
    assert all(r[3] - r[4] == 100 for r in stored_rows(short))
    assert tracker_items(short)["consumed at"] == f"shop/views.py:{line_of(shop, 'read(100)')}"


def test_a_consumed_content_file_made_by_the_view_is_followed(shop):
    check, found = diagnose(shop, "contentfile")
    assert set(found) == {"e2e.E002", "e2e.I002", "e2e.I001"}, found
    tracked = tracker_items(found["e2e.E002"])
    assert tracked["stream"].startswith("copy.jpg (ContentFile) made at shop/views.py:")
    assert tracked["consumed at"] == f"shop/views.py:{line_of(shop, 'sha256(copy.read())')}"
    assert found["e2e.E002"]["location"]["line"] == line_of(shop, 'save("shop/copy.jpg"')


def test_a_configured_endpoint_that_refuses_the_upload_reports_status_and_body(shop):
    (shop / "testsite" / "settings.py").write_text(
        (shop / "testsite" / "settings.py").read_text().replace('"FIELD": "image"',
                                                               '"FIELD": "photo"'))
    check, found = diagnose(shop, "double")
    refused = found["e2e.E005"]
    assert "HTTP 400" in refused["message"] and "No file was submitted" in refused["message"]


def test_an_unknown_url_name_is_a_warning_and_the_generic_path_still_runs(shop):
    check, found = diagnose(shop, "double", URL_NAME="no-such-view")
    assert "e2e.W002" in found and "no-such-view" in found["e2e.W002"]["message"]
    assert check["status"] == "warn"
    assert check["facts"]["upload.timings"]["path"] == "generic"
    assert "e2e.E002" not in found  # the project's view did not run


def test_the_url_name_is_reversed(shop):
    check, found = diagnose(shop, "seek", URL_NAME="upload")
    assert check["facts"]["upload.timings"]["stages"][0]["name"] == "POST /upload/"


def test_a_test_database_that_cannot_be_built_is_an_error_and_nothing_is_exercised(shop):
    check, found = diagnose(shop, "double", BREAK_MIGRATION="1")
    assert check["status"] == "fail"
    assert "this migration needs production data" in found["e2e.E009"]["message"]
    assert check["facts"]["upload.timings"]["path"] == "generic"
    [endpoint] = check["facts"]["e2e.endpoints"]
    assert endpoint["exercised"] is False and "e2e.E009" in endpoint["reason"]


def test_the_default_superuser_is_logged_in(shop):
    check, found = diagnose(shop, "private")
    refused = found["e2e.E005"]  # past the login: the view wants its title
    assert "HTTP 400" in refused["message"] and "title" in refused["message"]


def test_headers_replace_the_default_user_and_a_refusal_names_the_flags(shop):
    check, found = diagnose(shop, "private", "--header", "X-Api-Key: canary-1b2c3d4e5f")
    assert check["status"] == "warn"
    skipped = found["e2e.W003"]
    assert "HTTP 403" in skipped["message"] and "--user NAME" in skipped["message"]
    assert "--header" in skipped["message"]
    [endpoint] = check["facts"]["e2e.endpoints"]
    assert endpoint["exercised"] is False and endpoint["status_code"] == 403


def test_user_and_prepare_make_the_request_the_view_expects(shop):
    check, found = diagnose(shop, "private", E2E_USER="alice", E2E_PREPARE="shop.prep.prepare")
    assert check["status"] == "pass" and set(found) == {"e2e.I002", "e2e.I001"}, found
    assert check["facts"]["upload.timings"]["path"] == "endpoint"


def test_data_from_the_command_line_is_sent(shop):
    check, found = diagnose(shop, "private", "--data", "title=prepared", "--user", "alice")
    assert check["status"] == "pass" and set(found) == {"e2e.I002", "e2e.I001"}, found


def test_a_prepare_callable_that_cannot_be_imported_is_a_warning(shop):
    check, found = diagnose(shop, "private", E2E_PREPARE="shop.prep.missing")
    assert "cannot be imported" in found["e2e.W002"]["message"]
    assert "shop.prep.missing" in found["e2e.W002"]["message"]
    assert check["facts"]["upload.timings"]["path"] == "generic"


def test_a_stored_object_that_is_not_an_image(shop):
    check, found = diagnose(shop, "notimage")
    assert check["status"] == "fail"
    assert set(found) == {"e2e.E003", "e2e.I002", "e2e.I001"}
    bad = found["e2e.E003"]
    assert bad["location"] == {"path": "shop/views.py", "line": line_of(shop, "<html>oops")}
    assert [row[4] for row in stored_rows(bad)] == [17, 17]  # bytes, for both uploads
