"""server.config: how the app is started and the serving settings in force, with sources."""
from __future__ import annotations

import shlex
from dataclasses import replace

from upload_diagnostics.diagnostics import (Check, Finding, Skip, kv, require, table,
                                            traceback_block)
from upload_diagnostics.diagnostics.facts import WORKER_TIMEOUT, WorkerTimeout
from upload_diagnostics.diagnostics.redact import SECRET_NAME

from . import gunicorn, nginx, uwsgi
from .codes import (E001, E002, E003, E004, E005, I001, I002, I003, I004, W001, W002, W003,
                    W004, W005, W006, W007, W008)
from .discovery import DEV_SERVER, Discovery, Launch, discover, is_django_project
from .platforms import DEFAULTS, heroku_file

ASGI = ("uvicorn", "daphne", "hypercorn")
HEROKU_ROUTER_S = DEFAULTS["Heroku router"].seconds
MAX_ROWS = 100  # launch commands listed in the evidence (a compose file may hold thousands)
DEFAULT_MAX_UPLOAD = 10 * 1024 * 1024  # a phone photo with room to spare
WHY_WINS = {
    "process": "it is the server running now",
    "docker-compose": "docker compose's `command:` replaces the image's CMD",
    "kubernetes": "a container's `command`/`args` replace the image's ENTRYPOINT/CMD",
}
ORDER = ("running process > docker-compose/Kubernetes > Dockerfile > Procfile and platform "
         "files > systemd/supervisor > shell scripts")


def require_parsers() -> None:
    """Skip unless the parsers of deployment files (the [server] extra) are installed;
    gunicorn itself is the project's own, run as the deployment runs it."""
    require("server", "it reads deployment files with them", yaml="PyYAML",
            dockerfile="dockerfile", crossplane="crossplane")


def discovery(ctx) -> Discovery:
    """The launches of the project, found once; the secrets they carry are registered."""
    def find():
        found = discover(ctx.project_root, ctx.files)
        for launch in found.launches:  # deployment files may carry credentials
            for name, value in launch.env.items():
                if SECRET_NAME.search(name):
                    ctx.add_secret(value)
            ctx.add_secrets_in(f"{launch.text} {shlex.join(launch.argv)}")
        for value in found.environment.values():  # GUNICORN_CMD_ARGS="--env SECRET=..."
            ctx.add_secrets_in(value)
        return found
    return ctx.cached("server.discovery", find)


def nginx_configs(ctx) -> list[nginx.Parsed]:
    return ctx.cached("server.nginx", lambda: nginx.load(ctx.project_root, ctx.files))


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
                probe = gunicorn.start(launch, ctx.files, ctx.options.timeout)
                if isinstance(probe, gunicorn.Probe):
                    ctx.at_end(probe.stop)  # one the check never collected
                out.append((launch, probe))
        return out
    return ctx.cached("server.gunicorn.probes", work)


def resolved_gunicorn(ctx) -> list[gunicorn.Resolved]:
    """Each distinct gunicorn launch resolved once, best-ranked first."""
    def resolve():
        resolved = [gunicorn.collect(launch, proc) for launch, proc in gunicorn_probes(ctx)]
        for r in resolved:  # gunicorn's traceback shows the config file's lines
            ctx.add_secrets_in(r.error or "")
        return resolved
    return ctx.cached("server.gunicorn", resolve)


def buffered(ctx) -> bool:
    """nginx sits in front and every location it proxies reads the whole body first."""
    found = [loc for p in nginx_configs(ctx) for loc in p.locations]
    return bool(found) and all(loc.buffered for loc in found)


def _value(r: gunicorn.Resolved, key: str):
    """A gunicorn setting as people read it: "not set", a list as its items."""
    value = r.value(key)
    if value is None:
        return "not set"
    return ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else value


def located(launch: Launch) -> dict:
    return {"path": launch.path or None, "line": launch.line or None}


class ServerConfig(Check):
    """Finds every command that starts the app, resolves gunicorn's settings with
    gunicorn's own parser (uWSGI's from its files), and reports what is in force."""

    id = "server.config"
    title = "How the app is served, and the worker timeout in force"
    layer = "server"
    tags = ("server", "timeout")
    codes = (I001, W001, W006, E001, E002, E003, E004, E005, I002, W002, W003, W004, W005, I003,
             I004, W007, W008)
    provides = (WORKER_TIMEOUT.name,)
    timeout = 120

    def begin(self, ctx):
        require_parsers()
        gunicorn_probes(ctx)  # gunicorn's loader runs while the other checks do

    def run(self, ctx):
        require_parsers()
        found = discovery(ctx)
        for path, line, error in found.problems:
            yield E005(f"{path} cannot be read: {error}",
                       "Fix the file; the deployment tool that reads it fails the same way.",
                       path=path, line=line or None)
        if not found.launches and ctx.settings is None \
                and not is_django_project(ctx.project_root, ctx.files):
            raise Skip(f"not applicable: {ctx.project_root} holds no Django project (no "
                       "manage.py, wsgi.py, asgi.py or settings module), so nothing here "
                       "starts a server: a reusable app or library",
                       "--project-dir pointing at the Django project that serves uploads")
        for launch in found.launches:
            if launch.server == DEV_SERVER and launch.source not in ("process", "shell script"):
                yield W006(
                    f"{launch.where} starts Django's development server (manage.py "
                    "runserver)",
                    evidence=[kv("Launch", {"where": launch.where, "source": launch.source,
                                            "command": launch.text})],
                    **located(launch))
        if not found.launches:
            yield W001(
                "No command that starts the app was found",
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
            fact = WorkerTimeout(
                "gunicorn", float(best.value("timeout") or 0) or None, best.worker_class,
                int(best.value("threads")), int(best.value("workers")),
                f"{gunicorn.short_source(best.source('timeout'), ctx)} ({best.launch.where})")
        elif primary is not None and primary.server == "uwsgi":
            fact = yield from self.uwsgi_findings(ctx, primary)
        elif primary is not None and primary.server in ASGI + ("waitress-serve",):
            yield I003(
                f"{primary.server} serves the app; it has no request timeout",
                "A slow upload is never killed by the server: only a proxy or platform "
                "timeout in front ends it. Bound slow steps (storage SDK calls) yourself.",
                [kv("Launch", {"where": primary.where, "command": primary.text})],
                **located(primary))
            fact = WorkerTimeout(primary.server, None, primary.server, 1, 1, primary.where)
        if fact is not None:
            fact = replace(fact, buffered=buffered(ctx))
            WORKER_TIMEOUT.publish(ctx, fact)
            yield from self.platform(ctx, found, fact)

    def summary(self, ctx, found: Discovery) -> Finding:
        launches = sorted(found.launches, key=lambda x: x.rank)
        rows = [[x.where, x.source, x.server, x.text] for x in launches[:MAX_ROWS]]
        if len(launches) > MAX_ROWS:
            rows.append(["...", "", "", f"and {len(launches) - MAX_ROWS:,} more commands"])
        evidence = [table("Commands that start the app (first one wins)",
                          ["where", "source", "server", "command"], rows)]
        extra = [[kind, path] for kind, path in found.config_files]
        extra += [[f"environment {k}", v] for k, v in found.environment.items()]
        if extra:
            evidence.append(table("Other settings sources", ["source", "value"], extra))
        first = min(found.launches, key=lambda x: x.rank)
        return I001(f"The app is started by {first.server} from {first.where}", "",
                    evidence, **located(first))

    def rejected(self, ctx, r: gunicorn.Resolved) -> Finding | None:
        if not r.error:
            return None
        last = r.error.strip().splitlines()[-1]
        evidence = [kv("Launch", {"where": r.launch.where, "command": r.launch.text,
                                  "working directory": ctx.relpath(r.launch.cwd)}),
                    traceback_block(r.error, "gunicorn said")]
        if r.stage == "config file":  # (a loader that timed out named no file: the one it ran)
            config = r.config_file or gunicorn.config_file(r.launch)
            path = ctx.relpath(config) if config else r.launch.path
            return E001(f"gunicorn cannot load its config file {path}: {last}",
                        "Fix the config file: gunicorn exits with this error before "
                        "starting any worker.", evidence, path=path)
        if r.stage == "command line":
            return E002(f"gunicorn rejects the command line at {r.launch.where}: {last}",
                        "Fix the arguments (gunicorn --help lists them); the server does "
                        "not start.", evidence, **located(r.launch))
        return W007(f"gunicorn's settings could not be resolved here: {last}",
                    "Run this where gunicorn is installed (the deployment's "
                    "virtualenv or image) to see the settings in force.", evidence,
                    **located(r.launch))

    def gunicorn_findings(self, ctx, r: gunicorn.Resolved, found: Discovery):
        rows = [[key, _value(r, key) if key != "worker_class" else
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
            key: f"{_value(r, key)} ({gunicorn.short_source(r.source(key), ctx)})"
            for key in ("timeout", "workers", "worker_class", "threads", "worker_tmp_dir")})]
        yield I002(f"gunicorn {r.version}: timeout {timeout} s ({r.worker_class} workers, "
                   f"{r.value('workers')} x {r.value('threads')} threads)", "",
                   [launch, settings], **located(r.launch))
        if r.source("timeout") == "default":
            yield W002(
                f"The worker timeout in force is gunicorn's default {timeout} s; nothing "
                "sets it",
                "Choose it: measure the slowest upload (decode, resize, WebP, storage call) "
                "and set --timeout above it, or move the work to a background job.",
                brief, **located(r.launch))
        if int(r.value("workers")) == 1:
            yield W003(
                f"One {r.worker_class} worker ({gunicorn.short_source(r.source('workers'), ctx)})",
                "Use several workers (--workers 2-4 per core, or WEB_CONCURRENCY): with one "
                "sync worker a single slow upload blocks every other request, and a worker "
                "timeout takes the whole site down until it restarts.",
                brief, **located(r.launch))
        in_container = any(x.source in ("Dockerfile", "docker-compose", "kubernetes")
                           for x in found.launches)
        if in_container and not r.value("worker_tmp_dir"):
            yield W004(
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
        yield W005(
            f"{len(good)} launch commands disagree; {winner.launch.where} wins because {why}",
            "Keep one source for the server's settings (a gunicorn.conf.py used by every "
            "launch), so what you test is what runs.",
            [table("Effective settings per launch", ["where", "source", *keys], rows)],
            **located(winner.launch))

    def uwsgi_findings(self, ctx, launch: Launch):
        try:
            values = uwsgi.resolve(launch, ctx.relpath, ctx.files)
        except (uwsgi.UwsgiError, OSError) as exc:
            yield E003(f"uWSGI's configuration cannot be read: "
                       f"{exc}", "Fix the file: uWSGI refuses to start with it.",
                       [kv("Launch", {"where": launch.where, "command": launch.text})],
                       **located(launch))
            return None
        rows = [[k, v["value"], v["source"], uwsgi.DEFAULTS[k][1] if v["source"] == "default"
                 else ""] for k, v in values.items()]
        evidence = [table("uWSGI settings in force", ["option", "value", "source", "default "
                                                      "means"], rows)]
        harakiri = values["harakiri"]["value"]
        yield I004(f"uWSGI: harakiri {'off' if not harakiri else f'{harakiri} s'}, "
                   f"http-timeout {values['http-timeout']['value']} s", "", evidence,
                   **located(launch))
        limit = values["limit-post"]["value"]
        if isinstance(limit, int) and 0 < limit < max_upload(ctx):
            yield E004(f"uWSGI limit-post {limit} bytes is below the largest upload "
                       f"({max_upload(ctx)} bytes)",
                       "Raise limit-post above the largest image users send, or remove "
                       "it and let Django's limits apply.", evidence, **located(launch))
        return WorkerTimeout("uwsgi", float(harakiri) if harakiri else None, "uwsgi", 1, 1,
                             f"harakiri from {values['harakiri']['source']} ({launch.where})")

    def platform(self, ctx, found: Discovery, fact: WorkerTimeout):
        root = ctx.project_root
        heroku = heroku_file(root) is not None
        timeout = fact.timeout_s
        if heroku and (timeout is None or timeout >= HEROKU_ROUTER_S):
            yield W008(
                f"Heroku's router ends requests at {HEROKU_ROUTER_S} s (H12), no later than "
                f"the worker timeout ({f'{timeout:g} s' if timeout else 'none'})",
                "Keep uploads well under 30 s (set --timeout below 30 so the worker's own "
                "error is logged), or upload directly from the browser to storage.",
                [kv("Platform", {"detected from": "Procfile" if (root / "Procfile").is_file()
                                 else "heroku.yml/app.json", "router limit": "30 s (H12)",
                                 "worker timeout": f"{timeout:g} s" if timeout else "none",
                                 "from": fact.source})],
                path="Procfile" if (root / "Procfile").is_file() else None)


