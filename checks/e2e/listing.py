"""--list-endpoints: the upload endpoints found, in the order the check exercises them."""
from __future__ import annotations

import json

from . import config as configuration
from . import discovery
from .tracker import Tracker


def render(ctx, fmt: str) -> str:
    if not ctx.django_ready:
        raise ValueError("--list-endpoints needs Django settings: pass --settings MODULE or "
                         "set DJANGO_SETTINGS_MODULE")
    try:
        config = configuration.load(ctx)
    except configuration.ConfigError as exc:
        raise ValueError(f'UPLOAD_DIAGNOSTICS["E2E"] is not usable: {exc}') from None
    chosen, others = discovery.select(config.urls, config.max_endpoints,
                                      Tracker(ctx.project_root).is_project)
    rows = [{**e.listing(), "exercised": e in chosen} for e in chosen + others]
    if fmt == "json":
        return json.dumps(rows, indent=2) + "\n"
    lines = [f"{len(rows)} upload endpoint(s) found; e2e.upload exercises {len(chosen)} "
             "(marked *), the likeliest user-facing ones first (--max-endpoints N)"]
    for row in rows:
        lines += [f"{'*' if row['exercised'] else ' '} {row['method']} {row['url']}  "
                  f"[{row['kind']}] {row['view']}",
                  f"    file field: {row['file_field']}; required: "
                  f"{', '.join(row['required']) or 'nothing else'}",
                  f"    authentication: {row['auth']}"]
    return "\n".join(lines) + "\n"
