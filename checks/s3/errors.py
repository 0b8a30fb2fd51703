"""What an S3 call's failure means: botocore's exception (a provider's error answer, a
timeout, no connection) named by a finding code with the fix. Used by s3.bucket for its
read-only calls; the write tier can name its calls' errors the same way."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from upload_diagnostics.diagnostics import kv

from .codes import E040, E041, E042, E043, E044, E045, E046, E047, E048, E049, E050

# The codes `finding` may report.
CODES = (E040, E041, E042, E043, E044, E045, E046, E047, E048, E049, E050)
CHECKSUM_WORDS = ("checksum", "x-amz-content-sha256", "aws-chunked", "x-amz-trailer")


@dataclass
class Outcome:
    """One call's result: the answer's status, error code and message (None: no answer)."""

    operation: str
    status: int | None = None
    code: str = ""  # the provider's error code ("" on success; HEAD: the status alone)
    message: str = ""
    error: dict = field(default_factory=dict)  # the parsed <Error> element
    headers: dict = field(default_factory=dict)
    failure: str = ""  # a transport failure: "timeout" or "connection"
    detail: str = ""  # botocore's exception, for a transport failure
    result: dict = field(default_factory=dict)  # the parsed answer on success

    @property
    def ok(self) -> bool:
        return not self.failure and not self.code

    @property
    def named(self) -> bool:
        """The provider named its error (a body), beyond a HEAD answer's bare status."""
        return bool(self.code) and not self.code.isdigit()

    def row(self) -> list:
        answer = self.failure or self.status or "(no answer)"
        return [self.operation, answer, self.code or ("OK" if self.ok else ""),
                (self.message or self.detail)[:200]]


def call(operation: str, func, **params) -> Outcome:
    """Run one botocore client call and describe what came back."""
    from botocore import exceptions as boto

    try:
        result = func(**params)
    except boto.ClientError as exc:
        answer = exc.response
        meta = answer.get("ResponseMetadata", {})
        error = answer.get("Error", {})
        return Outcome(operation, meta.get("HTTPStatusCode"), str(error.get("Code", "")),
                       str(error.get("Message", "")), error, meta.get("HTTPHeaders", {}))
    except (boto.ReadTimeoutError, boto.ConnectTimeoutError) as exc:
        return Outcome(operation, failure="timeout", detail=f"{type(exc).__name__}: {exc}")
    except (boto.ConnectionError, boto.HTTPClientError) as exc:  # refused, dropped, DNS, TLS
        return Outcome(operation, failure="connection", detail=f"{type(exc).__name__}: {exc}")
    meta = result.get("ResponseMetadata", {})
    return Outcome(operation, meta.get("HTTPStatusCode"), headers=meta.get("HTTPHeaders", {}),
                   result=result)


def kind(outcome: Outcome) -> str:
    """signature, access_denied, no_bucket, region, invalid_key, clock, not_implemented,
    checksum, timeout, connection or unexpected."""
    if outcome.failure:
        return outcome.failure
    code, text = outcome.code, outcome.message.lower()
    if code == "SignatureDoesNotMatch":
        return "signature"
    if code in ("XAmzContentSHA256Mismatch", "BadDigest") or \
            code == "InvalidRequest" and any(w in text for w in CHECKSUM_WORDS):
        return "checksum"
    if code in ("PermanentRedirect", "301") or code in ("AuthorizationHeaderMalformed",
                                                         "400") and region_of(outcome):
        return "region"
    return {"AccessDenied": "access_denied", "403": "access_denied",
            "NoSuchBucket": "no_bucket", "404": "no_bucket",
            "InvalidAccessKeyId": "invalid_key", "RequestTimeTooSkewed": "clock",
            "NotImplemented": "not_implemented", "501": "not_implemented"}.get(code,
                                                                               "unexpected")


def region_of(outcome: Outcome) -> str:
    """The bucket's region, as the answer names it ("" when it does not)."""
    headers = {k.lower(): v for k, v in outcome.headers.items()}
    return headers.get("x-amz-bucket-region") or str(outcome.error.get("Region", ""))


def skew(outcome: Outcome) -> str:
    """The server's time minus the request's, as RequestTimeTooSkewed reports them."""
    try:
        request = dt.datetime.strptime(outcome.error["RequestTime"], "%Y%m%dT%H%M%SZ")
        server = dt.datetime.strptime(outcome.error["ServerTime"][:19], "%Y-%m-%dT%H:%M:%S")
    except (KeyError, ValueError):
        return "unknown"
    seconds = int((server - request).total_seconds())
    return f"this machine's clock is {abs(seconds)} s {'behind' if seconds > 0 else 'ahead'}"


def finding(outcome: Outcome, what: str, bucket: str, region: str, timeout: float, blocks,
            **where):
    """The finding for the failed call `outcome`; `what` names it ("Storage 'default',
    HeadBucket"), `region` is the one the client signs for, `where` its path= and line=."""
    said = f"{outcome.code}: {outcome.message}" if outcome.message else \
        f"{outcome.status} ({outcome.code or 'no body'})"
    name = kind(outcome)
    if name == "region":
        right = region_of(outcome) or "another region"
        return E043(f"{what}: the bucket {bucket!r} is in {right}, the client signs for "
                    f"{region or 'the default region'} ({said})",
                    f'Set AWS_S3_REGION_NAME = "{right}" (and an AWS_S3_ENDPOINT_URL of that '
                    "region, if one is set).", blocks, **where)
    if name == "clock":
        shown = [*blocks, kv("Clocks", {"request time": outcome.error.get("RequestTime", "?"),
                                        "server time": outcome.error.get("ServerTime", "?"),
                                        "skew": skew(outcome)})]
        return E045(f"{what}: the provider refuses the request time: {skew(outcome)} "
                    "(RequestTimeTooSkewed)", None, shown, **where)
    table = {
        "signature": (E040, f"{what}: the provider rejects the signature ({said})"),
        "access_denied": (E041, f"{what}: the credentials may not read the bucket {bucket!r}"
                                f" ({said})"),
        "no_bucket": (E042, f"{what}: the bucket {bucket!r} does not exist here ({said})"),
        "invalid_key": (E044, f"{what}: the provider does not know the access key ({said})"),
        "not_implemented": (E046, f"{what}: the provider does not implement the request "
                                  f"({said})"),
        "checksum": (E047, f"{what}: the provider rejects botocore's checksum ({said})"),
        "timeout": (E048, f"{what}: no answer within {timeout:g} s"),
        "connection": (E049, f"{what}: the endpoint cannot be reached ({outcome.detail})"),
    }
    code, message = table.get(name, (E050, f"{what}: unexpected answer {said}"))
    return code(message, None, blocks, **where)
