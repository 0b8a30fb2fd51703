"""Planted secrets never reach any output: values given on launch lines (--env, -e, NAME=
prefixes, compose and Kubernetes commands), inside an innocent variable such as
GUNICORN_CMD_ARGS, in a gunicorn config's traceback, in log lines, on the command line,
and in what the project prints or logs while its upload path runs."""
from __future__ import annotations

import pytest

from adversarial import assert_survived, canary, hostile_run
from conftest import base_env
from test_adversarial_files import project

REDACTED = "«redacted"
LAUNCHES = {
    "gunicorn --env in a Procfile": {
        "Procfile": "web: gunicorn --env DJANGO_SECRET_KEY={c} app.wsgi\n"},
    "a NAME= prefix in a Procfile": {
        "Procfile": "web: DJANGO_SECRET_KEY={c} gunicorn app.wsgi\n"},
    "gunicorn -e in a Procfile": {"Procfile": "web: gunicorn -e API_TOKEN={c} app.wsgi\n"},
    "--env=NAME=value": {"Procfile": "web: gunicorn --env=DB_PASSWORD={c} app.wsgi\n"},
    "-e in a compose command": {
        "docker-compose.yml": "services:\n  web:\n    command: gunicorn -e "
                              "AWS_SECRET_ACCESS_KEY={c} app.wsgi\n"},
    "a compose command list": {
        "docker-compose.yml": 'services:\n  web:\n    command: ["gunicorn", "--env", '
                              '"STRIPE_SECRET={c}", "app.wsgi"]\n'},
    "compose environment": {
        "docker-compose.yml": "services:\n  web:\n    command: gunicorn app.wsgi\n"
                              "    environment:\n      SECRET_KEY: {c}\n"},
    "a database URL in compose": {
        "docker-compose.yml": "services:\n  web:\n    command: gunicorn app.wsgi\n"
                              "    environment:\n      DATABASE_URL: postgres://app:{c}@db/app\n"},
    "Dockerfile ENV": {"Dockerfile": "FROM python:3.12\nENV DJANGO_SECRET_KEY={c}\n"
                                     "CMD gunicorn app.wsgi\n"},
    "Dockerfile CMD --env": {"Dockerfile": "FROM python:3.12\n"
                                           'CMD ["gunicorn", "--env", "PASSWORD={c}", "app.wsgi"]\n'},
    "systemd Environment and ExecStart": {
        "deploy/app.service": "[Service]\nEnvironment=SECRET_KEY={c}\n"
                              "ExecStart=/srv/venv/bin/gunicorn --env TOKEN={c}x app.wsgi\n"},
    "supervisor environment": {
        "deploy/supervisor.conf": '[program:web]\ncommand=gunicorn app.wsgi\n'
                                  'environment=SECRET_KEY="{c}"\n'},
    "an exported variable in a script": {
        "Procfile": "web: sh deploy/start.sh\n",
        "deploy/start.sh": "export DJANGO_SECRET_KEY={c}\nexec gunicorn --env "
                           "DJANGO_SECRET_KEY=$DJANGO_SECRET_KEY app.wsgi\n"},
    "a Kubernetes manifest": {
        "k8s/web.yaml": "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n"
                        "      - name: web\n        command: [gunicorn]\n"
                        "        args: [--env, 'API_KEY={c}', app.wsgi]\n"
                        "        env:\n        - name: CLIENT_SECRET\n          value: {c}y\n"},
    "fly.toml env": {"fly.toml": '[env]\n  SECRET_KEY = "{c}"\n[processes]\n'
                                 '  web = "gunicorn app.wsgi"\n'},
    "GUNICORN_CMD_ARGS on a Procfile line": {
        "Procfile": "web: GUNICORN_CMD_ARGS='--env SECRET_KEY={c}' gunicorn app.wsgi\n"},
}


def run(tmp_path, root, secret, *args, env=None, **kw):
    return hostile_run(kw.pop("name", tmp_path.name), ["--project-dir", root, *args],
                       cwd=tmp_path, out=tmp_path / "out", canaries=(secret,), env=env, **kw)


# Where the secret is only in the variables a deployment sets, never in a command shown.
NOT_IN_COMMAND = {"compose environment", "a database URL in compose", "Dockerfile ENV",
                  "supervisor environment", "an exported variable in a script", "fly.toml env"}


@pytest.mark.parametrize("case", LAUNCHES)
def test_a_secret_on_a_launch_line_is_redacted(tmp_path, case):
    secret = canary()
    root = project(tmp_path / "p", {k: v.format(c=secret) for k, v in LAUNCHES[case].items()})
    outcome = assert_survived(run(tmp_path, root, secret, "server"))
    [command] = [row[3] for row in outcome.finding("server.I001")["evidence"][0]["rows"]]
    assert command.startswith(("gunicorn", "exec gunicorn", "/srv/venv/bin/gunicorn",
                               "DJANGO_SECRET_KEY=", "GUNICORN_CMD_ARGS="))
    assert (REDACTED in command) == (case not in NOT_IN_COMMAND), command


def test_a_secret_inside_gunicorn_cmd_args_in_the_environment(tmp_path):
    secret = canary()
    root = project(tmp_path / "p", {"Procfile": "web: gunicorn app.wsgi\n"})
    env = base_env(GUNICORN_CMD_ARGS=f"--timeout 50 --env SECRET_KEY={secret}")
    outcome = assert_survived(run(tmp_path, root, secret, "server", env=env), returncode=0)
    assert "gunicorn 2" in outcome.finding("server.I002")["message"]
    assert "timeout 50 s" in outcome.finding("server.I002")["message"]


def test_a_secret_in_a_broken_gunicorn_config_traceback(tmp_path):
    secret = canary()
    root = project(tmp_path / "p", {
        "Procfile": "web: gunicorn app.wsgi\n",
        "gunicorn.conf.py": f'print("starting with SECRET_KEY={secret}")\n'
                            f'raw_env = ["SECRET_KEY={secret}"]; timeout = 1 / 0\n'})
    outcome = assert_survived(run(tmp_path, root, secret, "server"), returncode=1)
    error = outcome.finding("server.E001")
    assert "ZeroDivisionError" in error["message"]
    assert REDACTED in error["evidence"][1]["text"]


LOG_LINES = {
    "password=": "[2024-05-01 10:00:00 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:7) "
                 "POST /login password={c} next=/",
    "api_key:": "2024-05-01 10:00:00,123 ERROR cannot identify image file; api_key: {c}",
    "token=": '2024/05/01 10:00:00 [error] 7#7: *1 client intended to send too large body, '
              'request: "POST /upload?token={c}&x=1 HTTP/1.1"',
    "Authorization: Basic": "2024-05-01T10:00:00Z heroku[router]: at=error code=H12 "
                            'headers="Authorization: Basic {c}"',
    "a JSON body": '2024-05-01 10:00:00,123 ERROR RequestDataTooBig {{"password": "{c}"}}',
    "a QueryDict": "2024-05-01 10:00:00,123 ERROR Missing file parameter for upload "
                   "<QueryDict: {{'secret': ['{c}']}}>",
    "an X-Api-Key header": "[2024-05-01 10:00:00 +0000] [1] [CRITICAL] WORKER TIMEOUT "
                           "(pid:8) X-Api-Key: {c}",
}


@pytest.mark.parametrize("case", LOG_LINES)
def test_a_secret_in_a_log_line_is_redacted(tmp_path, case):
    secret = canary()
    log = tmp_path / "error.log"
    log.write_text(LOG_LINES[case].format(c=secret) + "\n")
    outcome = assert_survived(run(tmp_path, tmp_path, secret, "server.logs", "--logs", log),
                              returncode=1)
    [finding] = outcome.check("server.logs")["findings"]
    assert REDACTED in finding["evidence"][1]["lines"][0]


def test_a_secret_given_on_the_command_line(tmp_path):
    secret = canary()
    outcome = assert_survived(run(tmp_path, tmp_path, secret, "server.logs", "--data",
                                  f"password={secret}", "--header", f"X-Api-Key: {secret}z"),
                              returncode=0)
    assert any(REDACTED in word for word in outcome.json()["run"]["argv"])


E2E_SETTINGS = """
import logging, os
SECRET_KEY = os.environ["APP_SECRET"]
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth"]
DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3",
                         "NAME": os.path.join(os.path.dirname(__file__), "db.sqlite3")}}}}
ROOT_URLCONF = "app.urls"
MEDIA_ROOT = os.path.join(os.path.dirname(os.path.dirname(__file__)), "media")
IMAGEKIT_PRIVATE_KEY = os.environ["APP_SECRET"] + "-ik"
LOGGING = {{"version": 1, "handlers": {{"console": {{"class": "logging.StreamHandler"}}}},
           "loggers": {{"app": {{"handlers": ["console"], "level": "INFO"}}}}}}
"""
E2E_VIEWS = """
import logging, sys
from django.conf import settings
from django.core.files.storage import default_storage
from django.http import JsonResponse

logger = logging.getLogger("app.views")


def upload(request):
    photo = request.FILES["photo"]
    logger.warning("uploading with key %s and secret %s", settings.IMAGEKIT_PRIVATE_KEY,
                   settings.SECRET_KEY)
    print("stdout sees", settings.SECRET_KEY)
    print("stderr sees", settings.IMAGEKIT_PRIVATE_KEY, file=sys.stderr)
    try:
        raise RuntimeError("storage refused key " + settings.IMAGEKIT_PRIVATE_KEY)
    except RuntimeError:
        logger.exception("upload failed")
    name = default_storage.save("photos/" + photo.name, photo)
    return JsonResponse({"name": name}, status=201)
"""


@pytest.mark.parametrize("e2e", [False, True], ids=["dry run", "--e2e"])
def test_what_the_upload_path_prints_or_logs_is_scrubbed_and_folded(tmp_path, e2e):
    secret = canary()
    root = project(tmp_path / "p", {
        "app/settings.py": E2E_SETTINGS.format(), "app/views.py": E2E_VIEWS,
        "app/urls.py": "from django.urls import path\nfrom . import views\n"
                       "urlpatterns = [path('upload/', views.upload)]\n"})
    env = base_env(APP_SECRET=secret, PYTHONPATH=root)
    args = ["--settings", "app.settings", "e2e", *(["--e2e"] if e2e else [])]
    outcome = assert_survived(run(tmp_path, root, secret, *args, env=env, timeout=60),
                              returncode=0)
    assert "stdout sees «redacted" in outcome.stderr
    assert "stderr sees «redacted" in outcome.stderr
    assert "RuntimeError: storage refused key «redacted" in outcome.stderr
    assert "traceback lines not shown" in outcome.stderr
    check = outcome.check("e2e.storage" if e2e else "e2e.upload")
    assert "e2e.I002" in [f["code"] for f in check["findings"]]
