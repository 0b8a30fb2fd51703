"""imagekit.credentials: are the ImageKit keys and URL endpoint well-formed?

Static: reads settings and the environment only. Keys appear only as fingerprints.
"""
from __future__ import annotations

import base64
import binascii
from urllib.parse import urlsplit

from upload_diagnostics.diagnostics import Check, Finding, Level, kv, table
from upload_diagnostics.diagnostics.codes import CodeDoc
from upload_diagnostics.diagnostics.redact import fingerprint

from . import config as cfg

PREFIXES = {"private_key": "private_", "public_key": "public_"}
IMAGEKIT_HOSTS = ("ik.imagekit.io",)
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def where(value: cfg.Value) -> str:
    return f"{value.source} {value.name}"


def summary(config: cfg.ImageKitConfig) -> list[dict]:
    """Evidence: the SDK and storage, and where each value came from (keys fingerprinted;
    a table, since key-value rows named like a key are redacted whole)."""
    rows = {"SDK": f"{config.sdk.label} ({config.sdk.describe})",
            "default storage": config.storage or "(not configured)",
            "storage uses ImageKit": "yes" if config.storage_is_imagekit else "no",
            "environment read by the SDK": ", ".join(config.env_names_read_by_sdk) or "none"}
    if config.base_url:
        rows["API base URL (override)"] = config.base_url
    values = []
    for role in cfg.ROLES:
        found = config.values.get(role)
        shown = _shown(role, found.value) if found else ""
        values.append([cfg.LABELS[role], where(found) if found else "(not found)", shown])
    return [kv("ImageKit configuration", rows),
            table("ImageKit values", ["value", "from", "shown as"], values)]


class ImageKitCredentials(Check):
    """Finds the ImageKit configuration (storage backend, settings, environment) and
    checks each value's shape: present, right prefix, not swapped, no stray whitespace or
    quotes, not truncated, an https URL endpoint; settings and environment agree."""

    id = "imagekit.credentials"
    title = "ImageKit keys and URL endpoint are well-formed"
    tags = ("imagekit", "credentials", "storage")
    provides = ("imagekit.config",)

    def run(self, ctx):
        config = cfg.load(ctx)
        ctx.publish("imagekit.config", {"sdk": config.sdk.label,
                                        "in_use": config.in_use,
                                        "storage": config.storage})
        if not config.in_use:
            yield Finding("imagekit.I002", Level.INFO,
                          "ImageKit is not used: no ImageKit storage, settings or imports",
                          "Nothing to check for ImageKit.")
            return
        yield Finding("imagekit.I001", Level.INFO,
                      f"ImageKit configuration found ({config.sdk.label})", "", summary(config))
        yield from missing(config)  # the configuration is shown once, on imagekit.I001
        exchanged = swapped(config)
        yield from exchanged
        for role in cfg.ROLES:
            found = config.values.get(role)
            if found and found.value:
                yield from shape(role, found, check_prefix=not exchanged)
        yield from disagreements(config)


def missing(config):
    for role in cfg.ROLES:
        found = config.values.get(role)
        if found and found.value.strip():
            continue
        label = cfg.LABELS[role]
        place = f"{where(found)} is empty" if found else "no setting or environment " \
            f"variable holds it (looked for {', '.join(cfg.SETTING_NAMES[role][:3])})"
        needed = role == "private_key" or config.sdk.generation in ("2", "3.0", "4")
        if needed:
            yield Finding("imagekit.E001", Level.ERROR, f"The ImageKit {label} is missing: "
                          f"{place}",
                          f"Set {cfg.SETTING_NAMES[role][0]} (from the dashboard's Developer "
                          f"options); {config.sdk.label} cannot authenticate or be "
                          "constructed without it.")
        else:
            yield Finding("imagekit.W001", Level.WARNING, f"The ImageKit {label} is missing: "
                          f"{place}",
                          f"{config.sdk.label} does not need it to upload, but URLs built "
                          f"from it will be wrong; set {cfg.SETTING_NAMES[role][0]}.")


def swapped(config):
    private, public = config.get("private_key").strip(), config.get("public_key").strip()
    if private.startswith("public_") and public.startswith("private_"):
        return [Finding(
            "imagekit.E003", Level.ERROR, "The ImageKit private and public keys are swapped",
            f"Exchange the values of {config.values['private_key'].name} and "
            f"{config.values['public_key'].name}; ImageKit answers 403 to every upload.")]
    return []


def shape(role: str, found: cfg.Value, check_prefix: bool = True):
    value, label = found.value, cfg.LABELS[role]
    stripped = value.strip().strip("'\"").strip()
    if stripped != value:
        yield Finding("imagekit.E004", Level.ERROR,
                      f"The ImageKit {label} in {where(found)} has surrounding whitespace "
                      f"or quotes", "Remove the quotes/spaces/newline around the value "
                      "(a .env file with quotes, or a copy with a newline); ImageKit "
                      "rejects the key with 403.")
    if role == "url_endpoint":
        yield from endpoint(stripped, found)
        return
    prefix = PREFIXES[role]
    if not stripped.startswith(prefix):
        if check_prefix:  # swapped keys are E003's case
            yield Finding("imagekit.E002", Level.ERROR,
                          f"The ImageKit {label} in {where(found)} does not start with "
                          f"{prefix!r}", f"Copy the {label} again from ImageKit's dashboard "
                          f"(Developer options); it begins with {prefix!r}.")
        return
    if truncated(stripped[len(prefix):]):
        yield Finding("imagekit.E005", Level.ERROR,
                      f"The ImageKit {label} in {where(found)} looks truncated (its base64 "
                      "body is not padded: a trailing '=' was stripped?)",
                      "Quote the value in .env or the platform's config so the trailing '=' "
                      "survives, and copy the whole key again.")


def truncated(body: str) -> bool:
    """Keys are base64 of 20 bytes ending in '='; a body that is not valid padded base64
    lost characters (shells and some .env parsers drop a trailing '=')."""
    if len(body) % 4 == 0:
        try:
            base64.b64decode(body, validate=True)
            return False
        except (binascii.Error, ValueError):
            return False  # not base64 at all: a custom-format key, not our business
    return all(c.isalnum() or c in "+/" for c in body.rstrip("="))


def endpoint(url: str, found: cfg.Value):
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    loopback = host in LOOPBACK
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        yield Finding("imagekit.E006", Level.ERROR,
                      f"The ImageKit URL endpoint in {where(found)} does not start with "
                      f"https:// ({url!r})",
                      "Use the full endpoint from the dashboard, e.g. "
                      "https://ik.imagekit.io/your_imagekit_id; without a scheme every "
                      "file URL the storage builds is a relative path.")
        return
    if host in IMAGEKIT_HOSTS:
        path = parts.path.strip("/")
        if not path or "/" in path or not path.replace("_", "").replace("-", "").isalnum():
            yield Finding("imagekit.W002", Level.WARNING,
                          f"The ImageKit URL endpoint {url!r} in {where(found)} does not end "
                          "in a single ImageKit id", "It should be https://ik.imagekit.io/"
                          "<your_imagekit_id> (custom domains may have any path); file URLs "
                          "built from it return 404.")


def disagreements(config):
    for role in cfg.ROLES:
        found = config.values.get(role)
        if not found or found.source != "setting":
            continue
        for name in cfg.SETTING_NAMES[role]:
            env = config.environment.get(name)
            if env is not None and env.strip() != found.value.strip():
                read_by_sdk = name in config.env_names_read_by_sdk
                yield Finding(
                    "imagekit.W003", Level.WARNING,
                    f"Setting {found.name} and environment variable {name} hold different "
                    f"ImageKit {cfg.LABELS[role]}s",
                    (f"{config.sdk.label} reads {name} itself when the key is not passed: "
                     if read_by_sdk else "") + "keep one source of truth; a deploy that "
                    "sets one but not the other uploads with the wrong key.",
                    [kv("Values", {f"setting {found.name}": _shown(role, found.value),
                                   f"environment {name}": _shown(role, env)})])
                break


def _shown(role: str, value: str) -> str:
    if not value.strip():
        return "(empty)"
    return value if role == "url_endpoint" else fingerprint(value)


CODES = [
    CodeDoc("imagekit.I001", "ImageKit configuration found",
            "Emitted once with where each ImageKit value came from (setting or environment), "
            "the storage backend and the installed SDK; keys are shown as fingerprints.",
            "Support compares fingerprints with the dashboard without seeing a key.",
            'IMAGEKIT_PRIVATE_KEY = os.environ["IMAGEKIT_PRIVATE_KEY"]',
            'IMAGEKIT_PRIVATE_KEY = os.environ["IMAGEKIT_PRIVATE_KEY"]',
            "Nothing to fix: this records what was found."),
    CodeDoc("imagekit.I002", "ImageKit is not used",
            "No ImageKit storage backend, setting or `import imagekitio` was found.",
            "The ImageKit checks have nothing to look at.",
            'STORAGES = {"default": {"BACKEND": "...FileSystemStorage"}}',
            'STORAGES = {"default": {"BACKEND": "...FileSystemStorage"}}',
            "Nothing to fix: ImageKit is simply not part of this project."),
    CodeDoc("imagekit.E001", "An ImageKit value the SDK needs is missing or empty",
            "The private key (or, for imagekitio 2.x-4.x, the public key or URL endpoint) is "
            "neither a setting nor an environment variable, or is empty.",
            "imagekitio 4.x raises ValueError while the storage is built; 5.x sends no key "
            "and ImageKit answers 401 'Your request does not contain private API key.'.",
            'IMAGEKIT_PRIVATE_KEY = os.environ.get("IMAGEKIT_PRIVATE_KEY", "")',
            'IMAGEKIT_PRIVATE_KEY = os.environ["IMAGEKIT_PRIVATE_KEY"]  # fail at start-up',
            "Set the variable in the deployment (dashboard > Developer options)."),
    CodeDoc("imagekit.W001", "An ImageKit value this SDK does not need is missing",
            "With imagekitio 5.x the public key or URL endpoint is missing.",
            "Uploads work, but URLs the storage builds from the endpoint are wrong.",
            'IMAGEKIT_URL_ENDPOINT = ""', 'IMAGEKIT_URL_ENDPOINT = "https://ik.imagekit.io/acme"',
            "Set the value from the dashboard."),
    CodeDoc("imagekit.E002", "An ImageKit key has the wrong prefix",
            "The private key does not start with `private_` or the public key with `public_`.",
            "A key from another service or a partial copy: every call answers 403.",
            'IMAGEKIT_PRIVATE_KEY = "lRzKMZ7sETu6KZWCn4ERDvDL3ek="',
            'IMAGEKIT_PRIVATE_KEY = "private_lRzKMZ7sETu6KZWCn4ERDvDL3ek="',
            "Copy the whole key again from the dashboard.", "ini"),
    CodeDoc("imagekit.E003", "The private and public keys are swapped",
            "The private key setting holds a `public_` key and the public one a `private_` "
            "key.", "The SDK authenticates with the public key: 403 on every upload.",
            "IMAGEKIT_PRIVATE_KEY=public_...\nIMAGEKIT_PUBLIC_KEY=private_...",
            "IMAGEKIT_PRIVATE_KEY=private_...\nIMAGEKIT_PUBLIC_KEY=public_...",
            "Exchange the two values.", "ini"),
    CodeDoc("imagekit.E004", "An ImageKit value has surrounding whitespace or quotes",
            "A key or the endpoint begins or ends with spaces, a newline or quote characters.",
            "The quotes become part of the key; ImageKit answers 403.",
            'IMAGEKIT_PRIVATE_KEY="\'private_abc=\'"', "IMAGEKIT_PRIVATE_KEY=private_abc=",
            "Remove the quotes or whitespace where the variable is defined.", "ini"),
    CodeDoc("imagekit.E005", "An ImageKit key looks truncated",
            "The part after `private_`/`public_` is base64 whose length is not a multiple of "
            "four: the trailing `=` was dropped.",
            "Some .env parsers and shells strip a trailing `=`; the key no longer matches: "
            "403.", "IMAGEKIT_PRIVATE_KEY=private_lRzKMZ7sETu6KZWCn4ERDvDL3ek",
            'IMAGEKIT_PRIVATE_KEY="private_lRzKMZ7sETu6KZWCn4ERDvDL3ek="',
            "Quote the value and paste the full key.", "ini"),
    CodeDoc("imagekit.E006", "The URL endpoint is not an https URL",
            "IMAGEKIT_URL_ENDPOINT has no scheme, or http for a non-local host.",
            "File URLs built from it are relative or insecure; browsers block mixed content.",
            'IMAGEKIT_URL_ENDPOINT = "ik.imagekit.io/acme"',
            'IMAGEKIT_URL_ENDPOINT = "https://ik.imagekit.io/acme"', "Add https://."),
    CodeDoc("imagekit.W002", "The URL endpoint's path is not an ImageKit id",
            "An ik.imagekit.io endpoint with no path or with more than one path segment "
            "(custom domains are not checked).",
            "Every file URL built from it points at another account or folder: 404.",
            'IMAGEKIT_URL_ENDPOINT = "https://ik.imagekit.io/"',
            'IMAGEKIT_URL_ENDPOINT = "https://ik.imagekit.io/acme"',
            "Copy the endpoint from the dashboard."),
    CodeDoc("imagekit.W003", "Settings and environment disagree",
            "A setting holds a different value from the environment variable of the same "
            "name (imagekitio 5.x reads IMAGEKIT_PRIVATE_KEY itself).",
            "Two sources of truth: one process uploads with one key, another with the other.",
            'IMAGEKIT_PRIVATE_KEY = "private_old="  # while the env has private_new=',
            'IMAGEKIT_PRIVATE_KEY = os.environ["IMAGEKIT_PRIVATE_KEY"]',
            "Read the setting from the environment, or remove the stale variable."),
]
