"""The security group of one data service (a database, a cache, a file system), reachable only from
named client groups on the service's own port.

Both directions are written as separate rule resources: ingress on the service group from each
client group, and egress on each client group to the service group. A client group (the app tier's)
therefore gains exactly one outbound port per service it is granted, instead of 0.0.0.0/0.
The service group itself has no egress: a database never opens connections.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from constructs import Construct


@dataclass(frozen=True)
class ServiceSecurityGroupProps:
    name: str
    """Group name, e.g. 'notebookly-prod-db-main'."""
    description: str
    vpc_id: str
    port: int
    """The one TCP port the service listens on (3306, 5432, 6379, 2049, ...)."""
    client_security_group_ids: Sequence[str]
    """Groups allowed to connect (the app tier's). Each also gets an egress rule to this group."""

    def __post_init__(self) -> None:
        if not 1 <= self.port <= 65535:
            raise ValueError(f"security group {self.name!r}: port {self.port}; fix: use a TCP port 1-65535")
        if not self.client_security_group_ids:
            raise ValueError(f"security group {self.name!r} has no client groups, so nothing could connect; "
                             "fix: pass the app tier's security group id")


class ServiceSecurityGroup(Construct):
    def __init__(self, scope: Construct, id: str, props: ServiceSecurityGroupProps) -> None:
        super().__init__(scope, id)
        self.port = props.port
        self.group = SecurityGroup(self, "group", name=props.name, description=props.description,
                                   vpc_id=props.vpc_id, revoke_rules_on_delete=True)
        self._group_id = self.group.id  # read once: each read is a call into the jsii kernel
        for index, client in enumerate(props.client_security_group_ids):
            self.allow_from(client, f"client-{index}")

    @property
    def security_group_id(self) -> str:
        return self._group_id

    def allow_from(self, client_security_group_id: str, rule_id: str) -> None:
        """Admit one more client group on the service port (and let that group connect out to it)."""
        VpcSecurityGroupIngressRule(
            self, f"{rule_id}-ingress", security_group_id=self._group_id, ip_protocol="tcp",
            from_port=self.port, to_port=self.port, referenced_security_group_id=client_security_group_id,
            description=f"Clients connect on {self.port}")
        VpcSecurityGroupEgressRule(
            self, f"{rule_id}-egress", security_group_id=client_security_group_id, ip_protocol="tcp",
            from_port=self.port, to_port=self.port, referenced_security_group_id=self._group_id,
            description=f"To the service on {self.port}")
