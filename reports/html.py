"""One self-contained HTML file: inline CSS and JS, the JSON report embedded, works offline
and without JavaScript; the reference entries of its finding codes included. Its CSP
fetches nothing and runs only its own script (by hash).

Large reports stay usable: past OPEN_LIMIT findings the checks start collapsed, and only
the first EVIDENCE_LIMIT findings (most severe first) carry their evidence blocks; every
finding is still listed, and the embedded JSON (Copy JSON) has all the evidence.
"""
from __future__ import annotations

import base64
import functools
import hashlib

from .markdown import render as markdown
from .templating import by_severity, environment, grouped, render_template

OPEN_LIMIT = 200
EVIDENCE_LIMIT = 500


@functools.lru_cache(maxsize=1)
def _script() -> tuple[str, str]:
    """The page's script and its CSP source: only this exact script may run."""
    env = environment(True)
    text = "\n" + env.loader.get_source(env, "report.js")[0]
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()
    return text, digest


def render(report: dict, **_options) -> str:
    in_order = [f for _, _, checks in grouped(report) for c in checks
                for f in by_severity(c["findings"])]
    rich = {id(f) for f in in_order[:EVIDENCE_LIMIT]}
    return render_template(
        "report.html.j2", autoescape=True, report=report, markdown=markdown(report),
        docs=report.get("codes") or {},
        open_checks=len(in_order) <= OPEN_LIMIT, with_evidence=lambda f: id(f) in rich,
        evidence_cut=max(0, len(in_order) - EVIDENCE_LIMIT), script=_script()[0],
        script_hash=_script()[1])
