"""A stand-in for the tiers to come (compute reads the network): proves cross-stack references
through remote state, offline (seeded inputs) and on the emulator (the real state bucket)."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.security_group import SecurityGroup

from stacks.base import PlatformStack
from stacks.network import NetworkStack


class NetworkConsumerStack(PlatformStack):
    """A stand-in for the compute tier: reads the network's exports through remote state."""

    layer = "consumer"

    def __init__(self, scope, config):
        super().__init__(scope, config)
        network = self.remote_state(NetworkStack)
        SecurityGroup(self, "probe", name=f"{config.name_prefix}-probe", description="cross-stack probe",
                      vpc_id=network.get_string("vpc_id"))
        self.export("seen_app_subnet_ids", network.get_list("app_subnet_ids"), "list", "what the consumer read")
