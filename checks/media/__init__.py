"""The media family: uploads kept on the server's own disk (Django's FileSystemStorage),
where most projects start.

    serving  static: what serves MEDIA_URL once DEBUG is off (a URL pattern resolved by
             Django with DEBUG=False, an nginx location), or nothing
    disk     static: whether MEDIA_ROOT survives the deployment (a volume, disk or mount
             in compose, fly, render, Kubernetes; Heroku's is always ephemeral) and is
             shared by every replica

Which storages keep files on disk comes from `checks.storages`.
"""
from __future__ import annotations

from upload_diagnostics.diagnostics import Skip

from .. import storages
from ..django_settings import wrong_settings


def on_disk(ctx) -> list:
    """The project's storages that keep uploads on local disk (FileSystemStorage and its
    subclasses, static files' storage left out); Skip, saying which backends are used,
    when there is none."""
    from django.contrib.staticfiles.storage import StaticFilesStorage
    from django.core.files.storage import FileSystemStorage

    wrong = wrong_settings(ctx.settings)
    if wrong:  # Django cannot build the storages from them
        raise Skip(f"{', '.join(wrong)} of the wrong type (django.E005): Django cannot build "
                   "the storages from them", "the settings with the types "
                   "django.upload_settings names")
    found = [use for use in storages.of_class(ctx, FileSystemStorage)
             if use.name != "staticfiles" and not isinstance(use.instance, StaticFilesStorage)]
    if not found:
        used = sorted({use.backend.rsplit(".", 1)[-1] for use in storages.resolve(ctx)
                       if use.name != "staticfiles"})
        raise Skip("no storage keeps uploads on local disk (FileSystemStorage)"
                   + (f": the project's uploads go to {', '.join(used)}" if used else ""))
    return found
