"""Endpoint discovery, field filling, authentication and what the run reports about each
endpoint, through the real command on a project with one view of each kind and no
UPLOAD_DIAGNOSTICS setting."""
from __future__ import annotations

import json

import jsonschema
import pytest

from conftest import MINIMAL_SETTINGS, base_env, exit_for, run_cli, run_manage, write_files
from plugins.harness import validate

SETTINGS = MINIMAL_SETTINGS + """
INSTALLED_APPS += ["django.contrib.admin", "django.contrib.sessions",
                   "django.contrib.messages", "rest_framework", "shop"]
MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware",
              "django.contrib.auth.middleware.AuthenticationMiddleware",
              "django.contrib.messages.middleware.MessageMiddleware"]
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
              "OPTIONS": {"context_processors": [
                  "django.template.context_processors.request",
                  "django.contrib.auth.context_processors.auth",
                  "django.contrib.messages.context_processors.messages"]}}]
ROOT_URLCONF = "testsite.urls"
SHOP_API_KEY = "canary-settings-key-5d1f9e"
LOGGING = {"version": 1, "handlers": {"out": {"class": "logging.StreamHandler",
                                              "stream": "ext://sys.stdout"}},
           "loggers": {"shop": {"handlers": ["out"], "level": "INFO"}}}
"""

FILES = {
    "shop/__init__.py": "",
    "shop/models.py": """
        from django.db import models


        class Brand(models.Model):
            name = models.CharField(max_length=40, unique=True)


        class Product(models.Model):
            brand = models.ForeignKey(Brand, on_delete=models.CASCADE)
            name = models.CharField(max_length=80)
            photo = models.ImageField(upload_to="products/")


        class Variant(models.Model):
            product = models.ForeignKey(Product, on_delete=models.CASCADE)
            sku = models.CharField(max_length=20)


        class Gallery(models.Model):
            title = models.CharField(max_length=80)


        class Picture(models.Model):
            gallery = models.ForeignKey(Gallery, on_delete=models.CASCADE)
            image = models.ImageField(upload_to="pictures/")
    """,
    "shop/forms.py": """
        from django import forms

        from .models import Product


        class ProductForm(forms.ModelForm):
            class Meta:
                model = Product
                fields = ["brand", "name", "photo"]


        class CatalogueForm(forms.Form):
            code = forms.RegexField(r"^[A-Z]{3}-\\d{4}$")
            sheet = forms.ImageField()
    """,
    "shop/serializers.py": """
        from rest_framework import serializers

        from .models import Gallery, Picture


        class PictureSerializer(serializers.ModelSerializer):
            class Meta:
                model = Picture
                fields = ["image"]


        class GallerySerializer(serializers.ModelSerializer):
            pictures = PictureSerializer(many=True)

            class Meta:
                model = Gallery
                fields = ["title", "pictures"]
    """,
    "shop/views.py": """
        import logging

        from django.conf import settings
        from django.contrib.auth.decorators import login_required
        from django.core.files.storage import default_storage
        from django.http import HttpResponse, JsonResponse
        from django.urls import reverse_lazy
        from django.views.generic import CreateView, FormView
        from rest_framework import generics

        from .forms import CatalogueForm, ProductForm
        from .models import Gallery
        from .serializers import GallerySerializer

        logger = logging.getLogger(__name__)


        class ProductCreate(CreateView):
            form_class = ProductForm
            template_name = "shop/form.html"
            success_url = "/"


        class CatalogueUpload(FormView):
            form_class = CatalogueForm
            template_name = "shop/form.html"
            success_url = reverse_lazy("home")

            def form_valid(self, form):
                default_storage.save("sheets/sheet.jpg", form.cleaned_data["sheet"])
                return super().form_valid(form)


        @login_required
        def document(request):
            upload = request.FILES["doc"]
            print("storing", upload.name, "with key", settings.SHOP_API_KEY)
            logger.info("document %s (key %s)", upload.name, settings.SHOP_API_KEY)
            name = default_storage.save("docs/" + upload.name, upload)
            return JsonResponse({"name": name}, status=201)


        class GalleryCreate(generics.CreateAPIView):
            queryset = Gallery.objects.all()
            serializer_class = GallerySerializer


        def home(request):
            return HttpResponse("home")
    """,
    "shop/templates/shop/form.html": "<form>{{ form.as_p }}</form>",
    "shop/admin.py": """
        from django.contrib import admin

        from .models import Product, Variant


        class VariantInline(admin.TabularInline):
            model = Variant


        @admin.register(Product)
        class ProductAdmin(admin.ModelAdmin):
            inlines = [VariantInline]
    """,
    "testsite/urls.py": """
        from django.contrib import admin
        from django.urls import path

        from shop import views

        urlpatterns = [
            path("", views.home, name="home"),
            path("products/new/", views.ProductCreate.as_view()),
            path("catalogue/", views.CatalogueUpload.as_view()),
            path("documents/", views.document),
            path("api/galleries/", views.GalleryCreate.as_view()),
            path("admin/", admin.site.urls),
        ]
    """,
}


@pytest.fixture
def shop(project):
    return project(SETTINGS, FILES)


def endpoints_of(check) -> dict[str, dict]:
    return {e["url"]: e for e in check["facts"]["e2e.endpoints"]}


def diagnose(root, *args, env=None):
    run = run_cli("--settings", "testsite.settings", "e2e.upload", "--format", "json", *args,
                  cwd=root, env=env or base_env())
    run.report()  # the exit status its findings call for
    return run, run.json()["checks"][0]


def test_list_endpoints_through_both_front_ends(shop):
    text = run_manage(shop, "--list-endpoints")
    assert text.returncode == 0, text.stderr
    listed = run_cli("--settings", "testsite.settings", "--list-endpoints", "--format", "json",
                     cwd=shop)
    assert listed.returncode == 0, listed.stderr
    rows = {row["url"]: row for row in json.loads(listed.stdout)}
    assert list(rows) == ["/products/new/", "/catalogue/", "/documents/",
                          "/admin/shop/product/add/", "/api/galleries/"]
    assert rows["/products/new/"] == {
        "url": "/products/new/", "view": "shop.views.ProductCreate", "kind": "form",
        "method": "POST", "file_field": "photo", "required": ["brand", "name"],
        "auth": "none found", "exercised": True}
    assert rows["/documents/"]["kind"] == "function"
    assert rows["/documents/"]["file_field"] == "doc"
    assert rows["/documents/"]["auth"] == "a logged-in user"
    assert rows["/admin/shop/product/add/"]["kind"] == "admin"
    assert rows["/admin/shop/product/add/"]["auth"].startswith("a staff user with "
                                                               "shop.add_product")
    assert rows["/api/galleries/"]["kind"] == "drf"
    assert rows["/api/galleries/"]["exercised"] is False  # its file is in a nested serializer
    for url, row in rows.items():  # the text listing says the same
        assert f"{row['method']} {url}  [{row['kind']}] {row['view']}" in text.stdout
    assert text.stdout.startswith("5 upload endpoint(s) found; e2e.upload exercises 4")


def test_each_kind_is_exercised_with_its_fields_filled_and_a_logged_in_superuser(shop):
    run, check = diagnose(shop, "--data", "code=ABC-1234")
    found = endpoints_of(check)
    assert {url: (e["exercised"], e["status_code"]) for url, e in found.items()} == {
        "/products/new/": (True, 302), "/catalogue/": (True, 302), "/documents/": (True, 201),
        "/admin/shop/product/add/": (True, 302), "/api/galleries/": (False, None)}
    assert "nested serializer" in found["/api/galleries/"]["reason"]
    assert check["status"] == "pass", check["findings"]
    assert [f["code"] for f in check["findings"]] == ["e2e.I002", "e2e.I001"]
    report = validate(run.json())  # e2e.endpoints as docs/report.schema.json says
    report["checks"][0]["facts"]["e2e.endpoints"][0]["kind"] = "grpc"
    with pytest.raises(jsonschema.ValidationError):
        validate(report)


def test_a_field_no_value_fits_is_not_exercised_and_names_the_flag(shop):
    run, check = diagnose(shop)
    assert check["status"] == "warn"
    [skipped] = [f for f in check["findings"] if f["code"] == "e2e.W003"]
    assert skipped["message"].startswith("POST /catalogue/ (shop.views.CatalogueUpload) was "
                                         "not exercised: the required field 'code' cannot "
                                         "be filled")
    assert "--data code=VALUE" in skipped["message"]
    assert 'UPLOAD_DIAGNOSTICS["E2E"]["DATA"]' in skipped["message"]
    assert endpoints_of(check)["/catalogue/"]["exercised"] is False


def test_the_cap_keeps_the_likeliest_endpoints(shop):
    run, check = diagnose(shop, "--max-endpoints", "1")
    found = endpoints_of(check)
    assert [url for url, e in found.items() if e["exercised"]] == ["/products/new/"]
    assert found["/documents/"]["reason"] == ("beyond --max-endpoints 1, after the likelier "
                                              "user-facing endpoints")


def test_a_configured_endpoint_replaces_discovery(shop):
    run, check = diagnose(shop, "--endpoint", "/documents/")
    assert [(e["url"], e["kind"], e["status_code"]) for e in check["facts"]["e2e.endpoints"]] \
        == [("/documents/", "configured", 201)]


def test_what_the_project_prints_goes_to_stderr_redacted(shop):
    run, check = diagnose(shop, "--endpoint", "/documents/")
    assert check["status"] == "pass"  # stdout held only the JSON report, which parsed
    assert "canary-settings-key-5d1f9e" not in run.output
    printed = [line for line in run.stderr.splitlines() if line.startswith("storing ")]
    logged = [line for line in run.stderr.splitlines() if line.startswith("document ")]
    assert len(printed) == 2 and len(logged) == 2  # the small and the large upload
    assert "«redacted" in printed[0] and "«redacted" in logged[0]


def test_header_values_are_redacted_in_every_output(shop, tmp_path):
    canary = "Token 9f8e7d6c5b4a39281706f5e4d3c2b1a0"
    out = tmp_path / "reports"
    run = run_cli("--settings", "testsite.settings", "e2e.upload", "--header",
                  f"Authorization: {canary}", "--endpoint", "/documents/", "--format", "json",
                  "--format", "html", "--format", "md", "--format", "junit", "--format",
                  "sarif", "--format", "text", "--output", out, "-v", "3", cwd=shop)
    texts = [run.stdout, run.stderr] + [p.read_text() for p in out.iterdir()]
    assert len(texts) == 8
    assert not [t for t in texts if canary.split()[1] in t]
    report = json.loads((out / "report.json").read_text())
    assert run.returncode == exit_for(report), run.stderr
    assert "«redacted" in " ".join(report["run"]["argv"])
    # With a header and no --user nobody is logged in: the login_required view refuses.
    [endpoint] = report["checks"][0]["facts"]["e2e.endpoints"]
    assert endpoint["exercised"] is False and endpoint["status_code"] == 302
    assert "--header" in endpoint["reason"]


def test_no_database_is_an_error_of_its_own(project):
    root = project(SETTINGS + "DATABASES = {}\n", FILES)
    run, check = diagnose(root)
    assert run.returncode == 1 and check["status"] == "fail"
    [error] = [f for f in check["findings"] if f["code"] == "e2e.E009"]
    assert "configures no database" in error["message"]
    assert not [f for f in check["findings"] if f["code"] == "e2e.W002"]
    assert not any(e["exercised"] for e in check["facts"]["e2e.endpoints"])


def test_a_project_without_upload_views_is_skipped_not_passed(project):
    root = write_files(project(), {"testsite/urls.py": """
        from django.http import HttpResponse
        from django.urls import path

        urlpatterns = [path("", lambda request: HttpResponse("hi"))]
    """})
    settings = root / "testsite" / "settings.py"
    settings.write_text(settings.read_text() + 'ROOT_URLCONF = "testsite.urls"\n')
    run = run_cli("--settings", "testsite.settings", "e2e", "--format", "json", cwd=root)
    checks = {c["id"]: c for c in run.json()["checks"]}
    upload = checks["e2e.upload"]
    assert upload["status"] == "skipped"
    assert upload["skipped_reason"].startswith("no view in the URLconf accepts an uploaded "
                                               "file")
    assert upload["enable_with"] == "--endpoint URL"
    assert checks["e2e.fetch"]["skipped_reason"].startswith("nothing was stored in a real "
                                                            "storage to fetch")


def test_without_contrib_auth_the_requests_go_anonymous(project):
    root = project('INSTALLED_APPS = ["django.contrib.contenttypes"]\n'
                   'ROOT_URLCONF = "testsite.urls"\n', {"testsite/urls.py": """
        from django.core.files.storage import default_storage
        from django.http import JsonResponse
        from django.urls import path

        def upload(request):
            name = default_storage.save("up/" + request.FILES["file"].name,
                                        request.FILES["file"])
            return JsonResponse({"name": name}, status=201)

        urlpatterns = [path("up/", upload)]
    """})
    run, check = diagnose(root)
    assert check["status"] == "pass", check["findings"]
    [endpoint] = check["facts"]["e2e.endpoints"]
    assert (endpoint["kind"], endpoint["status_code"]) == ("function", 201)


@pytest.mark.parametrize("permissions, exercised, status", [
    ([], False, 403), (["shop.add_product"], True, 302)])
def test_a_user_described_in_the_settings(project, permissions, exercised, status):
    user = {"username": "editor", "is_staff": True, "permissions": permissions,
            "groups": ["editors"]}
    root = project(SETTINGS + f'UPLOAD_DIAGNOSTICS = {{"E2E": {{"USER": {user!r}}}}}\n',
                   FILES)
    run, check = diagnose(root, "--endpoint", "/admin/shop/product/add/")
    [endpoint] = check["facts"]["e2e.endpoints"]
    assert (endpoint["exercised"], endpoint["status_code"]) == (exercised, status)
    if not exercised:
        assert "the view refused the user editor" in endpoint["reason"]
        assert [f["code"] for f in check["findings"]][0] == "e2e.W003"


def test_the_field_flag_names_the_file_field_of_a_configured_endpoint(shop):
    run, check = diagnose(shop, "--endpoint", "/documents/", "--field", "scan")
    [endpoint] = check["facts"]["e2e.endpoints"]
    assert endpoint["exercised"] is False  # the view reads "doc", the upload came as "scan"
    assert endpoint["reason"].startswith("the view reads the form field 'doc', which was "
                                         "not sent; supply it with --data doc=VALUE (or "
                                         "--field doc when it is the file)")
