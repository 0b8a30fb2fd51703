"""Renderers of a finished, redacted Report. A new format is one module plus one line here."""
from __future__ import annotations

import importlib

# format name -> (module, file extension)
FORMATS = {
    "text": ("reports.text", "txt"),
    "md": ("reports.markdown", "md"),
    "html": ("reports.html", "html"),
    "json": ("reports.jsonfmt", "json"),
    "junit": ("reports.junit", "xml"),
    "sarif": ("reports.sarif", "sarif"),
}

__upload_diagnostics__ = True


def extension(fmt: str) -> str:
    return FORMATS[fmt][1]


def render(fmt: str, report: dict, *, color: bool = False, verbosity: int = 1) -> str:
    module = importlib.import_module(FORMATS[fmt][0])
    return module.render(report, color=color, verbosity=verbosity)
