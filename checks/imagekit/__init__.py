"""The imagekit family: credentials, the key against the API, SDK compatibility and an
upload round trip (credentials, compat, network and roundtrip: registered in
checks.BUILTIN).

Diagnose against a staging or mock ImageKit by setting UPLOAD_DIAGNOSTICS["IMAGEKIT"]
["BASE_URL"] or the environment variable UPLOAD_DIAGNOSTICS_IMAGEKIT_URL: `redirect_sdk`
(registered in checks.PREPARE) points the installed imagekitio at it in-process before
any check runs, so the checks and the project's own storage both talk to it.
"""
from . import config as cfg
from . import sdk as sdk_mod


def redirect_sdk(ctx) -> None:
    """Point the installed SDK at the configured base URL, if any."""
    url = cfg.base_url(ctx)
    if url:
        sdk_mod.redirect(url, sdk_mod.installed())
