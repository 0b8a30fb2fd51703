"""server.config's rules, each on both sides of its edge, through the real command on small
deployment files: the Heroku router's 30 s, one worker against two, a container's /tmp,
launches that disagree, uWSGI's limit-post against the largest upload, and the servers
with no request timeout. Findings are pinned whole (message, hint, location) and so is
the worker-timeout fact server.budget and server.nginx read."""
from __future__ import annotations

import pytest

from conftest import base_env, by_code, codes, run_cli, write_files

HEROKU_HINT = ("Keep uploads well under 30 s (set --timeout below 30 so the worker's own error "
               "is logged), or upload directly from the browser to storage.")
PROCFILE = {"path": "Procfile", "line": 1}


def server_config(root, files: dict, status: int = 0, *args, settings: str = "") -> dict:
    """Run server.config on a Django project holding `files`; the exit status is pinned."""
    write_files(root, {"manage.py": "", **files})
    if settings:
        write_files(root, {"testsite/__init__.py": "", "testsite/settings.py": settings})
        args = (*args, "--settings", "testsite.settings")
    run = run_cli("server.config", *args, "--project-dir", root, "--format", "json",
                  cwd=root, env=base_env())
    assert run.returncode == status, run.output
    return next(c for c in run.json()["checks"] if c["id"] == "server.config")


def pinned(check: dict) -> list[tuple]:
    """(code, message, hint, location) of each finding, in order."""
    return [(f["code"], f["message"], f["hint"], f["location"]) for f in check["findings"]]


def worker(check: dict) -> dict:
    return check["facts"]["server.worker_timeout"]


def test_one_worker_on_gunicorns_default_timeout_on_heroku(tmp_path):
    check = server_config(tmp_path, {"Procfile": "web: gunicorn testsite.wsgi --workers 1\n"})
    assert check["status"] == "warn"
    assert pinned(check) == [
        ("server.I001", "The app is started by gunicorn from Procfile:1", "", PROCFILE),
        ("server.I002", f"gunicorn {gunicorn_version()}: timeout 30 s (sync workers, 1 x 1 "
                        "threads)", "", PROCFILE),
        ("server.W002", "The worker timeout in force is gunicorn's default 30 s; nothing sets "
                        "it", "Choose it: measure the slowest upload (decode, resize, WebP, "
                        "storage call) and set --timeout above it, or move the work to a "
                        "background job.", PROCFILE),
        ("server.W003", "One sync worker (command line)",
         "Use several workers (--workers 2-4 per core, or WEB_CONCURRENCY): with one sync "
         "worker a single slow upload blocks every other request, and a worker timeout takes "
         "the whole site down until it restarts.", PROCFILE),
        ("server.W008", "Heroku's router ends requests at 30 s (H12), no later than the worker "
                        "timeout (30 s)", HEROKU_HINT, {"path": "Procfile", "line": None}),
    ]
    assert worker(check) == {"server": "gunicorn", "timeout_s": 30.0, "worker_class": "sync",
                             "threads": 1, "workers": 1, "source": "default (Procfile:1)",
                             "buffered": False}
    found = by_code(check)
    assert found["server.W008"]["evidence"] == [{"type": "kv", "title": "Platform", "items": [
        ["detected from", "Procfile"], ["router limit", "30 s (H12)"],
        ["worker timeout", "30 s"], ["from", "default (Procfile:1)"]]}]
    launch, sources = found["server.W002"]["evidence"]  # W003 shows the same blocks
    assert dict(launch["items"]) == {"where": "Procfile:1", "command":
                                     "gunicorn testsite.wsgi --workers 1",
                                     "working directory": ".", "gunicorn": gunicorn_version()}
    assert dict(sources["items"]) == {
        "timeout": "30 (default)", "workers": "1 (command line)",
        "worker_class": "sync (default)", "threads": "1 (default)",
        "worker_tmp_dir": "not set (default)"}
    assert [(e["type"], e["code"], e["block"]) for e in found["server.W003"]["evidence"]] == [
        ("ref", "server.W002", 0), ("ref", "server.W002", 1)]


def gunicorn_version() -> str:
    import gunicorn

    return gunicorn.__version__


def settings_table(check: dict) -> dict:
    table = by_code(check)["server.I002"]["evidence"][1]
    assert table["title"] == "gunicorn settings in force"
    return {row[0]: row[1:] for row in table["rows"]}


def test_settings_table_as_people_read_it(tmp_path):
    check = server_config(tmp_path, {"Procfile": "web: gunicorn testsite.wsgi --workers 3 "
                                     "--threads 2 --timeout 20 -b 127.0.0.1:1 -b [::1]:2\n"})
    assert settings_table(check) == {
        "timeout": [20, "command line"], "graceful_timeout": [30, "default"],
        "workers": [3, "command line"], "worker_class": ["sync (runs as gthread)", "default"],
        "threads": [2, "command line"], "worker_tmp_dir": ["not set", "default"],
        "bind": ["127.0.0.1:1, [::1]:2", "command line"], "chdir": [str(tmp_path), "default"]}
    assert codes(check) == ["server.I001", "server.I002"]
    assert worker(check)["worker_class"] == "gthread" and worker(check)["threads"] == 2


@pytest.mark.parametrize("timeout,heroku", [(29, False), (30, True), (31, True), (0, True)])
def test_heroku_router_edge_at_30_seconds(tmp_path, timeout, heroku):
    check = server_config(tmp_path, {
        "Procfile": f"web: gunicorn testsite.wsgi --workers 2 --timeout {timeout}\n"})
    assert check["status"] == ("warn" if heroku else "pass")
    assert codes(check) == ["server.I001", "server.I002"] + (["server.W008"] if heroku else [])
    shown = f"{timeout} s" if timeout else "none"  # 0: gunicorn never times out
    if heroku:
        assert by_code(check)["server.W008"]["message"] == (
            "Heroku's router ends requests at 30 s (H12), no later than the worker timeout "
            f"({shown})")
    assert worker(check)["timeout_s"] == (float(timeout) if timeout else None)


@pytest.mark.parametrize("platform", ["heroku.yml", "app.json"])
def test_heroku_from_its_own_files_even_with_a_dockerfile(tmp_path, platform):
    check = server_config(tmp_path, {
        platform: "{}\n", "Dockerfile": 'FROM python\nCMD ["gunicorn", "testsite.wsgi", '
        '"--workers", "2", "--timeout", "45", "--worker-tmp-dir", "/dev/shm"]\n'})
    assert codes(check) == ["server.I001", "server.I002", "server.W008"]
    w008 = by_code(check)["server.W008"]
    assert w008["location"] is None
    assert dict(w008["evidence"][0]["items"]) == {
        "detected from": "heroku.yml/app.json", "router limit": "30 s (H12)",
        "worker timeout": "45 s", "from": "command line (Dockerfile:2)"}


def test_a_dockerfile_beside_a_procfile_is_not_heroku_and_the_launches_disagree(tmp_path):
    check = server_config(tmp_path, {
        "Dockerfile": 'FROM python\nCMD ["gunicorn", "testsite.wsgi", "--workers", "2", '
                      '"--timeout", "45"]\n',
        "Procfile": "web: gunicorn testsite.wsgi --workers 3 --timeout 20\n"})
    docker = {"path": "Dockerfile", "line": 2}
    assert pinned(check)[2:] == [
        ("server.W004", "worker_tmp_dir is the container's disk-backed /tmp",
         "Add --worker-tmp-dir /dev/shm: workers write a heartbeat file every second, and on "
         "an overlay /tmp a slow disk write makes the arbiter see a timeout that is not one.",
         docker),
        ("server.W005", "2 launch commands disagree; Dockerfile:2 wins because of the order "
         "running process > docker-compose/Kubernetes > Dockerfile > Procfile and platform "
         "files > systemd/supervisor > shell scripts",
         "Keep one source for the server's settings (a gunicorn.conf.py used by every "
         "launch), so what you test is what runs.", docker)]
    assert by_code(check)["server.W005"]["evidence"][0]["rows"] == [
        ["Dockerfile:2", "Dockerfile", 45, 2, "sync", 1],
        ["Procfile:1", "Procfile", 20, 3, "sync", 1]]
    assert worker(check)["timeout_s"] == 45.0
    summary = by_code(check)["server.I001"]["evidence"]
    assert summary[0]["rows"] == [
        ["Dockerfile:2", "Dockerfile", "gunicorn", "gunicorn testsite.wsgi --workers 2 "
         "--timeout 45"],
        ["Procfile:1", "Procfile", "gunicorn", "gunicorn testsite.wsgi --workers 3 --timeout 20"]]


def test_launches_that_agree_are_no_finding(tmp_path):
    check = server_config(tmp_path, {
        "Dockerfile": 'FROM python\nCMD ["gunicorn", "testsite.wsgi", "--workers", "2", '
                      '"--timeout", "20", "--worker-tmp-dir", "/dev/shm"]\n',
        "Procfile": "web: gunicorn testsite.wsgi --workers 2 --timeout 20\n"})
    assert codes(check) == ["server.I001", "server.I002"]


def test_gunicorn_that_cannot_be_imported_is_a_warning_not_a_verdict(tmp_path):
    check = server_config(tmp_path, {
        "Procfile": "web: PYTHONPATH=vendor gunicorn testsite.wsgi --timeout 20\n",
        "vendor/gunicorn/__init__.py": "raise ImportError('vendored copy is broken')\n"})
    assert check["status"] == "warn"
    assert pinned(check)[1:] == [(
        "server.W007", "gunicorn's settings could not be resolved here: gunicorn cannot be "
        "imported here: vendored copy is broken",
        "Run this where gunicorn is installed (the deployment's virtualenv or image) to see "
        "the settings in force.", PROCFILE)]
    launch = dict(by_code(check)["server.W007"]["evidence"][0]["items"])
    assert launch == {"where": "Procfile:1", "working directory": ".",
                      "command": "PYTHONPATH=vendor gunicorn testsite.wsgi --timeout 20"}
    assert "server.worker_timeout" not in check["facts"]  # nothing known: nothing published


LIMIT_HINT = ("Raise limit-post above the largest image users send, or remove it and let "
              "Django's limits apply.")


@pytest.mark.parametrize("limit,too_small", [(10485759, True), (10485760, False), (0, False)])
def test_uwsgi_limit_post_against_the_largest_upload(tmp_path, limit, too_small):
    check = server_config(tmp_path, {"Procfile": "web: uwsgi --ini uwsgi.ini --harakiri 25\n",
                                     "uwsgi.ini": f"[uwsgi]\nlimit-post = {limit}\n"},
                          1 if too_small else 0)
    assert check["status"] == ("fail" if too_small else "pass")
    expected = [("server.I004", "uWSGI: harakiri 25 s, http-timeout 60 s", "", PROCFILE)]
    if too_small:
        expected.append(("server.E004", f"uWSGI limit-post {limit} bytes is below the largest "
                         "upload (10485760 bytes)", LIMIT_HINT, PROCFILE))
    assert pinned(check)[1:] == expected
    assert worker(check) == {"server": "uwsgi", "timeout_s": 25.0, "worker_class": "uwsgi",
                             "threads": 1, "workers": 1, "buffered": False,
                             "source": "harakiri from command line (Procfile:1)"}


def test_the_largest_upload_comes_from_the_setting(tmp_path):
    settings = "SECRET_KEY = 'x'\nUPLOAD_DIAGNOSTICS = {'MAX_UPLOAD_BYTES': 2097152}\n"
    files = {"Procfile": "web: uwsgi --ini uwsgi.ini --harakiri 25\n"}
    check = server_config(tmp_path, {**files, "uwsgi.ini": "[uwsgi]\nlimit-post = 2097151\n"},
                          1, settings=settings)
    assert by_code(check)["server.E004"]["message"] == (
        "uWSGI limit-post 2097151 bytes is below the largest upload (2097152 bytes)")
    check = server_config(tmp_path, {**files, "uwsgi.ini": "[uwsgi]\nlimit-post = 2097152\n"},
                          settings=settings)
    assert codes(check) == ["server.I001", "server.I004"]


def test_uwsgi_without_harakiri_and_its_defaults_explained(tmp_path):
    check = server_config(tmp_path, {"Procfile": "web: uwsgi --ini uwsgi.ini\n",
                                     "uwsgi.ini": "[uwsgi]\nbuffer-size = 8192\n"})
    assert pinned(check)[1] == ("server.I004", "uWSGI: harakiri off, http-timeout 60 s", "",
                                PROCFILE)
    assert by_code(check)["server.I004"]["evidence"][0]["rows"] == [
        ["harakiri", 0, "default", "off: no request is ever killed"],
        ["http-timeout", 60, "default", "seconds the HTTP router waits for the app"],
        ["socket-timeout", 4, "default", "seconds for socket reads and writes"],
        ["limit-post", 0, "default", "no limit on the request body"],
        ["buffer-size", 8192, "uwsgi.ini", ""]]
    assert worker(check)["timeout_s"] is None
    assert worker(check)["source"] == "harakiri from default (Procfile:1)"
    w008 = by_code(check)["server.W008"]  # no harakiri: Heroku's router ends it first
    assert dict(w008["evidence"][0]["items"])["worker timeout"] == "none"


def test_uwsgi_config_that_cannot_be_read(tmp_path):
    check = server_config(tmp_path, {"Procfile": "web: uwsgi --ini missing.ini\n"}, 1)
    assert check["status"] == "fail"
    assert pinned(check)[1:] == [(
        "server.E003", "uWSGI's configuration cannot be read: --ini missing.ini: no such file "
        f"in {tmp_path}", "Fix the file: uWSGI refuses to start with it.", PROCFILE)]
    assert dict(by_code(check)["server.E003"]["evidence"][0]["items"]) == {
        "where": "Procfile:1", "command": "uwsgi --ini missing.ini"}
    assert check["facts"] == {}


@pytest.mark.parametrize("command,server", [("uvicorn testsite.asgi:application", "uvicorn"),
                                            ("waitress-serve testsite.wsgi:application",
                                             "waitress-serve")])
def test_servers_without_a_request_timeout(tmp_path, command, server):
    check = server_config(tmp_path, {"Procfile": f"web: {command}\n", "app.json": "{}\n"})
    assert pinned(check)[1] == (
        "server.I003", f"{server} serves the app; it has no request timeout",
        "A slow upload is never killed by the server: only a proxy or platform timeout in "
        "front ends it. Bound slow steps (storage SDK calls) yourself.", PROCFILE)
    assert dict(by_code(check)["server.I003"]["evidence"][0]["items"]) == {
        "where": "Procfile:1", "command": command}
    assert worker(check) == {"server": server, "timeout_s": None, "worker_class": server,
                             "threads": 1, "workers": 1, "source": "Procfile:1",
                             "buffered": False}


def test_buffered_only_when_every_proxied_location_buffers(tmp_path):
    nginx = ("server {{ location /a/ {{ proxy_pass http://app; }}\n"
             "  location /b/ {{ proxy_pass http://app; proxy_request_buffering {}; }} }}\n")
    files = {"Procfile": "web: gunicorn testsite.wsgi --workers 2 --timeout 20\n"}
    on = server_config(tmp_path, {**files, "nginx/site.conf": nginx.format("on")})
    assert worker(on)["buffered"] is True
    off = server_config(tmp_path, {**files, "nginx/site.conf": nginx.format("off")})
    assert worker(off)["buffered"] is False


def test_no_launch_in_a_django_project_and_none_in_a_library(tmp_path):
    check = server_config(tmp_path / "site", {})
    assert check["status"] == "warn"
    assert pinned(check) == [(
        "server.W001", "No command that starts the app was found",
        "Add the command the deployment runs (Procfile, Dockerfile CMD, compose `command:`, "
        "systemd ExecStart) to the project, or run this inside the deployment so the running "
        "server is seen.", None)]
    library = tmp_path / "library"
    write_files(library, {"setup.py": "", "mylib/__init__.py": ""})
    run = run_cli("server.config", "--project-dir", library, "--format", "json")
    assert run.returncode == 0, run.output
    check = run.json()["checks"][0]
    assert check["status"] == "skipped" and check["findings"] == []
    assert check["skipped_reason"] == (
        f"not applicable: {library} holds no Django project (no manage.py, wsgi.py, asgi.py "
        "or settings module), so nothing here starts a server: a reusable app or library")


def test_secrets_given_to_a_launch_are_scrubbed_everywhere(tmp_path):
    token = "launch-canary-58213"
    check = server_config(tmp_path, {
        "Procfile": f"web: UPLOAD_TOKEN={token} gunicorn testsite.wsgi --timeout 20 "
                    f"--workers 2 --env EXTRA={token}\n"})
    assert token not in str(check)
    assert "«redacted" in by_code(check)["server.I001"]["evidence"][0]["rows"][0][3]


DOCKERFILE = ('FROM python\nCMD ["gunicorn", "testsite.wsgi", "--workers", "2", "--timeout", '
              '"45", "--worker-tmp-dir", "/dev/shm"]\n')


@pytest.mark.parametrize("files,where,why", [
    ({"docker-compose.yml": "services:\n  web:\n    build: .\n    command: [\"gunicorn\", "
      "\"testsite.wsgi\", \"--workers\", \"2\", \"--timeout\", \"25\"]\n"},
     "docker-compose.yml:4", "docker compose's `command:` replaces the image's CMD"),
    ({"k8s/deployment.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"
      "spec:\n  template:\n    spec:\n      containers:\n        - name: web\n"
      "          command: [\"gunicorn\"]\n          args: [\"testsite.wsgi\", \"--workers\", "
      "\"2\", \"--timeout\", \"95\"]\n"},
     "k8s/deployment.yaml:10", "a container's `command`/`args` replace the image's "
     "ENTRYPOINT/CMD"),
])
def test_why_the_winning_launch_wins(tmp_path, files, where, why):
    check = server_config(tmp_path, {"Dockerfile": DOCKERFILE, **files})
    w005 = by_code(check)["server.W005"]
    assert w005["message"] == f"2 launch commands disagree; {where} wins because {why}"
