"""SARIF 2.1.0: the static findings that point at a file, for code-scanning tools.

One run, one rule per finding code (title, description and help from the code's entry
the report carries, else from the finding itself), one result per
finding with its location, and the other marked lines of its code evidence (the earlier
read of a double read) as related locations.
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from urllib.parse import quote

from upload_diagnostics.diagnostics.evidence import marks

SCHEMA = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
          "sarif-schema-2.1.0.json")
LEVELS = {"critical": "error", "error": "error", "warning": "warning", "info": "note",
          "debug": "note"}
SRCROOT = "%SRCROOT%"
FINGERPRINT = "uploadDiagnosticsFinding/v1"


def render(report: dict, **_options) -> str:
    return json.dumps(to_sarif(report), indent=2, ensure_ascii=False) + "\n"


def to_sarif(report: dict) -> dict:
    docs = report.get("codes") or {}
    rules: list[dict] = []
    index: dict[str, int] = {}
    results = []
    for check in report["checks"]:
        if check.get("tier") != "static":
            continue
        for finding in check["findings"]:
            if not finding.get("location"):
                continue
            code = finding["code"]
            if code not in index:
                index[code] = len(rules)
                rules.append(_rule(code, docs.get(code), finding))
            results.append(_result(check, finding, index[code]))
    run = {
        "tool": {"driver": {"name": report["tool"]["name"],
                            "version": str(report["tool"]["version"]),
                            "rules": rules}},
        "invocations": [{
            "executionSuccessful": not any(c["status"] in ("error", "timeout")
                                           for c in report["checks"]),
            "startTimeUtc": report["run"]["started_at"],
        }],
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    project = report["run"].get("project")
    if project:
        run["originalUriBaseIds"] = {SRCROOT: {"uri": Path(project).as_uri().rstrip("/")
                                               + "/"}}
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def _rule(code: str, doc: dict | None, finding: dict) -> dict:
    rule = {"id": code, "defaultConfiguration": {"level": LEVELS[finding["level"]]}}
    if doc is None:
        rule["shortDescription"] = {"text": finding["message"]}
        rule["help"] = {"text": finding.get("hint") or finding["message"]}
        return rule
    rule["name"] = "".join(w.capitalize() for w in doc["title"].replace("'", "").split()
                           if w.isalnum())
    rule["shortDescription"] = {"text": doc["title"]}
    rule["fullDescription"] = {"text": doc["detects"]}
    why, fix, lang = doc["why"], doc["fix"], doc["lang"]
    rule["help"] = {
        "text": f"{why}\n\nFix: {fix}",
        "markdown": (f"{why}\n\n**Fix:** {fix}\n\nBad:\n\n```{lang}\n{doc['bad']}\n"
                     f"```\n\nGood:\n\n```{lang}\n{doc['good']}\n```"),
    }
    return rule


def _result(check: dict, finding: dict, rule_index: int) -> dict:
    location = finding["location"]
    result = {
        "ruleId": finding["code"],
        "ruleIndex": rule_index,
        "level": LEVELS.get(finding["level"], "warning"),
        "message": {"text": finding["message"]},
        "locations": [_location(location["path"], location.get("line"))],
        "partialFingerprints": {FINGERPRINT: _fingerprint(finding)},
        "properties": {"check": check["id"], "hint": finding.get("hint", "")},
    }
    related = [_location(path, line, title, n)
               for n, (path, line, title) in enumerate(_other_marks(finding), 1)]
    if related:
        result["relatedLocations"] = related
    return result


def _fingerprint(finding: dict) -> str:
    """Stable when lines move: code, file and the message without its numbers."""
    message = re.sub(r"\d+", "N", finding["message"])
    text = "\0".join([finding["code"], finding["location"]["path"], message])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _other_marks(finding: dict) -> list[tuple[str, int, str]]:
    """(path, line, title) of the lines code evidence marks, other than the finding's own."""
    here = (finding["location"]["path"], finding["location"].get("line"))
    return [(b["path"], line, b.get("title")) for b in finding.get("evidence", [])
            if b.get("type") == "code" and b.get("path") for line in marks(b)
            if (b["path"], line) != here]


def _location(path: str, line: int | None, text: str | None = None,
              ident: int | None = None) -> dict:
    physical = {"artifactLocation": {"uri": quote(path)}}
    if not Path(path).is_absolute():
        physical["artifactLocation"]["uriBaseId"] = SRCROOT
    else:
        physical["artifactLocation"]["uri"] = Path(path).as_uri()
    if line:
        physical["region"] = {"startLine": int(line)}
    location = {"physicalLocation": physical}
    if ident is not None:
        location["id"] = ident
    if text:
        location["message"] = {"text": text}
    return location
