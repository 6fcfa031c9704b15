"""The security group of one workload (an EC2 fleet, a Fargate service, an image build, a bastion).

It starts with no ingress and only the egress a workload needs (seed 002's incident response):
HTTPS to anywhere (AWS APIs, package repositories, third-party APIs), optionally HTTP, and DNS to the
VPC resolver only, never to arbitrary resolvers (DNS is a classic exfiltration channel).
Connections to data stores come from the network's app-tier group, which each workload also joins;
ingress is added by whoever sends traffic here (the load balancer, a calling service, the bastion).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from cdktf import Fn, Token
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.vpc_security_group_egress_rule import VpcSecurityGroupEgressRule
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from constructs import Construct

ANYWHERE = "0.0.0.0/0"


@dataclass(frozen=True)
class WorkloadSecurityGroupProps:
    name: str
    description: str
    vpc_id: str
    vpc_cidr: str
    """The VPC's range (from configuration): DNS (53) goes to its Amazon resolver, base address + 2, only."""
    https_egress: bool = True
    http_egress: bool = False
    """Plain HTTP to the internet: off unless a package mirror needs it."""

    def __post_init__(self) -> None:
        if Token.is_unresolved(self.vpc_cidr):
            return  # a Terraform variable (the generated HCL modules): its validation checks it
        try:
            ipaddress.IPv4Network(self.vpc_cidr)
        except ValueError:
            raise ValueError(f"security group {self.name!r}: vpc_cidr {self.vpc_cidr!r}; fix: the VPC's CIDR from "
                             "configuration, such as 10.0.0.0/16") from None

    @property
    def resolver_cidr(self) -> str:
        if Token.is_unresolved(self.vpc_cidr):
            return f"{Fn.cidrhost(self.vpc_cidr, 2)}/32"
        return f"{ipaddress.IPv4Network(self.vpc_cidr).network_address + 2}/32"


class WorkloadSecurityGroup(Construct):
    def __init__(self, scope: Construct, id: str, props: WorkloadSecurityGroupProps) -> None:
        super().__init__(scope, id)
        self.group = SecurityGroup(self, "group", name=props.name, description=props.description,
                                   vpc_id=props.vpc_id, revoke_rules_on_delete=True)
        self._group_id = self.group.id  # read once: each read is a call into the jsii kernel
        if props.https_egress:
            self._egress("https", "tcp", 443, ANYWHERE, "HTTPS to AWS APIs and the internet")
        if props.http_egress:
            self._egress("http", "tcp", 80, ANYWHERE, "HTTP to package mirrors")
        for protocol in ("udp", "tcp"):
            self._egress(f"dns-{protocol}", protocol, 53, props.resolver_cidr, "DNS to the VPC resolver only")

    def _egress(self, id: str, protocol: str, port: int, cidr: str, description: str) -> None:
        VpcSecurityGroupEgressRule(self, f"egress-{id}", security_group_id=self._group_id, ip_protocol=protocol,
                                   from_port=port, to_port=port, cidr_ipv4=cidr, description=description)

    @property
    def id(self) -> str:
        return self._group_id

    def admit(self, rule_id: str, client_security_group_id: str, port: int, description: str) -> None:
        """Let one client group connect on `port` (ingress here, the matching egress on the client)."""
        VpcSecurityGroupIngressRule(self, f"{rule_id}-ingress", security_group_id=self._group_id, ip_protocol="tcp",
                                    from_port=port, to_port=port, referenced_security_group_id=client_security_group_id,
                                    description=description)
        VpcSecurityGroupEgressRule(self, f"{rule_id}-egress", security_group_id=client_security_group_id,
                                   ip_protocol="tcp", from_port=port, to_port=port,
                                   referenced_security_group_id=self._group_id, description=f"To {self.group.name}")
