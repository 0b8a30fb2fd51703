"""The list of available checks (--list-checks), in text, Markdown or JSON."""
from __future__ import annotations

import json

from .templating import md_escape


def _rows(checks) -> list[dict]:
    return [{"id": c.id, "title": c.title, "tier": c.tier, "tags": list(c.tags),
             "needs_django": c.needs_django, "requires": list(c.requires),
             "provides": list(c.provides), "timeout": c.timeout,
             "doc": (type(c).__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")}
            for c in sorted(checks, key=lambda c: c.id)]


def render_catalogue(checks, fmt: str = "text") -> str:
    rows = _rows(checks)
    if fmt == "json":
        return json.dumps({"checks": rows}, indent=2) + "\n"
    if fmt == "md":
        lines = ["| Check | Tier | Tags | What it checks |", "| --- | --- | --- | --- |"]
        lines += [f"| `{r['id']}` | {r['tier']} | {md_escape(', '.join(r['tags']))} | "
                  f"{md_escape(r['title'])}{': ' + md_escape(r['doc']) if r['doc'] else ''} |"
                  for r in rows]
        return "\n".join(lines) + "\n"
    width = max((len(r["id"]) for r in rows), default=10)
    lines = [f"{r['id']:<{width}}  {r['tier']:<7}  {r['title']}"
             + (f"  [{', '.join(r['tags'])}]" if r["tags"] else "") for r in rows]
    return "\n".join(lines) + "\n"
