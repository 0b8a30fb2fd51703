"""The run's options: one typed object, built from one option table.

The front ends (the management command, the click CLI, the pytest plugin) declare the
general options; a check family declares its own (checks.FLAGS), and they reach its checks
as attributes of the same object (`ctx.options.logs`) without any front end knowing them.
Each default is written once: the general ones here, a family's in its Option.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Callable, Mapping


@dataclass(frozen=True)
class Option:
    """One command-line option, for argparse and click alike."""

    flags: tuple[str, ...]
    dest: str
    help: str
    metavar: str | None = None
    type: Callable[[str], Any] = str
    default: Any = None
    multiple: bool = False  # repeatable, collected into a tuple
    flag: bool = False  # a switch without a value
    choices: tuple[str, ...] | None = None
    django_builtin: bool = False  # BaseCommand already defines it for manage.py
    # A flag that does its own job instead of a diagnosis (e.g. --list-endpoints):
    # action(ctx, format) returns what to print and the exit status, or raises ValueError
    # for a usage error.
    action: Callable[[Any, str], tuple[str, int]] | None = None

    def value(self, raw) -> Any:
        """`raw` as parsed by a front end (None when absent), typed, else the default."""
        if self.multiple:
            return tuple(self.type(v) if isinstance(v, str) else v for v in raw or ()) \
                or tuple(self.default or ())
        if self.flag:
            return bool(raw)
        if raw is None:
            return self.default
        return self.type(raw) if isinstance(raw, str) else raw


@dataclass(frozen=True)
class Options:
    """The flags of one run. Options a check family declares are attributes too."""

    check_ids: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    list_checks: bool = False
    from_json: str | None = None
    formats: tuple[str, ...] = ("text",)
    output: str | None = None
    offline: bool = False
    e2e: bool = False
    project_dir: str | None = None
    fail_level: str = "error"
    timeout: float = 60.0
    image: tuple[int, int] | None = None
    silence: tuple[str, ...] = ()
    verbosity: int = 1
    no_color: bool = False
    traceback: bool = False
    max_file_size: int | None = None  # bytes; None: the setting, else files.DEFAULT_LIMIT
    cleanup: bool = False  # list what the write tier may have left, and exit
    yes: bool = False  # with cleanup: delete it
    family: Mapping[str, Any] = field(default_factory=dict)  # check-declared, by dest

    def __getattr__(self, name: str) -> Any:
        family = self.__dict__.get("family", {})
        if name in family:
            return family[name]
        raise AttributeError(f"no option {name!r}")

    @classmethod
    def parse(cls, table: list[Option], values: Mapping[str, Any]) -> "Options":
        """The options a front end parsed (`values` by dest, anything missing taking its
        default), as one object."""
        general = {f.name for f in fields(cls)} - {"family"}
        parsed = {opt.dest: opt.value(values.get(opt.dest)) for opt in table}
        return cls(check_ids=tuple(values.get("check_ids") or ()),
                   **{k: v for k, v in parsed.items() if k in general and v is not None},
                   family={k: v for k, v in parsed.items() if k not in general})


DEFAULTS = Options()
