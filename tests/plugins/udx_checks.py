"""Checks that exercise the engine from a project's settings (UPLOAD_DIAGNOSTICS["CHECKS"]).

Tests put this folder on PYTHONPATH and name the classes in a real settings module.
Behaviour comes from the options of the settings entry, so one class serves many tests.
"""
import secrets
import time
from pathlib import Path

from upload_diagnostics.diagnostics import (Check, Code, Finding, Skip, code, kv, log,
                                            roundtrip, table)

# A finding text meant to break out of every format it is rendered in.
PAYLOAD = "</script><script>alert(1)</script> | a `tick` \u2028 next"


def _code(name: str, title: str) -> Code:
    return Code(name, title, detects=f"The engine tests' plugin emits {name}.",
                why="It exercises the engine, not an upload.", bad="udx_checks.Leveled",
                good="udx_checks.Leveled  # as configured", fix="Nothing; it is a test plugin.")


I001 = _code("udx.I001", "A fact was read")
I002 = _code("udx.I002", "A check ran without its fact")
I003 = _code("udx.I003", "A sleeper woke up")
I004 = _code("udx.I004", "The network tier ran")
I005 = _code("udx.I005", "The write tier ran")
I006 = _code("udx.I006", "A fact was looked up")
I007 = _code("udx.I007", "Something was looked at")
W001 = _code("udx.W001", "A test warning")
W002 = _code("udx.W002", "Another test warning")
W003 = _code("udx.W003", "A third test warning")
E001 = _code("udx.E001", "A test error")
E002 = _code("udx.E002", "Another test error")
C001 = _code("udx.C001", "A test critical finding")
PILLOW_I900 = _code("pillow.I900", "The project's own Pillow check ran")


def _touch(path, text):
    if path:
        Path(path).write_text(text, encoding="utf-8")


class Provider(Check):
    id = "udx.provider"
    title = "Publishes a fact"
    tags = ("udx",)
    provides = ("udx.answer",)

    def run(self, ctx):
        ctx.publish("udx.answer", 42)
        return []


class Consumer(Check):
    """Registered before Provider in the tests: must still run after it."""

    id = "udx.consumer"
    title = "Needs a fact"
    tags = ("udx",)
    requires = ("udx.answer",)
    codes = (I001,)

    def run(self, ctx):
        yield I001(f"the answer is {ctx.facts['udx.answer']}")


class Reader(Check):
    """Only `uses` the fact: ordered after Provider, runs whether or not it exists."""

    id = "udx.reader"
    title = "Reads a fact if there is one"
    tags = ("udx",)
    uses = ("udx.answer",)
    codes = (I006,)

    def run(self, ctx):
        yield I006(f"the fact is {ctx.facts.get('udx.answer')}")


class NotApplicable(Check):
    """Finds what it can, then says it cannot check the rest here."""

    id = "udx.not_applicable"
    title = "Stops when there is nothing to check"
    tags = ("udx",)
    codes = (I007,)

    def run(self, ctx):
        yield I007("looked for the thing")
        raise Skip("the project has no thing to check", "pip install thing")


class Orphan(Check):
    id = "udx.orphan"
    title = "Needs a fact nobody publishes"
    tags = ("udx",)
    requires = ("udx.nobody",)
    codes = (I002,)

    def run(self, ctx):
        yield I002("ran without its fact")


class Sleeper(Check):
    """Sleeps `seconds`; registers an undo step that writes `undo` and writes `started`
    once running, so a test knows when to interrupt it."""

    id = "udx.sleeper"
    title = "Hangs"
    tags = ("udx", "slow")
    codes = (I003,)

    def run(self, ctx):
        undo = self.options.get("undo")
        ctx.on_cleanup(lambda: _touch(undo, "undone"))
        _touch(self.options.get("started"), "started")
        time.sleep(self.options.get("seconds", 3600))
        return [I003("woke up")]


class Writer(Check):
    """Writes `names` as files under the folder `store` through the engine's round trip,
    then sleeps; with `undeletable`, deleting them fails (a read-only storage)."""

    id = "udx.writer"
    title = "Writes through a round trip, then hangs"
    tags = ("udx", "slow")
    codes = (I003, *roundtrip.CODES)

    def run(self, ctx):
        store = Path(self.options["store"])

        def delete(name):
            if self.options.get("undeletable"):
                raise PermissionError(f"read-only: {name}")
            (store / name).unlink(missing_ok=True)
        trip = roundtrip.RoundTrip("folder 'store'", "run1/", delete,
                                   lambda name: (store / name).exists(),
                                   lambda: [f"run1/{p.name}" for p in (store / "run1").iterdir()],
                                   ctx=ctx)
        for name in self.options["names"]:
            with trip.writing(name):
                (store / name).parent.mkdir(parents=True, exist_ok=True)
                (store / name).write_text("x")
        _touch(self.options.get("started"), "started")
        time.sleep(self.options.get("seconds", 3600))
        yield from trip.finish()
        yield I003("woke up")


class QuickTimeout(Sleeper):
    """Its own timeout (1 s) wins over the run's default."""

    id = "udx.quick_timeout"
    title = "Hangs, with its own 1 s limit"
    timeout = 1


class PatientSleeper(Sleeper):
    """Sleeps with a limit of its own (30 s) above the run's default."""

    id = "udx.patient_sleeper"
    title = "Sleeps, with its own 30 s limit"
    timeout = 30


class Crasher(Check):
    id = "udx.crasher"
    title = "Crashes"
    tags = ("udx",)

    def run(self, ctx):
        token = getattr(ctx.settings, "UPLOAD_API_TOKEN", "tok")
        message = f"upload refused for token {token}"
        reveal = self.options.get("reveal")
        if reveal:  # a bearer token found nowhere in settings: only its shape gives it away
            fresh = secrets.token_urlsafe(24)
            _touch(reveal, fresh)
            message += f"; sent Authorization: Bearer {fresh}"
        raise RuntimeError(message)


class Leveled(Check):
    """Emits one finding of each code named in options["findings"]."""

    id = "udx.leveled"
    title = "Emits the findings it is given"
    tags = ("udx", "levels")
    codes = (W001, W002, W003, E001, E002, C001, I001)

    def run(self, ctx):
        by_name = {c.code: c for c in self.codes}
        for name in self.options.get("findings", ()):
            made = by_name[name]
            yield made(f"{made.level.label} finding {name}", "a hint")


class Rogue(Check):
    """Yields options["finding"], a (code, level) Finding made by hand: a plugin bug when
    the check does not declare the code, or declares it at another level."""

    id = "udx.rogue"
    title = "Reports a code it does not declare"
    tags = ("udx",)
    codes = (E001,)

    def run(self, ctx):
        code_, level = self.options["finding"]
        yield Finding(code_, level, f"{level} finding {code_}")


class Network(Check):
    id = "udx.network"
    title = "A network-tier check"
    tags = ("udx",)
    tier = "network"
    codes = (I004,)

    def run(self, ctx):
        yield I004("network tier ran")


class Write(Check):
    id = "udx.write"
    title = "A write-tier check"
    tags = ("udx",)
    tier = "write"
    codes = (I005,)

    def run(self, ctx):
        yield I005("write tier ran")


class Leaky(Check):
    """Puts every secret it can find in settings into each part of a finding."""

    id = "udx.leaky"
    title = "Leaks planted secrets into its findings"
    tags = ("udx",)
    provides = ("udx.leak",)
    codes = (E001,)

    def run(self, ctx):
        s = ctx.settings
        values = [s.IMAGEKIT["PRIVATE_KEY"], s.DATABASE_URL, s.AWS_SECRET_ACCESS_KEY,
                  s.UPLOAD_API_TOKEN]
        joined = " ".join(values)
        ctx.publish("udx.leak", {"values": values, "config": s.IMAGEKIT})
        ctx.progress(f"udx.leaky is looking at {joined}")
        yield E001(
            f"leaking {joined}", f"hint {joined}",
            [kv("Settings", {"key": values[0], "url": values[1], "aws": values[2],
                             "api_token": values[3], "note": joined}),
             table("Table", ["value"], [[v] for v in values]),
             code("settings.py", 1, [f"X = {v!r}" for v in values], 2),
             log("Log", [f"sent {v}" for v in values])],
            path="settings.py", line=1)


class Hostile(Check):
    """Puts PAYLOAD into message, hint and every evidence type."""

    id = "udx.hostile"
    title = f"Escaping {PAYLOAD}"
    tags = ("udx",)
    codes = (W001,)

    def run(self, ctx):
        yield W001(
            f"message {PAYLOAD}", f"hint {PAYLOAD}",
            [kv(f"kv {PAYLOAD}", {f"key {PAYLOAD}": f"value {PAYLOAD}"}),
             table(f"table {PAYLOAD}", ["one | col", "two `col`", "three"],
                   [[PAYLOAD, "b|c", "`x`"], ["a", PAYLOAD, "\u2028"]]),
             code("hostile.py", 1, [f"x = '{PAYLOAD}'", "```", "y = 1"], 1),
             log(f"log {PAYLOAD}", [PAYLOAD, "``` fence"])])


class Repeater(Check):
    """Gives one table to three findings and two overlapping excerpts of one file (and
    one of them again) to one, as related findings of a real check do."""

    id = "udx.repeater"
    title = "Repeats its evidence"
    tags = ("udx",)
    layer = "storage"
    codes = (I001, W001, E001)

    def run(self, ctx):
        shared = table("Locations", ["path", "limit"], [["/upload/", "1m"], ["/api/", "2m"]])
        lines = [f"line {n}" for n in range(1, 30)]
        read = code("app/views.py", 10, lines[9:16], 13, "the read")
        save = code("app/views.py", 12, lines[11:18], 15, "the save")
        yield I001("the locations", evidence=[shared])
        yield W001("a warning about /api/", evidence=[shared, read, save, read])
        yield E001("an error about /upload/", evidence=[shared])


class BadLayer(Check):
    id = "udx.bad_layer"
    title = "Declares a layer that does not exist"
    layer = "network"

    def run(self, ctx):
        return []


class NotACheck:
    id = "udx.not_a_check"


class BadInit(Check):
    id = "udx.bad_init"
    title = "Constructor fails"

    def __init__(self, **options):
        raise TypeError("BadInit does not take options")

    def run(self, ctx):
        return []


class Junk(Check):
    """Yields something that is not a Finding."""

    id = "udx.junk"
    title = "Yields a string"

    def run(self, ctx):
        yield "all good"


class Unprintable:
    def __str__(self):
        raise ValueError("no text for you")


class OddFact(Check):
    """Publishes a fact, and evidence, that cannot be turned into text."""

    id = "udx.odd_fact"
    title = "Publishes an unprintable fact"
    provides = ("udx.odd",)
    codes = (I007,)

    def run(self, ctx):
        ctx.publish("udx.odd", {"value": Unprintable()})
        yield I007("odd", evidence=[kv("Odd", {"x": Unprintable()})])


class PillowOverride(Check):
    """Takes the id of a built-in check: the project's version replaces it."""

    id = "pillow.codecs"
    title = "The project's own Pillow check"
    codes = (PILLOW_I900,)

    def run(self, ctx):
        yield PILLOW_I900("the project's pillow.codecs ran")


class Starter(Check):
    """Records when its begin() ran, relative to the other checks' run()."""

    id = "udx.starter"
    title = "Starts work before the run"
    tags = ("udx",)
    tier = "static"
    codes = (I001,)

    def begin(self, ctx):
        if self.options.get("fail"):
            raise RuntimeError("could not start the background work")
        ctx.cached("udx.events", list).append(f"begin {self.id}")

    def run(self, ctx):
        ctx.cached("udx.events", list).append(f"run {self.id}")
        yield I001(" / ".join(ctx.cached("udx.events", list)))


class OfflineStarter(Starter):
    id = "udx.offline_starter"
    tier = "network"


class EventProvider(Provider):
    def run(self, ctx):
        ctx.cached("udx.events", list).append(f"run {self.id}")
        return super().run(ctx)
