"""The e2e checks: one upload run through the project's real upload path, by tier.

- e2e.upload (static, the dry run): the discovered (or configured) endpoints get the
  generated photos, against recording in-memory storages, on a rolled-back test database.
- e2e.storage (write, --e2e): the same run against the real storages, under a prefix whose
  every name is deleted again, plus a storage round trip.
- e2e.fetch (network): the URLs of what e2e.storage stored, fetched while they exist.

The runner's gates decide which tiers run: each tier's check says so in `begin()`, before
any check runs, and with --e2e the dry run steps aside so the upload runs once.
"""
from __future__ import annotations

from upload_diagnostics.diagnostics import Check, Skip
from upload_diagnostics.diagnostics import roundtrip
from upload_diagnostics.diagnostics.facts import E2E_IMAGES, UPLOAD_TIMINGS, WORKER_TIMEOUT

from ..django_settings import wrong_settings
from . import config as configuration
from . import discovery, endpoint, findings, generic, hardset, images, memory, verdicts
from . import tracker as tracking
from .codes import (E001, E002, E003, E004, E005, E006, E007, E008, E009, E010, E050,
                    E051, I001, I002, I050, W001, W002, W003, W050)
from .recording import Recorder
from .session import Session


class Plan:
    """Which tiers of the family run, as the checks' `begin()` found them."""

    write = False
    fetch = False


def plan(ctx) -> Plan:
    return ctx.cached("e2e.plan", Plan)


def test_images(ctx, config: configuration.E2EConfig) -> list[images.TestImage]:
    """A small upload kept in memory by Django and a large one (a temporary file when it
    exceeds FILE_UPLOAD_MAX_MEMORY_SIZE)."""
    limit = int(getattr(ctx.settings, "FILE_UPLOAD_MAX_MEMORY_SIZE", 2621440))
    return [images.small_photo(limit), images.phone_photo(config.image,
                                                          fmt=config.image_format)]


class _Upload(Check):
    tags = ("e2e", "upload", "storage", "fileptr")
    layer = "upload"
    codes = (E001, E002, E003, E004, E005, E006, E007, E008, E009, E050, E051, W001, W002, W003,
             W050, *roundtrip.CODES, I001, I002, I050)
    uses = (WORKER_TIMEOUT.name,)
    provides = (UPLOAD_TIMINGS.name, "e2e.endpoints", E2E_IMAGES.name)
    needs_django = True


class EndToEndUpload(_Upload):
    """Sends generated photos through the project's own upload endpoints, Django's upload
    parsing and Pillow into recording storages, tracking every read of what is uploaded."""

    id = "e2e.upload"
    title = "An image upload goes through the project's real upload path"

    def run(self, ctx):
        if plan(ctx).write:
            raise Skip("with --e2e, e2e.storage runs this upload against the real storages "
                       "instead")
        return upload(ctx, real=False)


class StorageUpload(_Upload):
    """The same upload into the project's real storages, under a dedicated prefix."""

    id = "e2e.storage"
    title = "An image upload goes through the project's real upload path into its storages"
    tier = "write"
    provides = _Upload.provides + ("e2e.fetched",)

    def begin(self, ctx):
        plan(ctx).write = True

    def run(self, ctx):
        return upload(ctx, real=True, fetch=plan(ctx).fetch)


class StoredUrls(Check):
    """GETs the URL of each object e2e.storage stored (while it exists): it must serve an
    image."""

    id = "e2e.fetch"
    title = "Stored images are served from their URLs"
    layer = "upload"
    tags = ("e2e", "storage", "network")
    tier = "network"
    codes = (E010,)
    uses = ("e2e.fetched",)
    needs_django = True

    def begin(self, ctx):
        plan(ctx).fetch = True

    def run(self, ctx):
        fetched = ctx.facts.get("e2e.fetched")
        if fetched is None:
            raise Skip("nothing was stored in a real storage to fetch: e2e.storage writes "
                       "only with --e2e", "--e2e")
        if not fetched:
            raise Skip("no stored object has an http(s) URL to fetch")
        for got in fetched:
            if got["problem"]:
                yield E010(f"The stored object's URL {got['url']} {got['problem']}",
                           "Users load images from this URL: check the storage's url() "
                           "(domain, path, a private bucket or signed URLs) and that the CDN "
                           "serves the stored object.")


def upload(ctx, real: bool, fetch: bool = False):
    """The upload run's findings; a Skip when no endpoint could be requested, or when
    Django's upload settings have a type Django cannot use."""
    wrong = wrong_settings(ctx.settings)
    if wrong:
        raise Skip(f"{', '.join(wrong)} of the wrong type (django.E005): Django fails on "
                   "them before the project's upload code runs",
                   "the settings with the types django.upload_settings names")
    try:
        config, usable = configuration.load(ctx), True
    except configuration.ConfigError as exc:
        config, usable = configuration.fallback(ctx), False
        yield findings.config_finding(exc)
    run = _Run(ctx, config, real)
    yield from run.go(fetch, discover=usable)
    if usable and not run.chosen and not real:  # (the write tier's round trip still ran)
        if not run.others:
            raise Skip("no view in the URLconf accepts an uploaded file (no DRF serializer, "
                       "form or admin with a file field, no view reading request.FILES); "
                       "only the generic path ran", "--endpoint URL")
        raise Skip(f"none of the {len(run.others)} upload endpoint(s) found can be requested "
                   "as it is (" + "; ".join(f"{f['url']}: {f['reason']}" for f in run.facts)
                   + "); only the generic path ran", "--endpoint URL")


class _Run:
    """One upload run: the endpoints, the session, the requests, the findings."""

    def __init__(self, ctx, config: configuration.E2EConfig, real: bool):
        from django.conf import settings

        self.ctx, self.config, self.real = ctx, config, real
        self.tracker = tracking.Tracker(ctx.project_root)
        self.recorder = Recorder(self.tracker, config.stage_timeout)
        self.handler_paths = tracking.handler_paths(settings.FILE_UPLOAD_HANDLERS)
        self.chosen, self.others, self.runs, self.generic_runs = [], [], [], []
        self.facts: list[dict] = []
        self.hard = config.images == "hard"
        self.maker: hardset.Maker | None = None
        memory.prepare()

    def go(self, fetch: bool, discover: bool):
        ctx, config = self.ctx, self.config
        self.maker = hardset.Maker() if self.hard else None  # meanwhile
        if discover:
            ctx.progress("      e2e: finding the upload endpoints")
            self.chosen, self.others = discovery.select(config.urls, config.max_endpoints,
                                                        self.tracker.is_project)
        pictures = self._hard_set if self.hard else self._pair
        session = Session(self.recorder, self.real, ctx)
        ctx.on_cleanup(session.finish)
        early, why_not = [], ""
        try:
            storages = session.start()
            if self.chosen:
                early, why_not = self._requests(session, pictures)
            if self.real or not any(r.exercised for r in self.runs):
                for picture in self._pair():
                    ctx.progress(f"      e2e: generic path, {picture.label}")
                    with session.step() as go:
                        if go:
                            self.generic_runs.append(generic.run(
                                picture, storages["default"], self.tracker,
                                self.handler_paths, config.fetch_timeout if fetch else None))
        finally:
            left = session.finish()
            ctx.done_cleanup(session.finish)
        yield from early
        yield from self._findings(left, session, why_not, fetch)

    def _pair(self) -> list[images.TestImage]:
        return self.ctx.cached("e2e.test_images", lambda: test_images(self.ctx, self.config))

    def _hard_set(self) -> hardset.Maker:
        """Once the URLconf is loaded: the project's modules may change Pillow's
        MAX_IMAGE_PIXELS, which the decompression bomb exceeds. Each image is sent as soon
        as it is made."""
        from PIL import Image

        self.maker.limit(Image.MAX_IMAGE_PIXELS)
        return self.maker

    def _requests(self, session, pictures) -> tuple[list, str]:
        """Send every picture (`pictures()`, once the test database exists) to every chosen
        endpoint; returns the findings that stopped the requests early, and why."""
        ctx = self.ctx
        ctx.progress("      e2e: creating the test database")
        try:
            session.environment.setup()
        except Exception as exc:  # no database, migrations that fail on an empty one
            return [findings.database_finding(exc)], \
                "the test database could not be created (e2e.E009)"
        pictures = pictures()
        for target in self.chosen:
            for picture in pictures:
                ctx.progress(f"      e2e: {target.method} {target.url}, {picture.label}")
                try:
                    with session.step() as go:
                        if not go:
                            return [], "the check was stopped (a timeout or Ctrl-C)"
                        self.runs.append(endpoint.post(target, picture, self.config.request,
                                                       self.tracker, self.recorder,
                                                       self.handler_paths))
                except Exception as exc:  # USER or PREPARE unusable: before the request
                    return [findings.unusable_finding(exc)], \
                        "preparing the request failed (e2e.W002)"
        return [], ""

    def _findings(self, left, session, why_not: str, fetch: bool):
        ctx = self.ctx
        self.facts = findings.endpoints_fact(self.chosen, self.others, self.runs,
                                             self.config.max_endpoints, why_not)
        if self.facts:
            ctx.publish("e2e.endpoints", self.facts)
        if self.real and fetch:
            ctx.publish("e2e.fetched", [got for r in self.generic_runs for got in r.fetched])
        yield from findings.generic_findings(self.generic_runs)
        judged = self._verdicts() if self.hard else []
        yield from findings.endpoint_findings(ctx, self.runs, judged=self.hard)
        yield from findings.not_exercised_findings(self.chosen, self.runs)
        yield from findings.tracker_findings(
            ctx, self.tracker, self.recorder,
            judged={(c.storage, c.name) for _v, r in judged if r for c in r.calls})
        if judged:
            yield from verdicts.findings(ctx, judged, findings.saved_problems(self.tracker))
        yield from left
        if self.facts:
            yield findings.endpoints_finding(self.facts)
        timings = findings.publish_timings(ctx, self.generic_runs, self.runs)
        yield findings.timing_finding(ctx, timings, self.generic_runs, self.runs,
                                      session.prefixed and session.prefix, self.hard)

    def _verdicts(self) -> list[tuple[verdicts.Verdict, object]]:
        """(verdict, its request) for each image of the hard set, published as e2e.images;
        none when no request was sent."""
        if not self.runs:
            return []
        stored = {(s.storage, s.name): s for s in self.recorder.stored}
        judged = [(verdicts.not_made(n), None) for n in self.maker.not_made()] + \
            [(verdicts.judge(run, stored), run) for run in self.runs]
        verdicts.publish(self.ctx, [v for v, _run in judged])
        return judged
