"""media.serving: what serves MEDIA_URL once DEBUG is off.

`django.conf.urls.static.static()` returns no pattern unless DEBUG is on, and it runs when
the URLconf is imported; so the project's URLconf is imported afresh in a Python process
whose settings have DEBUG=False, and the media URL resolved there by Django's resolver.
nginx locations serving files (`alias`, `root`) come from the server family's parser.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from urllib.parse import urlsplit

from upload_diagnostics.diagnostics import Check, Skip, kv, table

from ..server import nginx
from ..server.config import discovery, nginx_configs, require_parsers
from . import on_disk
from .codes import E001, I001, W001

PROBE_NAME = "upload-diagnostics-probe.jpg"
# Run with the settings module, the media path and the parent's sys.path (JSON).
RESOLVE = """
import json, os, sys
sys.path[:0] = json.loads(sys.argv[3])
os.environ["DJANGO_SETTINGS_MODULE"] = sys.argv[1]
from django.conf import settings
settings.DEBUG = False
import django
django.setup()
from django.urls import Resolver404, resolve
try:
    match = resolve(sys.argv[2])
except Resolver404:
    print(json.dumps(None))
else:
    print(json.dumps({"view": match._func_path, "route": match.route}))
"""


def local_urls(ctx) -> dict[str, list]:
    """Each URL prefix on this site that the storages on disk give their files, with the
    storages using it; Skip when there is none to check."""
    uses = on_disk(ctx)
    if not getattr(ctx.settings, "ROOT_URLCONF", None):
        raise Skip("the settings have no ROOT_URLCONF: the project serves no URL",
                   "a ROOT_URLCONF setting")
    urls = {use.instance.base_url for use in uses if use.instance.base_url}
    if not urls:
        raise Skip("MEDIA_URL is not set: the storages on disk give their files no URL",
                   "a MEDIA_URL setting")
    local = sorted(url for url in urls if not urlsplit(url).netloc)
    if not local:
        raise Skip("the storages on disk have URLs on another host ("
                   + ", ".join(sorted(urls)) + "): what serves them is not in this project")
    return {url: [use for use in uses if use.instance.base_url == url] for url in local}


def probes(ctx) -> dict[str, subprocess.Popen]:
    """A process per URL prefix resolving its probe path with DEBUG=False, started once
    (from begin(), so that it runs beside the other checks)."""
    def start():
        urls = local_urls(ctx)
        module = getattr(ctx.settings, "SETTINGS_MODULE", None)
        if not module:
            raise Skip("the settings were configured in code, not from a module: the "
                       "URLconf cannot be loaded again with DEBUG=False")
        started = {}
        for url in urls:
            proc = subprocess.Popen(
                [sys.executable, "-c", RESOLVE, module, probe_path(url),
                 json.dumps([str(ctx.project_root), *sys.path])], cwd=ctx.project_root,
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True)
            ctx.at_end(proc.kill)  # one the check never collected
            started[url] = proc
        return started
    return ctx.cached("media.serving.probes", start)


def probe_path(url: str) -> str:
    return urlsplit(url).path + PROBE_NAME


def resolved(ctx, proc: subprocess.Popen) -> dict | None:
    """What Django's resolver matched with DEBUG=False ({"view", "route"}), or None; Skip
    when the URLconf could not be loaded that way."""
    try:
        out, err = proc.communicate(timeout=ctx.options.timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise Skip(f"loading the URLconf with DEBUG=False took over {ctx.options.timeout:g} s")
    if proc.returncode:
        last = (err.strip().splitlines() or ["no output"])[-1]
        raise Skip(f"the URLconf could not be loaded with DEBUG=False: {last}")
    return json.loads(out.strip().splitlines()[-1])


def serves(location: nginx.Location, path: str) -> bool:
    """Whether an nginx location's match (`/media/`, `^~ /media/`, `~ ^/media/`) takes
    requests for `path`."""
    args = location.path.split()
    modifier, pattern = (args[0], args[-1]) if len(args) > 1 else ("", args[0])
    if modifier in ("~", "~*"):
        try:
            return re.search(pattern, path, re.I if modifier == "~*" else 0) is not None
        except re.error:  # PCRE that Python's re does not read: not taken as serving it
            return False
    if modifier == "=":
        return pattern == path
    return path.startswith(pattern)


class MediaServing(Check):
    """Finds what answers for uploaded files once DEBUG is off: a URL pattern of the
    project (resolved with DEBUG=False) or an nginx location serving the storage's folder."""

    id = "media.serving"
    title = "Uploaded files are served once DEBUG is off"
    layer = "storage"
    tags = ("media", "storage")
    codes = (I001, E001, W001)
    needs_django = True

    def begin(self, ctx):
        try:
            probes(ctx)
        except Skip:  # run() says why
            pass

    def run(self, ctx):
        for url, proc in probes(ctx).items():
            yield self.judge(ctx, url, local_urls(ctx)[url], proc)

    def judge(self, ctx, url: str, uses: list, proc: subprocess.Popen):
        path = probe_path(url)
        saw = {"storages": ", ".join(f"{u.declared} -> {u.backend} ({u.where or '?'})"
                                      for u in uses),
               "probe path": path, "DEBUG in this run": ctx.settings.DEBUG}
        match = resolved(ctx, proc)
        if match:
            return I001(f"{url} is served with DEBUG=False by the URL pattern "
                        f"{match['route']!r} ({match['view']})", "",
                        [kv("What was checked", saw)])
        require_parsers()  # nginx's and the deployment's files tell the rest
        locations = [loc for parsed in nginx_configs(ctx) for loc in parsed.served
                     if serves(loc, path)]
        if locations:
            rows = [[f"{ctx.relpath(loc.file)}:{loc.line}", loc.server_name or "-", loc.path,
                     loc.get("alias") or f"root {loc.get('root')}"] for loc in locations]
            return I001(f"{url} is served by nginx from disk", "", [
                kv("What was checked", saw),
                table("nginx locations serving it", ["location", "server", "path", "files"],
                      rows)])
        launch = discovery(ctx).primary()
        saw["production server"] = launch.where + f" ({launch.server})" if launch else "none found"
        evidence = [kv("What was checked", saw)]
        what = (f"no URL pattern resolves {path} with DEBUG=False and no nginx location of "
                "the project serves it")
        if launch and not ctx.settings.DEBUG:
            return E001(f"Nothing serves {url} in production: {what}; the settings have "
                        f"DEBUG=False and {launch.where} starts {launch.server}",
                        evidence=evidence, path=launch.path or None, line=launch.line or None)
        return W001(f"Nothing serves {url} once DEBUG is off: {what} (static() adds patterns "
                    "only with DEBUG=True; WhiteNoise never serves media)", evidence=evidence)
