"""server.nginx: the proxy limits uploads meet before they reach the app."""
from __future__ import annotations

from upload_diagnostics.diagnostics import Check, Finding, Level, table
from upload_diagnostics.diagnostics.codes import CodeDoc

from . import nginx
from .config import max_upload, nginx_configs


NAMES = ("client_max_body_size", "proxy_read_timeout", "client_body_timeout",
         "proxy_request_buffering")


def shown(loc: nginx.Location, name: str, ctx) -> str:
    """A directive's value and where it is set ("25s (deploy/nginx.conf:17)")."""
    origin = loc.origin(name)
    if origin == "nginx default":
        return f"{loc.get(name)} (nginx default)"
    file, _, line = origin.rpartition(":")
    return f"{loc.get(name)} ({ctx.relpath(file)}:{line})"


def rows(locations: list[nginx.Location], ctx) -> list[list]:
    return [[f"{ctx.relpath(loc.file)}:{loc.line}", loc.server_name or "-", loc.path,
             *(shown(loc, n, ctx) for n in NAMES)] for loc in locations]


class NginxLimits(Check):
    """Parses the project's nginx configs (and /etc/nginx when readable) with crossplane and
    holds the limits of each proxied location against uploads and the worker timeout."""

    id = "server.nginx"
    title = "nginx lets uploads through to the app"
    tags = ("server", "nginx", "timeout")
    uses = ("server.worker_timeout",)

    def run(self, ctx):
        configs = nginx_configs(ctx)
        worker = ctx.facts.get("server.worker_timeout") or {}
        columns = ["location", "server", "path", *NAMES]
        for parsed in configs:
            for file, line, error in parsed.errors:
                yield Finding("server.E011", Level.ERROR,
                              f"nginx config {ctx.relpath(file)} does not parse: {error}",
                              "Fix it (nginx -t shows the same error); nginx will not start "
                              "or reload with it.", path=ctx.relpath(file), line=line or None)
        locations = [loc for p in configs for loc in p.locations]
        if not locations:
            return
        evidence = [table("Locations that proxy to the app", columns, rows(locations, ctx))]
        kinds = ", ".join(sorted({ctx.relpath(p.file) + (" (conf.d snippet)" if p.snippet
                                                         else "") for p in configs}))
        yield Finding("server.I010", Level.INFO,
                      f"nginx proxies {len(locations)} location(s) to the app ({kinds})", "",
                      evidence)
        largest = max_upload(ctx)
        for loc in locations:
            where = {"path": ctx.relpath(loc.file), "line": loc.line}
            one = [table("The location", columns, rows([loc], ctx))]
            limit = nginx.size_bytes(loc.get("client_max_body_size"))
            if limit is not None and limit < largest:
                yield Finding(
                    "server.E010", Level.ERROR,
                    f"client_max_body_size {loc.get('client_max_body_size')} for location "
                    f"{loc.path} is below the largest upload ({largest // 1024 // 1024} MiB): "
                    "nginx answers 413",
                    f"Set client_max_body_size {max(largest // 1024 // 1024, 1) * 2}m; in the "
                    "server or location that proxies uploads (the nginx default is 1m).",
                    one, **where)
            read = nginx.seconds(loc.get("proxy_read_timeout"))
            timeout = worker.get("timeout_s")
            if read is not None and timeout and read < timeout:
                yield Finding(
                    "server.W010", Level.WARNING,
                    f"proxy_read_timeout {loc.get('proxy_read_timeout')} for location "
                    f"{loc.path} is shorter than the worker timeout ({timeout:g} s): nginx "
                    "answers 504 first while the worker keeps working",
                    f"Set proxy_read_timeout above the worker timeout (e.g. "
                    f"{int(timeout) + 5}s), or lower the worker timeout; browsers and clients "
                    "retry a 504 and the same upload is processed twice.", one, **where)
            if not loc.buffered and \
                    worker.get("worker_class") == "sync":
                yield Finding(
                    "server.W011", Level.WARNING,
                    f"{loc.passes.split('_')[0]}_request_buffering off for location "
                    f"{loc.path} with sync workers: "
                    "the body upload counts against the worker timeout",
                    "Turn request buffering back on for upload locations, so nginx receives "
                    "the whole body before a sync worker is taken.", one, **where)


CODES = [
    CodeDoc(
        "server.I010", "nginx locations that proxy to the app",
        "Always emitted when an nginx config in the project (or a readable /etc/nginx that "
        "proxies an app) has a location with proxy_pass/uwsgi_pass: its "
        "client_max_body_size, proxy_read_timeout, client_body_timeout and "
        "proxy_request_buffering, inherited from http and server, each with file:line or "
        "nginx's default. A conf.d snippet is read on its own.",
        "These limits act before the app sees an upload.",
        "# nothing to fix: an informational summary",
        "# nothing to fix: an informational summary",
        "Check that the location proxying uploads has the limits you meant.", "nginx"),
    CodeDoc(
        "server.E010", "nginx's client_max_body_size is below the largest upload",
        "The effective client_max_body_size (1m when unset) of a proxied location is smaller "
        "than the largest upload to plan for (UPLOAD_DIAGNOSTICS[\"MAX_UPLOAD_BYTES\"], "
        "10 MiB by default).",
        "nginx answers 413 Request Entity Too Large and the app never sees the upload; "
        "phone photos are 3-12 MB.",
        "location / {\n    proxy_pass http://app;\n}",
        "location / {\n    client_max_body_size 25m;\n    proxy_pass http://app;\n}",
        "Set client_max_body_size in the server or location that proxies uploads.", "nginx"),
    CodeDoc(
        "server.E011", "An nginx config does not parse",
        "crossplane, nginx's own grammar in Python, rejects the file (unbalanced braces, a "
        "missing semicolon, an include that cannot be read).",
        "nginx -t fails the same way: nginx will not start or reload with it, so the limits "
        "you see in the file are not the ones in force.",
        "location / {\n    proxy_pass http://app\n}",
        "location / {\n    proxy_pass http://app;\n}",
        "Fix the line named in the finding, then run nginx -t.", "nginx"),
    CodeDoc(
        "server.W010", "proxy_read_timeout is shorter than the worker timeout",
        "A proxied location's proxy_read_timeout (60s when unset) is below the worker "
        "timeout in force (server.worker_timeout).",
        "nginx answers 504 while the worker keeps processing; clients retry and the same "
        "image is processed and stored twice.",
        "proxy_read_timeout 25s;   # gunicorn: timeout 30",
        "proxy_read_timeout 35s;   # gunicorn: timeout 30",
        "Make proxy_read_timeout a few seconds longer than the worker timeout.", "nginx"),
    CodeDoc(
        "server.W011", "Request buffering is off in front of sync workers",
        "proxy_request_buffering off in a proxied location while gunicorn runs sync workers.",
        "nginx streams the body as it arrives, so a slow client's upload time counts "
        "against the sync worker's timeout and holds the only thread of the worker.",
        "location /api/photos/ {\n    proxy_request_buffering off;\n    proxy_pass "
        "http://app;\n}",
        "location /api/photos/ {\n    proxy_pass http://app;\n}",
        "Leave proxy_request_buffering on (the default) for upload locations.", "nginx"),
]
