"""An ElastiCache Valkey replication group (seed 002: cache, sessions, pub/sub, job queues).

Encrypted at rest with a customer key and in transit (TLS required); clients authenticate with IAM
as a dedicated user, so there is no token to store or leak; the mandatory 'default' user is
switched off. With replicas, the primary fails over automatically to another AZ.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
APP_ACCESS = "on ~* +@all -@dangerous"
"""Every key and command except the dangerous ones (FLUSHALL, CONFIG, KEYS, DEBUG, ...)."""
DISABLED_DEFAULT_ACCESS = "off ~* -@all"


def valkey_key_grants(region: str, account_id: str, log_group_prefix: str) -> list[ServiceGrant]:
    """What the cache's key must grant: CloudWatch Logs encrypting the cache's log groups."""
    return [ServiceGrant(service=f"logs.{region}.amazonaws.com", conditions=[(
        "ArnLike", "kms:EncryptionContext:aws:logs:arn",
        [f"arn:aws:logs:{region}:{account_id}:log-group:{log_group_prefix}/*"])])]


@dataclass(frozen=True)
class ValkeyCacheProps:
    name: str
    """Replication group id and prefix of the users, groups and log groups (at most 40 characters)."""
    vpc_id: str
    subnet_ids: Sequence[str]
    client_security_group_ids: Sequence[str]
    encryption_key: EncryptionKey
    """Encrypts data at rest, snapshots and the log groups (needs valkey_key_grants)."""
    log_group_prefix: str
    """Log groups are '<prefix>/<name>/slow-log' and '.../engine-log'; must match the key's grant."""
    engine_version: str = "7.2"
    node_type: str = "cache.t4g.small"
    replicas: int = 1
    """Replicas of the primary. With one or more: automatic failover and Multi-AZ."""
    snapshot_retention_days: int = 7
    log_retention_days: int = 365
    snapshot_window: str = "02:00-03:00"
    maintenance_window: str = "sun:04:00-sun:05:00"
    """After the snapshot window, never overlapping it."""

    def __post_init__(self) -> None:
        if len(self.name) > 40:
            raise ValueError(f"cache name {self.name!r} has {len(self.name)} characters; fix: ElastiCache allows 40, "
                             "shorten the cache's key under data.caches or the project name")
        if not 0 <= self.replicas <= 5:
            raise ValueError(f"cache {self.name!r}: replicas={self.replicas}; fix: use 0 to 5")
        if not 1 <= self.snapshot_retention_days <= 35:
            raise ValueError(f"cache {self.name!r}: snapshot_retention_days={self.snapshot_retention_days}; "
                             "fix: use 1 to 35")


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
        default = ElasticacheUser(self, "default-user", user_id=f"{props.name}-default", user_name="default",
                                  engine="valkey", access_string=DISABLED_DEFAULT_ACCESS,
                                  authentication_mode=ElasticacheUserAuthenticationMode(type="no-password-required"))
        self.app_user_id = f"{props.name}-app"
        self.app_user = ElasticacheUser(self, "app-user", user_id=self.app_user_id, user_name=self.app_user_id,
                                        engine="valkey", access_string=APP_ACCESS,
                                        authentication_mode=ElasticacheUserAuthenticationMode(type="iam"))
        group = ElasticacheUserGroup(self, "user-group", user_group_id=f"{props.name}-users", engine="valkey",
                                     user_ids=[default.user_id, self.app_user.user_id])
        logs = {kind: CloudwatchLogGroup(
            self, f"{kind}-log-group", name=f"{props.log_group_prefix}/{props.name}/{kind}",
            retention_in_days=props.log_retention_days, kms_key_id=props.encryption_key.arn)
            for kind in ("slow-log", "engine-log")}
        failover = props.replicas >= 1
        self.replication_group = ElasticacheReplicationGroup(
            self, "replication-group", replication_group_id=props.name, description=f"Valkey {props.name}",
            engine="valkey", engine_version=props.engine_version, node_type=props.node_type, port=PORT,
            num_cache_clusters=1 + props.replicas, automatic_failover_enabled=failover, multi_az_enabled=failover,
            subnet_group_name=subnets.name, security_group_ids=[self.security_group.security_group_id],
            at_rest_encryption_enabled="true", kms_key_id=props.encryption_key.arn,
            transit_encryption_enabled=True, transit_encryption_mode="required", user_group_ids=[group.user_group_id],
            snapshot_retention_limit=props.snapshot_retention_days, snapshot_window=props.snapshot_window,
            maintenance_window=props.maintenance_window, auto_minor_version_upgrade="true", apply_immediately=False,
            log_delivery_configuration=[ElasticacheReplicationGroupLogDeliveryConfiguration(
                destination=group_.name, destination_type="cloudwatch-logs", log_format="json", log_type=kind)
                for kind, group_ in logs.items()])

    @property
    def primary_endpoint(self) -> str:
        return self.replication_group.primary_endpoint_address

    @property
    def reader_endpoint(self) -> str:
        return self.replication_group.reader_endpoint_address

    def connect_policy_statement(self) -> DataAwsIamPolicyDocumentStatement:
        """IAM authentication: connect to this replication group as the app user only."""
        return DataAwsIamPolicyDocumentStatement(
            sid=f"ConnectTo{''.join(w.capitalize() for w in self.name.split('-'))}", actions=["elasticache:Connect"],
            resources=[self.replication_group.arn, self.app_user.arn])
