"""fileptr's accuracy on the labelled corpus (tests/fileptr_corpus/README.md), scanned
once with the real command."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import evidence, run_cli

CORPUS = Path(__file__).parent / "fileptr_corpus"
FILES = sorted(p for p in CORPUS.rglob("*.py"))
EXPECT = re.compile(r"#\s*expect:\s*(fileptr\.[EWIC]\d{3})\s*$")
NOT = re.compile(r"^#\s*not:\s*(.+)$")
LABEL = re.compile(r"^#\s*label:\s*(positive|negative)\s*$")


def labels(path: Path) -> tuple[str, set[tuple[str, int]], set[str]]:
    """(positive|negative, {(code, line)} expected, codes that must not appear)."""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    kind = next(m.group(1) for m in map(LABEL.match, lines[:1]) if m)
    expected = {(m.group(1), n) for n, line in enumerate(lines, 1)
                for m in [EXPECT.search(line)] if m}
    forbidden = {code.strip() for m in map(NOT.match, lines[:3]) if m
                 for code in m.group(1).split(",")}
    return kind, expected, forbidden


@pytest.fixture(scope="module")
def scan() -> list[dict]:
    run = run_cli("fileptr", "--project-dir", CORPUS, "--format", "json", "-v", "0")
    assert run.returncode == 1, run.output  # the positives hold errors
    checks = run.json()["checks"]
    assert [(c["id"], c["status"]) for c in checks] == [("fileptr.reuse", "fail"),
                                                        ("fileptr.masked_errors", "fail")]
    return checks


@pytest.fixture(scope="module")
def found(scan) -> dict[str, set[tuple[str, int]]]:
    result: dict[str, set] = {}
    for check in scan:
        for f in check["findings"]:
            result.setdefault(f["location"]["path"], set()).add(
                (f["code"], f["location"]["line"]))
    return result


def said(check: dict, finding: dict) -> str:
    """A finding as fileptr_corpus/MESSAGES pins it: where, its code and message, then its
    key-value evidence ("Where") and the titles of its source excerpts (which lines they
    mark), a line each."""
    shown = evidence(check, finding)
    return (f"{finding['location']['path']}:{finding['location']['line']} {finding['code']} "
            f"{finding['message']}" + "".join(
                f"\n    {e['title']}: " + " | ".join(f"{k}: {v}" for k, v in e["items"])
                for e in shown if e["type"] == "kv") + "".join(
                f"\n    excerpt: {e['title']}" for e in shown if e["type"] == "code"))


def test_each_finding_says_what_happened_where(scan):
    """What users read, pinned in fileptr_corpus/MESSAGES: which value, which line moved
    it and how, which line reuses it."""
    found = sorted(said(check, f) for check in scan for f in check["findings"])
    pinned = (CORPUS / "MESSAGES").read_text(encoding="utf-8").split("\n", 1)[1]
    assert "\n".join(found) + "\n" == pinned


def test_corpus_has_enough_labelled_snippets():
    kinds = [labels(p)[0] for p in FILES]
    assert kinds.count("positive") >= 30 and kinds.count("negative") >= 30
    for path in FILES:
        kind, expected, forbidden = labels(path)
        assert (kind == "positive") == bool(expected), path.name
        assert forbidden, f"{path.name} names no near-miss codes"


@pytest.mark.parametrize("path", FILES, ids=[p.relative_to(CORPUS).as_posix() for p in FILES])
def test_snippet_findings_are_exactly_its_labels(path, found):
    kind, expected, forbidden = labels(path)
    got = found.get(path.relative_to(CORPUS).as_posix(), set())
    assert got == expected
    assert not {code for code, _ in got} & forbidden


def test_recall_and_false_positives(found):
    positives = [p for p in FILES if labels(p)[0] == "positive"]
    negatives = [p for p in FILES if labels(p)[0] == "negative"]
    wanted = {(p.relative_to(CORPUS).as_posix(), *label)
              for p in positives for label in labels(p)[1]}
    hits = {w for w in wanted if (w[1], w[2]) in found.get(w[0], set())}
    recall = len(hits) / len(wanted)
    false_positives = {rel: got for rel, got in found.items()
                       if rel in {p.relative_to(CORPUS).as_posix() for p in negatives}}
    print(f"corpus: {len(positives)} positive, {len(negatives)} negative snippets; "
          f"recall {recall:.1%} ({len(hits)}/{len(wanted)}), "
          f"false positives on negatives: {sum(map(len, false_positives.values()))}")
    assert recall >= 0.95
    assert false_positives == {}
    assert set(found) <= {p.relative_to(CORPUS).as_posix() for p in FILES}
