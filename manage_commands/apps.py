from django.apps import AppConfig


class UploadDiagnosticsConfig(AppConfig):
    """The app that carries the diagnose_uploads management command."""

    name = "upload_diagnostics.manage_commands"
    label = "upload_diagnostics"
    verbose_name = "Upload diagnostics"
