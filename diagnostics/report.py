"""The Report: one JSON-like dict (schema 1 of DESIGN.md), redacted once, then rendered."""
from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from .codes import REGISTRY
from .environment import package_version
from .evidence import show_once
from .model import LAYERS, STATUSES, CheckResult, Level, plural
from .redact import Redactor

SCHEMA_VERSION = 1
TOOL_NAME = "django-upload-diagnostics"
SURROGATE = re.compile("[\ud800-\udfff]")


def summarize(checks: list[dict]) -> dict:
    statuses = Counter(c["status"] for c in checks)
    levels = Counter(f["level"] for c in checks for f in c["findings"])
    worst = max((Level.parse(f["level"]) for c in checks for f in c["findings"]),
                default=Level.DEBUG)
    status = "fail" if worst >= Level.ERROR else "warn" if worst >= Level.WARNING else "pass"
    return {
        "status": status,
        "counts": {
            **{s: statuses.get(s, 0) for s in STATUSES},
            "findings": {lvl.label: levels.get(lvl.label, 0) for lvl in reversed(Level)},
            "silenced": sum(c.get("silenced", 0) for c in checks),
        },
        "layers": [layer_summary(key, [c for c in checks if c["layer"] == key])
                   for key in LAYERS if any(c["layer"] == key for c in checks)],
    }


def layer_summary(key: str, checks: list[dict]) -> dict:
    """A layer's status (its worst check's) and one sentence saying why: the title of its
    most severe finding, how many more problems the layer has, or why nothing was checked."""
    status = min((c["status"] for c in checks), key=STATUSES.index)
    problems = [(c, i, f) for c in checks for i, f in enumerate(c["findings"])
                if Level.parse(f["level"]) >= Level.WARNING]
    check, index, finding = max(problems, key=lambda p: Level.parse(p[2]["level"]),
                                default=(None, None, None))
    passed = sum(c["status"] == "pass" for c in checks)
    skipped = [c for c in checks if c["status"] == "skipped"]
    if finding is None and status == "skipped":
        reason = f"Not checked: {skipped[0]['skipped_reason']}"
    elif finding is None:
        reason = f"No problem found ({plural(passed, 'check')} passed" + (
            f", {len(skipped)} skipped)" if skipped else ")")
    else:
        entry = REGISTRY.get(finding["code"])
        # A crash or a timeout is told by its message, which names the check.
        reason = entry.title if entry and check["status"] not in ("error", "timeout") \
            else finding["message"]
        if len(problems) > 1:
            reason += f", and {plural(len(problems) - 1, 'more problem')}"
    return {"layer": key, "title": LAYERS[key], "status": status, "reason": reason,
            "check": check and check["id"], "finding": index,
            "code": finding and finding["code"], "checks": [c["id"] for c in checks]}


def documentation(checks: list[dict]) -> dict:
    """Each emitted code's entry, from its declaration, so the report explains itself
    wherever it is rendered; every finding points at its code's entry (or None)."""
    emitted = sorted({f["code"] for c in checks for f in c["findings"]})
    codes = {code: REGISTRY[code].to_dict() for code in emitted if code in REGISTRY}
    for finding in (f for c in checks for f in c["findings"]):
        finding["docs"] = f"#/codes/{finding['code']}" if finding["code"] in codes else None
    return codes


def build(results: list[CheckResult], *, started_at: str, duration_s: float, argv: list[str],
          flags: dict, environment: dict, redactor: Redactor, project: str = "") -> dict:
    """The finished, redacted report. Nothing unredacted leaves this function."""
    checks = [r.to_dict() for r in results]
    show_once(checks)
    codes = documentation(checks)
    report = {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": package_version(TOOL_NAME) or "0+unknown"},
        "run": {"started_at": started_at, "duration_s": round(duration_s, 3),
                "argv": list(argv), "flags": flags, "project": project},
        "environment": environment,
        "summary": summarize(checks),
        "checks": checks,
        "codes": codes,
    }
    report = redactor.scrub_tree(encodable(report))
    report["redactions"] = list(redactor.log)
    return report


def encodable(value: Any) -> Any:
    """A copy of a JSON-like tree whose strings all encode to UTF-8. A file name that is
    not UTF-8 reaches Python with its bytes as lone surrogates (and a saved report may
    carry them as JSON escapes); they are shown as \\xNN (or \\uNNNN) escapes."""
    if isinstance(value, dict):
        return {encodable(k): encodable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encodable(v) for v in value]
    if isinstance(value, str) and SURROGATE.search(value):
        return SURROGATE.sub(_escape, value)
    return value


def _escape(match: re.Match) -> str:
    point = ord(match.group())
    return f"\\x{point - 0xDC00:02x}" if 0xDC80 <= point <= 0xDCFF else f"\\u{point:04x}"


def worst_level(report: dict) -> Level | None:
    levels = [Level.parse(f["level"]) for c in report["checks"] for f in c["findings"]]
    return max(levels, default=None)


def to_json(report: dict, indent: int | None = 2) -> str:
    return json.dumps(report, indent=indent, ensure_ascii=False, sort_keys=False)
