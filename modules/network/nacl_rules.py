"""Stateless per-tier rules: the second layer under security groups.

public: HTTP/HTTPS from anywhere, SSH only from a bastion's allow-list, return traffic, anything to the VPC
        (ALB to targets).
app:    anything from inside the VPC, return traffic from the internet (through NAT), HTTP/HTTPS out.
data:   only the database ports from the app subnets, and replies to them. Nothing else.
Ephemeral ranges skip 3389 so no rule admits RDP from the internet, even by accident.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.network_acl import NetworkAclEgress, NetworkAclIngress

ANYWHERE = "0.0.0.0/0"
RDP = 3389


@dataclass(frozen=True)
class TierAcl:
    ingress: list[NetworkAclIngress]
    egress: list[NetworkAclEgress]


def port_ranges_without_rdp(low: int, high: int) -> list[tuple[int, int]]:
    """Split a port range around 3389 so an ephemeral-port rule never opens RDP."""
    if not low <= RDP <= high:
        return [(low, high)]
    return [r for r in ((low, RDP - 1), (RDP + 1, high)) if r[0] <= r[1]]


def _rules(kind, entries: Sequence[tuple[str, int, int, str]], first: int = 100) -> list:
    """(protocol, from, to, cidr) tuples -> numbered allow rules, 10 apart so rules can be inserted later."""
    return [kind(rule_no=first + 10 * i, action="allow", protocol=protocol, from_port=low, to_port=high,
                 cidr_block=cidr) for i, (protocol, low, high, cidr) in enumerate(entries)]


def tier_acls(vpc_cidr: str, app_subnet_cidrs: Sequence[str], database_ports: Sequence[int],
              ephemeral: tuple[int, int], ssh_cidrs: Sequence[str] = ()) -> dict[str, TierAcl]:
    returns_from_anywhere = [("tcp", lo, hi, ANYWHERE) for lo, hi in port_ranges_without_rdp(*ephemeral)]
    web_out = [("tcp", 443, 443, ANYWHERE), ("tcp", 80, 80, ANYWHERE)]
    whole_vpc = [("-1", 0, 0, vpc_cidr)]
    public = TierAcl(
        ingress=_rules(NetworkAclIngress, [("tcp", 443, 443, ANYWHERE), ("tcp", 80, 80, ANYWHERE),
                                           *returns_from_anywhere,
                                           *[("tcp", 22, 22, cidr) for cidr in ssh_cidrs]]),
        egress=_rules(NetworkAclEgress, [*web_out, ("tcp", ephemeral[0], ephemeral[1], ANYWHERE),
                                         *whole_vpc]))
    app = TierAcl(
        ingress=_rules(NetworkAclIngress, [*whole_vpc, *returns_from_anywhere]),
        egress=_rules(NetworkAclEgress, [*whole_vpc, *web_out]))
    data = TierAcl(
        ingress=_rules(NetworkAclIngress, [("tcp", port, port, cidr) for cidr in app_subnet_cidrs
                                           for port in database_ports]),
        egress=_rules(NetworkAclEgress, [("tcp", ephemeral[0], ephemeral[1], cidr) for cidr in app_subnet_cidrs]))
    return {"public": public, "app": app, "data": data}
