"""The DR failover orchestrator and its trigger (issue 6), and the least privilege of its steps."""

from modules.failover import permissions
from modules.failover.orchestrator import (
    CONTRACT,
    HANDLER,
    HEALTH_ALARM_REGION,
    FailoverOrchestrator,
    FailoverOrchestratorProps,
)

__all__ = ["CONTRACT", "HANDLER", "HEALTH_ALARM_REGION", "FailoverOrchestrator", "FailoverOrchestratorProps",
           "permissions"]
