"""Where checks come from: built-ins, settings.UPLOAD_DIAGNOSTICS["CHECKS"], entry points.

A source that cannot be loaded becomes a LoadProblem, reported as a finding of its own;
it never stops the run.
"""
from __future__ import annotations

import importlib
import traceback
from dataclasses import dataclass
from importlib.metadata import entry_points

from .check import Check, validate_check_class

ENTRY_POINT_GROUP = "upload_diagnostics.checks"


@dataclass
class LoadProblem:
    source: str  # "settings", "entry point <name>", ...
    target: str  # the dotted path or entry point value
    error: str  # one line
    traceback: str = ""


def import_dotted(path: str):
    """Import "pkg.module.Name" (or "pkg.module:Name")."""
    module_name, _, attr = path.replace(":", ".").rpartition(".")
    if not module_name:
        raise ImportError(f"{path!r} is not a dotted path to a class")
    module = importlib.import_module(module_name)
    try:
        return getattr(module, attr)
    except AttributeError:
        raise ImportError(f"module {module_name!r} has no attribute {attr!r}") from None


def _problem(source: str, target: str, exc: BaseException) -> LoadProblem:
    return LoadProblem(source, target, f"{type(exc).__name__}: {exc}",
                       "".join(traceback.format_exception(exc)))


def _instantiate(obj, options, source, target, checks, problems):
    classes = obj if isinstance(obj, (list, tuple)) else [obj]
    for cls in classes:
        why = validate_check_class(cls)
        if why:
            problems.append(LoadProblem(source, target, why))
            continue
        try:
            checks.append(cls(**options))
        except Exception as exc:
            problems.append(_problem(source, target, exc))


def _parse_setting_entry(entry) -> tuple[str, dict]:
    """"path", ("path", {kwargs}) or {"path": ..., "options": {...}}."""
    if isinstance(entry, str):
        return entry, {}
    if isinstance(entry, dict) and isinstance(entry.get("path"), str):
        return entry["path"], dict(entry.get("options") or {})
    if (isinstance(entry, (list, tuple)) and len(entry) == 2 and isinstance(entry[0], str)
            and isinstance(entry[1], dict)):
        return entry[0], dict(entry[1])
    raise ValueError(f"entry {entry!r} is not a dotted path, (path, options) or "
                     '{"path": ..., "options": {...}}')


def load_checks(builtins: list, setting_entries=(), use_entry_points=True):
    """All checks, in registration order, and the problems met on the way.

    A later registration of an id already taken replaces the earlier one, so a project
    can swap a built-in check for its own.
    """
    checks: list[Check] = []
    problems: list[LoadProblem] = []
    for cls in builtins:
        _instantiate(cls, {}, "built-in", f"{cls.__module__}.{cls.__name__}", checks, problems)
    for entry in setting_entries or ():
        try:
            path, options = _parse_setting_entry(entry)
            obj = import_dotted(path)
        except Exception as exc:
            problems.append(_problem('settings.UPLOAD_DIAGNOSTICS["CHECKS"]', repr(entry), exc))
            continue
        _instantiate(obj, options, 'settings.UPLOAD_DIAGNOSTICS["CHECKS"]', path, checks,
                     problems)
    if use_entry_points:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            source = f"entry point {ep.name!r} ({ENTRY_POINT_GROUP})"
            try:
                obj = ep.load()
            except Exception as exc:
                problems.append(_problem(source, ep.value, exc))
                continue
            _instantiate(obj, {}, source, ep.value, checks, problems)
    by_id = {}
    for check in checks:
        by_id.pop(check.id, None)
        by_id[check.id] = check
    return list(by_id.values()), problems
