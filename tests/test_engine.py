"""The engine through the real command: ordering, timeouts, crashes, tiers, silencing,
exit codes, Ctrl-C and plugin discovery, on real settings modules."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest

from conftest import REPO, interrupt_when, run_cli, run_manage
from plugins.harness import (PLUGINS, by_id, checks_setting, codes, env, make_venv,
                             pip_install, validate)

JSON = ("--format", "json")


def test_checks_run_after_the_facts_they_need(project):
    # Registered in the "wrong" order: the runner must still put Provider first.
    root = project(checks_setting("Consumer", "Reader", "Orphan", "Provider"))
    run = run_manage(root, "udx", *JSON, env=env())
    assert run.returncode == 0, run.stderr
    report = run.json()
    order = [c["id"] for c in validate(report)["checks"]]
    assert order.index("udx.provider") < order.index("udx.consumer")
    assert order.index("udx.provider") < order.index("udx.reader")
    checks = by_id(report)
    assert checks["udx.provider"]["facts"] == {"udx.answer": 42}
    assert checks["udx.consumer"]["findings"][0]["message"] == "the answer is 42"
    assert checks["udx.reader"]["findings"][0]["message"] == "the fact is 42"
    orphan = checks["udx.orphan"]
    assert orphan["status"] == "skipped" and orphan["findings"] == []
    assert "udx.nobody" in orphan["skipped_reason"]


def test_uses_does_not_require(project):
    root = project(checks_setting("Reader"))
    checks = by_id(run_manage(root, "udx", *JSON, env=env()).json())
    assert checks["udx.reader"]["status"] == "pass"
    assert checks["udx.reader"]["findings"][0]["message"] == "the fact is None"


def test_begin_starts_before_any_check_runs_and_its_failure_is_that_checks_error(project):
    root = project(checks_setting("EventProvider", "Starter", "OfflineStarter",
                                  ("Starter", {"fail": True})))
    checks = by_id(validate(run_manage(root, "udx", "--offline", *JSON, env=env()).json()))
    # The failing Starter replaced the first one (same id): its begin raised.
    starter = checks["udx.starter"]
    assert starter["status"] == "error" and codes(starter) == ["diagnostics.E002"]
    assert "could not start the background work" in starter["findings"][0]["message"]
    assert checks["udx.offline_starter"]["status"] == "skipped"

    root = project(checks_setting("EventProvider", "Starter", "OfflineStarter"))
    checks = by_id(validate(run_manage(root, "udx", "--offline", *JSON, env=env()).json()))
    # begin ran before the provider's run; the gated check's begin never ran.
    assert checks["udx.starter"]["findings"][0]["message"] == \
        "begin udx.starter / run udx.provider / run udx.starter"


def test_default_timeout_abandons_a_hung_check_and_runs_its_undo_steps(project, tmp_path):
    undo = tmp_path / "undo"
    root = project(checks_setting(("Sleeper", {"undo": str(undo)}), "Provider", "Consumer"))
    out = tmp_path / "report.json"
    # The hung check sleeps an hour: the run ending within run_manage's limit shows it
    # was abandoned (no bound on elapsed time here: that depends on the machine's load).
    run = run_manage(root, "udx", "--timeout", "1", *JSON, "--output", out, env=env())
    assert run.returncode == 1, run.stderr
    checks = by_id(json.loads(out.read_text()))
    sleeper = checks["udx.sleeper"]
    assert sleeper["status"] == "timeout"
    assert codes(sleeper) == ["diagnostics.E003"]
    assert sleeper["duration_s"] >= 1  # it was given its full second
    assert undo.read_text() == "undone"
    assert checks["udx.consumer"]["status"] == "pass"  # the run went on
    assert "udx.sleeper: timeout" in run.stderr


def test_an_undo_step_that_fails_is_critical_and_named(project, tmp_path):
    undo = tmp_path / "gone" / "undo"  # its folder does not exist: the undo step raises
    root = project(checks_setting(("Sleeper", {"undo": str(undo)})))
    run = run_manage(root, "udx", "--timeout", "1", *JSON, env=env())
    assert run.returncode == 1, run.stderr
    sleeper = by_id(validate(run.json()))["udx.sleeper"]
    assert sleeper["status"] == "timeout"
    assert codes(sleeper) == ["diagnostics.E003", "diagnostics.C001"]
    critical = sleeper["findings"][1]
    assert critical["level"] == "critical"
    assert critical["message"] == ("udx.sleeper could not undo what it did: <lambda>: [Errno 2] "
                                   f"No such file or directory: '{undo}'")
    assert critical["evidence"][0]["title"] == "Undo errors"


def test_own_timeout_wins_and_slow_checks_are_announced(project, tmp_path):
    undo = tmp_path / "undo"
    root = project(checks_setting(("QuickTimeout", {"undo": str(undo)}),
                                  ("Sleeper", {"seconds": 11})))
    run = run_cli("--settings", "testsite.settings", "udx", "--timeout", "30", *JSON,
                  cwd=root, env=env())
    checks = by_id(run.json())
    quick = checks["udx.quick_timeout"]
    assert quick["status"] == "timeout" and quick["duration_s"] >= 1
    assert "within 1 s" in quick["findings"][0]["message"]
    assert undo.read_text() == "undone"
    assert checks["udx.sleeper"]["status"] == "pass"  # 11 s < --timeout 30
    assert re.search(r"udx\.sleeper is still running \(1\d s, timeout 30 s\)", run.stderr)
    assert "udx.quick_timeout is still running" not in run.stderr


@pytest.mark.parametrize("finding, wrong", [
    (("udx.W009", "warning"), "reported udx.W009 at level warning, a code it does not list in "
                              "its codes"),
    (("udx.E001", "warning"), "reported udx.E001 at level warning, a code declared error"),
])
def test_a_finding_its_check_does_not_declare_is_that_checks_error(project, finding, wrong):
    """A code a check does not list, or a level its code does not say, is a plugin bug:
    the check's result is an error, not a finding at whatever level the plugin chose."""
    root = project(checks_setting(("Rogue", {"finding": finding}), "Provider"))
    run = run_manage(root, "udx", *JSON, env=env())
    assert run.returncode == 1
    checks = by_id(run.json())
    rogue = checks["udx.rogue"]
    assert rogue["status"] == "error" and codes(rogue) == ["diagnostics.E002"]
    assert rogue["findings"][0]["message"] == f"udx.rogue {wrong}"
    assert checks["udx.provider"]["status"] == "pass"


def test_a_crash_is_one_error_result(project):
    root = project(checks_setting("Crasher", "Provider", "Consumer",
                                  extra='UPLOAD_API_TOKEN = "tok-9f8e7d6c5b4a"\n'))
    run = run_manage(root, "udx", *JSON, env=env())
    assert run.returncode == 1
    checks = by_id(run.json())
    crash = checks["udx.crasher"]
    assert crash["status"] == "error"
    (finding,) = crash["findings"]
    assert finding["code"] == "diagnostics.E002"
    assert "RuntimeError: upload refused" in finding["message"]
    trace = finding["evidence"][0]
    assert trace["type"] == "traceback"
    assert "udx_checks.py" in trace["text"] and "raise RuntimeError" in trace["text"]
    assert "tok-9f8e7d6c5b4a" not in run.output
    assert checks["udx.consumer"]["status"] == "pass"


def test_a_check_yielding_something_else_than_findings_is_an_error(project):
    root = project(checks_setting("Junk", "Provider"))
    checks = by_id(run_manage(root, "udx", *JSON, env=env()).json())
    assert checks["udx.junk"]["status"] == "error"
    assert "udx.junk returned str, not Finding" in checks["udx.junk"]["findings"][0]["message"]
    assert checks["udx.provider"]["status"] == "pass"


def test_a_value_that_cannot_print_itself_does_not_stop_the_report(project):
    root = project(checks_setting("OddFact"))
    run = run_manage(root, "udx", *JSON, env=env())
    assert run.returncode == 0, run.stderr
    odd = by_id(run.json())["udx.odd_fact"]
    assert odd["facts"] == {"udx.odd": {"value": "<unprintable Unprintable>"}}
    assert odd["findings"][0]["evidence"][0]["items"] == [["x", "<unprintable Unprintable>"]]


def test_tier_gates_say_which_flag_enables_the_check(project):
    root = project(checks_setting("Network", "Write"))
    run = run_cli("--settings", "testsite.settings", "udx", "--offline", *JSON, cwd=root,
                  env=env())
    checks = by_id(run.json())
    assert checks["udx.network"]["status"] == "skipped"
    assert "--offline" in checks["udx.network"]["skipped_reason"]
    assert checks["udx.network"]["enable_with"] == "a run without --offline"
    assert checks["udx.write"]["status"] == "skipped"
    assert checks["udx.write"]["enable_with"] == "--e2e"
    assert "--e2e" in checks["udx.write"]["skipped_reason"]

    run = run_cli("--settings", "testsite.settings", "udx", "--e2e", *JSON, cwd=root,
                  env=env())
    checks = by_id(run.json())
    assert codes(checks["udx.network"]) == ["udx.I004"]
    assert codes(checks["udx.write"]) == ["udx.I005"]


def test_a_check_that_cannot_check_is_skipped_with_its_reason_not_passed(project):
    root = project(checks_setting("NotApplicable"))
    run = run_manage(root, "udx", *JSON, env=env())
    assert run.returncode == 0, run.stderr
    result = by_id(validate(run.json()))["udx.not_applicable"]
    assert result["status"] == "skipped"
    assert result["skipped_reason"] == "the project has no thing to check"
    assert result["enable_with"] == "pip install thing"
    assert codes(result) == ["udx.I007"]  # what it found before it stopped is kept
    assert "udx.not_applicable: skipped" in run.stderr


def test_without_settings_django_checks_are_skipped_and_the_rest_run(tmp_path):
    run = run_cli(*JSON, "--offline", cwd=tmp_path, env=env())
    assert run.returncode == 0, run.stderr
    checks = by_id(run.json())
    django = checks["django.upload_settings"]
    assert django["status"] == "skipped"
    assert "Django settings" in django["skipped_reason"]
    assert "--settings" in django["enable_with"]
    assert checks["pillow.codecs"]["status"] == "pass"  # it needs no settings


LEVELED = ("Leveled", {"findings": ["udx.W001", "udx.W002", "udx.E001", "udx.I001"]})


def test_silenced_findings_are_counted_not_shown(project):
    root = project(checks_setting(LEVELED, silence=["udx.W*"]))
    run = run_manage(root, "udx", "--silence", "udx.E00?", "--fail-level", "warning",
                     *JSON, env=env())
    assert run.returncode == 0, run.stdout  # nothing left at warning or above
    report = run.json()
    leveled = by_id(report)["udx.leveled"]
    assert codes(leveled) == ["udx.I001"]
    assert leveled["silenced"] == 3 and leveled["status"] == "pass"
    assert report["summary"]["counts"]["silenced"] == 3
    assert report["run"]["flags"]["silence"] == ["udx.W*", "udx.E00?"]
    text = run_manage(root, "udx", "--silence", "udx.E00?", env=env()).stdout
    assert "udx.W001" not in text and "udx.E001" not in text
    assert "3 findings silenced" in text


def test_a_lone_silence_string_is_one_pattern(project):
    # Not the characters of the string: "*" among them would silence everything.
    root = project("UPLOAD_DIAGNOSTICS = {\"CHECKS\": [(\"udx_checks.Leveled\", "
                   "{\"findings\": [\"udx.W001\", \"udx.E001\"]})], "
                   "\"SILENCE\": \"udx.W*\"}\n")
    run = run_manage(root, "udx", *JSON, env=env())
    assert run.returncode == 1
    leveled = by_id(run.json())["udx.leveled"]
    assert codes(leveled) == ["udx.E001"] and leveled["silenced"] == 1


@pytest.mark.parametrize("findings, args, expected", [
    (["udx.W001"], (), 0),
    (["udx.W001"], ("--fail-level", "warning"), 1),
    (["udx.I001"], ("--fail-level", "info"), 1),
    (["udx.E001"], (), 1),
    (["udx.E001"], ("--fail-level", "critical"), 0),
    (["udx.C001"], ("--fail-level", "critical"), 1),
])
def test_fail_level_sets_the_exit_status(project, findings, args, expected):
    root = project(checks_setting(("Leveled", {"findings": findings})))
    assert run_manage(root, "udx", *args, env=env()).returncode == expected
    run = run_cli("--settings", "testsite.settings", "udx", *args, cwd=root, env=env())
    assert run.returncode == expected, run.output


def test_a_bad_fail_level_is_a_usage_error(project):
    root = project()
    for run in (run_manage(root, "--fail-level", "fatal"),
                run_cli("--settings", "testsite.settings", "--fail-level", "fatal", cwd=root)):
        assert run.returncode == 2
        assert "fatal" in run.stderr and "Traceback" not in run.stderr


@pytest.mark.parametrize("front_end", ["manage.py", "cli"])
def test_ctrl_c_runs_undo_steps_writes_the_report_and_exits_130(project, tmp_path, front_end):
    started, undo = tmp_path / "started", tmp_path / "undo"
    root = project(checks_setting(
        "Provider", ("Sleeper", {"started": str(started), "undo": str(undo)}), "Consumer"))
    out = tmp_path / "report.json"
    if front_end == "cli":
        cmd = [sys.executable, "-m", "upload_diagnostics.manage_commands",
               "--settings", "testsite.settings"]
    else:
        cmd = [sys.executable, "manage.py", "diagnose_uploads"]
    run = interrupt_when([*cmd, "udx", *JSON, "--output", str(out)], started.exists, root,
                         env())
    assert run.returncode == 130, run.stderr
    assert undo.read_text() == "undone"
    report = validate(json.loads(out.read_text()))
    assert report["run"]["flags"]["interrupted"] is True
    checks = by_id(report)
    assert checks["udx.provider"]["status"] == "pass"
    assert codes(checks["udx.sleeper"]) == ["diagnostics.E005"]
    assert checks["udx.consumer"]["status"] == "skipped"
    assert "interrupted" in checks["udx.consumer"]["skipped_reason"]
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize("undeletable", [False, True])
def test_a_round_trip_undone_at_a_timeout_names_what_it_left(project, tmp_path, undeletable):
    store = tmp_path / "store"
    root = project(checks_setting(("Writer", {"store": str(store), "undeletable": undeletable,
                                              "names": ["run1/a.jpg", "run1/b.jpg"]})))
    run = run_manage(root, "udx.writer", "--timeout", "1", *JSON, env=env())
    writer = by_id(validate(run.json()))["udx.writer"]
    assert writer["status"] == "timeout"
    if not undeletable:
        assert run.returncode == 1 and codes(writer) == ["diagnostics.E003"]
        assert list((store / "run1").iterdir()) == []
        return
    assert codes(writer) == ["diagnostics.E003", "diagnostics.C002"]  # not the generic C001
    left = writer["findings"][1]
    assert left["message"] == ("2 test object(s) could not be deleted from folder 'store': "
                               "run1/a.jpg (PermissionError: read-only: run1/a.jpg)")
    assert [row[0] for row in left["evidence"][0]["rows"]] == ["run1/a.jpg", "run1/b.jpg"]
    assert left["evidence"][1]["items"] == [["storage", "folder 'store'"],
                                            ["test prefix", "run1/"]]


def test_a_round_trip_interrupted_with_ctrl_c_names_what_it_left(project, tmp_path):
    store, started = tmp_path / "store", tmp_path / "started"
    root = project(checks_setting(("Writer", {
        "store": str(store), "undeletable": True, "started": str(started),
        "names": ["run1/a.jpg"]})))
    out = tmp_path / "report.json"
    run = interrupt_when([sys.executable, "manage.py", "diagnose_uploads", "udx.writer",
                          *JSON, "--output", str(out)], started.exists, root, env())
    assert run.returncode == 130, run.stderr
    writer = by_id(validate(json.loads(out.read_text())))["udx.writer"]
    assert codes(writer) == ["diagnostics.E005", "diagnostics.C002"]
    assert "run1/a.jpg (PermissionError" in writer["findings"][1]["message"]


def test_each_layer_says_its_status_and_why(project):
    root = project(checks_setting("Repeater", "NotApplicable", ("Leveled", {
        "findings": ["udx.I001"]})))
    report = validate(run_manage(root, "udx", *JSON, env=env()).json())
    assert {c["id"]: c["layer"] for c in report["checks"]} == {
        "udx.repeater": "storage", "udx.not_applicable": "other", "udx.leveled": "other"}
    layers = {layer["layer"]: layer for layer in report["summary"]["layers"]}
    assert list(layers) == ["storage", "other"]  # the report's order of layers
    # The worst finding's title, how many more problems, and where that finding is.
    assert layers["storage"] == {
        "layer": "storage", "title": "Storage and SDK", "status": "fail",
        "reason": "A test error, and 1 more problem", "check": "udx.repeater", "finding": 2,
        "code": "udx.E001", "checks": ["udx.repeater"]}
    assert layers["other"]["status"] == "pass"
    assert layers["other"]["reason"] == "No problem found (1 check passed, 1 skipped)"
    alone = project(checks_setting("NotApplicable"))
    [layer] = run_manage(alone, "udx", *JSON, env=env()).json()["summary"]["layers"]
    assert layer["status"] == "skipped" and layer["code"] is None
    assert layer["reason"] == "Not checked: the project has no thing to check"


def test_every_built_in_check_declares_its_layer():
    from upload_diagnostics.checks import builtin
    from upload_diagnostics.diagnostics.model import LAYERS

    layers = {check.id: check.layer for check in builtin()}
    assert "other" not in layers.values(), layers
    assert set(layers.values()) == set(LAYERS) - {"other"}  # every layer has its checks


def test_evidence_is_shown_once(project, tmp_path):
    """The most severe finding keeps a block its check repeats and the others point at it;
    overlapping excerpts of one file in a finding become one, with both lines marked."""
    root = project(checks_setting("Repeater"))
    out = tmp_path / "out"
    run = run_manage(root, "udx", "--format", "json", "--format", "html", "--format", "md",
                     "--format", "text", "-v", "2", "--output", out, env=env())
    assert run.returncode == 1, run.stderr
    report = validate(json.loads((out / "report.json").read_text()))
    overview, warning, error = by_id(report)["udx.repeater"]["findings"]
    assert [e["type"] for e in error["evidence"]] == ["table"]
    reference = {"type": "ref", "title": "Locations", "of": "table", "check": "udx.repeater",
                 "finding": 2, "block": 0, "code": "udx.E001"}
    assert overview["evidence"] == [reference]
    excerpt = warning["evidence"][1]
    assert warning["evidence"] == [reference, excerpt]
    assert (excerpt["start_line"], len(excerpt["lines"]), excerpt["marks"]) == (10, 9, [13, 15])
    assert excerpt["title"] == "the read (line 13); the save (line 15)"
    html = (out / "report.html").read_text()
    assert html.count("<caption>Locations</caption>") == 1
    assert html.count('shown above, with <a href="#f-udx.repeater-2">') == 2
    assert html.count('<span class="ln mark">') == 2
    assert "Locations:* shown above, with `udx.E001`." in (out / "report.md").read_text()
    text = (out / "report.txt").read_text()
    assert text.count("Locations: shown above, with udx.E001") == 2
    assert ">   13 | line 13" in text and ">   15 | line 15" in text


def test_settings_checks_in_every_form_and_broken_plugins(project):
    root = project("""
        UPLOAD_DIAGNOSTICS = {"CHECKS": [
            "udx_checks.Provider",
            ("udx_checks.Leveled", {"findings": ["udx.W003"]}),
            {"path": "udx_checks.Sleeper", "options": {"seconds": 0}},
            "udx_checks.NotACheck",
            "udx_checks.BadInit",
            "udx_checks.BadLayer",
            "udx_checks.DoesNotExist",
            "udx_no_such_module.Check",
            42,
        ]}
    """)
    run = run_manage(root, *JSON, "--offline", env=env())
    assert run.returncode == 1
    checks = by_id(run.json())
    assert codes(checks["udx.leveled"]) == ["udx.W003"]
    assert codes(checks["udx.sleeper"]) == ["udx.I003"]
    assert checks["udx.provider"]["status"] == "pass"
    assert checks["pillow.codecs"]["status"] == "pass"  # built-ins still ran
    plugins = checks["diagnostics.plugins"]
    assert plugins["status"] == "error"
    assert codes(plugins) == ["diagnostics.E001"] * 6
    messages = "\n".join(f["message"] for f in plugins["findings"])
    assert "BadLayer.layer must be one of server, code, storage" in messages
    assert "not a subclass of diagnostics.Check" in messages
    assert "BadInit does not take options" in messages
    assert "has no attribute 'DoesNotExist'" in messages
    assert "udx_no_such_module" in messages
    assert "42" in messages


def test_a_settings_check_replaces_a_built_in_of_the_same_id(project):
    root = project(checks_setting("PillowOverride"))
    run = run_manage(root, "pillow", *JSON, env=env())
    (check,) = validate(run.json())["checks"]
    assert check["title"] == "The project's own Pillow check"
    assert codes(check) == ["pillow.I900"]


def test_settings_come_from_django_settings_module_too(project):
    root = project(checks_setting("Provider"))
    run = run_cli("udx", "django", "--offline", *JSON, cwd=root,
                  env=env(DJANGO_SETTINGS_MODULE="testsite.settings"))
    checks = by_id(run.json())
    assert checks["udx.provider"]["status"] == "pass"
    assert checks["django.upload_settings"]["status"] == "pass"
    assert run.json()["environment"]["settings_module"] == "testsite.settings"


def test_call_command_writes_to_the_given_stdout(project):
    root = project(checks_setting(("Leveled", {"findings": ["udx.E002"]})))
    script = (
        "import io, json, django; django.setup()\n"
        "from django.core.management import call_command\n"
        "out, err = io.StringIO(), io.StringIO()\n"
        "try:\n"
        "    call_command('diagnose_uploads', 'udx', formats=['json'], stdout=out, stderr=err)\n"
        "    code = 0\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        "print(json.dumps({'code': code, 'out': out.getvalue(), 'err': err.getvalue()}))\n")
    proc = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True,
                          text=True, env=env(DJANGO_SETTINGS_MODULE="testsite.settings"))
    result = json.loads(proc.stdout)
    assert result["code"] == 1
    assert codes(by_id(json.loads(result["out"]))["udx.leveled"]) == ["udx.E002"]
    assert "udx.leveled: fail" in result["err"]


def test_entry_point_of_an_installed_distribution(tmp_path):
    python = make_venv(tmp_path / "venv", with_repo=True)
    dist = shutil.copytree(PLUGINS / "udx_dist", tmp_path / "udx_dist")
    pip_install(python, "--no-build-isolation", dist)
    run = run_cli("--tag", "udx", *JSON, "--offline", cwd=tmp_path, env=env(), python=python)
    assert run.returncode == 1, run.stderr  # the broken entry point is an error finding
    checks = by_id(run.json())
    assert codes(checks["udxplugin.entry"]) == ["udxplugin.W001"]
    (broken,) = checks["diagnostics.plugins"]["findings"]
    assert "entry point 'broken'" in broken["message"]
    assert "udx_plugin.missing" in broken["message"]
    # The same command without the distribution knows nothing of it.
    plain = run_cli("--tag", "udx", "--offline", cwd=tmp_path, env=env())
    assert plain.returncode == 2 and "unknown tag 'udx'" in plain.stderr


def test_the_readme_s_check_runs_and_its_code_is_documented_in_the_report(project, tmp_path):
    """The check of the README's "Writing a check", as written there: its finding carries
    the code it declares, and the report carries that code's entry."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Writing a check", 1)[1]
    source = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    root = project('MEDIA_URL = "/media/"\n'
                   'UPLOAD_DIAGNOSTICS = {"CHECKS": ["myproject.diagnostics.CdnCheck"]}\n',
                   files={"myproject/__init__.py": "", "myproject/diagnostics.py": source})
    run = run_manage(root, "myproject", *JSON)
    assert run.returncode == 1, run.output
    report = validate(run.json())
    (finding,) = by_id(report)["myproject.cdn"]["findings"]
    assert (finding["code"], finding["level"]) == ("myproject.E001", "error")
    assert finding["hint"] == "Set MEDIA_URL to the CDN's media URL."  # the code's fix
    assert report["codes"]["myproject.E001"]["title"] == "Media is not served from the CDN"
    pages = subprocess.run(
        [sys.executable, "-m", "upload_diagnostics.manage_commands.reference", "--module",
         "myproject.diagnostics", "--docs", tmp_path / "docs"], cwd=root, env=env(),
        capture_output=True, text=True, timeout=120)
    assert pages.returncode == 0, pages.stderr
    assert "## myproject.E001" in (tmp_path / "docs/codes/myproject.md").read_text()
