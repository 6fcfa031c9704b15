from modules.fleet.agent import (
    CloudWatchAgent,
    CloudWatchAgentProps,
    GroupMetric,
    disk_used_metric,
    memory_used_metric,
)
from modules.fleet.fleet import Ec2Fleet, Ec2FleetProps

__all__ = ["CloudWatchAgent", "CloudWatchAgentProps", "Ec2Fleet", "Ec2FleetProps", "GroupMetric",
           "disk_used_metric", "memory_used_metric"]
