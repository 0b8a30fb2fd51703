"""The Django app (INSTALLED_APPS += ["upload_diagnostics.manage_commands"]) and the
diagnose-uploads CLI."""
