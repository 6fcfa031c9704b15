"""An ElastiCache Valkey replication group (seed 002: cache, sessions, pub/sub, job queues).

Encrypted at rest with a customer key and in transit (TLS required); clients authenticate with IAM
as a dedicated user, so there is no token to store or leak; the mandatory 'default' user is
switched off. With replicas, the primary fails over automatically to another AZ.

The key is created by the stack, so what it must grant is exported here: `valkey_key_grants`
(CloudWatch Logs, which encrypts the slow-log and engine-log groups with it). ElastiCache itself
needs no grant: it creates KMS grants with the caller's IAM permissions (the key policy's account
root statement delegates those to IAM).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import Op, Token
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import DataAwsIamPolicyDocumentStatement
from cdktf_cdktf_provider_aws.elasticache_replication_group import (
    ElasticacheReplicationGroup,
    ElasticacheReplicationGroupLogDeliveryConfiguration,
)
from cdktf_cdktf_provider_aws.elasticache_subnet_group import ElasticacheSubnetGroup
from cdktf_cdktf_provider_aws.elasticache_user import ElasticacheUser, ElasticacheUserAuthenticationMode
from cdktf_cdktf_provider_aws.elasticache_user_group import ElasticacheUserGroup
from constructs import Construct

from modules.firewall import ServiceSecurityGroup, ServiceSecurityGroupProps
from modules.kms import EncryptionKey, ServiceGrant

PORT = 6379
ENGINE = "valkey"
LOG_TYPES = ("slow-log", "engine-log")
APP_ACCESS = "on ~* +@all -@dangerous"
"""The app user: every key, every command except the dangerous ones (FLUSHALL, CONFIG, KEYS, DEBUG,
SHUTDOWN, ACL SETUSER, ...). Pub/sub channels follow ElastiCache's default channel permission."""
DISABLED_DEFAULT_ACCESS = "off ~* -@all"
"""The 'default' user every user group must contain: switched off, no keys, no commands."""

_NAME = re.compile(r"^[a-z](?!.*--)[a-z0-9-]*(?<!-)$")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_TIME = r"([01]\d|2[0-3]):([0-5]\d)"
_DAILY = re.compile(rf"^{_TIME}-{_TIME}$")
_WEEKLY = re.compile(rf"^({'|'.join(_DAYS)}):{_TIME}-({'|'.join(_DAYS)}):{_TIME}$")
_DAY_MINUTES, _WEEK_MINUTES = 24 * 60, 7 * 24 * 60


def valkey_key_grants(region: str, account_id: str, log_group_prefix: str,
                      partition: str = "aws") -> list[ServiceGrant]:
    """What the cache's key must grant (pass to EncryptionKeyProps.service_grants): CloudWatch Logs
    in `region`, only for log groups under `log_group_prefix` of this account."""
    return [ServiceGrant(service=f"logs.{region}.amazonaws.com", conditions=[(
        "ArnLike", "kms:EncryptionContext:aws:logs:arn",
        [f"arn:{partition}:logs:{region}:{account_id}:log-group:{log_group_prefix}/*"])])]


@dataclass(frozen=True)
class ValkeyCacheProps:
    name: str
    """Replication group id (at most 40 characters, lower-case letters, digits, single hyphens) and
    prefix of the users ('<name>-app', '<name>-default'), user group, subnet group and security group."""
    vpc_id: str
    subnet_ids: Sequence[str]
    """The private-data subnets, one per AZ; replicas are spread over them."""
    client_security_group_ids: Sequence[str]
    """Groups allowed to connect on 6379 (the app tier's); no other ingress exists."""
    encryption_key: EncryptionKey
    """Encrypts data at rest, snapshots and the log groups. Needs `valkey_key_grants(region,
    account_id, log_group_prefix)` in its service grants, or log delivery fails."""
    log_group_prefix: str
    """Log groups are '<prefix>/<name>/slow-log' and '.../engine-log', e.g. '/aws/elasticache/shop-prod';
    must be the prefix given to valkey_key_grants."""
    engine_version: str = "7.2"
    node_type: str = "cache.t4g.small"
    replicas: int = 1
    """Replicas of the primary (0-5); the group has 1 + replicas nodes. With one or more: automatic
    failover and Multi-AZ. Zero is a development cost setting (no failover)."""
    snapshot_retention_days: int = 7
    """Daily snapshots kept this long (1-35); zero (no snapshots) is refused."""
    log_retention_days: int = 365
    """Slow-log and engine-log retention: a year, for incident reviews."""
    snapshot_window: str = "02:00-03:00"
    """Daily, UTC, 'hh:mm-hh:mm', at least 60 minutes."""
    maintenance_window: str = "sun:04:00-sun:05:00"
    """Weekly, UTC, 'ddd:hh:mm-ddd:hh:mm', at least 60 minutes, never overlapping the snapshot window."""

    def __post_init__(self) -> None:
        """Checks literal values only: a Terraform variable (a generated module's) is checked by its validation."""
        if not Token.is_unresolved(self.name) and len(self.name) > 40:
            raise ValueError(f"cache name {self.name!r} has {len(self.name)} characters; fix: ElastiCache allows 40, "
                             "shorten the cache's key under data.caches or the project name")
        if not Token.is_unresolved(self.name) and not _NAME.match(self.name):
            raise ValueError(f"cache name {self.name!r}; fix: lower-case letters, digits and single hyphens, "
                             "starting with a letter and not ending with a hyphen")
        if not Token.is_unresolved(self.engine_version) and not re.fullmatch(r"\d+\.\d+", self.engine_version):
            raise ValueError(f"cache {self.name!r}: engine_version={self.engine_version!r}; fix: a Valkey "
                             "major.minor version such as '7.2' or '8.0'")
        if not Token.is_unresolved(self.node_type) and not self.node_type.startswith("cache."):
            raise ValueError(f"cache {self.name!r}: node_type={self.node_type!r}; fix: an ElastiCache node type "
                             "such as 'cache.t4g.small'")
        if not Token.is_unresolved(self.replicas) and not 0 <= self.replicas <= 5:
            raise ValueError(f"cache {self.name!r}: replicas={self.replicas}; fix: use 0 to 5")
        if not Token.is_unresolved(self.snapshot_retention_days) and not 1 <= self.snapshot_retention_days <= 35:
            raise ValueError(f"cache {self.name!r}: snapshot_retention_days={self.snapshot_retention_days}; "
                             "fix: use 1 to 35")
        if not Token.is_unresolved(self.log_retention_days) and self.log_retention_days < 365:
            raise ValueError(f"cache {self.name!r}: log_retention_days={self.log_retention_days}; "
                             "fix: keep logs at least 365 days")
        if not self.log_group_prefix.startswith("/") or self.log_group_prefix.endswith("/"):
            raise ValueError(f"cache {self.name!r}: log_group_prefix={self.log_group_prefix!r}; "
                             "fix: start with '/' and end without one, e.g. '/aws/elasticache/shop-prod'")
        if Token.is_unresolved(self.snapshot_window) or Token.is_unresolved(self.maintenance_window):
            return
        snapshot, maintenance = _daily(self.name, self.snapshot_window), _weekly(self.name, self.maintenance_window)
        if _overlap(snapshot, maintenance):
            raise ValueError(f"cache {self.name!r}: maintenance_window={self.maintenance_window!r} overlaps "
                             f"snapshot_window={self.snapshot_window!r}; fix: move maintenance after the snapshot")

    @property
    def failover(self) -> bool:
        if Token.is_unresolved(self.replicas):  # a Terraform variable: the expression decides at plan time
            return Token.as_any(Op.gte(self.replicas, 1))
        return self.replicas >= 1

    @property
    def nodes(self) -> int:
        """The primary and its replicas."""
        if Token.is_unresolved(self.replicas):
            return Token.as_number(Op.add(1, self.replicas))
        return 1 + self.replicas


class ValkeyCache(Construct):
    def __init__(self, scope: Construct, id: str, props: ValkeyCacheProps) -> None:
        super().__init__(scope, id)
        self.name = props.name
        self.port = PORT
        self.security_group = ServiceSecurityGroup(self, "security-group", ServiceSecurityGroupProps(
            name=f"{props.name}-cache", description=f"Valkey {props.name}: clients on {PORT} only",
            vpc_id=props.vpc_id, port=PORT, client_security_group_ids=props.client_security_group_ids))
        subnets = ElasticacheSubnetGroup(self, "subnet-group", name=f"{props.name}-cache",
                                         subnet_ids=props.subnet_ids, description=f"Data subnets of {props.name}")
        # Every user group must hold a user named 'default'; user ids are unique per account, hence the prefix.
        # It is off (no commands, no keys), so it needs no credential; 'no-password-required' is the
        # only authentication mode that stores nothing secret and is accepted for a disabled user.
        self.default_user = ElasticacheUser(
            self, "default-user", user_id=f"{props.name}-default", user_name="default", engine=ENGINE,
            access_string=DISABLED_DEFAULT_ACCESS,
            authentication_mode=ElasticacheUserAuthenticationMode(type="no-password-required"))
        # IAM authentication requires user_id == user_name; clients sign a token with their role.
        self.app_user_id = f"{props.name}-app"
        self.app_user = ElasticacheUser(self, "app-user", user_id=self.app_user_id, user_name=self.app_user_id,
                                        engine=ENGINE, access_string=APP_ACCESS,
                                        authentication_mode=ElasticacheUserAuthenticationMode(type="iam"))
        self.user_group = ElasticacheUserGroup(self, "user-group", user_group_id=f"{props.name}-users", engine=ENGINE,
                                               user_ids=[self.default_user.user_id, self.app_user.user_id])
        self.log_groups = {kind: CloudwatchLogGroup(
            self, f"{kind}-log-group", name=f"{props.log_group_prefix}/{props.name}/{kind}",
            retention_in_days=props.log_retention_days, kms_key_id=props.encryption_key.arn)
            for kind in LOG_TYPES}
        self.replication_group = ElasticacheReplicationGroup(
            self, "replication-group", replication_group_id=props.name, description=f"Valkey {props.name}",
            engine=ENGINE, engine_version=props.engine_version, node_type=props.node_type, port=PORT,
            num_cache_clusters=props.nodes,
            automatic_failover_enabled=props.failover, multi_az_enabled=props.failover,
            subnet_group_name=subnets.name, security_group_ids=[self.security_group.security_group_id],
            at_rest_encryption_enabled="true", kms_key_id=props.encryption_key.arn,
            transit_encryption_enabled=True, transit_encryption_mode="required",
            user_group_ids=[self.user_group.user_group_id],
            snapshot_retention_limit=props.snapshot_retention_days, snapshot_window=props.snapshot_window,
            maintenance_window=props.maintenance_window, auto_minor_version_upgrade="true", apply_immediately=False,
            log_delivery_configuration=[ElasticacheReplicationGroupLogDeliveryConfiguration(
                destination=group.name, destination_type="cloudwatch-logs", log_format="json", log_type=kind)
                for kind, group in self.log_groups.items()])

    @property
    def primary_endpoint(self) -> str:
        return self.replication_group.primary_endpoint_address

    @property
    def reader_endpoint(self) -> str:
        return self.replication_group.reader_endpoint_address

    def connect_policy_statement(self) -> DataAwsIamPolicyDocumentStatement:
        """IAM authentication: connect to this replication group, as the app user only."""
        sid = "ConnectToCache" if Token.is_unresolved(self.name) else (  # a variable's name cannot be spelled here
            f"ConnectTo{''.join(w.capitalize() for w in self.name.split('-'))}")
        return DataAwsIamPolicyDocumentStatement(
            sid=sid, actions=["elasticache:Connect"],
            resources=[self.replication_group.arn, self.app_user.arn])


# -- maintenance and snapshot windows, as minute intervals of the week ---------------------------------


def _daily(name: str, window: str) -> list[tuple[int, int]]:
    match = _DAILY.match(window)
    if not match:
        raise ValueError(f"cache {name!r}: snapshot_window={window!r}; fix: daily UTC 'hh:mm-hh:mm', "
                         "e.g. '02:00-03:00'")
    start = int(match[1]) * 60 + int(match[2])
    length = (int(match[3]) * 60 + int(match[4]) - start) % _DAY_MINUTES
    if length < 60:
        raise ValueError(f"cache {name!r}: snapshot_window={window!r} is {length} minutes; fix: at least 60")
    return [(day * _DAY_MINUTES + start, length) for day in range(7)]


def _weekly(name: str, window: str) -> list[tuple[int, int]]:
    match = _WEEKLY.match(window.lower())
    if not match:
        raise ValueError(f"cache {name!r}: maintenance_window={window!r}; fix: weekly UTC 'ddd:hh:mm-ddd:hh:mm', "
                         "e.g. 'sun:04:00-sun:05:00'")
    start = _DAYS.index(match[1]) * _DAY_MINUTES + int(match[2]) * 60 + int(match[3])
    end = _DAYS.index(match[4]) * _DAY_MINUTES + int(match[5]) * 60 + int(match[6])
    length = (end - start) % _WEEK_MINUTES
    if not 60 <= length <= _DAY_MINUTES:
        raise ValueError(f"cache {name!r}: maintenance_window={window!r} is {length} minutes; fix: 60 minutes "
                         "to 24 hours")
    return [(start, length)]


def _overlap(first: list[tuple[int, int]], second: list[tuple[int, int]]) -> bool:
    """Whether any two (start, length) intervals on the circular week intersect."""
    return any((b_start - a_start) % _WEEK_MINUTES < a_length or (a_start - b_start) % _WEEK_MINUTES < b_length
               for a_start, a_length in first for b_start, b_length in second)
