"""The end-to-end checks' settings and flags. Everything is optional: without any, the
project's upload endpoints are discovered, authenticated and exercised.

    UPLOAD_DIAGNOSTICS["E2E"] = {
        "URL": "/api/photos/",         # exercise this endpoint (a path, or a list of them)
        "URL_NAME": "photo-upload",    #   or this one, by its name in urls.py
        "FIELD": "image",              # its file field, where the view's code names none
        "DATA": {"title": "x"},        # form fields, over the values filled in
        "USER": "alice",               # log in as this user instead of a new superuser,
                                       #   or {"username", "is_staff", "is_superuser",
                                       #   "permissions": ["app.codename"], "groups"}
        "HEADERS": {"Authorization": "Token ..."},  # on every request (redacted)
        "PREPARE": "pkg.mod.func",     # func(client, data) -> data, before each request
        "MAX_ENDPOINTS": 5,            # discovered endpoints exercised, best ranked first
        "IMAGE": "4032x3024", "FORMAT": "JPEG" or "PNG",  # the large test image
        "IMAGES": "hard",              # the hard-image set instead of the pair
        "STAGE_TIMEOUT": 30, "FETCH_TIMEOUT": 10}         # seconds

The flags --endpoint, --field, --data, --user, --header, --max-endpoints, --image and
--images win over the settings; --list-endpoints prints the endpoints found and exits.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from upload_diagnostics.diagnostics import Option

from . import images

if TYPE_CHECKING:  # (auth and endpoint load where a run uses them: every run reads FLAGS)
    from .endpoint import Request

MAX_ENDPOINTS = 5
IMAGE_SETS = ("default", "hard")


class ConfigError(ValueError):
    """UPLOAD_DIAGNOSTICS["E2E"] (or a flag) does not describe a usable request."""


def _key_value(text: str) -> tuple[str, str]:
    key, sep, value = str(text).partition("=")
    if not sep or not key:
        raise ValueError(f"{text!r} is not KEY=VALUE, e.g. title=Holiday")
    return key, value


def _header(text: str) -> tuple[str, str]:
    """"Name: value" -> (name, value)."""
    name, sep, value = str(text).partition(":")
    if not sep or not name.strip():
        raise ValueError(f"{text!r} is not a header like 'Authorization: Token abc'")
    return name.strip(), value.strip()


def _positive(text: str) -> int:
    if not text.isdigit() or not int(text):
        raise ValueError(f"{text!r} is not a positive whole number")
    return int(text)


def _list_endpoints(ctx, fmt: str) -> tuple[str, int]:
    from .listing import render

    return render(ctx, fmt), 0


FLAGS = (
    Option(("--endpoint",), "endpoints", "Exercise this upload endpoint (a path) instead of "
           "the discovered ones; repeatable. Example: --endpoint /api/photos/", "URL",
           multiple=True),
    Option(("--field",), "field", "The file field of the upload where the view's code "
           "names none. Example: --endpoint /upload/ --field photo", "NAME"),
    Option(("--data",), "data", "A form field sent with every upload, over the values "
           "filled in; repeatable. Example: --data title=Holiday --data album=3",
           "KEY=VALUE", type=_key_value, multiple=True),
    Option(("--user",), "user", "Log in as this user (found, else created in the "
           "rolled-back test database) instead of a new superuser. Example: --user alice",
           "NAME"),
    Option(("--header",), "headers", "A header sent with every upload, e.g. for token or "
           "JWT authentication; redacted in every report; repeatable. Example: --header "
           "'Authorization: Token 9944b09199c62bcf'", "'NAME: VALUE'",
           type=_header, multiple=True),
    Option(("--max-endpoints",), "max_endpoints", "How many discovered upload endpoints "
           f"are exercised, the likeliest user-facing ones first (default {MAX_ENDPOINTS}). "
           "Example: --max-endpoints 10", "N", type=_positive),
    Option(("--images",), "images", "Which images go through the endpoints: default, a "
           "small photo and a phone photo; hard, the images phones and users really send "
           "(HEIC, CMYK, RGBA and palette PNG, 16-bit PNG, truncated JPEG, animated GIF and "
           "WebP, an EXIF-rotated photo, a decompression bomb, awkward names), each with its "
           "verdict and peak memory. Example: --images hard", "SET", choices=IMAGE_SETS),
    Option(("--list-endpoints",), "list_endpoints", "List the upload endpoints found in the "
           "URLconf (URL, view, kind, file field, required fields, authentication) and "
           "exit; a JSON list with --format json. Example: --list-endpoints --format json",
           flag=True, action=_list_endpoints),
)


@dataclass
class E2EConfig:
    urls: tuple[str, ...]  # configured endpoints; empty: discover them
    request: Request
    max_endpoints: int
    image: tuple[int, int]
    image_format: str
    images: str  # "default" or "hard"
    stage_timeout: float
    fetch_timeout: float


def settings_of(ctx) -> dict:
    """UPLOAD_DIAGNOSTICS["E2E"] (its shape checked before the run)."""
    return ctx.config.get("E2E") or {}


def load(ctx) -> E2EConfig:
    """The settings with the flags over them."""
    return _merged(settings_of(ctx), ctx.options)


def fallback(ctx) -> E2EConfig:
    """The flags over the defaults, for a run that goes on without unusable settings."""
    return _merged({}, ctx.options)


def _merged(config: dict, options) -> E2EConfig:
    from django.utils.module_loading import import_string

    from . import auth
    from .endpoint import Request

    data = config.get("DATA") or {}  # (types checked with the rest of UPLOAD_DIAGNOSTICS)
    headers = config.get("HEADERS") or {}
    user = options.user or config.get("USER")
    prepare = config.get("PREPARE")
    try:
        prepare = import_string(prepare) if isinstance(prepare, str) else prepare
    except ImportError as exc:
        raise ConfigError(f'"PREPARE" {config["PREPARE"]!r} cannot be imported: {exc}')
    request = Request(auth.Credentials(user, {**headers, **dict(options.headers)}),
                      {**data, **dict(options.data)}, options.field or config.get("FIELD"),
                      prepare)
    return E2EConfig(
        urls=tuple(options.endpoints) or _configured_urls(config), request=request,
        max_endpoints=int(options.max_endpoints or config.get("MAX_ENDPOINTS")
                          or MAX_ENDPOINTS),
        image=options.image or _size(config.get("IMAGE")) or images.PHONE_SIZE,
        image_format=str(config.get("FORMAT", "JPEG")),
        images=options.images or config.get("IMAGES") or "default",
        stage_timeout=float(config.get("STAGE_TIMEOUT", 30)),
        fetch_timeout=float(config.get("FETCH_TIMEOUT", 10)))


def register_secrets(ctx) -> None:
    """Header values (E2E["HEADERS"], --header) are secrets wherever they appear, argv
    included, whichever checks run."""
    for value in header_secrets(ctx):
        ctx.add_secret(value)


def header_secrets(ctx) -> list[str]:
    """Every header value given (settings and flags), and its credential part."""
    headers = settings_of(ctx).get("HEADERS") or {}
    values = [*headers.values(),
              *(value for _name, value in ctx.options.headers)]
    return [part for value in map(str, values) for part in (value, *value.split()[-1:])]


def _configured_urls(config: dict) -> tuple[str, ...]:
    from django.urls import NoReverseMatch, reverse

    if config.get("URL"):
        url = config["URL"]
        return tuple(url) if isinstance(url, (list, tuple)) else (str(url),)
    if config.get("URL_NAME"):
        try:
            return (reverse(config["URL_NAME"]),)
        except NoReverseMatch as exc:
            raise ConfigError(f"URL_NAME {config['URL_NAME']!r} does not resolve: {exc}")
    return ()


def _size(value) -> tuple[int, int] | None:
    if not value:
        return None
    if isinstance(value, (tuple, list)):
        return int(value[0]), int(value[1])
    width, _, height = str(value).lower().partition("x")
    return int(width), int(height)
