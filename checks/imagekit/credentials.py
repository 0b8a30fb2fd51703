"""imagekit.credentials: are the ImageKit keys and URL endpoint well-formed?

Static: reads settings and the environment only. Keys appear only as fingerprints.
"""
from __future__ import annotations

import base64
import binascii
from urllib.parse import urlsplit

from upload_diagnostics.diagnostics import Check, kv, table
from upload_diagnostics.diagnostics.redact import fingerprint

from . import config as cfg
from .codes import E001, E002, E003, E004, E005, E006, I001, W001, W002, W003, W004

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
    layer = "storage"
    tags = ("imagekit", "credentials", "storage")
    codes = (I001, E001, W001, E002, E003, E004, E005, E006, W002, W003, W004)
    provides = ("imagekit.config",)

    def run(self, ctx):
        config = cfg.load(ctx)
        ctx.publish("imagekit.config", {"sdk": config.sdk.label,
                                        "in_use": config.in_use,
                                        "storage": config.storage})
        cfg.require_use(config)
        yield I001(f"ImageKit configuration found ({config.sdk.label})", "", summary(config))
        yield from missing(config)  # the configuration is shown once, on imagekit.I001
        exchanged = swapped(config)
        yield from exchanged
        for role in cfg.ROLES:
            found = config.values.get(role)
            if found and found.value:
                yield from shape(role, found, check_prefix=not exchanged)
        yield from disagreements(config)


def missing(config):
    absent = []  # (role, why), of the values this SDK needs
    for role in cfg.ROLES:
        found = config.values.get(role)
        if found and found.value.strip():
            continue
        label = cfg.LABELS[role]
        place = f"{where(found)} is empty" if found else "no setting or environment " \
            f"variable holds it (looked for {', '.join(cfg.SETTING_NAMES[role][:3])})"
        needed = role == "private_key" or config.sdk.generation in ("2", "3.0", "4")
        if needed and elsewhere(config):
            absent.append(f"{label}: {place}")
        elif needed:
            yield E001(f"The ImageKit {label} is missing: "
                       f"{place}",
                       f"Set {cfg.SETTING_NAMES[role][0]} (from the dashboard's Developer "
                       f"options); {config.sdk.label} cannot authenticate or be "
                       "constructed without it.")
        else:
            yield W001(f"The ImageKit {label} is missing: "
                       f"{place}",
                       f"{config.sdk.label} does not need it to upload, but URLs built "
                       f"from it will be wrong; set {cfg.SETTING_NAMES[role][0]}.")
    if absent:
        yield W004(f"ImageKit values are missing ({'; '.join(absent)}), but the default "
                   f"storage is {config.storage}, not ImageKit's",
                   "Uploads do not go through ImageKit. Remove the ImageKit code and "
                   "settings nothing uses, or set the values where imagekitio is called.")


def elsewhere(config) -> bool:
    """Whether uploads go to another remote storage (S3, GCS...): the default backend is
    set and is neither ImageKit's nor one that keeps files locally (with those, code may
    still upload through imagekitio itself)."""
    local = ("FileSystemStorage", "InMemoryStorage")
    return bool(config.storage) and not config.storage_is_imagekit and \
        not config.storage.endswith(local)


def swapped(config):
    private, public = config.get("private_key").strip(), config.get("public_key").strip()
    if private.startswith("public_") and public.startswith("private_"):
        return [E003(
            "The ImageKit private and public keys are swapped",
            f"Exchange the values of {config.values['private_key'].name} and "
            f"{config.values['public_key'].name}; ImageKit answers 403 to every upload.")]
    return []


def shape(role: str, found: cfg.Value, check_prefix: bool = True):
    value, label = found.value, cfg.LABELS[role]
    stripped = value.strip().strip("'\"").strip()
    if stripped != value:
        yield E004(f"The ImageKit {label} in {where(found)} has surrounding whitespace "
                   f"or quotes", "Remove the quotes/spaces/newline around the value "
                   "(a .env file with quotes, or a copy with a newline); ImageKit "
                   "rejects the key with 403.")
    if role == "url_endpoint":
        yield from endpoint(stripped, found)
        return
    prefix = PREFIXES[role]
    if not stripped.startswith(prefix):
        if check_prefix:  # swapped keys are E003's case
            yield E002(f"The ImageKit {label} in {where(found)} does not start with "
                       f"{prefix!r}", f"Copy the {label} again from ImageKit's dashboard "
                       f"(Developer options); it begins with {prefix!r}.")
        return
    if truncated(stripped[len(prefix):]):
        yield E005(f"The ImageKit {label} in {where(found)} looks truncated (its base64 "
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
        yield E006(f"The ImageKit URL endpoint in {where(found)} does not start with "
                   f"https:// ({url!r})",
                   "Use the full endpoint from the dashboard, e.g. "
                   "https://ik.imagekit.io/your_imagekit_id; without a scheme every "
                   "file URL the storage builds is a relative path.")
        return
    if host in IMAGEKIT_HOSTS:
        path = parts.path.strip("/")
        if not path or "/" in path or not path.replace("_", "").replace("-", "").isalnum():
            yield W002(f"The ImageKit URL endpoint {url!r} in {where(found)} does not end "
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
                yield W003(
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


