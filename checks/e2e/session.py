"""The upload run's changes to the process, undone exactly once.

Without the write tier every storage the project uses is replaced by a recording
in-memory storage that reads content the way remote SDKs do; with it (--e2e) the real
storages are used under a dedicated prefix and every name written is deleted afterwards.
Django Files and the project's BytesIO objects are followed (`derived`), and requests run on
test databases, each inside a transaction that is rolled back.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager

from upload_diagnostics.diagnostics.roundtrip import run_prefix

from .derived import follow
from .endpoint import TestEnvironment
from .recording import PrefixedStorage, Recorder, RecordingStorage, StandIn

STEP_WAIT = 20.0  # seconds the undo waits for a request in flight before it restores


class Session:
    """Undone by `finish()`: called by the check itself, or by the runner's undo step when
    the check times out or the run is interrupted (each real storage's round trip is an
    undo step of its own, registered with `ctx`, which runs first)."""

    def __init__(self, recorder: Recorder, real: bool, ctx):
        self.prefix = run_prefix()
        self.real = real
        self.ctx = ctx
        self.prefixed: list[PrefixedStorage] = []
        if real:
            self.stand_in = StandIn(self._prefixed(recorder))
        else:
            self.stand_in = StandIn(lambda alias, _real: RecordingStorage(recorder, alias))
        self.follow = follow(recorder.tracker)
        self.environment = TestEnvironment()
        self.left: list | None = None  # the round trips' findings, once finished
        self.stopping = False
        self._busy = 0
        self._idle = threading.Condition()

    def _prefixed(self, recorder):
        def make(alias, real):
            storage = PrefixedStorage(recorder, alias, real, self.prefix, self.ctx)
            self.prefixed.append(storage)
            return storage
        return make

    def start(self) -> dict:
        """Put the stand-in storages in place; returns them by alias."""
        self.follow.start()
        return self.stand_in.start()

    @contextmanager
    def step(self):
        """Around each request or generic run: yields False once the run is being undone
        (do nothing more); the undo waits for a step in flight before it restores the
        storages, so that no save of that step reaches a real storage unprefixed."""
        with self._idle:
            go = not self.stopping
            self._busy += go
        try:
            yield go
        finally:
            with self._idle:
                self._busy -= go
                self._idle.notify_all()

    def finish(self) -> list:
        """Delete every name written, restore the storages, drop the test databases;
        returns the findings for objects left behind or that may be left."""
        with self._idle:
            self.stopping = True
            self._idle.wait_for(lambda: self._busy == 0, timeout=STEP_WAIT)
        if self.left is None:
            self.left = [f for s in self.prefixed for f in s.cleanup()]
            self.stand_in.stop()
            self.follow.stop()
            self.environment.teardown()
        return self.left
