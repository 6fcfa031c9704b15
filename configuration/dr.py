"""The `dr:` section of a blueprint environment: how it survives the loss of its primary region.

`strategy` is `none` (default: backups and replicated buckets only), `pilot-light` (seed 001: the
standby region keeps the network, a read replica of every database and the compute tier at zero
capacity; failover promotes, scales and moves DNS) or `warm-standby` (the same, with the compute tier
already running at `warm_capacity_percent` of its minimum). A strategy needs the secondary region's
network (its own range, so the two VPCs can be peered) and a public name with a health check to fail
over from; `dr_rules` also checks that the recovery-time budget (configuration/rto.py) fits `rto_minutes`.
"""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, field_validator

from configuration.base import Strict

if TYPE_CHECKING:
    from configuration.schema import BlueprintConfig

Strategy = Literal["none", "pilot-light", "warm-standby"]
STANDBY = "standby"
"""The site of the stacks in regions.secondary (BlueprintConfig.standby())."""


class Dr(Strict):
    strategy: Strategy = Field(default="none", description="none, pilot-light (standby compute at zero) or "
                               "warm-standby (standby compute running at warm_capacity_percent).")
    vpc_cidr: str | None = Field(default=None, description="IPv4 range of the standby VPC in regions.secondary; "
                                 "must not overlap the primary's (peering, VPN, copying data back).")
    availability_zones: list[str] = Field(default_factory=list, description="2-4 AZs in regions.secondary, "
                                          "listed (not looked up) so plans run offline.")
    warm_capacity_percent: Annotated[int, Field(ge=1, le=100)] = Field(
        default=50, description="warm-standby: each fleet and service runs this share of its minimum (at least "
        "one) until a failover scales it to the full minimum.")
    rto_minutes: Annotated[int, Field(ge=5, le=1440)] = Field(
        default=20, description="Recovery-time objective: the failover budget must fit (seed 001: 20 minutes).")
    min_outage_seconds: Annotated[int, Field(ge=0, le=3600)] = Field(
        default=120, description="The primary must have been failing this long before a failover starts: a "
        "guard against flapping health checks (0 only for drills).")
    automatic: bool = Field(default=True, description="The primary's health-check alarm starts the failover; "
                            "false: the orchestrator only runs when invoked by hand (runbook).")
    image_ids: dict[str, Annotated[str, Field(pattern=r"^ami-[0-9a-f]{8,17}$")]] = Field(
        default_factory=dict, description="compute.images without a pipeline: their AMI in regions.secondary "
        "(AMI ids are regional). Pipeline images are distributed there by the pipeline itself.")

    @field_validator("vpc_cidr")
    @classmethod
    def _private_range(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            network = ipaddress.IPv4Network(value)
        except ValueError:
            raise ValueError(f"dr.vpc_cidr {value!r} is not an IPv4 network; fix: e.g. 10.120.0.0/16") from None
        if not network.is_private or not 16 <= network.prefixlen <= 24:
            raise ValueError(f"dr.vpc_cidr {value!r}; fix: a private /16 to /24 range such as 10.120.0.0/16")
        return value

    @property
    def enabled(self) -> bool:
        return self.strategy != "none"


def standby_capacity(dr: Dr, min_size: int) -> int:
    """A workload's minimum in the standby before a failover: zero for a pilot light, a share for warm."""
    if dr.strategy == "warm-standby" and min_size:
        return max(1, -(-min_size * dr.warm_capacity_percent // 100))
    return 0


def dr_rules(config: BlueprintConfig) -> None:
    """Rules that tie the DR section to the regions, the network, the edge and the data stores."""
    dr = config.dr
    if not dr.enabled:
        return
    secondary = config.regions.secondary
    if secondary is None:
        raise ValueError(f"dr.strategy {dr.strategy!r} needs regions.secondary, where the standby runs; fix: set "
                         "regions.secondary (e.g. eu-central-1) or dr.strategy: none")
    if dr.vpc_cidr is None:
        raise ValueError(f"dr.strategy {dr.strategy!r} needs dr.vpc_cidr for the standby VPC; fix: a private "
                         f"range that does not overlap network.vpc_cidr {config.network.vpc_cidr}")
    if ipaddress.IPv4Network(dr.vpc_cidr).overlaps(ipaddress.IPv4Network(config.network.vpc_cidr)):
        raise ValueError(f"dr.vpc_cidr {dr.vpc_cidr} overlaps network.vpc_cidr {config.network.vpc_cidr}; fix: a "
                         "range apart from the primary's, so the VPCs can be peered to copy data back")
    zones = dr.availability_zones
    pattern = re.compile(rf"^{re.escape(secondary)}[a-z]$")
    wrong = [zone for zone in zones if not pattern.match(zone)]
    if not 2 <= len(zones) <= 4 or wrong or len(set(zones)) != len(zones):
        raise ValueError(f"dr.availability_zones {zones}: the standby needs 2-4 distinct AZs of regions.secondary "
                         f"{secondary!r}; fix: e.g. [{secondary}a, {secondary}b]")
    edge = config.edge
    if edge is None or edge.domain is None or edge.health_check is None:
        raise ValueError(f"dr.strategy {dr.strategy!r} fails over from a health-checked public name, and the edge "
                         "has none; fix: set edge.domain and edge.health_check")
    if edge.load_balancer_cdn is not None:
        _origin_failover_rules(config)
    if edge.apex_target != "load_balancer" and not edge.load_balancer_names:
        raise ValueError(f"dr.strategy {dr.strategy!r}, but no public name points at the load balancer (edge."
                         f"apex_target is {edge.apex_target!r}, edge.load_balancer_names is empty), so DNS has nothing "
                         "to fail over; fix: set edge.apex_target: load_balancer or list edge.load_balancer_names")
    for name, image in config.compute.images.items():
        if image.pipeline is None and name not in dr.image_ids:
            raise ValueError(f"compute.images.{name} has no pipeline to distribute it to {secondary}, and dr.image_ids "
                             f"lists no AMI there; fix: add dr.image_ids.{name}: <ami-id in {secondary}>, or give the "
                             "image a pipeline")
        if image.pipeline is not None and image.pipeline.distribute_to_secondary is False:
            raise ValueError(f"compute.images.{name}.pipeline.distribute_to_secondary is false, so the standby in "
                             f"{secondary} has no golden image to launch; fix: remove it (the default distributes)")
    unknown = sorted(set(dr.image_ids) - set(config.compute.images))
    if unknown:
        raise ValueError(f"dr.image_ids {unknown} name no compute.images entry {sorted(config.compute.images)}; "
                         "fix: remove them or correct the names")
    try:
        config.standby()
    except ValueError as error:  # the primary's subnet layout may not fit the standby's range
        raise ValueError(f"dr.vpc_cidr {dr.vpc_cidr}: the standby network is invalid: {error}") from None
    databases = [*config.data.databases, *config.data.aurora]
    if len(databases) > 1:
        raise ValueError(f"dr.strategy {dr.strategy!r} with databases {sorted(databases)} (data.databases and data."
                         "aurora): the failover orchestrator promotes one database; fix: one database per environment "
                         "with a standby, or dr.strategy: none")
    _managed_secret_rules(config)
    from configuration.rto import rto_budget  # noqa: PLC0415 - rto imports this module's types

    budget = rto_budget(config)
    if budget.total_seconds > dr.rto_minutes * 60:
        raise ValueError(f"the failover budget is {budget.total_seconds / 60:.1f} minutes ({budget.summary()}), "
                         f"above dr.rto_minutes {dr.rto_minutes}; fix: lower dr.min_outage_seconds or the health "
                         "check's failure_threshold, use warm-standby, or agree a longer RTO")


def _origin_failover_rules(config: BlueprintConfig) -> None:
    """Behind CloudFront the primary's load balancer serves the health check's path without the origin secret
    (Route 53 sends no custom headers) in a rule of its own at priority 49999 (modules/load_balancer): the
    path must be one literal path, and the routes must leave that priority free."""
    edge, balancer = config.edge, config.compute.load_balancer
    assert edge is not None and edge.health_check is not None  # dr_rules checked both
    path = edge.health_check.path
    if len(path) > 128 or any(character in path for character in "*?"):
        raise ValueError(f"edge.health_check.path {path!r} with dr.strategy {config.dr.strategy!r} behind CloudFront: "
                         "the primary's load balancer serves it without the origin secret, so it must be one literal "
                         "path; fix: a path such as /health (at most 128 characters, no '*' or '?')")
    taken = [route.priority for route in balancer.routes if route.priority >= 49999] if balancer else []
    if taken:
        raise ValueError(f"compute.load_balancer.routes priorities {taken} with dr.strategy {config.dr.strategy!r} "
                         "behind CloudFront: 49999 is the health check's rule; fix: priorities below 49999")


def _managed_secret_rules(config: BlueprintConfig) -> None:
    """With a standby, RDS does not manage the database's master password (AWS refuses read replicas of an
    instance with a managed password, and global database members cannot have one). Services and the proxy
    sign in with the database's credentials secret instead (data stack), kept by the operator; the sales
    report still expects the RDS-managed master secret."""
    dr = config.dr
    report = config.ops.sales_report
    if report is not None:
        raise ValueError(f"ops.sales_report reads database {report.database!r} with its RDS-managed master secret, "
                         f"which a database with a standby (dr.strategy {dr.strategy!r}) cannot have; fix: "
                         "dr.strategy: none, or run the report without a standby")
