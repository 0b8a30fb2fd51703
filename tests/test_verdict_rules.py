"""How results become a verdict: a check's status from its findings (and its crash, hang,
skip or failed undo step), the gates that skip a check, the report's summary per layer,
and the exit status against --fail-level. Small real checks run by the real Runner in this
process; test_engine.py drives the same through the command."""
from __future__ import annotations

import threading

import pytest

from upload_diagnostics.diagnostics import runner as runner_module

from upload_diagnostics.diagnostics import Check, Skip, kv
from upload_diagnostics.diagnostics.codes import Code
from upload_diagnostics.diagnostics.context import Context
from upload_diagnostics.diagnostics.model import CheckResult, Finding, Level, status_for
from upload_diagnostics.diagnostics.options import Options
from upload_diagnostics.diagnostics.report import layer_summary, summarize, worst_level
from upload_diagnostics.diagnostics.runner import Runner, misfit
from upload_diagnostics.manage_commands.main import exit_status


def code(name: str) -> Code:
    return Code(name, f"title of {name}", "detects", "why", "bad", "good", "fix")


C1, E1, W1, I1, D1 = (code(f"vrd.{x}") for x in ("C001", "E001", "W001", "I001", "D001"))
E2 = code("vrd.E002")


class Emits(Check):
    """Yields the findings it is given; options: raise_skip, crash, block, undo, fact."""

    id = "vrd.emits"
    title = "Emits what it is told"
    layer = "code"
    codes = (C1, E1, W1, I1, D1, E2)
    provides = ("vrd.fact",)

    def run(self, ctx):
        o = self.options
        if o.get("undo"):
            ctx.on_cleanup(o["undo"])
        for item in o.get("findings", ()):
            yield item
        if "fact" in o:
            ctx.publish("vrd.fact", o["fact"])
        if o.get("raise_skip"):
            raise Skip("nothing to look at here", "--look")
        if o.get("crash"):
            raise RuntimeError("boom")
        if o.get("block"):
            o["block"].wait()


def run_one(check: Check, ctx=None, **runner) -> CheckResult:
    ctx = ctx or Context(".", Options())
    return Runner(ctx, runner.pop("timeout", 5), progress=lambda m: None, **runner) \
        .run_one(check)


@pytest.mark.parametrize("levels,status", [
    ((), "pass"), (("debug", "info"), "pass"), (("info", "warning"), "warn"),
    (("warning", "error"), "fail"), (("critical",), "fail")])
def test_status_from_the_worst_finding(levels, status):
    assert status_for([Finding("x.I001", level, "m") for level in levels]) == status


@pytest.mark.parametrize("made,status", [
    ((), "pass"), ((D1, I1), "pass"), ((I1, W1), "warn"), ((W1, E1), "fail"), ((C1,), "fail")])
def test_a_checks_status(made, status):
    result = run_one(Emits(findings=[c("m") for c in made]))
    assert result.status == status and [f.code for f in result.findings] == \
        [c.code for c in made]
    assert (result.id, result.title, result.layer, result.tier) == (
        "vrd.emits", "Emits what it is told", "code", "static")


def test_a_crash_is_an_error_with_its_traceback():
    result = run_one(Emits(findings=[W1("seen first")], crash=True))
    assert result.status == "error"
    [crash] = result.findings
    assert (crash.code, crash.message) == ("diagnostics.E002",
                                           "vrd.emits crashed: RuntimeError: boom")
    assert crash.hint.startswith("This is a bug in the check")
    assert crash.evidence[0]["text"].endswith("in run\n    raise RuntimeError(\"boom\")\n"
                                              "RuntimeError: boom\n")


def test_a_hang_is_a_timeout_and_its_undo_steps_run():
    release, undone = threading.Event(), []
    result = run_one(Emits(block=release, undo=lambda: undone.append(1)), timeout=0.2)
    release.set()
    assert result.status == "timeout" and undone == [1]
    [hang] = result.findings
    assert (hang.code, hang.message) == (
        "diagnostics.E003", "vrd.emits did not finish within 0.2 s and was abandoned")
    assert result.duration_s >= 0.2


def test_a_checks_own_timeout_wins():
    class Quick(Emits):
        timeout = 0.1

    release = threading.Event()
    result = run_one(Quick(block=release), timeout=60)
    release.set()
    assert result.status == "timeout"
    assert result.findings[0].message.endswith("within 0.1 s and was abandoned")


def test_a_skip_keeps_what_was_found_before_it():
    result = run_one(Emits(findings=[I1("found")], raise_skip=True))
    assert (result.status, result.skipped_reason, result.enable_with) == (
        "skipped", "nothing to look at here", "--look")
    assert [f.code for f in result.findings] == ["vrd.I001"]


def test_a_failed_undo_step_fails_a_passing_check():
    def undo():
        raise OSError("bucket gone")

    result = run_one(Emits(findings=[W1("m")], undo=undo))
    assert result.status == "fail"
    assert [f.code for f in result.findings] == ["vrd.W001", "diagnostics.C001"]
    assert result.findings[1].message == ("vrd.emits could not undo what it did: "
                                          "undo: bucket gone")
    crashed = run_one(Emits(crash=True, undo=undo))
    assert crashed.status == "error"  # an error stays an error


def test_misfits_are_the_checks_error():
    assert misfit(Emits(), [W1("m")]) is None
    assert misfit(Emits(), ["text"]) == ("returned str, not Finding",
                                         "run(ctx) must yield diagnostics.Finding objects.")
    assert misfit(Emits(), [Finding("vrd.W009", "warning", "m")])[0] == (
        "reported vrd.W009 at level warning, a code it does not list in its codes")
    assert misfit(Emits(), [Finding("vrd.W001", "error", "m")])[0] == (
        "reported vrd.W001 at level error, a code declared warning")
    result = run_one(Emits(findings=[Finding("vrd.E001", "warning", "m")]))
    assert result.status == "error"
    assert result.findings[0].message == ("vrd.emits reported vrd.E001 at level warning, a "
                                          "code declared error")


def test_silenced_findings_are_counted_not_shown():
    found = [W1("a"), E1("b"), E2("c"), I1("d")]
    result = run_one(Emits(findings=found), silence=("vrd.E*", "vrd.I001"))
    assert [f.code for f in result.findings] == ["vrd.W001"]
    assert (result.status, result.silenced) == ("warn", 3)


def test_facts_published_by_the_check_are_its_result():
    ctx = Context(".", Options())
    ctx.publish("earlier", 1)
    result = run_one(Emits(fact={"a": 1}), ctx)
    assert result.facts == {"vrd.fact": {"a": 1}}


@pytest.mark.parametrize("tier,options,reason,flag", [
    ("network", Options(offline=True), "the network tier is off (--offline)",
     "a run without --offline"),
    ("write", Options(), "the write tier runs only with --e2e", "--e2e"),
])
def test_tiers_gate(tier, options, reason, flag):
    gated = type("Gated", (Emits,), {"tier": tier})
    result = run_one(gated(findings=[E1("never")]), Context(".", options))
    assert (result.status, result.skipped_reason, result.enable_with, result.findings) == (
        "skipped", reason, flag, [])
    open_gate = Options(offline=False, e2e=True)
    assert run_one(gated(findings=[E1("ran")]), Context(".", open_gate)).status == "fail"


def test_django_gate():
    needs = type("Needs", (Emits,), {"needs_django": True})
    result = run_one(needs(), Context(".", Options()))
    assert (result.status, result.skipped_reason, result.enable_with) == (
        "skipped", "it needs Django settings and none are configured",
        "--settings MODULE or DJANGO_SETTINGS_MODULE")
    assert run_one(needs(), Context(".", Options(), settings=object())).status == "pass"


def test_required_facts_gate_names_the_provider():
    class Reader(Emits):
        id = "vrd.reader"
        requires = ("vrd.fact",)
        provides = ()

    ctx = Context(".", Options())
    runner = Runner(ctx, 5, progress=lambda m: None)
    results = runner.run([Reader(), Emits()])  # the provider publishes nothing
    assert [r.id for r in results] == ["vrd.emits", "vrd.reader"]
    assert results[1].skipped_reason == "it needs what vrd.emits finds, and none was found"
    alone = Runner(Context(".", Options()), 5, progress=lambda m: None).run([Reader()])
    assert alone[0].skipped_reason == "it needs vrd.fact, which no selected check provides"
    fed = Runner(Context(".", Options()), 5, progress=lambda m: None).run(
        [Reader(), Emits(fact=1)])
    assert fed[1].status == "pass"


def result(status="pass", layer="code", findings=(), check_id="vrd.a", **extra) -> dict:
    return {"id": check_id, "status": status, "layer": layer, "silenced": 0,
            "findings": [{"code": c.code, "level": c.level.label, "message": f"{c.code} said"}
                         for c in findings], **extra}


def test_summary_verdict_and_counts():
    checks = [result("fail", findings=[E1]), result("warn", "server", [W1, I1]),
              result("skipped", "upload", skipped_reason="not here"),
              {**result("pass", "code", [D1]), "silenced": 2}]
    summary = summarize(checks)
    assert summary["status"] == "fail"
    assert summary["counts"] == {
        "fail": 1, "error": 0, "timeout": 0, "warn": 1, "pass": 1, "skipped": 1,
        "findings": {"critical": 0, "error": 1, "warning": 1, "info": 1, "debug": 1},
        "silenced": 2}
    assert [x["layer"] for x in summary["layers"]] == ["server", "code", "upload"]
    assert summarize([result("warn", findings=[W1])])["status"] == "warn"
    assert summarize([result(findings=[I1, D1])])["status"] == "pass"
    assert summarize([result(findings=[C1])])["status"] == "fail"
    assert summarize([])["status"] == "pass" and summarize([])["layers"] == []


def test_layer_reasons():
    one = layer_summary("code", [result("warn", findings=[I1, W1], check_id="vrd.w")])
    assert one == {"layer": "code", "title": "Project code", "status": "warn",
                   "reason": "title of vrd.W001", "check": "vrd.w", "finding": 1,
                   "code": "vrd.W001", "checks": ["vrd.w"]}
    many = layer_summary("code", [result("warn", findings=[W1]),
                                  result("fail", findings=[W1, E1], check_id="vrd.b")])
    assert (many["status"], many["reason"], many["check"], many["finding"]) == (
        "fail", "title of vrd.E001, and 2 more problems", "vrd.b", 1)
    two = layer_summary("code", [result("fail", findings=[E1, W1])])
    assert two["reason"] == "title of vrd.E001, and 1 more problem"
    crashed = layer_summary("code", [result("error", findings=[E1])])
    assert crashed["reason"] == "vrd.E001 said"  # a crash is told by its message
    unknown = layer_summary("code", [result("warn", findings=[code("vrd.W077")])])
    assert unknown["reason"] == "title of vrd.W077"
    clean = layer_summary("code", [result(findings=[I1]), result(check_id="b"),
                                   result("skipped", skipped_reason="no")])
    assert (clean["status"], clean["reason"], clean["code"], clean["check"]) == (
        "pass", "No problem found (2 checks passed, 1 skipped)", None, None)
    assert layer_summary("code", [result()])["reason"] == "No problem found (1 check passed)"
    skipped = layer_summary("code", [result("skipped", skipped_reason="needs --e2e"),
                                     result("skipped", skipped_reason="other")])
    assert (skipped["status"], skipped["reason"]) == ("skipped", "Not checked: needs --e2e")
    timeout = layer_summary("code", [result("timeout", findings=[E1]), result("warn",
                                                                             findings=[W1])])
    assert (timeout["status"], timeout["reason"]) == ("timeout",
                                                      "vrd.E001 said, and 1 more problem")


@pytest.mark.parametrize("worst,fail_level,status", [
    (None, "debug", 0), ("debug", "debug", 1), ("debug", "info", 0), ("info", "info", 1),
    ("info", "warning", 0), ("warning", "warning", 1), ("warning", "error", 0),
    ("error", "error", 1), ("error", "critical", 0), ("critical", "critical", 1),
])
def test_exit_status_at_the_fail_level(worst, fail_level, status):
    made = {"debug": D1, "info": I1, "warning": W1, "error": E1, "critical": C1}
    report = {"checks": [result(findings=[made[worst]] if worst else []),
                         result(findings=[D1] if worst else [])]}
    assert worst_level(report) == (Level.parse(worst) if worst else None)
    assert exit_status(report, fail_level) == status


def test_evidence_passes_through():
    result_ = run_one(Emits(findings=[W1("m", "fix it", [kv("Where", {"a": 1})],
                                         path="x.py", line=3)]))
    [finding] = result_.findings
    assert (finding.hint, finding.path, finding.line) == ("fix it", "x.py", 3)
    assert finding.evidence == [kv("Where", {"a": 1})]


def test_misfit_hint_says_how_to_declare_codes():
    assert misfit(Emits(), [Finding("vrd.W009", "warning", "m")])[1] == (
        "Declare each code once as a diagnostics.Code, list it in the check's `codes`, and "
        "make its findings by calling it: E001(message, ...).")


def test_hints_of_the_engines_own_findings():
    release = threading.Event()
    hang = run_one(Emits(block=release), timeout=0.1).findings[0]
    release.set()
    assert hang.hint == ("Something it waits on hangs (a server, a storage call, a lock); its "
                         "evidence elsewhere in the report says what it was doing. Raise the "
                         "limit with --timeout if the work is just slow.")
    crash = run_one(Emits(crash=True)).findings[0]
    assert crash.hint == ("This is a bug in the check, not necessarily in your project; "
                          "attach this report to an issue.")


def test_every_failed_undo_step_is_listed_and_a_pass_becomes_a_fail():
    def first():
        raise OSError("bucket gone")

    def second():
        raise KeyError("x.jpg")

    ctx = Context(".", Options())
    ctx.on_cleanup(second)
    result = run_one(Emits(undo=first), ctx)
    assert result.status == "fail"
    [undo] = result.findings
    assert undo.hint == ("Remove the named objects by hand; the evidence lists every failed "
                         "undo step.")
    assert undo.evidence[0]["title"] == "Undo errors"
    assert undo.evidence[0]["text"] == "first: bucket gone\nsecond: 'x.jpg'"


def test_begin_runs_first_and_its_failure_is_the_checks_result():
    class Starts(Emits):
        id = "vrd.starts"

        def begin(self, ctx):
            if self.options.get("begin") == "skip":
                raise Skip("nothing to start", "--start")
            raise ValueError("cannot start")

    ctx = Context(".", Options())
    results = Runner(ctx, 5, progress=lambda m: None).run([Starts(findings=[W1("m")])])
    [crash] = results[0].findings
    assert (results[0].status, crash.code) == ("error", "diagnostics.E002")
    assert crash.message == "vrd.starts crashed: ValueError: cannot start"
    assert "raise ValueError(\"cannot start\")" in crash.evidence[0]["text"]
    skipped = Runner(ctx, 5, progress=lambda m: None).run([Starts(begin="skip")])[0]
    assert (skipped.status, skipped.skipped_reason, skipped.enable_with, skipped.findings) == (
        "skipped", "nothing to start", "--start", [])


def test_a_check_runs_in_its_own_daemon_thread():
    class Where(Emits):
        def run(self, ctx):
            ctx.publish("vrd.fact", (threading.current_thread().name,
                                     threading.current_thread().daemon))
            return []

    assert run_one(Where()).facts == {"vrd.fact": ("check:vrd.emits", True)}


def test_a_slow_check_is_announced_once(monkeypatch):
    monkeypatch.setattr(runner_module, "SLOW_NOTICE_S", 0.05)
    said, release = [], threading.Event()

    def progress(message):  # the check ends a while after the notice: time for repeats
        said.append(message)
        threading.Timer(0.4, release.set).start()

    result = Runner(Context(".", Options()), 30, progress=progress).run_one(
        Emits(block=release))
    assert result.status == "pass"
    assert said == ["      vrd.emits is still running (0 s, timeout 30 s)"]
    assert 0.05 <= result.duration_s < 3600  # seconds, not a clock reading


def test_a_fact_several_checks_provide_names_them_all():
    class Reader(Emits):
        id = "vrd.reader"
        requires = ("vrd.fact",)
        provides = ()

    other = type("Other", (Emits,), {"id": "vrd.other"})
    results = Runner(Context(".", Options()), 5, progress=lambda m: None).run(
        [Reader(), Emits(), other()])
    assert results[-1].skipped_reason == ("it needs what vrd.emits or vrd.other finds, and "
                                          "none was found")


def test_files_a_check_could_not_read_are_named(tmp_path):
    import os

    for name in ("pipe.py", "a_pipe.py"):
        os.mkfifo(tmp_path / name)
    (tmp_path / "ok.py").write_text("x = 1\n")

    class Reads(Emits):
        def run(self, ctx):
            for name in self.options["names"]:
                ctx.files.text(tmp_path / name)
            return []

    ctx = Context(tmp_path, Options())
    assert run_one(Reads(names=["ok.py"]), ctx).findings == []
    [one] = run_one(Reads(names=["pipe.py"]), ctx).findings
    assert (one.code, one.message) == ("diagnostics.I001", "A project file was not read: "
                                       "pipe.py is a FIFO (named pipe), not a regular file")
    assert one.hint == ("Nothing in these files was diagnosed. Replace a special file (FIFO, "
                        "device, socket) or a broken symlink by the file it stands for, make "
                        "it readable, or raise the size limit.")
    result = run_one(Reads(names=["pipe.py", "a_pipe.py"]), ctx)
    [two] = result.findings
    assert result.status == "pass"
    assert two.message.endswith("pipe.py is a FIFO (named pipe), not a regular file (and 1 "
                                "more)")
    assert two.evidence == [{"type": "table", "title": "Files not read",
                             "columns": ["file", "why"], "rows": [
                                 ["a_pipe.py", "a FIFO (named pipe), not a regular file"],
                                 ["pipe.py", "a FIFO (named pipe), not a regular file"]]}]


def test_a_requirement_no_check_provides_is_named_with_the_others():
    class Reader(Emits):
        id = "vrd.reader"
        requires = ("vrd.one", "vrd.two")
        provides = ()

    [result] = Runner(Context(".", Options()), 5, progress=lambda m: None).run([Reader()])
    assert result.skipped_reason == ("it needs vrd.one, vrd.two, which no selected check "
                                     "provides")
