"""The installed imagekitio: its generation, a client for it, and calls made through it.

Generations (DESIGN.md, failure 4): 2.x returns dicts, 3.0.x strict result classes,
3.1-4.x `UploadFileResult`, 5.x the generated client. Each call here goes through the
installed SDK and comes back as an `Outcome` with the HTTP status the SDK saw, so the
checks classify failures the same way whatever the generation.
"""
from __future__ import annotations

import importlib.metadata
import json
import os
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

BASE_URL_ENV = "UPLOAD_DIAGNOSTICS_IMAGEKIT_URL"
SDK_BASE_URL_ENV = "IMAGE_KIT_BASE_URL"  # read by imagekitio 5.x itself
BODY_LIMIT = 65536  # enough to tell JSON from not; evidence shows the first 500 characters


@dataclass(frozen=True)
class Sdk:
    version: str | None  # None: not installed

    @property
    def installed(self) -> bool:
        return self.version is not None

    @property
    def major_minor(self) -> tuple[int, int]:
        parts = [int(p) if p.isdigit() else 0 for p in (self.version or "0.0").split(".")[:2]]
        return (parts + [0, 0])[0], (parts + [0, 0])[1]

    @property
    def generation(self) -> str:
        """'2', '3.0', '4' (3.1-4.x) or '5'; '' when not installed."""
        major, minor = self.major_minor
        if not self.installed:
            return ""
        if major >= 5:
            return "5"
        if major == 3 and minor == 0:
            return "3.0"
        if major <= 2:
            return "2"
        return "4"

    @property
    def label(self) -> str:
        return f"imagekitio {self.version}" if self.installed else "no imagekitio"

    @property
    def describe(self) -> str:
        return {"2": "2.x: methods return dicts {'error', 'response'} with camelCase keys",
                "3.0": "3.0.x: result classes that raise TypeError on unknown fields",
                "4": "3.1-4.x: ImageKit(private_key, public_key, url_endpoint), "
                     "upload_file() returns UploadFileResult",
                "5": "5.x: ImageKit(private_key=...), client.files.upload() returns a "
                     "pydantic FileUploadResponse"}.get(self.generation, "not installed")

    @property
    def http_timeout(self) -> float | None:
        """Seconds the SDK waits for ImageKit by default; None means forever."""
        if self.generation != "5":
            return None  # 2.x-4.x call requests without a timeout
        try:
            from imagekitio._constants import DEFAULT_TIMEOUT
        except ImportError:  # another layout of the generated client: its documented 60 s
            return 60.0
        return float(DEFAULT_TIMEOUT.read or DEFAULT_TIMEOUT.connect or 60)


def installed() -> Sdk:
    try:
        return Sdk(importlib.metadata.version("imagekitio"))
    except importlib.metadata.PackageNotFoundError:
        return Sdk(None)


def redirect(base_url: str, sdk: Sdk) -> None:
    """Point the installed SDK at `base_url` in this process (a staging or mock ImageKit)."""
    base_url = base_url.rstrip("/")
    if sdk.generation == "5":
        os.environ[SDK_BASE_URL_ENV] = base_url
    elif sdk.generation == "2":  # full URLs in an Enum: rewrite the members' values
        from imagekitio.constants.url import URL
        for member in URL:
            for host in ("https://api.imagekit.io", "https://upload.imagekit.io"):
                if member.value.startswith(host):
                    member._value_ = base_url + member.value[len(host):]
    elif sdk.installed:
        from imagekitio.constants.url import URL
        URL.UPLOAD_BASE_URL = base_url
        URL.API_BASE_URL = base_url


@dataclass
class Outcome:
    """What one call through the SDK came to."""

    value: Any = None
    status: int | None = None
    body: str = ""
    error: BaseException | None = None
    timed_out: bool = False
    headers: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None and not self.timed_out


def bounded(func: Callable[[], Any], timeout: float) -> tuple[Any, BaseException | None, bool]:
    """Run `func` in a daemon thread for at most `timeout` seconds:
    (value, error, timed_out). 2.x-4.x have no timeout of their own."""
    box: dict = {}

    def target():
        try:
            box["value"] = func()
        except BaseException as exc:  # noqa: BLE001 - classified by the caller
            box["error"] = exc
    thread = threading.Thread(target=target, name="imagekit-call", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        return None, None, True
    return box.get("value"), box.get("error"), False


class Client:
    """The installed SDK's client, built from the project's credentials."""

    def __init__(self, sdk: Sdk, private_key: str, public_key: str = "",
                 url_endpoint: str = "", timeout: float = 10.0, base_url: str | None = None):
        self.sdk, self.timeout, self.base_url = sdk, timeout, base_url
        self.responses: list = []  # HTTP responses the SDK received, newest last
        from imagekitio import ImageKit
        if sdk.generation == "5":
            options = {"base_url": base_url} if base_url else {}
            self.raw = ImageKit(private_key=private_key, timeout=timeout, max_retries=0,
                                **options)
        else:
            self.raw = ImageKit(private_key=private_key, public_key=public_key or "public_",
                                url_endpoint=url_endpoint or "https://ik.imagekit.io/x")
            self._record_responses()

    def _record_responses(self) -> None:
        # The 4.x transport is a static method on the request object; wrap it on this
        # instance only, to keep the responses (and bound each call with a timeout).
        import requests

        request_obj = getattr(self.raw, "ik_request", None)
        if request_obj is None:
            return

        def request(method, url, headers, params=None, files=None, data=None):
            response = requests.request(method=method, url=url, params=params, files=files,
                                        data=data, headers=headers, timeout=self.timeout)
            self.responses.append(response)
            return response
        request_obj.request = request

    def call(self, func: Callable[[], Any]) -> Outcome:
        self.responses.clear()
        value, error, timed_out = bounded(func, self.timeout + 1)
        outcome = Outcome(value=value, error=error, timed_out=timed_out)
        response = getattr(error, "response", None) if error is not None else None
        if response is None and self.responses and (error is not None or value is not None):
            response = self.responses[-1]
        if response is not None and hasattr(response, "status_code"):
            outcome.status = response.status_code
            outcome.headers = dict(response.headers)
            try:
                outcome.body = response.text[:BODY_LIMIT]
            except Exception:  # noqa: BLE001 - a streamed or closed body
                outcome.body = ""
        elif hasattr(error, "status_code"):
            outcome.status = error.status_code
        return outcome

    def _dict_call(self, func: Callable[[], Any]) -> Outcome:
        """2.x returns {"error", "response"} instead of raising: make an error an error."""
        outcome = self.call(func)
        if outcome.ok and isinstance(outcome.value, dict) and outcome.value.get("error"):
            outcome.error = RuntimeError(str(outcome.value["error"])[:300])
        return outcome

    # -- the calls the checks make ----------------------------------------------------
    def list_one(self) -> Outcome:
        if self.sdk.generation == "2":
            return self._dict_call(lambda: self.raw.list_files({"limit": 1}))
        if self.sdk.generation == "5":
            outcome = self.call(lambda: self.raw.assets.with_raw_response.list(limit=1))
            if outcome.ok:
                raw = outcome.value
                outcome.status, outcome.body = raw.status_code, raw.http_response.text[:BODY_LIMIT]
                outcome.headers = dict(raw.headers)
                outcome.value = _json_or_error(outcome)
            return outcome
        from imagekitio.models.ListAndSearchFileRequestOptions import (
            ListAndSearchFileRequestOptions)
        return self.call(lambda: self.raw.list_files(ListAndSearchFileRequestOptions(limit=1)))

    def upload(self, data: bytes, file_name: str, folder: str) -> Outcome:
        if self.sdk.generation == "2":
            return self._dict_call(lambda: self.raw.upload_file(
                file=data, file_name=file_name,
                options={"folder": folder, "use_unique_file_name": False}))
        if self.sdk.generation == "5":
            return self.call(lambda: self.raw.files.upload(
                file=data, file_name=file_name, folder=folder, use_unique_file_name=False))
        from imagekitio.models.UploadFileRequestOptions import UploadFileRequestOptions
        options = UploadFileRequestOptions(folder=folder, use_unique_file_name=False)
        return self.call(lambda: self.raw.upload_file(file=data, file_name=file_name,
                                                      options=options))

    def delete(self, file_id: str) -> Outcome:
        if self.sdk.generation == "2":
            return self._dict_call(lambda: self.raw.delete_file(file_id))
        if self.sdk.generation == "5":
            return self.call(lambda: self.raw.files.delete(file_id))
        return self.call(lambda: self.raw.delete_file(file_id=file_id))


def _json_or_error(outcome: Outcome):
    try:
        return json.loads(outcome.body)
    except ValueError as exc:
        outcome.error = exc
        return None


def plain_list_one(base_url: str, private_key: str, timeout: float) -> Outcome:
    """GET /v1/files?limit=1 with urllib, for when no SDK is installed."""
    return plain_call("GET", f"{base_url.rstrip('/')}/v1/files?limit=1", private_key, timeout)


def plain_call(method: str, url: str, private_key: str, timeout: float,
               body_limit: int = BODY_LIMIT) -> Outcome:
    """One call to ImageKit's management API with urllib (no SDK); the value is the
    answer's JSON (None for an empty body), read up to `body_limit` bytes."""
    import base64
    import urllib.error
    import urllib.request

    token = base64.b64encode(f"{private_key}:".encode()).decode()
    request = urllib.request.Request(url, method=method,
                                     headers={"Authorization": f"Basic {token}"})
    outcome = Outcome()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            outcome.status, outcome.headers = response.status, dict(response.headers)
            outcome.body = response.read(body_limit).decode("utf-8", "replace")
        outcome.value = _json_or_error(outcome) if outcome.body else None
    except urllib.error.HTTPError as exc:
        outcome.status, outcome.error, outcome.headers = exc.code, exc, dict(exc.headers)
        outcome.body = exc.read(BODY_LIMIT).decode("utf-8", "replace")
    except TimeoutError as exc:
        outcome.timed_out, outcome.error = True, exc
    except (urllib.error.URLError, OSError) as exc:
        outcome.error = exc
    return outcome
