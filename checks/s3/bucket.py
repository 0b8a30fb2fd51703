"""s3.bucket: does the bucket answer each S3 storage's own client? (network tier, read-only)

For each storage built as django-storages' S3Storage, the client is made the way the
storage makes it (its session, region, endpoint, TLS settings and botocore Config), bounded
for the diagnosis: one attempt per call, connect and read timeouts of
UPLOAD_DIAGNOSTICS["S3"]["TIMEOUT"] seconds (UPLOAD_DIAGNOSTICS_S3_TIMEOUT in the
environment). Then HeadBucket, a 1-key ListObjectsV2 under the storage's location, and,
where the policy allows reading them, the bucket's Object Ownership and public-access
block against the ACL the storage sends.
"""
from __future__ import annotations

import os

from upload_diagnostics.diagnostics import Check, Skip, kv, require, table

from .. import storages
from ..settings_source import setting_line
from . import errors
from .codes import E051, E052, E053, I040, I041

DEFAULT_TIMEOUT = 10.0
PUBLIC_ACLS = ("public-read", "public-read-write")
# Answers that mean "this key or provider does not let us look", not a project problem.
UNREADABLE = ("access_denied", "not_implemented")


def timeout(ctx) -> float:
    section = ctx.config.get("S3") if isinstance(ctx.config, dict) else None
    raw = os.environ.get("UPLOAD_DIAGNOSTICS_S3_TIMEOUT") or \
        (section.get("TIMEOUT") if isinstance(section, dict) else None)
    try:
        return float(raw) if raw else DEFAULT_TIMEOUT
    except (TypeError, ValueError):
        return DEFAULT_TIMEOUT


def s3_storages(ctx) -> list:
    """The project's storages built as django-storages' S3Storage (or a subclass)."""
    from storages.backends.s3 import S3Storage

    return storages.of_class(ctx, S3Storage)


def client(session, storage, seconds: float):
    """The storage's boto3 client, made from its session as S3Storage.connection makes it,
    with one attempt per call and short timeouts."""
    from botocore.config import Config

    bounds = Config(connect_timeout=seconds, read_timeout=seconds,
                    retries={"mode": "standard", "total_max_attempts": 1})
    return session.client("s3", region_name=storage.region_name, use_ssl=storage.use_ssl,
                          endpoint_url=storage.endpoint_url,
                          config=storage.client_config.merge(bounds), verify=storage.verify)


def acl(storage) -> str | None:
    """The canned ACL the storage sends with each upload (as its write parameters set it)."""
    return storage.get_object_parameters("probe").get("ACL") or storage.default_acl


def located(ctx, use, option: str = "", setting: str = "") -> dict:
    """path= and line= where the storage sets `option` (in its OPTIONS) or the project sets
    `setting`, else where the storage is declared; {} when unknown."""
    spot = option and use.option_line(ctx, option) or setting and setting_line(ctx, setting) \
        or use.where
    if not spot:
        return {}
    path, _, line = spot.rpartition(":")
    return {"path": path, "line": int(line)}


def acl_location(ctx, use, storage) -> dict:
    if "ACL" in storage.get_object_parameters("probe"):
        return located(ctx, use, "object_parameters", "AWS_S3_OBJECT_PARAMETERS")
    return located(ctx, use, "default_acl", "AWS_DEFAULT_ACL")


def description(use, storage, s3) -> dict:
    config = s3.meta.config
    return {"storage": use.name, "declared": f"{use.declared} ({use.where})" if use.where
            else use.declared, "backend": use.backend, "bucket": storage.bucket_name,
            "location": storage.location or "(bucket root)", "endpoint": s3.meta.endpoint_url,
            "region": s3.meta.region_name, "signing":
                config.signature_version or "(botocore's default)",
            "request checksums": getattr(config, "request_checksum_calculation", None)
            or "(botocore's default)", "ACL sent": acl(storage) or "(none)"}


class S3Bucket(Check):
    """HeadBucket, a 1-key listing, Object Ownership and the public-access block, each with
    the storage's own client; every provider error named with its fix."""

    id = "s3.bucket"
    title = "The S3 bucket answers the storage's client"
    layer = "storage"
    tags = ("s3", "storage", "network")
    tier = "network"
    needs_django = True
    codes = (I040, I041, E051, E052, E053, *errors.CODES)

    def run(self, ctx):
        require("s3", "the s3 checks use them", boto3="boto3", storages="django-storages")
        found = s3_storages(ctx)
        if not found:
            raise Skip("not applicable: no storage of the project is django-storages' "
                       "S3Storage")
        seconds, probed = timeout(ctx), set()
        for use in found:
            storage = use.instance
            for secret in (storage.secret_key, storage.security_token):
                ctx.add_secret(secret or "")
            session = storage._create_session()
            s3 = client(session, storage, seconds)
            same = (s3.meta.endpoint_url, s3.meta.region_name, storage.bucket_name,
                    storage.access_key, storage.location, acl(storage))
            if same in probed:  # another alias of the very same bucket and client
                continue
            probed.add(same)
            ctx.progress(f"      s3.bucket: {storage.bucket_name} at {s3.meta.endpoint_url}")
            yield from self.probe(ctx, use, storage, s3, session.get_credentials(), seconds)

    def probe(self, ctx, use, storage, s3, credentials, seconds):
        about = kv("S3 storage", description(use, storage, s3))
        if credentials is None:
            yield E053(f"Storage {use.name!r}: botocore finds no credentials for bucket "
                       f"{storage.bucket_name!r}", None, [about], **located(ctx, use))
            return
        ctx.add_secret(credentials.secret_key or "")
        ctx.add_secret(credentials.token or "")
        about["items"].append(["access key", credentials.access_key])  # (shown fingerprinted)
        bucket = storage.bucket_name
        calls = [errors.call("HeadBucket", s3.head_bucket, Bucket=bucket)]
        if calls[0].failure not in ("timeout", "connection"):
            calls.append(errors.call("ListObjectsV2", s3.list_objects_v2, Bucket=bucket,
                                     Prefix=storage.location, MaxKeys=1))
        failed = [c for c in calls if not c.ok]
        if failed:
            worst = next((c for c in failed if c.named), failed[0])
            where = located(ctx, use, "region_name", "AWS_S3_REGION_NAME") \
                if errors.kind(worst) == "region" else located(ctx, use)
            yield errors.finding(worst, f"Storage {use.name!r}, {worst.operation}", bucket,
                                 s3.meta.region_name, seconds, [about, answers(calls)],
                                 **where)
            return
        calls.append(errors.call("GetBucketOwnershipControls",
                                 s3.get_bucket_ownership_controls, Bucket=bucket))
        calls.append(errors.call("GetPublicAccessBlock", s3.get_public_access_block,
                                 Bucket=bucket))
        blocks = [about, answers(calls)]
        yield from settings_findings(use.name, acl(storage), calls[2], calls[3], bucket, blocks,
                                     acl_location(ctx, use, storage))
        yield I040(f"Storage {use.name!r}: the bucket {bucket!r} answers "
                   f"({'a key' if calls[1].result.get('KeyCount') else 'no key'} under "
                   f"{storage.location or 'its root'})", "", blocks)


def answers(calls) -> dict:
    return table("S3 calls", ["operation", "HTTP status", "code", "message"],
                 [c.row() for c in calls])


def settings_findings(name, sent, ownership, block, bucket, blocks, where):
    """The bucket's Object Ownership and public-access block against the ACL sent."""
    unread = [c for c in (ownership, block) if not c.ok and errors.kind(c) in UNREADABLE]
    if unread:
        yield I041(f"Storage {name!r}: {' and '.join(c.operation for c in unread)} could not "
                   f"be read ({', '.join(c.code for c in unread)})", None, blocks)
    rules = ownership.result.get("OwnershipControls", {}).get("Rules", [])
    enforced = any(r.get("ObjectOwnership") == "BucketOwnerEnforced" for r in rules)
    if enforced and sent:
        yield E051(f"Storage {name!r} sends ACL {sent!r}, but the bucket {bucket!r} has ACLs "
                   "disabled (BucketOwnerEnforced): every upload fails with "
                   "AccessControlListNotSupported", None, blocks, **where)
    config = block.result.get("PublicAccessBlockConfiguration", {})
    if config.get("BlockPublicAcls") and sent in PUBLIC_ACLS:
        yield E052(f"Storage {name!r} sends ACL {sent!r}, but the bucket {bucket!r} blocks "
                   "public ACLs (BlockPublicAcls): every upload fails with AccessDenied",
                   None, blocks, **where)
