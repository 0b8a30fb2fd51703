"""server.config: how the app is started and the serving settings in force, with sources."""
from __future__ import annotations

import re

from upload_diagnostics.diagnostics import Check, Finding, Level, kv, table, traceback_block
from upload_diagnostics.diagnostics.codes import CodeDoc

from . import gunicorn, nginx, uwsgi
from .discovery import Discovery, Launch, discover

ASGI = ("uvicorn", "daphne", "hypercorn")
SECRET_NAME = re.compile(r"KEY|SECRET|TOKEN|PASS|SIGNATURE|PRIVATE|CREDENTIAL|AUTH", re.I)
HEROKU_ROUTER_S = 30
DEFAULT_MAX_UPLOAD = 10 * 1024 * 1024  # a phone photo with room to spare
WHY_WINS = {
    "process": "it is the server running now",
    "docker-compose": "docker compose's `command:` replaces the image's CMD",
    "kubernetes": "a container's `command`/`args` replace the image's ENTRYPOINT/CMD",
}
ORDER = ("running process > docker-compose/Kubernetes > Dockerfile > Procfile and platform "
         "files > systemd/supervisor > shell scripts")


def discovery(ctx) -> Discovery:
    return ctx.cached("server.discovery", lambda: discover(ctx.project_root))


def nginx_configs(ctx) -> list[nginx.Parsed]:
    return ctx.cached("server.nginx", lambda: nginx.load(ctx.project_root))


def max_upload(ctx) -> int:
    """The largest upload to plan for: UPLOAD_DIAGNOSTICS["MAX_UPLOAD_BYTES"] or 10 MiB."""
    return int(ctx.config.get("MAX_UPLOAD_BYTES") or DEFAULT_MAX_UPLOAD)


def gunicorn_probes(ctx) -> list:
    """gunicorn's loader started once on each distinct gunicorn launch, best-ranked first."""
    def work():
        seen, out = set(), []
        for launch in sorted(discovery(ctx).launches, key=lambda x: x.rank):
            key = (tuple(launch.argv), str(launch.cwd), tuple(sorted(launch.env.items())))
            if launch.server == "gunicorn" and key not in seen and len(out) < 6:
                seen.add(key)
                out.append((launch, gunicorn.start(launch)))
        return out
    return ctx.cached("server.gunicorn.probes", work)


def resolved_gunicorn(ctx) -> list[gunicorn.Resolved]:
    """Each distinct gunicorn launch resolved once, best-ranked first."""
    return ctx.cached("server.gunicorn", lambda: [gunicorn.collect(launch, proc)
                                                  for launch, proc in gunicorn_probes(ctx)])


def buffered(ctx) -> bool:
    """nginx sits in front and every location it proxies reads the whole body first."""
    found = [loc for p in nginx_configs(ctx) for loc in p.locations]
    return bool(found) and all(loc.buffered for loc in found)


def located(launch: Launch) -> dict:
    return {"path": launch.path or None, "line": launch.line or None}


class ServerConfig(Check):
    """Finds every command that starts the app, resolves gunicorn's settings with
    gunicorn's own parser (uWSGI's from its files), and reports what is in force."""

    id = "server.config"
    title = "How the app is served, and the worker timeout in force"
    tags = ("server", "timeout")
    provides = ("server.worker_timeout",)
    timeout = 120

    def begin(self, ctx):
        gunicorn_probes(ctx)  # gunicorn's loader runs while the other checks do

    def run(self, ctx):
        found = discovery(ctx)
        for launch in found.launches:  # deployment files may carry credentials
            for name, value in launch.env.items():
                if SECRET_NAME.search(name):
                    ctx.add_secret(value)
        for path, line, error in found.problems:
            yield Finding("server.E005", Level.ERROR, f"{path} cannot be read: {error}",
                          "Fix the file; the deployment tool that reads it fails the same way.",
                          path=path, line=line or None)
        if not found.launches:
            yield Finding(
                "server.W001", Level.WARNING, "No command that starts the app was found",
                "Add the command the deployment runs (Procfile, Dockerfile CMD, compose "
                "`command:`, systemd ExecStart) to the project, or run this inside the "
                "deployment so the running server is seen.",
                [kv("Looked for", {"files": "Procfile, Dockerfile, compose, render.yaml, "
                                   "railway.json/toml, fly.toml, app.yaml, systemd units, "
                                   "supervisor, Kubernetes manifests, *.sh, uwsgi ini/yaml",
                                   "processes": "gunicorn/uWSGI/ASGI masters under /proc"})])
        else:
            yield self.summary(ctx, found)
        primary = found.primary()
        results = resolved_gunicorn(ctx)
        for r in results:
            finding = self.rejected(ctx, r)
            if finding:
                yield finding
        good = [r for r in results if not r.error]
        fact = None
        if primary is not None and primary.server == "gunicorn" and good:
            best = good[0]
            yield from self.gunicorn_findings(ctx, best, found)
            yield from self.disagreement(ctx, good)
            fact = {"server": "gunicorn", "timeout_s": float(best.value("timeout") or 0) or None,
                    "worker_class": best.worker_class, "threads": int(best.value("threads")),
                    "workers": int(best.value("workers")),
                    "source": f"{gunicorn.short_source(best.source('timeout'), ctx)} "
                              f"({best.launch.where})"}
        elif primary is not None and primary.server == "uwsgi":
            fact = yield from self.uwsgi_findings(ctx, primary)
        elif primary is not None and primary.server in ASGI + ("waitress-serve",):
            yield Finding(
                "server.I003", Level.INFO,
                f"{primary.server} serves the app; it has no request timeout",
                "A slow upload is never killed by the server: only a proxy or platform "
                "timeout in front ends it. Bound slow steps (storage SDK calls) yourself.",
                [kv("Launch", {"where": primary.where, "command": primary.text})],
                **located(primary))
            fact = {"server": primary.server, "timeout_s": None, "worker_class": primary.server,
                    "threads": 1, "workers": 1, "source": primary.where}
        if fact is not None:
            fact["buffered"] = buffered(ctx)
            ctx.publish("server.worker_timeout", fact)
            yield from self.platform(ctx, found, fact)

    def summary(self, ctx, found: Discovery) -> Finding:
        rows = [[x.where, x.source, x.server, x.text] for x in
                sorted(found.launches, key=lambda x: x.rank)]
        evidence = [table("Commands that start the app (first one wins)",
                          ["where", "source", "server", "command"], rows)]
        extra = [[kind, path] for kind, path in found.config_files]
        extra += [[f"environment {k}", v] for k, v in found.environment.items()]
        if extra:
            evidence.append(table("Other settings sources", ["source", "value"], extra))
        first = min(found.launches, key=lambda x: x.rank)
        return Finding("server.I001", Level.INFO,
                       f"The app is started by {first.server} from {first.where}", "",
                       evidence, **located(first))

    def rejected(self, ctx, r: gunicorn.Resolved) -> Finding | None:
        if not r.error:
            return None
        last = r.error.strip().splitlines()[-1]
        evidence = [kv("Launch", {"where": r.launch.where, "command": r.launch.text,
                                  "working directory": ctx.relpath(r.launch.cwd)}),
                    traceback_block(r.error, "gunicorn said")]
        if r.stage == "config file":
            path = ctx.relpath(r.config_file) if r.config_file else r.launch.path
            return Finding("server.E001", Level.ERROR,
                           f"gunicorn cannot load its config file {path}: {last}",
                           "Fix the config file: gunicorn exits with this error before "
                           "starting any worker.", evidence, path=path)
        if r.stage == "command line":
            return Finding("server.E002", Level.ERROR,
                           f"gunicorn rejects the command line at {r.launch.where}: {last}",
                           "Fix the arguments (gunicorn --help lists them); the server does "
                           "not start.", evidence, **located(r.launch))
        return Finding("server.W007", Level.WARNING,
                       f"gunicorn's settings could not be resolved here: {last}",
                       "Run this where gunicorn is installed (the deployment's "
                       "virtualenv or image) to see the settings in force.", evidence,
                       **located(r.launch))

    def gunicorn_findings(self, ctx, r: gunicorn.Resolved, found: Discovery):
        rows = [[key, r.value(key) if key != "worker_class" else
                 f"{r.value(key)} (runs as {r.worker_class})", gunicorn.short_source(
                     r.source(key), ctx)]
                for key in ("timeout", "graceful_timeout", "workers", "worker_class", "threads",
                            "worker_tmp_dir", "bind", "chdir")]
        settings = table("gunicorn settings in force", ["setting", "value", "source"], rows)
        launch = kv("Launch", {"where": r.launch.where, "command": r.launch.text,
                               "working directory": ctx.relpath(r.launch.cwd),
                               "gunicorn": r.version})
        timeout = r.value("timeout")
        brief = [launch, kv("Where the values come from", {
            key: f"{r.value(key)} ({gunicorn.short_source(r.source(key), ctx)})"
            for key in ("timeout", "workers", "worker_class", "threads", "worker_tmp_dir")})]
        yield Finding("server.I002", Level.INFO,
                      f"gunicorn {r.version}: timeout {timeout} s ({r.worker_class} workers, "
                      f"{r.value('workers')} x {r.value('threads')} threads)", "",
                      [launch, settings], **located(r.launch))
        if r.source("timeout") == "default":
            yield Finding(
                "server.W002", Level.WARNING,
                f"The worker timeout in force is gunicorn's default {timeout} s; nothing "
                "sets it",
                "Choose it: measure the slowest upload (decode, resize, WebP, storage call) "
                "and set --timeout above it, or move the work to a background job.",
                brief, **located(r.launch))
        if int(r.value("workers")) == 1:
            yield Finding(
                "server.W003", Level.WARNING,
                f"One {r.worker_class} worker ({gunicorn.short_source(r.source('workers'), ctx)})",
                "Use several workers (--workers 2-4 per core, or WEB_CONCURRENCY): with one "
                "sync worker a single slow upload blocks every other request, and a worker "
                "timeout takes the whole site down until it restarts.",
                brief, **located(r.launch))
        in_container = any(x.source in ("Dockerfile", "docker-compose", "kubernetes")
                           for x in found.launches)
        if in_container and not r.value("worker_tmp_dir"):
            yield Finding(
                "server.W004", Level.WARNING,
                "worker_tmp_dir is the container's disk-backed /tmp",
                "Add --worker-tmp-dir /dev/shm: workers write a heartbeat file every "
                "second, and on an overlay /tmp a slow disk write makes the arbiter see a "
                "timeout that is not one.", brief, **located(r.launch))

    def disagreement(self, ctx, good: list[gunicorn.Resolved]):
        keys = ("timeout", "workers", "worker_class", "threads")
        values = {r.launch.where: tuple(r.value(k) if k != "worker_class" else r.worker_class
                                        for k in keys) for r in good}
        if len(set(values.values())) < 2:
            return
        winner = good[0]
        why = WHY_WINS.get(winner.launch.source) or f"of the order {ORDER}"
        rows = [[r.launch.where, r.launch.source, *values[r.launch.where]] for r in good]
        yield Finding(
            "server.W005", Level.WARNING,
            f"{len(good)} launch commands disagree; {winner.launch.where} wins because {why}",
            "Keep one source for the server's settings (a gunicorn.conf.py used by every "
            "launch), so what you test is what runs.",
            [table("Effective settings per launch", ["where", "source", *keys], rows)],
            **located(winner.launch))

    def uwsgi_findings(self, ctx, launch: Launch):
        try:
            values = uwsgi.resolve(launch, ctx.relpath)
        except (uwsgi.UwsgiError, OSError) as exc:
            yield Finding("server.E003", Level.ERROR, f"uWSGI's configuration cannot be read: "
                          f"{exc}", "Fix the file: uWSGI refuses to start with it.",
                          [kv("Launch", {"where": launch.where, "command": launch.text})],
                          **located(launch))
            return None
        rows = [[k, v["value"], v["source"], uwsgi.DEFAULTS[k][1] if v["source"] == "default"
                 else ""] for k, v in values.items()]
        evidence = [table("uWSGI settings in force", ["option", "value", "source", "default "
                                                      "means"], rows)]
        harakiri = values["harakiri"]["value"]
        yield Finding("server.I004", Level.INFO,
                      f"uWSGI: harakiri {'off' if not harakiri else f'{harakiri} s'}, "
                      f"http-timeout {values['http-timeout']['value']} s", "", evidence,
                      **located(launch))
        limit = values["limit-post"]["value"]
        if isinstance(limit, int) and 0 < limit < max_upload(ctx):
            yield Finding("server.E004", Level.ERROR,
                          f"uWSGI limit-post {limit} bytes is below the largest upload "
                          f"({max_upload(ctx)} bytes)",
                          "Raise limit-post above the largest image users send, or remove "
                          "it and let Django's limits apply.", evidence, **located(launch))
        return {"server": "uwsgi", "timeout_s": float(harakiri) if harakiri else None,
                "worker_class": "uwsgi", "threads": 1, "workers": 1,
                "source": f"harakiri from {values['harakiri']['source']} ({launch.where})"}

    def platform(self, ctx, found: Discovery, fact: dict):
        root = ctx.project_root
        heroku = (root / "Procfile").is_file() and not (root / "Dockerfile").is_file() or \
            (root / "heroku.yml").is_file() or (root / "app.json").is_file()
        timeout = fact.get("timeout_s")
        if heroku and (timeout is None or timeout >= HEROKU_ROUTER_S):
            yield Finding(
                "server.W008", Level.WARNING,
                f"Heroku's router ends requests at {HEROKU_ROUTER_S} s (H12), no later than "
                f"the worker timeout ({f'{timeout:g} s' if timeout else 'none'})",
                "Keep uploads well under 30 s (set --timeout below 30 so the worker's own "
                "error is logged), or upload directly from the browser to storage.",
                [kv("Platform", {"detected from": "Procfile" if (root / "Procfile").is_file()
                                 else "heroku.yml/app.json", "router limit": "30 s (H12)",
                                 "worker timeout": timeout, "from": fact.get("source")})],
                path="Procfile" if (root / "Procfile").is_file() else None)


CODES = [
    CodeDoc(
        "server.I001", "How the app is started",
        "Always emitted when a start command is found: every command that starts a server "
        "(Procfile, Dockerfile CMD/ENTRYPOINT, compose `command:`, shell entrypoints, "
        "render.yaml, railway, fly.toml, app.yaml, systemd, supervisor, Kubernetes, running "
        "processes), with file:line, best-ranked first, and the config files and variables "
        "that feed it.",
        "Support needs to know which command really runs before judging its settings.",
        "# nothing to fix: an informational summary",
        "# nothing to fix: an informational summary",
        "Check that the first row is the command your deployment runs.", "text"),
    CodeDoc(
        "server.W001", "No command that starts the app was found",
        "No Procfile, Dockerfile, compose file, platform file, unit, script or running "
        "process in the project starts gunicorn, uWSGI or an ASGI server.",
        "Without the start command the worker timeout, worker class and worker count in "
        "force are unknown, so a timeout cannot be predicted.",
        "# the start command lives only in a hosting dashboard",
        "# Procfile\nweb: gunicorn mysite.wsgi --timeout 90 --workers 3",
        "Commit the start command with the project, or run the diagnosis inside the "
        "deployment where the running server is seen.", "text"),
    CodeDoc(
        "server.E001", "gunicorn cannot load its config file",
        "gunicorn's own loader, run in a subprocess with the deployment's working directory "
        "and environment, fails on the config file (-c, --config in GUNICORN_CMD_ARGS, or "
        "./gunicorn.conf.py): an exception while executing it or an invalid value.",
        "gunicorn exits before starting a worker: the site is down, or an old release keeps "
        "running with settings nobody reads.",
        "# gunicorn.conf.py\nimport os\ntimeout = int(os.environ[\"GUNICORN_TIMEOUT\"])  "
        "# KeyError when unset",
        "# gunicorn.conf.py\nimport os\ntimeout = int(os.environ.get(\"GUNICORN_TIMEOUT\", "
        "\"90\"))",
        "Read gunicorn's error in the evidence and fix the file; run `gunicorn --check-config "
        "app:application` to verify."),
    CodeDoc(
        "server.E002", "gunicorn rejects the command line",
        "gunicorn's argument parser refuses the command a deployment file runs (an unknown "
        "option, a missing value, a value of the wrong type), or no application is named.",
        "The server does not start with that command.",
        "gunicorn mysite.wsgi --timout 90", "gunicorn mysite.wsgi --timeout 90",
        "Fix the arguments shown in the evidence; gunicorn --help lists the options.", "sh"),
    CodeDoc(
        "server.E003", "uWSGI's configuration cannot be read",
        "The ini or yaml file a uWSGI launch loads is missing or does not parse.",
        "uWSGI refuses to start with it.",
        "uwsgi --ini deploy/uwsgi.ini   # file is deploy/uwsgi.conf",
        "uwsgi --ini deploy/uwsgi.conf",
        "Fix the path or the syntax shown in the finding.", "sh"),
    CodeDoc(
        "server.E004", "uWSGI limit-post is below the largest upload",
        "uWSGI's limit-post is set and smaller than the largest upload to plan for "
        "(UPLOAD_DIAGNOSTICS[\"MAX_UPLOAD_BYTES\"], 10 MiB by default).",
        "uWSGI refuses larger request bodies before Django sees them.",
        "[uwsgi]\nlimit-post = 1048576", "[uwsgi]\nlimit-post = 26214400",
        "Raise limit-post above the largest image users send, or remove it.", "ini"),
    CodeDoc(
        "server.E005", "A deployment file cannot be read",
        "A Dockerfile, compose file, platform file, unit or script that may start the app "
        "does not parse (YAML, TOML, JSON, ini or Dockerfile syntax) or cannot be read.",
        "The tool that reads it fails the same way, and the start command it holds could not "
        "be judged.",
        "services:\n  web:\n    command: gunicorn app:application\n   ports: [\"8000\"]",
        "services:\n  web:\n    command: gunicorn app:application\n    ports: [\"8000\"]",
        "Fix the syntax at the line the parser names.", "yaml"),
    CodeDoc(
        "server.I002", "gunicorn's settings in force, with their sources",
        "Always emitted for the best-ranked gunicorn launch: timeout, graceful_timeout, "
        "workers, worker class (sync with threads > 1 runs as gthread), threads, "
        "worker_tmp_dir, bind and chdir, each with where its value came from (default, "
        "WEB_CONCURRENCY/PORT read at import, the config file, GUNICORN_CMD_ARGS, the "
        "command line), resolved by gunicorn's own loader without importing the app.",
        "The timeout and worker class decide whether a slow upload is killed.",
        "# nothing to fix: an informational summary",
        "# nothing to fix: an informational summary",
        "Compare the values with what you meant to deploy.", "text"),
    CodeDoc(
        "server.W002", "The worker timeout is gunicorn's default of 30 s",
        "No config file, GUNICORN_CMD_ARGS or command-line option sets `timeout`.",
        "Nobody chose the limit every upload must fit in: decoding a phone photo, encoding "
        "WebP and a storage call without an HTTP timeout can exceed 30 s, and the worker is "
        "killed (WORKER TIMEOUT).",
        "web: gunicorn mysite.wsgi", "web: gunicorn mysite.wsgi --timeout 90",
        "Measure the slowest upload (server.budget) and set --timeout above it, or move "
        "image work to a background job.", "sh"),
    CodeDoc(
        "server.W003", "A single worker serves the site",
        "gunicorn's effective `workers` is 1.",
        "One slow upload blocks every other request, and a worker timeout takes the whole "
        "site down until the worker restarts.",
        "gunicorn mysite.wsgi --workers ${WEB_CONCURRENCY:-1}",
        "gunicorn mysite.wsgi --workers ${WEB_CONCURRENCY:-3} --threads 4",
        "Run 2-4 workers per core (or set WEB_CONCURRENCY), memory permitting.", "sh"),
    CodeDoc(
        "server.W004", "Worker heartbeats go to a disk-backed /tmp in a container",
        "The app is started from a Dockerfile, compose file or Kubernetes manifest and "
        "gunicorn's worker_tmp_dir is unset.",
        "Workers touch a heartbeat file every second; on a container's overlay /tmp a slow "
        "write makes the arbiter believe the worker hung and kill it.",
        "CMD [\"gunicorn\", \"mysite.wsgi\"]",
        "CMD [\"gunicorn\", \"mysite.wsgi\", \"--worker-tmp-dir\", \"/dev/shm\"]",
        "Add --worker-tmp-dir /dev/shm (a tmpfs in every container).", "dockerfile"),
    CodeDoc(
        "server.W005", "Launch commands disagree about the server's settings",
        "Two or more start commands (e.g. the Dockerfile's CMD and compose's `command:`) "
        "resolve to different timeout, workers, worker class or threads.",
        "What was tested is not what runs: compose replaces the image's CMD, a running "
        "process beats any file. The finding names the winner and why.",
        "# Dockerfile\nCMD gunicorn app:application --timeout 90\n# compose.yaml\n"
        "command: gunicorn app:application",
        "# gunicorn.conf.py, used by every launch\ntimeout = 90",
        "Keep one source of server settings (a gunicorn.conf.py) and have every launch use "
        "it.", "text"),
    CodeDoc(
        "server.I003", "An ASGI server without a request timeout serves the app",
        "The start command runs uvicorn, daphne, hypercorn or waitress.",
        "These servers never kill a slow request: an upload that hangs on a storage call "
        "holds its connection until a proxy or platform limit ends it.",
        "uvicorn mysite.asgi:application",
        "uvicorn mysite.asgi:application  # and timeouts on every storage call",
        "Put timeouts on slow steps yourself and know the proxy's limit in front.", "sh"),
    CodeDoc(
        "server.I004", "uWSGI's request limits in force",
        "Always emitted for a uWSGI launch: harakiri (off by default), http-timeout, "
        "socket-timeout, limit-post and buffer-size, with the file or flag that sets each.",
        "harakiri plays the part of gunicorn's timeout; buffer-size limits header size "
        "(502 above it).",
        "# nothing to fix: an informational summary",
        "# nothing to fix: an informational summary",
        "Compare the values with what uploads need.", "text"),
    CodeDoc(
        "server.W007", "gunicorn's settings could not be resolved here",
        "gunicorn cannot be imported by this Python, or its loader could not be run.",
        "The settings in force are unknown, so timeouts cannot be predicted.",
        "python -m venv /tmp/tool && /tmp/tool/bin/diagnose-uploads server",
        "/srv/app/venv/bin/diagnose-uploads server   # the deployment's own environment",
        "Run the diagnosis in the environment that runs gunicorn.", "sh"),
    CodeDoc(
        "server.W008", "Heroku's router stops requests at 30 s",
        "The project deploys with a Procfile (or heroku.yml/app.json) and the worker timeout "
        "is 30 s or more, or there is none.",
        "The router answers 503 (H12) at 30 s while the worker keeps processing: the client "
        "sees a failure, the image may be saved anyway, and retries duplicate it.",
        "web: gunicorn mysite.wsgi --timeout 60",
        "web: gunicorn mysite.wsgi --timeout 25",
        "Keep uploads well under 30 s (upload straight from the browser to storage, process "
        "in the background) and set the worker timeout below 30 s so the app logs it.", "sh"),
]
