"""Is one of our top-level package names taken by a project module? Standard library
only, so it can run before any of those packages is imported."""
from __future__ import annotations

import importlib.machinery
import sys
from pathlib import Path

PACKAGES = ("diagnostics", "checks", "reports", "manage_commands")
HOME = Path(__file__).resolve().parents[1]


def shadowed_packages() -> list[str]:
    """Why our package names resolve to someone else's module, if they do: on sys.path
    (a project module first in line) or already imported."""
    problems = []
    for name in PACKAGES:
        ours = HOME / name / "__init__.py"
        loaded = getattr(sys.modules.get(name), "__file__", None)
        try:
            spec = importlib.machinery.PathFinder.find_spec(name, sys.path)
        except (ImportError, ValueError):
            spec = None
        for other in (loaded, spec and spec.origin):
            if other and Path(other).resolve() != ours:
                problems.append(
                    f"A module named {name!r} at {other} shadows django-upload-diagnostics' "
                    f"package {name!r} ({ours}): both are top-level import names and Python "
                    "imports whichever comes first on sys.path. Rename the project's module, "
                    "or run the command from a directory where it is not importable.")
                break
    return problems


def exit_if_shadowed(prog: str) -> None:
    """Print the first problem as one paragraph and exit with status 2."""
    problems = shadowed_packages()
    if problems:  # nothing raised, so no traceback to show even under --traceback
        sys.stderr.write(f"{prog}: error: {problems[0]}\n")
        sys.exit(2)
