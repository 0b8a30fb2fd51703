"""The one run behind both front ends: load, select, run, redact, render, write, exit."""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import io
import json
import logging
import os
import sys
import time
from pathlib import Path

from upload_diagnostics.diagnostics import environment
from upload_diagnostics.diagnostics.context import Context
from upload_diagnostics.diagnostics.facts import WORKER_TIMEOUT
from upload_diagnostics.diagnostics.model import Level
from upload_diagnostics.diagnostics.options import Options
from upload_diagnostics.diagnostics.redact import Redactor, secret_values
from upload_diagnostics.diagnostics.registry import load_checks
from upload_diagnostics.diagnostics.report import SCHEMA_VERSION, build, encodable, worst_level
from upload_diagnostics.diagnostics.runner import (Interrupted, Runner, SelectionError, bounded,
                                                  select)
from upload_diagnostics.reports.printable import printable

from .config import problems as config_problems

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class UsageError(Exception):
    """A problem with how the command was called: one paragraph, exit status 2."""


def error_redactor() -> Redactor:
    """For error messages and tracebacks: scrubs the secrets of the environment and, once
    Django is configured, of its settings."""
    try:
        from django.conf import settings

        return Redactor(secret_values(settings if settings.configured else None))
    except Exception:  # settings that fail to load: the environment is all we have
        return Redactor(secret_values())


def project_root(project_dir: str | None, settings) -> Path:
    if project_dir:
        root = Path(project_dir).expanduser()
        if not root.is_dir():
            raise UsageError(f"--project-dir {root} is not a directory.")
        return root.resolve()
    base = getattr(settings, "BASE_DIR", None) if settings is not None else None
    return Path(base).resolve() if base and Path(base).is_dir() else Path.cwd()


def _config(settings) -> dict:
    """settings.UPLOAD_DIAGNOSTICS, checked for shape."""
    config = getattr(settings, "UPLOAD_DIAGNOSTICS", None) if settings is not None else None
    if config is not None and not isinstance(config, dict):
        raise UsageError("settings.UPLOAD_DIAGNOSTICS must be a dict such as "
                         '{"CHECKS": [...], "SILENCE": [...]}, not a '
                         f"{type(config).__name__}.")
    wrong = config_problems(config or {})
    if wrong:
        raise UsageError(" ".join(wrong))
    return config or {}


def _entries(config: dict, name: str) -> tuple:
    """A list setting of UPLOAD_DIAGNOSTICS (its shape checked); a lone string counts as a
    list of one."""
    value = config.get(name) or ()
    return (value,) if isinstance(value, str) else tuple(value)


def _check_timeout(seconds: float) -> None:
    if not seconds > 0:
        raise UsageError(f"--timeout must be a positive number of seconds, got {seconds!r}.")


def output_targets(formats: list[str], output: str | None) -> list[tuple[str, Path | None]]:
    """(format, path or None for stdout) per format; checks writability before the run."""
    from upload_diagnostics.reports import FORMATS, extension

    if not output:
        if len(formats) > 1:
            raise UsageError(f"{len(formats)} formats were asked for ({', '.join(formats)}) "
                             "but only one can go to standard output; add --output DIR.")
        return [(formats[0], None)]
    path = Path(output).expanduser()
    if len(formats) > 1 or path.is_dir() or output.endswith(("/", os.sep)):
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"Cannot create the output directory {path}: {exc.strerror}.")
        targets = [(f, path / f"report.{extension(f)}") for f in formats]
    else:
        targets = [(formats[0], path)]
    for _fmt, target in targets:
        problem = _unwritable(target)
        if problem:
            raise UsageError(f"Cannot write the report to {target}: {problem}. Choose another "
                             "--output path.")
    assert all(f in FORMATS for f, _ in targets)
    return targets


def _unwritable(path: Path) -> str | None:
    parent = path.parent
    if path.is_dir():
        return "it is a directory"
    if not parent.is_dir():
        return f"the directory {parent} does not exist"
    if path.exists() and not os.access(path, os.W_OK):
        return "the file is not writable"
    if not path.exists() and not os.access(parent, os.W_OK):
        return f"the directory {parent} is not writable"
    return None


def saved_report(path: str) -> dict:
    """A JSON report written earlier (--format json), for --from-json."""
    try:
        report = json.loads(Path(path).expanduser().read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"--from-json {path}: cannot read a JSON report: {exc}.") from None
    if not (isinstance(report, dict) and report.get("schema_version") == SCHEMA_VERSION
            and isinstance(report.get("checks"), list)):
        raise UsageError(f"--from-json {path} is not a schema {SCHEMA_VERSION} report of "
                         "this tool (write one with --format json).")
    return encodable(report)


def execute(options: Options, settings, settings_module: str | None, argv: list[str],
            stdout, stderr) -> int:
    """Run the diagnosis `options` describe (or, with --from-json, render a saved report
    again without running any check); returns the exit status."""
    formats, verbosity = list(options.formats), options.verbosity
    color = not options.no_color and _isatty(stdout)
    if options.from_json:
        report = saved_report(options.from_json)
        write(report, output_targets(formats, options.output), color, verbosity, stdout,
              stderr)
        return exit_status(report, options.fail_level)

    from upload_diagnostics.checks import builtin, prepare

    config = _config(settings)
    # A run of some checks imports only their families; a listing or a tag needs them all.
    named = () if options.list_checks or options.tags else options.check_ids
    loaded, problems = load_checks(builtin(named), _entries(config, "CHECKS"))
    if options.list_checks:
        from upload_diagnostics.reports.catalogue import render_catalogue
        stdout.write(render_catalogue(loaded, formats[0]))
        return EXIT_OK
    _check_timeout(options.timeout)
    if options.yes and not options.cleanup:
        raise UsageError("--yes only confirms --cleanup: add --cleanup to delete what it "
                         "lists.")
    options = dataclasses.replace(options,
                                  silence=_entries(config, "SILENCE") + options.silence)
    ctx = Context(project_root(options.project_dir, settings), options, settings, argv)
    ctx.add_secrets_in(" ".join(argv))  # --data password=..., shown in the report's argv
    scrub = _Scrubber(secret_values(settings), ctx)
    action = _action(options)
    if action is not None:
        with _project_output(stderr, scrub, not options.traceback):
            prepare(ctx)
            try:
                text, status = action(ctx, formats[0])
            except ValueError as exc:
                raise UsageError(str(exc)) from None
        stdout.write(scrub(text))
        return status
    try:
        chosen = select(loaded, options.check_ids, options.tags)
    except SelectionError as exc:
        raise UsageError(str(exc)) from None
    targets = output_targets(formats, options.output)
    progress = _progress_writer(stderr, verbosity, scrub)

    started = dt.datetime.now(dt.timezone.utc)
    clock = time.perf_counter()
    runner = Runner(ctx, options.timeout, options.silence, progress)
    interrupted = False
    with _project_output(stderr, scrub, not options.traceback):
        prepare(ctx)
        try:
            results = runner.run(chosen, problems)
        except Interrupted as exc:
            results, interrupted = exc.results, True
        # after the checks (fileptr may know already), and like them under the time limit
        used = bounded(lambda: environment.used_modules(ctx), options.timeout, set())
    redactor = Redactor(scrub.known | ctx.secrets)
    flags = {"offline": options.offline, "e2e": options.e2e, "fail_level": options.fail_level,
             "timeout": options.timeout, "silence": list(options.silence),
             "selected": list(options.check_ids) + [f"tag:{t}" for t in options.tags],
             "interrupted": interrupted}
    report = build(results, started_at=started.isoformat(timespec="seconds"),
                   duration_s=time.perf_counter() - clock, argv=argv, flags=flags,
                   environment=environment.collect(settings, settings_module, used,
                                                   WORKER_TIMEOUT.read(ctx)),
                   redactor=redactor, project=str(ctx.project_root))
    write(report, targets, color, verbosity, stdout, stderr)
    return EXIT_INTERRUPTED if interrupted else exit_status(report, options.fail_level)


def write(report: dict, targets, color: bool, verbosity: int, stdout, stderr) -> None:
    """Render the report in each format to its target; the verdict when none is stdout."""
    from upload_diagnostics.reports import render

    for fmt, target in targets:
        text = render(fmt, report, color=color and target is None, verbosity=verbosity)
        if target is None:
            stdout.write(text if text.endswith("\n") else text + "\n")
        else:
            target.write_text(text, encoding="utf-8")
            if verbosity > 0:
                stderr.write(f"wrote {fmt} report to {target}\n")
    if any(target for _, target in targets):
        from upload_diagnostics.reports.text import verdict
        stdout.write(verdict(report, color=color) + "\n")


def exit_status(report: dict, fail_level: str) -> int:
    worst = worst_level(report)
    return EXIT_FINDINGS if worst and worst >= Level.parse(fail_level) else EXIT_OK


def _action(options: Options):
    """The action of a family flag that was given (e.g. --list-endpoints), or None."""
    from .options import option_table

    given = [o for o in option_table() if o.action and getattr(options, o.dest)]
    return given[0].action if given else None


class _Scrubber:
    """Scrubs text of every secret known so far: the settings' and environment's, and those
    checks add while they run; the redactor is rebuilt only when a check added one."""

    def __init__(self, known: set[str], ctx: Context):
        self.known, self.ctx = known, ctx
        self._secrets, self._redactor = None, None

    def __call__(self, text: str) -> str:
        secrets = self.known | self.ctx.secrets
        if secrets != self._secrets:
            self._secrets, self._redactor = secrets, Redactor(secrets)
        return self._redactor.scrub(text)


def _progress_writer(stderr, verbosity: int, scrub: _Scrubber):
    """Writes progress lines to stderr, scrubbed, control characters escaped."""
    def progress(message: str) -> None:
        if verbosity > 0:
            stderr.write(printable(scrub(message)) + "\n")
            stderr.flush()
    return progress


class _ToStderr(io.TextIOBase):
    """Stands in for standard output and error while checks run: what the project prints
    or logs goes to stderr, scrubbed, a line at a time, so that a report on stdout stays
    clean. A Python traceback in it is folded to its last line unless `fold` is off
    (--traceback): the report's evidence keeps what the project logged during requests."""

    def __init__(self, stderr, scrub: _Scrubber, fold: bool = True):
        self.stderr, self.scrub, self.fold, self.pending = stderr, scrub, fold, ""
        self.folding: int | None = None  # the indent of the traceback being folded
        self.folded = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        *lines, self.pending = (self.pending + text).split("\n")
        for line in lines:
            self._line(line)
        return len(text)

    def _line(self, line: str) -> None:
        indent = len(line) - len(line.lstrip())
        if self.folding is not None:
            if indent > self.folding or not line.strip():
                self.folded += 1
                return
            line = f"{line}  [{self.folded} traceback lines not shown; --traceback shows them]"
            self.folding = None
        elif self.fold and line.lstrip().startswith("Traceback (most recent call last):"):
            self.folding, self.folded = indent, 1
            return
        self.stderr.write(self.scrub(line) + "\n")

    def flush(self) -> None:
        if self.pending:
            self._line(self.pending)
            self.pending = ""
        self.stderr.flush()


@contextlib.contextmanager
def _project_output(stderr, scrub: _Scrubber, fold: bool = True):
    """Standard output and error, and the logging handlers that write to them, go to
    stderr through the scrubbing stand-in."""
    stand_in = _ToStderr(stderr, scrub, fold)
    real = (sys.stdout, sys.__stdout__, sys.stderr, sys.__stderr__)
    loggers = [logging.getLogger(), *(logger for logger in
                                      logging.Logger.manager.loggerDict.values()
                                      if isinstance(logger, logging.Logger))]
    handlers = {h: h.stream for logger in loggers for h in logger.handlers
                if isinstance(h, logging.StreamHandler) and h.stream in real}
    for handler in handlers:
        handler.setStream(stand_in)
    try:
        with contextlib.redirect_stdout(stand_in), contextlib.redirect_stderr(stand_in):
            yield
    finally:
        stand_in.flush()
        for handler, stream in handlers.items():
            handler.setStream(stream)


def _isatty(stream) -> bool:
    try:
        return stream.isatty() and "NO_COLOR" not in os.environ
    except (AttributeError, ValueError):
        return False
