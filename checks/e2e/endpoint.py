"""The project-endpoint path: a multipart POST through Django's test client to the
project's own view, on a test database (created the way Django's test runner does) inside
a transaction that is rolled back."""
from __future__ import annotations

import logging
import sys
import time
import traceback
from dataclasses import dataclass, field

from . import tracker as tracking
from .generic import multipart
from .images import TestImage
from .recording import Call

BODY_LIMIT = 2000  # characters of the response body kept in the report


class ConfigError(Exception):
    """UPLOAD_DIAGNOSTICS["E2E"] does not describe a usable request."""


@dataclass
class EndpointRun:
    image: TestImage
    url: str
    request_bytes: int = 0
    seconds: float = 0.0
    status: int | None = None
    body: str = ""
    upload_class: str = ""
    error: str = ""  # an exception that escaped the view
    traceback: str = ""
    frame: tracking.Frame | None = None  # where in project code it was raised
    calls: list[Call] = field(default_factory=list)
    log: list[str] = field(default_factory=list)  # warnings and errors logged meanwhile


def target_url(config: dict) -> str:
    from django.urls import NoReverseMatch, reverse

    if config.get("URL"):
        return str(config["URL"])
    if config.get("URL_NAME"):
        try:
            return reverse(config["URL_NAME"])
        except NoReverseMatch as exc:
            raise ConfigError(f"URL_NAME {config['URL_NAME']!r} does not resolve: {exc}")
    raise ConfigError('it names neither "URL" nor "URL_NAME"')


class TestEnvironment:
    """Django's test environment and test databases, set up once and torn down once
    (also from the runner's undo step, so `teardown` is idempotent)."""

    def __init__(self):
        self.old_config = None
        self._environment = False

    def setup(self) -> None:
        from django.test.utils import setup_databases, setup_test_environment

        try:
            setup_test_environment()  # locmem e-mail, "testserver" allowed
            self._environment = True
        except RuntimeError:  # already set up by a caller that runs us inside tests
            pass
        self.old_config = setup_databases(verbosity=0, interactive=False,
                                          serialized_aliases=set())

    def teardown(self) -> None:
        from django.test.utils import teardown_databases, teardown_test_environment

        old, self.old_config = self.old_config, None
        if old is not None:
            try:
                teardown_databases(old, verbosity=0)
            except Exception:
                # From another thread (the runner's undo step after a timeout) Django
                # refuses to touch the connection; an in-memory database goes with the
                # process, any other is left behind and must be reported.
                if not all(_in_memory(conn) for conn, _name, _destroy in old):
                    raise
        if self._environment:
            self._environment = False
            teardown_test_environment()


def _in_memory(connection) -> bool:
    name = str(connection.settings_dict.get("NAME") or "")
    return connection.vendor == "sqlite" and (":memory:" in name or "mode=memory" in name)


def post(image: TestImage, config: dict, tracker: tracking.Tracker, recorder,
         handler_paths) -> EndpointRun:
    """POST `image` to the configured endpoint; every database change is rolled back."""
    from django.db import connections, transaction
    from django.test import Client, override_settings
    from django.utils.module_loading import import_string

    url = target_url(config)
    result = EndpointRun(image, url)
    field_name = config.get("FIELD", "file")
    data = dict(config.get("DATA") or {})
    client = Client(raise_request_exception=True)
    mark, before = recorder.mark(), set(tracker.streams)
    with _atomic_everywhere(connections, transaction), \
            override_settings(FILE_UPLOAD_HANDLERS=handler_paths), tracking.active(tracker), \
            _captured_log(result.log):
        if config.get("USER"):
            client.force_login(_user(config["USER"]))
        if config.get("PREPARE"):
            data = import_string(config["PREPARE"])(client, data) or data
        body, content_type = multipart(image, field_name, data)
        result.request_bytes = len(body)
        started = time.perf_counter()
        try:
            response = client.post(url, data=body, content_type=content_type)
            result.status = response.status_code
            content = b"".join(response) if response.streaming else response.content
            result.body = content[:BODY_LIMIT * 4].decode("utf-8", "replace")[:BODY_LIMIT]
        except Exception as exc:  # the view raised: that is the finding
            result.error = f"{type(exc).__name__}: {exc}"
            result.traceback = traceback.format_exc()
            result.frame = _project_frame(tracker, sys.exc_info()[2])
        result.seconds = time.perf_counter() - started
        result.upload_class = ", ".join(tracker.streams[k].name for k in tracker.streams
                                        if k not in before)
    result.calls = recorder.since(mark)
    return result


class _captured_log(logging.Handler):
    """Keeps what the project logs at WARNING and above (with tracebacks) meanwhile."""

    def __init__(self, lines: list[str]):
        super().__init__(logging.WARNING)
        self.lines = lines
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record):
        if len(self.lines) < 200:
            self.lines.extend(self.format(record).splitlines())

    def __enter__(self):
        logging.getLogger().addHandler(self)
        return self

    def __exit__(self, *exc):
        logging.getLogger().removeHandler(self)


def _user(username: str):
    from django.contrib.auth import get_user_model

    model = get_user_model()
    user, _created = model._default_manager.get_or_create(**{model.USERNAME_FIELD: username})
    return user


class _atomic_everywhere:
    """One transaction per database, each rolled back at the end whatever happens."""

    def __init__(self, connections, transaction):
        self.blocks = [transaction.atomic(using=alias) for alias in connections]
        self.transaction = transaction
        self.aliases = list(connections)

    def __enter__(self):
        for block in self.blocks:
            block.__enter__()

    def __exit__(self, *exc):
        for alias in self.aliases:
            self.transaction.set_rollback(True, using=alias)
        for block in reversed(self.blocks):
            block.__exit__(*exc)
        return False


def _project_frame(tracker: tracking.Tracker, tb) -> tracking.Frame | None:
    """The innermost traceback frame in the project's own code."""
    found = None
    while tb is not None:
        if tracker.is_project(tb.tb_frame.f_code.co_filename):
            found = tracker.frame_of(tb.tb_frame, tb.tb_lineno)
        tb = tb.tb_next
    return found
