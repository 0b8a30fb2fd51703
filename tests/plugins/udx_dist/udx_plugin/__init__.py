"""A third-party check, found through the upload_diagnostics.checks entry point."""
from upload_diagnostics.diagnostics import Check, Code

W001 = Code("udxplugin.W001", "An installed plugin says hello",
            detects="Always emitted by the test distribution's check.",
            why="It proves that checks load from the upload_diagnostics.checks entry point.",
            bad="[project.entry-points.\"upload_diagnostics.checks\"]  # missing",
            good="[project.entry-points.\"upload_diagnostics.checks\"]\n"
                 "entry = \"udx_plugin:EntryCheck\"",
            fix="Nothing; it is a test plugin.", lang="toml")


class EntryCheck(Check):
    id = "udxplugin.entry"
    title = "Loaded from an entry point"
    tags = ("udx",)
    codes = (W001,)

    def run(self, ctx):
        yield W001("hello from an installed distribution")
