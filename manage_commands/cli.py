"""`diagnose-uploads`: the click front end. Sets Django up itself, or runs without it."""
from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path

import click

from upload_diagnostics.diagnostics.options import Options

from .main import EXIT_USAGE, UsageError, error_redactor, execute
from .options import DESCRIPTION, EXAMPLES, click_decorators, option_table


def setup_django(settings_module: str | None, project_dir: str | None):
    """django.conf.settings for the module (or DJANGO_SETTINGS_MODULE), else None."""
    module = settings_module or os.environ.get("DJANGO_SETTINGS_MODULE")
    for path in (Path.cwd(), Path(project_dir).expanduser() if project_dir else None):
        if path and str(path.resolve()) not in sys.path:
            sys.path.insert(0, str(path.resolve()))
    if not module:
        return None, None
    os.environ["DJANGO_SETTINGS_MODULE"] = module
    try:
        import django
        from django.conf import settings

        django.setup()
        settings.INSTALLED_APPS  # noqa: B018 - force the import now
    except Exception as exc:
        raise UsageError(
            f"The settings module {module!r} could not be imported: {type(exc).__name__}: "
            f"{exc}. Check the module path (dotted, importable from the current directory "
            "or --project-dir) and that the settings import cleanly with "
            f"`python -c \"import {module}\"`.") from exc
    return settings, module


def _command(func):
    for decorator in reversed(click_decorators()):
        func = decorator(func)
    return func


@click.command(help=DESCRIPTION, epilog="\b\n" + EXAMPLES.replace("\n\n", "\n\n\b\n"),
               context_settings={"help_option_names": ["-h", "--help"],
                                 "max_content_width": 100})
@click.option("--settings", "settings_module", metavar="MODULE",
              help="The Django settings module, e.g. mysite.settings (default: "
                   "DJANGO_SETTINGS_MODULE). Without one, checks that need Django are "
                   "skipped and the rest still run. Example: --settings mysite.settings.production")
@_command
def main(settings_module, **params):
    options = Options.parse(option_table(), params)
    try:
        settings, module = setup_django(settings_module, options.project_dir)
        # The report names the command as people type it, whichever way it was started
        # (the console script's path, python -m ...).
        code = execute(options, settings, module, ["diagnose-uploads", *sys.argv[1:]],
                       sys.stdout, sys.stderr)
    except UsageError as exc:
        fail(exc, options, "error")
    except Exception as exc:  # one paragraph, never a raw traceback by default
        fail(exc, options, "internal error")
    sys.exit(code)


def fail(exc: BaseException, options: Options, kind: str):
    redactor = error_redactor()
    if options.traceback:
        click.echo(redactor.scrub("".join(traceback.format_exception(exc))), err=True)
    detail = str(exc) if isinstance(exc, UsageError) else f"{type(exc).__name__}: {exc}"
    hint = "" if options.traceback else " (run with --traceback for details)"
    click.echo(f"diagnose-uploads: {kind}: {redactor.scrub(detail)}"
               + (hint if kind == "internal error" else ""), err=True)
    sys.exit(EXIT_USAGE)
