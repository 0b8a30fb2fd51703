"""One request to one of the project's endpoints: a multipart POST (or PUT) through Django's
test client (DRF's APIClient for DRF views), on a test database (created the way Django's
test runner does) inside a transaction that is rolled back, with the read tracker on.

What the answer means is judged here: the path ran (any 2xx, a redirect that is not to a
login page, a 5xx or an exception), the photo was refused (errors on the file field), or
the endpoint was not exercised (authentication, a refused filled field, a form field the
view insists on, a method it does not take), with the setting or flag that would help.
"""
from __future__ import annotations

import json
import logging
import sys
import time
import traceback
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field

from . import auth, memory
from . import tracker as tracking
from .discovery import Endpoint
from .filling import Filler, Unfillable
from .generic import BOUNDARY
from .images import TestImage
from .recording import Call

BODY_LIMIT = 2000  # characters of the response body kept in the report


@dataclass
class Request:
    """What every request carries besides the image (E2E settings and flags)."""

    credentials: auth.Credentials
    data: dict = field(default_factory=dict)  # DATA / --data: wins over filled values
    field: str | None = None  # FIELD / --field: the file field where none was found
    prepare: object = None  # PREPARE: func(client, data) -> data


@dataclass
class EndpointRun:
    endpoint: Endpoint
    image: TestImage
    request_bytes: int = 0
    seconds: float = 0.0
    status: int | None = None
    body: str = ""
    upload_class: str = ""
    outcome: str = ""  # "ok", "refused" (the photo), "failed" (5xx, raised), "skipped"
    reason: str = ""  # why it was not exercised, and what supplies the missing piece
    errors: dict = field(default_factory=dict)  # field -> messages from the answer
    error: str = ""  # an exception that escaped the view
    traceback: str = ""
    frame: tracking.Frame | None = None  # where in project code it was raised
    calls: list[Call] = field(default_factory=list)
    log: list[str] = field(default_factory=list)  # warnings and errors logged meanwhile
    warned: list[str] = field(default_factory=list)  # Python warnings meanwhile (Pillow's)
    peak_memory_bytes: int | None = None  # memory.peak() around the request

    @property
    def url(self) -> str:
        return self.endpoint.url

    @property
    def exercised(self) -> bool:
        return self.outcome in ("ok", "refused", "failed")

    def skip(self, reason: str) -> "EndpointRun":
        self.outcome, self.reason = "skipped", reason
        return self


class TestEnvironment:
    """Django's test environment and test databases, set up once and torn down once
    (also from the runner's undo step, so `teardown` is idempotent)."""

    def __init__(self):
        self.old_config = None
        self._environment = False

    def setup(self) -> None:
        from django.db import connections
        from django.test.utils import setup_databases, setup_test_environment

        if connections["default"].settings_dict["ENGINE"] == "django.db.backends.dummy":
            raise RuntimeError("settings.DATABASES configures no database (Django falls back "
                               "to its dummy backend)")
        try:
            setup_test_environment()  # locmem e-mail, "testserver" allowed, contexts kept
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


def post(endpoint: Endpoint, image: TestImage, request: Request, tracker: tracking.Tracker,
         recorder, handler_paths) -> EndpointRun:
    """Send `image` to the endpoint; every database change is rolled back."""
    from django.db import connections, transaction
    from django.test import override_settings
    from django.utils.datastructures import MultiValueDictKeyError

    result = EndpointRun(endpoint, image)
    mark, before = recorder.mark(), set(tracker.streams)
    with _atomic_everywhere(connections, transaction), \
            override_settings(FILE_UPLOAD_HANDLERS=handler_paths), _captured_log(result.log):
        try:
            user, problem = auth.make_user(request.credentials)
            client = auth.client_for(endpoint.drf)
            problem = auth.log_in(client, user) if user is not None else problem
            who = f"nobody logged in ({problem})" if problem else \
                request.credentials.describe()
            data = _data(endpoint, request, user)
            if request.prepare:
                data = request.prepare(client, data) or data
        except Unfillable as exc:
            return result.skip(f"{exc}; supply it with --data {exc.name}=VALUE or "
                               f'UPLOAD_DIAGNOSTICS["E2E"]["DATA"]')
        body, content_type = _multipart(image, _file_fields(endpoint, request), data)
        result.request_bytes = len(body)
        send = getattr(client, endpoint.method.lower())
        started = time.perf_counter()
        try:
            with tracking.active(tracker), _warnings(result.warned), memory.peak() as peak:
                response = send(endpoint.url, data=body, content_type=content_type,
                                secure=True, headers=request.credentials.headers)
        except MultiValueDictKeyError as exc:  # the view insists on a field not sent
            result.skip(f"the view reads the form field {exc.args[0]!r}, which was not sent; "
                        f"supply it with --data {exc.args[0]}=VALUE (or --field "
                        f"{exc.args[0]} when it is the file)")
        except Exception as exc:  # the view raised: that is the finding
            result.outcome, result.error = "failed", f"{type(exc).__name__}: {exc}"
            result.traceback = traceback.format_exc()
            result.frame = _project_frame(tracker, sys.exc_info()[2])
        else:
            _judge(result, response, request, who)
        result.seconds = time.perf_counter() - started
        result.peak_memory_bytes = peak.bytes
        result.upload_class = ", ".join(tracker.streams[k].name for k in tracker.streams
                                        if k not in before and "UploadedFile" in
                                        tracker.streams[k].name)
    result.calls = recorder.since(mark)
    return result


def _file_fields(endpoint: Endpoint, request: Request) -> tuple[str, ...]:
    """The file fields to send the image as: FIELD for a configured endpoint, else every
    required one, at least one (FIELD, else "file", when the view's code names none)."""
    if request.field and (endpoint.kind == "configured" or not endpoint.file_fields):
        return (request.field,)
    if not endpoint.file_fields:
        return ("file",)
    required = tuple(n for n in endpoint.file_fields
                     if getattr(endpoint.fields.get(n), "required", False))
    return required or endpoint.file_fields[:1]


def _data(endpoint: Endpoint, request: Request, user) -> dict:
    """The form data: generated values for required fields, then DATA over them."""
    skip = set(endpoint.file_fields) | set(request.data)
    data = Filler(user).data(_form_fields(endpoint, user), skip)
    data.update(_inline_management(endpoint, user))
    data.update(request.data)
    return data


def _form_fields(endpoint: Endpoint, user) -> dict:
    """The Django form fields to fill; an admin's add form is built for the real user."""
    if endpoint.admin is None:
        return endpoint.fields
    return endpoint.admin.get_form(_admin_request(endpoint, user), None, change=False).base_fields


def _admin_request(endpoint: Endpoint, user):
    from django.test import RequestFactory

    request = RequestFactory().get(endpoint.url)
    request.user = user
    return request


def _inline_management(endpoint: Endpoint, user) -> dict:
    """The management form of each inline formset of an admin add view: no inline rows
    (the admin refuses the whole form without them)."""
    if endpoint.admin is None:
        return {}
    request, data, seen = _admin_request(endpoint, user), {}, {}
    for formset, _inline in endpoint.admin.get_formsets_with_inlines(request):
        prefix = formset.get_default_prefix()  # as ModelAdmin._create_formsets numbers them
        seen[prefix] = seen.get(prefix, 0) + 1
        if seen[prefix] != 1 or not prefix:
            prefix = f"{prefix}-{seen[prefix]}"
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    return data


def _multipart(image: TestImage, file_fields, data: dict):
    """(body bytes, content type) of a browser-like multipart request carrying `image`
    under each file field."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test.client import encode_multipart

    files = {name: SimpleUploadedFile(image.name, image.data, image.content_type)
             for name in file_fields}
    body = encode_multipart(BOUNDARY, {**data, **files})
    return body, f"multipart/form-data; boundary={BOUNDARY}"


# -- what the answer means ------------------------------------------------------------------

def _judge(result: EndpointRun, response, request: Request, who: str) -> None:
    endpoint, status = result.endpoint, response.status_code
    result.status = status
    content = b"".join(response) if response.streaming else response.content
    result.body = content[:BODY_LIMIT * 4].decode("utf-8", "replace")[:BODY_LIMIT]
    if status in (401, 403) or (300 <= status < 400 and _to_login(response)):
        result.skip(f"HTTP {status}: the view refused {who}; pass --user NAME (a user with "
                    "the rights it needs) or --header 'Authorization: ...'")
        return
    if status in (404, 405):
        result.skip(f"HTTP {status}: the view does not take a {endpoint.method} here")
        return
    result.errors = _errors(response, content)
    refused = [n for n in result.errors if n in _file_fields(endpoint, request)]
    if refused or (result.errors and endpoint.kind == "configured"):
        result.outcome = "refused"
    elif result.errors and status < 500:
        name, messages = next(iter(result.errors.items()))
        hint = (f"supply it with --data {name}=VALUE" if name in endpoint.required or
                name in request.data else "supply the fields the view needs with --data")
        result.skip(f"HTTP {status}: the view refused the request's {name!r}: "
                    f"{'; '.join(messages)[:200]}; {hint}")
    elif 400 <= status < 500 and endpoint.kind != "configured":
        result.skip(f"HTTP {status}: the view refused the request without naming a field "
                    f"({result.body[:120]!r}); supply the fields it needs with --data")
    else:
        result.outcome = "failed" if status >= 400 else "ok"


def _to_login(response) -> bool:
    """Whether a redirect goes to the site's or the admin's login page."""
    from urllib.parse import urlparse

    from django.conf import settings
    from django.shortcuts import resolve_url
    from django.urls import NoReverseMatch, reverse

    logins = {urlparse(str(resolve_url(settings.LOGIN_URL))).path}
    try:
        logins.add(reverse("admin:login"))
    except NoReverseMatch:
        pass
    return urlparse(response.get("Location", "")).path in logins


def _errors(response, content: bytes) -> dict[str, list[str]]:
    """Field -> messages of the answer: the errors of a form the view rendered again, or
    of a refusal (4xx) DRF's error data or a JSON object."""
    form = _rendered_form(response)
    data = form.errors.get_json_data() if form is not None else None
    if data is None and response.status_code >= 400:
        data = getattr(response, "data", None)
        if data is None and "json" in response.get("Content-Type", ""):
            try:
                data = json.loads(content)
            except ValueError:
                data = None
    if isinstance(data, list):
        data = {"non_field_errors": data}
    if not isinstance(data, dict):
        return {}
    return {str(k): [_message(m) for m in (v if isinstance(v, list) else [v])]
            for k, v in data.items()}


def _rendered_form(response):
    """The bound form with errors in the templates' context (forms and the admin's
    AdminForm), or None."""
    from django.forms import BaseForm

    for context in getattr(response, "context", None) or ():
        for value in context.flatten().values() if hasattr(context, "flatten") else ():
            form = getattr(value, "form", value)
            if isinstance(form, BaseForm) and form.is_bound and form.errors:
                return form
    return None


def _message(item) -> str:
    return str(item.get("message", item)) if isinstance(item, dict) else str(item)


@contextmanager
def _warnings(lines: list[str]):
    """Keeps the warnings raised meanwhile (e.g. Pillow's DecompressionBombWarning), each
    once, instead of printing them."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for warning in caught:
        line = f"{warning.category.__name__}: {warning.message}"
        if line not in lines:
            lines.append(line)


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
