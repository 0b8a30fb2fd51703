"""server.front: the site's response headers name the layers in front of it, and those
layers join the limit ladder. A local HTTP server answers as Cloudflare, Heroku's router
or a bare origin does; the real command asks it (the network tier)."""
from __future__ import annotations

import http.server
import threading

import pytest

from conftest import base_env, run_cli
from plugins.harness import validate
from test_server_ladder import MiB, findings, form, layer


class Answers(http.server.BaseHTTPRequestHandler):
    headers_to_send: dict = {}
    status = 200
    seen: list = []

    def do_HEAD(self):  # noqa: N802 - http.server's name
        self.seen.append((self.command, self.path, self.headers.get("Cookie")))
        self.send_response(self.status)
        for name, value in self.headers_to_send.items():
            self.send_header(name, value)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def site():
    """A local site: set `answers(headers, status)` before the run; `seen` after it."""
    handler = type("Site", (Answers,), {"seen": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def answers(headers: dict, status: int = 200):
        handler.headers_to_send, handler.status = headers, status
        return f"http://127.0.0.1:{server.server_port}/"
    answers.seen = handler.seen
    yield answers
    server.shutdown()


def run(project, url: str, *flags, files=None) -> dict:
    root = project(f"UPLOAD_DIAGNOSTICS = {{'SITE_URL': {url!r}}}\n",
                   files={"testsite/forms.py": form(200 * MiB, "200 MB"), **(files or {})})
    done = run_cli("server.front", "server.limits", "--settings", "testsite.settings",
                   "--project-dir", root, "--format", "json", *flags, cwd=root, env=base_env())
    return {c["id"]: c for c in validate(done.report())["checks"]}


def test_cloudflare_in_the_headers_joins_the_ladder_and_cuts_the_validator(project, site):
    url = site({"CF-RAY": "8e2f1c3a9b7d4e21-AMS", "Server": "cloudflare"}, status=403)
    checks = run(project, url)
    front = checks["server.front"]
    assert front["status"] == "pass", front["findings"]
    [answer] = front["facts"]["server.front"]
    assert answer["status"] == 403  # an error answer still shows the front
    assert answer["layers"] == [{"layer": "Cloudflare", "header": "cf-ray: 8e2f1c3a9b7d4e21-AMS"}]
    assert findings(front, "server.I050")[0]["message"].startswith("Cloudflare answered")
    assert site.seen == [("HEAD", "/", None)]  # one HEAD, no cookie
    ladder = checks["server.limits"]
    row = layer(ladder, "Cloudflare")
    assert (row["max_body_bytes"], row["timeout_s"]) == (100_000_000, 100)
    assert row["seen"] == f"HEAD {url} answered cf-ray: 8e2f1c3a9b7d4e21-AMS"
    assert "developers.cloudflare.com" in row["source"]
    assert ladder["facts"]["server.limits"]["binding_body"] == "Cloudflare"
    [cut] = findings(ladder, "server.E040")
    assert "Cloudflare cuts requests above" in cut["message"]


def test_heroku_router_from_via_and_a_bare_origin_adds_nothing(project, site):
    heroku = run(project, site({"Via": "1.1 vegur"}))
    assert layer(heroku["server.limits"], "Heroku router")["timeout_s"] == 30
    bare = run(project, site({"Server": "gunicorn"}))
    [answer] = bare["server.front"]["facts"]["server.front"]
    assert answer["layers"] == [] and answer["status"] == 200
    assert [x["layer"] for x in bare["server.limits"]["facts"]["server.limits"]["layers"]
            if x["layer"] in ("Cloudflare", "Heroku router")] == []


def test_offline_asks_nothing_and_an_unreachable_site_is_said(project, site):
    url = site({"CF-RAY": "1"})
    offline = run(project, url, "--offline")
    assert offline["server.front"]["status"] == "skipped" and site.seen == []
    closed = run(project, "http://127.0.0.1:9/")
    [answer] = closed["server.front"]["facts"]["server.front"]
    assert answer["status"] is None and answer["problem"].startswith("no answer:")


def test_no_public_address_skips_saying_how_to_give_one(project):
    root = project('ALLOWED_HOSTS = ["localhost", ".shop.example", "*", "10.0.0.5"]\n'
                   'CSRF_TRUSTED_ORIGINS = ["http://127.0.0.1:8000"]\n')
    done = run_cli("server.front", "--settings", "testsite.settings", "--project-dir", root,
                   "--format", "json", cwd=root, env=base_env())
    [check] = validate(done.report())["checks"]
    assert check["status"] == "skipped"
    assert "no public address of the site is known" in check["skipped_reason"]
    assert "SITE_URL" in check["enable_with"]


def test_the_addresses_come_from_the_settings_without_local_or_reserved_names():
    from types import SimpleNamespace

    from upload_diagnostics.checks.server.front import site_urls

    settings = SimpleNamespace(
        ALLOWED_HOSTS=[".photos.acme.io", "localhost", "*", "api.acme.io", "x.example.com",
                       "192.0.2.7", "photos.acme.io"],
        CSRF_TRUSTED_ORIGINS=["https://*.acme.io", "http://localhost:3000"])
    assert site_urls({}, settings) == (
        ["https://acme.io/", "https://photos.acme.io/", "https://api.acme.io/"],
        "ALLOWED_HOSTS and CSRF_TRUSTED_ORIGINS")
    assert site_urls({"SITE_URL": "https://given.site/"}, settings) == (
        ["https://given.site/"], 'UPLOAD_DIAGNOSTICS["SITE_URL"]')


def test_a_password_or_token_in_the_site_url_is_neither_sent_nor_shown(project, site):
    base = site({"CF-RAY": "1"})
    url = base.replace("http://", "http://admin:canary-pw-5521@") + "?token=canary-token-7731"
    root = project(f"UPLOAD_DIAGNOSTICS = {{'SITE_URL': {url!r}}}\n")
    for fmt in ("json", "text", "md", "html"):
        done = run_cli("server.front", "--settings", "testsite.settings", "--project-dir",
                       root, "--format", fmt, "-v", "3", cwd=root, env=base_env())
        assert "canary" not in done.stdout + done.stderr, fmt
        if fmt == "json":
            [answer] = done.report()["checks"][0]["facts"]["server.front"]
            assert answer["url"] == base
    assert {path for _, path, _ in site.seen} == {"/"}
