"""`python manage.py diagnose_uploads`: the Django front end, same options as the CLI."""
import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter

from diagnostics.redact import Redactor, secret_values
from manage_commands.main import EXIT_USAGE, UsageError, execute, shadowed_packages
from manage_commands.options import DESCRIPTION, EXAMPLES, add_to_argparse


class _Formatter(DjangoHelpFormatter):
    def _fill_text(self, text, width, indent):  # keep the examples' line breaks
        return "".join(indent + line for line in text.splitlines(keepends=True))


class Command(BaseCommand):
    help = DESCRIPTION
    requires_system_checks = []  # Django's messages are folded into the report instead

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.epilog = EXAMPLES
        parser.formatter_class = _Formatter
        return parser

    def add_arguments(self, parser):
        add_to_argparse(parser)

    def handle(self, *args, **params):
        problems = shadowed_packages()
        if problems:
            raise CommandError(problems[0], returncode=EXIT_USAGE)
        try:
            code = execute(params, settings, os.environ.get("DJANGO_SETTINGS_MODULE"),
                           sys.argv, self.stdout, self.stderr)
        except UsageError as exc:
            raise CommandError(str(exc), returncode=EXIT_USAGE) from exc
        except Exception as exc:
            if params.get("traceback"):
                raise
            message = Redactor(secret_values(settings)).scrub(f"{type(exc).__name__}: {exc}")
            raise CommandError(f"internal error: {message} (run with --traceback for "
                               "details)", returncode=EXIT_USAGE) from None
        if code:
            sys.exit(code)
