"""Every finding code a built-in check (or the engine) can report is asserted by a test
that drives the real check: a test names the code, and a real run of the command in this
session reported it. Runs last (conftest.pytest_collection_modifyitems)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import CODE, EMITTED, WHOLE_SUITE
from upload_diagnostics.checks import builtin
from upload_diagnostics.diagnostics import engine_codes

TESTS = Path(__file__).resolve().parent
# A code in quotes that the line does not assert absent, or a corpus label.
NAMED = re.compile(rf"""["']({CODE})["'](?!\s*(?:not in|\)\s*not in))|# expect: ({CODE})""")
# Codes no test can make a real run report, each with the reason.
EXEMPT = {
    "imagekit.E014": "a host name that does not resolve needs a DNS query, which tests must "
                     "not make; test_imagekit.py asserts the dns class of the real "
                     "socket.gaierror",
}


def declared() -> set[str]:
    engine = {c.code for c in vars(engine_codes).values() if hasattr(c, "detects")}
    return engine | {c.code for check in builtin() for c in check.codes}


def named_by_tests() -> set[str]:
    found = set()
    for path in TESTS.rglob("*.py"):
        if path.name != Path(__file__).name:
            text = path.read_text(encoding="utf-8", errors="replace")
            found.update(a or b for a, b in NAMED.findall(text))
    return found


def test_every_code_is_named_by_a_test():
    never = sorted(declared() - named_by_tests() - set(EXEMPT))
    assert never == [], f"codes no test asserts: {', '.join(never)}"
    assert set(EXEMPT) <= declared()


def test_every_code_a_test_names_was_reported_by_a_real_run(request):
    if not request.config.stash.get(WHOLE_SUITE, False):
        pytest.skip("judged when the whole suite runs: the codes come from its real runs")
    never = sorted(declared() - EMITTED - set(EXEMPT))
    assert never == [], f"codes no real run reported in this session: {', '.join(never)}"
