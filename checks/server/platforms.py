"""The platforms and proxies in front of the app, read from their own files (PyYAML, tomllib,
json), with the limits each sets or, where nothing sets them, its documented default.

Every default is a dated fact with its source; docs/limits.md lists them. A value set in a
file is cited as `path:line`.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python < 3.11
    import tomli as tomllib

from upload_diagnostics.diagnostics.facts import Layer

from . import nginx
from .discovery import Discovery, MemoryLimit, containers, deployment_files, line_of
from .yamlfile import Located, load as load_yaml

AS_OF = "2026-11"
MB, MiB = 1000 * 1000, 1024 * 1024


@dataclass(frozen=True)
class Default:
    body: int | None
    seconds: float | None
    what: str
    url: str

    @property
    def reference(self) -> str:
        return f"{self.what}: documented at {self.url}, as of {AS_OF} (docs/limits.md)"


DEFAULTS = {
    "Cloudflare": Default(
        100 * MB, 100, "Cloudflare proxy default: 100 MB body on Free/Pro (200 MB Business, "
        "500 MB Enterprise), 100 s for the origin to answer (524)",
        "developers.cloudflare.com/support/troubleshooting/http-status-codes/4xx-client-error/"
        "error-413"),
    "AWS ALB": Default(
        None, 60, "AWS Application Load Balancer default: connection idle timeout 60 s",
        "docs.aws.amazon.com/elasticloadbalancing/latest/application/"
        "edit-load-balancer-attributes.html"),
    "Heroku router": Default(
        None, 30, "Heroku router, fixed: 30 s to the first response byte, then a rolling "
        "55 s window (H12)", "devcenter.heroku.com/articles/request-timeout"),
    "ingress-nginx": Default(
        MiB, 60, "ingress-nginx default: proxy-body-size 1m (413), proxy-read-timeout 60 s",
        "kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/configmap/"),
    "Cloud Run": Default(
        32 * MiB, 300, "Cloud Run: 32 MiB per HTTP/1 request (none with end-to-end HTTP/2); "
        "request timeout 300 s by default, at most 3,600 s",
        "cloud.google.com/run/quotas and cloud.google.com/run/docs/configuring/"
        "request-timeout"),
    "App Engine": Default(
        32 * MiB, None, "App Engine: 32 MB per request (the deadline, by scaling type, is "
        "read from app.yaml)", "cloud.google.com/appengine/quotas#Requests"),
    "Fly proxy": Default(
        None, 60, "Fly proxy: a connection idle for 60 s is closed",
        "community.fly.io/t/60-second-timeout-for-http-server/1243"),
    "Render": Default(
        None, None, "Render: no request size or time limit is documented",
        "render.com/docs/web-services"),
    "Vercel function": Default(
        int(4.5 * MB), 300, "Vercel functions: 4.5 MB request body (413 "
        "FUNCTION_PAYLOAD_TOO_LARGE), maxDuration 300 s by default",
        "vercel.com/docs/functions/limitations"),
    "API Gateway": Default(
        10 * MiB, 29, "Amazon API Gateway (REST): 10 MB payload, 29 s integration timeout",
        "docs.aws.amazon.com/apigateway/latest/developerguide/limits.html"),
    "Lambda": Default(
        6 * MiB, None, "AWS Lambda: 6 MB synchronous request payload",
        "docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html"),
}
# App Engine's request deadline, by what app.yaml names (no scaling key: automatic scaling).
APP_ENGINE_DEADLINES = {
    "env": (3600, "the flexible environment ends a request after 60 minutes"),
    "basic_scaling": (86400, "basic scaling ends a request after 24 hours"),
    "manual_scaling": (86400, "manual scaling ends a request after 24 hours"),
    "automatic_scaling": (600, "automatic scaling ends a request after 10 minutes"),
    "runtime": (600, "automatic scaling (the default) ends a request after 10 minutes"),
}
APP_ENGINE_DOCS = "cloud.google.com/appengine/docs/standard/how-instances-are-managed"
# Who sets Lambda's timeout when the project does not: the deployment tool's default.
LAMBDA_TIMEOUT = {"serverless.yml": (6, "the Serverless Framework's default function timeout "
                                        "6 s: documented at serverless.com/framework/docs/"
                                        f"providers/aws/guide/functions, as of {AS_OF}"),
                  "zappa_settings.json": (30, "Zappa's default timeout_seconds 30: documented "
                                             "at github.com/zappa/Zappa#advanced-settings, "
                                             f"as of {AS_OF}")}
ORDER = list(DEFAULTS)  # outermost first


def platform_layers(root: Path, files, found: Discovery) -> tuple[list[Layer], list[MemoryLimit]]:
    """The layers in front of the app that the project's files show, outermost first, and
    the memory limits of platform containers (Cloud Run) that discovery does not read."""
    reader = Reader(root, files)
    reader.heroku(found)
    by_name = {"fly.toml": reader.fly, "vercel.json": reader.vercel, "app.yaml": reader.app,
               "zappa_settings.json": reader.zappa, "render.yaml": reader.render,
               "serverless.yml": reader.serverless, "serverless.yaml": reader.serverless}
    for path in deployment_files(root, files):
        name = path.name.lower()
        if name in by_name:
            by_name[name](path)
        elif name.endswith((".yaml", ".yml")):
            reader.manifests(path)
    reader.finish()
    rows = sorted(reader.rows, key=lambda row: ORDER.index(row[0]))
    return [layer for _, layer in rows], reader.memory


def with_front(layers: list[Layer], answers: list[dict] | None) -> list[Layer]:
    """The platform rows, with the layers the site's answers name (server.front) that no
    file of the project shows: each at its documented defaults, outermost first."""
    shown = {x.layer.split(" (")[0] for x in layers}
    added = {}
    for answer in answers or ():
        for seen in answer["layers"]:
            if seen["layer"] not in shown and seen["layer"] not in added:
                default = DEFAULTS[seen["layer"]]
                added[seen["layer"]] = Layer(
                    seen["layer"], default.body, default.seconds, default.reference,
                    "", f"HEAD {answer['url']} answered {seen['header']}")
    return sorted([*layers, *added.values()],
                  key=lambda x: ORDER.index(x.layer.split(" (")[0]))


def heroku_file(root: Path) -> str | None:
    """The file that shows the app runs on Heroku (a Procfile without a Dockerfile,
    heroku.yml, app.json), or None."""
    if (root / "Procfile").is_file() and not (root / "Dockerfile").is_file():
        return "Procfile"
    return next((name for name in ("heroku.yml", "app.json") if (root / name).is_file()), None)


class Reader:
    def __init__(self, root: Path, files):
        self.root, self.files = root, files
        self.rows: list[tuple[str, Layer]] = []  # (platform, layer)
        self.memory: list[MemoryLimit] = []
        self.ingress_settings: dict[str, tuple[str, str]] = {}  # ConfigMap key -> (value, at)
        self.ingresses: list[tuple[Path, Located, str]] = []  # ingress-nginx, for finish()

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def add(self, platform: str, seen: str, body=None, time=None, note: str = "") -> None:
        """The platform's rows: its default, with `body`/`time` ((value, path:line) set in a
        file) in rows of their own, so that every row cites one source."""
        default = DEFAULTS[platform]
        if body is None and time is None:
            self.rows.append((platform, Layer(platform, default.body, default.seconds,
                                              default.reference, note, seen)))
            return
        for given, kind in ((body, "body"), (time, "time")):
            if given is None:
                value = default.body if kind == "body" else default.seconds
                if value is None:
                    continue
                given = (value, default.reference)
            value, source = given
            self.rows.append((platform, Layer(
                f"{platform} ({'size' if kind == 'body' else 'time'})",
                value if kind == "body" else None, value if kind == "time" else None,
                source, note, seen)))

    def structured(self, path: Path, loader) -> tuple:
        """(the file's parsed content or None, its text or "")."""
        text = self.files.text(path)
        return parsed(text, loader), text or ""

    # -- one method per platform file ------------------------------------------------------

    def heroku(self, found: Discovery) -> None:
        shown_by = heroku_file(self.root)
        if shown_by is None:
            return
        web = next((x for x in found.launches if x.source == "Procfile"), None)
        seen = (web.via[0] if web.via else f"{web.path}:{web.line}") if web else shown_by
        self.add("Heroku router", seen, note="the router cannot be configured")

    def fly(self, path: Path) -> None:
        if isinstance(self.structured(path, tomllib.loads)[0], dict):
            self.add("Fly proxy", self.rel(path), note="an idle timeout: it restarts with "
                     "every byte sent either way")

    def render(self, path: Path) -> None:
        data, _ = self.structured(path, load_yaml)
        if isinstance(data, dict) and data.get("services"):
            self.add("Render", f"{self.rel(path)}:{data.line('services')}")

    def app(self, path: Path) -> None:
        """App Engine's app.yaml (a `runtime:` key); the request deadline follows from the
        environment and the scaling type it names."""
        data, _ = self.structured(path, load_yaml)
        if not (isinstance(data, Located) and data.get("runtime")):
            return
        key = "env" if data.get("env") in ("flex", "flexible") else next(
            (k for k in APP_ENGINE_DEADLINES if k in data), "runtime")
        seconds, what = APP_ENGINE_DEADLINES[key]
        self.add("App Engine", f"{self.rel(path)}:{data.line('runtime')}",
                 time=(seconds, f"{self.rel(path)}:{data.line(key)}"),
                 note=f"{what}: documented at {APP_ENGINE_DOCS}, as of {AS_OF}")

    def vercel(self, path: Path) -> None:
        data, text = self.structured(path, json.loads)
        if not isinstance(data, dict):
            return
        durations = [fn.get("maxDuration") for fn in (data.get("functions") or {}).values()
                     if isinstance(fn, dict) and isinstance(fn.get("maxDuration"), (int, float))]
        time = (min(durations), f"{self.rel(path)}:{line_of(text, 'maxDuration', '')}") \
            if durations else None
        self.add("Vercel function", self.rel(path), time=time)

    def zappa(self, path: Path) -> None:
        data, text = self.structured(path, json.loads)
        if not isinstance(data, dict):
            return
        stages = [s for s in data.values() if isinstance(s, dict)]
        set_ = [s["timeout_seconds"] for s in stages if isinstance(s.get("timeout_seconds"),
                                                                    (int, float))]
        self.api_gateway(path, (min(set_), f"{self.rel(path)}:"
                                f"{line_of(text, 'timeout_seconds', '')}") if set_ else None)

    def serverless(self, path: Path) -> None:
        data, _ = self.structured(path, load_yaml)
        if not isinstance(data, Located):
            return
        functions = [f for f in (data.get("functions") or {}).values() if isinstance(f, Located)]
        provider = data.get("provider") if isinstance(data.get("provider"), Located) else None
        timeouts = [(f["timeout"], f.line("timeout")) for f in functions
                    if isinstance(f.get("timeout"), (int, float))]
        if provider is not None and isinstance(provider.get("timeout"), (int, float)):
            timeouts.append((provider["timeout"], provider.line("timeout")))
        best = min(timeouts, default=None)
        self.api_gateway(path, (best[0], f"{self.rel(path)}:{best[1]}") if best else None)

    def api_gateway(self, path: Path, timeout) -> None:
        """API Gateway in front of a Lambda function whose timeout is `timeout` (or the
        deployment tool's default)."""
        seen = self.rel(path)
        self.add("API Gateway", seen)
        if timeout is None:
            seconds, reference = LAMBDA_TIMEOUT["serverless.yml" if "serverless" in path.name
                                                else path.name]
            timeout = (seconds, reference)
        self.add("Lambda", seen, time=timeout)

    def manifests(self, path: Path) -> None:
        """Kubernetes Ingress, ingress-nginx ConfigMap, Knative (Cloud Run) Service and
        cloudflared files among the project's YAML."""
        text = self.files.text(path) or ""
        if not re.search(r"^(kind|tunnel):", text, re.M) and "cloudflare/cloudflared" not in text:
            return
        if "cloudflare/cloudflared" in text:
            line = line_of(text, "cloudflare/cloudflared", "")
            self.add("Cloudflare", f"{self.rel(path)}:{line}")
        documents = parsed(text, lambda t: load_yaml(t, every=True)) or []
        for doc in documents:
            if not isinstance(doc, Located):
                continue
            if doc.get("tunnel") and doc.get("ingress"):  # a cloudflared tunnel's config
                self.add("Cloudflare", f"{self.rel(path)}:{doc.line('tunnel')}")
            kind = doc.get("kind")
            if kind == "Ingress":
                self.ingress(path, doc)
            elif kind == "ConfigMap" and isinstance(doc.get("data"), Located):
                self.configmap(path, doc["data"])
            elif kind == "Service" and str(doc.get("apiVersion", "")).startswith(
                    "serving.knative.dev"):
                self.cloud_run(path, doc)

    def ingress(self, path: Path, doc: Located) -> None:
        notes = mapping(mapping(doc.get("metadata")).get("annotations"))
        spec = doc.get("spec") if isinstance(doc.get("spec"), dict) else {}
        cls = str(spec.get("ingressClassName") or notes.get("kubernetes.io/ingress.class") or "")
        seen = f"{self.rel(path)}:{doc.line('kind')}"
        if cls == "alb" or any(str(k).startswith("alb.ingress.kubernetes.io/") for k in notes):
            key = "alb.ingress.kubernetes.io/load-balancer-attributes"
            idle = re.search(r"idle_timeout\.timeout_seconds=(\d+)", str(notes.get(key, "")))
            self.add("AWS ALB", seen, time=(float(idle.group(1)), self.at(path, notes, key))
                     if idle else None)
        elif cls == "nginx" or any(str(k).startswith("nginx.ingress.kubernetes.io/")
                                   for k in notes):
            self.ingresses.append((path, notes, seen))

    def configmap(self, path: Path, data: Located) -> None:
        for key in ("proxy-body-size", "proxy-read-timeout"):
            if data.get(key) not in (None, ""):
                self.ingress_settings[key] = (str(data[key]), self.at(path, data, key))

    def finish(self) -> None:
        """Ingress rows, once every file's ConfigMap was read: an annotation wins over the
        controller's ConfigMap, which wins over the default."""
        for path, notes, seen in self.ingresses:
            given = {}
            for key in ("proxy-body-size", "proxy-read-timeout"):
                note = f"nginx.ingress.kubernetes.io/{key}"
                if notes.get(note) not in (None, ""):
                    given[key] = (str(notes[note]), self.at(path, notes, note))
                elif key in self.ingress_settings:
                    given[key] = self.ingress_settings[key]
            body = given.get("proxy-body-size")
            time = given.get("proxy-read-timeout")
            self.add("ingress-nginx", seen,
                     body=(nginx.size_bytes(body[0]), body[1]) if body else None,
                     time=(nginx.seconds(time[0]), time[1]) if time else None)

    def cloud_run(self, path: Path, doc: Located) -> None:
        spec = mapping(mapping(mapping(doc.get("spec")).get("template")).get("spec"))
        seen = f"{self.rel(path)}:{doc.line('kind')}"
        time = None
        if isinstance(spec.get("timeoutSeconds"), (int, float)):
            time = (float(spec["timeoutSeconds"]), self.at(path, spec, "timeoutSeconds"))
        self.add("Cloud Run", seen, time=time)
        for container in containers(spec):
            limits = mapping(mapping(container.get("resources")).get("limits"))
            if limits.get("memory"):
                self.memory.append(MemoryLimit(str(limits["memory"]), self.rel(path),
                                               limits.line("memory"),
                                               str(container.get("name", "")), 0,
                                               "Cloud Run"))

    def at(self, path: Path, mapping: Located, key: str) -> str:
        return f"{self.rel(path)}:{mapping.line(key)}"


def parsed(text: str | None, loader):
    """`loader(text)`, or None for no text or one that does not parse (server.config reports
    the files that do not parse)."""
    try:
        return None if text is None else loader(text)
    except Exception:
        return None


def mapping(value) -> Located:
    """`value` when it is a YAML mapping, else an empty one (so lookups chain)."""
    if isinstance(value, Located):
        return value
    empty = Located()
    empty.lines = {}
    return empty
