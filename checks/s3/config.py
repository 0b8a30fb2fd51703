"""s3.config: each S3 storage's options read statically - credentials, botocore's
checksums against the provider, ACL, overwrite, signed-URL expiry against caching, the
custom domain, region and signature, and prefixes shared between storages.

Static: no network call, and credentials are never resolved through botocore's
network-backed providers (instance metadata, STS); only settings, the environment and the
shared files are read. Keys appear only as fingerprints."""
from __future__ import annotations

import os
import re

from upload_diagnostics.diagnostics import Check, kv, table
from upload_diagnostics.diagnostics.redact import fingerprint

from ..settings_source import setting_line
from .codes import (E001, E002, E003, E004, E005, E006, E007, E008, E009, E010, I001, W001,
                    W002, W003, W004, W005, W006)
from .found import (S3Use, broken, endpoint_region, explicit, located, origin, s3_uses,
                    sent_acl)

KEY_ID = re.compile(r"(AKIA|ASIA)[A-Z0-9]{16}")
SECRET = re.compile(r"[A-Za-z0-9/+]{40}")
CREDENTIALS = (("access_key", "access key id"), ("secret_key", "secret access key"),
               ("security_token", "session token"))
CHECKSUM_OPTIONS = ("request_checksum_calculation", "response_checksum_validation")
CHECKSUMS_SINCE = (1, 36)  # botocore
REJECT_ACLS = ("Cloudflare R2",)  # answer NotImplemented to an x-amz-acl but "private"
PUBLIC_ACLS = ("public-read", "public-read-write")
# The regions that accepted Signature Version 2 (launched before January 30, 2014).
SIGV2_REGIONS = {"us-east-1", "us-west-1", "us-west-2", "eu-west-1", "ap-southeast-1",
                 "ap-southeast-2", "ap-northeast-1", "sa-east-1", "us-gov-west-1"}
CACHE_MIDDLEWARE = "django.middleware.cache.UpdateCacheMiddleware"


class S3Config(Check):
    """Every S3 storage the project uses (STORAGES aliases and model fields), its options
    as django-storages resolved them, and the statically visible reasons uploads to it or
    its URLs fail."""

    id = "s3.config"
    title = "S3 storages are configured so that uploads and their URLs work"
    layer = "storage"
    tags = ("s3", "storage", "credentials")
    needs_django = True
    codes = (I001, E001, E002, E003, E004, E005, E006, E007, W001, W002, W003, W004, E008,
             E009, E010, W005, W006)

    def run(self, ctx):
        uses = s3_uses(ctx)
        for use in broken(ctx):
            yield E005(f"{use.declared} ({use.backend}) cannot be built: {use.problem}",
                       **located(use.where))
        problems = []
        for s3 in uses:
            for _, value in _credentials(s3.storage):
                ctx.add_secret(value)
            yield _summary(ctx, s3)
            for check in (credentials, checksums, acl, overwrite, signed_urls,
                          domain_region_signature):
                problems += [(s3.use.name, f) for f in check(ctx, s3)]
        yield from once(problems)
        yield from shared_prefixes(uses)


def once(problems):
    """One finding per problem: storages that share a setting (AWS_* read by several) get
    the finding of that setting's line once, naming them all."""
    merged: dict[tuple, tuple[list[str], object]] = {}
    for name, finding in problems:
        key = (finding.code, finding.path, finding.line,
               finding.message.replace(repr(name), "", 1)) if finding.path else (id(finding),)
        merged.setdefault(key, ([], finding))[0].append(name)
    for names, finding in merged.values():
        if len(names) > 1:
            together = ", ".join(map(repr, names[:-1])) + f" and {names[-1]!r}"
            finding.message = finding.message.replace(repr(names[0]), together, 1)
        yield finding


def _credentials(storage) -> list[tuple[str, str]]:
    return [(attr, getattr(storage, attr)) for attr, _ in CREDENTIALS
            if isinstance(getattr(storage, attr, None), str) and getattr(storage, attr)]


def _summary(ctx, s3: S3Use):
    st = s3.storage
    rows = {"declared by": s3.use.declared + (f" ({s3.use.where})" if s3.use.where else ""),
            "backend": s3.use.backend, "provider": s3.provider,
            "bucket": st.bucket_name or "(not set)",
            "region": st.region_name or "(boto3's: AWS_DEFAULT_REGION or the profile)",
            "endpoint": st.endpoint_url or "(AWS's, built by boto3)",
            "location": st.location or "(bucket root)",
            "custom domain": st.custom_domain or "(none)",
            "signing": s3.client_config.signature_version or "s3v4 (default)",
            "ACL sent": sent_acl(st)[0] or "(none: the bucket's default)",
            "file overwrite": str(st.file_overwrite),
            "signed URLs": f"yes, expire after {st.querystring_expire} s"
            if st.querystring_auth else "no",
            "identity from": credential_source(ctx, s3)}
    keys = [[label, origin(ctx, s3, attr)[0], fingerprint(value)]
            for attr, value in _credentials(st) for a, label in CREDENTIALS if a == attr]
    return I001(f"S3 storage {s3.use.name!r}: bucket {st.bucket_name!r} on {s3.provider}",
                "", [kv("S3 storage", rows), table("Credentials", ["value", "from", "shown as"],
                                                 keys)], **located(s3.use.where))


def credential_source(ctx, s3: S3Use) -> str:
    """Where boto3 will take credentials from, read without any network call."""
    st = s3.storage
    if st.access_key or st.secret_key:
        return origin(ctx, s3, "access_key")[0]
    session, scoped = _botocore(ctx, s3)
    if st.session_profile:
        return f"the shared credentials/config files, profile {st.session_profile!r}" \
            + ("" if scoped else " (NOT FOUND there)")
    if scoped.get("aws_access_key_id") or scoped.get("credential_process") \
            or scoped.get("role_arn") or scoped.get("sso_session") \
            or scoped.get("sso_start_url"):
        return f"the shared credentials/config files, profile " \
            f"{session.get_config_variable('profile') or 'default'!r}"
    if os.environ.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") \
            or os.environ.get("AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        return "the container's role (AWS_CONTAINER_CREDENTIALS_*: ECS or EKS)"
    if os.environ.get("AWS_WEB_IDENTITY_TOKEN_FILE"):
        return "a web identity token (AWS_WEB_IDENTITY_TOKEN_FILE: EKS service account)"
    return "none found: boto3 would try the instance profile (EC2 instance metadata)"


def _botocore(ctx, s3: S3Use):
    """A botocore session for the storage's profile and the profile's settings from the
    shared config and credentials files ({} when there is none). Secrets read there are
    registered for redaction."""
    import botocore.session
    from botocore.exceptions import BotoCoreError

    session = botocore.session.Session(profile=s3.storage.session_profile or None)
    try:
        scoped = session.get_scoped_config()
    except BotoCoreError:  # a profile named but not in the files, or a file that won't parse
        scoped = {}
    for name, value in scoped.items():
        if isinstance(value, str) and ("secret" in name or "token" in name):
            ctx.add_secret(value)
    return session, scoped


def credentials(ctx, s3: S3Use):
    values = dict(_credentials(s3.storage))
    for attr, label in CREDENTIALS:
        value = values.get(attr, "")
        if value and value != value.strip().strip("'\"").strip():
            where, line = origin(ctx, s3, attr)
            yield E003(f"The S3 {label} of {s3.use.name!r} ({where}) has surrounding "
                       "whitespace or quotes",
                       "Remove them where the value is defined; the provider rejects the "
                       "request signature.", **located(line))
    if not s3.is_aws:  # other providers have their own key formats
        return
    key, secret = (values.get(a, "").strip().strip("'\"").strip()
                   for a in ("access_key", "secret_key"))
    if key and secret and KEY_ID.fullmatch(secret) and SECRET.fullmatch(key):
        yield E002(f"The AWS access key id and secret key of {s3.use.name!r} are swapped",
                   f"Exchange the values of {origin(ctx, s3, 'access_key')[0]} and "
                   f"{origin(ctx, s3, 'secret_key')[0]}.",
                   **located(origin(ctx, s3, "access_key")[1]))
        return
    for attr, value, pattern, shape in (
            ("access_key", key, KEY_ID, "AKIA or ASIA and 16 upper-case letters or digits"),
            ("secret_key", secret, SECRET, "40 characters of base64")):
        if value and not pattern.fullmatch(value):
            where, line = origin(ctx, s3, attr)
            yield E001(f"The AWS {dict(CREDENTIALS)[attr]} of {s3.use.name!r} ({where}) is "
                       f"not {shape}", "Copy the key pair again from IAM; AWS answers "
                       "InvalidAccessKeyId or SignatureDoesNotMatch.", **located(line))
    token = values.get("security_token", "")
    if KEY_ID.fullmatch(key) and bool(token) != key.startswith("ASIA"):
        where, line = origin(ctx, s3, "security_token" if token else "access_key")
        what = "a session token with a long-term key id (AKIA...)" if token else \
            "a temporary key id (ASIA...) without a session token"
        yield E004(f"{what[0].upper()}{what[1:]} for {s3.use.name!r} ({where})",
                   "Use the three values of one set of temporary credentials together, or "
                   "long-term keys without a token.", **located(line))


def checksums(ctx, s3: S3Use):
    import botocore

    version = tuple(int(p) for p in re.findall(r"\d+", botocore.__version__)[:2])
    if s3.is_aws or version < CHECKSUMS_SINCE:
        return
    session, _ = _botocore(ctx, s3)
    values = {name: getattr(s3.client_config, name, None) or session.get_config_variable(name)
              for name in CHECKSUM_OPTIONS}
    if any(v == "when_required" for v in values.values()):
        return
    where, line = origin(ctx, s3, "endpoint_url")
    yield E006(
        f"botocore {botocore.__version__} computes checksums that {s3.provider} rejects "
        f"({s3.use.name!r}, endpoint {s3.storage.endpoint_url}, {where}): uploads fail with "
        "XAmzContentSHA256Mismatch or SignatureDoesNotMatch",
        'Set AWS_S3_CLIENT_CONFIG = Config(request_checksum_calculation="when_required", '
        'response_checksum_validation="when_required") (botocore.config.Config), or the '
        "AWS_REQUEST_CHECKSUM_CALCULATION/AWS_RESPONSE_CHECKSUM_VALIDATION variables.",
        [kv("Checksum settings botocore uses", values)], **located(line))


def acl(ctx, s3: S3Use):
    value, option = sent_acl(s3.storage)
    if not value:
        return
    where, line = origin(ctx, s3, option)
    if s3.provider in REJECT_ACLS and value != "private":
        yield E007(f"ACL {value!r} ({where}) of {s3.use.name!r} is sent to {s3.provider}, "
                   "which answers NotImplemented: nothing is stored",
                   "Remove the ACL (AWS_DEFAULT_ACL = None); make the bucket public in the "
                   f"{s3.provider} dashboard if images must be public.", **located(line))
    elif s3.is_aws and value in PUBLIC_ACLS:
        yield W001(f"ACL {value!r} ({where}) of {s3.use.name!r}: AWS buckets created since "
                   "April 2023 have ACLs disabled and answer AccessControlListNotSupported",
                   "Drop the ACL and grant public reads with a bucket policy or CloudFront "
                   "(s3.bucket reads the bucket's ownership controls to confirm).",
                   **located(line))


def overwrite(ctx, s3: S3Use):
    if s3.storage.file_overwrite and s3.takes_uploads:
        where, line = origin(ctx, s3, "file_overwrite")
        yield W002(f"Same-named uploads to {s3.use.name!r} overwrite each other "
                   f"(file_overwrite True, {where}): two uploads named photo.jpg keep only "
                   "the second",
                   "Set AWS_S3_FILE_OVERWRITE = False (or 'file_overwrite': False in "
                   "OPTIONS) so that Django adds a suffix.", **located(line))


def signed_urls(ctx, s3: S3Use):
    st = s3.storage
    if not st.querystring_auth:
        return
    if st.custom_domain:
        if not st.cloudfront_signer and explicit(ctx, s3, "querystring_auth"):
            where, line = origin(ctx, s3, "querystring_auth")
            yield W004(f"Signed URLs are asked for ({where}) but {s3.use.name!r} builds "
                       f"unsigned ones on its custom domain {st.custom_domain!r}: a private "
                       "bucket answers 403 and images are blank",
                       "Set AWS_CLOUDFRONT_KEY_ID and AWS_CLOUDFRONT_KEY, or serve public "
                       "objects and set AWS_QUERYSTRING_AUTH = False.", **located(line))
        return
    for cache, seconds, setting, cache_line in caches(ctx):
        if seconds is None or seconds > st.querystring_expire:
            where, line = origin(ctx, s3, "querystring_expire")
            kept = "forever" if seconds is None else f"{seconds} s"
            yield W003(f"Signed URLs of {s3.use.name!r} expire after {st.querystring_expire} s "
                       f"({where}) but {cache} keeps entries {kept} ({setting}): a cached "
                       "page shows blank images once its URLs expire",
                       "Make AWS_QUERYSTRING_EXPIRE longer than the cache timeout, or cache "
                       "for less.", **located(line or cache_line))


def caches(ctx) -> list[tuple[str, int | None, str, str | None]]:
    """(what caches, for how many seconds (None: forever), the setting, "path:line" where
    the settings file sets it) for Django's default cache and, when installed, the per-site
    cache middleware."""
    s, found = ctx.settings, []
    default = (getattr(s, "CACHES", None) or {}).get("default") or {}
    if isinstance(default, dict) and "dummy" not in str(default.get("BACKEND", "")).lower():
        timeout = default.get("TIMEOUT", 300)
        if timeout is None or isinstance(timeout, int):
            found.append(("the default cache", timeout, "CACHES['default']['TIMEOUT']",
                          setting_line(ctx, "CACHES", "default", "TIMEOUT")))
    if CACHE_MIDDLEWARE in (getattr(s, "MIDDLEWARE", None) or ()):
        seconds = getattr(s, "CACHE_MIDDLEWARE_SECONDS", 600)
        if seconds is None or isinstance(seconds, int):
            found.append(("the cache middleware", seconds, "CACHE_MIDDLEWARE_SECONDS",
                          setting_line(ctx, "CACHE_MIDDLEWARE_SECONDS")))
    return found


def domain_region_signature(ctx, s3: S3Use):
    st = s3.storage
    domain = st.custom_domain or ""
    if domain and ("://" in domain or "/" in domain or domain != domain.strip()):
        where, line = origin(ctx, s3, "custom_domain")
        url = f"{st.url_protocol}//{domain}/photo.jpg"
        yield E008(f"The custom domain of {s3.use.name!r} ({where}) is {domain!r}: its URLs "
                   f"read {url}", "Keep the host name only (e.g. cdn.example.com).",
                   **located(line))
    named = endpoint_region(st.endpoint_url)
    if named and st.region_name and named != st.region_name:
        where, line = origin(ctx, s3, "region_name")
        yield E009(f"Requests of {s3.use.name!r} are signed for region {st.region_name!r} "
                   f"({where}) but its endpoint {st.endpoint_url} is in {named!r}",
                   "Set the bucket's region in AWS_S3_REGION_NAME and drop the endpoint "
                   "URL for AWS.", **located(line))
    if s3.is_aws and s3.client_config.signature_version == "s3":
        where, line = origin(ctx, s3, "signature_version")
        region = st.region_name or named
        if region and region not in SIGV2_REGIONS:
            yield E010(f"Signature Version 2 ({where}) for {s3.use.name!r} in {region}, "
                       "which accepts only version 4", "Use s3v4 (remove "
                       "AWS_S3_SIGNATURE_VERSION: it is boto3's default).", **located(line))
        else:
            yield W005(f"Signature Version 2 ({where}) for {s3.use.name!r}: AWS buckets "
                       "created since June 24, 2020 reject it", "Use s3v4 (remove "
                       "AWS_S3_SIGNATURE_VERSION: it is boto3's default).", **located(line))


def shared_prefixes(uses: list[S3Use]):
    """Each pair of STORAGES aliases on one bucket whose locations are the same or nested
    (a model field's storage names its own prefix on purpose)."""
    aliases = [s3 for s3 in uses if s3.use.is_alias]
    for i, a in enumerate(aliases):
        for b in aliases[i + 1:]:
            sa, sb = a.storage, b.storage
            if (sa.bucket_name, sa.endpoint_url) != (sb.bucket_name, sb.endpoint_url):
                continue
            pa, pb = (s.location.strip("/") + "/" if s.location.strip("/") else ""
                      for s in (sa, sb))
            if pa.startswith(pb) or pb.startswith(pa):
                shown = " and ".join(f"{u.use.name!r} ({u.storage.location or 'bucket root'})"
                                     for u in (a, b))
                yield W006(f"{shown} share bucket {sa.bucket_name!r}: one's files lie under "
                           "the other's prefix", "Give each storage its own location "
                           "(e.g. media/ and static/).", **located(b.use.where or a.use.where))
