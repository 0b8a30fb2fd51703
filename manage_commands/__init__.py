"""The Django app (INSTALLED_APPS += ["manage_commands"]) and the diagnose-uploads CLI."""

__upload_diagnostics__ = True
