"""Evidence shown once: each block of a check's evidence appears in one finding only.

Checks attach the evidence each finding needs, so related findings of one check often
carry the same block (the nginx location, the gunicorn launch, the worker timeout), and
one finding may show the same source twice (the line that read a file and the line that
saved it, a few lines apart). Before the report is rendered:

- code excerpts of one file that overlap within a finding become one excerpt with every
  line marked;
- a block a finding repeats is dropped;
- a block another finding of the same check already shows becomes a reference to that
  finding. The block stays with the most severe finding that carries it (the first one
  every format shows, and the last to lose its evidence when a format shortens), and
  the findings after it point at it.
"""
from __future__ import annotations

import json

from .model import Level, ref


def show_once(checks: list[dict]) -> None:
    """Rewrite the findings' evidence of each check (JSON-like dicts) in place."""
    for check in checks:
        findings = check["findings"]
        # a block's content -> (the finding that shows it, the block's place there)
        holder: dict[str, tuple[int, int]] = {}
        for index in sorted(range(len(findings)),
                            key=lambda i: -Level.parse(findings[i]["level"])):
            kept, here = [], set()
            for block in _merge_excerpts(findings[index]["evidence"]):
                key = _content(block)
                if key in here:
                    continue
                here.add(key)
                first, place = holder.setdefault(key, (index, len(kept)))
                kept.append(block if first == index else
                            ref(block, check["id"], first, place, findings[first]["code"]))
            findings[index]["evidence"] = kept


def _content(block: dict) -> str:
    """What a block shows, whatever its title."""
    return json.dumps({k: v for k, v in block.items() if k != "title"}, sort_keys=True,
                      default=str)


def marks(block: dict) -> list[int]:
    """The marked lines of a code block."""
    return block.get("marks") or ([block["mark_line"]] if block.get("mark_line") else [])


def caption(block: dict) -> str:
    """A code block's title with the line it marks, unless the title says it."""
    lines = marks(block)
    if len(lines) == 1 and f"line {lines[0]}" not in block["title"]:
        return f"{block['title']} (line {lines[0]})"
    return block["title"]


def _merge_excerpts(evidence: list[dict]) -> list[dict]:
    """The evidence with code excerpts of one file whose lines overlap or touch merged
    into the first of them."""
    out: list[dict] = []
    for block in evidence:
        other = next((b for b in out if _overlap(b, block)), None)
        if other is None:
            out.append(block)
        else:
            out[out.index(other)] = _merged(other, block)
    return out


def _overlap(a: dict, b: dict) -> bool:
    if a["type"] != "code" or b["type"] != "code" or a.get("path") != b.get("path"):
        return False
    return (a["start_line"] <= b["start_line"] + len(b["lines"])
            and b["start_line"] <= a["start_line"] + len(a["lines"]))


def _inside(small: dict, big: dict) -> bool:
    """Whether `big` already shows every line of `small` and marks its marked lines."""
    return (big["start_line"] <= small["start_line"]
            and small["start_line"] + len(small["lines"]) <= big["start_line"] + len(big["lines"])
            and set(marks(small)) <= set(marks(big)))


def _merged(first: dict, then: dict) -> dict:
    """One excerpt of both; the first keeps its place, title and main marked line."""
    if _inside(then, first):
        return first
    a, b = sorted((first, then), key=lambda block: block["start_line"])
    lines = a["lines"] + b["lines"][a["start_line"] + len(a["lines"]) - b["start_line"]:]
    marked = sorted(set(marks(a)) | set(marks(b)))
    if first["title"] == then["title"] == first["path"]:
        title = f"{first['path']} (lines {', '.join(map(str, marked))})"
    else:
        title = "; ".join(dict.fromkeys((caption(first), caption(then))))
    return {**first, "title": title, "start_line": a["start_line"], "lines": lines,
            "marks": marked}
