"""Subnet layout as (newbits, netnum) pairs, independent of the VPC's actual address.

The layout depends only on the VPC prefix length and the tier sizes, so the same numbers feed
Terraform's `cidrsubnet(var.vpc_cidr, newbits, netnum)` when the CIDR is a variable and Python's
ipaddress when it is a literal. Every tier reserves `slots` AZ positions up front: adding an AZ
later never renumbers (and so never replaces) an existing subnet.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

AZ_SLOTS = 4
TIER_ORDER = ("public", "app", "data")


@dataclass(frozen=True)
class SubnetSlot:
    tier: str
    slot: int
    newbits: int
    netnum: int

    def cidr(self, vpc_cidr: str) -> str:
        """The literal CIDR of this slot inside a literal VPC CIDR (what cidrsubnet() would return)."""
        vpc = ipaddress.IPv4Network(vpc_cidr)
        size = vpc.num_addresses >> self.newbits
        start = int(vpc.network_address) + self.netnum * size
        return str(ipaddress.IPv4Network((start, vpc.prefixlen + self.newbits)))


def plan_subnets(vpc_prefixlen: int, newbits: dict[str, int], slots: int = AZ_SLOTS) -> dict[str, list[SubnetSlot]]:
    """Allocate `slots` aligned blocks per tier, tiers in TIER_ORDER, like Terraform's cidrsubnets()."""
    total = 1 << (32 - vpc_prefixlen)
    cursor = 0
    layout: dict[str, list[SubnetSlot]] = {}
    for tier in TIER_ORDER:
        bits = newbits[tier]
        if vpc_prefixlen + bits > 28:
            raise ValueError(f"{tier} subnets would be /{vpc_prefixlen + bits}, smaller than AWS's minimum /28")
        block = total >> bits
        layout[tier] = []
        for slot in range(slots):
            cursor = -(-cursor // block) * block  # align up to the block size
            if cursor + block > total:
                raise ValueError(f"{tier} subnet slot {slot + 1} of {slots} runs past the end of the /{vpc_prefixlen}")
            layout[tier].append(SubnetSlot(tier, slot, bits, cursor // block))
            cursor += block
    return layout
