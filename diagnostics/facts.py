"""The facts one family publishes and another reads, typed and documented in one place.

A check that publishes one lists its name in `provides` and calls `FACT.publish(ctx,
value)` with a value of the fact's type; a check that reads one lists it in `uses` (or
`requires`) and calls `FACT.read(ctx)`, which is None when no check published it. In the
JSON report a fact appears under its check's `facts`, as an object with these fields.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from .context import Context

T = TypeVar("T")


@dataclass(frozen=True)
class WorkerTimeout:
    """What bounds a request in the server that runs the app."""

    server: str  # gunicorn, uwsgi, uvicorn, daphne, hypercorn, waitress-serve
    timeout_s: float | None  # None: the server never ends a request itself
    worker_class: str  # as it runs: sync with threads > 1 is gthread
    threads: int
    workers: int
    source: str  # where the timeout comes from, e.g. "default (Procfile:1)"
    buffered: bool = False  # nginx in front reads every request body before passing it on


@dataclass(frozen=True)
class Stage:
    """One stage of a measured upload."""

    name: str  # "parse multipart", "POST /api/photos/", "storage save photos/x.jpg", ...
    seconds: float
    bytes_in: int
    bytes_out: int


@dataclass(frozen=True)
class UploadTimings:
    """How long one realistic upload took, stage by stage."""

    total_s: float
    stages: tuple[Stage, ...]
    request_bytes: int
    path: str  # "endpoint": the project's own view; "generic": Django's parsing and storage
    image: str  # the test image, e.g. "diagnostic-phone.jpg 4032x3024 JPEG"


@dataclass(frozen=True)
class SdkTimeout:
    """The HTTP timeout of the storage SDK the project uploads through."""

    sdk: str  # e.g. "imagekitio 4.2.0"
    timeout_s: float | None  # None: the SDK waits for ever


@dataclass(frozen=True)
class Layer:
    """One layer an upload passes through, with the limits it puts on a request."""

    layer: str  # "ingress-nginx", "gunicorn", "Django DATA_UPLOAD_MAX_MEMORY_SIZE", ...
    max_body_bytes: int | None  # the largest body it lets through; None: it sets none
    timeout_s: float | None  # when it ends a request; None: it does not
    source: str  # "path:line" of the value, or a documented default's reference
    note: str = ""  # what the values mean here (idle timeout, pixels, memory, ...)
    seen: str = ""  # where the layer itself was found, when not where its value is


@dataclass(frozen=True)
class LimitLadder:
    """The limits an upload passes through, outermost first, and the ones that bind."""

    layers: tuple[Layer, ...]
    binding_body: str | None  # the layer with the smallest body limit
    binding_time: str | None  # the layer with the shortest time limit


@dataclass(frozen=True)
class Fact(Generic[T]):
    name: str
    type: type[T]
    doc: str  # who publishes it and who reads it

    def publish(self, ctx: "Context", value: T) -> None:
        if not isinstance(value, self.type):
            raise TypeError(f"{self.name} takes a {self.type.__name__}, not "
                            f"{type(value).__name__}")
        ctx.publish(self.name, value)

    def read(self, ctx: "Context") -> T | None:
        value = ctx.facts.get(self.name)
        if value is not None and not isinstance(value, self.type):
            raise TypeError(f"{self.name} holds a {type(value).__name__}, not a "
                            f"{self.type.__name__}: publish it with facts.{self.type.__name__}")
        return value


WORKER_TIMEOUT = Fact("server.worker_timeout", WorkerTimeout,
                      "server.config publishes it; server.nginx, server.budget, e2e.upload "
                      "and the report's environment read it")
UPLOAD_TIMINGS = Fact("upload.timings", UploadTimings,
                      "e2e.upload publishes it (the large image: through the project's "
                      "endpoint when it answered, else the generic path); server.budget "
                      "reads it")
SDK_TIMEOUT = Fact("storage.sdk_timeout", SdkTimeout,
                   "imagekit.sdk publishes it; server.budget reads it")
LIMITS = Fact("server.limits", LimitLadder,
              "server.limits publishes it: the ladder of size and time limits")
E2E_IMAGES = Fact("e2e.images", list,
                  "e2e.upload publishes it with --images hard: one dict per image of the "
                  "hard set and endpoint, {name, kind, endpoint, status_code, verdict, "
                  "peak_memory_bytes, message, stored, at}; server.limits reads the peak "
                  "memory")
FRONT = Fact("server.front", list,
             "server.front publishes it: one dict per address of the site it asked, {url, "
             "status, layers: [{layer, header}], problem}; server.limits adds the layers "
             "the answers name")
