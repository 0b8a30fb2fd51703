"""Built-in checks, one module or package per family.

Register a check in BUILTIN (its class, by path in this package, under its family), the
options a family adds to both front ends in FLAGS, and what a family needs done before any
check runs in PREPARE. A run imports only the families it selects (see `builtin`): FLAGS
and PREPARE, which every run reads, come from modules that are cheap to import.
"""
from __future__ import annotations

from upload_diagnostics.diagnostics.registry import import_dotted

from .e2e.config import FLAGS as E2E_FLAGS, register_secrets
from .imagekit import redirect_sdk
from .server import FLAGS as SERVER_FLAGS

# family -> its checks, in registration order
BUILTIN = {
    "pillow": ("pillow.PillowCodecs",),
    "django": ("django_settings.UploadSettings",),
    "fileptr": ("fileptr.reuse.FilePointerReuse", "fileptr.errors.MaskedErrors"),
    "server": ("server.config.ServerConfig", "server.proxy.NginxLimits",
               "server.budget.TimeoutBudget", "server.front.FrontHeaders",
               "server.ladder.Ladder", "server.logs.LogTriage"),
    "e2e": ("e2e.check.EndToEndUpload", "e2e.check.StorageUpload", "e2e.check.StoredUrls"),
    "imagekit": ("imagekit.credentials.ImageKitCredentials", "imagekit.compat.ImageKitSdk",
                 "imagekit.network.ImageKitAuth", "imagekit.roundtrip.ImageKitUpload"),
    "media": ("media.serving.MediaServing", "media.disk.MediaDisk"),
    "s3": ("s3.config.S3Config", "s3.bucket.S3Bucket", "s3.upload.S3Upload"),
}
FLAGS = (*SERVER_FLAGS, *E2E_FLAGS)
# Called once with the Context before any check runs (e.g. to point an SDK at a
# configured base URL), whichever checks are selected.
PREPARE = [redirect_sdk, register_secrets]


def builtin(names=()) -> list[type]:
    """The built-in check classes, in registration order. Given the check ids or families
    a run names, only the families they belong to, when each name is one of theirs; else
    every family, so that a name no built-in check has is judged against them all."""
    families = {name.split(".")[0] for name in names}
    if names and families <= BUILTIN.keys():
        chosen = _classes(f for f in BUILTIN if f in families)
        if set(names) <= families | {cls.id for cls in chosen}:
            return chosen
    return _classes(BUILTIN)


def _classes(families) -> list[type]:
    return [import_dotted(f"{__name__}.{path}") for family in families
            for path in BUILTIN[family]]


def prepare(ctx) -> None:
    for func in PREPARE:
        func(ctx)
