"""media.disk: whether the folder a storage keeps uploads in survives the deployment (a
volume, disk or mount covers it) and is shared by every replica of the app."""
from __future__ import annotations

import posixpath
from pathlib import Path

from upload_diagnostics.diagnostics import Check, Skip, kv

from ..server.config import require_parsers
from . import deployment, on_disk
from .codes import E020, E021, I020, W020


def in_container(ctx, folder: str, workdir: str | None) -> tuple[str | None, str | None]:
    """(the folder's path inside the container, or None when the app's folder there is
    unknown; its path relative to the project, or None when it lies outside)."""
    try:
        rel = Path(folder).resolve().relative_to(ctx.project_root).as_posix()
    except ValueError:
        return folder, None  # an absolute folder outside the project: the same in the image
    return (posixpath.join(workdir, rel) if workdir else None), rel


def covers(target: str, inner: str | None, rel: str | None) -> bool:
    """Whether a mount at `target` holds the folder: by its container path when known,
    else when the mount ends with the folder's first parts in the project (/app/media
    for media/photos), erring towards covered."""
    target = target.rstrip("/") or "/"
    if inner is not None:
        return inner == target or inner.startswith(target.rstrip("/") + "/")
    parts = (rel or "").split("/")
    return any(target.endswith("/" + "/".join(parts[:k])) for k in range(1, len(parts) + 1))


def at(where: str) -> dict:
    path, _, line = where.rpartition(":")
    return {"path": path or None, "line": int(line) if line.isdigit() and int(line) else None}


class MediaDisk(Check):
    """Reads how the project's containers are run (compose, fly, render, Kubernetes,
    Heroku) and holds each storage's folder on disk against their volumes and replicas."""

    id = "media.disk"
    title = "Uploads kept on disk survive deploys and are shared by every replica"
    layer = "storage"
    tags = ("media", "storage", "platform")
    codes = (I020, E020, W020, E021)
    needs_django = True

    def run(self, ctx):
        uses = on_disk(ctx)
        require_parsers()
        found = deployment.read(ctx.project_root, ctx.files)
        if not found.runners and not found.images:
            raise Skip("the project shows no container or platform: no Dockerfile, compose "
                       "file, fly.toml, render.yaml, Kubernetes manifest or Heroku Procfile",
                       "the deployment's files in the project (--project-dir)")
        workdir = next((w for _, w in found.images if w), None)
        for use in uses:
            folder = use.instance.location
            if not found.runners:
                image, image_workdir = found.images[0]
                inner, _ = in_container(ctx, folder, image_workdir)
                yield W020(f"{use.declared} keeps uploads in {ctx.relpath(folder)} inside the "
                           f"image built by {image}, and no file of the project runs the "
                           "container with a volume there", evidence=[kv("What was checked", {
                               "storage": f"{use.backend} ({use.where or '?'})",
                               "folder in the container": inner or "unknown (no WORKDIR)"})],
                           path=image, line=None)
                continue
            for runner in found.runners:
                yield from self.judge(ctx, use, folder, runner, runner.workdir or workdir)

    def judge(self, ctx, use, folder: str, runner: deployment.Runner, workdir: str | None):
        inner, rel = in_container(ctx, folder, workdir)
        mount = next((m for m in runner.mounts if covers(m.target, inner, rel)), None)
        shown = f"{runner.kind} {runner.name!r} ({runner.where})"
        saw = {"storage": f"{use.declared} -> {use.backend} ({use.where or '?'})",
               "folder": ctx.relpath(folder),
               "folder in the container": inner or "unknown (no WORKDIR); matched by name",
               "runs the app": shown,
               "mounts": ", ".join(f"{m.target} ({m.where})" for m in runner.mounts) or "none"}
        evidence = [kv("What was checked", saw)]
        subject = f"{use.declared} keeps uploads in {ctx.relpath(folder)}"
        if runner.ephemeral:
            yield E020(f"{subject} on Heroku, where a dyno's filesystem is ephemeral: uploads "
                       "vanish at the next deploy or daily restart", evidence=evidence,
                       **at(runner.where))
        elif mount is None:
            yield E020(f"{subject}, and no volume of {shown} covers it: uploads vanish when "
                       "the container is replaced", evidence=evidence, **at(runner.where))
        else:
            yield I020(f"{subject} on the volume mounted at {mount.target} ({mount.where}) "
                       f"by {shown}", "", evidence)
        if runner.replicas and (mount is None or not mount.shared):
            count, where = runner.replicas
            disk = "its own disk" if mount is None else \
                f"a volume only one machine sees ({mount.target}, {mount.where})"
            yield E021(f"{shown} runs {count} copies ({where}), each saving uploads on {disk}: "
                       "an upload saved by one is 404 on the others", evidence=evidence,
                       **at(where))
