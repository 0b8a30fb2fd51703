"""The Check API: one small class per check."""
from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING, ClassVar, Iterable

from .codes import Code
from .model import LAYERS, Finding

if TYPE_CHECKING:
    from .context import Context

TIERS = ("static", "network", "write")


class Skip(Exception):
    """Raised by `run(ctx)` when the check cannot check here (not applicable, nothing to
    look at, a missing extra): the result is `skipped` with this reason, never `pass`.
    `enable_with` says what it needs to run, as the report shows it after "Needs:": a
    flag ("--e2e"), a setting, a `pip install`, "a run without --offline"."""

    def __init__(self, reason: str, enable_with: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.enable_with = enable_with


def require(extra: str, why: str, **modules: str) -> None:
    """Skip the running check unless every module can be imported. `modules` maps import
    names to the distributions that provide them; the reason names the missing ones and
    `enable_with` the pip install of this tool's `extra` that brings them."""
    missing = [dist for name, dist in modules.items() if importlib.util.find_spec(name) is None]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        raise Skip(f"{' and '.join(missing)} {verb} not installed ({why})",
                   f'pip install "django-upload-diagnostics[{extra}]"')


class Check:
    """Subclass, set the class attributes, implement `run(ctx)` yielding Findings.

    `layer` is the part of the upload path it looks at, one of model.LAYERS (server,
    code, storage, platform, upload); the report's summary gives each layer's status.
    `codes` lists the Code objects its findings may carry.
    `requires` names facts the check cannot run without: it is ordered after the checks
    that `provides` them and skipped when none published them. `uses` only orders: the
    check runs either way and reads `ctx.facts.get(name)`. Facts one family publishes for
    another are typed in diagnostics.facts: `FACT.publish(ctx, value)`, `FACT.read(ctx)`.
    """

    id: ClassVar[str] = ""
    title: ClassVar[str] = ""
    tags: ClassVar[tuple[str, ...]] = ()
    tier: ClassVar[str] = "static"
    layer: ClassVar[str] = "other"
    codes: ClassVar[tuple[Code, ...]] = ()
    requires: ClassVar[tuple[str, ...]] = ()
    uses: ClassVar[tuple[str, ...]] = ()
    provides: ClassVar[tuple[str, ...]] = ()
    needs_django: ClassVar[bool] = False
    timeout: ClassVar[float | None] = None  # seconds; None takes the run's default

    def __init__(self, **options):
        # Keyword arguments from UPLOAD_DIAGNOSTICS["CHECKS"] entries.
        self.options = options

    def begin(self, ctx: "Context") -> None:
        """Optional: start slow background work (a subprocess) before the first check
        runs, so it overlaps the others; collect it in run(). Called once for each
        selected check that is not gated off. An exception here is this check's error."""

    def run(self, ctx: "Context") -> Iterable[Finding]:
        raise NotImplementedError


def validate_check_class(obj) -> str | None:
    """Why `obj` is not a usable Check class, or None when it is."""
    if not isinstance(obj, type) or not issubclass(obj, Check):
        return f"{obj!r} is not a subclass of diagnostics.Check"
    if not obj.id or "." not in obj.id:
        return f"{obj.__name__}.id must be a dotted id like 'family.name', got {obj.id!r}"
    if obj.tier not in TIERS:
        return f"{obj.__name__}.tier must be one of {', '.join(TIERS)}, got {obj.tier!r}"
    if obj.layer not in LAYERS:
        return f"{obj.__name__}.layer must be one of {', '.join(LAYERS)}, got {obj.layer!r}"
    if obj.run is Check.run:
        return f"{obj.__name__} does not implement run(ctx)"
    return None
