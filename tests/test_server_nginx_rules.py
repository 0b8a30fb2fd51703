"""nginx's units and inheritance as server.nginx reads them, and each limit on both sides of
its edge through the real command: client_max_body_size against the largest upload
(10 MiB unless UPLOAD_DIAGNOSTICS says otherwise), proxy_read_timeout against the worker
timeout, request buffering against sync workers."""
from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from conftest import base_env, by_code, codes, run_cli, write_files
from upload_diagnostics.checks.server import nginx
from upload_diagnostics.diagnostics.files import Files

MIB = 1024 * 1024


@pytest.mark.parametrize("value,expected", [
    ("1", 1), ("512", 512), ("1k", 1024), ("1K", 1024), ("10m", 10 * MIB), ("10M", 10 * MIB),
    ("1g", 1024 * MIB), ("2G", 2048 * MIB), (" 8m ", 8 * MIB), ("0", None), ("0m", None),
    ("10mb", None), ("1.5m", None), ("m", None), ("", None), ("-1m", None),
])
def test_sizes(value, expected):
    assert nginx.size_bytes(value) == expected


@pytest.mark.parametrize("value,expected", [
    ("60", 60), ("25s", 25), ("500ms", 0.5), ("1m", 60), ("2h", 7200), ("1d", 86400),
    ("1m30s", 90), (" 5s ", 5), ("0", 0), ("soon", None), ("", None),
])
def test_times(value, expected):
    assert nginx.seconds(value) == expected


NESTED = """
events {}
http {
    client_max_body_size 20m;
    include conf.d/*.conf;
    server {
        server_name a.test www.a.test;
        proxy_read_timeout 90s;
        location / {
            proxy_pass http://app;
            client_body_timeout 7s;
            location /inner/ {
                uwsgi_pass 127.0.0.1:1;
                uwsgi_request_buffering off;
            }
        }
        location /static/ { root /srv; }
        if ($host = x) { return 404; }
    }
}
"""


def test_inheritance_includes_and_nesting(tmp_path):
    write_files(tmp_path, {"nginx.conf": NESTED, "conf.d/b.conf":
                           "server { location /b/ { proxy_pass http://b; "
                           "proxy_request_buffering off; } }\n"})
    parsed = nginx.parse(tmp_path / "nginx.conf", Files(tmp_path))
    conf, snippet = str(tmp_path / "nginx.conf"), str(tmp_path / "conf.d/b.conf")
    assert (parsed.snippet, parsed.errors, parsed.files) == (False, [], {conf, snippet})
    b, root, inner = parsed.locations
    assert (b.file, b.line, b.path, b.server_name, b.passes) == (snippet, 1, "/b/", "",
                                                                "proxy_pass")
    assert b.values == {"client_max_body_size": ("20m", f"{conf}:3"),
                        "proxy_request_buffering": ("off", f"{snippet}:1")}
    assert (root.line, root.path, root.server_name) == (8, "/", "a.test www.a.test")
    assert root.values == {"client_max_body_size": ("20m", f"{conf}:3"),
                           "proxy_read_timeout": ("90s", f"{conf}:7"),
                           "client_body_timeout": ("7s", f"{conf}:10")}
    assert (inner.path, inner.passes, inner.line) == ("/inner/", "uwsgi_pass", 11)
    assert inner.values == {**root.values, "uwsgi_request_buffering": ("off", f"{conf}:13")}
    assert [x.buffered for x in parsed.locations] == [False, True, False]
    assert root.get("client_max_body_size") == "20m"
    assert root.get("uwsgi_read_timeout") == "60s" and root.get("unknown") == ""
    assert root.origin("proxy_read_timeout") == f"{conf}:7"
    assert root.origin("proxy_request_buffering") == "nginx default"


def test_a_snippet_alone_and_files_that_are_not_nginx(tmp_path):
    write_files(tmp_path, {
        "deploy/site.conf": "server {\n  location /api/ { proxy_pass http://a; }\n}\n",
        "deploy/nginx/proxy_params": "location /x/ {\n  proxy_pass http://a;\n}\n",
        "deploy/app.conf": "[program:app]\ncommand=gunicorn\n",  # supervisor, not nginx
        "nginx.txt": "just notes about nginx\n",
    })
    files = Files(tmp_path)
    found = sorted(str(p.relative_to(tmp_path)) for p in nginx.find_files(tmp_path, files))
    assert found == ["deploy/nginx/proxy_params", "deploy/site.conf"]
    parsed = nginx.parse(tmp_path / "deploy/site.conf", files)
    assert parsed.snippet and [loc.path for loc in parsed.locations] == ["/api/"]
    assert nginx.looks_like_nginx(tmp_path / "missing.conf", files) is False


def test_load_reads_an_included_snippet_once_and_full_configs_first(tmp_path):
    write_files(tmp_path, {
        "deploy/a.conf": "server { location /a/ { proxy_pass http://a; } }\n",
        "deploy/nginx.conf": "events {}\nhttp { include a.conf; }\n",
        "deploy/z.conf": "server { location /z/ { proxy_pass http://z; } }\n",
    })
    loaded = [p for p in nginx.load(tmp_path, Files(tmp_path)) if p.file != nginx.SYSTEM_CONF]
    assert [(p.file.name, p.snippet, [x.path for x in p.locations]) for p in loaded] == [
        ("nginx.conf", False, ["/a/"]), ("z.conf", True, ["/z/"])]


def test_a_broken_file_is_its_error(tmp_path):
    write_files(tmp_path, {"site.conf": "server {\n  location / {\n    proxy_pass http://a\n"})
    parsed = nginx.safe_parse(tmp_path / "site.conf", Files(tmp_path))
    assert parsed.locations == []
    assert parsed.errors == [(str(tmp_path / "site.conf"), 3,
                              'unexpected end of file, expecting "}" in '
                              f'{tmp_path / "site.conf"}:3')]


def diagnose(root: Path, conf: str, status: int, procfile="--timeout 30", settings=""):
    """server.config + server.nginx on a project with this nginx location body."""
    files = {"manage.py": "", "Procfile": f"web: gunicorn testsite.wsgi --workers 2 {procfile}\n",
             "deploy/nginx.conf": "server {\n    location /upload/ {\n        proxy_pass "
                                  "http://127.0.0.1:8000;\n" + textwrap.indent(conf, " " * 8)
                                  + "\n    }\n}\n"}
    args = []
    if settings:
        files.update({"testsite/__init__.py": "", "testsite/settings.py": settings})
        args = ["--settings", "testsite.settings"]
    write_files(root, files)
    run = run_cli("server.config", "server.nginx", *args, "--project-dir", root,
                  "--format", "json", cwd=root, env=base_env())
    assert run.returncode == status, run.output
    return next(c for c in run.json()["checks"] if c["id"] == "server.nginx")


@pytest.mark.parametrize("size,too_small", [
    ("10m", False), ("10239k", True), ("10240k", False), ("10485759", True),
    ("10485760", False), ("1g", False), ("0", False), ("9M", True),
])
def test_body_size_edge_at_the_largest_upload(tmp_path, size, too_small):
    check = diagnose(tmp_path, f"client_max_body_size {size};", 1 if too_small else 0)
    assert check["status"] == ("fail" if too_small else "pass")
    assert codes(check) == ["server.I010"] + (["server.E010"] if too_small else [])
    if too_small:
        e010 = by_code(check)["server.E010"]
        assert e010["message"] == (f"client_max_body_size {size} for location /upload/ is "
                                   "below the largest upload (10 MiB): nginx answers 413")
        assert e010["hint"].startswith("Set client_max_body_size 20m; in the server or "
                                       "location that proxies uploads")
        assert e010["location"] == {"path": "deploy/nginx.conf", "line": 2}


def test_body_size_edge_follows_the_configured_largest_upload(tmp_path):
    settings = "SECRET_KEY = 'x'\nUPLOAD_DIAGNOSTICS = {'MAX_UPLOAD_BYTES': 3 * 1024 * 1024}\n"
    ok = diagnose(tmp_path / "a", "client_max_body_size 3m;", 0, settings=settings)
    assert codes(ok) == ["server.I010"]
    low = diagnose(tmp_path / "b", "client_max_body_size 3071k;", 1, settings=settings)
    assert by_code(low)["server.E010"]["message"] == (
        "client_max_body_size 3071k for location /upload/ is below the largest upload "
        "(3 MiB): nginx answers 413")
    assert by_code(low)["server.E010"]["hint"].startswith("Set client_max_body_size 6m;")


@pytest.mark.parametrize("read,early", [("29s", True), ("30s", False), ("30", False),
                                        ("29999ms", True), ("1m", False)])
def test_read_timeout_edge_at_the_worker_timeout(tmp_path, read, early):
    check = diagnose(tmp_path, f"client_max_body_size 20m;\nproxy_read_timeout {read};", 0)
    assert check["status"] == ("warn" if early else "pass")
    assert codes(check) == ["server.I010"] + (["server.W010"] if early else [])
    if early:
        w010 = by_code(check)["server.W010"]
        assert w010["message"] == (
            f"proxy_read_timeout {read} for location /upload/ is shorter than the worker "
            "timeout (30 s): nginx answers 504 first while the worker keeps working")
        assert w010["hint"].startswith("Set proxy_read_timeout above the worker timeout "
                                       "(e.g. 35s), or lower the worker timeout;")


def test_no_read_timeout_edge_without_a_worker_timeout(tmp_path):
    check = diagnose(tmp_path, "client_max_body_size 20m;\nproxy_read_timeout 1s;", 0,
                     procfile="--timeout 0")
    assert codes(check) == ["server.I010"]


@pytest.mark.parametrize("procfile,warned", [("--timeout 30", True),
                                             ("--timeout 30 --threads 4", False)])
def test_unbuffered_body_counts_only_against_sync_workers(tmp_path, procfile, warned):
    check = diagnose(tmp_path, "client_max_body_size 20m;\nproxy_request_buffering off;", 0,
                     procfile=procfile)
    assert codes(check) == ["server.I010"] + (["server.W011"] if warned else [])
    if warned:
        assert by_code(check)["server.W011"]["message"] == (
            "proxy_request_buffering off for location /upload/ with sync workers: the body "
            "upload counts against the worker timeout")


def test_the_locations_table(tmp_path):
    check = diagnose(tmp_path, "client_max_body_size 20m;", 0)
    i010 = by_code(check)["server.I010"]
    assert i010["message"] == ("nginx proxies 1 location(s) to the app "
                               "(deploy/nginx.conf (conf.d snippet))")
    assert i010["evidence"][0]["rows"] == [[
        "deploy/nginx.conf:2", "-", "/upload/", "20m (deploy/nginx.conf:4)",
        "60s (nginx default)", "60s (nginx default)", "on (nginx default)"]]


# -- what is read as nginx, includes, and the system config ---------------------------------

@pytest.mark.parametrize("passes", ["proxy_pass", "uwsgi_pass", "fastcgi_pass", "scgi_pass",
                                    "grpc_pass"])
def test_each_way_of_passing_to_an_app_is_a_location(tmp_path, passes):
    write_files(tmp_path, {"site.conf": f"server {{\n  location = /up load {{ {passes} x; }}\n"
                                        "  location /static/ { root /srv; }\n}\n"})
    [loc] = nginx.parse(tmp_path / "site.conf", Files(tmp_path)).locations
    assert (loc.path, loc.passes, loc.line, loc.buffered) == ("= /up load", passes, 2, True)


def test_which_files_are_read_as_nginx(tmp_path):
    server = "server {\n  location / { proxy_pass http://a; }\n}\n"
    write_files(tmp_path, {"deploy/nginx_site": server, "deploy/NGINX/site": server,
                           "deploy/site.conf": server, "deploy/Caddyfile": server,
                           "deploy/site": server})
    found = sorted(str(p.relative_to(tmp_path)) for p in nginx.find_files(tmp_path,
                                                                          Files(tmp_path)))
    assert found == ["deploy/NGINX/site", "deploy/nginx_site", "deploy/site.conf"]


@pytest.mark.parametrize("at,nginx_like", [(19999, True), (20000, False)])
def test_only_the_first_20000_characters_are_looked_at(tmp_path, at, nginx_like):
    (tmp_path / "site.conf").write_text("#" * (at - 8) + "\nserver {\n}\n")  # "{" at `at`
    assert (tmp_path / "site.conf").read_text().index("{") == at
    assert nginx.looks_like_nginx(tmp_path / "site.conf", Files(tmp_path)) is nginx_like


def test_a_location_outside_a_server_has_no_server_name(tmp_path):
    write_files(tmp_path, {"deploy/nginx/proxy_params":
                           "location /x/ {\n  proxy_pass http://a;\n}\n"})
    [loc] = nginx.parse(tmp_path / "deploy/nginx/proxy_params", Files(tmp_path)).locations
    assert (loc.path, loc.server_name, loc.line) == ("/x/", "", 1)


def test_a_snippet_keeps_its_includes_unread(tmp_path):
    write_files(tmp_path, {"site.conf": "server {\n  location / {\n    include params;\n"
                                        "    proxy_pass http://a;\n  }\n}\n",
                           "params": "location /inc/ { proxy_pass http://b; }\n"})
    parsed = nginx.parse(tmp_path / "site.conf", Files(tmp_path))
    assert (parsed.errors, [loc.path for loc in parsed.locations]) == ([], ["/"])


def test_an_error_in_an_included_file_is_told_at_its_line(tmp_path):
    write_files(tmp_path, {"nginx.conf": "events {}\nhttp {\n  include bad.conf;\n}\n",
                           "bad.conf": "server {\n  location / {\n    proxy_pass http://a\n"})
    parsed = nginx.safe_parse(tmp_path / "nginx.conf", Files(tmp_path))
    bad = str(tmp_path / "bad.conf")
    assert parsed.errors == [(bad, 3, f'unexpected end of file, expecting "}}" in {bad}:3')]


def test_an_include_of_itself_is_the_files_error(tmp_path):
    write_files(tmp_path, {"nginx.conf": "events {}\nhttp {\n  include loop.conf;\n}\n",
                           "loop.conf": "include loop.conf;\n"})
    parsed = nginx.safe_parse(tmp_path / "nginx.conf", Files(tmp_path))
    assert parsed.locations == []
    assert parsed.errors == [(str(tmp_path / "nginx.conf"), 0,
                              "RecursionError: maximum recursion depth exceeded")]


BIG = "# " + "x" * 300 + "\nserver { location /big/ { proxy_pass http://big; } }\n"


@pytest.mark.parametrize("layout", ["first of two", "nested", "before a missing one"])
def test_a_config_including_a_file_it_must_not_read_is_parsed_alone(tmp_path, layout):
    includes = {"first of two": "include big.conf;\n  include small.conf;",
                "nested": "include small.conf;",
                "before a missing one": "include big.conf;\n  include missing.conf;"}[layout]
    write_files(tmp_path, {
        "nginx.conf": f"events {{}}\nhttp {{\n  {includes}\n"
                      "  server { location / { proxy_pass http://a; } }\n}\n",
        "small.conf": "server {\n  location /small/ { include big.conf; proxy_pass http://s; }"
                      "\n}\n" if layout == "nested" else "# nothing\n",
        "big.conf": BIG})
    files = Files(tmp_path, limit=200)
    parsed = nginx.parse(tmp_path / "nginx.conf", files)
    assert [loc.path for loc in parsed.locations] == ["/"]  # the includes are not read
    assert (parsed.files, parsed.errors) == ({str(tmp_path / "nginx.conf")}, [])
    assert list(files.skipped[""]) == ["big.conf"]


def test_a_readable_include_is_followed(tmp_path):
    write_files(tmp_path, {"nginx.conf": "events {}\nhttp {\n  include missing.conf;\n"
                                         "  include small.conf;\n}\n",
                           "small.conf": "server { location /s/ { proxy_pass http://s; } }\n"})
    files = Files(tmp_path, limit=200)
    parsed = nginx.parse(tmp_path / "nginx.conf", files)
    assert [loc.path for loc in parsed.locations] == ["/s/"] and files.skipped == {}
    assert parsed.errors == [(str(tmp_path / "nginx.conf"), 3, "[Errno 2] No such file or "
                              f"directory: '{tmp_path / 'missing.conf'}'")]


def test_two_full_configs_each_cover_their_snippets(tmp_path):
    write_files(tmp_path, {
        "deploy/a.conf": "server { location /a/ { proxy_pass http://a; } }\n",
        "deploy/b.conf": "server { location /b/ { proxy_pass http://b; } }\n",
        "deploy/nginx.conf": "events {}\nhttp { include a.conf; }\n",
        "deploy/x/nginx.conf": "events {}\nhttp { include ../z.conf; }\n",
        "deploy/z.conf": "server { location /z/ { proxy_pass http://z; } }\n",
    })
    loaded = [p for p in nginx.load(tmp_path, Files(tmp_path)) if p.file != nginx.SYSTEM_CONF]
    assert [(str(p.file.relative_to(tmp_path)), [x.path for x in p.locations])
            for p in loaded] == [("deploy/nginx.conf", ["/a/"]),
                                 ("deploy/x/nginx.conf", ["/z/"]), ("deploy/b.conf", ["/b/"])]


def test_the_system_config_is_read_when_no_project_file_is_it(tmp_path, monkeypatch):
    assert nginx.SYSTEM_CONF == Path("/etc/nginx/nginx.conf")  # where nginx packages put it
    system = tmp_path / "etc/nginx.conf"
    write_files(tmp_path, {"etc/nginx.conf": "events {}\nhttp { server {\n"
                                             "  location / { proxy_pass http://app; }\n} }\n",
                           "project/manage.py": ""})
    monkeypatch.setattr(nginx, "SYSTEM_CONF", system)
    [alone] = nginx.load(tmp_path / "project", Files(tmp_path / "project"))
    assert (alone.file, [loc.path for loc in alone.locations]) == (system, ["/"])
    [once] = nginx.load(tmp_path, Files(tmp_path))  # the project holds it: read once
    assert once.file == system
    monkeypatch.setattr(nginx, "SYSTEM_CONF", tmp_path / "none/nginx.conf")
    assert nginx.load(tmp_path / "project", Files(tmp_path / "project")) == []


def test_a_file_crossplane_cannot_open_is_its_error_without_a_line(tmp_path):
    (tmp_path / "site.conf").mkdir()  # replaced by a folder after it was found
    parsed = nginx.safe_parse(tmp_path / "site.conf", Files(tmp_path))
    assert parsed.errors == [(str(tmp_path / "site.conf"), 0,
                              f"[Errno 21] Is a directory: '{tmp_path / 'site.conf'}'")]


@pytest.mark.parametrize("where", ["nginx.conf", "a.conf"])
def test_a_directive_with_the_wrong_arguments_is_told_at_its_line(tmp_path, where):
    write_files(tmp_path, {"nginx.conf": "events {}\nhttp {\n  include a.conf;\n}\n",
                           "a.conf": "server { location / { proxy_pass http://a; } }\n"})
    bad = tmp_path / where
    bad.write_text(bad.read_text().replace("include a.conf;", "include;").replace(
        "proxy_pass http://a;", "proxy_pass;"))
    parsed = nginx.safe_parse(tmp_path / "nginx.conf", Files(tmp_path))
    directive, line = ("include", 3) if where == "nginx.conf" else ("proxy_pass", 1)
    assert parsed.errors == [(str(bad), line, f'invalid number of arguments in "{directive}" '
                                              f"directive in {bad}:{line}")]


def test_a_fifo_included_two_deep_is_not_opened(tmp_path):
    write_files(tmp_path, {"nginx.conf": "events {}\nhttp {\n  include small.conf;\n}\n",
                           "small.conf": "server {\n  location / { proxy_pass http://a; }\n"
                                         "  include pipe.conf;\n}\n"})
    os.mkfifo(tmp_path / "pipe.conf")  # crossplane would wait on it for ever
    files = Files(tmp_path)
    parsed = nginx.parse(tmp_path / "nginx.conf", files)
    assert (parsed.files, parsed.locations) == ({str(tmp_path / "nginx.conf")}, [])
    assert files.skipped == {"": {"pipe.conf": "a FIFO (named pipe), not a regular file"}}


def test_what_follows_an_error_is_still_read(tmp_path):
    write_files(tmp_path, {"site.conf": "include;\nserver { location / { proxy_pass x; } }\n",
                           "nginx.conf": "events {}\nhttp {\n  include a.conf;\n}\n",
                           "a.conf": "include;\ninclude big.conf;\n", "big.conf": BIG})
    site = nginx.safe_parse(tmp_path / "site.conf", Files(tmp_path))
    assert [loc.path for loc in site.locations] == ["/"]  # and its error
    assert [(line, error) for _, line, error in site.errors] == [
        (1, 'invalid number of arguments in "include" directive in '
            f'{tmp_path / "site.conf"}:1')]
    files = Files(tmp_path, limit=200)  # big.conf, after the error in a.conf, is not read
    full = nginx.parse(tmp_path / "nginx.conf", files)
    assert (full.files, full.locations, list(files.skipped[""])) == (
        {str(tmp_path / "nginx.conf")}, [], ["big.conf"])
