"""The shape of settings.UPLOAD_DIAGNOSTICS, checked before anything runs: a value of the
wrong type is a usage error that names the key and what it should be, not a crash in
whichever check reads it first. (Values that are well-formed but wrong, such as a
URL_NAME that does not resolve, are the checks' findings.)"""
from __future__ import annotations

import re
from typing import Any, Callable


def _is_text(value) -> bool:
    return isinstance(value, str)


def _is_texts(value) -> bool:
    return isinstance(value, str) or isinstance(value, (list, tuple)) and all(
        isinstance(v, str) for v in value)


def _is_folders(value) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)


def _is_positive(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def _is_count(value) -> bool:
    return _is_positive(value) and isinstance(value, int)


def _is_list(value) -> bool:
    """A list, or a lone string (its entries are judged where they load: an entry that is
    not a check is a diagnostics.E001 finding, and the other checks run)."""
    return isinstance(value, (str, list, tuple))


def _is_size(value) -> bool:
    if isinstance(value, str):
        return bool(re.fullmatch(r"[1-9]\d*x[1-9]\d*", value.lower()))
    return isinstance(value, (list, tuple)) and len(value) == 2 and all(map(_is_count, value))


def _is_user(value) -> bool:
    return isinstance(value, str) or isinstance(value, dict) and isinstance(
        value.get("username"), str)


def _is_headers(value) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str)
                                           for k, v in value.items())


Rule = tuple[Callable[[Any], bool], str]
# key -> (test, what it must be); a dict value describes the keys of a nested dict.
SHAPE: dict[str, Rule | dict[str, Rule]] = {
    "CHECKS": (_is_list, 'a list of dotted paths of Check classes, or ("path", {options}) '
                         "pairs"),
    "SILENCE": (_is_texts, 'a list of finding codes, such as ["pillow.W001", "server.I*"]'),
    "SOURCE": {
        "INCLUDE": (_is_folders, 'a list of folders relative to the project root, such as '
                                 '["src"]'),
        "EXCLUDE": (_is_folders, 'a list of folders relative to the project root, such as '
                                 '["src/legacy"]'),
        "TESTS": (lambda v: isinstance(v, bool), "True or False"),
    },
    "IMAGEKIT": {
        "BASE_URL": (_is_text, 'a URL such as "https://imagekit-mock.internal"'),
        "TIMEOUT": (_is_positive, "a number of seconds above 0"),
        "SETTING_NAMES": (_is_texts, 'a list of setting names, such as ["MEDIA_IK_PRIVATE"]'),
        "FOLDER": (lambda v: isinstance(v, str) and v.strip("/") != "",
                   'a folder other than the root, such as "/upload-diagnostics"'),
    },
    "S3": {
        "TIMEOUT": (_is_positive, "a number of seconds above 0"),
    },
    "E2E": {
        "URL": (_is_texts, 'a path such as "/api/photos/", or a list of them'),
        "URL_NAME": (_is_text, 'a URL name such as "photo-upload"'),
        "FIELD": (_is_text, 'a form field name such as "image"'),
        "DATA": (lambda v: isinstance(v, dict), 'a dict of form fields such as {"title": "x"}'),
        "USER": (_is_user, 'a username, or a dict with "username"'),
        "HEADERS": (_is_headers, 'a dict of header names to text, such as '
                                 '{"Authorization": "Token ..."}'),
        "PREPARE": (lambda v: isinstance(v, str) or callable(v),
                    "a dotted path to a function (client, data) -> data, or the function"),
        "MAX_ENDPOINTS": (_is_count, "a whole number above 0"),
        "IMAGE": (_is_size, 'a size such as "4032x3024" or (4032, 3024)'),
        "FORMAT": (lambda v: v in ("JPEG", "PNG"), '"JPEG" or "PNG"'),
        "IMAGES": (lambda v: v in ("default", "hard"), '"default" or "hard"'),
        "STAGE_TIMEOUT": (_is_positive, "a number of seconds above 0"),
        "FETCH_TIMEOUT": (_is_positive, "a number of seconds above 0"),
    },
    "MAX_UPLOAD_BYTES": (_is_count, "a number of bytes above 0, such as 20 * 1024 * 1024"),
    "SITE_URL": (lambda v: _is_texts(v) and all(
        u.startswith(("http://", "https://")) for u in ([v] if isinstance(v, str) else v)),
        'the site\'s public address such as "https://photos.acme.io/", or a list of them'),
    "MAX_FILE_BYTES": (_is_count, "a number of bytes above 0, such as 5 * 1024 * 1024"),
}


def problems(config: dict) -> list[str]:
    """What is wrong with the shape of UPLOAD_DIAGNOSTICS, one sentence per key."""
    found = []
    for key, rule in SHAPE.items():
        value = config.get(key)
        if value is None:
            continue
        where = f'settings.UPLOAD_DIAGNOSTICS["{key}"]'
        if isinstance(rule, dict):
            if not isinstance(value, dict):
                found.append(_wrong(where, value, f"a dict with the keys {', '.join(rule)}"))
                continue
            found += [_wrong(f'{where}["{name}"]', value[name], what)
                      for name, (test, what) in rule.items()
                      if value.get(name) is not None and not test(value[name])]
        elif not rule[0](value):
            found.append(_wrong(where, value, rule[1]))
    return found


def _wrong(where: str, value, what: str) -> str:
    return f"{where} must be {what}; it is {_kind(value)}."


def _kind(value) -> str:
    """What a value is, without showing text that may be a secret (a header, a password)."""
    if value is None or isinstance(value, (bool, int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        held = sorted({type(v).__name__ for v in value})
        return f"a {type(value).__name__} of {', '.join(held)}" if held else \
            f"an empty {type(value).__name__}"
    return f"a {type(value).__name__}"
