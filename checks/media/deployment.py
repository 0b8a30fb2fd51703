"""Where the app's containers run and what they mount, read from the project's deployment
files (compose, fly.toml, render.yaml, Kubernetes manifests, a Heroku Procfile, the
Dockerfile's WORKDIR) with the server family's readers: the same files, parsed the same
way."""
from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python < 3.11
    import tomli as tomllib

from ..server.discovery import (deployment_files, is_compose, is_dockerfile, line_of, server_of,
                                split_commands)
from ..server.platforms import heroku_file, mapping, parsed
from ..server.yamlfile import Located, load as load_yaml


@dataclass
class Mount:
    target: str  # the folder inside the container
    where: str  # path:line
    shared: bool = True  # False: a volume only one machine sees (fly)


@dataclass
class Runner:
    """One thing that runs the app: a compose service, a fly app, a render service, a
    Kubernetes workload, Heroku's dynos."""

    kind: str  # "docker-compose", "fly.toml", "render.yaml", "kubernetes", "Heroku"
    name: str
    where: str  # path:line of its declaration
    workdir: str | None = None  # the app's folder inside the container, when known
    mounts: list[Mount] = field(default_factory=list)
    replicas: tuple[int, str] | None = None  # (count, path:line) when more than one is set
    ephemeral: bool = False  # no mount can help (Heroku)


@dataclass
class Deployment:
    runners: list[Runner]
    images: list[tuple[str, str | None]]  # (Dockerfile path, its WORKDIR) of each image


def read(root: Path, files) -> Deployment:
    reader = Reader(root, files)
    for path in deployment_files(root, files):
        reader.file(path)
    shown_by = heroku_file(root)
    if shown_by:
        reader.runners.append(Runner("Heroku", "web", f"{shown_by}:1", ephemeral=True))
    return Deployment(reader.runners, reader.images)


class Reader:
    def __init__(self, root: Path, files):
        self.root, self.files = root, files
        self.runners: list[Runner] = []
        self.images: list[tuple[str, str | None]] = []

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def file(self, path: Path) -> None:
        name = path.name.lower()
        if is_dockerfile(path):
            self.dockerfile(path)
        elif is_compose(path):
            self.compose(path)
        elif name == "fly.toml":
            self.fly(path)
        elif name == "render.yaml":
            self.render(path)
        elif name.endswith((".yaml", ".yml")):
            self.kubernetes(path)

    def dockerfile(self, path: Path) -> None:
        import dockerfile

        try:
            commands = dockerfile.parse_string(self.files.text(path) or "")
        except (dockerfile.GoParseError, dockerfile.GoIOError):
            return  # server.config reports it
        workdir = None
        for c in commands:
            if c.cmd == "FROM":
                workdir = None
            elif c.cmd == "WORKDIR" and c.value:
                workdir = posixpath.join(workdir or "/", c.value[0])
        self.images.append((self.rel(path), workdir))

    def compose(self, path: Path) -> None:
        data = parsed(self.files.text(path), load_yaml)
        services = data.get("services") if isinstance(data, dict) else None
        for name, service in (services or {}).items():
            if not isinstance(service, Located) or not _runs_app(service):
                continue
            rel = self.rel(path)
            runner = Runner("docker-compose", str(name), f"{rel}:{services.line(name)}",
                            service.get("working_dir"))
            for item in service.get("volumes") or ():
                target = item.get("target") if isinstance(item, dict) else \
                    str(item).split(":")[1 if ":" in str(item) else 0]
                if target and not (isinstance(item, dict) and item.get("type") == "tmpfs"):
                    runner.mounts.append(Mount(str(target), f"{rel}:{service.line('volumes')}"))
            deploy = mapping(service.get("deploy"))
            for holder, key in ((deploy, "replicas"), (service, "scale")):
                if isinstance(holder.get(key), int) and holder[key] > 1:
                    runner.replicas = (holder[key], f"{rel}:{holder.line(key)}")
            self.runners.append(runner)

    def fly(self, path: Path) -> None:
        text = self.files.text(path) or ""
        data = parsed(text, tomllib.loads)
        if not isinstance(data, dict):
            return
        rel = self.rel(path)
        runner = Runner("fly.toml", str(data.get("app", "app")), f"{rel}:1")
        mounts = data.get("mounts") or []
        for mount in [mounts] if isinstance(mounts, dict) else mounts:
            if isinstance(mount, dict) and mount.get("destination"):
                where = f"{rel}:{line_of(text, 'destination', '')}"
                runner.mounts.append(Mount(str(mount["destination"]), where, shared=False))
        count = (data.get("http_service") or {}).get("min_machines_running")
        if isinstance(count, int) and count > 1:
            runner.replicas = (count, f"{rel}:{line_of(text, 'min_machines_running', '')}")
        self.runners.append(runner)

    def render(self, path: Path) -> None:
        data = parsed(self.files.text(path), load_yaml)
        rel = self.rel(path)
        for service in (data.get("services") or () if isinstance(data, dict) else ()):
            if not isinstance(service, Located) or service.get("type") not in ("web", "worker",
                                                                              "pserv"):
                continue
            runner = Runner("render.yaml", str(service.get("name", "")),
                            f"{rel}:{service.line('type')}")
            disk = mapping(service.get("disk"))
            if disk.get("mountPath"):
                runner.mounts.append(Mount(str(disk["mountPath"]),
                                           f"{rel}:{disk.line('mountPath')}"))
            count = service.get("numInstances")
            if isinstance(count, int) and count > 1:
                runner.replicas = (count, f"{rel}:{service.line('numInstances')}")
            self.runners.append(runner)

    def kubernetes(self, path: Path) -> None:
        text = self.files.text(path) or ""
        if "kind:" not in text:
            return
        rel = self.rel(path)
        for doc in parsed(text, lambda t: load_yaml(t, every=True)) or ():
            if not isinstance(doc, Located) or doc.get("kind") not in (
                    "Deployment", "StatefulSet", "ReplicaSet", "Pod"):
                continue
            spec = mapping(doc.get("spec"))
            pod = mapping(mapping(spec.get("template")).get("spec")) \
                if doc["kind"] != "Pod" else spec
            claims = _claim_templates(spec)
            kept = claims | {v.get("name") for v in pod.get("volumes") or ()
                             if isinstance(v, dict) and "emptyDir" not in v}
            for container in pod.get("containers") or ():
                if not isinstance(container, Located):
                    continue
                runner = Runner("kubernetes", str(container.get("name", "")),
                                f"{rel}:{doc.line('kind')}", container.get("workingDir"))
                for mount in container.get("volumeMounts") or ():
                    if isinstance(mount, dict) and mount.get("name") in kept:
                        runner.mounts.append(Mount(
                            str(mount.get("mountPath", "")), f"{rel}:"
                            f"{container.line('volumeMounts')}",
                            shared=mount.get("name") not in claims))
                if isinstance(spec.get("replicas"), int) and spec["replicas"] > 1:
                    runner.replicas = (spec["replicas"], f"{rel}:{spec.line('replicas')}")
                self.runners.append(runner)


def _runs_app(service: Located) -> bool:
    """A compose service built from the project, or whose command starts an app server."""
    command = service.get("command") or service.get("entrypoint") or ""
    shell = command if isinstance(command, str) else " ".join(map(str, command))
    return "build" in service or any(server_of(words)[0] for words in split_commands(shell))


def _claim_templates(spec: Located) -> set:
    """A StatefulSet's per-replica claims: one volume per replica, never shared."""
    return {mapping(mapping(c).get("metadata")).get("name")
            for c in spec.get("volumeClaimTemplates") or ()}
