"""The media family on real Django projects written to disk: what serves MEDIA_URL once
DEBUG is off (Django's resolver in a process with DEBUG=False, real nginx configs parsed
by crossplane), and MEDIA_ROOT against real compose, fly, render, Kubernetes and Heroku
files."""
from __future__ import annotations

import textwrap
from pathlib import Path

from conftest import base_env, by_code, evidence, run_cli

SETTINGS = """
    from pathlib import Path
    BASE_DIR = Path(__file__).resolve().parent.parent
    DEBUG = {debug}
    ALLOWED_HOSTS = ["*"]
    ROOT_URLCONF = "testsite.urls"
    MEDIA_URL = "/media/"
    MEDIA_ROOT = BASE_DIR / "media"
"""
# The URLconf most projects start with: static() adds a pattern only when DEBUG is on.
STATIC_HELPER = """
from django.conf import settings
from django.conf.urls.static import static

urlpatterns = [] + static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
"""
DOCKERFILE = """
    FROM python:3.12-slim
    WORKDIR /app
    COPY . .
    CMD ["gunicorn", "testsite.wsgi", "-b", "0.0.0.0:8000"]
"""
# Uploads on S3 (django-storages; no request is made: the checks only build the storage).
S3_STORAGES = """
    STORAGES = {
        "default": {"BACKEND": "storages.backends.s3.S3Storage",
                    "OPTIONS": {"bucket_name": "photos", "endpoint_url": "http://127.0.0.1:9"}},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
"""
NGINX_MEDIA = """
    server {
        listen 80;
        location /media/ {
            alias /app/media/;
        }
        location / {
            proxy_pass http://127.0.0.1:8000;
        }
    }
"""


def diagnose(root: Path, *checks: str) -> dict[str, dict]:
    run = run_cli(*(checks or ("media",)), "--project-dir", root, "--format", "json",
                  "--offline", env=base_env(DJANGO_SETTINGS_MODULE="testsite.settings",
                                            AWS_EC2_METADATA_DISABLED="true"))
    report = run.report()  # the exit status its findings call for
    assert report["summary"]["status"] != "error", run.output
    return {c["id"]: c for c in report["checks"]}


def site(project, files: dict, debug: bool = False, extra: str = "") -> Path:
    return project(textwrap.dedent(SETTINGS.format(debug=debug)) + textwrap.dedent(extra),
                   {"testsite/urls.py": STATIC_HELPER, **files})


def checked(check: dict, code: str) -> dict:
    """The "What was checked" rows of a finding."""
    return dict(evidence(check, by_code(check)[code])[0]["items"])


# -- media.serving ---------------------------------------------------------------------------------

def test_static_helper_with_debug_off_behind_gunicorn_is_an_error(project):
    root = site(project, {"Procfile": "web: gunicorn testsite.wsgi\n"})
    serving = diagnose(root, "media.serving")["media.serving"]
    assert serving["status"] == "fail"
    found = by_code(serving)["media.E001"]
    assert found["message"].startswith(
        "Nothing serves /media/ in production: no URL pattern resolves "
        "/media/upload-diagnostics-probe.jpg with DEBUG=False")
    assert "Procfile:1 starts gunicorn" in found["message"]
    assert found["location"] == {"path": "Procfile", "line": 1}


def test_static_helper_in_development_is_a_warning(project):
    # DEBUG on in this run and no production server: static() serves media today only.
    root = site(project, {}, debug=True)
    serving = diagnose(root, "media.serving")["media.serving"]
    assert serving["status"] == "warn"
    assert [f["code"] for f in serving["findings"]] == ["media.W001"]
    rows = checked(serving, "media.W001")
    assert rows["DEBUG in this run"] is True and rows["production server"] == "none found"


def test_nginx_alias_serving_media_passes(project):
    root = site(project, {"Procfile": "web: gunicorn testsite.wsgi\n",
                          "deploy/nginx.conf": NGINX_MEDIA})
    serving = diagnose(root, "media.serving")["media.serving"]
    assert serving["status"] == "pass"
    found = by_code(serving)["media.I001"]
    assert found["message"] == "/media/ is served by nginx from disk"
    table = evidence(serving, found)[1]
    assert table["rows"] == [["deploy/nginx.conf:3", "-", "/media/", "/app/media/"]]


def test_nginx_regex_location_for_another_prefix_does_not_count(project):
    conf = NGINX_MEDIA.replace("location /media/", "location ~ ^/static/")
    root = site(project, {"Procfile": "web: gunicorn testsite.wsgi\n",
                          "deploy/nginx.conf": conf})
    assert by_code(diagnose(root, "media.serving")["media.serving"])["media.E001"]


def test_a_url_pattern_serving_media_without_debug_passes(project):
    urls = """
        from django.conf import settings
        from django.urls import re_path
        from django.views.static import serve

        urlpatterns = [re_path(r"^media/(?P<path>.*)$", serve,
                               {"document_root": settings.MEDIA_ROOT})]
    """
    root = site(project, {"testsite/urls.py": urls, "Procfile": "web: gunicorn testsite.wsgi\n"})
    serving = diagnose(root, "media.serving")["media.serving"]
    assert serving["status"] == "pass"
    assert by_code(serving)["media.I001"]["message"] == (
        "/media/ is served with DEBUG=False by the URL pattern '^media/(?P<path>.*)$' "
        "(django.views.static.serve)")


# -- media.disk ------------------------------------------------------------------------------------

def disk(root: Path) -> dict:
    return diagnose(root, "media.disk")["media.disk"]


def test_compose_without_a_volume_and_with_replicas(project):
    root = site(project, {"Dockerfile": DOCKERFILE, "compose.yaml": """
        services:
          web:
            build: .
            deploy:
              replicas: 3
          db:
            image: postgres:16
            volumes:
              - pg:/var/lib/postgresql/data
        volumes:
          pg: {}
    """})
    check = disk(root)
    found = by_code(check)
    assert check["status"] == "fail" and sorted(found) == ["media.E020", "media.E021"]
    assert found["media.E020"]["location"] == {"path": "compose.yaml", "line": 2}
    assert "no volume of docker-compose 'web' (compose.yaml:2) covers it" in \
        found["media.E020"]["message"]
    assert found["media.E021"]["message"].startswith(
        "docker-compose 'web' (compose.yaml:2) runs 3 copies (compose.yaml:5), each saving "
        "uploads on its own disk")
    assert checked(check, "media.E020")["folder in the container"] == "/app/media"


def test_compose_with_a_named_volume_passes_even_with_replicas(project):
    root = site(project, {"Dockerfile": DOCKERFILE, "docker-compose.yml": """
        services:
          web:
            build: .
            scale: 2
            volumes:
              - media:/app/media
        volumes:
          media: {}
    """})
    check = disk(root)
    assert check["status"] == "pass"
    assert by_code(check)["media.I020"]["message"] == (
        "STORAGES['default'] keeps uploads in media on the volume mounted at /app/media "
        "(docker-compose.yml:5) by docker-compose 'web' (docker-compose.yml:2)")


def test_fly_without_mounts_then_with_one_then_two_machines(project):
    fly = 'app = "photos"\n[http_service]\n  internal_port = 8000\n'
    root = site(project, {"Dockerfile": DOCKERFILE, "fly.toml": fly})
    assert [f["code"] for f in disk(root)["findings"]] == ["media.E020"]

    mounted = fly + '[mounts]\n  source = "media"\n  destination = "/app/media"\n'
    (root / "fly.toml").write_text(mounted)
    assert [f["code"] for f in disk(root)["findings"]] == ["media.I020"]

    two = mounted.replace("internal_port = 8000",
                          "internal_port = 8000\n  min_machines_running = 2")
    (root / "fly.toml").write_text(two)
    check = disk(root)
    found = by_code(check)
    assert check["status"] == "fail" and sorted(found) == ["media.E021", "media.I020"]
    assert "a volume only one machine sees (/app/media, fly.toml:7)" in \
        found["media.E021"]["message"]


def test_render_disk_passes_and_instances_without_one_fail(project):
    root = site(project, {"render.yaml": """
        services:
          - type: web
            name: photos
            startCommand: gunicorn testsite.wsgi
            disk:
              name: media
              mountPath: /opt/render/project/src/media
    """})
    check = disk(root)
    assert check["status"] == "pass"
    # No Dockerfile: the folder is matched by its name in the project.
    assert checked(check, "media.I020")["folder in the container"].startswith("unknown")

    (root / "render.yaml").write_text(
        "services:\n  - type: web\n    name: photos\n    numInstances: 2\n")
    assert sorted(by_code(disk(root))) == ["media.E020", "media.E021"]


def test_kubernetes_empty_dir_is_not_a_volume_but_a_claim_is(project):
    manifest = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          replicas: 2
          template:
            spec:
              containers:
                - name: web
                  image: photos
                  volumeMounts:
                    - {name: media, mountPath: /app/media}
              volumes:
                - name: media
                  emptyDir: {}
    """
    root = site(project, {"Dockerfile": DOCKERFILE, "k8s/web.yaml": manifest})
    assert sorted(by_code(disk(root))) == ["media.E020", "media.E021"]

    (root / "k8s/web.yaml").write_text(
        (root / "k8s/web.yaml").read_text().replace("emptyDir: {}",
                                                    "persistentVolumeClaim: {claimName: media}"))
    assert [f["code"] for f in disk(root)["findings"]] == ["media.I020"]


def test_heroku_dyno_disk_is_always_ephemeral(project):
    root = site(project, {"Procfile": "web: gunicorn testsite.wsgi\n"})
    found = by_code(disk(root))["media.E020"]
    assert "on Heroku, where a dyno's filesystem is ephemeral" in found["message"]
    assert found["location"] == {"path": "Procfile", "line": 1}


def test_a_dockerfile_alone_is_a_warning(project):
    root = site(project, {"Dockerfile": DOCKERFILE})
    check = disk(root)
    assert check["status"] == "warn"
    assert by_code(check)["media.W020"]["message"] == (
        "STORAGES['default'] keeps uploads in media inside the image built by Dockerfile, "
        "and no file of the project runs the container with a volume there")


# -- not applicable --------------------------------------------------------------------------------

def test_s3_instead_of_disk_skips_both_saying_so(project):
    root = site(project, {"Dockerfile": DOCKERFILE, "Procfile": "web: gunicorn x.wsgi\n"},
                extra=S3_STORAGES)
    checks = diagnose(root)
    for check_id in ("media.serving", "media.disk"):
        assert checks[check_id]["status"] == "skipped"
        assert checks[check_id]["skipped_reason"] == (
            "no storage keeps uploads on local disk (FileSystemStorage): the project's "
            "uploads go to S3Storage")


def test_no_deployment_files_skips_the_disk_check(project):
    root = site(project, {})
    check = disk(root)
    assert check["status"] == "skipped"
    assert check["skipped_reason"].startswith("the project shows no container or platform")


def test_a_project_without_a_urlconf_skips_the_serving_check(project):
    root = project("DEBUG = False\n", {"Procfile": "web: gunicorn testsite.wsgi\n"})
    check = diagnose(root, "media.serving")["media.serving"]
    assert check["status"] == "skipped"
    assert check["skipped_reason"] == "the settings have no ROOT_URLCONF: the project serves no URL"
    assert check["enable_with"] == "a ROOT_URLCONF setting"


def test_a_urlconf_failing_without_debug_is_a_skip_with_no_secret_in_it(project):
    canary = "canary-media-8d1f0c7e5b2a4f96"
    urls = """
        from django.conf import settings

        if not settings.DEBUG:
            raise RuntimeError(f"cannot start with {settings.PAYMENT_API_SECRET}")
        urlpatterns = []
    """
    root = site(project, {"testsite/urls.py": urls}, debug=True,
                extra=f'PAYMENT_API_SECRET = "{canary}"\n')
    run = run_cli("media.serving", "--project-dir", root, "--format", "json", "--offline",
                  env=base_env(DJANGO_SETTINGS_MODULE="testsite.settings"))
    check = run.report()["checks"][0]
    assert check["status"] == "skipped"
    assert check["skipped_reason"].startswith(
        "the URLconf could not be loaded with DEBUG=False: RuntimeError: cannot start with ")
    assert canary not in run.output


def test_a_model_field_on_disk_beside_s3_is_judged_by_its_own_folder_and_url(project):
    models = """
        from django.core.files.storage import FileSystemStorage
        from django.db import models

        scans = FileSystemStorage(location="/srv/scans", base_url="/scans/")


        class Scan(models.Model):
            file = models.FileField(storage=scans)

            class Meta:
                app_label = "photos"
    """
    root = site(project, {"photos/__init__.py": "", "photos/models.py": models,
                          "Dockerfile": DOCKERFILE, "compose.yaml": """
        services:
          web:
            build: .
            command: gunicorn testsite.wsgi
            volumes:
              - media:/app/media
    """}, extra='INSTALLED_APPS += ["photos"]\n' + textwrap.dedent(S3_STORAGES))
    checks = diagnose(root)
    found = by_code(checks["media.disk"])["media.E020"]
    assert found["message"].startswith(
        "storage= of photos.Scan.file keeps uploads in /srv/scans, and no volume of "
        "docker-compose 'web' (compose.yaml:2) covers it")
    serving = by_code(checks["media.serving"])["media.E001"]
    assert serving["message"].startswith("Nothing serves /scans/ in production")
