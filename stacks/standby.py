"""The standby site: the primary's stacks again in regions.secondary, built from the standby view of
the configuration (BlueprintConfig.standby(): the dr section's range and AZs, '-dr' names, state under
<blueprint>/<env>/standby/). Same classes, same constructs: a standby cannot drift from what it stands in for.

Only environments with a dr.strategy have a standby.
"""

from __future__ import annotations

from constructs import Construct

from configuration import BlueprintConfig
from stacks.network import NetworkStack


class StandbyNetworkStack(NetworkStack):
    """The three-tier VPC in the standby region (seed 001: the network is part of the pilot light)."""

    @classmethod
    def applies_to(cls, config: BlueprintConfig) -> bool:
        return config.dr.enabled

    def __init__(self, scope: Construct, config: BlueprintConfig) -> None:
        super().__init__(scope, config.standby())
