"""An Aurora cluster (seed 003): a writer plus readers in other AZs that take over on failure, with
optional reader autoscaling on CPU and optional Serverless v2 capacity; the same security settings
as DatabaseInstance (private, customer key, TLS forced, IAM auth, RDS-managed master secret)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.appautoscaling_policy import (
    AppautoscalingPolicy,
    AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration,
    AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification,
)
from cdktf_cdktf_provider_aws.appautoscaling_target import AppautoscalingTarget
from cdktf_cdktf_provider_aws.db_subnet_group import DbSubnetGroup
from cdktf_cdktf_provider_aws.rds_cluster import RdsCluster, RdsClusterServerlessv2ScalingConfiguration
from cdktf_cdktf_provider_aws.rds_cluster_instance import RdsClusterInstance
from cdktf_cdktf_provider_aws.rds_cluster_parameter_group import (
    RdsClusterParameterGroup,
    RdsClusterParameterGroupParameter,
)
from constructs import Construct

from modules.database.engines import engine
from modules.database.instance import CA_CERTIFICATE
from modules.database.monitoring import EnhancedMonitoringRole
from modules.firewall import ServiceSecurityGroup, ServiceSecurityGroupProps
from modules.kms import EncryptionKey

READER_SCALE_OUT_COOLDOWN = 300
"""A new reader takes minutes to join; waiting 5 min before adding another avoids overshooting."""
READER_SCALE_IN_COOLDOWN = 900
"""Removing readers is slower still (15 min): dropping one under load is worse than paying for it."""


@dataclass(frozen=True)
class AuroraDatabaseProps:
    identifier: str
    engine: str
    """'aurora-mysql' or 'aurora-postgresql'."""
    engine_version: str
    instance_class: str
    """A provisioned class, or 'db.serverless' together with serverless_v2."""
    database_name: str
    master_username: str
    vpc_id: str
    subnet_ids: Sequence[str]
    client_security_group_ids: Sequence[str]
    encryption_key: EncryptionKey
    monitoring_role: EnhancedMonitoringRole
    availability_zones: Sequence[str]
    """The writer goes to the first zone, reader i to zone (i + 1) mod n: failover lands in another AZ."""
    region: str
    account_id: str
    partition: str = "aws"
    readers: int = 1
    """Read replicas; at least one in production so a failure promotes a replica instead of rebuilding."""
    reader_autoscaling: tuple[int, int] | None = None
    """(max_readers, target CPU percent): readers added on load, never fewer than `readers`."""
    serverless_v2: tuple[float, float] | None = None
    """(min ACU, max ACU) for instance_class db.serverless."""
    backup_retention_days: int = 7
    deletion_protection: bool = True
    monitoring_interval_seconds: int = 60
    performance_insights_retention_days: int = 7
    backtrack_hours: int = 24
    """Aurora MySQL on provisioned instances can rewind in place this far (a bad migration undone in
    minutes, no restore). Not available on Serverless v2 or PostgreSQL; 0 turns it off."""

    def __post_init__(self) -> None:
        engine(self.engine)
        if not 0 <= self.backtrack_hours <= 72:
            raise ValueError(f"cluster {self.identifier!r}: backtrack_hours={self.backtrack_hours}; fix: use 0 to 72")
        if not self.engine.startswith("aurora-"):
            raise ValueError(f"AuroraDatabase engine {self.engine!r}; fix: use aurora-mysql or aurora-postgresql")
        if (self.instance_class == "db.serverless") != (self.serverless_v2 is not None):
            raise ValueError(f"cluster {self.identifier!r}: instance_class {self.instance_class!r} with "
                             f"serverless_v2={self.serverless_v2}; fix: db.serverless needs (min, max) ACUs, "
                             "a provisioned class needs None")
        if self.reader_autoscaling and self.reader_autoscaling[0] < self.readers:
            raise ValueError(f"cluster {self.identifier!r}: max readers {self.reader_autoscaling[0]} is below "
                             f"readers={self.readers}; fix: raise the maximum")
        if not 7 <= self.backup_retention_days <= 35:
            raise ValueError(f"cluster {self.identifier!r}: backup_retention_days={self.backup_retention_days}; "
                             "fix: use 7 to 35")
        if not self.availability_zones:
            raise ValueError(f"cluster {self.identifier!r} has no availability_zones; fix: pass the VPC's zones")


class AuroraDatabase(Construct):
    def __init__(self, scope: Construct, id: str, props: AuroraDatabaseProps) -> None:
        super().__init__(scope, id)
        spec = engine(props.engine)
        self.port = spec.port
        key = props.encryption_key.arn
        self.security_group = ServiceSecurityGroup(self, "security-group", ServiceSecurityGroupProps(
            name=f"{props.identifier}-db", description=f"Aurora {props.identifier}: clients on {spec.port} only",
            vpc_id=props.vpc_id, port=spec.port, client_security_group_ids=props.client_security_group_ids))
        subnets = DbSubnetGroup(self, "subnet-group", name=f"{props.identifier}-db", subnet_ids=props.subnet_ids,
                                description=f"Private data subnets of {props.identifier}")
        parameters = RdsClusterParameterGroup(
            self, "parameter-group", name=f"{props.identifier}-cluster", family=spec.family(props.engine_version),
            description=f"{props.identifier}: TLS only, audit and query logging",
            parameter=[RdsClusterParameterGroupParameter(name=n, value=v, apply_method="pending-reboot")
                       for n, v in (spec.tls_parameter, *spec.extra_parameters)],
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True))
        capacity = props.serverless_v2
        backtrack = props.backtrack_hours * 3600 if props.engine == "aurora-mysql" and not capacity else None
        self.cluster = RdsCluster(
            self, "cluster", cluster_identifier=props.identifier, engine=props.engine,
            engine_version=props.engine_version, database_name=props.database_name,
            master_username=props.master_username, manage_master_user_password=True,
            master_user_secret_kms_key_id=key, storage_encrypted=True, kms_key_id=key,
            db_subnet_group_name=subnets.name, vpc_security_group_ids=[self.security_group.security_group_id],
            db_cluster_parameter_group_name=parameters.name, port=spec.port,
            iam_database_authentication_enabled=True, backup_retention_period=props.backup_retention_days,
            copy_tags_to_snapshot=True, deletion_protection=props.deletion_protection,
            skip_final_snapshot=not props.deletion_protection,
            final_snapshot_identifier=f"{props.identifier}-final" if props.deletion_protection else None,
            enabled_cloudwatch_logs_exports=list(spec.log_exports), apply_immediately=False,
            backtrack_window=backtrack or None,
            serverlessv2_scaling_configuration=RdsClusterServerlessv2ScalingConfiguration(
                min_capacity=capacity[0], max_capacity=capacity[1]) if capacity else None)
        zones = list(props.availability_zones)
        self.instances = [RdsClusterInstance(
            self, "writer" if i == 0 else f"reader-{i}", identifier=f"{props.identifier}-{i + 1}",
            cluster_identifier=self.cluster.id, engine=props.engine, engine_version=props.engine_version,
            instance_class=props.instance_class, availability_zone=zones[i % len(zones)], promotion_tier=min(i, 15),
            db_subnet_group_name=subnets.name, publicly_accessible=False, ca_cert_identifier=CA_CERTIFICATE,
            auto_minor_version_upgrade=True, performance_insights_enabled=True,
            performance_insights_kms_key_id=key,
            performance_insights_retention_period=props.performance_insights_retention_days,
            monitoring_interval=props.monitoring_interval_seconds, monitoring_role_arn=props.monitoring_role.arn,
            copy_tags_to_snapshot=True, apply_immediately=False) for i in range(1 + props.readers)]
        if props.reader_autoscaling:
            self._reader_autoscaling(props, *props.reader_autoscaling)

    def _reader_autoscaling(self, props: AuroraDatabaseProps, max_readers: int, target_cpu: int) -> None:
        target = AppautoscalingTarget(
            self, "reader-scaling-target", service_namespace="rds",
            scalable_dimension="rds:cluster:ReadReplicaCount", resource_id=f"cluster:{self.cluster.id}",
            min_capacity=props.readers, max_capacity=max_readers, depends_on=self.instances)
        AppautoscalingPolicy(
            self, "reader-scaling-policy", name=f"{props.identifier}-reader-cpu", policy_type="TargetTrackingScaling",
            service_namespace=target.service_namespace, scalable_dimension=target.scalable_dimension,
            resource_id=target.resource_id,
            target_tracking_scaling_policy_configuration=AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration(
                target_value=target_cpu, scale_out_cooldown=READER_SCALE_OUT_COOLDOWN,
                scale_in_cooldown=READER_SCALE_IN_COOLDOWN,
                predefined_metric_specification=(
                    AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification(
                        predefined_metric_type="RDSReaderAverageCPUUtilization"))))

    @property
    def writer_endpoint(self) -> str:
        return self.cluster.endpoint

    @property
    def reader_endpoint(self) -> str:
        return self.cluster.reader_endpoint

    @property
    def arn(self) -> str:
        return self.cluster.arn

    @property
    def master_secret_arn(self) -> str:
        return self.cluster.master_user_secret.get(0).secret_arn
