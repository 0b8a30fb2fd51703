"""python -m manage_commands: the same as diagnose-uploads."""
from .shadowing import exit_if_shadowed

# `-m` puts the current directory first on sys.path: a project's `checks` or `reports`
# there would be imported in place of ours before any option is parsed.
exit_if_shadowed("diagnose-uploads")

from .cli import main  # noqa: E402

main()
