"""server.nginx: the proxy limits uploads meet before they reach the app."""
from __future__ import annotations

from upload_diagnostics.diagnostics import Check, Skip, require, table
from upload_diagnostics.diagnostics.facts import WORKER_TIMEOUT

from . import nginx
from .codes import E010, E011, I010, W010, W011
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
    layer = "server"
    tags = ("server", "nginx", "timeout")
    codes = (I010, E010, E011, W010, W011)
    uses = (WORKER_TIMEOUT.name,)

    def run(self, ctx):
        require("server", "it reads nginx's configuration with it", crossplane="crossplane")
        configs = nginx_configs(ctx)
        worker = WORKER_TIMEOUT.read(ctx)
        columns = ["location", "server", "path", *NAMES]
        for parsed in configs:
            for file, line, error in parsed.errors:
                yield E011(f"nginx config {ctx.relpath(file)} does not parse: {error}",
                           "Fix it (nginx -t shows the same error); nginx will not start "
                           "or reload with it.", path=ctx.relpath(file), line=line or None)
        locations = [loc for p in configs for loc in p.locations]
        if not configs:
            raise Skip("no nginx config was found in the project (nor a readable /etc/nginx)")
        if not locations and not any(p.errors for p in configs):
            raise Skip("the nginx configs found proxy no location to an app: "
                       + ", ".join(sorted(ctx.relpath(p.file) for p in configs)))
        if not locations:
            return
        evidence = [table("Locations that proxy to the app", columns, rows(locations, ctx))]
        kinds = ", ".join(sorted({ctx.relpath(p.file) + (" (conf.d snippet)" if p.snippet
                                                         else "") for p in configs}))
        yield I010(f"nginx proxies {len(locations)} location(s) to the app ({kinds})", "",
                   evidence)
        largest = max_upload(ctx)
        for loc in locations:
            where = {"path": ctx.relpath(loc.file), "line": loc.line}
            one = [table("The location", columns, rows([loc], ctx))]
            limit = nginx.size_bytes(loc.get("client_max_body_size"))
            if limit is not None and limit < largest:
                yield E010(
                    f"client_max_body_size {loc.get('client_max_body_size')} for location "
                    f"{loc.path} is below the largest upload ({largest // 1024 // 1024} MiB): "
                    "nginx answers 413",
                    f"Set client_max_body_size {max(largest // 1024 // 1024, 1) * 2}m; in the "
                    "server or location that proxies uploads (the nginx default is 1m).",
                    one, **where)
            read = nginx.seconds(loc.get("proxy_read_timeout"))
            timeout = worker and worker.timeout_s
            if read is not None and timeout and read < timeout:
                yield W010(
                    f"proxy_read_timeout {loc.get('proxy_read_timeout')} for location "
                    f"{loc.path} is shorter than the worker timeout ({timeout:g} s): nginx "
                    "answers 504 first while the worker keeps working",
                    f"Set proxy_read_timeout above the worker timeout (e.g. "
                    f"{int(timeout) + 5}s), or lower the worker timeout; browsers and clients "
                    "retry a 504 and the same upload is processed twice.", one, **where)
            if not loc.buffered and worker and worker.worker_class == "sync":
                yield W011(
                    f"{loc.passes.split('_')[0]}_request_buffering off for location "
                    f"{loc.path} with sync workers: "
                    "the body upload counts against the worker timeout",
                    "Turn request buffering back on for upload locations, so nginx receives "
                    "the whole body before a sync worker is taken.", one, **where)


