"""A cross-region read replica of an RDS instance: the database half of a pilot light (seed 001).

It is hardened like its source (private data subnets, one security group admitting the standby's app
tier only, its own customer key in its region, TLS-only parameters, IAM authentication, enhanced
monitoring, Performance Insights where offered, log exports, deletion protection with a final snapshot)
and inherits the source's engine, data and master user. Promotion is the failover orchestrator's job
(lambda_src/dr_failover): Terraform ignores `replicate_source_db` afterwards, so an apply can never turn
the promoted database back into a replica or replace it. The source's master password is not managed by
RDS (AWS refuses replicas of such a source): the replica, and the promoted database, keep the source's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.db_instance import DbInstance
from constructs import Construct

from modules.database.engines import check_identifier, check_monitoring, engine
from modules.database.instance import INSTANCE_ENGINES, hardened_instance_settings, house_instance
from modules.database.monitoring import EnhancedMonitoringRole
from modules.kms import EncryptionKey

REPLICA_BACKUP_ENGINES = ("mysql",)
"""Engines whose cross-region replicas keep automated backups, so a promoted replica has point-in-time
recovery at once; elsewhere (PostgreSQL replicas have none) the orchestrator sets the retention when it
promotes, and Terraform leaves it to the orchestrator afterwards."""


@dataclass(frozen=True)
class DatabaseReplicaProps:
    identifier: str
    """Identifier of the replica in its region, e.g. 'cafe-dr-prod-dr-cafe'."""
    source_arn: str
    """ARN of the source instance in the primary region (a cross-region replica names its source by ARN)."""
    engine: str
    """The source's engine, 'mysql' or 'postgres' (for its parameters and port)."""
    engine_version: str
    """The source's major version (the parameter family)."""
    instance_class: str
    vpc_id: str
    subnet_ids: Sequence[str]
    """The standby's private-data subnets."""
    client_security_group_ids: Sequence[str]
    """The standby app tier's group: the only client."""
    encryption_key: EncryptionKey
    """Customer key in the replica's region: RDS re-encrypts the replicated storage with it."""
    monitoring_role: EnhancedMonitoringRole
    multi_az: bool = True
    """A standby in a second AZ of the DR region. A pilot light may save it (False) and turn it on after
    promotion; its replica is then one AZ outage away from having to be rebuilt."""
    backup_retention_days: int = 7
    """Kept on engines in REPLICA_BACKUP_ENGINES (the source's window is the natural value)."""
    deletion_protection: bool = True
    monitoring_interval_seconds: int = 60
    performance_insights_retention_days: int = 7
    max_allocated_storage_gb: int | None = 100
    """Storage autoscaling ceiling, as on the source: a replica that fills up stops replicating."""

    def __post_init__(self) -> None:
        if self.engine not in INSTANCE_ENGINES:
            raise ValueError(f"DatabaseReplica engine {self.engine!r}; fix: 'mysql' or 'postgres' (Aurora fails "
                             "over as a global database)")
        check_identifier("replica identifier", self.identifier)
        check_monitoring(self.identifier, self.monitoring_interval_seconds, self.performance_insights_retention_days)
        if not self.source_arn.startswith("arn:") or ":rds:" not in self.source_arn or ":db:" not in self.source_arn:
            raise ValueError(f"replica {self.identifier!r}: source_arn {self.source_arn!r}; fix: the source "
                             "instance's ARN, arn:aws:rds:<region>:<account>:db:<identifier>")
        if not self.client_security_group_ids:
            raise ValueError(f"replica {self.identifier!r} has no client_security_group_ids; fix: pass the standby "
                             "app tier's security group")


class DatabaseReplica(Construct):
    """Construct ids: 'security-group', 'subnet-group', 'parameter-group', 'instance' (as DatabaseInstance)."""

    def __init__(self, scope: Construct, id: str, props: DatabaseReplicaProps) -> None:
        super().__init__(scope, id)
        self.props = props
        spec = engine(props.engine)
        self.port = spec.port
        housing = house_instance(self, props.identifier, props.engine, props.engine_version, props.vpc_id,
                                 props.subnet_ids, props.client_security_group_ids, "Replica")
        self.security_group, self.parameter_group = housing.security_group, housing.parameter_group
        self.instance = DbInstance(
            self, "instance", identifier=props.identifier, replicate_source_db=props.source_arn,
            instance_class=props.instance_class, max_allocated_storage=props.max_allocated_storage_gb,
            **hardened_instance_settings(
                props.identifier, props.engine, housing, props.encryption_key.arn, multi_az=props.multi_az,
                deletion_protection=props.deletion_protection,
                backup_retention_days=props.backup_retention_days if props.engine in REPLICA_BACKUP_ENGINES else 0,
                insights=spec.supports_performance_insights(props.instance_class),
                insights_retention_days=props.performance_insights_retention_days,
                monitoring_interval_seconds=props.monitoring_interval_seconds, monitoring_role=props.monitoring_role,
                log_exports=spec.log_exports),
            # Terraform's only at creation: an apply never un-promotes the replica, nor undoes the Multi-AZ
            # conversion the failover orchestrator asks for once it is promoted, nor (where replicas keep no
            # backups) the backup retention it sets then.
            lifecycle=TerraformResourceLifecycle(ignore_changes=["replicate_source_db", "multi_az"] + (
                [] if props.engine in REPLICA_BACKUP_ENGINES else ["backup_retention_period"])))

    @property
    def endpoint(self) -> str:
        """Host name clients connect to; it stays the same when the replica is promoted."""
        return self.instance.address

    @property
    def arn(self) -> str:
        return self.instance.arn
