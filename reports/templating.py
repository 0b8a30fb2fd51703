"""The jinja2 environment shared by the template-based renderers."""
from __future__ import annotations

import functools
import json
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2

GROUPS = [  # (key, heading, statuses), in the order reports list them
    ("failed", "Failed", ("fail", "error", "timeout")),
    ("warnings", "Warnings", ("warn",)),
    ("passed", "Passed", ("pass",)),
    ("skipped", "Skipped", ("skipped",)),
]
VERDICTS = {"fail": "Uploads will fail here", "warn": "Uploads work, with risks",
            "pass": "No upload problem found"}


def grouped(report: dict) -> list[tuple[str, str, list[dict]]]:
    return [(key, heading, [c for c in report["checks"] if c["status"] in statuses])
            for key, heading, statuses in GROUPS]


def verdict_text(report: dict) -> str:
    summary = report["summary"]
    findings = summary["counts"]["findings"]
    parts = [f"{n} {level}" for level, n in findings.items() if n and level != "debug"]
    return (f"{VERDICTS[summary['status']]}: " + (", ".join(parts) or "no findings")
            + f" in {plural(len(report['checks']), 'check')}")


def by_severity(findings: list[dict]) -> list[dict]:
    """Most severe first; the check's own order within a level."""
    order = {"critical": 0, "error": 1, "warning": 2, "info": 3, "debug": 4}
    return sorted(findings, key=lambda f: order.get(f["level"], 5))


# One pass per string (str.translate): reports with a thousand findings call these often.
_MD_ESCAPES = str.maketrans({
    "\\": "\\\\", "|": "\\|", "`": "\\`", "<": "&lt;", ">": "&gt;", "*": "\\*", "_": "\\_",
    "[": "\\[", "]": "\\]", "\r": " ", "\n": " ", "\u2028": " ", "\u2029": " "})
_BACKTICK_RUN = re.compile("`+")


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def md_escape(value) -> str:
    """Safe inside a Markdown table cell or inline text: pipes, backticks, HTML, newlines."""
    return str("" if value is None else value).translate(_MD_ESCAPES)


def md_fence(text: str) -> str:
    """A code fence longer than any backtick run inside the text."""
    longest = max(map(len, _BACKTICK_RUN.findall(text)), default=0)
    return "`" * max(3, longest + 1)


def script_json(value) -> str:
    """JSON safe inside <script type="application/json">: <, >, &, U+2028, U+2029 escaped."""
    text = json.dumps(value, ensure_ascii=False)
    for char, repl in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                       ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, repl)
    return text


@functools.lru_cache(maxsize=2)
def environment(autoescape: bool) -> jinja2.Environment:
    import jinja2  # only when a template renders: the verdict line needs none

    env = jinja2.Environment(
        loader=jinja2.PackageLoader(__package__, "templates"), autoescape=autoescape,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined)
    env.filters.update(md=md_escape, fence=md_fence, script_json=script_json,
                       by_severity=by_severity)
    env.globals.update(grouped=grouped, verdict_text=verdict_text, plural=plural)
    return env


def render_template(name: str, autoescape: bool = False, **context) -> str:
    return environment(autoescape).get_template(name).render(**context)
