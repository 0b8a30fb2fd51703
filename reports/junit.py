"""JUnit XML for CI dashboards: one test case per check, findings as failures and errors.

fail -> <failure>, error/timeout -> <error>, skipped -> <skipped>; warnings and
informational findings of a passing check go to <system-out>, so nothing is lost.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from upload_diagnostics.diagnostics.model import Level

from .templating import GROUPS, human

# Characters XML 1.0 cannot carry at all, even escaped.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text) -> str:
    if isinstance(text, bool):
        text = str(text).lower()
    return _INVALID_XML.sub("\ufffd", str("" if text is None else text))


def _finding_text(f: dict, docs: dict) -> str:
    lines = [f"{f['code']} ({f['level']}): {f['message']}"]
    if f["location"]:
        line = f":{f['location']['line']}" if f["location"]["line"] else ""
        lines.append(f"  at {f['location']['path']}{line}")
    if f["hint"]:
        lines.append(f"  fix: {f['hint']}")
    for ev in f["evidence"]:
        if ev["type"] == "ref":
            lines.append(f"  {ev['title']}: see {ev['code']} above")
            continue
        lines.append(f"  {ev['type']}: {ev.get('title', '')}")
        if ev["type"] == "kv":
            lines += [f"    {k}: {human(v)}" for k, v in ev["items"]]
        elif ev["type"] == "table":
            lines += ["    " + " | ".join(map(human, row)) for row in
                      [ev["columns"], *ev["rows"]]]
        elif ev["type"] in ("code", "log"):
            lines += [f"    {line}" for line in ev["lines"]]
        elif ev["type"] == "traceback":
            lines += [f"    {line}" for line in ev["text"].splitlines()]
    if f["code"] in docs:
        doc = docs[f["code"]]
        lines.append(f"  reference: {doc['title']}. {doc['why']}")
    return "\n".join(lines)


def _worst(findings: list[dict]) -> dict | None:
    return max(findings, key=lambda f: Level.parse(f["level"]), default=None)


def _testcase(check: dict, docs: dict) -> ET.Element:
    case = ET.Element("testcase", classname=f"upload_diagnostics.{check['id'].split('.')[0]}",
                      name=_clean(check["id"]), time=f"{check['duration_s']:.3f}")
    findings = sorted(check["findings"], key=lambda f: -Level.parse(f["level"]))
    body = "\n\n".join(_finding_text(f, docs) for f in findings)
    worst = _worst(findings)
    status = check["status"]
    if status in ("fail", "error", "timeout"):
        tag = "failure" if status == "fail" else "error"
        serious = [f for f in findings if Level.parse(f["level"]) >= Level.ERROR] or findings
        message = f"{status}: " + "; ".join(f"{f['code']} {f['message']}" for f in serious)
        element = ET.SubElement(case, tag, message=_clean(message[:1000]),
                                type=_clean(worst["code"] if worst else status))
        element.text = _clean(body)
    elif status == "skipped":
        reason = check["skipped_reason"] or "skipped"
        if check.get("enable_with"):
            reason += f"; needs: {check['enable_with']}"
        ET.SubElement(case, "skipped", message=_clean(reason))
    elif findings:
        ET.SubElement(case, "system-out").text = _clean(body)
    return case


def render(report: dict, **_options) -> str:
    checks = [c for _, _, statuses in GROUPS for c in report["checks"]
              if c["status"] in statuses]
    counts = report["summary"]["counts"]
    totals = {"tests": str(len(checks)), "failures": str(counts["fail"]),
              "errors": str(counts["error"] + counts["timeout"]),
              "skipped": str(counts["skipped"]), "time": f"{report['run']['duration_s']:.3f}"}
    suites = ET.Element("testsuites", name=report["tool"]["name"], **totals)
    suite = ET.SubElement(suites, "testsuite", name="upload diagnostics",
                          timestamp=report["run"]["started_at"], **totals)
    props = ET.SubElement(suite, "properties")
    flags = report["run"]["flags"]
    for name, value in (("tool.version", report["tool"]["version"]),
                        ("project", report["run"].get("project", "")),
                        ("offline", flags.get("offline")), ("e2e", flags.get("e2e")),
                        ("verdict", report["summary"]["status"])):
        ET.SubElement(props, "property", name=name, value=_clean(value))
    suite.extend(_testcase(c, report.get("codes") or {}) for c in checks)
    ET.indent(suites)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            + ET.tostring(suites, encoding="unicode") + "\n")
