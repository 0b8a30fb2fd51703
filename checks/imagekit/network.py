"""imagekit.auth: does ImageKit accept the private key? (network tier)

Proves the key with the side-effect-free `GET /v1/files?limit=1`, through the installed
SDK (plain HTTP when none is installed), bounded by UPLOAD_DIAGNOSTICS["IMAGEKIT"]
["TIMEOUT"]. Each way it can fail is its own finding code.
"""
from __future__ import annotations

import ssl

from upload_diagnostics.diagnostics import Check, Finding, kv, log
from upload_diagnostics.diagnostics.redact import fingerprint

from . import config as cfg
from . import sdk as sdk_mod
from .codes import E010, E011, E012, E013, E014, E015, E016, E017, E018, E019, I003, W010

RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Reset", "X-RateLimit-Interval",
                "Retry-After")
DNS_WORDS = ("name or service not known", "nodename nor servname", "getaddrinfo failed",
             "temporary failure in name resolution", "nameresolutionerror",
             "no address associated")
TLS_WORDS = ("certificate_verify_failed", "ssl:", "sslerror", "tlsv1", "wrong version number")
TIMEOUT_WORDS = ("timed out", "timeout")


def _chain(error: BaseException | None) -> list[BaseException]:
    seen = []
    while error is not None and error not in seen and len(seen) < 10:
        seen.append(error)
        error = error.__cause__ or error.__context__
    return seen


def _text(error) -> str:
    return " ".join(f"{type(e).__name__}: {e} {e.args!r}" for e in _chain(error)).lower()


def classify(outcome: sdk_mod.Outcome) -> str:
    """ok, unauthorized, forbidden, rate_limited, server, timeout, dns, tls, not_json,
    sdk_rejects, connection or unexpected."""
    text = _text(outcome.error)
    if outcome.timed_out or (outcome.status is None and any(w in text for w in TIMEOUT_WORDS)):
        return "timeout"
    if outcome.status is None and outcome.error is not None:
        if any(w in text for w in DNS_WORDS):
            return "dns"
        if any(isinstance(e, ssl.SSLError) for e in _chain(outcome.error)) or \
                any(w in text for w in TLS_WORDS):
            return "tls"
        if any(w in text for w in ("json", "expecting value")):
            return "not_json"
        return "connection"
    status = {401: "unauthorized", 403: "forbidden", 429: "rate_limited"}.get(outcome.status)
    if status:
        return status
    if outcome.status and outcome.status >= 500:
        return "server"
    if outcome.status and 200 <= outcome.status < 300:
        if outcome.error is None:
            return "ok"
        if not _is_json(outcome.body) or "json" in text:
            return "not_json"
        return "sdk_rejects"  # a good answer the SDK could not read (3.0.x strict results)
    return "unexpected"


def _is_json(body: str) -> bool:
    import json
    try:
        json.loads(body)
        return True
    except ValueError:
        return False


def evidence(outcome: sdk_mod.Outcome, request: str, sdk: sdk_mod.Sdk, base: str) -> list:
    rows = {"request": request, "API base URL": base, "SDK": sdk.label,
            "HTTP status": outcome.status if outcome.status is not None else "(no response)"}
    if outcome.error is not None:
        rows["error"] = f"{type(outcome.error).__name__}: {outcome.error}"[:300]
    headers = {k.lower(): v for k, v in outcome.headers.items()}
    rows.update({h: headers[h.lower()] for h in RATE_HEADERS if h.lower() in headers})
    blocks = [kv("ImageKit call", rows)]
    if outcome.body:
        blocks.append(log("Response body (first 500 characters)",
                          outcome.body[:500].splitlines()))
    return blocks


# What `failure` may report.
FAILURES = (E010, E011, W010, E012, E013, E014, E015, E016, E017, E018, E019)


def failure(kind: str, outcome, what: str, timeout: float, blocks) -> Finding:
    """The finding for a failed call `what` (e.g. 'The key check') of class `kind`."""
    status = outcome.status
    table = {
        "unauthorized": (E010,
                         f"{what}: ImageKit answered 401, the request carried no private key",
                         "The SDK sent no key: set IMAGEKIT_PRIVATE_KEY (or the setting your "
                         "storage passes as private_key) in this environment."),
        "forbidden": (E011,
                      f"{what}: ImageKit answered 403 'Your account cannot be authenticated.'",
                      "The private key is wrong for this account: copy it again from the "
                      "dashboard (Developer options) and check it is not the public key."),
        "rate_limited": (W010,
                         f"{what}: ImageKit answered 429, the account is rate limited",
                         "Wait for X-RateLimit-Reset milliseconds and retry; uploads in a "
                         "burst need backoff (5.x retries by itself, 4.x does not)."),
        "server": (E012,
                   f"{what}: ImageKit (or a proxy before it) answered {status}",
                   "An outage or a proxy in between: check status.imagekit.io and any "
                   "egress proxy; retry with backoff, and make the upload view return a "
                   "clear 503 instead of a 500."),
        "timeout": (E013,
                    f"{what}: no answer within {timeout:g} s",
                    "ImageKit or the network to it stalls; imagekitio 2.x-4.x would wait "
                    "forever and gunicorn kills the worker (WORKER TIMEOUT). Pass a timeout "
                    "(5.x: ImageKit(timeout=...)) and check egress firewalls."),
        "dns": (E014, f"{what}: the API host name does not resolve",
                "Check DNS in this environment (a container without resolv.conf, a typo in a "
                "BASE_URL override, no egress)."),
        "tls": (E015, f"{what}: the TLS handshake failed",
                "The CA bundle is missing or a proxy intercepts TLS: install ca-certificates "
                "or point REQUESTS_CA_BUNDLE/SSL_CERT_FILE at the proxy's CA."),
        "not_json": (E016,
                     f"{what}: the answer ({status}) is not JSON",
                     "Something other than ImageKit answered (a captive portal, a proxy or "
                     "maintenance page): check the API base URL and any proxy; the SDK "
                     "raises a decoding error that looks like an upload bug."),
        "sdk_rejects": (E019,
                        f"{what}: ImageKit answered {status} but the SDK could not read the "
                        f"answer ({type(outcome.error).__name__}: {outcome.error})",
                        "imagekitio 3.0.x result classes raise TypeError for every field "
                        "ImageKit added since; upgrade to imagekitio 3.1 or later."),
        "connection": (E017,
                       f"{what}: the connection was refused or dropped without an answer",
                       "Check egress to the API host (firewall, proxy, HTTPS_PROXY/NO_PROXY) "
                       "and that a BASE_URL override points at a running server."),
    }
    code, message, hint = table.get(kind, (
        E018, f"{what}: unexpected answer {status}",
        "The evidence shows the status and body; compare with ImageKit's API reference."))
    return code(message, hint, blocks)


def build_client(config: cfg.ImageKitConfig) -> sdk_mod.Client:
    return sdk_mod.Client(config.sdk, config.get("private_key").strip(),
                          config.get("public_key").strip(), config.get("url_endpoint").strip(),
                          timeout=config.timeout, base_url=config.base_url)


class ImageKitAuth(Check):
    """Proves the private key against ImageKit with GET /v1/files?limit=1 (no side
    effects) through the installed SDK, with a timeout, and names what went wrong."""

    id = "imagekit.auth"
    title = "ImageKit accepts the private key"
    layer = "storage"
    tags = ("imagekit", "credentials", "network")
    codes = (I003, *FAILURES)
    tier = "network"
    uses = ("imagekit.config",)

    def run(self, ctx):
        config = cfg.load(ctx)
        cfg.require_use(config)
        key = config.get("private_key").strip()
        if config.sdk.generation != "5":  # 5.x sends no key, and ImageKit's 401 is checked
            cfg.require_key(config)
        base = config.base_url or "https://api.imagekit.io"
        request = "GET /v1/files?limit=1"
        ctx.progress(f"      imagekit.auth: {request} at {base}")
        if config.sdk.installed:
            try:
                client = build_client(config)
            except Exception as exc:  # noqa: BLE001 - the SDK refused the configuration
                yield E018(f"{config.sdk.label} refused the configuration: "
                           f"{type(exc).__name__}: {exc}",
                           "Fix the values imagekit.credentials reports.")
                return
            outcome = client.list_one()
        else:  # no SDK: the same request over plain HTTP
            outcome = sdk_mod.plain_list_one(base, key, config.timeout)
        blocks = evidence(outcome, request, config.sdk, base)
        kind = classify(outcome)
        if kind == "ok":
            yield I003(f"ImageKit accepted the private key {fingerprint(key)}", "", blocks)
        else:
            yield failure(kind, outcome, "The key check", config.timeout, blocks)


