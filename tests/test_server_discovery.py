"""server.config on real deployment files: every discovery source and every gunicorn
precedence case, through the real command, asserting effective values and their sources."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import base_env, by_code, codes, run_cli, write_files


def only(run, check_id: str) -> dict:
    """The result of one check in a JSON report."""
    return next(c for c in run.json()["checks"] if c["id"] == check_id)

FIXTURES = Path(__file__).parent / "fixtures" / "server"


def diagnose(tmp_path, case: str, *checks: str, **env) -> dict:
    """Copy a fixture project and run `diagnose-uploads CHECKS --format json` on it."""
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / case, project)
    run = run_cli(*(checks or ("server.config",)), "--project-dir", project, "--format", "json",
                  env=base_env(**env), timeout=120)
    assert run.returncode in (0, 1), run.output
    return {c["id"]: c for c in run.json()["checks"]}



def evidence(finding: dict, title: str) -> dict:
    block = next(e for e in finding["evidence"] if e["title"] == title)
    if block["type"] == "kv":
        return dict(block["items"])
    return {row[0]: row[1:] for row in block["rows"]}


def gunicorn_settings(check: dict) -> dict[str, tuple[str, str]]:
    """setting -> (value, source) from the I002 table."""
    table = evidence(by_code(check)["server.I002"], "gunicorn settings in force")
    return {k: (str(v[0]), v[1]) for k, v in table.items()}


# case, expected launch "where", server, {setting: (value, source prefix)}
DISCOVERY = [
    ("procfile", "Procfile:2", "gunicorn",
     {"timeout": ("45", "command line"), "workers": ("3", "command line")}),
    ("dockerfile_exec", "Dockerfile:6", "gunicorn",
     {"timeout": ("50", "command line"), "workers": ("4", "WEB_CONCURRENCY")}),
    ("dockerfile_shell", "Dockerfile:6", "gunicorn",
     {"timeout": ("40", "command line"), "threads": ("3", "command line"),
      "worker_class": ("sync (runs as gthread)", "default"),
      "worker_tmp_dir": ("/dev/shm", "command line")}),
    ("compose_list", "docker-compose.yml:8", "gunicorn",
     {"timeout": ("25", "command line"), "workers": ("2", "WEB_CONCURRENCY")}),
    ("compose_string", "compose.yaml:6", "gunicorn",
     {"timeout": ("20", "command line"), "threads": ("2", "GUNICORN_CMD_ARGS"),
      "worker_class": ("sync (runs as gthread)", "default")}),
    ("shell_entrypoint", "Dockerfile:3 -> docker/entrypoint.sh:5", "gunicorn",
     {"timeout": ("75", "command line"), "workers": ("2", "command line")}),
    ("render", "render.yaml:6", "gunicorn",
     {"timeout": ("35", "command line"), "workers": ("2", "command line")}),
    ("railway_json", "railway.json:4", "gunicorn", {"timeout": ("65", "command line")}),
    ("railway_toml", "railway.toml:5", "gunicorn", {"timeout": ("66", "command line")}),
    ("fly", "fly.toml:7", "gunicorn",
     {"timeout": ("70", "command line"), "workers": ("3", "WEB_CONCURRENCY")}),
    ("appengine", "app.yaml:2", "gunicorn",
     {"timeout": ("55", "command line"), "workers": ("2", "command line")}),
    ("systemd", "deploy/photos.service:9", "gunicorn",
     {"timeout": ("80", "command line"), "workers": ("6", "WEB_CONCURRENCY")}),
    ("supervisor", "deploy/supervisord.conf:5", "gunicorn",
     {"timeout": ("85", "command line"), "threads": ("8", "command line"),
      "worker_class": ("gthread (runs as gthread)", "command line")}),
    ("kubernetes", "k8s/deployment.yaml:19", "gunicorn",
     {"timeout": ("95", "command line"), "workers": ("7", "WEB_CONCURRENCY")}),
]


@pytest.mark.parametrize("case,where,server,expected", DISCOVERY, ids=[c[0] for c in DISCOVERY])
def test_discovery_source(tmp_path, case, where, server, expected):
    check = diagnose(tmp_path, f"discovery/{case}")["server.config"]
    found = by_code(check)
    summary = evidence(found["server.I001"], "Commands that start the app (first one wins)")
    assert where in summary, summary
    assert summary[where][1] == server
    assert found["server.I001"]["message"].endswith(f"from {where}")
    settings = gunicorn_settings(check)
    for key, (value, source) in expected.items():
        assert settings[key][0] == value, (key, settings[key])
        assert settings[key][1].startswith(source), (key, settings[key])
    fact = check["facts"]["server.worker_timeout"]
    assert fact["timeout_s"] == float(expected["timeout"][0])
    assert fact["server"] == "gunicorn" and where in fact["source"]


def test_compose_command_overrides_the_dockerfile_and_says_why(tmp_path):
    found = by_code(diagnose(tmp_path, "discovery/compose_list")["server.config"])
    disagree = found["server.W005"]
    assert "docker-compose.yml:8 wins" in disagree["message"]
    assert "replaces the image's CMD" in disagree["message"]
    rows = evidence(disagree, "Effective settings per launch")
    assert rows["docker-compose.yml:8"][1] == 25 and rows["Dockerfile:2"][1] == 90
    assert "server.W004" in found  # a container with the heartbeat file on its /tmp


def test_uwsgi_ini_alone(tmp_path):
    check = diagnose(tmp_path, "discovery/uwsgi_ini")["server.config"]
    found = by_code(check)
    # (the error shows the settings table; the overview, server.I004, refers to it)
    table = evidence(found["server.E004"], "uWSGI settings in force")
    assert found["server.I004"]["evidence"][0]["code"] == "server.E004"
    assert table["harakiri"][:2] == [20, "uwsgi.ini"]
    assert table["http-timeout"][:2] == [60, "default"]
    assert table["buffer-size"][:2] == [8192, "uwsgi.ini"]
    assert "server.E004" in found and "1048576" in found["server.E004"]["message"]
    assert check["facts"]["server.worker_timeout"]["timeout_s"] == 20.0


def test_uwsgi_command_line_after_ini_wins(tmp_path):
    check = diagnose(tmp_path, "discovery/uwsgi_cmd")["server.config"]
    table = evidence(by_code(check)["server.I004"], "uWSGI settings in force")
    assert table["harakiri"][:2] == [45, "command line"]
    assert table["http-timeout"][:2] == [90, "deploy/uwsgi.yaml"]
    assert check["facts"]["server.worker_timeout"]["timeout_s"] == 45.0


def test_asgi_server_has_no_request_timeout(tmp_path):
    check = diagnose(tmp_path, "discovery/uvicorn")["server.config"]
    assert "uvicorn" in by_code(check)["server.I003"]["message"]
    assert check["facts"]["server.worker_timeout"]["timeout_s"] is None


def test_no_start_command(tmp_path):
    """A Django project (its manage.py) with no start command anywhere: W001."""
    write_files(tmp_path / "site", {"manage.py": "import django\n"})
    run = run_cli("server.config", "--project-dir", tmp_path / "site", "--format", "json")
    check = only(run, "server.config")
    assert (run.returncode, check["status"], codes(check)) == (0, "warn", ["server.W001"])
    assert not check["facts"]


def test_reusable_library_is_not_applicable(tmp_path):
    """A reusable app (no manage.py, wsgi.py, asgi.py or settings module) starts no
    server: skipped with the reason, no W001."""
    write_files(tmp_path / "lib", {"storages/__init__.py": "",
                                   "storages/backends.py": "class S3Storage: pass\n"})
    run = run_cli("server.config", "--project-dir", tmp_path / "lib", "--format", "json")
    check = only(run, "server.config")
    assert (run.returncode, check["status"], check["findings"]) == (0, "skipped", [])
    assert check["skipped_reason"].startswith("not applicable")
    assert "reusable app or library" in check["skipped_reason"]


def test_runserver_in_a_compose_file_is_its_own_finding(tmp_path):
    """compose runs runserver: W006 at its line, not W001; the Dockerfile's gunicorn
    stays the command whose settings are judged."""
    root = write_files(tmp_path / "site", {
        "manage.py": "import django\n",
        "Dockerfile": "FROM python:3.12\nCMD gunicorn mysite.wsgi --timeout 90\n",
        "docker-compose.yml": """
            services:
              web:
                build: .
                command: python manage.py runserver 0.0.0.0:8000
        """,
        "scripts/dev.sh": "python manage.py runserver\n",
    })
    run = run_cli("server.config", "--project-dir", root, "--format", "json", timeout=120)
    check = only(run, "server.config")
    found = by_code(check)
    assert [f["location"] for f in check["findings"] if f["code"] == "server.W006"] == [
        {"path": "docker-compose.yml", "line": 4}]
    assert "server.W001" not in found
    assert "runserver" in found["server.W006"]["message"]
    assert check["facts"]["server.worker_timeout"]["server"] == "gunicorn"
    assert check["facts"]["server.worker_timeout"]["timeout_s"] == 90.0


def test_unparsable_deployment_file_is_a_finding(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "docker-compose.yml").write_text("services:\n  web:\n    command: [gunicorn\n")
    run = run_cli("server.config", "--project-dir", project, "--format", "json")
    found = by_code(only(run, "server.config"))
    assert found["server.E005"]["location"]["path"] == "docker-compose.yml"
    assert "expected ',' or ']'" in found["server.E005"]["message"]


# case, environment, {setting: (value, source prefix)}
PRECEDENCE = [
    ("conf_in_cwd", {}, {"timeout": ("11", "config file gunicorn.conf.py"),
                         "workers": ("3", "config file gunicorn.conf.py")}),
    ("cmdline_beats_conf", {}, {"timeout": ("12", "command line"),
                                "workers": ("3", "config file gunicorn.conf.py")}),
    # --chdir does not move the lookup of ./gunicorn.conf.py
    ("chdir_no_move", {}, {"timeout": ("30", "default")}),
    ("chdir_root_conf", {}, {"timeout": ("14", "config file gunicorn.conf.py")}),
    # but the shell's cd does
    ("cd_then_run", {}, {"timeout": ("17", "config file src/gunicorn.conf.py")}),
    ("env_config", {"GUNICORN_CMD_ARGS": "--config conf/other.py"},
     {"timeout": ("15", "config file conf/other.py"),
      "workers": ("2", "config file conf/other.py")}),
    ("env_args_beat_conf", {"GUNICORN_CMD_ARGS": "--timeout 21 --threads 2"},
     {"timeout": ("21", "GUNICORN_CMD_ARGS"), "threads": ("2", "GUNICORN_CMD_ARGS"),
      "worker_class": ("sync (runs as gthread)", "default")}),
    ("c_beats_env_config", {"GUNICORN_CMD_ARGS": "--config conf/env.py"},
     {"timeout": ("18", "config file conf/cli.py")}),
    ("web_concurrency", {"WEB_CONCURRENCY": "5"},
     {"workers": ("5", "WEB_CONCURRENCY"), "timeout": ("30", "default")}),
    ("conf_beats_web_concurrency", {"WEB_CONCURRENCY": "5"},
     {"workers": ("8", "config file gunicorn.conf.py")}),
    ("threads_gthread", {}, {"threads": ("4", "command line"),
                             "worker_class": ("sync (runs as gthread)", "default")}),
]


@pytest.mark.parametrize("case,env,expected", PRECEDENCE, ids=[c[0] for c in PRECEDENCE])
def test_gunicorn_precedence(tmp_path, case, env, expected):
    check = diagnose(tmp_path, f"precedence/{case}", **env)["server.config"]
    settings = gunicorn_settings(check)
    for key, (value, source) in expected.items():
        assert settings[key] == (value, source) or (
            settings[key][0] == value and settings[key][1].startswith(source)), \
            (key, settings[key])
    fact = check["facts"]["server.worker_timeout"]
    assert fact["timeout_s"] == float(settings["timeout"][0])
    assert fact["worker_class"] == settings["worker_class"][0].split("runs as ")[-1].rstrip(")")
    assert ("server.W002" in by_code(check)) == (settings["timeout"][1] == "default")


@pytest.mark.parametrize("case,code,words,path", [
    ("conf_raises", "server.E001", "KeyError: 'GUNICORN_TIMEOUT'", "deploy/gunicorn.py"),
    ("conf_bad_value", "server.E001", "soon", "gunicorn.conf.py"),
    ("cmdline_rejected", "server.E002", "unrecognized arguments: --timout 90", "Procfile"),
    ("no_app", "server.E002", "No application module specified", "Procfile"),
])
def test_gunicorn_rejects_the_configuration(tmp_path, case, code, words, path):
    check = diagnose(tmp_path, f"precedence/{case}")["server.config"]
    assert check["status"] == "fail"
    finding = by_code(check)[code]
    assert words in finding["message"] or words in str(finding["evidence"])
    assert finding["location"]["path"] == path
    assert "server.worker_timeout" not in check["facts"]


def test_credentials_in_deployment_files_stay_out_of_every_output(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "compose.yaml").write_text(
        "services:\n  web:\n    environment:\n      IMAGEKIT_PRIVATE_KEY: not-a-real-key-987654\n"
        '    command: sh -c "DJANGO_SECRET_KEY=s3cr3t-value-123456 exec gunicorn mysite.wsgi'
        ' --timeout 40"\n')
    for fmt in ("json", "text", "md"):
        # -v 2: the terminal shows the launch evidence only when asked for all evidence.
        run = run_cli("server.config", "--project-dir", project, "--format", fmt, "-v", "2")
        assert run.returncode in (0, 1), run.output
        assert "gunicorn mysite.wsgi" in run.stdout
        assert "s3cr3t-value-123456" not in run.output
        assert "not-a-real-key-987654" not in run.output
    timeout = run_cli("server.config", "--project-dir", project, "--format", "json").json()
    assert next(c for c in timeout["checks"] if c["id"] == "server.config")["facts"]["server.worker_timeout"]["timeout_s"] == 40.0


def test_odd_deployment_files_are_findings_not_crashes(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "fly.toml").write_text('experimental = "not a table"\n[processes]\napp = 3\n')
    (project / "Dockerfile").write_bytes(b"\x00\xff\xfe binary \x00")
    (project / "railway.json").write_text('{"deploy": ["gunicorn"]}')
    (project / "render.yaml").write_text("services: {web: 1}\n")
    (project / "Procfile").write_text("web: gunicorn mysite.wsgi --timeout 'unbalanced\n")
    run = run_cli("server.config", "--project-dir", project, "--format", "json")
    check = only(run, "server.config")
    assert check["status"] != "error", check
    problems = [f["location"]["path"] for f in check["findings"] if f["code"] == "server.E005"]
    assert "fly.toml" in problems  # 'str' object has no attribute 'get'
