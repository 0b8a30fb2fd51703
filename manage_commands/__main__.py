"""python -m upload_diagnostics.manage_commands: the same as diagnose-uploads."""
from .cli import main

main()
