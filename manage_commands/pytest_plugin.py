"""The diagnosis inside a project's own test session (a pytest11 plugin).

    pytest --diagnose-uploads            # fail the session on error findings or worse
    pytest --diagnose-uploads=warning    # ... on warnings too

Inactive unless the option is given. It runs the static checks, the dry end-to-end upload
included, once per session with the settings pytest-django configured, prints the text
report at the end and fails the session when a finding is at or above LEVEL. The session
fixture `upload_diagnosis` returns the report (the JSON report's dict) for tests that
assert on it; it works with or without the option.
"""
from __future__ import annotations

import io
import json
import os

import pytest

from upload_diagnostics.diagnostics.model import Level

LEVELS = tuple(level.label for level in Level)
_STATE = pytest.StashKey["Diagnosis"]()


def pytest_addoption(parser):
    group = parser.getgroup("upload-diagnostics", "django-upload-diagnostics")
    group.addoption(
        "--diagnose-uploads", dest="diagnose_uploads", nargs="?", const="error", default=None,
        choices=LEVELS, metavar="LEVEL",
        help="Diagnose the project's upload path (static checks and the dry end-to-end "
             "upload) in this session and fail it on findings at or above LEVEL (default "
             "error). Write it as --diagnose-uploads=LEVEL, or last on the command line.")


def pytest_configure(config):
    # Under pytest-xdist only the controller diagnoses (once, at the end of the session).
    worker = hasattr(config, "workerinput")
    config.stash[_STATE] = Diagnosis(config, None if worker else
                                     config.getoption("diagnose_uploads"))
    if config.stash[_STATE].fail_level:
        config.pluginmanager.register(SessionGate(), "upload-diagnostics-gate")


@pytest.fixture(scope="session")
def upload_diagnosis(request) -> dict:
    """The report of this session's upload diagnosis (schema 1 of the JSON report)."""
    return request.config.stash[_STATE].report()


@pytest.fixture(scope="session", autouse=True)
def _diagnose_uploads_first(request):
    """With --diagnose-uploads, diagnose before the first test runs."""
    state = request.config.stash[_STATE]
    if state.fail_level:
        state.report()


class Diagnosis:
    """One diagnosis per session, run when first needed."""

    def __init__(self, config, fail_level: str | None):
        self.config = config
        self.fail_level = fail_level
        self.result: dict | None = None

    def report(self) -> dict:
        if self.result is None:
            blocker = _database_access(self.config)
            if blocker is None:
                self.result = self._run()
            else:
                with blocker.unblock():
                    self.result = self._run()
        return self.result

    def _run(self) -> dict:
        from upload_diagnostics.checks import builtin
        from upload_diagnostics.diagnostics.options import Options
        from upload_diagnostics.diagnostics.registry import load_checks
        from upload_diagnostics.manage_commands.main import execute
        from upload_diagnostics.manage_commands.options import option_table

        settings, module = _django_settings()
        config = (getattr(settings, "UPLOAD_DIAGNOSTICS", None) or {}) if settings else {}
        loaded, _problems = load_checks(builtin(), config.get("CHECKS", ()))
        options = Options.parse(option_table(), {
            "check_ids": [c.id for c in loaded if c.tier == "static"], "formats": ["json"],
            "offline": True, "fail_level": self.fail_level, "no_color": True})
        stdout = io.StringIO()  # progress lines go to a discarded stream
        execute(options, settings, module, ["pytest", "--diagnose-uploads"], stdout,
                io.StringIO())
        return json.loads(stdout.getvalue())

    def failed(self) -> bool:
        from upload_diagnostics.diagnostics.report import worst_level

        worst = worst_level(self.result)
        return bool(worst and self.fail_level and worst >= Level.parse(self.fail_level))


def _django_settings():
    """pytest-django's configured settings and module name, or (None, None)."""
    try:
        from django.conf import settings
    except ImportError:
        return None, None
    if not settings.configured:
        return None, None
    return settings, os.environ.get("DJANGO_SETTINGS_MODULE")


def _database_access(config):
    """pytest-django's database blocker, or None without pytest-django or settings. The
    dry end-to-end check makes its own test database and rolls its changes back; it only
    needs pytest-django to let it reach the database outside a test."""
    if _django_settings()[0] is None:
        return None
    try:
        from pytest_django.plugin import blocking_manager_key
    except ImportError:
        return None
    return config.stash.get(blocking_manager_key, None)


class SessionGate:
    """Registered only with --diagnose-uploads: reports at the end and gates the session."""

    def pytest_sessionfinish(self, session):
        state = session.config.stash[_STATE]
        if session.exitstatus == pytest.ExitCode.INTERRUPTED:
            return
        state.report()  # already done, unless no test ran (or they ran on xdist workers)
        if state.failed() and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter, config):
        from upload_diagnostics.reports import render

        state = config.stash[_STATE]
        if state.result is None:
            return
        terminalreporter.section("upload diagnosis")
        terminalreporter.write(render("text", state.result, color=False,
                                      verbosity=config.getoption("verbose") + 1))
        if state.failed():
            terminalreporter.write_line(
                f"upload diagnosis: findings at or above {state.fail_level}: the session "
                "fails", red=True, bold=True)
