"""server.limits: the limit ladder. Every layer an upload passes through, outermost first,
with its size and time limit and their sources; the binding ones; the sizes the project
accepts that a layer in front cuts; the measured upload against the binding time; and the
memory of concurrent uploads against the container's limit."""
from __future__ import annotations

import re

from upload_diagnostics.diagnostics import Check, Skip, kv, table
from upload_diagnostics.diagnostics.facts import (E2E_IMAGES, FRONT, LIMITS, UPLOAD_TIMINGS,
                                                  WORKER_TIMEOUT, Layer, LimitLadder)

from . import nginx
from .budget import GREEN, WARN_RATIO, WHOLE_REQUEST, rule_for
from ..settings_source import setting_line
from .codes import E040, E041, E042, I040, W040, W041
from .config import discovery, nginx_configs, require_parsers
from .discovery import SERVERS, MemoryLimit
from .platforms import platform_layers, with_front
from .source_limits import HEIGHT, SIZE, WIDTH, source_limits, whole

MiB = 1024 * 1024
DJANGO_DOCS = "docs.djangoproject.com/en/stable/ref/settings/"
VALIDATOR = "the project's validator"
MEMORY = "Memory"
HOW_TO_MEASURE = ("Run with --images hard: the hard-image set records each image's peak "
                  "memory, and this row compares it with the limit.")


class Ladder(Check):
    """Builds the ladder from what the server family already read (launches, gunicorn's
    settings, nginx, the site's response headers) plus platform files, Django's settings
    and the project's source."""

    id = "server.limits"
    title = "The limits an upload passes through, and which one binds"
    layer = "server"
    tags = ("server", "limits", "timeout")
    codes = (I040, E040, W040, E042, W041, E041)
    uses = (WORKER_TIMEOUT.name, UPLOAD_TIMINGS.name, E2E_IMAGES.name, FRONT.name)
    provides = (LIMITS.name,)

    def run(self, ctx):
        require_parsers()
        found = discovery(ctx)
        platforms, platform_memory = platform_layers(ctx.project_root, ctx.files, found)
        platforms = with_front(platforms, FRONT.read(ctx))
        code = source_limits(ctx)
        worker = WORKER_TIMEOUT.read(ctx)
        layers = [*platforms, *nginx_layers(ctx), *server_layers(worker),
                  *django_layers(ctx, code), *validator_layers(code)]
        if not layers:
            raise Skip("no layer an upload passes through was found: no platform file, "
                       "proxy configuration, start command, Django settings or size check "
                       "in the project's code",
                       "--settings for the Django project, or --project-dir pointing at it")
        memory = memory_row(found.memory + platform_memory, found, worker, E2E_IMAGES.read(ctx))
        layers += [*pillow_layers(code), *([memory[0]] if memory else [])]
        ladder = LimitLadder(tuple(layers), binding(layers, "max_body_bytes"),
                             binding(layers, "timeout_s"))
        LIMITS.publish(ctx, ladder)
        evidence = [ladder_table(ladder)]
        yield I040(summary(ladder), "", evidence)
        yield from unreachable(layers, evidence)
        yield from self.timing(ladder, UPLOAD_TIMINGS.read(ctx), evidence)
        if memory:
            yield from memory[1]

    def timing(self, ladder: LimitLadder, timings, evidence):
        """The measured upload against the binding time limit of a layer in front of the
        app server (against the worker timeout it is server.budget's)."""
        front = [x for x in ladder.layers if x.timeout_s and not x.layer.startswith(SERVERS)]
        if timings is None or not front:
            return
        limit = min(front, key=lambda x: x.timeout_s)
        ratio = timings.total_s / limit.timeout_s
        share = (f"{timings.total_s:.2f} s of the {limit.timeout_s:g} s that {limit.layer} "
                 f"allows ({ratio:.0%}; {limit.source})")
        if ratio >= 1:
            yield E042(f"The upload takes {share}: {limit.layer} ends it first", None,
                       evidence)
        elif ratio >= WARN_RATIO:
            yield W040(f"The upload takes {share}: a larger image or a slower client "
                       "crosses it", None, evidence)


def binding(layers: list[Layer], key: str) -> str | None:
    """The layer with the smallest limit (the outermost of equals: it cuts first)."""
    limited = [x for x in layers if getattr(x, key)]
    return min(limited, key=lambda x: getattr(x, key)).layer if limited else None


def nginx_layers(ctx) -> list[Layer]:
    """nginx's limits where it proxies to the app: of the proxied locations, the smallest
    client_max_body_size and the shortest proxy_read_timeout, each with its origin."""
    locations = [loc for p in nginx_configs(ctx) for loc in p.locations]
    if not locations:
        return []
    out = []
    for name, unit, key in (("client_max_body_size", nginx.size_bytes, "max_body_bytes"),
                            ("proxy_read_timeout", nginx.seconds, "timeout_s")):
        def value(loc):
            got = unit(loc.get(name))
            return got if got is not None else float("inf")
        loc = min(locations, key=value)
        got = unit(loc.get(name))
        origin = loc.origin(name)
        if origin != "nginx default":
            file, _, line = origin.rpartition(":")
            origin = f"{ctx.relpath(file)}:{line}"
        else:
            origin = f"nginx default {nginx.DEFAULTS[name]} (nginx.org/en/docs/http/" \
                     f"ngx_http_{'core' if 'body' in name else 'proxy'}_module.html)"
        note = f"location {loc.path}" if key == "max_body_bytes" else (
            f"location {loc.path}; client_body_timeout {loc.get('client_body_timeout')} "
            f"between two reads of the body; request buffering "
            f"{'on' if loc.buffered else 'off'}")
        out.append(Layer(f"nginx {name}", got if key == "max_body_bytes" else None,
                         got if key == "timeout_s" else None, origin, note))
    return out


def server_layers(worker) -> list[Layer]:
    """The app server's worker timeout, when its worker class makes it end requests."""
    if worker is None:
        return []
    ends = worker.worker_class in WHOLE_REQUEST + GREEN
    return [Layer(f"{worker.server} timeout", None, worker.timeout_s if ends else None,
                  worker.source, rule_for(worker.worker_class))]


def django_layers(ctx, code) -> list[Layer]:
    """Django's upload settings as Django resolved them; DATA_UPLOAD_MAX_MEMORY_SIZE caps
    the whole body only where the project reads it to decode a base64 image."""
    if ctx.settings is None:
        return []
    s = ctx.settings
    bodies = [x for x in code if x.kind == "base64 body"]

    def source(name: str) -> str:
        return setting_line(ctx, name) or f"Django default {name} ({DJANGO_DOCS}" \
            f"#{name.lower().replace('_', '-')})"

    data, memory, files = (whole(getattr(s, name, None)) for name in (
        "DATA_UPLOAD_MAX_MEMORY_SIZE", "FILE_UPLOAD_MAX_MEMORY_SIZE",
        "DATA_UPLOAD_MAX_NUMBER_FILES"))
    rows = [Layer("Django DATA_UPLOAD_MAX_MEMORY_SIZE", data if bodies else None, None,
                  source("DATA_UPLOAD_MAX_MEMORY_SIZE"),
                  f"caps the request body read at {bodies[0].where} to decode a base64 image "
                  f"(RequestDataTooBig, a 400)" if bodies and data else
                  f"{shown_bytes(data)}: counts only the non-file fields of a multipart body"
                  if data else "None: no cap")]
    rows.append(Layer("Django FILE_UPLOAD_MAX_MEMORY_SIZE", None, None,
                      source("FILE_UPLOAD_MAX_MEMORY_SIZE"),
                      f"{shown_bytes(memory)}: larger uploads go to a temporary file, smaller "
                      "ones stay in memory; not a limit" if memory is not None else "not set"))
    rows.append(Layer("Django DATA_UPLOAD_MAX_NUMBER_FILES", None, None,
                      source("DATA_UPLOAD_MAX_NUMBER_FILES"),
                      f"at most {files} files per request (TooManyFilesSent, a 400)"
                      if files is not None else "None: any number of files"))
    if "rest_framework" in (getattr(s, "INSTALLED_APPS", None) or ()):
        rows.append(Layer("DRF parsers", None, None, "rest_framework (its parsers)",
                          "MultiPartParser and FileUploadParser apply Django's upload "
                          "handlers and limits; JSONParser reads the body as a stream, so "
                          "DATA_UPLOAD_MAX_MEMORY_SIZE does not cap a JSON body there"))
    return rows


def validator_layers(code) -> list[Layer]:
    """The largest size and dimensions the project's own code accepts."""
    rows = []
    for limit in code:
        if limit.kind == SIZE:
            rows.append(Layer(f"{VALIDATOR} ({limit.where})", limit.value, None, limit.where,
                              f"accepts files up to {shown_bytes(limit.value)}"))
        elif limit.kind in (WIDTH, HEIGHT):
            rows.append(Layer(f"{VALIDATOR} ({limit.where})", None, None, limit.where,
                              f"accepts images up to {limit.value:,} px of {limit.kind}"))
    return rows


def pillow_layers(code) -> list[Layer]:
    from PIL import Image

    assigned = [x for x in code if x.kind == "MAX_IMAGE_PIXELS"]
    value = assigned[-1].value if assigned else Image.MAX_IMAGE_PIXELS
    source = assigned[-1].where if assigned else \
        "Pillow default (pillow.readthedocs.io/en/stable/reference/Image.html)"
    note = (f"{value:,} pixels: Pillow warns above it and refuses images above twice it "
            "(DecompressionBombError)") if value else "None: no pixel limit (decompression " \
        "bombs are decoded whole)"
    return [Layer("Pillow MAX_IMAGE_PIXELS", None, None, source, note)]


def memory_row(limits: list[MemoryLimit], found, worker, images):
    """(the Memory row, its findings) for the container that runs the app, or None."""
    if not limits:
        return None
    primary = found.primary()
    chosen = next((m for m in limits if primary and m.path == primary.path
                   and m.command_line == primary.line), limits[0])
    try:
        limit = quantity(chosen.value, kubernetes=chosen.source != "docker-compose")
    except ValueError:
        return None
    where = f"{chosen.path}:{chosen.line}"
    concurrent = worker.workers * worker.threads if worker else None
    peaks = [(x.get("peak_memory_bytes"), x.get("name")) for x in images or ()
             if isinstance(x, dict) and isinstance(x.get("peak_memory_bytes"), int)]
    peak, image = max(peaks, key=lambda p: p[0]) if peaks else (None, None)
    parts = [f"limit {shown_bytes(limit)} for {chosen.container or 'the container'}"]
    if worker:
        parts.append(f"{worker.workers} workers x {worker.threads} threads")
    parts.append(f"peak {shown_bytes(peak)} per image ({image})" if peak else
                 "peak memory per image not measured: " + HOW_TO_MEASURE)
    row = Layer(MEMORY, None, None, where, "; ".join(parts))
    findings = []
    facts = [kv("Memory", {"container": chosen.container, "limit": shown_bytes(limit),
                           "from": where, "workers x threads": f"{worker.workers} x "
                           f"{worker.threads}" if worker else "unknown",
                           "peak per image": f"{shown_bytes(peak)} ({image})" if peak
                           else "not measured"})]
    if peak and peak > limit:
        findings.append(E041(f"{image} peaks at {shown_bytes(peak)}, above the "
                             f"{shown_bytes(limit)} memory limit ({where})", None, facts,
                             path=chosen.path, line=chosen.line))
    elif peak and concurrent and peak * concurrent > limit:
        findings.append(W041(
            f"{concurrent} concurrent uploads of {image} need {shown_bytes(peak * concurrent)}"
            f", above the {shown_bytes(limit)} memory limit ({where})", None, facts,
            path=chosen.path, line=chosen.line))
    return row, findings


def unreachable(layers: list[Layer], evidence):
    """E040 for each size the project's code accepts that a layer in front cuts."""
    front = [x for x in layers if x.max_body_bytes and not x.layer.startswith(VALIDATOR)]
    for row in layers:
        if not (row.layer.startswith(VALIDATOR) and row.max_body_bytes) or not front:
            continue
        cut = min(front, key=lambda x: x.max_body_bytes)
        if cut.max_body_bytes >= row.max_body_bytes:
            continue
        path, _, line = row.source.rpartition(":")
        yield E040(
            f"The project accepts files up to {shown_bytes(row.max_body_bytes)} "
            f"({row.source}), but {cut.layer} cuts requests above "
            f"{shown_bytes(cut.max_body_bytes)} first ({cut.source})",
            f"Uploads between the two sizes never reach the project's check: raise "
            f"{cut.layer} above {shown_bytes(row.max_body_bytes)} (plus the multipart "
            "overhead), or lower the project's limit to what it lets through.",
            evidence, path=path, line=int(line))


def summary(ladder: LimitLadder) -> str:
    by_name = {x.layer: x for x in ladder.layers}
    body = by_name.get(ladder.binding_body)
    time = by_name.get(ladder.binding_time)
    size = f"binding size: {body.layer}, {shown_bytes(body.max_body_bytes)} ({body.source})" \
        if body else "no layer limits the size"
    secs = f"binding time: {time.layer}, {time.timeout_s:g} s ({time.source})" \
        if time else "no layer limits the time"
    return f"{len(ladder.layers)} layers; {size}; {secs}"


def ladder_table(ladder: LimitLadder) -> dict:
    rows = [[("> " if x.layer in (ladder.binding_body, ladder.binding_time) else "") + x.layer,
             shown_bytes(x.max_body_bytes) if x.max_body_bytes else "-",
             f"{x.timeout_s:g} s" if x.timeout_s else "-", x.source,
             "; ".join(filter(None, [x.note, f"found at {x.seen}" if x.seen else ""]))]
            for x in ladder.layers]
    return table("The limit ladder, outermost first (> binds)",
                 ["layer", "size limit", "time limit", "source", "note"], rows)


def shown_bytes(value: int | None) -> str:
    """1 MiB, 100 MB, 2.5 MiB (2,621,440 bytes), 900 bytes."""
    if value is None:
        return "none"
    if value >= MiB and value % MiB == 0:
        return f"{value // MiB:,} MiB"
    if value >= 10 ** 6 and value % 10 ** 6 == 0:
        return f"{value // 10 ** 6:,} MB"
    if value >= MiB:
        return f"{value / MiB:.1f} MiB ({value:,} bytes)"
    return f"{value:,} bytes"


def quantity(text: str, kubernetes: bool) -> int:
    """A memory limit as compose ("512m", "1g", bytes: binary units) or Kubernetes
    ("512Mi" binary, "512M" decimal, "1e9") writes it, in bytes; raises ValueError."""
    m = re.fullmatch(r"\s*([\d.]+(?:e\d+)?)\s*([kmgt]?)(i?)b?\s*", str(text), re.I)
    if not m:
        raise ValueError(f"{text!r} is not a memory size")
    number, unit, binary = float(m.group(1)), m.group(2).lower(), m.group(3)
    decimal = kubernetes and unit and not binary
    return int(number * (1000 if decimal else 1024) ** " kmgt".index(unit or " "))
