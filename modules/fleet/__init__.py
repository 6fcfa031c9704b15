from modules.fleet.agent import (
    CloudWatchAgent,
    CloudWatchAgentProps,
    GroupMetric,
    disk_used_metric,
    memory_used_metric,
)
from modules.fleet.fleet import Ec2Fleet, Ec2FleetProps
from modules.fleet.logs import WEB_SERVER_LOGS, FleetLogFile
from modules.fleet.patching import FleetPatching, FleetPatchingProps, PatchSchedule

__all__ = ["WEB_SERVER_LOGS", "CloudWatchAgent", "CloudWatchAgentProps", "Ec2Fleet", "Ec2FleetProps", "FleetLogFile",
           "FleetPatching", "FleetPatchingProps", "GroupMetric", "PatchSchedule", "disk_used_metric",
           "memory_used_metric"]
