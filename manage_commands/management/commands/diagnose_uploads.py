"""`python manage.py diagnose_uploads`: the Django front end, same options as the CLI."""
import os
import sys
import traceback

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, DjangoHelpFormatter

from upload_diagnostics.diagnostics.options import Options
from upload_diagnostics.manage_commands.main import (EXIT_USAGE, UsageError, error_redactor,
                                                     execute)
from upload_diagnostics.manage_commands.options import (DESCRIPTION, EXAMPLES, add_to_argparse,
                                                        option_table)


class _Formatter(DjangoHelpFormatter):
    def _fill_text(self, text, width, indent):  # keep the examples' line breaks
        return "".join(indent + line for line in text.splitlines(keepends=True))


class Command(BaseCommand):
    help = DESCRIPTION
    requires_system_checks = []  # Django's messages are folded into the report instead

    def run_from_argv(self, argv):
        try:
            super().run_from_argv(argv)
        except CommandError as exc:  # re-raised by Django under --traceback; still exit 2
            traceback.print_exc()  # its message was scrubbed in handle()
            sys.exit(exc.returncode)

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.epilog = EXAMPLES
        parser.formatter_class = _Formatter
        ours = {opt.dest: opt.help for opt in option_table() if opt.django_builtin}
        for action in parser._actions:  # Django's own -v, --no-color, --traceback
            if action.dest in ours:
                action.help = ours[action.dest]
        return parser

    def add_arguments(self, parser):
        add_to_argparse(parser)

    def handle(self, *args, **params):
        options = Options.parse(option_table(), params)
        try:
            code = execute(options, settings, os.environ.get("DJANGO_SETTINGS_MODULE"),
                           sys.argv, self.stdout, self.stderr)
        except UsageError as exc:
            raise CommandError(error_redactor().scrub(str(exc)), returncode=EXIT_USAGE) from None
        except Exception as exc:
            redactor = error_redactor()
            message = f"internal error: {redactor.scrub(f'{type(exc).__name__}: {exc}')}"
            if options.traceback:  # scrubbed here: Django would print it raw
                self.stderr.write(redactor.scrub("".join(traceback.format_exception(exc))))
            else:
                message += " (run with --traceback for details)"
            raise CommandError(message, returncode=EXIT_USAGE) from None
        if code:
            sys.exit(code)
