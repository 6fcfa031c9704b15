"""Route 53 failover between a primary and a standby endpoint (seed 001), with a gate the failover
orchestrator can close.

FailoverAliasRecords writes, for each name, a PRIMARY alias record answered while the primary's health
check passes and a SECONDARY alias record (the standby) answered otherwise. The PRIMARY records are
tied to a FailoverGate: a CALCULATED health check over the endpoint checks that is healthy while all of
them are. Route 53 counts a calculated check whose threshold exceeds its number of children as
unhealthy, so the orchestrator pins traffic on the standby by raising the threshold (a primary that
flaps back cannot pull traffic to a database that is no longer its own). Terraform sets the threshold
only at creation, so applying the edge stack during a failover leaves the gate closed; failing back
lowers it by hand (docs/runbooks/disaster-recovery.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.route53_health_check import Route53HealthCheck
from cdktf_cdktf_provider_aws.route53_record import (
    Route53Record,
    Route53RecordAlias,
    Route53RecordFailoverRoutingPolicy,
)
from constructs import Construct

from modules.dns.records import LABEL, AliasTargetLike, _check_domain, alias_target

SITES = (("primary", "PRIMARY"), ("standby", "SECONDARY"))


@dataclass(frozen=True)
class FailoverGateProps:
    name: str
    """Tag Name of the check, e.g. 'cafe-dr-prod-failover-gate'."""
    endpoint_health_check_ids: Sequence[str]
    """The primary's endpoint checks; the gate is healthy while all of them are."""

    def __post_init__(self) -> None:
        if not self.endpoint_health_check_ids:
            raise ValueError(f"failover gate {self.name!r} has no endpoint_health_check_ids; fix: pass the "
                             "primary's endpoint health check")


class FailoverGate(Construct):
    """Construct id 'gate' is public (the orchestrator finds it through the edge stack's output)."""

    def __init__(self, scope: Construct, id: str, props: FailoverGateProps) -> None:
        super().__init__(scope, id)
        children = list(props.endpoint_health_check_ids)
        self.health_check = Route53HealthCheck(
            self, "gate", type="CALCULATED", child_healthchecks=children, child_health_threshold=len(children),
            tags={"Name": props.name},
            # The orchestrator's once created: an apply during a failover must not reopen the gate.
            lifecycle={"ignore_changes": ["child_health_threshold"]})

    @property
    def id(self) -> str:
        return self.health_check.id


@dataclass(frozen=True)
class FailoverAliasRecordsProps:
    zone_id: str
    domain_name: str
    """The apex (or any name) that fails over, e.g. 'example.com'."""
    primary: AliasTargetLike
    """The primary region's endpoint (its load balancer)."""
    standby: AliasTargetLike
    """The standby region's endpoint, answered when the gate is unhealthy."""
    gate: FailoverGate
    """Decides for the PRIMARY records."""
    subdomains: Sequence[str] = ()
    """Labels under domain_name that fail over with it, e.g. 'www'."""

    def __post_init__(self) -> None:
        _check_domain(self.domain_name, "failover records for")
        bad = [s for s in self.subdomains if not LABEL.fullmatch(s)]
        if bad or len(set(self.subdomains)) != len(self.subdomains):
            raise ValueError(f"failover subdomains {list(self.subdomains)}; fix: distinct lower-case labels such as "
                             "'www', without the domain")
        primary, standby = alias_target(self.primary), alias_target(self.standby)
        if primary.ipv6 != standby.ipv6:
            raise ValueError(f"failover records for {self.domain_name!r}: the primary answers over "
                             f"{'IPv6 and IPv4' if primary.ipv6 else 'IPv4 only'}, the standby does not match; "
                             "fix: give both endpoints the same IP address type")

    @property
    def names(self) -> list[str]:
        return [self.domain_name, *(f"{label}.{self.domain_name}" for label in self.subdomains)]


class FailoverAliasRecords(Construct):
    """Construct ids (public): '<label>-<type>-primary', '<label>-<type>-standby', label 'apex' for the
    domain itself and type 'a'/'aaaa'."""

    def __init__(self, scope: Construct, id: str, props: FailoverAliasRecordsProps) -> None:
        super().__init__(scope, id)
        targets = {"primary": alias_target(props.primary), "standby": alias_target(props.standby)}
        types = ("A", "AAAA") if targets["primary"].ipv6 else ("A",)
        self.records: list[Route53Record] = []
        for label, name in zip(["apex", *props.subdomains], props.names, strict=True):
            for record_type in types:
                for site, role in SITES:
                    target = targets[site]
                    self.records.append(Route53Record(
                        self, f"{label.replace('.', '-')}-{record_type.lower()}-{site}", zone_id=props.zone_id,
                        name=name, type=record_type, set_identifier=site,
                        failover_routing_policy=Route53RecordFailoverRoutingPolicy(type=role),
                        health_check_id=props.gate.id if site == "primary" else None,
                        alias=Route53RecordAlias(name=target.dns_name, zone_id=target.zone_id,
                                                 evaluate_target_health=True)))
