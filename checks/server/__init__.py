"""The serving layer: how the app is started, the limits in force, and the logs."""
from .budget import TimeoutBudget
from .config import ServerConfig
from .logs import LogTriage
from .proxy import NginxLimits

CHECKS = [ServerConfig, NginxLimits, TimeoutBudget, LogTriage]
