"""One self-contained HTML file: inline CSS and JS, the JSON report embedded, works offline."""
from __future__ import annotations

from .templating import render_template


def render(report: dict, **_options) -> str:
    from .markdown import render as markdown

    return render_template("report.html.j2", autoescape=True, report=report,
                           markdown=markdown(report))
