"""Source files no parser likes: unknown or conflicting encodings, bytes that are not
text, null bytes, nesting deeper than the parser or a recursive walker goes, file names
that are not UTF-8. Each is an info finding (line null or at least 1, as the schema says)
or read as far as it can be; the checks that parse sources (fileptr, imagekit.sdk, the
environment's module list) never crash on them."""
from __future__ import annotations

import json
import os

import pytest

from adversarial import assert_survived, hostile_run
from test_adversarial_files import project

USES = "import imagekitio\n"  # so the imagekit checks and the module list parse it too
UPLOAD = "def upload(request):\n    f = request.FILES['f']\n    f.read()\n    return f.read()\n"
# name -> (bytes of app/bad.py, the I001 message's end)
UNPARSABLE = {
    "unknown coding": (b"# -*- coding: klingon -*-\n" + USES.encode(),
                       "SyntaxError: unknown encoding: klingon"),
    "null bytes": (USES.encode() + b"x = 1\n\x00\x00\n",
                   "SyntaxError: source code string cannot contain null bytes"),
    "not UTF-8": (USES.encode() + b"name = '\xff\xfe\xc3\x28'\n",
                  "SyntaxError: (unicode error) 'utf-8' codec can't decode byte 0xff in "
                  "position 0: invalid start byte (line 2)"),
    "a BOM and another coding": (b"\xef\xbb\xbf# coding: latin-1\n" + USES.encode(),
                                 "SyntaxError: encoding problem: iso-8859-1 with BOM"),
    "UTF-16": ("# coding: utf-16\n" + USES).encode("utf-16"),
    "nesting past the parser": (USES.encode() + b"x = " + b"(" * 300 + b")" * 300 + b"\n",
                                "SyntaxError: too many nested parentheses (line 2)"),
}
UNPARSABLE["UTF-16"] = (UNPARSABLE["UTF-16"], "SyntaxError: source code string cannot "
                                              "contain null bytes")


def run(tmp_path, root, *args, **kw):
    return hostile_run(kw.pop("name", tmp_path.name),
                       ["--project-dir", root, "--offline", *args], cwd=tmp_path,
                       out=tmp_path / "out", **kw)


@pytest.mark.parametrize("case", UNPARSABLE)
def test_an_unparsable_source_is_an_info_finding(tmp_path, case):
    data, reason = UNPARSABLE[case]
    root = project(tmp_path / "p", {"app/views.py": UPLOAD})
    (root / "app" / "bad.py").write_bytes(data)
    outcome = assert_survived(run(tmp_path, root), returncode=1)
    found = [f for f in outcome.check("fileptr.reuse")["findings"]
             if f["code"] == "fileptr.I001"]
    assert [(f["location"], f["message"]) for f in found] == [
        ({"path": "app/bad.py", "line": int(reason[-2]) if reason.endswith(")") else None},
         f"app/bad.py does not parse: {reason}")]
    assert "fileptr.E001" in outcome.codes("fileptr.reuse")  # the other file still counts


def test_nesting_deeper_than_a_recursive_walker_goes(tmp_path):
    """ast.parse accepts it; a walker that recurses per level would not."""
    depth = 2500
    body = "".join("    " * i + f"if a{i}:\n" for i in range(90))
    deep = "x = " + "-" * depth + "1\n" + "y = " + "[" * 90 + "]" * 90 + "\n"
    chain = "z = a" + ".b" * depth + "\n" + "w = " + " + ".join(["1"] * depth) + "\n"
    root = project(tmp_path / "p", {"app/views.py": UPLOAD,
                                     "app/deep.py": USES + deep + chain + body
                                     + "    " * 90 + "pass\n"})
    outcome = assert_survived(run(tmp_path, root), returncode=1)
    assert "fileptr.E001" in outcome.codes("fileptr.reuse")
    assert outcome.finding("fileptr.I001")["message"] == \
        "app/deep.py does not parse: RecursionError: nested deeper than the analysis follows"


def test_a_file_name_that_is_not_utf8(tmp_path):
    root = project(tmp_path / "p", {"app/views.py": UPLOAD})
    bad = os.path.join(os.fsencode(root / "app"), b"caf\xe9_\xff.py")
    with open(bad, "wb") as f:
        f.write(USES.encode() + b"def f(request):\n    request.FILES['f'].read()\n"
                                b"    return request.FILES['f'].read()\n")
    outcome = assert_survived(run(tmp_path, root), returncode=1)
    paths = {f["location"]["path"] for f in outcome.check("fileptr.reuse")["findings"]
             if f["code"] == "fileptr.E001"}
    assert paths == {"app/views.py", "app/caf\\xe9_\\xff.py"}


def test_a_saved_report_with_lone_surrogates_renders_again(tmp_path):
    root = project(tmp_path / "p", {"app/views.py": UPLOAD})
    first = assert_survived(run(tmp_path, root), returncode=1)
    report = first.json()
    report["checks"][0]["findings"][0]["message"] += " caf\udce9 \ud800"
    saved = tmp_path / "saved.json"
    saved.write_text(json.dumps(report))  # (ensure_ascii: the surrogates as \\u escapes)
    again = assert_survived(hostile_run("lone surrogates in --from-json", [
        "--from-json", saved], cwd=tmp_path, out=tmp_path / "again"), returncode=1)
    assert again.json()["checks"][0]["findings"][0]["message"].endswith(
        " caf\\xe9 \\ud800")
