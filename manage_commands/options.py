"""Every command-line option, defined once and given to both click and argparse: the
general ones here, a check family's in checks.FLAGS."""
from __future__ import annotations

from upload_diagnostics.diagnostics.files import parse_size
from upload_diagnostics.diagnostics.model import Level
from upload_diagnostics.diagnostics.options import DEFAULTS, Option

LEVELS = [level.label for level in Level]


def _image_size(value: str) -> tuple[int, int]:
    width, sep, height = value.lower().partition("x")
    if not (sep and width.isdigit() and height.isdigit() and int(width) and int(height)):
        raise ValueError(f"{value!r} is not WIDTHxHEIGHT, e.g. 4032x3024")
    return int(width), int(height)


def _cleanup(ctx, fmt: str) -> tuple[str, int]:
    from upload_diagnostics.checks.cleanup import render

    return render(ctx, fmt)


def _formats() -> tuple[str, ...]:
    from upload_diagnostics.reports import FORMATS
    return tuple(FORMATS)


def option_table() -> list[Option]:
    """The general options, then those the built-in check families declare."""
    from upload_diagnostics.checks import FLAGS

    return general_options() + list(FLAGS)


def general_options() -> list[Option]:
    return [
        Option(("--tag",), "tags", "Run only checks with this tag; repeatable. "
               "Example: --tag imagekit --tag server", "TAG", multiple=True),
        Option(("--list-checks",), "list_checks", "List the available checks (id, tier, tags, "
               "title) and exit. With --format md or json, print the catalogue in that format. "
               "Example: --list-checks --format md",
               flag=True),
        Option(("--format",), "formats", f"Report format: {', '.join(_formats())}; repeat "
               "for several. "
               "Example: --format html --format md --output reports/", "FORMAT",
               multiple=True, choices=_formats(), default=DEFAULTS.formats),
        Option(("--output",), "output", "Write the report to this file (one format) or into "
               "this directory as report.<ext> (several formats). Default: standard output. "
               "Example: --output report.html", "PATH"),
        Option(("--from-json",), "from_json", "Run no check: render a report saved with "
               "--format json again, in the formats asked for; the exit status follows "
               "--fail-level as in a run. Example: --from-json report.json --format html "
               "--output report.html", "FILE"),
        Option(("--offline",), "offline", "Skip the network tier: no call to ImageKit, to an "
               "S3 bucket, to a stored file's URL or to the site's public address. Skipped "
               "checks are listed with the reason. Example: --offline --format json", flag=True),
        Option(("--e2e",), "e2e", "Also run the write tier: upload a generated test image to "
               "the real configured storage under a dedicated prefix, and delete it again. "
               "Example: --e2e imagekit",
               flag=True),
        Option(("--cleanup",), "cleanup", "Run no check: list what the write tier may have "
               "left under its test prefixes (upload-diagnostics/ on each storage of STORAGES "
               "and of model fields, the test folder of ImageKit's media library) and exit; "
               "status 1 when "
               "something is there or a place cannot be listed. Example: --cleanup",
               flag=True, action=_cleanup),
        Option(("--yes",), "yes", "With --cleanup, delete what it lists. Example: --cleanup "
               "--yes", flag=True),
        Option(("--project-dir",), "project_dir", "The project's root: where its source, "
               "Procfile, Dockerfile and server configs are. Default: settings.BASE_DIR, "
               "else the current directory. Example: --project-dir ~/src/mysite", "DIR"),
        Option(("--fail-level",), "fail_level", "Exit with status 1 when a finding is at or "
               "above this level (default: error). Example: --fail-level warning",
               "LEVEL", default=DEFAULTS.fail_level, choices=tuple(LEVELS)),
        Option(("--timeout",), "timeout", "Default time limit per check, in seconds (default "
               f"{DEFAULTS.timeout:g}); a check that runs longer is reported as 'timeout' and "
               "the run goes on. Example: --timeout 120", "SECONDS", type=float,
               default=DEFAULTS.timeout),
        Option(("--image",), "image", "Size of the large generated test image (default "
               "4032x3024, a 12 MP phone photo). Example: --image 8000x6000", "WxH",
               type=_image_size),
        Option(("--max-file-size",), "max_file_size", "Project files larger than this are "
               "not read (each is listed in an info finding); bytes, or with k, M or G "
               "(default 1M, or UPLOAD_DIAGNOSTICS[\"MAX_FILE_BYTES\"]). Example: "
               "--max-file-size 5M", "SIZE", type=parse_size),
        Option(("--silence",), "silence", "Hide findings with this code (counted, not shown); "
               "repeatable, wildcards allowed. Example: --silence pillow.W001 --silence "
               "'server.*'", "CODE", multiple=True),
        Option(("-v", "--verbosity"), "verbosity", "0 quiet, 1 normal, 2 also list passed "
               "checks and debug findings, 3 everything. Example: -v 2", "{0,1,2,3}",
               type=int, default=DEFAULTS.verbosity, choices=("0", "1", "2", "3"),
               django_builtin=True),
        Option(("--no-color",), "no_color", "Plain ASCII text output without colours. "
               "Example: --no-color > report.txt",
               flag=True, django_builtin=True),
        Option(("--traceback",), "traceback", "Show the Python traceback of a usage or "
               "internal error (normally one paragraph). Example: --traceback", flag=True,
               django_builtin=True),
    ]


def add_to_argparse(parser) -> None:
    """For the Django management command (BaseCommand.add_arguments)."""
    parser.add_argument("check_ids", nargs="*", metavar="CHECK_ID",
                        help="Run only these checks (ids or families, e.g. pillow.codecs "
                             "or server); default: all.")
    for opt in option_table():
        if opt.django_builtin:
            continue
        kwargs = {"dest": opt.dest, "help": opt.help}
        if opt.flag:
            kwargs["action"] = "store_true"
        else:
            kwargs.update(metavar=opt.metavar, type=_argparse_type(opt))  # defaults: Option.value
            if opt.multiple:
                kwargs["action"] = "append"
            if opt.choices:
                kwargs["choices"] = opt.choices
        parser.add_argument(*opt.flags, **kwargs)


def _argparse_type(opt: Option):
    if opt.type in (str, int, float):
        return opt.type

    def convert(value):
        import argparse
        try:
            return opt.type(value)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    convert.__name__ = opt.dest
    return convert


def click_decorators():
    """click.option decorators for every option, in order."""
    import click

    decorators = [click.argument("check_ids", nargs=-1, metavar="[CHECK_ID]...")]
    for opt in option_table():
        kwargs = {"help": opt.help}
        if opt.flag:
            kwargs["is_flag"] = True
        else:
            kwargs["metavar"] = opt.metavar
            kwargs["default"] = opt.default if not opt.multiple else ()
            kwargs["multiple"] = opt.multiple
            if opt.choices:
                kwargs["type"] = click.Choice(opt.choices)
                if opt.default is not None and not opt.multiple:
                    kwargs["default"] = str(opt.default)  # click 8.1 checks it as a choice
            elif opt.type not in (str,):
                kwargs["type"] = _click_type(opt)
            kwargs["show_default"] = opt.default is not None
        decorators.append(click.option(*opt.flags, opt.dest, **kwargs))
    return decorators


def _click_type(opt: Option):
    import click

    if opt.type in (int, float):
        return opt.type

    class Converted(click.ParamType):
        name = opt.metavar or opt.dest

        def convert(self, value, param, ctx):
            if not isinstance(value, str):
                return value
            try:
                return opt.type(value)
            except ValueError as exc:
                self.fail(str(exc), param, ctx)
    return Converted()


DESCRIPTION = (
    "Diagnose why image uploads fail in this Django deployment: the serving layer "
    "(gunicorn/uWSGI/nginx timeouts and limits), file-pointer reuse, ImageKit credentials "
    "and SDK drift, Pillow codecs, Django's upload settings, and a real upload end to end. "
    "Each finding names the layer, shows the evidence and says how to fix it. The limit "
    "ladder (server.limits) lists every size and time limit an upload passes through, from "
    "the platform's router to Django, the project's own validators and the container's "
    "memory, each with its source, and names the one that binds: where a 413, 502 or 504 "
    "comes from.")

EXAMPLES = """\
examples:
  diagnose-uploads --settings mysite.settings
  diagnose-uploads --settings mysite.settings --format html --format md --output reports/
  diagnose-uploads server --logs /var/log/gunicorn/error.log     # no settings needed
  diagnose-uploads server.config server.limits --settings mysite.settings   # the ladder
  diagnose-uploads --settings mysite.settings --offline --format json > report.json
  python manage.py diagnose_uploads --tag imagekit --fail-level warning
  python manage.py diagnose_uploads --list-checks

exit status: 0 nothing at or above --fail-level, 1 findings at or above it,
2 usage or internal error, 130 interrupted (the report is still written).
"""
