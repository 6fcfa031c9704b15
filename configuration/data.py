"""The `data:` section of a blueprint environment: databases, caches, buckets, file systems, queues,
secrets, parameters and backups. Each store is a named entry; the name is part of resource names
and of the data stack's exports, so renaming one replaces it.

Defaults are the secure, highly available ones; production-sensitive defaults (Multi-AZ, deletion
protection, cross-region backup copies) are None here and resolved from `production` by the stack.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from configuration.base import Strict

STORE_NAME = r"^[a-z][a-z0-9-]{0,19}$"
StoreName = Annotated[str, Field(pattern=STORE_NAME)]

# Storage classes a lifecycle transition may target (S3 API names).
STORAGE_CLASSES = ("STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE")
ENGINE_PORTS = {"mysql": 3306, "postgres": 5432, "aurora-mysql": 3306, "aurora-postgresql": 5432,
                "valkey": 6379, "efs": 2049}
DEFAULT_ENGINE_VERSIONS = {"mysql": "8.0", "postgres": "16", "aurora-mysql": "8.0.mysql_aurora.3.08.0",
                           "aurora-postgresql": "16.6", "valkey": "7.2"}
MONITORING_INTERVALS = (1, 5, 10, 15, 30, 60)


class Transition(Strict):
    days: Annotated[int, Field(ge=1, le=36500)]
    storage_class: str

    @field_validator("storage_class")
    @classmethod
    def _known_class(cls, value: str) -> str:
        if value not in STORAGE_CLASSES:
            raise ValueError(f"storage class {value!r} is unknown; fix: use one of {list(STORAGE_CLASSES)}")
        return value


class Lifecycle(Strict):
    """One S3 lifecycle rule. Seed 000: noncurrent versions to STANDARD_IA after 30 days;
    seed 004: assets to GLACIER after 90 days."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
    prefix: str = Field(default="", description="Objects under this key prefix only; empty for all.")
    transitions: list[Transition] = Field(default_factory=list, description="Current versions move after N days.")
    noncurrent_transitions: list[Transition] = Field(
        default_factory=list, description="Older versions move N days after they are replaced.")
    noncurrent_expiration_days: Annotated[int, Field(ge=1)] | None = Field(
        default=365, description="Older versions are deleted after this many days (None keeps them).")
    expiration_days: Annotated[int, Field(ge=1)] | None = Field(
        default=None, description="Current versions expire after this many days (None: never).")


class Bucket(Strict):
    """An S3 bucket for one class of assets: private, versioned, SSE-KMS, TLS-only, access-logged."""

    purpose: str = Field(min_length=3, description="What the bucket holds, for its description and tags.")
    lifecycle: list[Lifecycle] = Field(
        default_factory=lambda: [Lifecycle(id="expire-old-versions")],
        description="Lifecycle rules; the default deletes versions a year after they are replaced.")
    replicate: bool | None = Field(
        default=None, description="Replicate every version to a bucket in regions.secondary under its own key. "
        "Default: on in production when regions.secondary is set.")
    notify_queue: StoreName | None = Field(
        default=None, description="Name of a queue (under data.queues) told of every new object.")
    copy_to: StoreName | None = Field(
        default=None, description="Name of another bucket (under data.buckets) that keeps a copy of every object "
        "written here, by S3 replication in the same region under that bucket's key; deletions are not copied, so "
        "an object deleted here survives there, and the app tier may only read the copy. Default none. The "
        "target sets replicate: false (S3 never replicates a replica onward; this bucket's own replication "
        "covers a regional outage).")
    cdn: bool = Field(
        default=False, description="Served by CloudFront (edge.static_site or edge.asset_distributions): the "
        "bucket stays private, its policy admits CloudFront (s3:GetObject, this account's distributions) and "
        "its key lets CloudFront decrypt. Refused when no edge distribution serves it.")


class EngineDefaults:
    """`version` and `port` of a database section: its engine_version, else the engine's default version."""

    @property
    def version(self) -> str:
        return self.engine_version or DEFAULT_ENGINE_VERSIONS[self.engine]  # type: ignore[attr-defined]

    @property
    def port(self) -> int:
        return ENGINE_PORTS[self.engine]  # type: ignore[attr-defined]


class Database(EngineDefaults, Strict):
    """An RDS instance (MySQL 8 or PostgreSQL 16) in the private-data subnets."""

    engine: Literal["mysql", "postgres"]
    engine_version: str | None = Field(default=None, description="Default: 8.0 for MySQL, 16 for PostgreSQL.")
    instance_class: Annotated[str, Field(pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$")] = "db.t4g.micro"
    allocated_storage_gb: Annotated[int, Field(ge=20, le=65536)] = 20
    max_allocated_storage_gb: Annotated[int, Field(ge=20, le=65536)] | None = Field(
        default=100, description="Storage autoscaling ceiling (seed 002's full-disk outage); None turns it off.")
    multi_az: bool | None = Field(default=None, description="Standby in a second AZ. Default: on in production.")
    backup_retention_days: Annotated[int, Field(ge=7, le=35)] = 7
    database_name: Annotated[str, Field(pattern=r"^[a-zA-Z][a-zA-Z0-9_]{0,62}$")] = "app"
    master_username: Annotated[str, Field(pattern=r"^[a-zA-Z][a-zA-Z0-9_]{0,15}$")] = "dbadmin"
    deletion_protection: bool | None = Field(
        default=None, description="Refuse deletion (and take a final snapshot). Default: on in production.")
    proxy: bool = Field(default=False, description="RDS Proxy for connection pooling (seed 002), IAM auth and TLS.")
    monitoring_interval_seconds: int = Field(default=60, description="Enhanced monitoring interval.")
    performance_insights_retention_days: int = Field(default=7, description="7 (free) or a multiple of 31.")

    @field_validator("monitoring_interval_seconds")
    @classmethod
    def _interval(cls, value: int) -> int:
        if value not in MONITORING_INTERVALS:
            raise ValueError(f"{value} is not an enhanced-monitoring interval; fix: use one of {MONITORING_INTERVALS}")
        return value

    @field_validator("performance_insights_retention_days")
    @classmethod
    def _pi_retention(cls, value: int) -> int:
        if value != 7 and (value % 31 or not 31 <= value <= 731):
            raise ValueError(f"{value} days; fix: Performance Insights keeps 7 days or a multiple of 31 up to 731")
        return value

    @model_validator(mode="after")
    def _storage_ceiling(self) -> Database:
        ceiling = self.max_allocated_storage_gb
        if ceiling is not None and ceiling <= self.allocated_storage_gb:
            raise ValueError(f"max_allocated_storage_gb {ceiling} is not above allocated_storage_gb "
                             f"{self.allocated_storage_gb}; fix: raise it, or set it to null to turn autoscaling off")
        return self



class ServerlessCapacity(Strict):
    min_acu: Annotated[float, Field(ge=0, le=256)] = 0.5
    max_acu: Annotated[float, Field(ge=1, le=256)] = 8

    @model_validator(mode="after")
    def _ordered(self) -> ServerlessCapacity:
        if self.min_acu > self.max_acu:
            raise ValueError(f"min_acu {self.min_acu} is above max_acu {self.max_acu}; fix: swap them")
        return self


class ReaderAutoscaling(Strict):
    max_readers: Annotated[int, Field(ge=1, le=15)] = 3
    target_cpu_percent: Annotated[int, Field(ge=10, le=90)] = 70


class AuroraCluster(EngineDefaults, Strict):
    """An Aurora cluster: a writer plus readers that take over on failure (seed 003)."""

    engine: Literal["aurora-mysql", "aurora-postgresql"] = "aurora-mysql"
    engine_version: str | None = None
    instance_class: Annotated[str, Field(pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$|^db\.serverless$")] = "db.r6g.large"
    serverless_v2: ServerlessCapacity | None = Field(
        default=None, description="Aurora Serverless v2 capacity; requires instance_class db.serverless.")
    readers: Annotated[int, Field(ge=0, le=15)] = Field(
        default=1, description="Read replicas in other AZs; production needs at least one for failover.")
    reader_autoscaling: ReaderAutoscaling | None = Field(
        default=None, description="Add readers on CPU (target tracking) up to max_readers.")
    backup_retention_days: Annotated[int, Field(ge=7, le=35)] = 7
    database_name: Annotated[str, Field(pattern=r"^[a-zA-Z][a-zA-Z0-9_]{0,62}$")] = "app"
    master_username: Annotated[str, Field(pattern=r"^[a-zA-Z][a-zA-Z0-9_]{0,15}$")] = "dbadmin"
    deletion_protection: bool | None = None
    monitoring_interval_seconds: int = 60

    @model_validator(mode="after")
    def _consistent(self) -> AuroraCluster:
        if self.monitoring_interval_seconds not in MONITORING_INTERVALS:
            raise ValueError(f"monitoring_interval_seconds {self.monitoring_interval_seconds}; "
                             f"fix: use one of {MONITORING_INTERVALS}")
        serverless_class = self.instance_class == "db.serverless"
        if serverless_class != (self.serverless_v2 is not None):
            raise ValueError(f"instance_class {self.instance_class!r} with serverless_v2 "
                             f"{'set' if self.serverless_v2 else 'unset'}; fix: use db.serverless together with "
                             "serverless_v2 {min_acu, max_acu}, or a provisioned class without it")
        if self.reader_autoscaling and self.reader_autoscaling.max_readers < self.readers:
            raise ValueError(f"reader_autoscaling.max_readers {self.reader_autoscaling.max_readers} is below "
                             f"readers {self.readers}; fix: raise max_readers")
        return self



class Cache(Strict):
    """An ElastiCache Valkey replication group: encrypted, IAM-authenticated, failing over across AZs."""

    engine_version: str = DEFAULT_ENGINE_VERSIONS["valkey"]
    node_type: Annotated[str, Field(pattern=r"^cache\.[a-z0-9]+\.[a-z0-9]+$")] = "cache.t4g.small"
    replicas: Annotated[int, Field(ge=0, le=5)] = Field(
        default=1, description="Replicas of the primary; production needs at least one (automatic failover).")
    snapshot_retention_days: Annotated[int, Field(ge=1, le=35)] = 7

    @property
    def port(self) -> int:
        return ENGINE_PORTS["valkey"]


class AccessPoint(Strict):
    path: Annotated[str, Field(pattern=r"^/[A-Za-z0-9_./-]*$")]
    uid: Annotated[int, Field(ge=1, le=4294967295)] = 1000
    gid: Annotated[int, Field(ge=1, le=4294967295)] = 1000


class FileSystem(Strict):
    """An EFS file system with a mount target in every AZ (seeds 001, 002)."""

    access_points: dict[StoreName, AccessPoint] = Field(
        default_factory=lambda: {"app": AccessPoint(path="/app")},
        description="Entry points with a fixed POSIX user; clients never see the file system root.")
    transition_to_ia_days: Literal[1, 7, 14, 30, 60, 90, 180, 270, 365] = 30

    @property
    def port(self) -> int:
        return ENGINE_PORTS["efs"]


class Queue(Strict):
    """An SQS queue with a dead-letter queue (seeds 002, 003)."""

    visibility_timeout_seconds: Annotated[int, Field(ge=0, le=43200)] = 60
    message_retention_days: Annotated[int, Field(ge=1, le=14)] = 4
    max_receive_count: Annotated[int, Field(ge=1, le=1000)] = Field(
        default=5, description="Receives before a message moves to the dead-letter queue.")
    dead_letter_retention_days: Annotated[int, Field(ge=1, le=14)] = 14


GENERATED_LENGTH = 64


class Secret(Strict):
    """A Secrets Manager secret. By default created empty: its value is put by an operator (a vendor's API key),
    never written here. A `generated` one gets its value from the platform's rotation function instead: a random
    string at creation and a new one every `rotation_days` (seed 002: "Secrets Manager with automatic rotation")."""

    description: str = Field(min_length=3)
    generated: bool = Field(
        default=False, description="The platform makes the value up (Secrets Manager's GetRandomPassword: "
        "`length` letters and digits) and nobody else issues it: a signing key, an internal token. Default "
        "false: the value comes from outside (a vendor's API key), and only its issuer can make a new one.")
    rotation_days: Annotated[int, Field(ge=1, le=365)] | None = Field(
        default=None, description="With generated: true (required there), a new random value every this many "
        "days; the previous one stays readable as AWSPREVIOUS, so consumers verify with both (tokens signed "
        "before a rotation) and sign with AWSCURRENT. Refused on a secret that is not generated: a rotation "
        "function cannot issue a vendor's key (rotate those at the vendor: docs/runbooks/security-incident.md).")
    length: Annotated[int, Field(ge=32, le=4096)] | None = Field(
        default=None, description="Characters of a generated value; default 64 (letters and digits: no quoting "
        "trouble in environment variables; 64 of them carry about 380 bits).")

    @model_validator(mode="after")
    def _rotation(self) -> Secret:
        if self.rotation_days is not None and not self.generated:
            raise ValueError(f"rotation_days {self.rotation_days} on a secret whose value comes from outside (e.g. a "
                             "vendor's API key): a rotation function can only make up a random value, which the "
                             "issuer would not accept; fix: rotate it at its issuer and put the new value (docs/"
                             "runbooks/security-incident.md), or set generated: true if the platform may make the "
                             "value up (a signing key, an internal token)")
        if self.generated and self.rotation_days is None:
            raise ValueError("generated is true without rotation_days: the rotation function is what makes the value; "
                             "fix: add rotation_days, e.g. 30")
        if not self.generated and self.length is not None:
            raise ValueError(f"length {self.length} on a secret that is not generated; fix: remove length, or set "
                             "generated: true with rotation_days")
        return self

    @property
    def value_length(self) -> int:
        """Characters of each generated value."""
        return self.length or GENERATED_LENGTH


def _aws_cron(value: str, example: str) -> str:
    """`value` if it is an AWS cron expression (six fields, as AWS Backup takes them)."""
    if not re.fullmatch(r"cron\((\S+ ){5}\S+\)", value):
        raise ValueError(f"{value!r} is not an AWS cron expression; fix: six fields, e.g. {example}")
    return value


class RestoreTesting(Strict):
    """AWS Backup restore testing (seed 004 L71, "test disaster recovery by restoring from a backup"): on a
    schedule AWS Backup restores the latest recovery point of each backed-up database and file system from the
    environment's vault into a new, private resource beside the original, keeps it for the validation window and
    deletes it. A backup that cannot be restored then shows as a failed restore job within a week, not on the day
    a disaster needs it."""

    enabled: bool | None = Field(
        default=None, description="Default: on in production, off elsewhere. Production's recovery points are the "
        "ones a disaster would need, so each week proves they restore. Elsewhere the data is disposable test data "
        "(a failed restore changes no decision) and every test pays for a restored copy of each store for the "
        "validation window; set true to rehearse the tests before production.")
    schedule: str = Field(
        default="cron(0 6 ? * MON *)", description="When a test starts (AWS cron, UTC). Default: Mondays 06:00, "
        "after the daily backup (03:00, finished within three hours), so the restored copies are there through "
        "the working day for a check.")
    start_window_hours: Annotated[int, Field(ge=1, le=168)] = Field(
        default=8, description="Hours (1 to 168) after the schedule within which a test must start, or it is "
        "skipped until the next.")
    selection_window_days: Annotated[int, Field(ge=1, le=365)] = Field(
        default=7, description="Days (1 to 365, at most retention_days): the newest recovery point of the last this "
        "many days is restored (one week: every weekly test restores a point the previous test did not). A store "
        "with none that recent is not tested.")
    validation_window_hours: Annotated[int, Field(ge=1, le=168)] = Field(
        default=24, description="Hours (1 to 168) the restored copies are kept for a check (the last orders there, "
        "the app able to sign in) before AWS Backup deletes them. Default 24: one working day, at the cost of a "
        "copy of each store for that day; the copies sit in the originals' private subnets and security groups.")
    resource_types: list[Literal["RDS", "Aurora", "EFS"]] | None = Field(
        default=None, description="The kinds of store to test: RDS (data.databases), Aurora (data.aurora), EFS "
        "(data.file_systems). Default: every kind the environment backs up; a kind it does not back up is refused.")

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        return _aws_cron(value, "cron(0 6 ? * MON *)")

    @field_validator("resource_types")
    @classmethod
    def _types(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and not value:
            raise ValueError("resource_types is empty; fix: leave it out to test every kind of store, or set "
                             "enabled: false to test none")
        if value is not None and len(set(value)) != len(value):
            raise ValueError(f"resource_types {value} names a kind twice; fix: list each once")
        return value


class Backup(Strict):
    """AWS Backup of every database and file system of the environment."""

    schedule: str = Field(default="cron(0 3 * * ? *)", description="When the daily backup starts (UTC).")
    retention_days: Annotated[int, Field(ge=7, le=36500)] = 35
    copy_to_secondary: bool | None = Field(
        default=None, description="Copy each backup to a vault in regions.secondary. Default: on in production.")
    restore_testing: RestoreTesting = Field(
        default_factory=RestoreTesting, description="Scheduled, automatic restores of the backups into throwaway "
        "copies (AWS Backup restore testing). Default: weekly in production, off elsewhere.")

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        return _aws_cron(value, "cron(0 3 * * ? *)")

    @model_validator(mode="after")
    def _restore_window(self) -> Backup:
        testing = self.restore_testing
        if testing.selection_window_days > self.retention_days:
            raise ValueError(f"restore_testing.selection_window_days {testing.selection_window_days} looks back "
                             f"further than recovery points live (retention_days {self.retention_days}); fix: make "
                             "it at most retention_days")
        return self


class Data(Strict):
    databases: dict[StoreName, Database] = Field(default_factory=dict)
    aurora: dict[StoreName, AuroraCluster] = Field(default_factory=dict)
    caches: dict[StoreName, Cache] = Field(default_factory=dict)
    buckets: dict[StoreName, Bucket] = Field(default_factory=dict)
    file_systems: dict[StoreName, FileSystem] = Field(default_factory=dict)
    queues: dict[StoreName, Queue] = Field(default_factory=dict)
    secrets: dict[StoreName, Secret] = Field(default_factory=dict)
    parameters: dict[Annotated[str, Field(pattern=r"^[a-zA-Z0-9_.-]{1,64}$")], str] = Field(
        default_factory=dict, description="Plain settings published under /<project>/<env>/app/<name>.")
    backup: Backup = Field(default_factory=Backup)

    @model_validator(mode="after")
    def _references(self) -> Data:
        for name, bucket in self.buckets.items():
            if bucket.notify_queue and bucket.notify_queue not in self.queues:
                raise ValueError(f"buckets.{name}.notify_queue {bucket.notify_queue!r} is not a queue; "
                                 f"fix: use one of {sorted(self.queues) or 'the queues you add under data.queues'}")
            if bucket.copy_to is not None:
                self._check_copy_target(name, bucket.copy_to)
        sql_names = [*self.databases, *self.aurora]
        if len(set(sql_names)) != len(sql_names):
            raise ValueError(f"databases and aurora share a name {sorted(sql_names)}; fix: name each store once")
        self._check_restore_testing_kinds()
        return self

    @property
    def backed_up_kinds(self) -> list[str]:
        """The kinds of store the backup plan protects: every database, Aurora cluster and file system."""
        present = {"RDS": self.databases, "Aurora": self.aurora, "EFS": self.file_systems}
        return sorted(kind for kind, stores in present.items() if stores)

    def _check_restore_testing_kinds(self) -> None:
        listed = self.backup.restore_testing.resource_types or []
        if not_backed_up := sorted(set(listed) - set(self.backed_up_kinds)):
            raise ValueError(f"backup.restore_testing.resource_types {listed} names {not_backed_up}, which this "
                             f"environment does not back up; fix: list only {self.backed_up_kinds} (RDS: "
                             "data.databases, Aurora: data.aurora, EFS: data.file_systems), or leave resource_types "
                             "out to test every kind")

    def _check_copy_target(self, source: str, target: str) -> None:
        """`buckets.<source>.copy_to` names a bucket that can hold the copies: another one, which copies nothing on
        and is not replicated itself (S3 replicates no replica onward: its replica would stay empty)."""
        if target not in self.buckets or target == source:
            others = sorted(set(self.buckets) - {source})
            raise ValueError(f"buckets.{source}.copy_to {target!r} is not another bucket; fix: use one of "
                             f"{others or 'the buckets you add under data.buckets'}")
        copy = self.buckets[target]
        if copy.copy_to is not None:
            raise ValueError(f"buckets.{source}.copy_to {target!r}, which copies to {copy.copy_to!r} in turn: S3 "
                             f"does not replicate a replica onward, so nothing from {source!r} would reach it; fix: "
                             f"remove buckets.{target}.copy_to, or copy {source!r} to {copy.copy_to!r} directly")
        if copy.replicate is not False:
            raise ValueError(f"buckets.{target} receives the copies of buckets.{source} (copy_to), and S3 does not "
                             f"replicate a replica onward: its replication to regions.secondary would stay empty; "
                             f"fix: set buckets.{target}.replicate: false (buckets.{source}'s own replication "
                             "covers a regional outage)")

    @property
    def is_empty(self) -> bool:
        return not (self.databases or self.aurora or self.caches or self.buckets or self.file_systems
                    or self.queues or self.secrets or self.parameters)

    @property
    def ports(self) -> dict[str, int]:
        """Each store that listens in the data subnets, by 'kind.name', with its port."""
        stores: dict[str, int] = {}
        for kind in ("databases", "aurora", "caches", "file_systems"):
            for name, store in getattr(self, kind).items():
                stores[f"{kind}.{name}"] = store.port
        return stores
