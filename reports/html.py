"""One self-contained HTML file: inline CSS and JS, the JSON report embedded, works offline
and without JavaScript; the reference entries of its finding codes included."""
from __future__ import annotations

from .markdown import render as markdown
from .reference import loaded_docs
from .templating import render_template


def render(report: dict, **_options) -> str:
    paths = {f["code"]: f["docs"] for c in report["checks"] for f in c["findings"]}
    known = loaded_docs()
    docs = {code: known[code] for code in paths if code in known}
    return render_template("report.html.j2", autoescape=True, report=report,
                           markdown=markdown(report), docs=docs, doc_paths=paths)
