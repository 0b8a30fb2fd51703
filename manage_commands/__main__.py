"""python -m manage_commands: the same as diagnose-uploads."""
from .cli import main

main()
