"""The engine of django-upload-diagnostics: checks, findings, the runner and the report.

It knows nothing of any particular check or output format.
"""
from .check import TIERS, Check, Skip, require
from .codes import Code
from .context import Context
from .model import (CheckResult, Finding, Level, code, kv, log, table,
                    traceback_block)
from .options import Option, Options
from .redact import fingerprint

__all__ = ["TIERS", "Check", "CheckResult", "Code", "Context", "Finding", "Level", "Option",
           "Options", "Skip", "code", "fingerprint", "kv", "log", "require", "table",
           "traceback_block"]
