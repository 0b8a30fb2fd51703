"""How the project is served: every command line that starts a server, with file:line.

Each place that starts the app (Procfile, Dockerfile, compose, systemd, ...) becomes a
`Launch`: the server, its arguments after shell expansion, the working directory and the
variables the deployment sets. Files are parsed with their own libraries (dockerfile,
PyYAML, tomllib, json, configparser); shell words with shlex.
"""
from __future__ import annotations

import configparser
import json
import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

try:
    import tomllib
except ImportError:  # Python < 3.11
    import tomli as tomllib


from upload_diagnostics.diagnostics.context import project_files
from upload_diagnostics.diagnostics.files import Files

from .yamlfile import Located, load as load_yaml

SERVERS = ("gunicorn", "uwsgi", "uvicorn", "daphne", "hypercorn", "waitress-serve")
DEV_SERVER = "runserver"  # recorded as a launch so a deployment that uses it is told
# Files only a Django project (not a reusable app or library) has.
PROJECT_FILES = ("manage.py", "wsgi.py", "asgi.py", "settings.py")
# Words that run the next word as the command (python -m is handled on its own).
WRAPPERS = {"exec", "nohup", "poetry", "pipenv", "uv", "run", "pdm", "hatch", "env",
            "ddtrace-run", "newrelic-admin", "run-program", "opentelemetry-instrument"}
SHELLS = {"sh", "bash", "dash", "ash", "zsh"}
MAX_DEPTH = 4
# When several sources describe one deployment, the lower rank is what really runs:
# a live process, then orchestrators that override an image's CMD, then the image, ...
RANKS = {"process": 0, "docker-compose": 20, "kubernetes": 20, "Dockerfile": 30,
         "Procfile": 40, "render.yaml": 40, "railway": 40, "fly.toml": 40, "app.yaml": 40,
         "systemd": 45, "supervisor": 45, "shell script": 50, "uwsgi config": 60}
ENV_VARS = ("GUNICORN_CMD_ARGS", "WEB_CONCURRENCY", "PORT")


def deployment_files(root: Path, files: Files | None = None):
    """The project's files that may start or front the app: no media or static folders,
    at most MAX_DEPTH folders deep (folders that cannot be listed are recorded on
    `files`)."""
    return project_files(root, skip={"media", "static"}, depth=MAX_DEPTH, files=files)


@dataclass
class Launch:
    server: str  # gunicorn, uwsgi, uvicorn, ...
    argv: list[str]  # the server's arguments, after shell expansion
    source: str  # a RANKS key
    path: str  # file holding the command, relative to the project ("" for a process)
    line: int
    text: str  # the command as written
    cwd: Path  # the working directory the deployment uses
    env: dict[str, str] = field(default_factory=dict)  # variables the deployment sets
    via: list[str] = field(default_factory=list)  # e.g. ["Procfile:1", "deploy/run.sh:4"]

    @property
    def rank(self) -> int:
        return RANKS.get(self.source, 99)

    @property
    def where(self) -> str:
        return " -> ".join(self.via) if self.via else (f"{self.path}:{self.line}" or "")


@dataclass
class MemoryLimit:
    """A container's memory limit: compose `mem_limit`/`deploy.resources.limits.memory`,
    Kubernetes `resources.limits.memory`."""

    value: str  # as written: "512m", "1Gi", 536870912
    path: str
    line: int
    container: str  # the compose service or Kubernetes container it limits
    command_line: int  # the line of that container's command (0: it sets none)
    source: str  # "docker-compose", "kubernetes" or a platform: how units read


@dataclass
class Discovery:
    launches: list[Launch]
    config_files: list[tuple[str, str]]  # (kind, relative path): gunicorn.conf.py, uwsgi.ini
    environment: dict[str, str]  # GUNICORN_CMD_ARGS, WEB_CONCURRENCY, PORT as set here
    problems: list[tuple[str, int, str]]  # (relative path, line, error) of unreadable files
    memory: list[MemoryLimit] = field(default_factory=list)

    def primary(self, server: str | None = None) -> Launch | None:
        """The launch that really serves the app (Django's runserver never counts: it
        has its own finding)."""
        found = [x for x in self.launches if x.server != DEV_SERVER
                 and (server is None or x.server == server)]
        return min(found, key=lambda x: x.rank) if found else None


def is_django_project(root: Path, files: Files) -> bool:
    """Whether `root` holds a Django project (manage.py, wsgi.py, asgi.py or a settings
    module), not only a reusable app or library, which nothing starts as a server."""
    return any(path.name in PROJECT_FILES or path.parent.name == "settings"
               and path.name == "__init__.py" for path in deployment_files(root, files))


# --- shell words -------------------------------------------------------------------------

_VAR = re.compile(r"\$\{(\w+)(?::?([-=])([^}]*))?\}|\$(\w+)")


def expand(word: str, env: dict[str, str]) -> str:
    """Expand $VAR, ${VAR}, ${VAR:-default} the way sh does (unset -> empty)."""
    def sub(m):
        name = m.group(1) or m.group(4)
        value = env.get(name)
        if m.group(2) and not value:
            return m.group(3)
        return value or ""
    return _VAR.sub(sub, word)


def split_commands(text: str) -> list[list[str]]:
    """Simple commands of a shell line, split at ;, &&, ||, | (words not yet expanded)."""
    lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    commands, current = [], []
    try:
        for token in lexer:
            if token and set(token) <= set(";&|"):
                commands.append(current)
                current = []
            else:
                current.append(token)
    except ValueError:  # unbalanced quotes: take the words shlex managed to read
        pass
    commands.append(current)
    return [c for c in commands if c]


def server_of(words: list[str]) -> tuple[str | None, list[str]]:
    """(server name, its arguments) when `words` start one, after wrappers and assignments."""
    i = 0
    while i < len(words):
        word = words[i]
        base = os.path.basename(word)
        if re.fullmatch(r"\w+=.*", word) or base in WRAPPERS or word.startswith("-") and i and \
                os.path.basename(words[i - 1]) in WRAPPERS:
            i += 1
            continue
        if base in SERVERS:
            return base, words[i + 1:]
        if DEV_SERVER in words[i:i + 3] and (base in ("manage.py", "django-admin") or
                                           re.fullmatch(r"python[\d.]*", base)):
            # python manage.py runserver, django-admin runserver: Django's development server
            return DEV_SERVER, words[words.index(DEV_SERVER, i) + 1:]
        if re.fullmatch(r"python[\d.]*", base) and words[i + 1:i + 2] == ["-m"] and \
                len(words) > i + 2 and words[i + 2] in SERVERS:
            return words[i + 2], words[i + 3:]
        if re.fullmatch(r"python[\d.]*", base) and len(words) > i + 1 and \
                os.path.basename(words[i + 1]) in SERVERS:  # a running console script
            return os.path.basename(words[i + 1]), words[i + 2:]
        return None, []
    return None, []


# --- the walk ----------------------------------------------------------------------------

class Finder:
    def __init__(self, root: Path, files: Files):
        self.root, self.files = root, files
        self.launches: list[Launch] = []
        self.problems: list[tuple[str, int, str]] = []
        self.seen_scripts: set[Path] = set()  # scripts reached from a source
        self.followed: set[tuple] = set()  # (script, where it was first reached from, cwd)
        self.environ = dict(os.environ)  # (copied once: a compose file may list 20,000 services)
        self.uwsgi_configs: list[Path] = []
        self.memory: list[MemoryLimit] = []

    def rel(self, path: Path) -> str:
        try:
            return real(path).relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def command(self, text: str, source: str, path: Path | None, line: int, cwd: Path,
                env: dict, via: list[str]) -> None:
        """Record the servers a shell command starts, following scripts it runs."""
        env = dict(env)
        for raw in split_commands(text):
            scope = {**self.environ, **env}
            words = [expand(w, scope) for w in raw]
            if words[:1] == ["cd"] and len(words) > 1:
                cwd = real(cwd / words[1])
                continue
            if words and words[0] == "export":
                words = words[1:]
            if words and all(re.fullmatch(r"\w+=.*", w) for w in words):
                env.update(w.split("=", 1) for w in words)
                continue
            server, args = server_of(words)
            if server:
                prefix = [w for w in words[:len(words) - len(args)] if re.fullmatch(r"\w+=.*", w)]
                here = {**env, **dict(w.split("=", 1) for w in prefix)}  # NAME=value cmd
                self.launches.append(Launch(server, args, source, self.rel(path) if path else "",
                                            line, text.strip(), cwd, here, via))
                continue
            script = self.script_of(words, cwd)
            if script:
                self.script(script, source, cwd, env, via)
            elif len(words) >= 3 and os.path.basename(words[0]) in SHELLS and words[1] == "-c":
                self.command(words[2], source, path, line, cwd, env, via)

    def script_of(self, words: list[str], cwd: Path) -> Path | None:
        if not words:
            return None
        candidate = words[1] if os.path.basename(words[0]) in SHELLS and len(words) > 1 \
            else words[0]
        for base in (cwd, self.root):
            path = (base / candidate)
            if path.is_file() and not candidate.startswith("-"):
                return real(path)
        return None

    def script(self, path: Path, source: str, cwd: Path, env: dict, via: list[str]) -> None:
        # Each script is followed once per place that starts it (and never into itself):
        # scripts that each run the next one twice would otherwise be read 2**n times.
        key = (path, via[0] if via else "", cwd)
        if key in self.followed or any(v.startswith(f"{self.rel(path)}:") for v in via):
            return
        self.followed.add(key)
        self.seen_scripts.add(path)
        text = self.files.text(path)
        if text is None:
            return
        env = dict(env)
        for number, line in logical_lines(text):
            if line.lstrip().startswith("#"):
                continue
            self.command(line, source, path, number, cwd, env,
                         [*via, f"{self.rel(path)}:{number}"])
            for raw in split_commands(line):  # assignments and cd carry to later lines
                scope = {**self.environ, **env}
                words = [expand(w, scope) for w in raw]
                if words[:1] == ["export"]:
                    words = words[1:]
                if words and all(re.fullmatch(r"\w+=.*", w) for w in words):
                    env.update(w.split("=", 1) for w in words)
                elif words[:1] == ["cd"] and len(words) > 1:
                    cwd = real(cwd / words[1])

    def memory_limit(self, path: Path, source: str, name: str, command_line: int,
                     *mappings) -> None:
        """Record the first `memory`/`mem_limit` key of `mappings` (a service, its limits)."""
        for mapping in mappings:
            for key in ("mem_limit", "memory"):
                if isinstance(mapping, Located) and mapping.get(key) not in (None, ""):
                    self.memory.append(MemoryLimit(str(mapping[key]), self.rel(path),
                                                   mapping.line(key), name, command_line,
                                                   source))
                    return

    def text(self, path: Path) -> str | None:
        """The file's text; None when it is not read (the reader records why)."""
        return self.files.text(path)

    def structured(self, path: Path, loader):
        """A parsed YAML/TOML/JSON file, or None (the parse error is kept as a problem)."""
        text = self.text(path)
        if text is None:
            return None
        try:
            return loader(text)
        except Exception as exc:  # every parser's own error type: report, never crash
            mark = getattr(exc, "problem_mark", None) or getattr(exc, "lineno", None)
            line = (mark.line + 1) if hasattr(mark, "line") else (mark or 0)
            self.problems.append((self.rel(path), line, f"{type(exc).__name__}: {exc}"))
            return None

    # One method per source kind; each calls self.command with file:line.

    def procfile(self, path: Path) -> None:
        for number, line in enumerate((self.text(path) or "").splitlines(), 1):
            m = re.match(r"^([\w-]+):\s*(.+)$", line)
            if m:
                self.command(m.group(2), "Procfile", path, number, self.root, {},
                             [f"{self.rel(path)}:{number}"])

    def docker_image(self, path: Path) -> None:
        import dockerfile

        text = self.text(path)
        if text is None:
            return
        try:
            commands = dockerfile.parse_string(text)
        except (dockerfile.GoParseError, dockerfile.GoIOError) as exc:
            self.problems.append((self.rel(path), 0, f"Dockerfile does not parse: {exc}"))
            return
        env, entry, cmd = {}, None, None
        for c in commands:
            if c.cmd == "FROM":  # a new stage starts from scratch
                env, entry, cmd = {}, None, None
            elif c.cmd == "ENV":
                env.update(zip(c.value[::2], c.value[1::2]))
            elif c.cmd == "ENTRYPOINT":
                entry, cmd = c, None  # ENTRYPOINT resets an inherited CMD
            elif c.cmd == "CMD":
                cmd = c
        shown = entry or cmd
        if shown is None:
            return
        if entry is not None and entry.json:
            words = list(entry.value) + (list(cmd.value) if cmd is not None and cmd.json else [])
            text = shlex.join(words)
        else:
            text = shown.value[0] if not shown.json else shlex.join(shown.value)
        where = f"{self.rel(path)}:{shown.start_line}"
        self.command(text, "Dockerfile", path, shown.start_line, self.root, env, [where])

    def compose(self, path: Path) -> None:
        data = self.structured(path, load_yaml)
        if not isinstance(data, dict) or not isinstance(data.get("services"), dict):
            return
        for name, service in data["services"].items():
            if not isinstance(service, Located):
                continue
            command = service.get("command") or service.get("entrypoint")
            line = service.line("command" if service.get("command") else "entrypoint")
            self.memory_limit(path, "docker-compose", str(name), line, service,
                              *nested(service, "deploy", "resources", "limits"))
            if not command:
                continue
            env = environment_of(service.get("environment"))
            cwd = self.mapped(service.get("working_dir"))
            shell = command if isinstance(command, str) else shlex.join(map(str, command))
            self.command(shell, "docker-compose", path, line, cwd, env,
                         [f"{self.rel(path)}:{line}"])

    def kubernetes(self, path: Path) -> None:
        docs = self.structured(path, lambda t: load_yaml(t, every=True))
        for doc in docs or ():
            for container in containers(doc):
                words = [*map(str, container.get("command") or ()),
                         *map(str, container.get("args") or ())]
                line = container.line("command", "args")
                self.memory_limit(path, "kubernetes", str(container.get("name", "")), line,
                                  *nested(container, "resources", "limits"))
                if not words:
                    continue
                env = {e.get("name"): str(e.get("value", "")) for e in container.get("env") or ()
                       if isinstance(e, dict) and "value" in e}
                self.command(shlex.join(words), "kubernetes", path, line,
                             self.mapped(container.get("workingDir")), env,
                             [f"{self.rel(path)}:{line}"])

    def render(self, path: Path) -> None:
        data = self.structured(path, load_yaml)
        for service in (data or {}).get("services") or () if isinstance(data, dict) else ():
            if isinstance(service, Located) and service.get("startCommand"):
                env = {e["key"]: str(e.get("value", "")) for e in service.get("envVars") or ()
                       if isinstance(e, dict) and "key" in e and "value" in e}
                line = service.line("startCommand")
                self.command(str(service["startCommand"]), "render.yaml", path, line,
                             self.root, env, [f"{self.rel(path)}:{line}"])

    def railway(self, path: Path) -> None:
        loader = json.loads if path.suffix == ".json" else tomllib.loads
        data = self.structured(path, loader)
        command = ((data or {}).get("deploy") or {}).get("startCommand") \
            if isinstance(data, dict) else None
        if command:
            line = line_of(self.text(path) or "", "startCommand", "")
            self.command(str(command), "railway", path, line, self.root, {},
                         [f"{self.rel(path)}:{line}"])

    def fly(self, path: Path) -> None:
        data = self.structured(path, tomllib.loads)
        if not isinstance(data, dict):
            return
        text = self.text(path) or ""
        env = {k: str(v) for k, v in (data.get("env") or {}).items()}
        commands = list((data.get("processes") or {}).values())
        if (data.get("experimental") or {}).get("cmd"):
            commands.append(data["experimental"]["cmd"])
        for command in commands:
            shell = command if isinstance(command, str) else shlex.join(map(str, command))
            first = shell.split()[0] if shell.split() else shell
            line = line_of(text, first, "")
            self.command(shell, "fly.toml", path, line, self.root, env,
                         [f"{self.rel(path)}:{line}"])

    def app_yaml(self, path: Path) -> None:
        data = self.structured(path, load_yaml)
        if isinstance(data, Located) and data.get("entrypoint"):
            env = {k: str(v) for k, v in (data.get("env_variables") or {}).items()}
            line = data.line("entrypoint")
            self.command(str(data["entrypoint"]), "app.yaml", path, line, self.root, env,
                         [f"{self.rel(path)}:{line}"])

    def ini(self, path: Path, text: str) -> None:
        """systemd units, supervisor programs and uWSGI ini files."""
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.optionxform = str
        try:
            parser.read_string(text)
        except configparser.Error as exc:
            line = getattr(exc, "lineno", 0)
            self.problems.append((self.rel(path), line, f"{type(exc).__name__}: {exc}"))
            return
        if parser.has_option("Service", "ExecStart"):
            command = parser.get("Service", "ExecStart").lstrip("@-:+!")
            env = dict(w.split("=", 1) for w in shlex.split(
                parser.get("Service", "Environment", fallback="")) if "=" in w)
            cwd = self.mapped(parser.get("Service", "WorkingDirectory", fallback=None))
            line = line_of(text, "ExecStart=", "")
            self.command(command, "systemd", path, line, cwd, env, [f"{self.rel(path)}:{line}"])
        for section in parser.sections():
            if section.startswith("program:") and parser.has_option(section, "command"):
                env = dict(re.findall(r'(\w+)="?([^",]*)"?',
                                      parser.get(section, "environment", fallback="")))
                cwd = self.mapped(parser.get(section, "directory", fallback=None))
                line = line_of(text, "command", f"[{section}]")
                self.command(parser.get(section, "command"), "supervisor", path, line, cwd,
                             env, [f"{self.rel(path)}:{line}"])
        if parser.has_section("uwsgi"):
            self.uwsgi_configs.append(path)

    def sniff(self, path: Path) -> None:
        """Files whose name does not say what they are: units, supervisor and uWSGI ini,
        Kubernetes manifests, uWSGI yaml, shell scripts."""
        if path.suffix == ".sh":
            if real(path) not in self.seen_scripts:
                self.script(real(path), "shell script", self.root, {}, [])
            return
        text = self.text(path) or ""
        if path.suffix in (".service", ".conf", ".ini"):
            if re.search(r"^\s*\[(Service|program:[^\]]+|uwsgi)\]", text, re.M):
                self.ini(path, text)
        elif re.search(r"^kind:\s*(Deployment|StatefulSet|DaemonSet|Pod|Job|CronJob)\b",
                       text, re.M):
            self.kubernetes(path)
        elif re.search(r"^uwsgi:", text, re.M):
            self.uwsgi_configs.append(path)

    def mapped(self, directory) -> Path:
        """A deployment's working directory; container paths map to the project root."""
        if directory:
            path = Path(str(directory))
            if path.is_dir():
                return real(path)
            if not path.is_absolute() and (self.root / path).is_dir():
                return real(self.root / path)
        return self.root


def real(path: Path) -> Path:
    """The path with symlinks resolved as far as they go (a loop is no error here)."""
    return Path(os.path.realpath(path))


def logical_lines(text: str):
    """(first line number, line) with backslash continuations joined."""
    buffer, start = "", 0
    for number, line in enumerate(text.splitlines(), 1):
        if not buffer:
            start = number
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        yield start, buffer + line
        buffer = ""
    if buffer:
        yield start, buffer


def line_of(text: str, needle: str, after: str) -> int:
    """The first line holding `needle` after the first line holding `after` (1-based)."""
    lines = text.splitlines()
    begin = next((i for i, line in enumerate(lines) if after and after in line), 0)
    for i in range(begin, len(lines)):
        if needle in lines[i]:
            return i + 1
    return 0


def environment_of(value) -> dict[str, str]:
    """compose `environment:` as a mapping or a list of NAME=value."""
    if isinstance(value, dict):
        return {str(k): "" if v is None else str(v) for k, v in value.items()}
    if isinstance(value, list):
        return dict(str(item).split("=", 1) for item in value if "=" in str(item))
    return {}


def nested(mapping, *keys) -> tuple:
    """(mapping[k1][k2]...) as a one-item tuple when every step is a mapping, else ()."""
    for key in keys:
        mapping = mapping.get(key) if isinstance(mapping, dict) else None
    return (mapping,) if isinstance(mapping, dict) else ()


def containers(doc):
    """Container specs anywhere in a Kubernetes object (Deployment, Pod, CronJob, ...)."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            if key in ("containers", "initContainers") and isinstance(value, list):
                yield from (c for c in value if isinstance(c, Located))
            else:
                yield from containers(value)
    elif isinstance(doc, list):
        for item in doc:
            yield from containers(item)


def live_processes(root: Path) -> list[Launch]:
    """Running server masters whose working directory is inside the project (Linux /proc)."""
    found = []
    proc = Path("/proc")
    if not proc.is_dir():
        return found
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            words = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
            cwd = Path(os.readlink(entry / "cwd"))
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        server, args = server_of([w for w in words if w])
        if not server or root not in (cwd, *cwd.parents):
            continue
        ppid = stat.rsplit(")", 1)[-1].split()[1]
        try:
            parent = (proc / ppid / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            parent = ""
        if server_of([w for w in parent.split("\0") if w])[0] == server:
            continue  # a worker; its master is listed
        try:
            environ = (entry / "environ").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            environ = []
        env = {k: v for k, _, v in (e.partition("=") for e in environ) if k in ENV_VARS}
        found.append(Launch(server, [w for w in args if w], "process", "", 0,
                            " ".join(words).strip(), cwd, env, [f"process {entry.name}"]))
    return found


def is_dockerfile(path: Path) -> bool:
    lower = path.name.lower()
    return path.name == "Dockerfile" or lower.startswith("dockerfile.") \
        or lower.endswith(".dockerfile")


def is_compose(path: Path) -> bool:
    return re.fullmatch(r"(docker-)?compose[\w.-]*\.ya?ml", path.name.lower()) is not None


def reader_for(finder: Finder, path: Path):
    """The Finder method that reads this kind of deployment file, or None."""
    name, lower = path.name, path.name.lower()
    if name == "Procfile":
        return finder.procfile
    if is_dockerfile(path):
        return finder.docker_image
    if is_compose(path):
        return finder.compose
    return {"render.yaml": finder.render, "railway.json": finder.railway,
            "railway.toml": finder.railway, "fly.toml": finder.fly,
            "app.yaml": finder.app_yaml}.get(lower) or (
        finder.sniff if lower.endswith((".service", ".conf", ".ini", ".yaml", ".yml", ".sh"))
        else None)


def discover(root: Path, reader: Files) -> Discovery:
    finder = Finder(root, reader)
    files = list(deployment_files(root, reader))
    for path in sorted(files, key=lambda p: p.suffix == ".sh"):  # scripts once reached
        read = reader_for(finder, path)
        try:
            if read:
                read(path)
        except Exception as exc:  # a file no reader anticipated: a finding, never a crash
            finder.problems.append((finder.rel(path), 0, f"{type(exc).__name__}: {exc}"))
    config_files = [("gunicorn config", finder.rel(p)) for p in files if re.fullmatch(
        r"gunicorn[\w.-]*\.conf\.py|gunicorn_conf(ig)?\.py", p.name.lower())]
    for path in finder.uwsgi_configs:
        config_files.append(("uwsgi config", finder.rel(path)))
        if not any(x.server == "uwsgi" for x in finder.launches):
            flag = "--ini" if path.suffix in (".ini", ".conf") else "--yaml"
            finder.launches.append(Launch("uwsgi", [flag, str(path)], "uwsgi config",
                                          finder.rel(path), 1, f"uwsgi {flag} {finder.rel(path)}",
                                          root, {}, [f"{finder.rel(path)}:1"]))
    launches = live_processes(root) + finder.launches
    environment = {k: os.environ[k] for k in ENV_VARS if k in os.environ}
    return Discovery(launches, config_files, environment, finder.problems, finder.memory)
