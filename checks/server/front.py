"""server.front: what answers in front of the site, read from its response headers (the
network tier). The site's addresses come from UPLOAD_DIAGNOSTICS["SITE_URL"], else from
ALLOWED_HOSTS and CSRF_TRUSTED_ORIGINS, leaving out local and reserved names. One HEAD
request each, without cookies or credentials; the layers the headers name join the limit
ladder (server.limits) even when no file of the project shows them."""
from __future__ import annotations

import ipaddress
import re
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from upload_diagnostics.diagnostics import Check, Skip, table
from upload_diagnostics.diagnostics.facts import FRONT

from .codes import I050

MAX_SITES = 3
TIMEOUT = 10.0  # seconds per request
# Response headers that name a layer of the ladder: (layer, header, pattern of its value).
SIGNS = (
    ("Cloudflare", "cf-ray", r"."),
    ("Cloudflare", "server", r"^cloudflare"),
    ("Heroku router", "via", r"\bvegur\b|heroku-router"),
    ("Fly proxy", "fly-request-id", r"."),
    ("Render", "rndr-id", r"."),
    ("Vercel function", "x-vercel-id", r"."),
)
# Names that are never a deployed site (RFC 2606, RFC 6761) or only reach this machine.
LOCAL = ("localhost", "testserver")
RESERVED_SUFFIXES = (".example", ".test", ".invalid", ".localhost", ".local", ".internal",
                     "example.com", "example.net", "example.org")


class FrontHeaders(Check):
    """Asks each address of the site once and names the layers its answer shows."""

    id = "server.front"
    title = "What answers in front of the site, from its response headers"
    layer = "server"
    tags = ("server", "limits", "network")
    tier = "network"
    codes = (I050,)
    provides = (FRONT.name,)
    needs_django = True

    def run(self, ctx):
        urls, origin = site_urls(ctx.config, ctx.settings)
        if not urls:
            raise Skip("no public address of the site is known: ALLOWED_HOSTS and "
                       "CSRF_TRUSTED_ORIGINS name only local, reserved or wildcard hosts",
                       'UPLOAD_DIAGNOSTICS["SITE_URL"] = "https://your.site/"')
        answers = [ask(url) for url in urls]
        FRONT.publish(ctx, answers)
        rows = [[a["url"], a["status"] or "-", ", ".join(
            f"{x['layer']} ({x['header']})" for x in a["layers"]) or a["problem"] or
            "no layer the ladder knows"] for a in answers]
        seen = sorted({x["layer"] for a in answers for x in a["layers"]})
        yield I050(f"{'; '.join(seen) or 'No known layer'} answered in front of the site "
                   f"({len(answers)} address(es) from {origin})", None,
                   [table("The site's answers",
                          ["Address", "Status", "Layers named by the answer"], rows)])


def site_urls(config: dict, settings) -> tuple[list[str], str]:
    """The addresses to ask, at most MAX_SITES, and where they came from."""
    given = config.get("SITE_URL")
    if given:
        urls = [without_secrets(u) for u in ([given] if isinstance(given, str) else given)]
        return urls[:MAX_SITES], 'UPLOAD_DIAGNOSTICS["SITE_URL"]'
    urls = []
    for origin in getattr(settings, "CSRF_TRUSTED_ORIGINS", None) or ():
        parts = urlsplit(str(origin).replace("*.", ""))
        if parts.scheme in ("http", "https") and public(parts.hostname or ""):
            urls.append(f"{parts.scheme}://{parts.netloc}/")
    for host in getattr(settings, "ALLOWED_HOSTS", None) or ():
        host = str(host).lstrip(".")
        if public(host):
            urls.append(f"https://{host}/")
    return list(dict.fromkeys(urls))[:MAX_SITES], "ALLOWED_HOSTS and CSRF_TRUSTED_ORIGINS"


def without_secrets(url: str) -> str:
    """`url` without user, password, query or fragment: neither sent nor shown (the
    headers of the front answer without them)."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}{parts.path or '/'}"


def public(host: str) -> bool:
    """Whether `host` can be the deployed site's name: not a wildcard, an address, a local
    or a reserved name."""
    host = host.lower().rstrip(".")
    if not host or "*" in host or host in LOCAL or host.endswith(RESERVED_SUFFIXES):
        return False
    try:
        ipaddress.ip_address(host.strip("[]"))
        return False
    except ValueError:
        return "." in host


def ask(url: str) -> dict:
    """One HEAD request (redirects followed); the layers its answer's headers name. An
    error status still carries the front's headers (a 403 from Cloudflare has cf-ray)."""
    answer = {"url": url, "status": None, "layers": [], "problem": ""}
    request = urllib.request.Request(url, method="HEAD",
                                     headers={"User-Agent": "django-upload-diagnostics"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            answer["status"], headers = response.status, response.headers
    except urllib.error.HTTPError as exc:
        answer["status"], headers = exc.code, exc.headers
    except (urllib.error.URLError, OSError, ValueError) as exc:
        answer["problem"] = f"no answer: {getattr(exc, 'reason', exc)}"
        return answer
    for layer, header, pattern in SIGNS:
        value = headers.get(header)
        if value and re.search(pattern, value, re.I) and layer not in {
                x["layer"] for x in answer["layers"]}:
            answer["layers"].append({"layer": layer, "header": f"{header}: {value}"})
    return answer
