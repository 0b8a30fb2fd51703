"""server.nginx on real nginx configs (crossplane): the example's deploy/nginx.conf, a full
nginx.conf with a conf.d include, a conf.d snippet on its own, a broken file; and a real
nginx in front of a real gunicorn whose error log server.logs then triages."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from conftest import base_env, by_code, evidence, run_cli, write_files


def only(run, check_id: str) -> dict:
    """The result of one check in a JSON report."""
    return next(c for c in run.json()["checks"] if c["id"] == check_id)

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def diagnose(project: Path, *args: str, **env) -> dict:
    run = run_cli("server.config", "server.nginx", *args, "--project-dir", project,
                  "--format", "json", env=base_env(**env))
    assert run.returncode in (0, 1), run.output
    return {c["id"]: c for c in run.json()["checks"]}



def locations(check: dict) -> dict[str, list]:
    """location "file:line" -> [server, path, body size, read timeout, body timeout, buffering]"""
    table = evidence(check, by_code(check)["server.I010"])[0]
    return {row[0]: row[1:] for row in table["rows"]}


def test_example_project_gets_413_and_504_findings(example_project):
    nginx = diagnose(example_project)["server.nginx"]
    found = by_code(nginx)
    assert locations(nginx)["deploy/nginx.conf:13"] == [
        "photos.example.com", "/", "1m (nginx default)", "25s (deploy/nginx.conf:17)",
        "60s (nginx default)", "on (nginx default)"]
    assert found["server.E010"]["location"] == {"path": "deploy/nginx.conf", "line": 13}
    assert "nginx answers 413" in found["server.E010"]["message"]
    # 25 s against gunicorn's default 30 s, resolved from Procfile -> deploy/entrypoint.sh
    assert "shorter than the worker timeout (30 s)" in found["server.W010"]["message"]
    assert "server.W011" not in found  # buffering is on by default


def test_full_config_with_conf_d_include(tmp_path):
    project = write_files(tmp_path / "project", {
        "Procfile": "web: gunicorn mysite.wsgi --timeout 120\n",
        "deploy/nginx/nginx.conf": """
            events {}
            http {
                client_max_body_size 20m;
                proxy_read_timeout 180s;
                include conf.d/*.conf;
            }
        """,
        "deploy/nginx/conf.d/photos.conf": """
            server {
                listen 80;
                server_name photos.test;
                location /api/ {
                    proxy_pass http://127.0.0.1:8000;
                    proxy_request_buffering off;
                }
                location /legacy/ {
                    client_max_body_size 2m;
                    uwsgi_pass 127.0.0.1:3031;
                }
            }
        """,
    })
    checks = diagnose(project)
    nginx = checks["server.nginx"]
    rows = locations(nginx)
    # The snippet is read once, where nginx.conf includes it, inheriting http's values.
    assert set(rows) == {"deploy/nginx/conf.d/photos.conf:4",
                         "deploy/nginx/conf.d/photos.conf:8"}
    api = rows["deploy/nginx/conf.d/photos.conf:4"]
    assert api[2:] == ["20m (deploy/nginx/nginx.conf:3)", "180s (deploy/nginx/nginx.conf:4)",
                       "60s (nginx default)", "off (deploy/nginx/conf.d/photos.conf:6)"]
    found = by_code(nginx)
    assert found["server.W011"]["location"]["line"] == 4  # buffering off before sync workers
    assert found["server.E010"]["location"]["line"] == 8  # only /legacy/ is below 10 MiB
    assert "server.W010" not in found  # 180 s > 120 s
    assert checks["server.config"]["facts"]["server.worker_timeout"]["buffered"] is False


def test_conf_d_snippet_on_its_own(tmp_path):
    project = write_files(tmp_path / "project", {
        "conf.d/site.conf": """
            upstream app { server 127.0.0.1:8000; }
            server {
                client_max_body_size 0;
                location / {
                    proxy_pass http://app;
                    proxy_read_timeout 10s;
                }
            }
        """,
        "Procfile": "web: gunicorn mysite.wsgi --timeout 20\n",
    })
    nginx = diagnose(project)["server.nginx"]
    assert "conf.d/site.conf (conf.d snippet)" in by_code(nginx)["server.I010"]["message"]
    row = locations(nginx)["conf.d/site.conf:4"]
    assert row[2] == "0 (conf.d/site.conf:3)"  # 0 = no limit: no 413 finding
    assert "server.E010" not in by_code(nginx)
    assert "(20 s)" in by_code(nginx)["server.W010"]["message"]


def test_without_an_nginx_config_the_check_is_skipped(tmp_path):
    write_files(tmp_path, {"Procfile": "web: gunicorn mysite.wsgi --timeout 60\n"})
    check = diagnose(tmp_path)["server.nginx"]
    assert check["status"] == "skipped" and not check["findings"]
    assert check["skipped_reason"].startswith("no nginx config was found in the project")


def test_broken_config_is_a_finding_with_crossplanes_error(tmp_path):
    project = write_files(tmp_path / "project", {
        "nginx/app.conf": "server {\n    location / {\n        proxy_pass http://app\n    }\n",
    })
    nginx = diagnose(project)["server.nginx"]
    finding = by_code(nginx)["server.E011"]
    assert nginx["status"] == "fail"
    assert 'unexpected end of file, expecting "}"' in finding["message"]
    assert finding["location"]["path"] == "nginx/app.conf"


# --- a real nginx in front of a real gunicorn ----------------------------------------------

SLOW_APP = """
import time


def app(environ, start_response):
    if environ["PATH_INFO"] == "/slow":
        time.sleep(2.5)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]
"""

NGINX_CONF = """
daemon off;
master_process off;
error_log {tmp}/error.log info;
pid {tmp}/nginx.pid;
events {{ worker_connections 64; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            client_max_body_size 1k;
            proxy_read_timeout 1s;
            proxy_pass http://127.0.0.1:{app_port};
        }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text(errors="replace")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"port {port} never opened")


def test_real_nginx_413_and_504_are_triaged(tmp_path):
    app_port, port = free_port(), free_port()
    (tmp_path / "slowapp.py").write_text(SLOW_APP)
    conf = tmp_path / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=tmp_path, port=port, app_port=app_port))
    env = base_env(PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    app_log = tmp_path / "gunicorn.log"
    app = subprocess.Popen(["gunicorn", "slowapp:app", "--bind", f"127.0.0.1:{app_port}",
                            "--no-control-socket"], cwd=tmp_path, env=env,
                           stderr=open(app_log, "wb"))
    proxy = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(conf),
                              "-e", str(tmp_path / "error.log")], stderr=subprocess.DEVNULL)
    try:
        wait_port(app_port, app, app_log)
        wait_port(port, proxy, tmp_path / "error.log")
        too_big = requests.post(f"http://127.0.0.1:{port}/upload", data=b"x" * 4096, timeout=10)
        slow = requests.get(f"http://127.0.0.1:{port}/slow", timeout=10)
        assert (too_big.status_code, slow.status_code) == (413, 504)
    finally:
        for proc in (proxy, app):
            proc.terminate()
            proc.wait(10)
    run = run_cli("server.logs", "--logs", tmp_path / "error.log", "--format", "json",
                  "--project-dir", tmp_path)
    found = by_code(only(run, "server.logs"))
    for code, explained in (("server.E104", "server.nginx"), ("server.E105", "server.nginx")):
        facts = dict(found[code]["evidence"][0]["items"])
        assert facts["count"] == 1 and facts["explained by"] == explained
        assert facts["first"].startswith(time.strftime("%Y/%m/%d"))  # nginx's own timestamp
    assert "client intended to send too large body" in found["server.E104"]["evidence"][1][
        "lines"][0]
    assert "upstream timed out (110" in found["server.E105"]["evidence"][1]["lines"][0]
    assert run.returncode == 1
