"""The jinja2 environment shared by the template-based renderers."""
from __future__ import annotations

import functools
import json
import math
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jinja2
from markupsafe import Markup, escape

from upload_diagnostics.diagnostics.evidence import caption, marks
from upload_diagnostics.diagnostics.model import plural

GROUPS = [  # (key, heading, statuses), in the order reports list them
    ("failed", "Failed", ("fail", "error", "timeout")),
    ("warnings", "Warnings", ("warn",)),
    ("passed", "Passed", ("pass",)),
    ("skipped", "Skipped", ("skipped",)),
]
VERDICTS = {"fail": "Uploads will fail here", "warn": "Uploads work, with risks",
            "pass": "No upload problem found"}
# Check statuses and finding levels as a count says them ("3 failed", "4 errors").
STATUS_WORDS = {"fail": "failed", "error": "crashed", "timeout": "timed out",
                "warn": "warned", "pass": "passed", "skipped": "skipped"}
LONG_TABLE = 10  # rows past which a table starts folded on screen (printed whole)
SEVERITY = {"critical": 0, "error": 1, "warning": 2, "info": 3, "debug": 4}


def grouped(report: dict) -> list[tuple[str, str, list[dict]]]:
    return [(key, heading, [c for c in report["checks"] if c["status"] in statuses])
            for key, heading, statuses in GROUPS]


def verdict_text(report: dict) -> str:
    return VERDICTS[report["summary"]["status"]]


def finding_counts(report: dict) -> list[tuple[str, str]]:
    """(level, "4 errors") for each level that has findings, most severe first."""
    counts = report["summary"]["counts"]["findings"]
    return [(level, plural(counts[level], level) if level in ("error", "warning")
             else f"{counts[level]} {level}")
            for level in ("critical", "error", "warning", "info") if counts.get(level)]


def check_counts(report: dict) -> list[tuple[str, str]]:
    """(status, "3 failed") for each status some check has, in the report's order."""
    counts = report["summary"]["counts"]
    return [(status, f"{counts[status]} {word}") for status, word in STATUS_WORDS.items()
            if counts.get(status)]


def counts_text(report: dict) -> str:
    """Findings counted by level and checks by status, each labelled."""
    counts = report["summary"]["counts"]
    findings = ", ".join(text for _, text in finding_counts(report)) or "none"
    if counts.get("silenced"):
        findings += f"; {plural(counts['silenced'], 'finding')} silenced"
    checks = ", ".join(text for _, text in check_counts(report)) or "none"
    return f"Findings: {findings}. Checks: {checks}."


def numbered(findings: list[dict]) -> list[tuple[int, dict]]:
    """(index in the check's findings, finding), most severe first, the check's own order
    within a level: the index names a finding in links and evidence references."""
    return sorted(enumerate(findings), key=lambda item: SEVERITY.get(item[1]["level"], 5))


def by_severity(findings: list[dict]) -> list[dict]:
    return [finding for _, finding in numbered(findings)]


def acts(level: str) -> bool:
    """Whether a finding of this level is one to act on: warning or worse."""
    return SEVERITY.get(level, 5) <= SEVERITY["warning"]


def serious(finding: dict) -> bool:
    return acts(finding["level"])


def human(value) -> str:
    """An evidence value as people read it: yes/no, "not set", 30 rather than 30.0,
    100,588 rather than 100588."""
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and abs(value) >= 10_000:
        return f"{value:,}"
    return str(value)


def reference_labels(level: str) -> dict[str, str]:
    """The headings of a code's entry: an info code explains, it does not break uploads."""
    if acts(level):
        return {"why": "Why it breaks uploads", "fix": "How to fix", "hint": "Fix"}
    return {"why": "Why it matters", "fix": "What to do", "hint": "Note"}


# One pass per string (str.translate): reports with a thousand findings call these often.
# (Control characters are escaped before, in the whole report: reports/printable.py.)
_MD_ESCAPES = str.maketrans({
    "\\": "\\\\", "|": "\\|", "`": "\\`", "*": "\\*", "_": "\\_",
    "[": "\\[", "]": "\\]", "\r": " ", "\n": " ", "\u2028": " ", "\u2029": " "})
_BACKTICK_RUN = re.compile("`+")
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_CODE_SPAN = re.compile(r"`([^`\n|]+)`")
_BREAKABLE = re.compile(r"[^\s<>]*[-/?!|][^\s<>]*")


def md_escape(value) -> str:
    """Safe inside a Markdown table cell or inline text: pipes, backticks, HTML, newlines.
    A backslash, not an entity, keeps `<tag` from being read as HTML, so the text stays
    plain wherever the Markdown is shown (`->` stays `->`)."""
    return _TAG_START.sub(r"\\<", str("" if value is None else value).translate(_MD_ESCAPES))


def _prose(value, text, code) -> str:
    """The checks' own wording, where `backticks` mark code: text(part) for the text,
    code(part) for each code span."""
    parts = _CODE_SPAN.split(str(value))
    return "".join(text(part) if n % 2 == 0 else code(part) for n, part in enumerate(parts))


def md_prose(value) -> str:
    return _prose(value, md_escape, lambda part: f"`{part}`")


def html_prose(value) -> Markup:
    return Markup(_prose(value, lambda part: str(escape(part)),
                         lambda part: f"<code>{escape(part)}</code>"))


def nobreak(value) -> Markup:
    """An escaped table cell that wraps only at spaces: the words that hold a break
    opportunity (a hyphen, a slash) are kept whole."""
    return Markup(_BREAKABLE.sub(r'<span class="nw">\g<0></span>', str(escape(human(value)))))


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


BAR_WIDTH = 360  # px for the largest limit in a ladder chart


def limit_bars(ladder: dict, key: str) -> list[dict]:
    """The bars of one ladder chart (server.limits' fact): each layer with a `key` limit
    (max_body_bytes or timeout_s), on a log scale so 1 MiB and 100 MB both show, the
    binding one marked."""
    binding = ladder["binding_body" if key == "max_body_bytes" else "binding_time"]
    layers = [x for x in ladder["layers"] if x.get(key)]
    if not layers:
        return []
    low, high = min(x[key] for x in layers) / 4, max(x[key] for x in layers)
    span = math.log(high / low) or 1
    return [{"layer": x["layer"], "width": round(BAR_WIDTH * math.log(x[key] / low) / span),
             "text": (f"{x[key]:g} s" if key == "timeout_s" else size_text(x[key])),
             "binding": x["layer"] == binding, "source": x["source"]} for x in layers]


def size_text(value: int) -> str:
    return f"{value / 1024 / 1024:g} MiB" if value % 1024 == 0 else f"{value / 1e6:g} MB"


@functools.lru_cache(maxsize=2)
def environment(autoescape: bool) -> jinja2.Environment:
    import jinja2  # only when a template renders: the verdict line needs none

    env = jinja2.Environment(
        loader=jinja2.PackageLoader(__package__, "templates"), autoescape=autoescape,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined)
    env.filters.update(md=md_escape, md_prose=md_prose, prose=html_prose, nobreak=nobreak,
                       human=human, fence=md_fence, script_json=script_json,
                       by_severity=by_severity, numbered=numbered, zip=zip)
    env.globals.update(grouped=grouped, verdict_text=verdict_text, plural=plural,
                       counts_text=counts_text, finding_counts=finding_counts,
                       check_counts=check_counts, serious=serious, marks=marks,
                       caption=caption, labels=reference_labels, STATUS_WORDS=STATUS_WORDS,
                       LONG_TABLE=LONG_TABLE, limit_bars=limit_bars, BAR_WIDTH=BAR_WIDTH)
    return env


def render_template(name: str, autoescape: bool = False, **context) -> str:
    return environment(autoescape).get_template(name).render(**context)
