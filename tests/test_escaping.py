"""A finding full of markup (`</script><script>`, `|`, backticks, U+2028) renders
harmlessly: no injected script in the HTML, the embedded JSON intact, Markdown tables whole."""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from conftest import REPO, run_manage
from plugins.harness import by_id, checks_setting, env, validate
from plugins.udx_checks import PAYLOAD


class Scripts(HTMLParser):
    """Every <script> element (attributes and raw text) and all visible text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts: list[tuple[dict, str]] = []
        self.text: list[str] = []
        self._in_script: dict | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._in_script = dict(attrs)
            self.scripts.append((self._in_script, ""))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None

    def handle_data(self, data):
        if self._in_script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)
        else:
            self.text.append(data)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """html, md and json of one run whose udx.hostile check carries PAYLOAD everywhere."""
    from conftest import MINIMAL_SETTINGS, write_files

    root = tmp_path_factory.mktemp("hostile")
    write_files(root, {
        "testsite/__init__.py": "",
        "testsite/settings.py": MINIMAL_SETTINGS + checks_setting("Hostile"),
    })
    (root / "manage.py").write_text(
        "import os, sys\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'testsite.settings')\n"
        "from django.core.management import execute_from_command_line\n"
        "execute_from_command_line(sys.argv)\n")
    out = root / "out"
    run = run_manage(root, "udx", "--format", "html", "--format", "md", "--format", "json",
                     "--output", out, env=env())
    assert run.returncode == 0, run.stderr  # a warning, below the default fail level
    return {ext: (out / f"report.{ext}").read_text(encoding="utf-8")
            for ext in ("html", "md", "json")}


def test_the_payload_reaches_the_report(rendered):
    finding = by_id(validate(json.loads(rendered["json"])))["udx.hostile"]["findings"][0]
    assert finding["message"] == f"message {PAYLOAD}"
    assert finding["evidence"][1]["rows"][0][0] == PAYLOAD


def test_html_has_no_injected_script(rendered):
    parser = Scripts()
    parser.feed(rendered["html"])
    parser.close()
    template = (REPO / "reports/templates/report.html.j2").read_text()
    assert len(parser.scripts) == template.count("<script")
    for attrs, text in parser.scripts:
        if attrs.get("type") != "application/json":
            assert "alert(1)" not in text
    # Shown as text, not executed.
    visible = "".join(parser.text)
    # (`backticks` in a message mark code, as in the checks' own wording)
    assert f"message {PAYLOAD}".replace("`tick`", "tick") in visible
    assert "a <code>tick</code>" in rendered["html"]
    assert "<script>alert(1)</script>" not in rendered["html"].replace(
        "&lt;script&gt;alert(1)&lt;/script&gt;", "")
    assert "\u2028" not in "".join(text for _, text in parser.scripts)


def test_embedded_json_parses_and_equals_the_json_report(rendered):
    parser = Scripts()
    parser.feed(rendered["html"])
    embedded = {attrs.get("id"): text for attrs, text in parser.scripts
                if attrs.get("type") == "application/json"}
    assert json.loads(embedded["report-json"]) == json.loads(rendered["json"])


def _cells(row: str) -> int:
    """Columns of a Markdown table row: pipes not escaped by a backslash, minus one."""
    pipes = [m for m in re.finditer(r"\|", row)
             if (len(row[:m.start()]) - len(row[:m.start()].rstrip("\\"))) % 2 == 0]
    return len(pipes) - 1


def _outside_fences(md: str) -> list[str]:
    lines, fence = [], None
    for line in md.splitlines():
        stripped = line.strip()
        run = len(stripped) - len(stripped.lstrip("`"))
        if fence is None and run >= 3:
            fence = run
        elif fence is not None and run >= fence and stripped == "`" * run:
            fence = None
        elif fence is None:
            lines.append(line)
    assert fence is None, "a code fence was never closed"
    return lines


def test_markdown_tables_keep_their_columns_and_markup_stays_text(rendered):
    lines = _outside_fences(rendered["md"])
    tables, current = [], []
    for line in lines + [""]:
        if line.strip().startswith("|"):
            current.append(line.strip())
        elif current:
            tables.append(current)
            current = []
    hostile = [t for t in tables if any("alert(1)" in row for row in t)]
    assert len(hostile) == 1 and _cells(hostile[0][0]) == 3  # the table evidence
    for table in tables:
        widths = {_cells(row) for row in table}
        assert len(widths) == 1, table
    # The key-value evidence is a list item, whole on one line.
    item = [line for line in lines if line.strip().startswith("- key ")]
    assert len(item) == 1 and "alert(1)" in item[0]
    for line in lines:
        # Markup stays text without HTML entities: outside code spans every "<" that could
        # open a tag is escaped with a backslash.
        plain = re.sub(r"(?<!\\)`[^`]*(?<!\\)`", "", line)
        assert not re.search(r"(?<!\\)<[A-Za-z/!?]", plain), line
        assert "&lt;" not in line and "\u2028" not in line, line
    # The evidence lines holding fences stayed inside their (longer) code fence.
    assert "x = '</script><script>alert(1)</script>" in rendered["md"]
