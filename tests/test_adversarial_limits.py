"""Work under time limits: a project too large to scan within --timeout. The checks that
cannot finish are reported as timeouts, and their abandoned threads stop at their next
file or function instead of scanning on beside the checks after them."""
from __future__ import annotations

from adversarial import assert_survived, hostile_run
from plugins.harness import checks_setting, env

# Eight upload views per module, each read twice: every function is analysed.
VIEWS = "".join(f"""
def view_{i}(request):
    f = request.FILES['f']
    data = f.read()
    try:
        other = f.read()
    except Exception:
        pass
    return data + other
""" for i in range(8))
PACKAGES, MODULES = 60, 100  # 6,000 files: about 30 s of CPU to scan whole, here
SLEEP_S = 8


def test_a_timed_out_scan_does_not_starve_the_checks_after_it(project, tmp_path):
    root = project(checks_setting(("PatientSleeper", {"seconds": SLEEP_S})))
    for p in range(PACKAGES):
        package = root / f"pkg{p}"
        package.mkdir()
        (package / "__init__.py").write_text("")
        for m in range(MODULES):
            (package / f"m{m}.py").write_text(VIEWS)
    outcome = assert_survived(hostile_run(
        "6,000 modules, --timeout 2", ["--settings", "testsite.settings", "--project-dir",
                                        root, "fileptr", "udx"],
        cwd=root, out=tmp_path / "out", timeout=2, env=env()), returncode=1)
    for check_id in ("fileptr.reuse", "fileptr.masked_errors"):
        check = outcome.check(check_id)
        assert check["status"] == "timeout"
        assert [f["code"] for f in check["findings"]] == ["diagnostics.E003"]
    assert outcome.check("udx.patient_sleeper")["status"] == "pass"
    # The two scans use their 2 s each; the sleeper then waits 8 s using no CPU. Scans
    # that went on while it sleeps would add those 8 s of CPU (the whole scan takes 30),
    # and what they left for the garbage collector would cost seconds more.
    assert outcome.cpu_s < 2 * 2 + SLEEP_S / 2, outcome.cpu_s
