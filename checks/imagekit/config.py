"""Where the project keeps its ImageKit configuration, and the toolkit's own options.

UPLOAD_DIAGNOSTICS["IMAGEKIT"] accepts:
    "SETTING_NAMES": ["MEDIA_IK_PRIVATE", ...]      more settings to look in, first; the
                                                     name says the role (PUBLIC, URL or
                                                     ENDPOINT, else the private key);
                                                     "IMAGEKIT.PRIVATE_KEY" reads a dict
    "BASE_URL": "http://127.0.0.1:8765"              a staging or mock ImageKit API
    "TIMEOUT": 10                                     seconds per network call
The environment variable UPLOAD_DIAGNOSTICS_IMAGEKIT_URL sets BASE_URL too (it wins).
"""
from __future__ import annotations

import ast
import importlib.util
import inspect
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from upload_diagnostics.diagnostics import Skip
from upload_diagnostics.diagnostics.environment import storage_backends
from upload_diagnostics.diagnostics.redact import SECRET_NAME

from . import sdk as sdk_mod

ROLES = ("private_key", "public_key", "url_endpoint")
SETTING_NAMES = {
    "private_key": ("IMAGEKIT_PRIVATE_KEY", "IMAGEKIT_PRIVATE_API_KEY", "IMAGE_KIT_PRIVATE_KEY",
                    "IMAGEKIT_API_SECRET", "IMAGEKIT.PRIVATE_KEY", "IK_PRIVATE_KEY"),
    "public_key": ("IMAGEKIT_PUBLIC_KEY", "IMAGEKIT_PUBLIC_API_KEY", "IMAGE_KIT_PUBLIC_KEY",
                   "IMAGEKIT_API_KEY", "IMAGEKIT.PUBLIC_KEY", "IK_PUBLIC_KEY"),
    "url_endpoint": ("IMAGEKIT_URL_ENDPOINT", "IMAGE_KIT_URL_ENDPOINT", "IMAGEKIT_URL",
                     "IMAGEKIT_ENDPOINT", "IMAGEKIT.URL_ENDPOINT", "IK_URL_ENDPOINT"),
}
LABELS = {"private_key": "private key", "public_key": "public key",
          "url_endpoint": "URL endpoint"}
DEFAULT_TIMEOUT = 10.0


@dataclass
class Value:
    role: str
    source: str  # "setting" or "environment"
    name: str
    value: str


@dataclass
class ImageKitConfig:
    sdk: sdk_mod.Sdk
    values: dict[str, Value] = field(default_factory=dict)  # role -> where it was found
    environment: dict[str, str] = field(default_factory=dict)  # name -> value the SDK reads
    env_names_read_by_sdk: tuple[str, ...] = ()
    storage: str | None = None  # dotted path of the default storage backend
    storage_is_imagekit: bool = False
    source_uses_sdk: bool = False
    base_url: str | None = None
    timeout: float = DEFAULT_TIMEOUT

    @property
    def in_use(self) -> bool:
        """ImageKit storage, the SDK imported, or ImageKit keys in the settings (keys
        only in the environment, where another project may have left them, do not
        count)."""
        return self.storage_is_imagekit or self.source_uses_sdk or any(
            found.source == "setting" for found in self.values.values())

    def get(self, role: str) -> str:
        found = self.values.get(role)
        return found.value if found else ""


def require_use(config: ImageKitConfig) -> None:
    """Skip a check of a project that does not use ImageKit: not applicable."""
    if not config.in_use:
        raise Skip("not applicable: the project does not use ImageKit (no ImageKit storage, "
                   "no import of imagekitio, no ImageKit keys in its settings)")


def require_key(config: ImageKitConfig) -> str:
    """The private key, or a Skip: without one there is nothing to send."""
    key = config.get("private_key").strip()
    if not key:
        raise Skip("no ImageKit private key is configured (imagekit.credentials reports it)",
                   "IMAGEKIT_PRIVATE_KEY")
    return key


def options(ctx) -> dict:
    section = ctx.config.get("IMAGEKIT") if isinstance(ctx.config, dict) else None
    return section if isinstance(section, dict) else {}


def base_url(ctx) -> str | None:
    return os.environ.get(sdk_mod.BASE_URL_ENV) or options(ctx).get("BASE_URL") or None


def timeout(ctx) -> float:
    raw = options(ctx).get("TIMEOUT") or os.environ.get("UPLOAD_DIAGNOSTICS_IMAGEKIT_TIMEOUT")
    try:
        return float(raw) if raw else DEFAULT_TIMEOUT
    except (TypeError, ValueError):
        return DEFAULT_TIMEOUT


def load(ctx) -> ImageKitConfig:
    return ctx.cached("imagekit.config", lambda: _load(ctx))


def _load(ctx) -> ImageKitConfig:
    sdk = sdk_mod.installed()
    config = ImageKitConfig(sdk=sdk, base_url=base_url(ctx), timeout=timeout(ctx))
    config.env_names_read_by_sdk = env_names_read_by_sdk(sdk)
    extra = options(ctx).get("SETTING_NAMES") or ()
    extra = [extra] if isinstance(extra, str) else [n for n in extra if isinstance(n, str)]
    for role in ROLES:
        names = [n for n in extra if role_of(n) == role] + list(SETTING_NAMES[role])
        found = _from_settings(ctx.settings, names, role) or _from_env(names, role)
        if found:
            config.values[role] = found
    for name in {*config.env_names_read_by_sdk, *(n for names in SETTING_NAMES.values()
                                                  for n in names if "." not in n)}:
        if name in os.environ:
            config.environment[name] = os.environ[name]
    for role, found in config.values.items():
        if role != "url_endpoint":
            ctx.add_secret(found.value)
    for name, value in config.environment.items():
        if SECRET_NAME.search(name):
            ctx.add_secret(value)
    config.storage = storage_backends(ctx.settings).get("default")
    config.storage_is_imagekit = bool(config.storage) and _is_imagekit_backend(config.storage)
    config.source_uses_sdk = any(True for _ in sdk_imports(ctx))
    return config


def role_of(name: str) -> str:
    """The role a setting name holds. (Configured by names, not by a role -> name
    mapping: a key called "private_key" would make the redactor hide the name itself.)"""
    upper = name.upper()
    if "PUBLIC" in upper:
        return "public_key"
    if "URL" in upper or "ENDPOINT" in upper:
        return "url_endpoint"
    return "private_key"


def _from_settings(settings, names, role) -> Value | None:
    if settings is None:
        return None
    for name in names:
        head, _, key = name.partition(".")
        if not hasattr(settings, head):
            continue
        value = getattr(settings, head)
        if key:
            if not isinstance(value, dict) or key not in value:
                continue
            value = value[key]
        return Value(role, "setting", name, "" if value is None else str(value))
    return None


def _from_env(names, role) -> Value | None:
    for name in names:
        if "." not in name and name in os.environ:
            return Value(role, "environment", name, os.environ[name])
    return None


def env_names_read_by_sdk(sdk: sdk_mod.Sdk) -> tuple[str, ...]:
    """Environment variables the installed client's constructor reads, from its source."""
    if not sdk.installed:
        return ()
    try:
        from imagekitio import ImageKit
        tree = ast.parse(inspect.getsource(ImageKit.__init__).strip().replace("\n    ", "\n"))
    except (ImportError, OSError, TypeError, SyntaxError):
        return ()
    names = []
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == "get" and "environ" in ast.unparse(node.func.value)
                and node.args and isinstance(node.args[0], ast.Constant)):
            names.append(node.args[0].value)
    return tuple(dict.fromkeys(names))


def _is_imagekit_backend(dotted: str) -> bool:
    """Whether the storage class is ImageKit's: by name, or its module uses imagekitio
    (read as text: importing a storage written for another SDK generation may fail)."""
    if "imagekit" in dotted.lower():
        return True
    module = dotted.rpartition(".")[0]
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return False
    origin = getattr(spec, "origin", None)
    try:
        return bool(origin) and "imagekitio" in Path(origin).read_text("utf-8", "replace")
    except OSError:
        return False


SDK_WORD = re.compile(rb"imagekitio")


def sdk_imports(ctx):
    """(path, tree) of each project file that imports imagekitio."""
    for path in ctx.python_files_matching(SDK_WORD):
        tree = ctx.parsed(path)
        if tree is None:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import) and any(
                    a.name.split(".")[0] == "imagekitio" for a in node.names) or \
                    isinstance(node, ast.ImportFrom) and node.level == 0 and \
                    (node.module or "").split(".")[0] == "imagekitio":
                yield path, tree
                break

