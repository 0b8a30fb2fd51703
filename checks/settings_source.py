"""Where the project's settings module declares a setting, found with `ast`: the line of a
top-level assignment, or of a key inside the dict literal it assigns (STORAGES' aliases and
their OPTIONS)."""
from __future__ import annotations

import ast
import importlib.util
from pathlib import Path


def setting_line(ctx, name: str, *keys: str) -> str | None:
    """`path:line` where the settings module assigns `name` at top level, if it does; with
    `keys`, the line of the deepest of them found in the dict literal it assigns (e.g.
    "STORAGES", "default", "OPTIONS", "bucket_name")."""
    origin = settings_file(ctx)
    tree = ctx.parsed(origin) if origin else None
    for node in tree.body if tree else ():
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] \
            if isinstance(node, ast.AnnAssign) else []
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return f"{ctx.relpath(origin)}:{_key_line(node.value, keys) or node.lineno}"
    return None


def settings_file(ctx) -> Path | None:
    """The file of the settings module, when there is one."""
    module = getattr(ctx.settings, "SETTINGS_MODULE", None)
    try:
        spec = importlib.util.find_spec(module) if module else None
    except (ImportError, ValueError):  # settings configured in code, or a broken package
        return None
    return Path(spec.origin) if spec is not None and spec.origin else None


def _key_line(value, keys) -> int | None:
    line = None
    for key in keys:
        if not isinstance(value, ast.Dict):
            break
        found = next((i for i, k in enumerate(value.keys)
                      if isinstance(k, ast.Constant) and k.value == key), None)
        if found is None:
            break
        line, value = value.keys[found].lineno, value.values[found]
    return line
