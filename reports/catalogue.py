"""The list of available checks (--list-checks), in text, Markdown or JSON."""
from __future__ import annotations

import json

from .templating import md_escape


def _codes(check) -> list[dict]:
    """The finding codes the check declares."""
    return [{"code": c.code, "level": c.level.label, "title": c.title} for c in check.codes]


def _rows(checks) -> list[dict]:
    return [{"id": c.id, "title": c.title, "tier": c.tier, "tags": list(c.tags),
             "needs_django": c.needs_django, "requires": list(c.requires),
             "provides": list(c.provides), "timeout": c.timeout,
             "doc": " ".join((type(c).__doc__ or "").strip().split("\n\n")[0].split()),
             "codes": _codes(c)}
            for c in sorted(checks, key=lambda c: c.id)]


def _markdown(rows: list[dict]) -> str:
    lines = ["| Check | Tier | Tags | What it checks | Finding codes |",
             "| --- | --- | --- | --- | --- |"]
    for r in rows:
        codes = ", ".join(f"`{c['code']}`" for c in r["codes"]) or "-"
        what = md_escape(r["title"]) + (": " + md_escape(r["doc"]) if r["doc"] else "")
        if r["needs_django"]:
            what += " *(needs Django settings)*"
        lines.append(f"| `{r['id']}` | {r['tier']} | {md_escape(', '.join(r['tags']))} | "
                     f"{what} | {codes} |")
    tiers = ("Tiers: **static** always runs; **network** makes read-only calls and is off "
             "with `--offline`; **write** creates and deletes test objects in the real "
             "storage, only with `--e2e`.")
    return f"## Checks ({len(rows)})\n\n" + "\n".join(lines) + f"\n\n{tiers}\n"


def render_catalogue(checks, fmt: str = "text") -> str:
    rows = _rows(checks)
    if fmt == "json":
        return json.dumps({"checks": rows}, indent=2) + "\n"
    if fmt == "md":
        return _markdown(rows)
    width = max((len(r["id"]) for r in rows), default=10)
    lines = [f"{r['id']:<{width}}  {r['tier']:<7}  {r['title']}"
             + (f"  [{', '.join(r['tags'])}]" if r["tags"] else "") for r in rows]
    return "\n".join(lines) + "\n"
