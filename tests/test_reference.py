"""Finding codes declared once, and the reference generated from them."""
from __future__ import annotations

import re
import subprocess
import sys
import textwrap

import pytest

from conftest import REPO, base_env
from upload_diagnostics.diagnostics import Code, Level
from upload_diagnostics.diagnostics.codes import CODE_PATTERN
from upload_diagnostics.manage_commands import reference


def test_every_code_is_listed_by_a_check_and_emitted():
    entries, problems = reference.collect()
    problems += reference.unused(entries)
    assert not problems, "\n".join(problems)
    # The engine's codes and the starter checks' are there, found without a list of them.
    assert {"pillow.E001", "django.E001", "diagnostics.E003", "diagnostics.C001"} <= set(entries)
    assert "diagnostics.E004" not in entries  # renumbered: it is emitted as critical


def test_level_docs_and_emission_cannot_disagree():
    """The level exists once, as the code's letter: the finding a code makes and the
    docs generated from it both take it from there."""
    entries, _ = reference.collect()
    pages = reference.generate(entries)
    letters = {"C": Level.CRITICAL, "E": Level.ERROR, "W": Level.WARNING, "I": Level.INFO,
               "D": Level.DEBUG}
    for name, entry in entries.items():
        code = entry.doc
        assert code.level is letters[name.split(".")[1][0]], name
        finding = code("a message")
        assert (finding.code, finding.level) == (name, code.level)
        section = pages[f"codes/{entry.family}.md"].split(f"\n## {name}\n")[1]
        assert section.split("\n## ")[0].count(f"Level: {code.level.label}") == 1, name
    with pytest.raises(TypeError):
        Code("demo.E001", *"tdwbgf", level=Level.WARNING)  # no level but the letter's


def test_a_malformed_or_conflicting_code_fails_when_declared():
    with pytest.raises(ValueError, match="is not a finding code"):
        Code("demo.X001", *"tdwbgf")
    with pytest.raises(ValueError, match="is not a finding code"):
        Code("Demo.E1", *"tdwbgf")
    first = Code("demo.E901", *"tdwbgf")
    assert Code("demo.E901", *"tdwbgf").level is first.level  # a module imported twice
    with pytest.raises(ValueError, match="demo.E901 is declared twice"):
        Code("demo.E901", "another title", *"dwbgf")


def test_hints_default_to_the_code_s_hint_then_its_fix():
    plain = Code("demo.W902", *"tdwbg", "the fix")
    hinted = Code("demo.W903", *"tdwbg", "the fix", hint="the hint")
    assert plain("m").hint == "the fix" and hinted("m").hint == "the hint"
    assert hinted("m", "said here").hint == "said here"
    made = plain("m", evidence=[{"type": "log"}], path="a.py", line=3)
    assert (made.evidence, made.path, made.line) == ([{"type": "log"}], "a.py", 3)


def test_committed_docs_match_the_codes():
    entries, _ = reference.collect()
    stale = reference.stale(reference.generate(entries), REPO / "docs")
    assert not stale, "\n".join(
        [*stale, "Regenerate with: python -m upload_diagnostics.manage_commands.reference"])


def test_entries_are_real_documentation():
    entries, _ = reference.collect()
    for code, entry in entries.items():
        doc = entry.doc
        assert CODE_PATTERN.fullmatch(code), code
        for field in ("title", "detects", "why", "bad", "good", "fix"):
            assert len(getattr(doc, field).strip()) >= 10, f"{code}.{field} is too thin"
        if entry.level in ("error", "critical", "warning"):
            assert doc.bad != doc.good, f"{code}: the fixed example equals the bad one"
        if entry.family != "diagnostics":
            assert entry.checks, f"{code}: no check lists it"


def test_a_declared_code_nothing_emits_is_found(tmp_path, monkeypatch):
    (tmp_path / "demo_family.py").write_text(textwrap.dedent('''
        from upload_diagnostics.diagnostics import Check, Code

        E001 = Code("demofam.E001", *"tdwbgf")
        E002 = Code("demofam.E002", *"tdwbgf")
        ALL = (E001, E002)  # a list of codes is not an emission


        class Demo(Check):
            id = "demofam.demo"
            codes = (E001, E002)

            def run(self, ctx):
                yield E001("emitted")
    '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    import demo_family

    entries = {code.code: reference.Entry(code, "demo_family", ("demofam.demo",))
               for code in demo_family.ALL}
    assert reference.unused(entries) == [
        "demofam.E002 is declared in demo_family but nothing emits it (remove it or the "
        "dead code)"]


def test_family_modules_are_found_in_subpackages(tmp_path, monkeypatch):
    pkg = tmp_path / "familypkg"
    for rel in ("__init__.py", "pillow.py", "server/__init__.py", "server/gunicorn.py"):
        (pkg / rel).parent.mkdir(parents=True, exist_ok=True)
        (pkg / rel).write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert reference.package_modules("familypkg") == [
        "familypkg", "familypkg.pillow", "familypkg.server", "familypkg.server.gunicorn"]


def test_generator_command_writes_and_verifies(tmp_path):
    def run(*args):
        return subprocess.run([sys.executable, "-m", "upload_diagnostics.manage_commands.reference",
                               "--docs", str(tmp_path), *args], cwd=REPO, env=base_env(),
                              capture_output=True, text=True, timeout=120)

    assert run("--check").returncode == 1  # nothing written yet
    wrote = run()
    assert wrote.returncode == 0, wrote.stderr
    pillow = (tmp_path / "codes" / "pillow.md").read_text()
    assert "## pillow.E001" in pillow and "**How to fix.**" in pillow
    assert "[`pillow.E001`](pillow.md#pillowe001)" in (tmp_path / "codes/README.md").read_text()
    assert run("--check").returncode == 0
    (tmp_path / "codes" / "pillow.md").write_text(pillow.replace("Pillow", "PIL"))
    checked = run("--check")
    assert checked.returncode == 1 and "pillow.md is out of date" in checked.stderr


def test_a_plugin_module_gets_pages_of_its_own(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "upload_diagnostics.manage_commands.reference",
         "--module", "udx_plugin", "--docs", str(tmp_path)], cwd=tmp_path,
        env=base_env(PYTHONPATH=REPO / "tests" / "plugins" / "udx_dist"),
        capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    page = (tmp_path / "codes" / "udxplugin.md").read_text()
    assert "## udxplugin.W001" in page and "emitted by `udxplugin.entry`" in page
    assert "declared in `udx_plugin`" in page
    assert sorted(p.name for p in (tmp_path / "codes").iterdir()) == ["README.md",
                                                                      "udxplugin.md"]


def test_every_link_of_the_reference_resolves():
    """The index links to <family>.md#<anchor>; GitHub derives a heading's anchor by
    lower-casing `## family.CODE` and dropping the dot."""
    pages = reference.generate(reference.collect()[0])
    links = re.findall(r"\]\(([a-z0-9_]+\.md)(?:#([a-z0-9]+))?\)", "".join(pages.values()))
    assert len(links) > 126
    for page, anchor in links:
        assert f"codes/{page}" in pages, page
        headings = re.findall(r"^## (\S+)$", pages[f"codes/{page}"], re.M)
        assert not anchor or anchor in {h.lower().replace(".", "") for h in headings}, anchor
