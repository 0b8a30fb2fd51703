"""server.budget: the measured upload time and the storage SDK's timeout against the worker
timeout in force, under the rule of the worker class that runs."""
from __future__ import annotations

from upload_diagnostics.diagnostics import Check, Skip, kv, table
from upload_diagnostics.diagnostics.facts import (SDK_TIMEOUT, UPLOAD_TIMINGS, WORKER_TIMEOUT,
                                                  UploadTimings, WorkerTimeout)

from .codes import E030, I030, I031, I033, W030, W032
from .config import require_parsers

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
    layer = "server"
    tags = ("server", "timeout")
    codes = (E030, W030, W032, I030, I031, I033)
    uses = (WORKER_TIMEOUT.name, UPLOAD_TIMINGS.name, SDK_TIMEOUT.name)

    def run(self, ctx):
        worker = WORKER_TIMEOUT.read(ctx)
        timings = UPLOAD_TIMINGS.read(ctx)
        sdk = SDK_TIMEOUT.read(ctx)
        if worker is None:
            require_parsers()  # server.config could not look: say what it needs
            raise Skip("no worker timeout was resolved to compare with: server.config found "
                       "no command that starts the app, or the server rejects its "
                       "configuration (see its findings)",
                       "a command that starts the app, in the project (Procfile, "
                       "Dockerfile, ...)")
        cls, timeout = worker.worker_class, worker.timeout_s
        facts = kv("Worker timeout in force", {
            "server": worker.server, "worker class": cls,
            "timeout": f"{timeout:g} s" if timeout else "none",
            "workers x threads": f"{worker.workers} x {worker.threads}",
            "from": worker.source, "buffering proxy in front": worker.buffered,
            "rule": rule_for(cls)})
        evidence = [facts]
        if timings:
            evidence.append(table(f"Measured upload of {timings.image}",
                                  ["stage", "seconds", "bytes in", "bytes out"],
                                  [[s.name, round(s.seconds, 3), s.bytes_in, s.bytes_out]
                                   for s in timings.stages]
                                  + [["total", round(timings.total_s, 3),
                                      timings.request_bytes, ""]]))
        if not timeout:
            yield I030(f"{worker.server} has no request timeout here: uploads are "
                       "never cut by the server", "Only a proxy or platform limit in front "
                       "can end a slow upload; see server.nginx and server.config.",
                       evidence)
            return
        if timings is None:
            yield I033(f"The upload time was not measured, so it could not be compared "
                       f"with the {timeout:g} s worker timeout", NO_COMPARE_HINT, evidence)
        else:
            yield self.compare(timings, timeout, cls, worker, evidence)
        measured = timings.total_s if timings else 0.0
        if sdk and cls in WHOLE_REQUEST + GREEN:
            limit = sdk.timeout_s
            if limit is None or measured + limit >= timeout:
                said = "has no HTTP timeout" if limit is None else (
                    f"waits up to {limit:g} s (plus the {measured:.2f} s measured)")
                yield W032(
                    f"{sdk.sdk} {said}: a stalled storage upload ends only when the "
                    f"worker timeout ({timeout:g} s) kills the worker",
                    "Give the storage call its own timeout below the worker timeout (a "
                    "requests Session with a timeout adapter, or the SDK's timeout option) "
                    "so the view can answer with a clear error.", [facts, kv("Storage SDK", {
                        "SDK": sdk.sdk, "HTTP timeout": "none: it waits for ever"
                        if limit is None else f"{limit:g} s"})])

    def compare(self, timings: UploadTimings, timeout: float, cls: str, worker: WorkerTimeout,
                evidence):
        total = timings.total_s
        if cls in GREEN:  # only time spent on the CPU blocks the other greenlets' heartbeat
            total -= sum(s.seconds for s in timings.stages if s.name.startswith("storage"))
        what = "CPU-bound work of the upload" if cls in GREEN else "The upload"
        ratio = total / timeout
        share = f"{total:.2f} s of the {timeout:g} s worker timeout ({ratio:.0%})"
        if cls == "gthread":
            return I031(
                f"The upload takes {share}; with gthread workers the timeout is a liveness "
                "check, so this request passes", "Keep the workers' threads free of long "
                "pure-Python loops that hold the GIL; those are still killed.", evidence)
        if cls not in WHOLE_REQUEST + GREEN:
            return I030(f"The upload takes {share}; "
                        f"{rule_for(cls)}", "", evidence)
        rule = rule_for(cls)
        body = "" if worker.buffered or cls != "sync" else (
            " Nothing buffers the body in front, so a slow client's upload time counts too.")
        if ratio >= 1:
            return E030(
                f"{what} takes {share}: the worker is killed (WORKER TIMEOUT) and the "
                "client gets a 500 or a dropped connection",
                f"Raise the timeout above the measured time with room to spare, switch to "
                f"gthread workers (--threads 4), or move image processing out of the request."
                f"{body} Rule: {rule}.", evidence)
        if ratio > WARN_RATIO:
            return W030(
                f"{what} takes {share}: a larger image or a slower storage call will hit "
                "the timeout",
                f"Leave at least half the timeout free: raise it, use gthread workers, or "
                f"process images in the background.{body} Rule: {rule}.", evidence)
        return I030(f"{what} takes {share}: within budget",
                    f"Rule: {rule}.", evidence)


