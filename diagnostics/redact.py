"""Scrubbing secrets out of a finished report, by key name and by value.

A scrubbed value becomes a fingerprint (last four characters and length, plus a hash
prefix for long values) so support can compare keys without seeing them.
"""
from __future__ import annotations

import hashlib
import os
import re
from typing import Any, Iterable

SECRET_NAME = re.compile(r"KEY|SECRET|TOKEN|PASS|SIGNATURE|PRIVATE|CREDENTIAL|AUTH", re.I)
FINGERPRINT = re.compile(r"«redacted[^»]*»")

# Secrets recognisable by their shape, wherever they appear.
PATTERNS = [
    # (not the keyword `private_key=` in code excerpts and hints)
    ("imagekit-private-key",
     re.compile(r"private_(?!key(?![A-Za-z0-9+/]))[A-Za-z0-9+/=_\-]{4,}")),
    ("bearer-token", re.compile(r"(?i)(?<=bearer )[A-Za-z0-9._~+/=\-]{8,}")),
    ("aws-access-key-id", re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b")),
    # 40 characters of base64 with upper, lower and a digit, / or +: an AWS secret key
    # (hex digests, all lower case, do not match). An = before it is a separator
    # (NAME=value): base64 pads only at its end.
    ("aws-secret", re.compile(
        r"(?<![A-Za-z0-9/+])(?=[A-Za-z0-9/+=]*[A-Z])(?=[A-Za-z0-9/+=]*[a-z])"
        r"(?=[A-Za-z0-9/+=]*[0-9/+])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])")),
]
# A value given to a secret-looking name in free text (a log line, a launch command, an
# environment value, a line of code in a traceback): NAME=value, --env NAME=value,
# "name": "value", name: ['value'], Authorization: Scheme value, and name = "value" (with
# spaces, a quoted value only: `key = get_key()` names no secret). Short words (key, pass,
# auth...) count as words of their own (not in "monkey" or "keyboard").
_SECRET_NAME = (
    r"""(?<![\w.-])(?P<name>[\w.-]*?(?:password|passwd|secrets?|tokens?|credentials?|"""
    r"""signature|(?<![A-Za-z])(?:keys?|pass|pwd|auth|authorization|private)(?![A-Za-z]))"""
    r"""[\w.-]*)["']?""")
_QUOTED = r"""(?:"(?P<dq>[^"\n]+)"|'(?P<sq>[^'\n]+)'"""
ASSIGNED = [re.compile(_SECRET_NAME + r"""(?:=|\s*:\s*|\s*=>\s*)\[?\s*"""
                       r"""(?:(?P<scheme>Basic|Bearer|Token|Digest|ApiKey)\s+)?"""
                       + _QUOTED + r"""|(?P<bare>[^\s&,;'"()\[\]{}]+))""", re.I),
            re.compile(_SECRET_NAME + r"""\s+=\s*""" + _QUOTED + ")", re.I)]
# Values that stand for a secret without being one: references, placeholders, literals.
PLACEHOLDER = re.compile(r"\$\{?\w+\}?|%\(\w+\)s|<[^>]*>|(.)\1*|none|null|true|false|"
                         r"undefined|redacted|changeme|\{\w*\}", re.I)
URL_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.\-]*://)(?P<user>[^:/@\s'\"]*):"
                          r"(?P<password>[^@\s'\"/]+)@")


def fingerprint(value: str) -> str:
    """A short, comparable stand-in for a secret."""
    value = str(value)
    if len(value) >= 16:
        digest = hashlib.sha256(value.encode()).hexdigest()[:8]
        return f"«redacted …{value[-4:]} len={len(value)} sha256={digest}»"
    return f"«redacted len={len(value)}»"


def secret_values(settings=None, environ=None) -> set[str]:
    """Values of settings and environment variables whose names look secret."""
    values: set[str] = set()
    environ = os.environ if environ is None else environ
    for name, value in environ.items():
        if SECRET_NAME.search(name):
            values.update(_strings(value))
    if settings is not None:
        for name in dir(settings):
            if name.isupper():
                values.update(_secret_strings(name, getattr(settings, name, None)))
    return {v for v in values if len(v.strip()) >= 4}


def secret_assignments(text: str) -> list[str]:
    """The values free text assigns to secret-looking names (see ASSIGNED), but for
    placeholders such as ${SECRET_KEY}, None or ****."""
    found = []
    matches = [m for pattern in ASSIGNED for m in pattern.finditer(text or "")]
    for match in sorted(matches, key=lambda m: m.start()):
        value = match["dq"] or match["sq"] or match.groupdict().get("bare")
        if len(value) >= 4 and not PLACEHOLDER.fullmatch(value) \
                and not FINGERPRINT.search(value):
            found.append(value)
    return found


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value, value.strip(), value.strip().strip("'\"")]
    if isinstance(value, (bytes, bytearray)):
        return _strings(value.decode("utf-8", "replace"))
    return []


def _secret_strings(name: str, value, inside_secret=False) -> list[str]:
    secret = inside_secret or bool(SECRET_NAME.search(str(name)))
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _secret_strings(k, v, secret)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _secret_strings(name, v, secret)]
    if isinstance(value, str) and not secret:
        # Passwords inside URLs of any setting (DATABASE_URL, CACHES LOCATION...).
        return [m.group("password") for m in URL_USERINFO.finditer(value)]
    return _strings(value) if secret else []


class Redactor:
    def __init__(self, values: Iterable[str] = ()):
        values = sorted({v for v in values if v}, key=len, reverse=True)
        self._known = re.compile("|".join(map(re.escape, values))) if values else None
        self.log: list[dict] = []

    def scrub(self, text: str, where: str = "") -> str:
        """`text` with every known secret and secret-shaped value fingerprinted."""
        if not text or not isinstance(text, str):
            return text
        if self._known is not None:
            text = self._sub(self._known, text, where, "known-value")
        text = URL_USERINFO.sub(lambda m: self._note(where, "url-userinfo") or
                                f"{m['scheme']}{m['user']}:{fingerprint(m['password'])}@",
                                text)
        for kind, pattern in PATTERNS:
            text = self._sub(pattern, text, where, kind)
        return text

    def _sub(self, pattern, text, where, kind):
        def replace(match):
            if _inside_fingerprint(text, match.start()):
                return match.group(0)
            self._note(where, kind)
            return fingerprint(match.group(0))
        return pattern.sub(replace, text)

    def _note(self, where: str, kind: str) -> None:
        entry = {"where": where or "output", "kind": kind}
        if entry not in self.log:
            self.log.append(entry)

    def scrub_tree(self, value: Any, where: str = "") -> Any:
        """A copy of a JSON-like tree with secrets scrubbed; dict keys that name a secret
        have their scalar values fingerprinted, and so do [name, value] pairs of kv
        evidence."""
        if isinstance(value, dict):
            return {k: self._scrub_item(k, v, f"{where}.{k}" if where else k)
                    for k, v in value.items()}
        if isinstance(value, list):
            if (len(value) == 2 and isinstance(value[0], str) and isinstance(value[1], str)
                    and SECRET_NAME.search(value[0]) and where.rsplit(".", 1)[-1][:5] == "items"):
                return [value[0], self._by_name(value[1], where)]
            return [self.scrub_tree(v, f"{where}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, str):
            return self.scrub(value, where)
        return value

    def _scrub_item(self, key, value, where):
        if isinstance(value, str) and SECRET_NAME.search(str(key)):
            return self._by_name(value, where)
        return self.scrub_tree(value, where)

    def _by_name(self, value: str, where: str) -> str:
        if not value.strip() or FINGERPRINT.fullmatch(value.strip()):
            return value
        self._note(where, "key-name")
        return fingerprint(value)


def _inside_fingerprint(text: str, pos: int) -> bool:
    return any(m.start() <= pos < m.end() for m in FINGERPRINT.finditer(text))
