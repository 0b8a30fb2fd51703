"""The JSON report, schema 1 of DESIGN.md."""
from upload_diagnostics.diagnostics.report import to_json


def render(report: dict, **_options) -> str:
    return to_json(report) + "\n"
