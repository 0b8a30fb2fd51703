"""The serving layer: how the app is started, the limits in force, and the logs.

Its checks (registered in checks.BUILTIN): config.ServerConfig, proxy.NginxLimits,
budget.TimeoutBudget, ladder.Ladder and logs.LogTriage.
"""
from upload_diagnostics.diagnostics import Option

# read by logs.LogTriage
FLAGS = (Option(("--logs",), "logs", "A server or application log to triage (gunicorn, uWSGI, "
                "nginx, Heroku router, Django); repeatable; '-' reads standard input. "
                "Example: --logs /var/log/gunicorn/error.log", "FILE", multiple=True),)
