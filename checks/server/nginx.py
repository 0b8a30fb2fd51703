"""nginx in front of the app: the limits in force where uploads are proxied, via crossplane.

A full nginx.conf is parsed with its includes; a conf.d snippet (server blocks at top
level) is parsed on its own with context checks off, the way nginx would read it inside
`http { include conf.d/*.conf; }`. Directives inherit http -> server -> location.
"""
from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from upload_diagnostics.diagnostics.files import Files

from .discovery import deployment_files

SYSTEM_CONF = Path("/etc/nginx/nginx.conf")
PASSES = ("proxy_pass", "uwsgi_pass", "fastcgi_pass", "scgi_pass", "grpc_pass")
FILES = ("alias", "root")  # a location with one of these (or an inherited root) serves files
# Directive -> nginx's default.
DEFAULTS = {"client_max_body_size": "1m", "proxy_read_timeout": "60s",
            "client_body_timeout": "60s", "proxy_request_buffering": "on",
            "uwsgi_read_timeout": "60s", "uwsgi_request_buffering": "on"}


@dataclass
class Location:
    file: str
    line: int
    path: str  # the location's match argument, e.g. "/" or "/api/"
    server_name: str
    values: dict  # directive -> (value, "file:line") of what is set
    passes: str  # how it hands requests on

    @property
    def buffered(self) -> bool:
        """nginx reads the whole body before passing it on (proxy_/uwsgi_request_buffering)."""
        prefix = self.passes.split("_")[0]
        return self.get(f"{prefix}_request_buffering") != "off"

    def get(self, name: str) -> str:
        return self.values[name][0] if name in self.values else DEFAULTS.get(name, "")

    def origin(self, name: str) -> str:
        return self.values[name][1] if name in self.values else "nginx default"


@dataclass
class Parsed:
    file: Path
    locations: list[Location]
    errors: list[tuple[str, int, str]]  # (file, line, crossplane's message)
    snippet: bool
    files: set = field(default_factory=set)  # the file and every file it includes
    served: list[Location] = field(default_factory=list)  # locations serving files from disk


def looks_like_nginx(path: Path, files: Files) -> bool:
    text = (files.text(path) or "")[:20000]
    return bool(re.search(r"^\s*(server|http|location|upstream)\b[^{;]*\{", text, re.M))


def find_files(root: Path, files: Files) -> list[Path]:
    """Project files that hold nginx configuration (*.conf, nginx*, sites-*/...)."""
    found = []
    for path in deployment_files(root, files):
        rel = path.relative_to(root).as_posix().lower()
        if (rel.endswith(".conf") or "nginx" in rel) and looks_like_nginx(path, files):
            found.append(path)
    return found


def parse(path: Path, files: Files) -> Parsed:
    """Parse one file; a top-level `http` means a full config whose includes are followed
    (unless one of them is a file crossplane must not open: it is then parsed alone)."""
    import crossplane  # the [server] extra

    first = crossplane.parse(str(path), single=True, check_ctx=False, catch_errors=True)
    top = [d["directive"] for c in first["config"] for d in c["parsed"]]
    snippet = "http" not in top
    full = not (snippet or first["errors"] or blocked_include(path, files))
    payload = crossplane.parse(str(path), catch_errors=True) if full else first
    errors = [(e.get("file", str(path)), e.get("line") or 0, e["error"])
              for e in payload["errors"]]
    files = {c["file"]: c["parsed"] for c in payload["config"]}
    locations: list[Location] = []
    served: list[Location] = []
    for config in payload["config"][:1]:  # includes are walked where they are included
        walk(config["parsed"], config["file"], {}, "", (locations, served), files)
    # crossplane names an included file as written ("conf/../z.conf"): compared normalized
    return Parsed(path, locations, errors, snippet, {os.path.normpath(f) for f in files},
                  served)


def walk(directives, file, inherited, server_name, out, files) -> None:
    """Collect proxied locations with the limits they inherit (http -> server -> location)
    into out[0], and locations serving files from disk (alias, root) into out[1];
    `include` directives are expanded from crossplane's parsed list of included files.
    (A `server` block is an http server: stream and mail blocks are not walked.)"""
    directives = expand_includes(directives, file, files)
    values = dict(inherited)
    for d in directives:
        if (d["directive"] in DEFAULTS or d["directive"] == "root") and d["args"]:
            values[d["directive"]] = (d["args"][0], f"{d['file']}:{d['line']}")
    for d in directives:
        name, block = d["directive"], d.get("block")
        if block is None:
            continue
        if name == "server":
            names = [x["args"] for x in block if x["directive"] == "server_name"]
            walk(block, d["file"], values, " ".join(names[0]) if names else "", out, files)
        elif name in ("http", "location"):
            inner = expand_includes(block, d["file"], files)
            here = dict(values)
            for x in inner:
                if (x["directive"] in DEFAULTS or x["directive"] in FILES) and x["args"]:
                    here[x["directive"]] = (x["args"][0], f"{x['file']}:{x['line']}")
            passes = next((x["directive"] for x in inner if x["directive"] in PASSES), "")
            if name == "location" and (passes or any(k in here for k in FILES)):
                out[0 if passes else 1].append(Location(
                    d["file"], d["line"], " ".join(d["args"]), server_name, here, passes))
            walk(block, d["file"], values, server_name, out, files)


def expand_includes(directives, file, files) -> list[dict]:
    """The directives with each `include` replaced by the included files' directives, each
    directive tagged with the file it comes from."""
    out = []
    for d in directives:
        d = {**d, "file": file}
        if d["directive"] == "include" and "includes" in d:
            names = list(files)  # crossplane's includes are indexes into its config list
            for index in d["includes"]:
                out += expand_includes(files[names[index]], names[index], files)
        else:
            out.append(d)
    return out


def size_bytes(value: str) -> int | None:
    """nginx size ("10m", "512k", "0" = unlimited) in bytes; None when unlimited."""
    m = re.fullmatch(r"(\d+)([kKmMgG]?)", value.strip())
    if not m:
        return None
    number = int(m.group(1)) * {"": 1, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}[
        m.group(2).lower()]
    return number or None


def seconds(value: str) -> float | None:
    """nginx time ("25s", "1m", "500ms", "60") in seconds."""
    total = 0.0
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "": 1}
    parts = re.findall(r"(\d+)(ms|s|m|h|d|)", value.strip())
    if not parts:
        return None
    for number, unit in parts:
        total += int(number) * units[unit]
    return total


def blocked_include(path: Path, files: Files) -> bool:
    """Whether a file `path` includes, at any depth, exists but is not a regular file
    within the size limit: crossplane would block on it or read it whole. The reader
    records it; a missing include is crossplane's own error."""
    import crossplane

    todo, seen = [str(path)], set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name != str(path):
            if not os.path.lexists(name):
                continue
            if not files.readable(name):
                return True
        parsed = crossplane.parse(name, single=True, check_ctx=False, catch_errors=True)
        todo += included(parsed["config"][0]["parsed"], os.path.dirname(str(path)))
    return False


def included(directives, folder: str) -> list[str]:
    """The files `include` directives name (globs expanded), at any depth of blocks;
    relative names are relative to the main file's folder, as crossplane reads them."""
    names = []
    for d in directives:
        if d["directive"] == "include" and d["args"]:
            pattern = os.path.join(folder, d["args"][0])
            names += sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
        names += included(d.get("block") or (), folder)
    return names


def safe_parse(path: Path, files: Files) -> Parsed:
    """parse(), with anything crossplane did not anticipate reported as the file's error."""
    try:
        return parse(path, files)
    except Exception as exc:  # a broken file is a finding, never a crash
        return Parsed(path, [], [(str(path), 0, f"{type(exc).__name__}: {exc}")], True)


def load(root: Path, files: Files) -> list[Parsed]:
    """The project's nginx files (full configs first; a snippet they include is read
    there, not again on its own), plus /etc/nginx when readable and it proxies an app."""
    found = find_files(root, files)
    parsed: list[Parsed] = []
    covered: set[str] = set()
    for path in sorted(found, key=lambda p: p.name != "nginx.conf"):
        if str(path) in covered:
            continue
        result = safe_parse(path, files)
        parsed.append(result)
        if not result.snippet:
            covered |= result.files
    parsed = [p for p in parsed if not (p.snippet and str(p.file) in covered)]
    try:
        if SYSTEM_CONF.is_file() and not any(SYSTEM_CONF == p.file for p in parsed):
            system = safe_parse(SYSTEM_CONF, files)
            if system.locations:
                parsed.append(system)
    except OSError:
        pass
    return parsed
