"""Helpers for the engine tests: plugin settings, the JSON Schema, a temporary venv."""
from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import venv
from functools import lru_cache
from pathlib import Path

from conftest import EMITTED, REPO, base_env, codes  # noqa: F401 - codes: re-exported

PLUGINS = Path(__file__).resolve().parent
SCHEMA = REPO / "docs" / "report.schema.json"
SARIF_SCHEMA = json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json")
                          .read_text(encoding="utf-8"))


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
    EMITTED.update(f["code"] for c in report["checks"] for f in c["findings"])
    return report


def validate_sarif(log: dict) -> dict:
    """Raise if the log does not follow the published SARIF 2.1.0 schema; returns it."""
    import jsonschema

    validator = jsonschema.Draft4Validator(
        SARIF_SCHEMA, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    return log


def by_id(report: dict) -> dict[str, dict]:
    return {c["id"]: c for c in validate(report)["checks"]}



def make_venv(path: Path, with_repo: bool, packages_of: str | None = None) -> Path:
    """A fresh venv that imports Django & co from the main venv (a .pth file, no
    downloads), and the repository's packages too when `with_repo` (through the main venv's
    editable install, whose own .pth only runs when that folder is added as a site dir).
    `packages_of` names another venv's python to take the packages from instead.
    Returns its python."""
    venv.EnvBuilder(with_pip=False).create(path)  # the main venv's pip serves it
    python = path / "bin" / "python"
    site = purelib(python)
    main = purelib(packages_of) if packages_of else sysconfig.get_path("purelib")
    line = f"import site; site.addsitedir({main!r})" if with_repo else main
    Path(site, "_upload_diagnostics_test.pth").write_text(line + "\n")
    return python


def purelib(python) -> str:
    """The site-packages folder of a venv's python."""
    return subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          capture_output=True, text=True, check=True).stdout.strip()


def pip_install(python: Path, *args) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--python", python, "install", "-q",
                    "--no-deps", "--no-index",
                    "--disable-pip-version-check", *map(str, args)],
                   check=True, capture_output=True, text=True, env=base_env())

