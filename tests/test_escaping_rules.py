"""The renderers' escaping filters one by one (test_escaping.py renders a hostile report
through all of them): Markdown cells and prose, HTML prose and table cells, code fences,
JSON inside <script>, and text XML cannot carry."""
from __future__ import annotations

import json

import pytest

from upload_diagnostics.reports.junit import _clean
from upload_diagnostics.reports.printable import printable
from upload_diagnostics.reports.templating import (environment, html_prose, md_escape, md_fence,
                                                   md_prose, nobreak, script_json)


@pytest.mark.parametrize("value,expected", [
    ("a|b", "a\\|b"), ("`c`", "\\`c\\`"), ("*e* _f_", "\\*e\\* \\_f\\_"),
    ("[g]", "\\[g\\]"), ("C:\\dir", "C:\\\\dir"), ("<script>", "\\<script>"),
    ("</b>", "\\</b>"), ("<!--", "\\<!--"), ("<?php", "\\<?php"), ("a < b -> c", "a < b -> c"),
    ("x\r\ny", "x  y"), ("p\u2028q\u2029r", "p q r"),
    ("tab\tkept", "tab\tkept"), (None, ""), (42, "42"),
])
def test_markdown_cells(value, expected):
    assert md_escape(value) == expected


def test_markdown_prose_keeps_code_spans():
    assert md_prose("run `seek(0)` then <b>|") == "run `seek(0)` then \\<b>\\|"
    assert md_prose("`a` and `b`") == "`a` and `b`"
    assert md_prose("no code *here*") == "no code \\*here\\*"
    assert md_prose("a `pipe|in` code") == "a \\`pipe\\|in\\` code"  # not a code span


def test_html_prose_escapes_text_and_code():
    assert str(html_prose("run `a<b>` & <i>")) == "run <code>a&lt;b&gt;</code> &amp; &lt;i&gt;"
    assert str(html_prose("<script>alert(1)</script>")) == \
        "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_table_cells_break_only_at_spaces():
    assert str(nobreak("see /tmp/a-b and x")) == 'see <span class="nw">/tmp/a-b</span> and x'
    assert str(nobreak("<a-b> c")) == '<span class="nw">&lt;a-b&gt;</span> c'
    assert str(nobreak("why? x|y ok!")) == ('<span class="nw">why?</span> <span class="nw">'
                                            'x|y</span> <span class="nw">ok!</span>')


def test_fences_are_longer_than_any_backtick_run():
    assert md_fence("plain") == "```"
    assert md_fence("a `` b") == "```"
    assert md_fence("a ``` b") == "````"
    assert md_fence("a ```` b ` c") == "`````"


def test_json_inside_a_script_element():
    value = {"a": "</script><b>&\u2028\u2029"}
    text = script_json(value)
    assert text == '{"a": "\\u003c/script\\u003e\\u003cb\\u003e\\u0026\\u2028\\u2029"}'
    assert json.loads(text) == value
    assert script_json(["é"]) == '["é"]'  # not ASCII-escaped


def test_text_xml_cannot_carry():
    assert _clean("a\x00b\x0bc\x0c\x1f\ufffe\uffff\td\r\n") == \
        "a\ufffdb\ufffdc\ufffd\ufffd\ufffd\ufffd\td\r\n"
    assert (_clean(True), _clean(False), _clean(None), _clean(3)) == ("true", "false", "", "3")


def test_the_environments_escape_as_their_format_needs():
    html, text = environment(True), environment(False)
    assert html.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
    assert text.from_string("{{ x }}").render(x="<b>") == "<b>"
    assert text.from_string("{{ x|md }}|{{ y|fence }}").render(x="a|b", y="```") == \
        "a\\|b|````"
    assert html.from_string("{{ x|prose }}").render(x="`<i>`") == "<code>&lt;i&gt;</code>"
    assert html.from_string("{{ x|script_json|safe }}").render(x={"a": "<"}) == \
        '{"a": "\\u003c"}'
    assert text.from_string("{% if True %}\n  a\n{% endif %}\n").render() == "  a\n"
    assert text.from_string("    {% if True %}\n  a\n    {% endif %}\nb\n").render() == \
        "  a\nb\n"  # block tags take their indentation and line with them; the end stays
    with pytest.raises(Exception, match="undefined"):
        text.from_string("{{ missing }}").render()


def test_control_characters_are_written_as_their_escapes():
    assert printable("\x1b]0;pwned\x07red\x00\x7f\x85 tab\tnew\n") == \
        "\\x1b]0;pwned\\x07red\\x00\\x7f\\x85 tab\tnew\n"
    assert printable("a\u202eb\u2066c\u2069\u2028") == "a\\u202eb\\u2066c\\u2069\u2028"
    assert printable({"k": ["\x1b", 3, None], "n": "plain"}) == {"k": ["\\x1b", 3, None],
                                                               "n": "plain"}
    same = "nothing to escape"
    assert printable(same) is same
