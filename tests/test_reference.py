"""The finding-code reference: entries beside the code, generated docs, no drift."""
from __future__ import annotations

import re
import subprocess
import sys
import textwrap

from conftest import REPO, base_env
from upload_diagnostics.reports import reference


def test_every_emitted_code_has_an_entry_and_every_entry_a_code():
    entries, problems = reference.collect()
    literals = reference.code_literals(reference.source_files(), reference.source_root())
    problems += reference.drift(entries, literals)
    assert not problems, "\n".join(problems)
    # The starter checks and the engine are covered, found without being listed anywhere.
    assert {"pillow.E001", "django.E001", "diagnostics.E003"} <= set(entries)


def test_committed_docs_match_the_entries():
    entries, _ = reference.collect()
    stale = reference.stale(reference.generate(entries), REPO / "docs")
    assert not stale, ("\n".join(stale)
                       + "\nRegenerate with: python -m upload_diagnostics.reports.reference")


def test_entries_are_real_documentation():
    entries, _ = reference.collect()
    for code, entry in entries.items():
        doc = entry.doc
        assert re.fullmatch(reference.CODE_PATTERN, code), code
        for field in ("title", "detects", "why", "bad", "good", "fix"):
            assert len(getattr(doc, field).strip()) >= 10, f"{code}.{field} is too thin"
        if entry.level in ("error", "critical", "warning"):
            assert doc.bad != doc.good, f"{code}: the fixed example equals the bad one"
        if entry.family not in ("diagnostics",):
            assert entry.checks, f"{code}: no check in {entry.module} emits it"


def test_drift_is_detected_in_both_directions(tmp_path):
    emitter = tmp_path / "emitter.py"
    emitter.write_text(textwrap.dedent('''
        from upload_diagnostics.diagnostics.codes import CodeDoc
        # "demo.E009" in a comment is not an emitted code
        CODE = {"slow": "demo.W002"}
        def run():
            return "demo.E001", "see demo.E007 for details"
        CODES = [CodeDoc("demo.E001", "t", "d", "w", "b", "g", "f"),
                 CodeDoc(code="demo.E002", title="t", detects="d", why="w", bad="b",
                         good="g", fix="f")]
    '''))
    literals = reference.code_literals([emitter])
    assert set(literals) == {"demo.W002", "demo.E001"}  # not the entries, comments, prose
    assert literals["demo.W002"] == ["emitter.py:4"]
    entries = {code: reference.Entry(reference.CodeDoc(code, *"tdwbgf"), "emitter", ())
               for code in ("demo.E001", "demo.E002")}
    problems = reference.drift(entries, literals)
    assert any(p.startswith("demo.W002 is emitted at emitter.py:4 but has no") for p in problems)
    assert any(p.startswith("demo.E002 has a CodeDoc entry") for p in problems)
    assert len(problems) == 2


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
        return subprocess.run([sys.executable, "-m", "upload_diagnostics.reports.reference",
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


def test_report_anchors_match_the_generated_headings():
    """Reports link to docs/codes/<family>.md#<anchor>; GitHub derives the anchor from the
    `## family.CODE` heading by lower-casing it and dropping the dot."""
    from upload_diagnostics.diagnostics.model import Finding

    docs = (REPO / "docs" / "codes" / "pillow.md").read_text()
    link = Finding("pillow.E001", "error", "m").to_dict()["docs"]
    path, anchor = link.split("#")
    assert path == "docs/codes/pillow.md"
    heading = re.search(r"^## (pillow\.E001)$", docs, re.M).group(1)
    assert heading.lower().replace(".", "") == anchor
