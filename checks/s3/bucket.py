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

from upload_diagnostics.diagnostics import Check, kv, table

from . import errors
from .codes import E049, E051, E052, E053, I040, I041
from .found import located, origin, s3_uses, sent_acl

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


def client(session, s3, seconds: float):
    """The storage's boto3 client, made from its session as S3Storage.connection makes it,
    with one attempt per call and short timeouts."""
    from botocore.config import Config

    storage = s3.storage
    bounds = Config(connect_timeout=seconds, read_timeout=seconds,
                    retries={"mode": "standard", "total_max_attempts": 1})
    return session.client("s3", region_name=storage.region_name, use_ssl=storage.use_ssl,
                          endpoint_url=storage.endpoint_url,
                          config=s3.client_config.merge(bounds), verify=storage.verify)


def acl(storage) -> str | None:
    """The canned ACL the storage sends with each upload."""
    return sent_acl(storage)[0]


def where(ctx, s3, option: str) -> dict:
    """The finding location of the line that set the storage's `option`, else of the
    storage's declaration."""
    return located(origin(ctx, s3, option)[1] or s3.use.where)


def description(use, storage, api) -> dict:
    config = api.meta.config
    return {"storage": use.name, "declared": f"{use.declared} ({use.where})" if use.where
            else use.declared, "backend": use.backend, "bucket": storage.bucket_name,
            "location": storage.location or "(bucket root)",
            "endpoint": api.meta.endpoint_url, "region": api.meta.region_name,
            "signing": config.signature_version or "(botocore's default)",
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
        seconds, probed = timeout(ctx), set()
        for s3 in s3_uses(ctx):
            storage = s3.storage
            same = (storage.endpoint_url, storage.region_name, storage.bucket_name,
                    storage.access_key, storage.session_profile, storage.location, acl(storage))
            if same in probed:  # another alias of the very same bucket and client
                continue
            probed.add(same)
            ctx.progress(f"      s3.bucket: {storage.bucket_name} at "
                         f"{storage.endpoint_url or 'AWS'}")
            yield from self.probe(ctx, s3, seconds)

    def probe(self, ctx, s3, seconds):
        from botocore.exceptions import BotoCoreError

        storage, name, bucket = s3.storage, s3.use.name, s3.storage.bucket_name
        try:
            session = storage._create_session()
            api = client(session, s3, seconds)
            credentials = session.get_credentials()
        except BotoCoreError as exc:  # a profile that is not there, a broken config file
            yield E053(f"Storage {name!r}: botocore cannot make a client for bucket {bucket!r}"
                       f" ({type(exc).__name__}: {exc})", None, **located(s3.use.where))
            return
        except ValueError as exc:  # botocore refuses the endpoint URL
            yield E049(f"Storage {name!r}: {exc}", None, **located(s3.use.where))
            return
        about = kv("S3 storage", description(s3.use, storage, api))
        if credentials is None:
            yield E053(f"Storage {name!r}: botocore finds no credentials for bucket "
                       f"{bucket!r}", None, [about], **located(s3.use.where))
            return
        ctx.add_secret(credentials.secret_key or "")
        ctx.add_secret(credentials.token or "")
        about["items"].append(["access key", credentials.access_key])  # (shown fingerprinted)
        calls = [errors.call("HeadBucket", api.head_bucket, Bucket=bucket)]
        if calls[0].failure not in ("timeout", "connection"):
            calls.append(errors.call("ListObjectsV2", api.list_objects_v2, Bucket=bucket,
                                     Prefix=storage.location, MaxKeys=1))
        failed = [c for c in calls if not c.ok]
        if failed:
            worst = next((c for c in failed if c.named), failed[0])
            spot = where(ctx, s3, "region_name") if errors.kind(worst) == "region" else \
                located(s3.use.where)
            yield errors.finding(worst, f"Storage {name!r}, {worst.operation}", bucket,
                                 api.meta.region_name, seconds, [about, answers(calls)],
                                 **spot)
            return
        calls.append(errors.call("GetBucketOwnershipControls",
                                 api.get_bucket_ownership_controls, Bucket=bucket))
        calls.append(errors.call("GetPublicAccessBlock", api.get_public_access_block,
                                 Bucket=bucket))
        blocks = [about, answers(calls)]
        acl_option = "object_parameters" if "ACL" in storage.get_object_parameters("probe") \
            else "default_acl"
        yield from settings_findings(name, acl(storage), calls[2], calls[3], bucket, blocks,
                                     where(ctx, s3, acl_option))
        yield I040(f"Storage {name!r}: the bucket {bucket!r} answers "
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
