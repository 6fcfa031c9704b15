"""The typed shape of a blueprint environment: every key a user may write, its default and its rule.

Validation happens here, before any construct is built, so a bad value fails with one message per
problem (key, value, fix) and nothing is written. Construct props stay free of YAML concerns.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import json
import re
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, PrivateAttr, field_validator, model_validator

from configuration.account import Account, account_rules
from configuration.base import Strict
from configuration.compute import Compute, compute_rules
from configuration.data import Data
from configuration.dr import STANDBY, Dr, dr_rules, standby_capacity
from configuration.edge import Edge, edge_rules
from configuration.ops import Ops, ops_rules

# The CloudWatch Logs API accepts only these retention periods (PutRetentionPolicy).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096,
                      1827, 2192, 2557, 2922, 3288, 3653)

# Interface endpoints the network construct knows how to create, by short name.
INTERFACE_ENDPOINT_SERVICES = ("ssm", "ssmmessages", "ec2messages", "ec2", "ecr.api", "ecr.dkr",
                               "logs", "secretsmanager", "kms", "sts", "sqs", "sns", "monitoring")

PRIVATE_RANGES = tuple(ipaddress.ip_network(c) for c in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
PRODUCTION_NAMES = frozenset({"prod", "production"})


@cache
def known_regions() -> frozenset[str]:
    """AWS regions from botocore's bundled endpoint data (read as JSON: offline and without importing
    botocore), plus a floor list so a missing botocore never rejects a common region."""
    floor = {"us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2", "eu-west-3",
             "eu-central-1", "eu-north-1", "ap-south-1", "ap-southeast-1", "ap-southeast-2",
             "ap-northeast-1", "ap-northeast-2", "ca-central-1", "sa-east-1"}
    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        return frozenset(floor)
    endpoints = Path(next(iter(spec.submodule_search_locations))) / "data" / "endpoints.json"
    partitions = json.loads(endpoints.read_text()).get("partitions", [])
    return frozenset(floor | {region for p in partitions for region in p.get("regions", {})})


def check_region(value: str | None) -> str | None:
    """A region name that AWS knows, or a message with the nearest names and the fix."""
    if value is not None and value not in known_regions():
        close = sorted(r for r in known_regions() if r.split("-")[0] == value.split("-")[0])[:6]
        hint = f" (regions with that prefix: {', '.join(close)})" if close else ""
        raise ValueError(f"{value!r} is not an AWS region{hint}; fix: use a region name such as eu-west-1")
    return value


class Regions(Strict):
    primary: str = Field(description="Region every stack deploys to, e.g. eu-west-1.")
    secondary: str | None = Field(
        default=None, description="Region for replication and disaster recovery; must differ from primary.")
    availability_zones: list[str] = Field(
        description="Explicit AZ names in the primary region (2 to 4). Listed, not looked up, so plans run offline.")

    @field_validator("primary", "secondary")
    @classmethod
    def _region_exists(cls, value: str | None) -> str | None:
        return check_region(value)

    @model_validator(mode="after")
    def _zones_belong_to_primary(self) -> Regions:
        zones = self.availability_zones
        if self.secondary == self.primary:
            raise ValueError(f"secondary region {self.secondary!r} equals the primary; "
                             "fix: pick another region for replication/DR, or remove 'secondary'")
        if not 2 <= len(zones) <= 4:
            raise ValueError(f"availability_zones has {len(zones)} zone(s) {zones}; a highly available "
                             f"network needs 2 to 4; fix: list 2-4 zones such as {self.primary}a, {self.primary}b")
        if len(set(zones)) != len(zones):
            raise ValueError(f"availability_zones lists a zone twice: {zones}; fix: list each zone once")
        pattern = re.compile(rf"^{re.escape(self.primary)}[a-z]$")
        for zone in zones:
            if not pattern.match(zone):
                raise ValueError(f"availability zone {zone!r} is not in the primary region {self.primary!r}; "
                                 f"fix: use names like {self.primary}a")
        return self


class SubnetSizes(Strict):
    """Extra prefix bits per tier: a /16 VPC with 8 gives /24 subnets. Each tier reserves four AZ slots."""

    public: Annotated[int, Field(ge=1, le=12)] = Field(default=8, description="Newbits for public subnets (ALB, NAT).")
    app: Annotated[int, Field(ge=1, le=12)] = Field(default=4, description="Newbits for private-app subnets.")
    data: Annotated[int, Field(ge=1, le=12)] = Field(default=8, description="Newbits for private-data subnets.")


class PortRange(Strict):
    from_port: Annotated[int, Field(ge=1, le=65535, alias="from")]
    to_port: Annotated[int, Field(ge=1, le=65535, alias="to")]

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _ordered(self) -> PortRange:
        if self.from_port > self.to_port:
            raise ValueError(f"from ({self.from_port}) is above to ({self.to_port}); fix: swap them, "
                             "e.g. from: 1024, to: 65535")
        return self


class Network(Strict):
    vpc_cidr: str = Field(description="Private IPv4 range of the VPC, /16 to /24 (RFC 1918).")
    subnet_newbits: SubnetSizes = Field(default_factory=SubnetSizes)
    nat_gateways: Literal["per_az", "single"] = Field(
        default="per_az", description="per_az keeps egress alive when an AZ fails; single is a dev cost setting.")
    database_ports: list[Annotated[int, Field(ge=1, le=65535)]] = Field(
        default_factory=lambda: [3306, 5432],
        description="Ports the data-tier NACL admits from the app tier (MySQL 3306, PostgreSQL 5432, ...).")
    ephemeral_ports: PortRange = Field(
        default_factory=lambda: PortRange(from_port=1024, to_port=65535),
        description="Return-traffic port range admitted by the NACLs (NAT and ELB use 1024-65535).")
    flow_log_retention_days: int = Field(default=365, description="CloudWatch retention of VPC flow logs.")
    interface_endpoints: list[str] = Field(
        default_factory=list, description=f"Interface endpoints to create: {', '.join(INTERFACE_ENDPOINT_SERVICES)}.")
    avoid_cidrs: list[str] = Field(
        default_factory=list,
        description="Ranges used elsewhere (peered VPCs, on-premises, other environments) the VPC must not overlap.")

    @field_validator("vpc_cidr")
    @classmethod
    def _private_cidr(cls, value: str) -> str:
        network = _parse_network(value, "vpc_cidr")
        if not 16 <= network.prefixlen <= 24:
            raise ValueError(f"{value!r} is a /{network.prefixlen}; AWS allows VPCs from /16 to /28 and three "
                             "tiers over up to four AZs need at least a /24; fix: use a /16 to /24 such as 10.0.0.0/16")
        if not any(network.subnet_of(r) for r in PRIVATE_RANGES):
            raise ValueError(f"{value!r} is not a private (RFC 1918) range; fix: use a range inside "
                             "10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16")
        return str(network)

    @field_validator("avoid_cidrs")
    @classmethod
    def _valid_cidrs(cls, values: list[str]) -> list[str]:
        return [str(_parse_network(v, "avoid_cidrs")) for v in values]

    @field_validator("flow_log_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        if value not in LOG_RETENTION_DAYS:
            nearest = min(LOG_RETENTION_DAYS, key=lambda d: abs(d - value))
            raise ValueError(f"{value} is not a CloudWatch retention period; fix: use one of "
                             f"{LOG_RETENTION_DAYS} (nearest: {nearest})")
        return value

    @field_validator("interface_endpoints")
    @classmethod
    def _known_endpoints(cls, values: list[str]) -> list[str]:
        unknown = [v for v in values if v not in INTERFACE_ENDPOINT_SERVICES]
        if unknown:
            raise ValueError(f"unknown interface endpoint(s) {unknown}; "
                             f"fix: use any of {list(INTERFACE_ENDPOINT_SERVICES)}")
        if len(set(values)) != len(values):
            raise ValueError(f"interface_endpoints lists a service twice: {values}; fix: list each once")
        return values

    @model_validator(mode="after")
    def _fits_and_does_not_overlap(self) -> Network:
        from modules.network.cidr import plan_subnets  # pure-Python layout, shared with the construct

        vpc = ipaddress.ip_network(self.vpc_cidr)
        sizes = self.subnet_newbits
        try:
            plan_subnets(vpc.prefixlen, {"public": sizes.public, "app": sizes.app, "data": sizes.data})
        except ValueError as error:
            raise ValueError(f"subnet_newbits {sizes.model_dump()} do not fit in vpc_cidr {self.vpc_cidr}: {error}; "
                             "fix: use a larger VPC or more newbits (smaller subnets)") from None
        for other in self.avoid_cidrs:
            if vpc.overlaps(ipaddress.ip_network(other)):
                raise ValueError(f"vpc_cidr {self.vpc_cidr} overlaps {other} listed in avoid_cidrs; "
                                 "fix: choose a VPC range outside it (peering and VPNs need distinct ranges)")
        return self


def _parse_network(value: str, key: str) -> ipaddress.IPv4Network:
    try:
        return ipaddress.IPv4Network(value, strict=True)
    except ValueError as error:
        raise ValueError(f"{value!r} is not an IPv4 network in CIDR notation ({error}); "
                         f"fix: write {key} like 10.0.0.0/16 with the host bits zero") from None


class Tags(Strict):
    """Required cost and ownership tags, applied to every taggable resource through provider default_tags."""

    model_config = ConfigDict(extra="allow", frozen=True, str_strip_whitespace=True)

    Owner: str = Field(min_length=1, description="Team or person answerable for the resources.")
    CostCenter: str = Field(min_length=1, description="Billing code the resources are charged to.")

    @model_validator(mode="after")
    def _reserved(self) -> Tags:
        extra = self.model_extra or {}
        for key in ("Name", "Environment", "Project"):
            if key in extra:
                raise ValueError(f"tag {key!r} is set by the platform (Name per resource, Environment and "
                                 f"Project from the configuration); fix: remove tags.{key}")
        for key, value in extra.items():
            if not isinstance(value, str) or not value:
                raise ValueError(f"tag {key!r} has value {value!r}; fix: tag values must be non-empty strings")
            if key.lower().startswith("aws:"):
                raise ValueError(f"tag {key!r} uses the reserved aws: prefix; fix: rename it")
        return self


class State(Strict):
    bucket: str | None = Field(
        default=None, description="S3 bucket holding Terraform state; default <project>-<env>-tfstate-<account_id>.")
    region: str | None = Field(default=None, description="Region of the state bucket; default the primary region.")
    bootstrap_backend: Literal["local", "s3"] = Field(
        default="local", description="Where the state stack keeps its own state: local until applied, then s3.")

    @field_validator("region")
    @classmethod
    def _region_exists(cls, value: str | None) -> str | None:
        return check_region(value)

    @field_validator("bucket")
    @classmethod
    def _bucket_name(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", value):
            raise ValueError(f"{value!r} is not a valid S3 bucket name; fix: 3-63 characters of lower-case "
                             "letters, digits, dots and hyphens")
        return value


class BlueprintConfig(Strict):
    """One environment of one blueprint, fully resolved (after `extends` merging)."""

    blueprint: str = Field(pattern=r"^[a-z][a-z0-9-]{1,30}$", description="Blueprint name (its folder).")
    description: str = Field(default="", description="What this blueprint is for, one line.")
    project: str = Field(description="Short lower-case name prefixed to every resource name.")
    environment: str = Field(description="Environment name such as dev, staging or prod.")
    production: bool | None = Field(
        default=None, description="Production rules apply (HA, no cost cuts). Default: true for prod/production.")
    account_id: str = Field(description="The 12-digit AWS account; the provider refuses any other account.")
    regions: Regions
    tags: Tags
    network: Network
    state: State = Field(default_factory=State)
    data: Data = Field(default_factory=Data, description="Databases, caches, buckets, queues, ... (the data stack).")
    compute: Compute = Field(default_factory=Compute,
                             description="Load balancer, WAF, golden images, EC2 fleets, ECS services, bastion.")
    edge: Edge | None = Field(default=None, description="Public DNS, CloudFront distributions, health check and "
                              "their WAF (the edge stack); None: no edge stack.")
    account: Account | None = Field(default=None, description="Account-wide IAM settings and the GitHub "
                                    "deploy role (one environment per account).")
    ops: Ops = Field(default_factory=Ops,
                     description="Alarm subscribers and thresholds, dashboard, CloudTrail, budget (the ops stack).")
    dr: Dr = Field(default_factory=Dr, description="Disaster recovery: none, pilot-light or warm-standby in "
                   "regions.secondary, and the recovery-time objective.")
    _site: str = PrivateAttr(default="primary")
    """'primary', or STANDBY for the view the standby region's stacks are built from (see standby())."""
    _primary: BlueprintConfig | None = PrivateAttr(default=None)
    """Set by standby() on the view it returns: the configuration it was made from (see primary())."""

    @field_validator("project")
    @classmethod
    def _project_name(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z][a-z0-9-]{1,19}", value):
            raise ValueError(f"{value!r} must be 2-20 lower-case letters, digits or hyphens starting with a letter "
                             "(it prefixes S3 bucket and IAM names); fix: e.g. 'notebookly'")
        return value

    @field_validator("environment")
    @classmethod
    def _environment_name(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z][a-z0-9]{1,11}", value):
            raise ValueError(f"{value!r} must be 2-12 lower-case letters or digits; fix: e.g. dev, staging, prod")
        return value

    @field_validator("account_id", mode="before")
    @classmethod
    def _account(cls, value: object) -> str:
        if not re.fullmatch(r"\d{12}", str(value)):
            raise ValueError(f"{value!r} is not a 12-digit AWS account id; fix: quote it as a string, "
                             "e.g. account_id: \"123456789012\"")
        return str(value)

    @model_validator(mode="after")
    def _production_rules(self) -> BlueprintConfig:
        if self.state.region and self.state.region == self.regions.secondary:
            raise ValueError(f"state.region {self.state.region!r} is also regions.secondary, where the state is "
                             "replicated to; fix: keep the state bucket in another region (default: the primary)")
        too_long = [name for name in self.state_bucket_names if len(name) > 63]
        if too_long:
            raise ValueError(f"state bucket name(s) {too_long} exceed S3's 63 characters (derived from "
                             f"{self.state_bucket!r}); fix: set a shorter state.bucket")
        if self.is_production and self.network.nat_gateways == "single":
            raise ValueError("network.nat_gateways is 'single' in a production environment: one AZ outage "
                             "would cut internet egress for every AZ; fix: use per_az")
        self._data_rules()
        compute_rules(self)
        edge_rules(self)
        ops_rules(self)
        dr_rules(self)
        account_rules(self)
        return self

    def _data_rules(self) -> None:
        """Rules that tie the data section to the network, the regions and production."""
        data, admitted = self.data, self.network.database_ports
        for store, port in data.ports.items():
            if port not in admitted:
                raise ValueError(f"data.{store} listens on port {port}, which network.database_ports {admitted} "
                                 f"does not admit into the data subnets; fix: add {port} to network.database_ports")
        if not self.regions.secondary:
            replicated = [name for name, bucket in data.buckets.items() if bucket.replicate]
            if replicated:
                raise ValueError(f"data.buckets {replicated} set replicate but regions.secondary is not set; "
                                 "fix: set regions.secondary, or remove replicate")
            if data.backup.copy_to_secondary:
                raise ValueError("data.backup.copy_to_secondary needs regions.secondary; fix: set it")
        too_long = [name for name in self.data_bucket_names if len(name) > 63]
        if too_long:
            raise ValueError(f"bucket name(s) {too_long} exceed S3's 63 characters; fix: shorten the bucket's "
                             "key under data.buckets, or the project name")
        if self.is_production:
            for name, db in data.databases.items():
                if db.multi_az is False:
                    raise ValueError(f"data.databases.{name}.multi_az is false in production: an AZ outage would "
                                     "stop the database; fix: remove it (Multi-AZ is the production default)")
            for name, cluster in data.aurora.items():
                if cluster.readers < 1:
                    raise ValueError(f"data.aurora.{name}.readers is 0 in production: no replica to fail over "
                                     "to; fix: set readers: 1 or more")
            for name, cache in data.caches.items():
                if cache.replicas < 1:
                    raise ValueError(f"data.caches.{name}.replicas is 0 in production: automatic failover "
                                     "needs a replica; fix: set replicas: 1 or more")

    @property
    def is_production(self) -> bool:
        return self.production if self.production is not None else self.environment in PRODUCTION_NAMES

    def database_multi_az(self, name: str) -> bool:
        """Whether data.databases.<name> runs a standby in a second AZ: as configured, else in production."""
        spec = self.data.databases[name]
        return spec.multi_az if spec.multi_az is not None else self.is_production

    def _standby_compute(self) -> Compute:
        """The compute section at standby capacity (standby_capacity), without off-hours schedules (they
        would start it), and with the standby's AMIs where an image has no pipeline."""
        compute, dr = self.compute, self.dr

        def standby(workload):
            minimum = standby_capacity(dr, workload.min_size)
            return workload.model_copy(update={"min_size": minimum, "desired": minimum, "off_hours": None})

        images = {name: image if image.pipeline else image.model_copy(update={"ami_id": dr.image_ids[name]})
                  for name, image in compute.images.items()}
        return compute.model_copy(update={
            "fleets": {name: standby(fleet) for name, fleet in compute.fleets.items()},
            "services": {name: standby(service) for name, service in compute.services.items()},
            "images": images})

    @property
    def site(self) -> str:
        return self._site

    @property
    def is_standby(self) -> bool:
        """Whether this is the standby() view: what a failover changes there is Terraform's at creation only."""
        return self._site == STANDBY

    @property
    def name_prefix(self) -> str:
        """Prefix of resource names; the standby's carries '-dr' (IAM and S3 names are global)."""
        prefix = f"{self.project}-{self.environment}"
        return f"{prefix}-dr" if self.is_standby else prefix

    def standby(self) -> BlueprintConfig:
        """This environment as the standby region's stacks see it: regions.secondary as the primary, the
        dr section's range and AZs, '-dr' names, the same state bucket and parameter paths (the app reads
        the same names in either region). Needs dr.strategy other than none."""
        dr = self.dr
        if not dr.enabled or self.regions.secondary is None:
            raise ValueError(f"{self.name_prefix} has dr.strategy {dr.strategy!r}; fix: set dr.strategy to "
                             "pilot-light or warm-standby (with regions.secondary) to build a standby")
        regions = Regions(primary=self.regions.secondary, secondary=self.regions.primary,
                          availability_zones=dr.availability_zones)
        network = Network.model_validate({**self.network.model_dump(), "vpc_cidr": dr.vpc_cidr,
                                          "avoid_cidrs": [self.network.vpc_cidr]})
        state = self.state.model_copy(update={"region": self.state_region})  # one state bucket, the primary's
        view = self.model_copy(update={"regions": regions, "network": network, "state": state,
                                       "compute": self._standby_compute()})
        view._site = STANDBY
        view._primary = self
        return view

    def primary(self) -> BlueprintConfig:
        """The environment as its primary site's stacks see it: itself, or, in the standby() view, the
        configuration the view was made from. A standby stack passes it to remote_state(site=...) to read a
        primary stack's outputs (the standby compute stack adopts the primary's origin secret)."""
        return self._primary or self

    @property
    def state_bucket(self) -> str:
        return self.state.bucket or f"{self.project}-{self.environment}-tfstate-{self.account_id}"

    @property
    def state_access_log_bucket(self) -> str:
        return f"{self.state_bucket}-access-logs"

    @property
    def state_replica_bucket(self) -> str | None:
        """The state bucket's copy in the secondary region, if there is one."""
        return f"{self.state_bucket}-{self.regions.secondary}" if self.regions.secondary else None

    @property
    def state_replica_access_log_bucket(self) -> str | None:
        return f"{self.state_replica_bucket}-access-logs" if self.state_replica_bucket else None

    @property
    def state_bucket_names(self) -> list[str]:
        names = [self.state_bucket, self.state_access_log_bucket, self.state_replica_bucket,
                 self.state_replica_access_log_bucket]
        return [name for name in names if name]

    def data_bucket_name(self, name: str, region: str | None = None) -> str:
        """Globally unique name of a data bucket (and of its replica, with the replica's region)."""
        base = f"{self.name_prefix}-{name}-{self.account_id}"
        return f"{base}-{region}" if region else base

    def bucket_replicated(self, name: str) -> bool:
        """Whether data bucket `name` is replicated: as configured, else in production with a secondary region."""
        replicate = self.data.buckets[name].replicate
        if replicate is None:
            replicate = self.is_production
        return replicate and self.regions.secondary is not None

    @property
    def data_bucket_names(self) -> list[str]:
        names = [self.data_bucket_name("access-logs")]
        for name in self.data.buckets:
            names.append(self.data_bucket_name(name))
            if self.bucket_replicated(name):
                names.append(self.data_bucket_name(name, self.regions.secondary))
                names.append(self.data_bucket_name("access-logs", self.regions.secondary))
        return names

    @property
    def parameter_prefix(self) -> str:
        """Root of the environment's SSM parameter hierarchy, e.g. /notebookly/prod."""
        return f"/{self.project}/{self.environment}"

    @property
    def state_region(self) -> str:
        return self.state.region or self.regions.primary

    @property
    def default_tags(self) -> dict[str, str]:
        """Tags every taggable resource carries (through the provider's default_tags)."""
        extra = {k: str(v) for k, v in (self.tags.model_extra or {}).items()}
        site = {"Site": self._site} if self.is_standby else {}
        return {"Project": self.project, "Environment": self.environment, "Owner": self.tags.Owner,
                "CostCenter": self.tags.CostCenter, "Blueprint": self.blueprint, "ManagedBy": "cdktf", **site,
                **extra}
