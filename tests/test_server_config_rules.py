"""server.config's rules, each on both sides of its edge, on small deployment files: the
Heroku router's 30 s, one worker against two, a container's /tmp, launches that disagree
(and the running server that wins), uWSGI's limit-post against the largest upload, the
servers with no request timeout, what gunicorn rejects, the files that cannot be read.
Findings are pinned whole (message, hint, location) and so is the worker-timeout fact
server.budget and server.nginx read.

Most cases run the command in this process, through click's CliRunner (the same click
command, engine, redaction and JSON report; gunicorn's loader still runs in its own
subprocess on the case's files), a fraction of a second each; one case of each rule family
runs the real command in a subprocess (`command=True`), as do the cases with Django
settings."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest
from click.testing import CliRunner

from conftest import (base_env, by_code, codes, core_python, note_emitted, run_cli,
                      write_files)
from upload_diagnostics.manage_commands.cli import main as cli

HEROKU_HINT = ("Keep uploads well under 30 s (set --timeout below 30 so the worker's own error "
               "is logged), or upload directly from the browser to storage.")
PROCFILE = {"path": "Procfile", "line": 1}


@pytest.fixture(autouse=True)
def deployment_env(monkeypatch):
    """The environment run_cli gives the command (base_env) for the runs in this process
    (gunicorn's loader and discovery read GUNICORN_CMD_ARGS and WEB_CONCURRENCY); the
    folders the command puts on sys.path are taken off after the test."""
    for name in os.environ.keys() - base_env().keys():
        monkeypatch.delenv(name)
    monkeypatch.setattr(sys, "path", list(sys.path))


def run_here(*args):
    """`diagnose-uploads ARGS` (the click command) in this process: click's Result."""
    result = CliRunner().invoke(cli, list(map(str, args)))
    note_emitted(result.stdout)
    return result


def server_config(root, files: dict, status: int = 0, *options, settings: str = "",
                  command: bool = False) -> dict:
    """Run server.config on a Django project holding `files`; the exit status is pinned.
    `command` (and `settings`): the real command in a subprocess, else in this process."""
    write_files(root, {"manage.py": "", **files})
    args = ("server.config", "--project-dir", root, "--format", "json", *options)
    if settings:
        write_files(root, {"testsite/__init__.py": "", "testsite/settings.py": settings})
        args = (*args, "--settings", "testsite.settings")
    if command or settings:
        run = run_cli(*args, cwd=root, env=base_env())
        assert run.returncode == status, run.output
    else:
        run = run_here(*args)
        assert run.exit_code == status, run.output
    return next(c for c in json.loads(run.stdout)["checks"] if c["id"] == "server.config")


def pinned(check: dict) -> list[tuple]:
    """(code, message, hint, location) of each finding, in order."""
    return [(f["code"], f["message"], f["hint"], f["location"]) for f in check["findings"]]


def worker(check: dict) -> dict:
    return check["facts"]["server.worker_timeout"]


def test_one_worker_on_gunicorns_default_timeout_on_heroku(tmp_path):
    check = server_config(tmp_path, {"Procfile": "web: gunicorn testsite.wsgi --workers 1\n"},
                          command=True)
    assert (check["status"], check["layer"]) == ("warn", "server")
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
    assert (launch["title"], sources["title"]) == ("Launch", "Where the values come from")
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
        "Procfile": "web: gunicorn testsite.wsgi --workers 3 --timeout 20\n"}, command=True)
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
    table = by_code(check)["server.W005"]["evidence"][0]
    assert (table["title"], table["columns"]) == (
        "Effective settings per launch",
        ["where", "source", "timeout", "workers", "worker_class", "threads"])
    assert table["rows"] == [
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
        "vendor/gunicorn/__init__.py": "raise ImportError('vendored copy is broken')\n"},
        command=True)
    assert check["status"] == "warn"
    assert pinned(check)[1:] == [(
        "server.W007", "gunicorn's settings could not be resolved here: gunicorn cannot be "
        "imported here: vendored copy is broken",
        "Run this where gunicorn is installed (the deployment's virtualenv or image) to see "
        "the settings in force.", PROCFILE)]
    launch, said = by_code(check)["server.W007"]["evidence"]
    assert (launch["title"], said["title"]) == ("Launch", "gunicorn said")
    assert said["text"].endswith("gunicorn cannot be imported here: vendored copy is broken")
    launch = dict(launch["items"])
    assert launch == {"where": "Procfile:1", "working directory": ".",
                      "command": "PYTHONPATH=vendor gunicorn testsite.wsgi --timeout 20"}
    assert "server.worker_timeout" not in check["facts"]  # nothing known: nothing published


LIMIT_HINT = ("Raise limit-post above the largest image users send, or remove it and let "
              "Django's limits apply.")


@pytest.mark.parametrize("limit,too_small", [(10485759, True), (10485760, False), (1, True),
                                             (0, False)])
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
    table = by_code(check)["server.I004"]["evidence"][0]
    assert (table["title"], table["columns"]) == (
        "uWSGI settings in force", ["option", "value", "source", "default means"])
    assert table["rows"] == [
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
    assert by_code(check)["server.E003"]["evidence"][0]["title"] == "Launch"
    assert dict(by_code(check)["server.E003"]["evidence"][0]["items"]) == {
        "where": "Procfile:1", "command": "uwsgi --ini missing.ini"}
    assert check["facts"] == {}


@pytest.mark.parametrize("command,server", [("uvicorn testsite.asgi:application", "uvicorn"),
                                            ("daphne testsite.asgi:application", "daphne"),
                                            ("hypercorn testsite.asgi:application", "hypercorn"),
                                            ("waitress-serve testsite.wsgi:application",
                                             "waitress-serve")])
def test_servers_without_a_request_timeout(tmp_path, command, server):
    check = server_config(tmp_path, {"Procfile": f"web: {command}\n", "app.json": "{}\n"},
                          command=server == "uvicorn")
    assert pinned(check)[1] == (
        "server.I003", f"{server} serves the app; it has no request timeout",
        "A slow upload is never killed by the server: only a proxy or platform timeout in "
        "front ends it. Bound slow steps (storage SDK calls) yourself.", PROCFILE)
    assert by_code(check)["server.I003"]["evidence"][0]["title"] == "Launch"
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
    assert check["enable_with"] == "--project-dir pointing at the Django project that serves " \
                                   "uploads"
    assert check["skipped_reason"] == (
        f"not applicable: {library} holds no Django project (no manage.py, wsgi.py, asgi.py "
        "or settings module), so nothing here starts a server: a reusable app or library")


def test_secrets_given_to_a_launch_are_scrubbed_everywhere(tmp_path):
    token = "launch-canary-58213"
    check = server_config(tmp_path, {
        "Procfile": f"web: UPLOAD_TOKEN={token} gunicorn testsite.wsgi --timeout 20 "
                    f"--workers 2 --env EXTRA={token}\n"}, command=True)
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


def test_the_catalogue_describes_the_check():
    """--list-checks: the title, the tags (--tag selects by them) and the time limit."""
    listed = run_here("--list-checks", "--format", "json")
    assert listed.exit_code == 0, listed.output
    row = next(c for c in json.loads(listed.stdout)["checks"] if c["id"] == "server.config")
    assert {k: row[k] for k in ("title", "tier", "tags", "provides", "timeout")} == {
        "title": "How the app is served, and the worker timeout in force", "tier": "static",
        "tags": ["server", "timeout"], "provides": ["server.worker_timeout"], "timeout": 120}
    assert [c["code"] for c in row["codes"]] == [
        "server.I001", "server.W001", "server.W006", "server.E001", "server.E002",
        "server.E003", "server.E004", "server.E005", "server.I002", "server.W002",
        "server.W003", "server.W004", "server.W005", "server.I003", "server.I004",
        "server.W007", "server.W008"]


LOOKED_FOR = [{"type": "kv", "title": "Looked for", "items": [
    ["files", "Procfile, Dockerfile, compose, render.yaml, railway.json/toml, fly.toml, "
              "app.yaml, systemd units, supervisor, Kubernetes manifests, *.sh, uwsgi ini/yaml"],
    ["processes", "gunicorn/uWSGI/ASGI masters under /proc"]]}]
UNREADABLE_HINT = "Fix the file; the deployment tool that reads it fails the same way."


def test_what_was_looked_for_when_nothing_starts_the_app(tmp_path):
    check = server_config(tmp_path, {"README.md": "gunicorn is started by hand\n"})
    assert by_code(check)["server.W001"]["evidence"] == LOOKED_FOR


@pytest.mark.parametrize("files,expected", [
    ({"docker-compose.yml": "services:\n  web:\n    command: [gunicorn\n"},
     ("server.E005", "docker-compose.yml cannot be read: ParserError: while parsing a flow "
      "sequence\n  in \"<unicode string>\", line 3, column 14\ndid not find expected ',' or "
      "']'\n  in \"<unicode string>\", line 4, column 1", UNREADABLE_HINT,
      {"path": "docker-compose.yml", "line": 4})),
    ({"railway.json": '{"deploy":\n  {"startCommand": }\n}'},
     ("server.E005", "railway.json cannot be read: JSONDecodeError: Expecting value: line 2 "
      "column 20 (char 30)", UNREADABLE_HINT, {"path": "railway.json", "line": 2})),
])
def test_a_deployment_file_that_cannot_be_read(tmp_path, files, expected):
    check = server_config(tmp_path, files, 1)
    assert check["status"] == "fail"
    assert pinned(check) == [expected, ("server.W001", "No command that starts the app was "
                                        "found", by_code(check)["server.W001"]["hint"], None)]


RUNSERVER_HINT = ("Start the app with gunicorn, uWSGI or an ASGI server in every file a "
                  "deployment uses; keep runserver for a development override "
                  "(docker-compose.override.yml, a script).")


def test_the_development_server_in_a_deployment_file_but_not_in_a_script(tmp_path):
    check = server_config(tmp_path, {
        "Procfile": "web: python manage.py runserver 0.0.0.0:8000\n",
        "scripts/dev.sh": "python manage.py runserver\n"})
    assert check["status"] == "warn"
    assert pinned(check)[0] == (
        "server.W006", "Procfile:1 starts Django's development server (manage.py runserver)",
        RUNSERVER_HINT, PROCFILE)
    assert by_code(check)["server.W006"]["evidence"] == [{"type": "kv", "title": "Launch",
                                                          "items": [
        ["where", "Procfile:1"], ["source", "Procfile"],
        ["command", "python manage.py runserver 0.0.0.0:8000"]]}]
    assert codes(check) == ["server.W006", "server.I001"]  # the script is no deployment file
    assert "server.worker_timeout" not in check["facts"]  # runserver is no serving launch
    check = server_config(tmp_path / "dev", {"scripts/dev.sh": "python manage.py runserver\n"})
    assert (check["status"], codes(check)) == ("pass", ["server.I001"])


@pytest.fixture
def running():
    """start(root, *argv): a real process in `root` (a server discovery finds under /proc),
    killed with its children after the test."""
    started = []

    def start(root, *argv):
        proc = subprocess.Popen([sys.executable, *map(str, argv)], cwd=root,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        proc.wait()


WSGI_APP = ("def application(environ, start_response):\n"
            "    start_response('200 OK', [])\n    return [b'ok']\n")


def test_the_running_server_wins_over_the_deployment_files(tmp_path, running):
    write_files(tmp_path, {"testsite/__init__.py": "", "testsite/wsgi.py": WSGI_APP})
    gunicorn = running(tmp_path, os.path.join(os.path.dirname(sys.executable), "gunicorn"),
                       "testsite.wsgi", "--workers", "2", "--timeout", "50", "-b",
                       "127.0.0.1:0")
    check = server_config(tmp_path, {
        "Procfile": "web: gunicorn testsite.wsgi --workers 2 --timeout 20\n"})
    where = f"process {gunicorn.pid}"
    assert pinned(check)[0] == ("server.I001", f"The app is started by gunicorn from {where}",
                                "", None)  # a process is no file
    w005 = by_code(check)["server.W005"]
    assert (w005["message"], w005["location"]) == (
        f"2 launch commands disagree; {where} wins because it is the server running now", None)
    assert [row[:3] for row in w005["evidence"][0]["rows"]] == [
        [where, "process", 50], ["Procfile:1", "Procfile", 20]]
    assert worker(check)["timeout_s"] == 50.0


def test_a_running_development_server_is_no_deployment_finding(tmp_path, running):
    files = {"manage.py": "import time\ntime.sleep(60)\n"}
    write_files(tmp_path, files)
    dev = running(tmp_path, "manage.py", "runserver")
    check = server_config(tmp_path, files)  # (writes the same manage.py again)
    assert pinned(check) == [("server.I001", "The app is started by runserver from process "
                              f"{dev.pid}", "", None)]


@pytest.mark.parametrize("path,text", [
    ("docker-compose.yml", "services:\n  web:\n    command: gunicorn testsite.wsgi --workers 2 "
                           "--timeout 20{}\n"),
    ("k8s/web.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n"
                     "    - name: web\n      args: [gunicorn, testsite.wsgi, --workers, '2', "
                     "--timeout, '20'{}]\n"),
], ids=["compose", "kubernetes"])
def test_a_container_without_a_worker_tmp_dir(tmp_path, path, text):
    check = server_config(tmp_path, {path: text.format("")})
    assert codes(check) == ["server.I001", "server.I002", "server.W004"]
    tmpfs = " --worker-tmp-dir /dev/shm" if path.endswith(".yml") else \
        ", --worker-tmp-dir, /dev/shm"
    check = server_config(tmp_path, {path: text.format(tmpfs)})
    assert codes(check) == ["server.I001", "server.I002"]


@pytest.mark.parametrize("count", [100, 101])
def test_at_most_a_hundred_launches_are_listed(tmp_path, count):
    procfile = "".join(f"p{n}: gunicorn testsite.wsgi --workers 2 --timeout 20\n"
                       for n in range(count))
    check = server_config(tmp_path, {"Procfile": procfile})
    rows = by_code(check)["server.I001"]["evidence"][0]["rows"]
    assert rows[-1] == (["...", "", "", "and 1 more commands"] if count > 100 else
                        ["Procfile:100", "Procfile", "gunicorn",
                         "gunicorn testsite.wsgi --workers 2 --timeout 20"])
    assert len(rows) == (101 if count > 100 else 100)


def test_gunicorn_is_started_on_six_distinct_launches_at_most(tmp_path):
    procfile = "".join(f"p{n}: gunicorn testsite.wsgi --workers 2 --threads 2 --timeout "
                       f"{20 + n}\n" for n in range(7))
    check = server_config(tmp_path, {"Procfile": procfile})
    w005 = by_code(check)["server.W005"]
    assert w005["message"].startswith("6 launch commands disagree; Procfile:1 wins because ")
    # timeout, and the worker class that runs (threads make sync workers gthread)
    assert [row[2:5:2] for row in w005["evidence"][0]["rows"]] == [
        [20 + n, "gthread"] for n in range(6)]


def test_a_limit_post_known_only_when_uwsgi_runs_is_not_judged(tmp_path):
    check = server_config(tmp_path, {"Procfile": "web: uwsgi --ini uwsgi.ini --harakiri 25\n",
                                     "uwsgi.ini": "[uwsgi]\nlimit-post = $(UPLOAD_LIMIT)\n"})
    assert (check["status"], codes(check)) == ("pass", ["server.I001", "server.I004"])
    rows = by_code(check)["server.I004"]["evidence"][0]["rows"]
    assert rows[3] == ["limit-post", "$(UPLOAD_LIMIT)", "uwsgi.ini", ""]


GUNICORN_CONF_RAISES = "import os\ntimeout = int(os.environ['GUNICORN_TIMEOUT'])\n"


@pytest.mark.parametrize("files,expected", [
    ({"Procfile": "web: gunicorn testsite.wsgi\n", "gunicorn.conf.py": GUNICORN_CONF_RAISES},
     ("server.E001", "gunicorn cannot load its config file gunicorn.conf.py: KeyError: "
      "'GUNICORN_TIMEOUT'", "Fix the config file: gunicorn exits with this error before "
      "starting any worker.", {"path": "gunicorn.conf.py", "line": None})),
    ({"Procfile": "web: gunicorn testsite.wsgi -c deploy/gunicorn.py\n",
      "deploy/gunicorn.py": GUNICORN_CONF_RAISES},
     ("server.E001", "gunicorn cannot load its config file deploy/gunicorn.py: KeyError: "
      "'GUNICORN_TIMEOUT'", "Fix the config file: gunicorn exits with this error before "
      "starting any worker.", {"path": "deploy/gunicorn.py", "line": None})),
    ({"Procfile": "web: gunicorn testsite.wsgi --timout 90\n"},
     ("server.E002", "gunicorn rejects the command line at Procfile:1: gunicorn: error: "
      "unrecognized arguments: --timout 90", "Fix the arguments (gunicorn --help lists them); "
      "the server does not start.", PROCFILE)),
    ({"Procfile": "web: gunicorn testsite.wsgi\n", "gunicorn.conf.py": "import time\n"
      "time.sleep(60)\n"},
     ("server.E001", "gunicorn cannot load its config file gunicorn.conf.py: gunicorn did not "
      "finish loading its configuration within 1 s (a config file that blocks?)", "Fix the "
      "config file: gunicorn exits with this error before starting any worker.",
      {"path": "gunicorn.conf.py", "line": None})),
], ids=["config-file", "named-config-file", "command-line", "config-file-that-blocks"])
def test_what_gunicorn_rejects(tmp_path, files, expected):
    check = server_config(tmp_path, files, 1, "--timeout", "1")  # (gunicorn's loader's limit)
    assert check["status"] == "fail"
    assert pinned(check)[1:] == [expected]
    launch, said = by_code(check)[expected[0]]["evidence"]
    assert launch == {"type": "kv", "title": "Launch", "items": [
        ["where", "Procfile:1"], ["command", files["Procfile"][5:].strip()],
        ["working directory", "."]]}
    assert said["type"] == "traceback" and said["title"] == "gunicorn said"
    assert said["text"].strip().splitlines()[-1] in expected[1]
    assert check["facts"] == {}


def test_settings_from_the_environment_the_command_runs_in(tmp_path, monkeypatch):
    canary = "env-canary-7731"
    monkeypatch.setenv("GUNICORN_CMD_ARGS", f"--timeout 25 --env DJANGO_SECRET_KEY={canary}")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    check = server_config(tmp_path, {"Procfile": "web: gunicorn testsite.wsgi\n",
                                     "gunicorn.conf.py": "threads = 2\n"})
    assert canary not in str(check)
    commands, sources = by_code(check)["server.I001"]["evidence"]
    assert (commands["title"], commands["columns"]) == (
        "Commands that start the app (first one wins)", ["where", "source", "server", "command"])
    redacted = sources["rows"][1][1]
    assert redacted.startswith("--timeout 25 --env DJANGO_SECRET_KEY=«redacted")
    assert sources == {"type": "table", "title": "Other settings sources",
                       "columns": ["source", "value"], "rows": [
                           ["gunicorn config", "gunicorn.conf.py"],
                           ["environment GUNICORN_CMD_ARGS", redacted],
                           ["environment WEB_CONCURRENCY", "3"]]}
    settings = by_code(check)["server.I002"]["evidence"][1]
    assert settings["columns"] == ["setting", "value", "source"]
    assert settings["rows"][:5] == [
        ["timeout", 25, "GUNICORN_CMD_ARGS"], ["graceful_timeout", 30, "default"],
        ["workers", 3, "WEB_CONCURRENCY (default read at import)"],
        ["worker_class", "sync (runs as gthread)", "default"],
        ["threads", 2, "config file gunicorn.conf.py"]]
    assert worker(check)["source"] == "GUNICORN_CMD_ARGS (Procfile:1)"


def test_secrets_in_what_gunicorn_says_are_scrubbed(tmp_path):
    """The launch's secret variables, and secrets on the config file's lines gunicorn's
    traceback shows."""
    check = server_config(tmp_path, {
        "Dockerfile": "FROM python\nENV API_TOKEN=tok-canary-5521\n"
                      "CMD gunicorn testsite.wsgi --worker-tmp-dir /dev/shm\n",
        "gunicorn.conf.py": "import os\nraw_env = ['SECRET_KEY=conf-canary-4417']; "
                            "workers = int(os.environ['API_TOKEN'])\n"}, 1)
    e001 = by_code(check)["server.E001"]
    assert e001["message"].startswith("gunicorn cannot load its config file gunicorn.conf.py: "
                                      "ValueError: invalid literal for int() with base 10: "
                                      "'«redacted")
    said = e001["evidence"][1]["text"]
    assert "raw_env = ['SECRET_KEY=«redacted" in said
    assert "tok-canary-5521" not in str(check) and "conf-canary-4417" not in str(check)


def test_a_python_assignment_of_a_secret_in_what_gunicorn_says_is_scrubbed(tmp_path):
    check = server_config(tmp_path, {
        "Procfile": "web: gunicorn testsite.wsgi\n",
        "gunicorn.conf.py": 'secret_key = "py-canary-9182"; workers = int(secret_key)\n'}, 1)
    said = by_code(check)["server.E001"]["evidence"][1]["text"]
    assert 'secret_key = "«redacted' in said and "py-canary-9182" not in str(check)


def test_without_the_server_extra_the_check_is_skipped_and_says_why(tmp_path):
    """A Python with this package (as installed here, editable) and only its runtime
    dependencies (.venv-core's): none of the [server] extra's parsers."""
    root = write_files(tmp_path / "site", {"manage.py": "",
                                           "Procfile": "web: gunicorn testsite.wsgi\n"})
    run = run_cli("server.config", "--project-dir", root, "--format", "json",
                  python=core_python(tmp_path / "venv"))
    assert run.returncode == 0, run.output
    check = run.json()["checks"][0]
    assert (check["id"], check["status"], check["findings"]) == ("server.config", "skipped", [])
    assert check["skipped_reason"] == ("PyYAML and dockerfile and crossplane are not installed "
                                       "(it reads deployment files with them)")
    assert check["enable_with"] == 'pip install "django-upload-diagnostics[server]"'
