"""Helpers for the engine tests: plugin settings, the JSON Schema, a temporary venv."""
from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import venv
from functools import lru_cache
from pathlib import Path

from conftest import REPO, base_env, codes  # noqa: F401 - re-exported for the engine tests

PLUGINS = Path(__file__).resolve().parent
SCHEMA = REPO / "docs" / "report.schema.json"


def env(**extra) -> dict:
    """A clean environment in which tests/plugins/udx_checks.py is importable."""
    return base_env(PYTHONPATH=PLUGINS, **extra)


def checks_setting(*entries, silence=(), extra: str = "") -> str:
    """Settings text that registers udx_checks entries (names, or (name, options))."""
    def dotted(entry):
        if isinstance(entry, str):
            return f"udx_checks.{entry}"
        return (f"udx_checks.{entry[0]}", entry[1])
    config = {"CHECKS": [dotted(e) for e in entries], "SILENCE": list(silence)}
    return f"UPLOAD_DIAGNOSTICS = {config!r}\n{extra}"


@lru_cache(maxsize=1)
def _validator():
    import jsonschema
    schema = json.loads(SCHEMA.read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def validate(report: dict) -> dict:
    """Raise if the report does not follow docs/report.schema.json; returns it."""
    _validator().validate(report)
    return report


def by_id(report: dict) -> dict[str, dict]:
    return {c["id"]: c for c in validate(report)["checks"]}



def make_venv(path: Path, with_repo: bool) -> Path:
    """A fresh venv that imports Django & co from the main venv (a .pth file, no
    downloads), and the repository's packages too when `with_repo` (through the main venv's
    editable install, whose own .pth only runs when that folder is added as a site dir).
    Returns its python."""
    venv.EnvBuilder(with_pip=False).create(path)  # the main venv's pip serves it
    python = path / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          capture_output=True, text=True, check=True).stdout.strip()
    main = sysconfig.get_path("purelib")
    line = f"import site; site.addsitedir({main!r})" if with_repo else main
    Path(site, "_upload_diagnostics_test.pth").write_text(line + "\n")
    return python


def pip_install(python: Path, *args) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--python", python, "install", "-q",
                    "--no-deps", "--no-index",
                    "--disable-pip-version-check", *map(str, args)],
                   check=True, capture_output=True, text=True, env=base_env())

