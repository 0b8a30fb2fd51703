"""The engine of django-upload-diagnostics: checks, findings, the runner and the report.

It knows nothing of any particular check or output format.
"""
from .check import TIERS, Check
from .context import Context, Options
from .model import (CheckResult, Finding, Level, code, kv, log, table,
                    traceback_block)
from .redact import fingerprint

__all__ = ["TIERS", "Check", "CheckResult", "Context", "Finding", "Level", "Options", "code",
           "fingerprint", "kv", "log", "table", "traceback_block"]

# Marks this package as ours, so a project module of the same name can be told apart.
__upload_diagnostics__ = True
