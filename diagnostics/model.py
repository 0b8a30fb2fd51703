"""The values a run produces: levels, findings, evidence blocks and check results."""
from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from typing import Any


class Level(enum.IntEnum):
    DEBUG = 10
    INFO = 20
    WARNING = 30
    ERROR = 40
    CRITICAL = 50

    @classmethod
    def parse(cls, value: "Level | str") -> "Level":
        if isinstance(value, Level):
            return value
        try:
            return cls[str(value).upper()]
        except KeyError:
            names = ", ".join(level.label for level in cls)
            raise ValueError(f"unknown level {value!r} (choose from {names})") from None

    @property
    def label(self) -> str:
        return self.name.lower()


# Order in which statuses are listed and which one wins in a summary.
STATUSES = ("fail", "error", "timeout", "warn", "pass", "skipped")

# The layers of an upload a check can belong to (Check.layer), in the order the report's
# summary lists them; "other" holds checks that declare none.
LAYERS = {"server": "Server", "code": "Project code", "storage": "Storage and SDK",
          "platform": "Django and Pillow", "upload": "The real upload path",
          "other": "Other checks"}


@dataclass
class Finding:
    """One problem (or observation) a check reports, like a Django check message."""

    code: str  # family + level letter + number, e.g. "pillow.E001"
    level: Level
    message: str
    hint: str = ""
    evidence: list[dict] = field(default_factory=list)
    path: str | None = None  # relative to the project root when inside it
    line: int | None = None

    def __post_init__(self):
        self.level = Level.parse(self.level)
        if not (isinstance(self.line, int) and self.line >= 1):
            self.line = None  # parsers give 0 for an error of the whole file (schema: >= 1)

    def to_dict(self) -> dict[str, Any]:
        location = {"path": self.path, "line": self.line} if self.path else None
        return {
            "code": self.code,
            "level": self.level.label,
            "message": self.message,
            "hint": self.hint,
            "location": location,
            "evidence": self.evidence,
        }


def plural(n: int, noun: str) -> str:
    """The count and the noun, plural unless it is 1: "1 check", "3 checks"."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def family(name: str) -> str:
    """The family of a finding code or check id: "server" for server.E001 or server.config."""
    return name.split(".", 1)[0]


# Evidence blocks: plain dicts with a "type", so every renderer and the JSON agree.

def kv(title: str, items: dict | list) -> dict:
    """A key-value list; `items` is a mapping or a list of (key, value) pairs."""
    pairs = items.items() if isinstance(items, dict) else items
    return {"type": "kv", "title": title, "items": [[str(k), _plain(v)] for k, v in pairs]}


def table(title: str, columns: list[str], rows: list[list]) -> dict:
    return {"type": "table", "title": title, "columns": list(columns),
            "rows": [[_plain(cell) for cell in row] for row in rows]}


def code(path: str, start_line: int, lines: list[str], mark_line: int | None = None,
         title: str = "") -> dict:
    """A source excerpt beginning at `start_line`, with `mark_line` highlighted."""
    return {"type": "code", "title": title or path, "path": path, "start_line": start_line,
            "lines": list(lines), "mark_line": mark_line}


def log(title: str, lines: list[str]) -> dict:
    return {"type": "log", "title": title, "lines": list(lines)}


def traceback_block(text: str, title: str = "Traceback") -> dict:
    return {"type": "traceback", "title": title, "text": text}


def ref(block: dict, check: str, finding: int, place: int, code: str) -> dict:
    """Stands for `block` where another finding already shows it: block `place` of the
    finding at index `finding` of check `check`, whose code is `code`."""
    return {"type": "ref", "title": block["title"], "of": block["type"], "check": check,
            "finding": finding, "block": place, "code": code}


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    try:
        return str(value)
    except Exception:  # a value that cannot print itself must not stop the report
        return f"<unprintable {type(value).__name__}>"


@dataclass
class CheckResult:
    id: str
    title: str
    tier: str
    tags: tuple[str, ...] = ()
    layer: str = "other"
    status: str = "pass"
    findings: list[Finding] = field(default_factory=list)
    silenced: int = 0
    duration_s: float = 0.0
    skipped_reason: str | None = None
    enable_with: str | None = None  # the flag or setting that would run a skipped check
    facts: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "tier": self.tier,
            "tags": list(self.tags),
            "layer": self.layer,
            "status": self.status,
            "duration_s": round(self.duration_s, 3),
            "skipped_reason": self.skipped_reason,
            "enable_with": self.enable_with,
            "silenced": self.silenced,
            "findings": [f.to_dict() for f in self.findings],
            "facts": {k: _jsonable(v) for k, v in self.facts.items()},
        }


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _jsonable(dataclasses.asdict(value))  # a typed fact (diagnostics.facts)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return _plain(value)


def status_for(findings: list[Finding]) -> str:
    worst = max((f.level for f in findings), default=Level.DEBUG)
    if worst >= Level.ERROR:
        return "fail"
    if worst >= Level.WARNING:
        return "warn"
    return "pass"
