"""server.budget against the facts other families publish (upload.timings from e2e.upload,
storage.sdk_timeout from the imagekit family), given here by a plugin check of the test
project so each rule of the comparison is exercised through the real command."""
from __future__ import annotations


import pytest

from conftest import base_env, run_cli


def only(run, check_id: str) -> dict:
    """The result of one check in a JSON report."""
    return next(c for c in run.json()["checks"] if c["id"] == check_id)

# A check that publishes the facts it is given, standing in for e2e.upload and imagekit.
PUBLISHER = '''
from upload_diagnostics.diagnostics import Check
from upload_diagnostics.diagnostics.facts import (SDK_TIMEOUT, UPLOAD_TIMINGS, SdkTimeout,
                                                  Stage, UploadTimings)


class Publish(Check):
    id = "given.facts"
    title = "Facts other families would publish"
    provides = (UPLOAD_TIMINGS.name, SDK_TIMEOUT.name)

    def run(self, ctx):
        given = self.options["facts"]
        if "upload.timings" in given:
            timings = dict(given["upload.timings"])
            stages = tuple(Stage(**stage) for stage in timings.pop("stages"))
            UPLOAD_TIMINGS.publish(ctx, UploadTimings(stages=stages, **timings))
        if "storage.sdk_timeout" in given:
            SDK_TIMEOUT.publish(ctx, SdkTimeout(**given["storage.sdk_timeout"]))
        return []
'''

# A check that publishes upload.timings as a plain dict, bypassing its type.
RAW = '''

class Raw(Check):
    id = "given.raw"
    title = "An untyped fact"
    provides = ("upload.timings",)

    def run(self, ctx):
        ctx.publish("upload.timings", {"total_s": 1.0})
        return []
'''


def timings(total: float) -> dict:
    return {"total_s": total, "request_bytes": 4_700_000, "path": "generic",
            "image": "diagnostic-phone.jpg",
            "stages": [{"name": "pillow", "seconds": total * 0.6, "bytes_in": 4_700_000,
                        "bytes_out": 900_000},
                       {"name": "storage", "seconds": total * 0.4, "bytes_in": 900_000,
                        "bytes_out": 0}]}


def budget(project, procfile: str, facts: dict) -> dict:
    root = project(f"UPLOAD_DIAGNOSTICS = {{'CHECKS': [('given_facts.Publish', "
                   f"{{'facts': {facts!r}}})]}}\n",
                   files={"given_facts.py": PUBLISHER, "Procfile": procfile})
    run = run_cli("server.config", "server.budget", "given", "--settings", "testsite.settings",
                  "--project-dir", root, "--format", "json", cwd=root, env=base_env())
    run.report()  # the exit status its findings call for
    check = next(c for c in run.json()["checks"] if c["id"] == "server.budget")
    return {f["code"]: f for f in check["findings"]} | {"status": check["status"]}


SYNC = "web: gunicorn testsite.wsgi --timeout 10\n"
IK4 = {"sdk": "imagekitio 4.2.0", "timeout_s": None}


@pytest.mark.parametrize("procfile,total,code,status,words", [
    (SYNC, 12.0, "server.E030", "fail", "12.00 s of the 10 s worker timeout (120%)"),
    (SYNC, 6.0, "server.W030", "warn", "6.00 s of the 10 s worker timeout (60%)"),
    (SYNC, 2.0, "server.I030", "warn", "within budget"),  # warn: the SDK has no timeout
    ("web: gunicorn testsite.wsgi --timeout 10 --threads 4\n", 12.0, "server.I031", "pass",
     "liveness check"),
    # gevent: the 40% spent in storage calls yields; the 60% of CPU-bound work counts
    ("web: gunicorn testsite.wsgi --timeout 10 -k gevent\n", 12.0, "server.W030", "warn",
     "CPU-bound work of the upload takes 7.20 s of the 10 s worker timeout (72%)"),
    ("web: gunicorn testsite.wsgi --timeout 10 -k gevent\n", 20.0, "server.E030", "fail",
     "12.00 s of the 10 s worker timeout (120%): the worker is killed (WORKER TIMEOUT)"),
    ("web: uvicorn testsite.asgi:application\n", 12.0, "server.I030", "pass",
     "no request timeout"),
])
def test_rules_per_worker_class(project, procfile, total, code, status, words):
    found = budget(project, procfile, {"upload.timings": timings(total),
                                       "storage.sdk_timeout": IK4})
    assert found["status"] == status
    assert words in found[code]["message"]
    stages = next(e for e in found[code]["evidence"] if e["title"].startswith("Measured"))
    assert [row[0] for row in stages["rows"]] == ["pillow", "storage", "total"]
    sync_like = "--threads" not in procfile and "uvicorn" not in procfile
    assert ("server.W032" in found) == sync_like  # imagekitio 4.x sets no HTTP timeout


def test_no_sdk_timeout_warning_for_a_project_without_imagekit(project):
    # imagekitio 4.x (no HTTP timeout) is installed here, but this project never uses it.
    root = project("UPLOAD_DIAGNOSTICS = {'CHECKS': [('given_facts.Publish', {'facts': "
                   f"{{'upload.timings': {timings(2.0)!r}}}}})]}}\n",
                   files={"given_facts.py": PUBLISHER, "Procfile": SYNC})
    run = run_cli("server", "imagekit.sdk", "given", "--settings", "testsite.settings",
                  "--project-dir", root, "--format", "json", cwd=root, env=base_env())
    assert only(run, "imagekit.sdk")["status"] == "skipped"
    check = only(run, "server.budget")
    assert [f["code"] for f in check["findings"]] == ["server.I030"]
    assert check["status"] == "pass"


def test_sdk_timeout_added_to_the_measured_upload(project):
    sdk = {"sdk": "imagekitio 5.11.0", "timeout_s": 5.0}
    within = budget(project, SYNC, {"upload.timings": timings(4.0), "storage.sdk_timeout": sdk})
    over = budget(project, SYNC, {"upload.timings": timings(5.5), "storage.sdk_timeout": sdk})
    assert "server.W032" not in within  # 4 s + 5 s stays under 10 s
    assert "waits up to 5 s (plus the 5.50 s measured)" in over["server.W032"]["message"]


def test_missing_timings_say_how_to_get_them(project):
    found = budget(project, SYNC, {"storage.sdk_timeout": {"sdk": "imagekitio 5.11.0",
                                                           "timeout_s": 60.0}})
    assert found["status"] == "warn"  # the SDK's 60 s outlasts the 10 s worker timeout
    missing = found["server.I033"]
    assert "could not be compared with the 10 s worker timeout" in missing["message"]
    assert "e2e.upload" in missing["hint"] and "--offline" in missing["hint"]
    assert "waits up to 60 s" in found["server.W032"]["message"]


def test_a_fact_published_untyped_is_the_reading_checks_error(project):
    root = project("UPLOAD_DIAGNOSTICS = {'CHECKS': ['given_facts.Raw']}\n", files={
        "given_facts.py": PUBLISHER + RAW, "Procfile": SYNC})
    run = run_cli("server.config", "server.budget", "given", "--settings", "testsite.settings",
                  "--project-dir", root, "--format", "json", cwd=root, env=base_env())
    budget = only(run, "server.budget")
    assert budget["status"] == "error"
    assert "upload.timings holds a dict, not a UploadTimings: publish it with " \
        "facts.UploadTimings" in budget["findings"][0]["message"]


def test_no_server_configuration(project):
    root = project("")
    run = run_cli("server.budget", "--settings", "testsite.settings", "--project-dir", root,
                  "--format", "json", cwd=root)
    check = only(run, "server.budget")
    assert check["status"] == "skipped" and not check["findings"]
    assert check["skipped_reason"].startswith("no worker timeout was resolved")


def test_the_real_producers_hand_over_their_facts(example_project):
    """No stand-in: server.config resolves the worker timeout, e2e.upload times an upload
    through the example's endpoint and imagekit.sdk names the SDK's HTTP timeout; server
    .budget compares them, and e2e.upload states its time against the worker timeout."""
    (example_project / "Procfile").write_text(
        "web: gunicorn photosite.wsgi:application --workers 2 --timeout 300\n")
    run = run_cli("server.config", "server.budget", "e2e.upload", "imagekit.sdk", "--offline",
                  "--settings", "photosite.settings", "--format", "json", cwd=example_project)
    checks = {c["id"]: c for c in run.report()["checks"]}
    assert run.returncode == 1  # the example's serializer stores a consumed upload (e2e.E002)
    assert checks["server.config"]["facts"]["server.worker_timeout"]["timeout_s"] == 300.0
    timings = checks["e2e.upload"]["facts"]["upload.timings"]
    total = timings["total_s"]
    assert checks["imagekit.sdk"]["facts"]["storage.sdk_timeout"] == {
        "sdk": "imagekitio 4.2.0", "timeout_s": None}
    e2e = {f["code"]: f for f in checks["e2e.upload"]["findings"]}
    assert e2e["e2e.I001"]["message"] == (
        f"The upload of {timings['image']} took {total:.2f} s through the endpoint path "
        f"({total / 300:.1%} of the 300 s worker timeout)")
    budget = checks["server.budget"]
    found = {f["code"]: f for f in budget["findings"]}
    assert budget["status"] == "warn" and list(found) == ["server.I030", "server.W032"]
    assert found["server.I030"]["message"] == (
        f"The upload takes {total:.2f} s of the 300 s worker timeout ({total / 300:.0%}): "
        "within budget")
    measured = found["server.I030"]["evidence"][1]
    assert measured["title"] == f"Measured upload of {timings['image']}"
    assert measured["rows"][-1] == ["total", round(total, 3), timings["request_bytes"], ""]
    assert found["server.W032"]["message"] == (
        "imagekitio 4.2.0 has no HTTP timeout: a stalled storage upload ends only when the "
        "worker timeout (300 s) kills the worker")


@pytest.mark.parametrize("total,code,status", [
    (10.0, "server.E030", "fail"), (9.99, "server.W030", "warn"), (5.01, "server.W030", "warn"),
    (5.0, "server.I030", "pass")])
def test_budget_edges_at_the_timeout_and_half_of_it(project, total, code, status):
    found = budget(project, SYNC, {"upload.timings": timings(total)})
    assert (found["status"], [c for c in found if c != "status"]) == (status, [code])
    ratio = f"{total:.2f} s of the 10 s worker timeout ({total / 10:.0%})"
    assert ratio in found[code]["message"]


@pytest.mark.parametrize("sdk_s,warned", [(8.0, True), (7.9, False)])
def test_sdk_timeout_edge_with_the_measured_upload(project, sdk_s, warned):
    found = budget(project, SYNC, {"upload.timings": timings(2.0),
                                   "storage.sdk_timeout": {"sdk": "imagekitio 5.11.0",
                                                           "timeout_s": sdk_s}})
    assert ("server.W032" in found) == warned
    assert found["status"] == ("warn" if warned else "pass")
    if warned:
        assert found["server.W032"]["message"] == (
            "imagekitio 5.11.0 waits up to 8 s (plus the 2.00 s measured): a stalled storage "
            "upload ends only when the worker timeout (10 s) kills the worker")
