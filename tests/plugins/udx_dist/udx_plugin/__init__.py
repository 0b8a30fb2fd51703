"""A third-party check, found through the upload_diagnostics.checks entry point."""
from upload_diagnostics.diagnostics import Check, Finding


class EntryCheck(Check):
    id = "udxplugin.entry"
    title = "Loaded from an entry point"
    tags = ("udx",)

    def run(self, ctx):
        yield Finding("udxplugin.W001", "warning", "hello from an installed distribution")
