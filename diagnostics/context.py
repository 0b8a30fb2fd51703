"""What checks share during one run. Everything expensive is computed lazily, once."""
from __future__ import annotations

import ast
import os
import re
import threading
from pathlib import Path
from typing import Any, Callable

from . import limits, model
from .files import DEFAULT_LIMIT, Files, os_reason as files_reason
from .options import Options
from .redact import secret_assignments
from .roundtrip import LeftBehind

# Folders that never hold the project's own files.
SKIP_DIRS = {"node_modules", "site-packages", "dist-packages", "__pycache__", "build", "dist",
             "venv", "env", "htmlcov",
             "LC_MESSAGES"}  # gettext catalogs only; Django ships a thousand of them
# Test code: judged only when UPLOAD_DIAGNOSTICS["SOURCE"]["TESTS"] is true (tests save a
# file twice or misuse one inside assertRaises on purpose; the production path is what a
# diagnosis is for).
TEST_DIRS = {"tests", "test", "testing"}


def project_files(root: Path, skip=frozenset(), depth: int | None = None, suffix: str = "",
                  files: Files | None = None):
    """The files under `root`, in Path order, without hidden, dependency or build folders,
    virtualenvs, or folders named in `skip`; `depth` bounds how many folders deep;
    `suffix` keeps only names ending so (checked before any Path is made). Folders that
    cannot be listed are recorded on `files`; symlinked folders are not followed."""
    top = os.fspath(root)

    def walk(folder: str, level: int):
        limits.checkpoint()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as error:
            if files is not None and folder != top:
                files.skip(folder, f"a folder {files_reason(folder, error)}")
            return
        if level and any(e.name == "pyvenv.cfg" for e in entries):
            return  # a virtualenv below the root
        deeper = depth is None or level < depth
        for entry in entries:
            if _is_dir(entry):
                if deeper and not entry.is_symlink() and not _skipped_dir(entry.name, skip):
                    yield from walk(entry.path, level + 1)
            elif entry.name.endswith(suffix):
                yield Path(entry.path)
    return walk(top, 0)


def _is_dir(entry: os.DirEntry) -> bool:
    """As os.walk tells: a folder or a symlink to one (the entry's type needs no stat)."""
    try:
        return entry.is_dir()
    except OSError:
        return False


class Context:
    def __init__(self, project_root: Path, options: Options, settings=None, argv=()):
        self.project_root = Path(project_root).resolve()
        self.options = options
        self.settings = settings  # django.conf.settings when configured, else None
        self.argv = list(argv)
        self.facts: dict[str, Any] = {}
        self.files = Files(self.project_root, *file_limit(options, self.config))
        self._secrets: set[str] = set()
        self._cache: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._key_locks: dict[str, threading.RLock] = {}
        self._cleanups: list[Callable[[], None]] = []
        self._at_end: list[Callable[[], None]] = []
        self.progress: Callable[[str], None] = lambda message: None

    @property
    def django_ready(self) -> bool:
        return self.settings is not None

    @property
    def config(self) -> dict:
        """settings.UPLOAD_DIAGNOSTICS, or {} without Django."""
        if self.settings is None:
            return {}
        return getattr(self.settings, "UPLOAD_DIAGNOSTICS", None) or {}

    def cached(self, key: str, factory: Callable[[], Any]) -> Any:
        """Compute a shared value once per run (sample images, parsed source...). Only
        the threads that want the same value wait for each other."""
        with self._lock:
            lock = self._key_locks.setdefault(key, threading.RLock())
        with lock:
            if key not in self._cache:
                self._cache[key] = factory()
            return self._cache[key]

    def publish(self, name: str, value: Any) -> None:
        self.facts[name] = value

    def add_secret(self, value: str) -> None:
        """Have the redactor scrub this value wherever it appears in the report."""
        if isinstance(value, str) and len(value.strip()) >= 4:
            self._secrets.add(value)
            self._secrets.add(value.strip())

    def add_secrets_in(self, text: str) -> None:
        """Have the redactor scrub the values `text` assigns to secret-looking names (a log
        line, a launch command: password=..., --env SECRET_KEY=..., Authorization: ...)."""
        for value in secret_assignments(text):
            self.add_secret(value)

    @property
    def secrets(self) -> set[str]:
        return set(self._secrets)

    def on_cleanup(self, func: Callable[[], None]) -> Callable[[], None]:
        """Register an undo step; the runner calls it if the check times out or the run
        is interrupted. Checks call `done_cleanup(func)` once they ran it themselves."""
        self._cleanups.append(func)
        return func

    def done_cleanup(self, func: Callable[[], None]) -> None:
        if func in self._cleanups:
            self._cleanups.remove(func)

    def run_cleanups(self) -> tuple[list[str], list[model.Finding]]:
        """Run pending undo steps, newest first; returns the errors they raised, and the
        findings of the storage round trips that left objects behind."""
        errors, left = [], []
        while self._cleanups:
            func = self._cleanups.pop()
            try:
                func()
            except LeftBehind as exc:  # names the objects itself
                left += exc.findings
            except Exception as exc:  # reported by the runner, never raised
                errors.append(f"{getattr(func, '__name__', func)}: {exc}")
        return errors, left

    def at_end(self, func: Callable[[], None]) -> None:
        """Have the runner call `func` once every check has ended (or been abandoned):
        e.g. to stop a subprocess a begin() started that its check never collected."""
        self._at_end.append(func)

    def end(self) -> None:
        while self._at_end:
            try:
                self._at_end.pop()()
            except Exception:  # noqa: BLE001 - best effort: the run is over
                pass

    def relpath(self, path: str | os.PathLike) -> str:
        """A path relative to the project root when it is inside it, else as given."""
        path = Path(os.path.abspath(path))
        if self.project_root in path.parents:
            return path.relative_to(self.project_root).as_posix()
        try:
            return path.resolve().relative_to(self.project_root).as_posix()
        except (ValueError, OSError, RuntimeError):  # outside, or a symlink loop
            return str(path)

    def python_files(self) -> list[Path]:
        """The project's own .py files (no virtualenvs, site-packages, migrations, hidden
        or build folders, and no tests unless SOURCE["TESTS"] is true), sorted; honours
        UPLOAD_DIAGNOSTICS["SOURCE"] include/exclude."""
        return self.cached("python_files", self._find_python_files)

    def _find_python_files(self) -> list[Path]:
        source = self.config.get("SOURCE") or {}  # (None counts as not set)
        exclude = [self.project_root / p for p in source.get("EXCLUDE") or ()]
        roots = [self.project_root / p for p in source.get("INCLUDE") or ()] or [self.project_root]
        tests = bool(source.get("TESTS"))
        found = []
        skip_dirs = {"migrations"} if tests else {"migrations", *TEST_DIRS}
        for root in roots:
            skip = len(str(root).rstrip(os.sep)) + 1
            for path in project_files(root, skip_dirs, suffix=".py", files=self.files):
                if (tests or not is_test_file(str(path)[skip:])) \
                        and not any(e in path.parents for e in exclude):
                    found.append(path)
        return found if len(roots) == 1 else sorted(set(found))  # (several may overlap)

    def python_files_matching(self, pattern: re.Pattern) -> list[Path]:
        """The project's .py files whose bytes match `pattern` (a bytes regex): a cheap
        filter before parsing, so a check that looks for one import or word does not
        walk every tree."""
        def find():
            found = []
            for path in self.python_files():
                data = self.files.bytes(path)
                if data is not None and pattern.search(data):
                    found.append(path)
            return found
        return self.cached(f"python_files_matching:{pattern.pattern!r}", find)

    def parsed(self, path: Path):
        """The ast of a project file, parsed once per run; None when it does not parse.
        Trees are kept for the run: parse only what python_files_matching() selected."""
        def parse():
            source = self.files.bytes(path)
            try:
                return None if source is None else ast.parse(source, filename=str(path))
            except (SyntaxError, ValueError, UnicodeDecodeError, RecursionError, MemoryError):
                return None
        return self.cached(f"ast:{path}", parse)

    def excerpt(self, path: str | os.PathLike, line: int, around: int = 3,
                title: str = "") -> dict:
        """A code evidence block of the lines around `line` of a file."""
        text = (self.files.text(path) or "").splitlines()
        start = max(1, line - around)
        return model.code(self.relpath(path), start, text[start - 1:line + around], line, title)


def file_limit(options: Options, config: dict) -> tuple[int, str]:
    """The size limit on project files, and where it comes from."""
    if options.max_file_size:
        return options.max_file_size, "--max-file-size"
    if config.get("MAX_FILE_BYTES"):
        return int(config["MAX_FILE_BYTES"]), 'UPLOAD_DIAGNOSTICS["MAX_FILE_BYTES"]'
    return DEFAULT_LIMIT, "--max-file-size"


def is_test_file(rel: str) -> bool:
    """tests/..., test_*.py, *_test(s).py, tests.py, conftest.py (`rel` from the root)."""
    *folders, name = rel.split(os.sep)
    return bool(TEST_DIRS.intersection(folders)) or name.startswith("test_") \
        or name.endswith(("_test.py", "_tests.py")) or name in ("tests.py", "conftest.py")


def _skipped_dir(name: str, skip=frozenset()) -> bool:
    return name.startswith(".") or name in SKIP_DIRS or name in skip \
        or name.endswith(".egg-info")
