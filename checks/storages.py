"""Every storage the project uses, each resolved to its backend class, its instance and
where it was declared: each alias of STORAGES (with Django 4.2's DEFAULT_FILE_STORAGE and
STATICFILES_STORAGE, as Django's own storage handler reads them), and `storage=` on model
FileFields and ImageFields (a callable or an instance).

Instances are built by Django (`storages[alias]`, the field's own `storage`), so a
backend's settings and OPTIONS are read by the backend itself, never here."""
from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .settings_source import setting_line

# Django 4.2's settings for an alias, before STORAGES (removed in Django 5.1)
LEGACY = {"default": "DEFAULT_FILE_STORAGE", "staticfiles": "STATICFILES_STORAGE"}


@dataclass
class StorageUse:
    """One storage the project uses."""

    name: str  # the STORAGES alias, or "app_label.Model.field"
    backend: str  # dotted path of the backend class
    declared: str  # what declares it: 'STORAGES["default"]', "storage= of photos.Photo.image"
    where: str | None = None  # "path:line" of that declaration, when found
    instance: Any = None  # None when it could not be built
    problem: str = ""  # why it could not be built
    options: dict = field(default_factory=dict)  # STORAGES' OPTIONS for an alias
    model_field: Any = None  # the FileField, for storage= on a model
    same_as: str | None = None  # the alias whose very instance this field uses

    @property
    def is_alias(self) -> bool:
        return self.model_field is None

    def option_line(self, ctx, option: str) -> str | None:
        """`path:line` of an OPTIONS key of this alias in the settings module, if there."""
        if not self.is_alias or option not in self.options:
            return None
        return setting_line(ctx, "STORAGES", self.name, "OPTIONS", option)


def resolve(ctx) -> list[StorageUse]:
    """Every storage the project uses (aliases first, then model fields), once per run;
    [] without Django settings."""
    return ctx.cached("storages", lambda: _resolve(ctx) if ctx.django_ready else [])


def of_class(ctx, cls) -> list[StorageUse]:
    """The storages built as `cls` or a subclass of it (a field using an alias's very
    instance is left out: it is that alias)."""
    return [use for use in resolve(ctx) if isinstance(use.instance, cls) and not use.same_as]


def _resolve(ctx) -> list[StorageUse]:
    from django.core.files.storage import storages

    uses = [_alias(ctx, alias, storages) for alias in _aliases(storages)]
    instances = {id(use.instance): use.name for use in uses if use.instance is not None}
    for label, model_field in field_storages():
        storage = model_field.storage
        uses.append(StorageUse(
            label, _dotted(type(storage)), f"storage= of {label}"
            + _made_by(model_field), _field_line(ctx, model_field), storage,
            model_field=model_field, same_as=instances.get(id(storage))))
    return uses


def _aliases(storages) -> list[str]:
    """STORAGES' aliases, none when Django cannot read it (django.upload_settings says
    why)."""
    try:
        return list(storages.backends)
    except Exception:  # noqa: BLE001 - STORAGES not a dict: Django itself fails on it
        return []


def field_storages() -> list[tuple[str, Any]]:
    """("app_label.Model.field", field) for each FileField (and ImageField) of an installed
    model whose storage is not default_storage, each field once."""
    from django.apps import apps
    from django.core.files.storage import default_storage
    from django.db.models import FileField

    found = {}
    for model in apps.get_models():
        for f in model._meta.fields:  # inherited fields are the parent's objects
            if isinstance(f, FileField) and f.storage is not default_storage:
                found.setdefault(id(f), (f"{f.model._meta.label}.{f.name}", f))
    return list(found.values())


def _alias(ctx, alias: str, storages) -> StorageUse:
    conf = storages.backends[alias]
    conf = conf if isinstance(conf, dict) else {}
    options = conf.get("OPTIONS") if isinstance(conf.get("OPTIONS"), dict) else {}
    legacy = LEGACY.get(alias)
    if legacy and ctx.settings.is_overridden(legacy):
        declared, where = legacy, setting_line(ctx, legacy)
    else:
        declared, where = f"STORAGES[{alias!r}]", setting_line(ctx, "STORAGES", alias)
    use = StorageUse(alias, str(conf.get("BACKEND", "?")), declared, where, options=options)
    try:
        use.instance = storages[alias]
    except Exception as exc:  # noqa: BLE001 - reported by whoever needs the instance
        use.problem = f"{type(exc).__name__}: {exc}"
    else:
        use.backend = _dotted(type(use.instance))
    return use


def _made_by(model_field) -> str:
    made = getattr(model_field, "_storage_callable", None)
    return f" (made by {_dotted(made)}())" if made is not None else ""


def _field_line(ctx, model_field) -> str | None:
    """`path:line` of the field's assignment in its model's class body."""
    return class_line(ctx, model_field.model, model_field.name)


def class_line(ctx, cls, name: str) -> str | None:
    """`path:line` where the body of class `cls` assigns `name`, when its source shows it."""
    try:
        path = Path(inspect.getsourcefile(cls) or "")
    except TypeError:  # a class built in memory
        return None
    tree = ctx.parsed(path) if path.is_file() else None
    for node in ast.walk(tree) if tree else ():
        if isinstance(node, ast.ClassDef) and node.name == cls.__name__:
            for item in node.body:
                targets = item.targets if isinstance(item, ast.Assign) else [item.target] \
                    if isinstance(item, ast.AnnAssign) else []
                if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                    return f"{ctx.relpath(path)}:{item.lineno}"
    return None


def _dotted(obj) -> str:
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', repr(obj))}"
