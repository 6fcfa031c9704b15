"""An SSH jump host (seeds 000 and 003): one instance kept alive by an Auto Scaling group across the
public subnets, reachable on port 22 only from an allow-list of CIDRs, IMDSv2 only. Application
instances accept SSH from the bastion's security group and nothing else. Password logins are off
in Amazon Linux; access is by the operators' key pair. Session Manager needs no bastion at all:
this construct exists for teams that still need SSH tunnels (seed 003's database access)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from constructs import Construct

from modules.firewall import WorkloadSecurityGroup, WorkloadSecurityGroupProps
from modules.fleet import Ec2Fleet, Ec2FleetProps

SSH = 22


@dataclass(frozen=True)
class BastionProps:
    name: str
    vpc_id: str
    vpc_cidr: str
    public_subnet_ids: Sequence[str]
    allowed_cidrs: Sequence[str]
    """Office or VPN ranges; nothing else reaches port 22."""
    key_name: str
    image_id: str
    account_id: str
    partition: str = "aws"
    instance_type: str = "t3.micro"
    instance_tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.allowed_cidrs:
            raise ValueError(f"bastion {self.name!r} has no allowed_cidrs; fix: list the ranges operators connect from")
        for cidr in self.allowed_cidrs:
            try:
                network = ipaddress.ip_network(cidr)
            except ValueError as error:
                raise ValueError(f"bastion {self.name!r}: allowed CIDR {cidr!r} ({error}); fix: a network "
                                 "address with host bits zero, such as 203.0.113.0/24") from None
            if network.prefixlen < 16:
                raise ValueError(f"bastion {self.name!r}: allowed CIDR {cidr} is too wide; fix: /16 or narrower")


class Bastion(Construct):
    def __init__(self, scope: Construct, id: str, props: BastionProps) -> None:
        super().__init__(scope, id)
        self.security_group = WorkloadSecurityGroup(self, "security-group", WorkloadSecurityGroupProps(
            name=props.name, description="Bastion: SSH from the allow-list only", vpc_id=props.vpc_id,
            vpc_cidr=props.vpc_cidr))
        for index, cidr in enumerate(props.allowed_cidrs):
            VpcSecurityGroupIngressRule(
                self, f"ssh-from-{index}", security_group_id=self.security_group.id, ip_protocol="tcp",
                from_port=SSH, to_port=SSH, cidr_ipv4=cidr, description=f"SSH from allow-listed {cidr}")
        self.fleet = Ec2Fleet(self, "host", Ec2FleetProps(
            name=props.name, image_id=props.image_id, subnet_ids=props.public_subnet_ids,
            security_group_ids=[self.security_group.id], account_id=props.account_id, partition=props.partition,
            instance_type=props.instance_type, min_size=1, max_size=1, key_name=props.key_name,
            health_check_grace_seconds=120, root_volume_gb=8, public_ip=True, scaling=None,
            instance_tags=props.instance_tags,
            # No CloudWatch agent: nothing alarms on the bastion's disk (the ops stack watches compute.fleets),
            # its disk holds no application data, and the internet-facing host stays minimal: no package
            # installed at boot, no agent policy (PutMetricData, log groups) on its role.
            cloudwatch_agent=False))

    def grant_ssh(self, rule_id: str, workload: WorkloadSecurityGroup) -> None:
        """Let the bastion open SSH to a workload, which then accepts SSH from the bastion only."""
        workload.admit(rule_id, self.security_group.id, SSH, "SSH from the bastion only")
