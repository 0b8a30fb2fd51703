"""The lowest versions pyproject.toml allows: tests/run.sh installs them into .venv-lowest
(uv's --resolution lowest-direct), and the smoke subset (tests marked `smoke`: both front
ends, --list-checks, the offline run on the example, every format rendered and validated)
must pass there."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from packaging.requirements import Requirement
from packaging.version import Version

from conftest import REPO, base_env

if sys.version_info >= (3, 11):
    import tomllib
else:  # the tomli the project depends on there
    import tomli as tomllib

LOWEST_PYTHON = os.environ.get("UPLOAD_DIAGNOSTICS_LOWEST_PYTHON",
                               str(REPO / ".venv-lowest/bin/python"))
EXTRAS = ("all", "server", "imagekit", "example")  # what tests/run.sh installs there
SMOKE = ("tests/test_cli.py", "tests/test_reports.py", "tests/test_fileptr_sarif.py")


def lower_bounds() -> dict[str, Version]:
    """The lowest version each requirement allows, over the runtime dependencies and the
    extras installed there (the highest of them when several name one distribution)."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    lines = project["dependencies"] + [line for extra in EXTRAS
                                       for line in project["optional-dependencies"][extra]]
    bounds: dict[str, Version] = {}
    for req in map(Requirement, lines):
        if req.name == project["name"] or (req.marker and not req.marker.evaluate()):
            continue
        for spec in req.specifier:
            if spec.operator in (">=", "=="):
                name = req.name.lower()
                bounds[name] = max(bounds.get(name, Version(spec.version)), Version(spec.version))
    return bounds


def test_the_lowest_environment_holds_the_lowest_declared_versions():
    script = ("import json, importlib.metadata as m; print(json.dumps("
              "{d.metadata['Name'].lower(): d.version for d in m.distributions()}))")
    listing = subprocess.run([LOWEST_PYTHON, "-c", script], capture_output=True, text=True,
                             check=True, env=base_env())
    installed = json.loads(listing.stdout)
    bounds = lower_bounds()
    assert {"django", "pillow", "click", "jinja2", "gunicorn", "pyyaml"} <= set(bounds)
    assert {name: Version(installed[name]) for name in bounds} == bounds


def test_the_smoke_subset_passes_on_the_lowest_declared_versions():
    run = subprocess.run([LOWEST_PYTHON, "-m", "pytest", "-q", "-m", "smoke", *SMOKE],
                         cwd=REPO, capture_output=True, text=True, timeout=900,
                         env=base_env())
    summary = run.stdout.strip().splitlines()[-1]
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert " passed" in summary and "skipped" not in summary, summary
