"""--format sarif: SARIF 2.1.0 valid against the published schema, with rules, locations
and help text from the static findings."""
from __future__ import annotations

import json

import pytest

from conftest import run_cli, write_files
from plugins.harness import SARIF_SCHEMA as SCHEMA, validate_sarif as validate


def test_schema_file_is_the_published_2_1_0_schema():
    assert SCHEMA["id"].endswith("/sarif-schema-2.1.0.json")
    assert "Version 2.1.0 JSON Schema" in SCHEMA["title"]


@pytest.mark.smoke
def test_example_project_sarif_is_valid_and_complete(example_project):
    run = run_cli("fileptr", "--project-dir", example_project, "--format", "sarif")
    assert run.returncode == 1, run.output
    log = json.loads(run.stdout)
    validate(log)
    assert log["version"] == "2.1.0"
    [sarif_run] = log["runs"]
    rules = {r["id"]: r for r in sarif_run["tool"]["driver"]["rules"]}
    assert set(rules) == {"fileptr.E002", "fileptr.E003", "fileptr.W003"}
    e002 = rules["fileptr.E002"]
    assert e002["shortDescription"]["text"] == "A consumed upload is handed to a saver"
    assert "FileSystemStorage" in e002["help"]["text"]
    assert "```python" in e002["help"]["markdown"]
    assert e002["defaultConfiguration"]["level"] == "error"
    results = {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                r["locations"][0]["physicalLocation"]["region"]["startLine"]): r
               for r in sarif_run["results"]}
    assert set(results) == {("fileptr.E002", "gallery/serializers.py", 19),
                            ("fileptr.E003", "gallery/storage.py", 25),
                            ("fileptr.W003", "gallery/views.py", 22)}
    saved = results[("fileptr.E002", "gallery/serializers.py", 19)]
    assert sarif_run["tool"]["driver"]["rules"][saved["ruleIndex"]]["id"] == "fileptr.E002"
    assert saved["level"] == "error"
    [related] = saved["relatedLocations"]
    assert related["physicalLocation"]["region"]["startLine"] == 18
    assert results[("fileptr.W003", "gallery/views.py", 22)]["level"] == "warning"
    base = sarif_run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base == example_project.resolve().as_uri() + "/"


def test_sarif_file_beside_other_formats_and_findings_without_location(tmp_path):
    """Several formats into a directory: report.sarif is written; findings without a
    location (Pillow's codec summary) stay out of SARIF, located ones of other static
    checks are in."""
    root = write_files(tmp_path / "site", {"app/media.py": """
        from io import BytesIO

        def export(image):
            out = BytesIO()
            image.save(out, "WEBP")
            return out.read()
    """})
    out = tmp_path / "out"
    run = run_cli("fileptr", "pillow", "--project-dir", root, "--format", "sarif",
                  "--format", "json", "--output", out)
    assert run.returncode == 1, run.output
    log = json.loads((out / "report.sarif").read_text(encoding="utf-8"))
    validate(log)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    located = [f for c in report["checks"] for f in c["findings"] if f["location"]]
    unlocated = [f for c in report["checks"] for f in c["findings"] if not f["location"]]
    assert unlocated  # pillow.I001 has no location
    assert len(log["runs"][0]["results"]) == len(located) >= 1
    assert {r["ruleId"] for r in log["runs"][0]["results"]} >= {"fileptr.E001"}


def test_sarif_with_no_findings_is_valid(tmp_path):
    (tmp_path / "clean").mkdir()
    run = run_cli("fileptr", "--project-dir", tmp_path / "clean", "--format", "sarif")
    assert run.returncode == 0, run.output
    log = json.loads(run.stdout)
    validate(log)
    assert log["runs"][0]["results"] == []
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is True


def test_fingerprints_survive_moved_lines(example_project):
    """Code-scanning tools match alerts across commits by partialFingerprints."""
    def results():
        run = run_cli("fileptr", "--project-dir", example_project, "--format", "sarif")
        log = json.loads(run.stdout)
        validate(log)
        return {r["ruleId"]: (r["locations"][0]["physicalLocation"]["region"]["startLine"],
                              r["partialFingerprints"]) for r in log["runs"][0]["results"]}

    before = results()
    serializers = example_project / "gallery" / "serializers.py"
    serializers.write_text("# moved down by three lines\n\n\n" + serializers.read_text())
    after = results()
    assert after["fileptr.E002"][0] == before["fileptr.E002"][0] + 3
    assert after["fileptr.E002"][1] == before["fileptr.E002"][1]
    assert len({fp["uploadDiagnosticsFinding/v1"] for _, fp in after.values()}) == 3
