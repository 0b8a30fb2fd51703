"""uWSGI's effective request limits from its command line and the ini/yaml files it loads.

uWSGI applies options in the order it reads them (a file loaded with --ini at its place
on the command line), the last value winning; the files are parsed with configparser and
PyYAML.
"""
from __future__ import annotations

import configparser
from pathlib import Path

from upload_diagnostics.diagnostics.files import Files

from .discovery import Launch
from .yamlfile import AliasBomb, load as load_yaml

# Option -> (default, meaning of the default)
DEFAULTS = {"harakiri": (0, "off: no request is ever killed"),
            "http-timeout": (60, "seconds the HTTP router waits for the app"),
            "socket-timeout": (4, "seconds for socket reads and writes"),
            "limit-post": (0, "no limit on the request body"),
            "buffer-size": (4096, "bytes for request headers; larger headers get a 502")}


class UwsgiError(ValueError):
    """A config file uWSGI would fail to read: the parser's own message."""


def options(path: Path, kind: str, files: Files) -> list[tuple[str, str]]:
    text = files.text(path)
    if text is None:  # not a regular file, or too large: the reader says why
        return []
    if kind == "yaml":
        import yaml  # the [server] extra

        try:
            data = load_yaml(text) or {}
        except (yaml.YAMLError, AliasBomb, RecursionError) as exc:
            raise UwsgiError(f"{path.name}: {exc}") from None
        section = data.get("uwsgi") if isinstance(data, dict) else None
        return [(str(k), str(v)) for k, v in (section or {}).items()]
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        raise UwsgiError(f"{path.name}: {exc}") from None
    return list(parser.items("uwsgi")) if parser.has_section("uwsgi") else []


def resolve(launch: Launch, relpath, files: Files) -> dict:
    """{option: {"value", "source"}} for the DEFAULTS options; raises UwsgiError."""
    found = {key: {"value": default, "source": "default"} for key, (default, _) in
             DEFAULTS.items()}
    args = list(launch.argv)
    i = 0
    while i < len(args):
        word = args[i]
        if not word.startswith("-"):
            i += 1
            continue
        name, _, value = word.lstrip("-").partition("=")
        if not value and i + 1 < len(args) and not args[i + 1].startswith("-"):
            value = args[i + 1]
            i += 1
        i += 1
        name = name.replace("_", "-")
        if name in ("ini", "yaml", "yml"):
            path = (launch.cwd / value)
            if not path.is_file():
                raise UwsgiError(f"--{name} {value}: no such file in {launch.cwd}")
            for key, item in options(path, "yaml" if name != "ini" else "ini", files):
                key = key.replace("_", "-")
                if key in found:
                    found[key] = {"value": number(item), "source": relpath(path)}
        elif name in found:
            found[name] = {"value": number(value), "source": "command line"}
    return found


def number(value: str):
    try:
        return int(str(value).strip())
    except ValueError:
        return str(value).strip()
