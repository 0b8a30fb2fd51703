"""server.budget: the measured upload time and the storage SDK's timeout against the worker
timeout in force, under the rule of the worker class that runs."""
from __future__ import annotations

from upload_diagnostics.diagnostics import Check, Finding, Level, kv, table

from upload_diagnostics.diagnostics.codes import CodeDoc

WARN_RATIO = 0.5
# What the timeout bounds, per worker class (gunicorn's arbiter; uWSGI's harakiri).
RULES = {
    "sync": "sync workers: the timeout bounds the whole request, reading the body included "
            "unless a buffering proxy sits in front; past it the arbiter kills the worker",
    "gthread": "gthread workers: the timeout is a liveness check of the worker process; a "
               "long request passes while its thread sleeps, waits on the network or runs a "
               "Pillow codec (they release the GIL); only code holding the GIL that long is "
               "killed",
    "gevent": "gevent workers: the timeout is missed when one greenlet keeps the CPU; "
              "CPU-bound Pillow work longer than the timeout trips it",
    "uwsgi": "uWSGI harakiri: the request is killed when it runs longer than harakiri",
}
RULES["eventlet"] = RULES["gevent"]
WHOLE_REQUEST = ("sync", "uwsgi")
GREEN = ("gevent", "eventlet")  # storage stages wait on the network and yield
NO_COMPARE_HINT = ("Run with the end-to-end check selected (e2e.upload, it runs without "
                   "--e2e against an in-memory storage) and without --offline, so the upload "
                   "is measured; then this check compares it with the worker timeout.")


def rule_for(worker_class: str) -> str:
    return RULES.get(worker_class, f"{worker_class}: no request timeout applies")


class TimeoutBudget(Check):
    """Compares the measured upload (e2e.upload's upload.timings) and the storage SDK's own
    timeout with the worker timeout (server.config's server.worker_timeout)."""

    id = "server.budget"
    title = "An upload fits in the worker timeout"
    tags = ("server", "timeout")
    uses = ("server.worker_timeout", "upload.timings", "storage.sdk_timeout")

    def run(self, ctx):
        worker = ctx.facts.get("server.worker_timeout")
        timings = ctx.facts.get("upload.timings")
        sdk = ctx.facts.get("storage.sdk_timeout")
        if not worker:
            yield Finding("server.I032", Level.INFO,
                          "Nothing to compare: no worker timeout was resolved",
                          "server.config found no command that starts the app, or the server "
                          "rejects its configuration; see its findings. Run this inside the "
                          "deployment or add the start command (Procfile, Dockerfile, ...) to "
                          "the project.")
            return
        cls = worker.get("worker_class") or "sync"
        timeout = worker.get("timeout_s")
        facts = kv("Worker timeout in force", {
            "server": worker.get("server"), "worker class": cls, "timeout": timeout,
            "workers x threads": f"{worker.get('workers')} x {worker.get('threads')}",
            "from": worker.get("source"), "buffering proxy in front": worker.get("buffered"),
            "rule": rule_for(cls)})
        evidence = [facts]
        if timings:
            evidence.append(table("Measured upload (upload.timings)",
                                  ["stage", "seconds", "bytes in", "bytes out"],
                                  [[s.get("name"), round(float(s.get("seconds", 0)), 3),
                                    s.get("bytes_in"), s.get("bytes_out")]
                                   for s in timings.get("stages", [])]
                                  + [["total", round(float(timings["total_s"]), 3),
                                      timings.get("request_bytes"), ""]]))
        if sdk:
            evidence.append(kv("Storage SDK (storage.sdk_timeout)", sdk))
        if not timeout:
            yield Finding("server.I030", Level.INFO,
                          f"{worker.get('server')} has no request timeout here: uploads are "
                          "never cut by the server", "Only a proxy or platform limit in front "
                          "can end a slow upload; see server.nginx and server.config.",
                          evidence)
            return
        if timings is None:
            yield Finding("server.I033", Level.INFO,
                          f"The upload time was not measured, so it could not be compared "
                          f"with the {timeout:g} s worker timeout", NO_COMPARE_HINT, evidence)
        else:
            yield self.compare(timings, timeout, cls, worker, evidence)
        measured = float(timings["total_s"]) if timings else 0.0
        if sdk and cls in WHOLE_REQUEST + GREEN:
            limit = sdk.get("timeout_s")
            if limit is None or measured + limit >= timeout:
                said = "has no HTTP timeout" if limit is None else (
                    f"waits up to {limit:g} s (plus the {measured:.2f} s measured)")
                yield Finding(
                    "server.W032", Level.WARNING,
                    f"{sdk.get('sdk')} {said}: a stalled storage upload ends only when the "
                    f"worker timeout ({timeout:g} s) kills the worker",
                    "Give the storage call its own timeout below the worker timeout (a "
                    "requests Session with a timeout adapter, or the SDK's timeout option) "
                    "so the view can answer with a clear error.", evidence)

    def compare(self, timings: dict, timeout: float, cls: str, worker: dict, evidence):
        total = float(timings["total_s"])
        if cls in GREEN:  # only time spent on the CPU blocks the other greenlets' heartbeat
            total -= sum(float(s.get("seconds", 0)) for s in timings.get("stages", ())
                         if str(s.get("name", "")).startswith("storage"))
        what = "CPU-bound work of the upload" if cls in GREEN else "The upload"
        ratio = total / timeout
        share = f"{total:.2f} s of the {timeout:g} s worker timeout ({ratio:.0%})"
        if cls == "gthread":
            return Finding(
                "server.I031", Level.INFO,
                f"The upload takes {share}; with gthread workers the timeout is a liveness "
                "check, so this request passes", "Keep the workers' threads free of long "
                "pure-Python loops that hold the GIL; those are still killed.", evidence)
        if cls not in WHOLE_REQUEST + GREEN:
            return Finding("server.I030", Level.INFO, f"The upload takes {share}; "
                           f"{rule_for(cls)}", "", evidence)
        rule = rule_for(cls)
        body = "" if worker.get("buffered") or cls != "sync" else (
            " Nothing buffers the body in front, so a slow client's upload time counts too.")
        if ratio >= 1:
            return Finding(
                "server.E030", Level.ERROR,
                f"{what} takes {share}: the worker is killed (WORKER TIMEOUT) and the "
                "client gets a 500 or a dropped connection",
                f"Raise the timeout above the measured time with room to spare, switch to "
                f"gthread workers (--threads 4), or move image processing out of the request."
                f"{body} Rule: {rule}.", evidence)
        if ratio > WARN_RATIO:
            return Finding(
                "server.W030", Level.WARNING,
                f"{what} takes {share}: a larger image or a slower storage call will hit "
                "the timeout",
                f"Leave at least half the timeout free: raise it, use gthread workers, or "
                f"process images in the background.{body} Rule: {rule}.", evidence)
        return Finding("server.I030", Level.INFO, f"{what} takes {share}: within budget",
                       f"Rule: {rule}.", evidence)


CODES = [
    CodeDoc(
        "server.E030", "The upload takes longer than the worker timeout",
        "The upload measured by the end-to-end check (upload.timings) is at least the worker "
        "timeout in force, for a worker class whose timeout bounds the request (sync, "
        "uWSGI harakiri; for gevent/eventlet the time outside storage calls, which is "
        "CPU-bound).",
        "The worker is killed mid-request (WORKER TIMEOUT): the client gets a 500 or a "
        "dropped connection (502 behind nginx) and the upload is lost.",
        "web: gunicorn mysite.wsgi --timeout 30   # upload measured at 41 s",
        "web: gunicorn mysite.wsgi --timeout 90 --threads 4",
        "Raise the timeout above the measured time with room to spare, use gthread workers, "
        "or move image processing to a background job.", "sh"),
    CodeDoc(
        "server.W030", "The upload uses more than half the worker timeout",
        "The measured upload takes more than 50% of the worker timeout.",
        "A larger photo or a slower storage call pushes it over the limit.",
        "web: gunicorn mysite.wsgi --timeout 30   # upload measured at 19 s",
        "web: gunicorn mysite.wsgi --timeout 60   # upload measured at 19 s",
        "Leave half the timeout free: raise it, use gthread, or process in the background.",
        "sh"),
    CodeDoc(
        "server.W032", "The storage SDK waits longer than the worker timeout",
        "The storage SDK (storage.sdk_timeout) has no HTTP timeout, or one that, added to the "
        "measured upload, reaches the worker timeout, under a worker class whose timeout "
        "bounds the request.",
        "A stalled storage upload never fails on its own: the worker is killed instead and "
        "the view cannot answer with a clear error.",
        "client.upload_file(file=data, file_name=name)   # requests without timeout",
        "session = requests.Session()\nsession.request = functools.partial(session.request, "
        "timeout=10)\n# give the SDK this session, or call the upload API with timeout=10",
        "Give storage calls their own timeout, shorter than the worker timeout.", "python"),
    CodeDoc(
        "server.I030", "The upload fits in the worker timeout",
        "The measured upload is within half the timeout, or the server has no request "
        "timeout, or its worker class does not bound requests.",
        "Nothing to fix; the evidence shows the margin.",
        "# nothing to fix: an informational summary",
        "# nothing to fix: an informational summary",
        "Re-run after changing image processing or storage.", "text"),
    CodeDoc(
        "server.I031", "gthread workers: the timeout is a liveness check",
        "The worker class in force is gthread (also sync with threads > 1) and an upload "
        "was measured.",
        "With threads the arbiter's timeout only checks that the worker process is alive: "
        "requests that sleep, wait on the network or run Pillow codecs (which release the "
        "GIL) pass even when longer than the timeout; only code holding the GIL is killed.",
        "# nothing to fix: the request passes",
        "# nothing to fix: the request passes",
        "Keep long pure-Python loops out of request threads.", "text"),
    CodeDoc(
        "server.I032", "No server configuration to compare with",
        "server.config published no worker timeout: no start command was found, or the "
        "server rejects its configuration.",
        "The upload time cannot be held against a limit.",
        "# start command only in a hosting dashboard",
        "# Procfile\nweb: gunicorn mysite.wsgi --timeout 90",
        "Commit the start command, or run inside the deployment.", "text"),
    CodeDoc(
        "server.I033", "The upload time was not measured",
        "No upload.timings fact: the end-to-end check was not selected, was skipped or "
        "failed.",
        "Without a measured time the check cannot say whether the worker timeout is enough.",
        "diagnose-uploads server --offline",
        "diagnose-uploads server e2e",
        "Select the end-to-end check (e2e.upload) with the server checks and run without "
        "--offline.", "sh"),
]
