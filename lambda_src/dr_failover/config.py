"""The orchestrator's configuration: environment variables parsed and validated once into a frozen ``Config``.

Every problem is collected (not just the first) and reported as one line naming the variable, its value and
the fix, so a broken deployment is diagnosed in one invocation, which may be during a real outage.

Environment (JSON values are objects/lists as shown; see the README of the DR stack for a complete example):

``PRIMARY_REGION``, ``STANDBY_REGION``   distinct region names
``HEALTH_ALARM_NAME``                    CloudWatch alarm on the primary's Route 53 health check
``HEALTH_ALARM_REGION``                  default us-east-1 (where Route 53 health check metrics live)
``MIN_OUTAGE_SECONDS``                   default 120: flap guard, how long the alarm must have been in ALARM
``DATABASE``      ``{"kind": "instance", "identifier": ..., "multi_az": <bool, optional>}`` |
                  ``{"kind": "aurora-global", "global_cluster": ..., "cluster_arn": <standby cluster ARN>}`` |
                  ``{"kind": "none"}``
``PARAMETERS``    ``{"database_endpoint": <ssm name>, "active_region": <ssm name>}`` (standby region;
                  ``database_endpoint`` may be left out when the database kind is none)
``FLEETS``        ``[{"kind": "asg", "name", "min", "desired", "max"} | {"kind": "ecs", "cluster", "service",
                  "desired"}, ...]`` (standby region; may be ``[]``)
``TARGET_GROUP_ARNS``  ``[<standby target group ARN>, ...]`` (may be ``[]``)
``DNS``           ``{"zone_id", "record_name", "standby_dns_name", "gate_health_check_id"}``
``TOPIC_ARN``     SNS topic for the timeline (its region is taken from the ARN)
``WAIT_TIMEOUT_SECONDS`` (default 900), ``POLL_SECONDS`` (default 15)
``ENVIRONMENT_NAME``  optional, shown in the notification subject (default: the record name)
``FILE_SYSTEMS``  optional ``["fs-...", ...]``: the standby's EFS file systems that are replication destinations
                  (standby region); absent or ``[]``: none, the detach_file_systems step has nothing to do
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import ConfigurationError

REGION_RE = re.compile(r"^[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$")
RDS_ID_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]{0,62}$")
CLUSTER_ARN_RE = re.compile(r"^arn:aws[a-z-]*:rds:(?P<region>[a-z0-9-]+):\d{12}:cluster:(?P<id>[a-zA-Z][a-zA-Z0-9-]*)$")
TOPIC_ARN_RE = re.compile(r"^arn:aws[a-z-]*:sns:(?P<region>[a-z0-9-]+):\d{12}:[A-Za-z0-9_-]{1,256}(?:\.fifo)?$")
TARGET_GROUP_ARN_RE = re.compile(
    r"^arn:aws[a-z-]*:elasticloadbalancing:(?P<region>[a-z0-9-]+):\d{12}:targetgroup/[A-Za-z0-9-]{1,32}/[0-9a-f]+$"
)
SSM_NAME_RE = re.compile(r"^[a-zA-Z0-9_.\-/]{1,2048}$")
FILE_SYSTEM_ID_RE = re.compile(r"^fs-[0-9a-f]{8,40}$")
DATABASE_KINDS = ("instance", "aurora-global", "none")
FLEET_KINDS = ("asg", "ecs")
VALUE_SHOWN_CHARS = 200


@dataclass(frozen=True)
class DatabaseConfig:
    """The standby database: a cross-region read replica, the standby member of an Aurora global database,
    or nothing (the environment keeps its data elsewhere)."""

    kind: str
    identifier: str | None = None  # instance: the standby replica's DB instance identifier
    global_cluster: str | None = None  # aurora-global: the global cluster identifier
    cluster_arn: str | None = None  # aurora-global: the standby (secondary) cluster's ARN
    multi_az: bool = False  # instance: once promoted, convert it to Multi-AZ (as the primary was)
    backup_retention_days: int | None = None  # instance: the primary's, for a replica that keeps no backups


@dataclass(frozen=True)
class ParameterNames:
    """SSM parameters (standby region) the application reads at start-up."""

    active_region: str
    database_endpoint: str | None


@dataclass(frozen=True)
class AsgFleet:
    """An Auto Scaling group kept at zero (or a trickle) in the standby region until failover."""

    name: str
    min: int
    desired: int
    max: int

    @property
    def label(self) -> str:
        return f"asg {self.name}"


@dataclass(frozen=True)
class EcsFleet:
    """An ECS service kept at zero (or a trickle) in the standby region until failover."""

    cluster: str
    service: str
    desired: int

    @property
    def label(self) -> str:
        return f"ecs {self.cluster}/{self.service}"


@dataclass(frozen=True)
class DnsConfig:
    """The failover record pair and the calculated health check ("the gate") on the PRIMARY record."""

    zone_id: str
    record_name: str  # normalised: lower case with the trailing dot
    standby_dns_name: str  # normalised: lower case, no trailing dot
    gate_health_check_id: str


@dataclass(frozen=True)
class Config:
    """Everything the orchestrator reads from the environment, validated."""

    primary_region: str
    standby_region: str
    health_alarm_name: str
    health_alarm_region: str
    min_outage_seconds: int
    database: DatabaseConfig
    parameters: ParameterNames
    fleets: tuple[AsgFleet | EcsFleet, ...]
    target_group_arns: tuple[str, ...]
    dns: DnsConfig
    topic_arn: str
    topic_region: str
    wait_timeout_seconds: int
    poll_seconds: int
    environment_name: str
    file_systems: tuple[str, ...] = ()  # the standby's replicas (destination ids), made writable by the failover

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Config:
        """Parse and validate; raises ``ConfigurationError`` listing every problem."""
        return _Parser(env).parse()


def normalise_dns_name(name: str) -> str:
    """Route 53 and ALB names compare case-insensitively, with or without the trailing dot."""
    return name.strip().rstrip(".").lower()


def shown(value: str) -> str:
    """A value as quoted in an error message, shortened so a huge JSON blob does not drown the message."""
    text = value if len(value) <= VALUE_SHOWN_CHARS else value[: VALUE_SHOWN_CHARS - 3] + "..."
    return repr(text)


class _Parser:
    """Collects problems while parsing, so one ``ConfigurationError`` reports all of them."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.problems: list[str] = []

    # ------------------------------------------------------------------ helpers

    def problem(self, name: str, value: str | None, what: str, fix: str) -> None:
        where = f"{name}={shown(value)}" if value is not None else f"{name} (not set)"
        self.problems.append(f"{where}: {what}. Fix: {fix}")

    def raw(self, name: str) -> str | None:
        value = self.env.get(name)
        return value.strip() if value is not None and value.strip() else None

    def required(self, name: str, fix: str) -> str | None:
        value = self.raw(name)
        if value is None:
            self.problem(name, None, "is required", fix)
        return value

    def region(self, name: str, default: str | None = None) -> str | None:
        value = self.raw(name) or default
        fix = f"set {name} to a region name such as eu-west-2"
        if value is None:
            self.problem(name, None, "is required", fix)
            return None
        if not REGION_RE.match(value):
            self.problem(name, value, "is not an AWS region name", fix)
            return None
        return value

    def integer(self, name: str, default: int, minimum: int) -> int:
        text = self.raw(name)
        if text is None:
            return default
        try:
            value = int(text)
        except ValueError:
            self.problem(name, text, "is not a whole number of seconds", f"set it to an integer >= {minimum}")
            return default
        if value < minimum:
            self.problem(name, text, f"is below {minimum}", f"set it to an integer >= {minimum}")
            return default
        return value

    def json_value(self, name: str, example: str) -> Any:
        text = self.required(name, f"set it to JSON such as {example}")
        if text is None:
            return None
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            self.problem(name, text, f"is not valid JSON ({exc.msg} at character {exc.pos})", f"use e.g. {example}")
            return None

    def fields(
        self, name: str, text: str, where: str, item: Any, required: tuple[str, ...], optional: tuple[str, ...] = ()
    ) -> dict[str, Any] | None:
        """``item`` must be an object with exactly these keys (unknown keys are typos until proven otherwise)."""
        prefix = f"{where} " if where else ""
        if not isinstance(item, dict):
            self.problem(
                name,
                text,
                f"{prefix}must be a JSON object, got {type(item).__name__}",
                f"write it as {{{', '.join(repr(k) for k in required)}: ...}}",
            )
            return None
        ok = True
        unknown = sorted(set(item) - set(required) - set(optional) - {"kind"})
        if unknown:
            self.problem(
                name, text, f"{prefix}has unknown keys {unknown}", f"use only {sorted({'kind', *required, *optional})}"
            )
            ok = False
        missing = [key for key in required if key not in item]
        if missing:
            self.problem(name, text, f"{prefix}lacks {missing}", f"add {', '.join(repr(k) for k in missing)}")
            ok = False
        return item if ok else None

    def string_field(self, name: str, text: str, where: str, item: dict[str, Any], key: str) -> str | None:
        value = item.get(key)
        if not isinstance(value, str) or not value.strip():
            label = f"{where}.{key}" if where else key
            self.problem(name, text, f"{label} must be a non-empty string, got {value!r}", f"set {label}")
            return None
        return value.strip()

    def count_field(self, name: str, text: str, where: str, item: dict[str, Any], key: str) -> int | None:
        value = item.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            self.problem(
                name,
                text,
                f"{where}.{key}={value!r} is not a whole number >= 0",
                f"set {where}.{key} to a capacity such as 2",
            )
            return None
        return value

    # ------------------------------------------------------------------ sections

    def database(self, standby: str | None) -> DatabaseConfig | None:
        name = "DATABASE"
        example = '{"kind": "instance", "identifier": "cafe-prod-replica"}'
        item = self.json_value(name, example)
        if item is None:
            return None
        text = self.raw(name) or ""
        kind = item.get("kind") if isinstance(item, dict) else None
        if kind not in DATABASE_KINDS:
            self.problem(name, text, f"kind {kind!r} is not supported", f"set kind to one of {list(DATABASE_KINDS)}")
            return None
        if kind == "none":
            return DatabaseConfig("none") if self.fields(name, text, "", item, ()) is not None else None
        if kind == "instance":
            if self.fields(name, text, "", item, ("identifier",), ("multi_az", "backup_retention_days")) is None:
                return None
            identifier = self.string_field(name, text, "", item, "identifier")
            if identifier is None:
                return None
            multi_az = item.get("multi_az", False)
            if not isinstance(multi_az, bool):
                self.problem(name, text, f"multi_az={multi_az!r} is not true or false",
                             "set multi_az to true (the primary was Multi-AZ) or false, or leave it out")
                return None
            if not RDS_ID_RE.match(identifier):
                self.problem(
                    name,
                    text,
                    f"identifier {identifier!r} is not a DB instance identifier",
                    "give the standby replica's identifier (not its ARN or endpoint)",
                )
                return None
            retention = item.get("backup_retention_days")
            if retention is not None and (not isinstance(retention, int) or isinstance(retention, bool)
                                          or not 1 <= retention <= 35):
                self.problem(name, text, f"backup_retention_days={retention!r} is not 1 to 35",
                             "set it to the primary's retention (data.databases.<name>.backup_retention_days), "
                             "or leave it out")
                return None
            return DatabaseConfig("instance", identifier=identifier, multi_az=multi_az,
                                  backup_retention_days=retention)
        if self.fields(name, text, "", item, ("global_cluster", "cluster_arn")) is None:
            return None
        global_cluster = self.string_field(name, text, "", item, "global_cluster")
        cluster_arn = self.string_field(name, text, "", item, "cluster_arn")
        if global_cluster is None or cluster_arn is None:
            return None
        match = CLUSTER_ARN_RE.match(cluster_arn)
        if not match:
            self.problem(
                name,
                text,
                f"cluster_arn {cluster_arn!r} is not an RDS cluster ARN",
                "use arn:aws:rds:<standby region>:<account>:cluster:<id>",
            )
            return None
        if standby is not None and match["region"] != standby:
            self.problem(
                name,
                text,
                f"cluster_arn is in {match['region']}, not the standby region {standby}",
                "give the standby (secondary) cluster's ARN, not the primary's",
            )
            return None
        return DatabaseConfig("aurora-global", global_cluster=global_cluster, cluster_arn=cluster_arn)

    def parameters(self, database: DatabaseConfig | None) -> ParameterNames | None:
        name = "PARAMETERS"
        item = self.json_value(name, '{"database_endpoint": "/app/prod/db_host", "active_region": "/app/prod/region"}')
        if item is None:
            return None
        text = self.raw(name) or ""
        needs_endpoint = database is None or database.kind != "none"
        required = ("database_endpoint", "active_region") if needs_endpoint else ("active_region",)
        optional = () if needs_endpoint else ("database_endpoint",)
        if isinstance(item, dict) and "kind" in item:
            self.problem(name, text, "has an unknown key 'kind'", f"use only {sorted(required + optional)}")
            return None
        if self.fields(name, text, "", item, required, optional) is None:
            return None
        names: dict[str, str | None] = {}
        for key in required + optional:
            if key not in item:
                names[key] = None
                continue
            value = self.string_field(name, text, "", item, key)
            if value is None:
                return None
            if not SSM_NAME_RE.match(value):
                self.problem(
                    name,
                    text,
                    f"{key} {value!r} is not an SSM parameter name",
                    "use a name such as /cafe/prod/app/db_host",
                )
                return None
            names[key] = value
        active_region = names["active_region"]
        assert active_region is not None
        return ParameterNames(active_region=active_region, database_endpoint=names.get("database_endpoint"))

    def fleets(self) -> tuple[AsgFleet | EcsFleet, ...] | None:
        name = "FLEETS"
        example = '[{"kind": "asg", "name": "web", "min": 2, "desired": 2, "max": 6}]'
        items = self.json_value(name, example)
        if items is None:
            return None
        text = self.raw(name) or ""
        if not isinstance(items, list):
            self.problem(name, text, f"must be a JSON list, got {type(items).__name__}", f"use e.g. {example}")
            return None
        fleets: list[AsgFleet | EcsFleet] = []
        labels: set[str] = set()
        for index, item in enumerate(items):
            where = f"[{index}]"
            kind = item.get("kind") if isinstance(item, dict) else None
            if kind not in FLEET_KINDS:
                self.problem(
                    name, text, f"{where}.kind {kind!r} is not supported", f"set kind to one of {list(FLEET_KINDS)}"
                )
                continue
            fleet: AsgFleet | EcsFleet | None = None
            if kind == "asg":
                if self.fields(name, text, where, item, ("name", "min", "desired", "max")) is None:
                    continue
                asg = self.string_field(name, text, where, item, "name")
                sizes = [self.count_field(name, text, where, item, key) for key in ("min", "desired", "max")]
                low, desired, high = sizes
                if asg is None or low is None or desired is None or high is None:
                    continue
                if not low <= desired <= high:
                    self.problem(
                        name, text, f"{where} needs min <= desired <= max, got {low}/{desired}/{high}", "fix the sizes"
                    )
                    continue
                fleet = AsgFleet(asg, low, desired, high)
            else:
                if self.fields(name, text, where, item, ("cluster", "service", "desired")) is None:
                    continue
                cluster = self.string_field(name, text, where, item, "cluster")
                service = self.string_field(name, text, where, item, "service")
                desired = self.count_field(name, text, where, item, "desired")
                if cluster is None or service is None or desired is None:
                    continue
                fleet = EcsFleet(cluster, service, desired)
            if fleet.label in labels:
                self.problem(name, text, f"{where} repeats {fleet.label}", "list each fleet once")
                continue
            labels.add(fleet.label)
            fleets.append(fleet)
        return tuple(fleets)

    def target_groups(self, standby: str | None) -> tuple[str, ...] | None:
        name = "TARGET_GROUP_ARNS"
        items = self.json_value(
            name, '["arn:aws:elasticloadbalancing:<standby region>:<account>:targetgroup/web/<id>"]'
        )
        if items is None:
            return None
        text = self.raw(name) or ""
        if not isinstance(items, list):
            self.problem(name, text, f"must be a JSON list, got {type(items).__name__}", "use [] for none")
            return None
        arns: list[str] = []
        for index, arn in enumerate(items):
            match = TARGET_GROUP_ARN_RE.match(arn) if isinstance(arn, str) else None
            if not match:
                self.problem(
                    name,
                    text,
                    f"[{index}]={arn!r} is not a target group ARN",
                    "list the standby load balancer's target group ARNs",
                )
            elif standby is not None and match["region"] != standby:
                self.problem(
                    name,
                    text,
                    f"[{index}] is in {match['region']}, not the standby region {standby}",
                    "list the STANDBY load balancer's target groups",
                )
            elif arn in arns:
                self.problem(name, text, f"[{index}] repeats {arn}", "list each target group once")
            else:
                arns.append(arn)
        return tuple(arns)

    def file_systems(self) -> tuple[str, ...] | None:
        """Optional: absent or empty means the environment has no replicated file systems."""
        name = "FILE_SYSTEMS"
        text = self.raw(name)
        if text is None:
            return ()
        example = '["fs-0123456789abcdef0"]'
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            self.problem(name, text, f"is not valid JSON ({exc.msg} at character {exc.pos})", f"use e.g. {example}")
            return None
        if not isinstance(items, list):
            self.problem(name, text, f"must be a JSON list, got {type(items).__name__}", f"use e.g. {example} or []")
            return None
        ids: list[str] = []
        for index, item in enumerate(items):
            if not isinstance(item, str) or not FILE_SYSTEM_ID_RE.match(item):
                self.problem(name, text, f"[{index}]={item!r} is not an EFS file system id",
                             "list the ids of the standby's replicas (fs-..., not ARNs or names)")
            elif item in ids:
                self.problem(name, text, f"[{index}] repeats {item}", "list each file system once")
            else:
                ids.append(item)
        return tuple(ids)

    def dns(self) -> DnsConfig | None:
        name = "DNS"
        keys = ("zone_id", "record_name", "standby_dns_name", "gate_health_check_id")
        item = self.json_value(name, "{" + ", ".join(f'"{key}": ...' for key in keys) + "}")
        if item is None:
            return None
        text = self.raw(name) or ""
        if isinstance(item, dict) and "kind" in item:
            self.problem(name, text, "has an unknown key 'kind'", f"use only {sorted(keys)}")
            return None
        if self.fields(name, text, "", item, keys) is None:
            return None
        values = {key: self.string_field(name, text, "", item, key) for key in keys}
        if any(value is None for value in values.values()):
            return None
        zone_id = str(values["zone_id"]).removeprefix("/hostedzone/")
        return DnsConfig(
            zone_id=zone_id,
            record_name=normalise_dns_name(str(values["record_name"])) + ".",
            standby_dns_name=normalise_dns_name(str(values["standby_dns_name"])),
            gate_health_check_id=str(values["gate_health_check_id"]),
        )

    def topic(self) -> tuple[str, str] | None:
        name = "TOPIC_ARN"
        fix = "set it to the SNS topic ARN, arn:aws:sns:<region>:<account>:<name>"
        arn = self.required(name, fix)
        if arn is None:
            return None
        match = TOPIC_ARN_RE.match(arn)
        if not match:
            self.problem(name, arn, "is not an SNS topic ARN", fix)
            return None
        return arn, match["region"]

    # ------------------------------------------------------------------ all

    def parse(self) -> Config:
        primary = self.region("PRIMARY_REGION")
        standby = self.region("STANDBY_REGION")
        if primary is not None and primary == standby:
            self.problem(
                "STANDBY_REGION",
                standby,
                "equals PRIMARY_REGION",
                "the standby region must be a different region from the primary",
            )
        alarm_name = self.required("HEALTH_ALARM_NAME", "name the CloudWatch alarm on the primary's health check")
        alarm_region = self.region("HEALTH_ALARM_REGION", default="us-east-1")
        min_outage = self.integer("MIN_OUTAGE_SECONDS", 120, 0)
        database = self.database(standby)
        parameters = self.parameters(database)
        fleets = self.fleets()
        file_systems = self.file_systems()
        target_groups = self.target_groups(standby)
        dns = self.dns()
        topic = self.topic()
        wait_timeout = self.integer("WAIT_TIMEOUT_SECONDS", 900, 1)
        poll = self.integer("POLL_SECONDS", 15, 1)
        if poll > wait_timeout:
            self.problem(
                "POLL_SECONDS",
                str(poll),
                f"is longer than WAIT_TIMEOUT_SECONDS={wait_timeout}",
                "poll more often than the timeout",
            )
        if self.problems:
            raise ConfigurationError(self.problems)
        assert primary and standby and alarm_name and alarm_region and database and parameters and dns and topic
        assert fleets is not None and target_groups is not None and file_systems is not None
        environment = self.raw("ENVIRONMENT_NAME") or dns.record_name.rstrip(".")
        return Config(
            primary_region=primary,
            standby_region=standby,
            health_alarm_name=alarm_name,
            health_alarm_region=alarm_region,
            min_outage_seconds=min_outage,
            database=database,
            parameters=parameters,
            fleets=fleets,
            target_group_arns=target_groups,
            dns=dns,
            topic_arn=topic[0],
            topic_region=topic[1],
            wait_timeout_seconds=wait_timeout,
            poll_seconds=poll,
            environment_name=environment,
            file_systems=file_systems,
        )


def topic_region_of(arn: str) -> str | None:
    """The region of an SNS topic ARN, or None; used to report configuration errors when the rest is broken."""
    match = TOPIC_ARN_RE.match(arn.strip()) if arn else None
    return match["region"] if match else None
