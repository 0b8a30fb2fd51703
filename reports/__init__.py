"""Renderers of a finished, redacted Report. A new format is one module plus one line here."""
from __future__ import annotations

import importlib

# format name -> (module, file extension)
FORMATS = {
    "text": ("upload_diagnostics.reports.text", "txt"),
    "md": ("upload_diagnostics.reports.markdown", "md"),
    "html": ("upload_diagnostics.reports.html", "html"),
    "json": ("upload_diagnostics.reports.jsonfmt", "json"),
    "junit": ("upload_diagnostics.reports.junit", "xml"),
    "sarif": ("upload_diagnostics.reports.sarif", "sarif"),
}


def extension(fmt: str) -> str:
    return FORMATS[fmt][1]


def render(fmt: str, report: dict, *, color: bool = False, verbosity: int = 1) -> str:
    module = importlib.import_module(FORMATS[fmt][0])
    return module.render(report, color=color, verbosity=verbosity)
