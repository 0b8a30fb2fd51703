"""server.limits, the limit ladder, on real Django projects written to disk: one per
deployment (Heroku, ingress-nginx, Cloud Run, nginx, docker compose with a memory limit).
Each names the binding size and time layers with the right file:line and catches the size
the project accepts that a layer in front cuts. The measured upload and the hard images'
peak memory, which e2e.upload publishes, are given by a plugin check of the test project
(as the server.budget tests do)."""
from __future__ import annotations

import pytest

from conftest import base_env, run_cli
from plugins.harness import validate

# A check that publishes the facts it is given, standing in for e2e.upload.
PUBLISHER = '''
from upload_diagnostics.diagnostics import Check
from upload_diagnostics.diagnostics.facts import E2E_IMAGES, UPLOAD_TIMINGS, Stage, UploadTimings


class Publish(Check):
    id = "given.facts"
    title = "Facts e2e.upload would publish"
    provides = (UPLOAD_TIMINGS.name, E2E_IMAGES.name)

    def run(self, ctx):
        given = self.options["facts"]
        if "total_s" in given:
            UPLOAD_TIMINGS.publish(ctx, UploadTimings(
                given["total_s"], (Stage("view", given["total_s"], 1, 1),), 4_700_000,
                "endpoint", "diagnostic-phone.jpg"))
        if "images" in given:
            E2E_IMAGES.publish(ctx, given["images"])
        return []
'''

FORM = """
from django import forms

MAX_PHOTO = {size}


class PhotoForm(forms.Form):
    image = forms.ImageField()

    def clean_image(self):
        image = self.cleaned_data["image"]
        if image.size > MAX_PHOTO:
            raise forms.ValidationError("Photos up to {shown} please")
        return image
"""
FORM_CHECK_LINE = 11  # the `if image.size > MAX_PHOTO` line (written without the first newline)

BASE64_VIEW = """
import base64
import json

from django.core.files.base import ContentFile
from django.http import JsonResponse

from .forms import PhotoForm


def upload(request):
    data = json.loads(request.body)
    image = ContentFile(base64.b64decode(data["image"]), name="photo.jpg")
    form = PhotoForm(files={"image": image})
    return JsonResponse({"ok": form.is_valid()})
"""

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: registry.example.com/photos:1
          command: ["gunicorn", "testsite.wsgi", "--timeout", "120", "--workers", "3"]
          resources:
            limits:
              memory: 512Mi
"""

INGRESS = """
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations:
    nginx.ingress.kubernetes.io/proxy-body-size: "2m"
    nginx.ingress.kubernetes.io/proxy-read-timeout: "90"
spec:
  ingressClassName: nginx
  rules:
    - host: photos.example.com
"""

CONFIGMAP = """
apiVersion: v1
kind: ConfigMap
metadata:
  name: ingress-nginx-controller
data:
  proxy-body-size: "50m"
"""

KNATIVE = """
apiVersion: serving.knative.dev/v1
kind: Service
metadata:
  name: photos
spec:
  template:
    spec:
      timeoutSeconds: 20
      containers:
        - image: gcr.io/example/photos
          resources:
            limits:
              memory: 1Gi
"""

NGINX = """
events {}
http {
    server {
        listen 80;
        client_max_body_size 10m;
        location / {
            proxy_read_timeout 30s;
            proxy_pass http://127.0.0.1:8000;
        }
    }
}
"""

COMPOSE = """
services:
  web:
    build: .
    command: gunicorn testsite.wsgi --workers 4 --timeout 60
    mem_limit: 256m
  tunnel:
    image: cloudflare/cloudflared:2024.6.0
    command: tunnel run
"""

MiB = 1024 * 1024


def form(size: int, shown: str) -> str:
    return FORM.format(size=size, shown=shown)


def diagnose(project, settings: str = "", files: dict | None = None, facts: dict | None = None,
             formats=("json",), checks=("server.config", "server.limits")) -> dict:
    extra = ""
    files = dict(files or {})
    if facts is not None:
        files["given_facts.py"] = PUBLISHER
        extra = (f"UPLOAD_DIAGNOSTICS = {{'CHECKS': [('given_facts.Publish', "
                 f"{{'facts': {facts!r}}})]}}\n")
        checks = (*checks, "given")
    root = project(settings + extra, files={"testsite/forms.py": "", **files})
    run = run_cli(*checks, "--settings", "testsite.settings", "--project-dir", root,
                  "--format", "json", cwd=root, env=base_env())
    report = validate(run.report())  # the exit status its findings call for; the schema
    check = next(c for c in report["checks"] if c["id"] == "server.limits")
    check["root"] = root
    return check


def line_of(root, rel: str, text: str) -> int:
    lines = (root / rel).read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def layer(check: dict, name: str) -> dict:
    return next(x for x in check["facts"]["server.limits"]["layers"] if x["layer"] == name)


def findings(check: dict, code: str) -> list[dict]:
    return [f for f in check["findings"] if f["code"] == code]


def test_heroku_router_binds_time_and_django_cuts_base64_bodies(project):
    check = diagnose(project, "DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024\n", {
        "Procfile": "web: gunicorn testsite.wsgi --timeout 60\n",
        "testsite/forms.py": form(20 * MiB, "20 MB"),
        "testsite/views.py": BASE64_VIEW})
    root = check["root"]
    ladder = check["facts"]["server.limits"]
    setting = f"testsite/settings.py:{line_of(root, 'testsite/settings.py', 'DATA_UPLOAD')}"
    assert ladder["binding_time"] == "Heroku router"
    assert ladder["binding_body"] == "Django DATA_UPLOAD_MAX_MEMORY_SIZE"
    heroku = layer(check, "Heroku router")
    assert heroku["timeout_s"] == 30 and heroku["max_body_bytes"] is None
    assert "devcenter.heroku.com/articles/request-timeout, as of 2026-11" in heroku["source"]
    assert heroku["seen"] == "Procfile:1"
    django = layer(check, "Django DATA_UPLOAD_MAX_MEMORY_SIZE")
    assert django["max_body_bytes"] == 5 * MiB and django["source"] == setting
    assert f"testsite/views.py:{line_of(root, 'testsite/views.py', 'request.body')}" \
        in django["note"]
    assert layer(check, "gunicorn timeout")["timeout_s"] == 60
    [ladder_summary] = findings(check, "server.I040")
    assert f"binding size: Django DATA_UPLOAD_MAX_MEMORY_SIZE, 5 MiB ({setting}); binding " \
        "time: Heroku router, 30 s (Heroku router, fixed: 30 s to the first response byte" \
        in ladder_summary["message"]
    [cut] = findings(check, "server.E040")
    assert cut["location"] == {"path": "testsite/forms.py", "line": FORM_CHECK_LINE}
    assert "up to 20 MiB" in cut["message"] and "Django DATA_UPLOAD_MAX_MEMORY_SIZE" \
        in cut["message"] and setting in cut["message"]
    assert check["status"] == "fail"


def test_without_a_base64_body_django_caps_no_file(project):
    """DATA_UPLOAD_MAX_MEMORY_SIZE counts only non-file fields of a multipart upload."""
    check = diagnose(project, "DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024\n", {
        "Procfile": "web: gunicorn testsite.wsgi --timeout 60\n",
        "testsite/forms.py": form(20 * MiB, "20 MB")})
    assert layer(check, "Django DATA_UPLOAD_MAX_MEMORY_SIZE")["max_body_bytes"] is None
    assert check["facts"]["server.limits"]["binding_body"] == \
        "the project's validator (testsite/forms.py:11)"
    assert findings(check, "server.E040") == [] and check["status"] == "pass"


@pytest.mark.parametrize("total,code,status", [
    (20.0, "server.W040", "warn"), (41.0, "server.E042", "fail"), (5.0, None, "pass")])
def test_measured_upload_against_the_heroku_router(project, total, code, status):
    check = diagnose(project, "", {"Procfile": "web: gunicorn testsite.wsgi --timeout 60\n"},
                     facts={"total_s": total})
    near = findings(check, "server.W040") + findings(check, "server.E042")
    assert [f["code"] for f in near] == ([code] if code else [])
    if code:
        assert f"{total:.2f} s of the 30 s that Heroku router allows" in near[0]["message"]
    assert check["status"] == status


def test_ingress_nginx_annotations_bind_and_cut_the_validator(project):
    check = diagnose(project, "", {
        "k8s/deployment.yaml": DEPLOYMENT, "k8s/ingress.yaml": INGRESS,
        "k8s/configmap.yaml": CONFIGMAP, "testsite/forms.py": form(20 * MiB, "20 MB")})
    root = check["root"]
    ladder = check["facts"]["server.limits"]
    body_at = f"k8s/ingress.yaml:{line_of(root, 'k8s/ingress.yaml', 'proxy-body-size')}"
    time_at = f"k8s/ingress.yaml:{line_of(root, 'k8s/ingress.yaml', 'proxy-read-timeout')}"
    assert ladder["binding_body"] == "ingress-nginx (size)"
    assert layer(check, "ingress-nginx (size)") | {"note": ""} == {
        "layer": "ingress-nginx (size)", "max_body_bytes": 2 * MiB, "timeout_s": None,
        "source": body_at, "note": "", "seen": "k8s/ingress.yaml:2"}
    assert ladder["binding_time"] == "ingress-nginx (time)"
    assert layer(check, "ingress-nginx (time)")["timeout_s"] == 90
    assert layer(check, "ingress-nginx (time)")["source"] == time_at
    assert layer(check, "gunicorn timeout")["timeout_s"] == 120
    memory = layer(check, "Memory")
    assert memory["source"] == \
        f"k8s/deployment.yaml:{line_of(root, 'k8s/deployment.yaml', 'memory:')}"
    assert "limit 512 MiB" in memory["note"] and "3 workers x 1 threads" in memory["note"]
    assert "--images hard" in memory["note"]
    [cut] = findings(check, "server.E040")
    assert cut["location"] == {"path": "testsite/forms.py", "line": FORM_CHECK_LINE}
    assert "ingress-nginx (size) cuts requests above 2 MiB first" in cut["message"]
    assert body_at in cut["message"]


BARE_INGRESS = INGRESS.replace('    nginx.ingress.kubernetes.io/proxy-body-size: "2m"\n', "")


@pytest.mark.parametrize("files,size,source,cut", [
    ({"k8s/configmap.yaml": CONFIGMAP}, 50 * MiB, "k8s/configmap.yaml:6", None),
    ({}, MiB, "ingress-nginx default: proxy-body-size 1m", "cuts requests above 1 MiB")])
def test_ingress_nginx_configmap_then_default(project, files, size, source, cut):
    """Without an annotation the controller's ConfigMap holds; without either, 1m."""
    check = diagnose(project, "", {"k8s/ingress.yaml": BARE_INGRESS, **files,
                                   "testsite/forms.py": form(20 * MiB, "20 MB")})
    found = layer(check, "ingress-nginx (size)")
    assert found["max_body_bytes"] == size and source in found["source"]
    assert [cut in f["message"] for f in findings(check, "server.E040")] == \
        ([True] if cut else [])


def test_cloud_run_service_timeout_binds_and_its_32_mib_cuts(project):
    check = diagnose(project, "", {
        "service.yaml": KNATIVE,
        "Dockerfile": 'FROM python:3.12\nCMD ["gunicorn", "testsite.wsgi", "--timeout", "0"]\n',
        "testsite/models.py": "from constrainedfilefield.fields import ConstrainedImageField\n"
                              "\n\nphoto = ConstrainedImageField(max_upload_size=50 * 1024 * 1024)"
                              "\n"})
    root = check["root"]
    ladder = check["facts"]["server.limits"]
    assert ladder["binding_time"] == "Cloud Run (time)"
    time = layer(check, "Cloud Run (time)")
    assert (time["timeout_s"], time["source"]) == (
        20, f"service.yaml:{line_of(root, 'service.yaml', 'timeoutSeconds')}")
    assert ladder["binding_body"] == "Cloud Run (size)"
    size = layer(check, "Cloud Run (size)")
    assert size["max_body_bytes"] == 32 * MiB and "cloud.google.com/run/quotas" in size["source"]
    assert layer(check, "gunicorn timeout")["timeout_s"] is None  # --timeout 0: none
    [cut] = findings(check, "server.E040")
    assert cut["location"] == {"path": "testsite/models.py", "line": 4}
    assert "up to 50 MiB" in cut["message"] and "Cloud Run (size)" in cut["message"]
    assert "limit 1,024 MiB" in layer(check, "Memory")["note"]


def test_nginx_directives_bind_with_their_lines(project):
    check = diagnose(project, "", {
        "deploy/nginx.conf": NGINX,
        "Dockerfile": 'FROM python:3.12\nCMD ["gunicorn", "testsite.wsgi", "--timeout", "60"]\n',
        "testsite/forms.py": form(25 * MiB, "25 MB")})
    root = check["root"]
    ladder = check["facts"]["server.limits"]
    assert ladder["binding_body"] == "nginx client_max_body_size"
    assert layer(check, "nginx client_max_body_size")["source"] == \
        f"deploy/nginx.conf:{line_of(root, 'deploy/nginx.conf', 'client_max_body_size')}"
    assert ladder["binding_time"] == "nginx proxy_read_timeout"
    assert layer(check, "nginx proxy_read_timeout")["source"] == \
        f"deploy/nginx.conf:{line_of(root, 'deploy/nginx.conf', 'proxy_read_timeout')}"
    [cut] = findings(check, "server.E040")
    assert cut["location"] == {"path": "testsite/forms.py", "line": FORM_CHECK_LINE}
    assert "nginx client_max_body_size cuts requests above 10 MiB first" in cut["message"]


@pytest.mark.parametrize("peak,code", [(100 * MiB, "server.W041"), (300 * MiB, "server.E041"),
                                       (50 * MiB, None)])
def test_compose_memory_limit_against_workers_and_peak(project, peak, code):
    images = [{"name": "bomb.png", "kind": "decompression-bomb", "endpoint": "POST /upload/",
               "status_code": 400, "verdict": "rejected", "peak_memory_bytes": peak},
              {"name": "cmyk.jpg", "kind": "cmyk-jpeg", "endpoint": "POST /upload/",
               "status_code": 200, "verdict": "accepted", "peak_memory_bytes": None}]
    check = diagnose(project, "", {"docker-compose.yml": COMPOSE,
                                   "testsite/forms.py": form(200 * MiB, "200 MB")},
                     facts={"images": images})
    root = check["root"]
    where = f"docker-compose.yml:{line_of(root, 'docker-compose.yml', 'mem_limit')}"
    memory = layer(check, "Memory")
    assert memory["source"] == where
    assert f"peak {peak // MiB:,} MiB per image (bomb.png)" in memory["note"]
    found = findings(check, "server.W041") + findings(check, "server.E041")
    assert [f["code"] for f in found] == ([code] if code else [])
    if code:
        assert found[0]["location"] == {"path": "docker-compose.yml",
                                        "line": int(where.split(":")[1])}
        assert "256 MiB memory limit" in found[0]["message"]
    # The cloudflared service puts Cloudflare in front: its 100 MB cuts the 200 MB form.
    cloudflare = layer(check, "Cloudflare")
    assert cloudflare["max_body_bytes"] == 100_000_000 and cloudflare["timeout_s"] == 100
    assert cloudflare["seen"] == \
        f"docker-compose.yml:{line_of(root, 'docker-compose.yml', 'cloudflared')}"
    [cut] = findings(check, "server.E040")
    assert "Cloudflare cuts requests above 100 MB" in cut["message"]


def test_no_layer_found_is_skipped_with_its_reason(tmp_path):
    run = run_cli("server.limits", "--project-dir", tmp_path, "--format", "json", cwd=tmp_path,
                  env=base_env())
    check = next(c for c in run.json()["checks"] if c["id"] == "server.limits")
    assert check["status"] == "skipped" and run.returncode == 0
    assert check["skipped_reason"].startswith("no layer an upload passes through was found")


def test_the_ladder_in_text_markdown_and_html(project):
    root = project("", files={"deploy/nginx.conf": NGINX,
                              "Dockerfile": 'FROM python:3.12\nCMD ["gunicorn", '
                              '"testsite.wsgi"]\n',
                              "testsite/forms.py": form(25 * MiB, "25 MB")})
    html = root / "report.html"
    run = run_cli("server.config", "server.limits", "--settings", "testsite.settings",
                  "--project-dir", root, "--format", "html", "--output", html, "-v", "2",
                  cwd=root, env=base_env())
    assert run.returncode == 1, run.stderr
    page = html.read_text()
    assert page.count('<figure class="ladder">') == 1
    assert '<g class="bar binding"><title>nginx client_max_body_size: 10 MiB' in page
    text = run_cli("server.config", "server.limits", "--settings", "testsite.settings",
                   "--project-dir", root, "-v", "2", cwd=root, env=base_env()).stdout
    assert "> nginx client_max_body_size" in text and "server.E040" in text


@pytest.mark.parametrize("files,expected", [
    ({"vercel.json": '{\n  "functions": {\n    "api/index.py": {\n      "maxDuration": 60\n'
                     '    }\n  }\n}\n'},
     [("Vercel function (size)", 4_500_000, None, "vercel.com/docs/functions/limitations"),
      ("Vercel function (time)", None, 60, "vercel.json:4")]),
    ({"serverless.yml": "service: photos\nprovider:\n  name: aws\n  timeout: 20\n"
                        "functions:\n  app:\n    handler: wsgi_handler.handler\n"},
     [("API Gateway", 10 * MiB, 29, "apigateway/latest/developerguide/limits.html"),
      ("Lambda (size)", 6 * MiB, None, "gettingstarted-limits.html"),
      ("Lambda (time)", None, 20, "serverless.yml:4")]),
    ({"zappa_settings.json": '{"production": {"django_settings": "testsite.settings"}}'},
     [("API Gateway", 10 * MiB, 29, "limits.html"),
      ("Lambda (time)", None, 30, "Zappa's default timeout_seconds 30")]),
    ({"fly.toml": 'app = "photos"\n\n[http_service]\ninternal_port = 8000\n'},
     [("Fly proxy", None, 60, "community.fly.io")]),
    ({"render.yaml": "services:\n  - type: web\n    name: photos\n"},
     [("Render", None, None, "no request size or time limit is documented")]),
    ({"app.yaml": "runtime: python312\n"},
     [("App Engine (size)", 32 * MiB, None, "cloud.google.com/appengine/quotas"),
      ("App Engine (time)", None, 600, "app.yaml:1")]),
    ({"app.yaml": "runtime: python312\ninstance_class: B2\nbasic_scaling:\n"
                  "  max_instances: 2\n"},
     [("App Engine (time)", None, 86400, "app.yaml:3")]),
    ({"app.yaml": "runtime: python\nenv: flex\nmanual_scaling:\n  instances: 1\n"},
     [("App Engine (time)", None, 3600, "app.yaml:2")]),
    ({"k8s/ingress.yaml": "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n"
                          "  annotations:\n    alb.ingress.kubernetes.io/load-balancer-"
                          "attributes: idle_timeout.timeout_seconds=120\nspec:\n"
                          "  ingressClassName: alb\n"},
     [("AWS ALB (time)", None, 120, "k8s/ingress.yaml:5")]),
    ({"cloudflared/config.yml": "tunnel: 6ff42ae2\ningress:\n  - service: http://web:8000\n"},
     [("Cloudflare", 100_000_000, 100, "developers.cloudflare.com")]),
])
def test_each_platform_from_its_own_file(project, files, expected):
    check = diagnose(project, "", files)
    for name, body, time, source in expected:
        row = layer(check, name)
        assert (row["max_body_bytes"], row["timeout_s"]) == (body, time), row
        assert source in row["source"], row


def test_the_project_code_limits_dimensions_pixels_and_settings(project):
    """Sizes from settings.NAME, dimensions, and MAX_IMAGE_PIXELS where the project sets it."""
    check = diagnose(project, "PHOTO_LIMIT = 8 * 1024 * 1024\n", {"testsite/checks.py": """
        from django.conf import settings
        from PIL import Image

        Image.MAX_IMAGE_PIXELS = None


        def validate(upload, image):
            if settings.PHOTO_LIMIT < upload.size:
                raise ValueError("too large")
            if image.width > 4000:
                raise ValueError("too wide")
        """})
    assert layer(check, "the project's validator (testsite/checks.py:8)")["max_body_bytes"] \
        == 8 * MiB
    assert "up to 4,000 px of width" in \
        layer(check, "the project's validator (testsite/checks.py:10)")["note"]
    pillow = layer(check, "Pillow MAX_IMAGE_PIXELS")
    assert pillow["source"] == "testsite/checks.py:4" and "no pixel limit" in pillow["note"]
