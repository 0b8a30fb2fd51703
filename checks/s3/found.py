"""The project's S3 storages (django-storages' S3Storage and its subclasses, each alias or
model field once), the provider each talks to, and where each of their options was set.

Values always come from the storage instance Django built: django-storages resolved its
OPTIONS, AWS_* settings and environment variables itself. Only to say *where* a value
came from are the names it reads looked up, in its own `get_default_settings` source."""
from __future__ import annotations

import ast
import inspect
import os
import re
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from upload_diagnostics.diagnostics import Skip, require

from ..django_settings import wrong_settings
from ..settings_source import setting_line
from ..storages import StorageUse, class_line, of_class, resolve

ENABLE = "s3"  # the extra that brings django-storages and boto3
# Endpoint hosts (suffixes) of S3-compatible services; no endpoint, or amazonaws.com, is AWS.
PROVIDERS = ((".r2.cloudflarestorage.com", "Cloudflare R2"),
             (".digitaloceanspaces.com", "DigitalOcean Spaces"),
             (".backblazeb2.com", "Backblaze B2"), (".wasabisys.com", "Wasabi"),
             ("storage.googleapis.com", "Google Cloud Storage (S3 interoperability)"),
             (".linodeobjects.com", "Akamai (Linode) Object Storage"))
AWS_HOST = re.compile(r"(^|\.)amazonaws\.com(\.cn)?$")
# s3.eu-west-1.amazonaws.com, s3-eu-west-1..., bucket.s3.dualstack.eu-west-1...
AWS_REGION = re.compile(r"(?:^|\.)s3[.-](?:dualstack\.)?"
                        r"([a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-\d+)\.amazonaws\.com(?:\.cn)?$")


@dataclass
class S3Use:
    """One S3 storage: its resolution and the provider behind its endpoint."""

    use: StorageUse
    provider: str
    is_aws: bool

    @property
    def storage(self):
        return self.use.instance

    @property
    def client_config(self):
        """The botocore Config the storage's clients use (`config` before django-storages
        1.14.3 named it client_config)."""
        return getattr(self.storage, "client_config", None) or self.storage.config

    @property
    def takes_uploads(self) -> bool:
        """Media, not static files: the staticfiles alias and S3StaticStorage are for
        collectstatic, where overwriting is the point."""
        from storages.backends.s3 import S3StaticStorage

        return self.use.name != "staticfiles" and not isinstance(self.storage, S3StaticStorage)


def s3_uses(ctx) -> list[S3Use]:
    """The project's S3 storages, or Skip: django-storages or boto3 missing where the
    project names an S3 backend, or no S3 storage at all (not applicable)."""
    wrong = [name for name in wrong_settings(ctx.settings) if name.startswith("STORAGES")]
    if wrong:
        raise Skip(f"{wrong[0]} is of the wrong type (django.E005): Django cannot build "
                   "the storages")
    uses = resolve(ctx)
    named = [u for u in uses if ".s3" in u.backend.lower() or "boto" in u.problem.lower()]
    if named:
        require(ENABLE, f"{named[0].declared} uses {named[0].backend}",
                storages="django-storages", boto3="boto3")
    try:
        from storages.backends.s3 import S3Storage
    except ImportError:  # and no backend named S3: none can be in use
        S3Storage = None  # noqa: N806
    found = [S3Use(u, *provider(u.instance.endpoint_url))
             for u in (of_class(ctx, S3Storage) if S3Storage else [])]
    if not found and not (S3Storage and broken(ctx)):
        raise Skip("not applicable: no storage of the project is django-storages' "
                   f"S3Storage (looked at {len(uses)}: STORAGES and storage= on model fields)",
                   "an S3Storage in STORAGES or on a model field")
    return found


def broken(ctx) -> list[StorageUse]:
    """S3 storages Django could not build (the backend class imports, the instance not)."""
    from django.utils.module_loading import import_string
    from storages.backends.s3 import S3Storage

    found = []
    for use in resolve(ctx):
        if use.instance is None:
            try:
                cls = import_string(use.backend)
            except ImportError:
                continue
            if isinstance(cls, type) and issubclass(cls, S3Storage):
                found.append(use)
    return found


def provider(endpoint_url: str | None) -> tuple[str, bool]:
    """(the provider's name, whether it is AWS) from the endpoint URL's host."""
    host = urlsplit(endpoint_url or "").hostname or ""
    if not endpoint_url or AWS_HOST.search(host):
        return "AWS S3", True
    for suffix, name in PROVIDERS:
        if host.endswith(suffix) or host == suffix.lstrip("."):
            return name, False
    if "minio" in host:
        return "MinIO", False
    return f"an S3-compatible service at {host or endpoint_url} (MinIO or another)", False


def endpoint_region(endpoint_url: str | None) -> str | None:
    """The AWS region an amazonaws.com endpoint URL names, if it names one."""
    found = AWS_REGION.search(urlsplit(endpoint_url or "").hostname or "")
    return found.group(1) if found else None


@cache
def read_from(cls) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """attribute -> (the settings, the environment variables) django-storages reads it
    from, from the source of `cls.get_default_settings` (its own names, per version)."""
    try:
        tree = ast.parse(inspect.cleandoc("\n" + inspect.getsource(cls.get_default_settings)))
    except (OSError, TypeError, SyntaxError):
        return {}
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    found[key.value] = (_names_in(value, "setting"),
                                        _names_in(value, "lookup_env"))
    return found


def _names_in(node, func: str) -> tuple[str, ...]:
    names = []
    for call in ast.walk(node):
        if isinstance(call, ast.Call) and getattr(call.func, "id", "") == func and call.args:
            names += [c.value for c in ast.walk(call.args[0])
                      if isinstance(c, ast.Constant) and isinstance(c.value, str)]
    return tuple(dict.fromkeys(names))


def origin(ctx, s3: S3Use, attr: str) -> tuple[str, str | None]:
    """(where an option's value came from, "path:line" when a file shows it), in
    django-storages' order: OPTIONS (or the field's arguments), a class attribute of the
    project's subclass, a setting, an environment variable, its default."""
    use, storage = s3.use, s3.storage
    value = getattr(storage, attr, None)
    if use.is_alias and attr in use.options:
        return f"STORAGES[{use.name!r}]['OPTIONS'][{attr!r}]", use.option_line(ctx, attr)
    for cls in type(storage).__mro__:
        if cls.__module__.startswith("storages."):
            break
        if attr in vars(cls):
            return f"{cls.__module__}.{cls.__qualname__}.{attr}", class_line(ctx, cls, attr)
    settings, environ = read_from(type(storage)).get(attr, ((), ()))
    for name in settings:
        if hasattr(ctx.settings, name) and getattr(ctx.settings, name) == value:
            return f"settings.{name}", setting_line(ctx, name)
    for name in environ:
        if os.environ.get(name) and os.environ[name] == value:
            return f"environment {name}", None
    if not use.is_alias:
        return f"the arguments of {use.declared} (or django-storages' default)", use.where
    return "django-storages' default", None


def explicit(ctx, s3: S3Use, attr: str) -> bool:
    """Whether the project set the option itself (not django-storages' default)."""
    return not origin(ctx, s3, attr)[0].startswith(("django-storages' default", "the arg"))


def located(where: str | None) -> dict:
    """Finding location keywords from "path:line"."""
    if not where:
        return {}
    path, _, line = where.rpartition(":")
    return {"path": path, "line": int(line)} if line.isdigit() else {"path": where}


def sent_acl(storage) -> tuple[str | None, str]:
    """The canned ACL each upload carries and the option it comes from:
    AWS_S3_OBJECT_PARAMETERS' ACL, else default_acl (as django-storages' write parameters
    take them)."""
    sent = storage.get_object_parameters("photo.jpg").get("ACL")
    return (sent, "object_parameters") if sent else (storage.default_acl, "default_acl")
