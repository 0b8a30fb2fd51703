"""--cleanup: what the write tier may have left under its test prefixes - upload-diagnostics/
on each storage the project uses (STORAGES and storage= on model fields), and the test
folder of ImageKit's media library - listed, and deleted with --yes. The exit status is 0
only when every place could be listed and nothing is left there."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from upload_diagnostics.diagnostics.roundtrip import PREFIX

from . import storages
from .django_settings import wrong_settings
from .e2e.recording import local_root, remove_empty_dirs, walk
from .imagekit import config as ik_config
from .imagekit.leftovers import Library, test_folder


@dataclass
class Place:
    """One storage (or media library) and what is under its test prefix."""

    where: str
    prefix: str
    found: list[str] = field(default_factory=list)
    not_deleted: dict[str, str] = field(default_factory=dict)  # name -> why
    problem: str = ""  # why it could not be listed
    skipped: str = ""  # why it was not looked at (nothing configured there)
    deleted: bool = False  # deletion was asked for (--yes)

    @property
    def clean(self) -> bool:
        return not self.problem and not self.left

    @property
    def left(self) -> list[str]:
        return list(self.not_deleted) if self.deleted else self.found


def render(ctx, fmt: str) -> tuple[str, int]:
    places = [*_storages(ctx), _media_library(ctx)]
    status = 0 if all(p.clean for p in places) else 1
    if fmt == "json":
        return json.dumps([p.__dict__ | {"left": p.left} for p in places], indent=2) + "\n", \
            status
    return _text(places, ctx.options.yes), status


def _storages(ctx) -> list[Place]:
    if not ctx.django_ready:
        return [Place("Django storages", PREFIX, skipped="no Django settings (pass --settings "
                                                        "MODULE)")]
    wrong = [name for name in wrong_settings(ctx.settings) if name.startswith("STORAGES")]
    if wrong:
        return [Place("Django storages", PREFIX, problem=f"{wrong[0]} is not usable "
                                                        "(django.E005)")]
    return [_storage(ctx, use) for use in storages.resolve(ctx) if not use.same_as]


def _storage(ctx, use: storages.StorageUse) -> Place:
    from django.core.exceptions import ImproperlyConfigured

    place = Place(f"storage {use.name!r}", PREFIX)
    storage = use.instance
    if storage is None:  # a backend that cannot be built holds nothing
        place.skipped = f"cannot be built ({use.problem})"
        return place
    place.where += f" ({use.backend})"
    try:
        place.found = walk(storage, PREFIX)
    except ImproperlyConfigured as exc:  # (STATIC_ROOT unset): nothing was saved there either
        place.skipped = f"not configured ({exc})"
        return place
    except Exception as exc:  # noqa: BLE001 - no listdir(), or it failed
        place.problem = f"cannot list {PREFIX} ({type(exc).__name__}: {exc})"
        return place
    if ctx.options.yes:
        place.deleted = True
        for name in place.found:
            place.not_deleted.update(_delete(storage, name))
        root = local_root(storage)
        if root is not None:
            remove_empty_dirs(root, PREFIX)
    return place


def _delete(storage, name: str) -> dict[str, str]:
    try:
        storage.delete(name)
        return {name: "still exists after delete()"} if storage.exists(name) else {}
    except Exception as exc:  # noqa: BLE001 - reported with the name
        return {name: f"{type(exc).__name__}: {exc}"}


def _media_library(ctx) -> Place:
    folder = test_folder(ctx)
    place = Place("ImageKit media library", folder + "/")
    config = ik_config.load(ctx)
    if not config.in_use or not config.get("private_key").strip():
        place.skipped = "the project does not use ImageKit, or no private key is configured"
        return place
    if ctx.options.offline:
        place.skipped = "--offline"
        return place
    library = Library.of(config)
    place.where += f" ({library.base_url})"
    try:
        files = library.files_under(folder)
    except LookupError as exc:
        place.problem = f"cannot list {folder}/ ({exc})"
        return place
    place.found = [f["filePath"] for f in files]
    if ctx.options.yes:
        place.deleted = True
        for item in files:
            problem = library.delete(str(item.get("fileId")))
            if problem:
                place.not_deleted[item["filePath"]] = problem
    return place


def _text(places: list[Place], yes: bool) -> str:
    lines = ["What the write tier (--e2e) may have left under its test prefixes:"]
    for p in places:
        head = f"  {p.where}, under {p.prefix}: "
        if p.skipped or p.problem:
            lines.append(head + (f"not looked at: {p.skipped}" if p.skipped else p.problem))
            continue
        lines.append(head + (f"{len(p.found)} object(s)" if p.found else "nothing"))
        for name in p.found:
            state = "" if not p.deleted else f"  NOT deleted: {p.not_deleted[name]}" \
                if name in p.not_deleted else "  deleted"
            lines.append(f"    {name}{state}")
    found = sum(len(p.found) for p in places)
    if any(p.problem for p in places):
        lines.append("Some places could not be listed: what they hold is unknown.")
    if found and not yes:
        lines.append(f"{found} object(s) found; run again with --yes to delete them.")
    elif found:
        left = sum(len(p.not_deleted) for p in places)
        lines.append(f"{found - left} of {found} object(s) deleted"
                     + (f"; {left} could not be." if left else "."))
    return "\n".join(lines) + "\n"
