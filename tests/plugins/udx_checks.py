"""Checks that exercise the engine from a project's settings (UPLOAD_DIAGNOSTICS["CHECKS"]).

Tests put this folder on PYTHONPATH and name the classes in a real settings module.
Behaviour comes from the options of the settings entry, so one class serves many tests.
"""
import secrets
import time
from pathlib import Path

from upload_diagnostics.diagnostics import Check, Finding, Skip, code, kv, log, table

# A finding text meant to break out of every format it is rendered in.
PAYLOAD = "</script><script>alert(1)</script> | a `tick` \u2028 next"


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

    def run(self, ctx):
        yield Finding("udx.I001", "info", f"the answer is {ctx.facts['udx.answer']}")


class Reader(Check):
    """Only `uses` the fact: ordered after Provider, runs whether or not it exists."""

    id = "udx.reader"
    title = "Reads a fact if there is one"
    tags = ("udx",)
    uses = ("udx.answer",)

    def run(self, ctx):
        yield Finding("udx.I006", "info", f"the fact is {ctx.facts.get('udx.answer')}")


class NotApplicable(Check):
    """Finds what it can, then says it cannot check the rest here."""

    id = "udx.not_applicable"
    title = "Stops when there is nothing to check"
    tags = ("udx",)

    def run(self, ctx):
        yield Finding("udx.I007", "info", "looked for the thing")
        raise Skip("the project has no thing to check", "pip install thing")


class Orphan(Check):
    id = "udx.orphan"
    title = "Needs a fact nobody publishes"
    tags = ("udx",)
    requires = ("udx.nobody",)

    def run(self, ctx):
        yield Finding("udx.I002", "info", "ran without its fact")


class Sleeper(Check):
    """Sleeps `seconds`; registers an undo step that writes `undo` and writes `started`
    once running, so a test knows when to interrupt it."""

    id = "udx.sleeper"
    title = "Hangs"
    tags = ("udx", "slow")

    def run(self, ctx):
        undo = self.options.get("undo")
        ctx.on_cleanup(lambda: _touch(undo, "undone"))
        _touch(self.options.get("started"), "started")
        time.sleep(self.options.get("seconds", 3600))
        return [Finding("udx.I003", "info", "woke up")]


class QuickTimeout(Sleeper):
    """Its own timeout (1 s) wins over the run's default."""

    id = "udx.quick_timeout"
    title = "Hangs, with its own 1 s limit"
    timeout = 1


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
    """Emits one finding per entry of options["findings"]: (code, level)."""

    id = "udx.leveled"
    title = "Emits the findings it is given"
    tags = ("udx", "levels")

    def run(self, ctx):
        for code_, level in self.options.get("findings", ()):
            yield Finding(code_, level, f"{level} finding {code_}", "a hint")


class Network(Check):
    id = "udx.network"
    title = "A network-tier check"
    tags = ("udx",)
    tier = "network"

    def run(self, ctx):
        yield Finding("udx.I004", "info", "network tier ran")


class Write(Check):
    id = "udx.write"
    title = "A write-tier check"
    tags = ("udx",)
    tier = "write"

    def run(self, ctx):
        yield Finding("udx.I005", "info", "write tier ran")


class Leaky(Check):
    """Puts every secret it can find in settings into each part of a finding."""

    id = "udx.leaky"
    title = "Leaks planted secrets into its findings"
    tags = ("udx",)
    provides = ("udx.leak",)

    def run(self, ctx):
        s = ctx.settings
        values = [s.IMAGEKIT["PRIVATE_KEY"], s.DATABASE_URL, s.AWS_SECRET_ACCESS_KEY,
                  s.UPLOAD_API_TOKEN]
        joined = " ".join(values)
        ctx.publish("udx.leak", {"values": values, "config": s.IMAGEKIT})
        ctx.progress(f"udx.leaky is looking at {joined}")
        yield Finding(
            "udx.E001", "error", f"leaking {joined}", f"hint {joined}",
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

    def run(self, ctx):
        yield Finding(
            "udx.W001", "warning", f"message {PAYLOAD}", f"hint {PAYLOAD}",
            [kv(f"kv {PAYLOAD}", {f"key {PAYLOAD}": f"value {PAYLOAD}"}),
             table(f"table {PAYLOAD}", ["one | col", "two `col`", "three"],
                   [[PAYLOAD, "b|c", "`x`"], ["a", PAYLOAD, "\u2028"]]),
             code("hostile.py", 1, [f"x = '{PAYLOAD}'", "```", "y = 1"], 1),
             log(f"log {PAYLOAD}", [PAYLOAD, "``` fence"])])


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

    def run(self, ctx):
        ctx.publish("udx.odd", {"value": Unprintable()})
        yield Finding("udx.I007", "info", "odd", evidence=[kv("Odd", {"x": Unprintable()})])


class PillowOverride(Check):
    """Takes the id of a built-in check: the project's version replaces it."""

    id = "pillow.codecs"
    title = "The project's own Pillow check"

    def run(self, ctx):
        yield Finding("pillow.I900", "info", "the project's pillow.codecs ran")


class Starter(Check):
    """Records when its begin() ran, relative to the other checks' run()."""

    id = "udx.starter"
    title = "Starts work before the run"
    tags = ("udx",)
    tier = "static"

    def begin(self, ctx):
        if self.options.get("fail"):
            raise RuntimeError("could not start the background work")
        ctx.cached("udx.events", list).append(f"begin {self.id}")

    def run(self, ctx):
        ctx.cached("udx.events", list).append(f"run {self.id}")
        yield Finding("udx.I001", "info", " / ".join(ctx.cached("udx.events", list)))


class OfflineStarter(Starter):
    id = "udx.offline_starter"
    tier = "network"


class EventProvider(Provider):
    def run(self, ctx):
        ctx.cached("udx.events", list).append(f"run {self.id}")
        return super().run(ctx)
