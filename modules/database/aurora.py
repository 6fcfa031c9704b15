"""An Aurora cluster (seed 003): a writer plus readers spread over the AZs that take over on failure,
with optional reader autoscaling on CPU and optional Serverless v2 capacity; the same security
settings as DatabaseInstance (private, customer key, TLS forced, IAM auth, RDS-managed master secret,
audit and slow-query logs, enhanced monitoring, Performance Insights). With global_cluster_identifier
it founds an Aurora global database, whose secondary cluster (aurora_secondary.py) is a DR standby.

Readers added by autoscaling ('application-autoscaling-...') are not Terraform resources and cause no
drift: only the readers declared here are instances in state, the cluster's member list is left to
AWS (cluster_members is computed, and ignored), and the scaling target's minimum equals the declared
readers, so scaling in only ever removes readers autoscaling created. Before destroying a cluster,
let those drain (or delete them): RDS refuses to delete a cluster that still has instances.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from cdktf import TerraformResourceLifecycle, Token
from cdktf_cdktf_provider_aws.appautoscaling_policy import (
    AppautoscalingPolicy,
    AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration,
    AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification,
)
from cdktf_cdktf_provider_aws.appautoscaling_target import AppautoscalingTarget
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import DataAwsIamPolicyDocumentStatement
from cdktf_cdktf_provider_aws.db_subnet_group import DbSubnetGroup
from cdktf_cdktf_provider_aws.rds_cluster import RdsCluster, RdsClusterServerlessv2ScalingConfiguration
from cdktf_cdktf_provider_aws.rds_cluster_instance import RdsClusterInstance
from cdktf_cdktf_provider_aws.rds_cluster_parameter_group import (
    RdsClusterParameterGroup,
    RdsClusterParameterGroupParameter,
)
from cdktf_cdktf_provider_aws.rds_global_cluster import RdsGlobalCluster
from constructs import Construct

from modules.database.engines import (
    apply_method,
    check_backup_retention,
    check_identifier,
    check_monitoring,
    check_sql_name,
    engine,
    parameter_group_name,
)
from modules.database.instance import (
    CA_CERTIFICATE,
    database_network,
    final_snapshot_settings,
    iam_connect_statement,
    master_password_settings,
)
from modules.database.monitoring import EnhancedMonitoringRole
from modules.firewall import ServiceSecurityGroup
from modules.kms import EncryptionKey

SERVERLESS_CLASS = "db.serverless"
MAX_READERS = 15
READER_SCALE_OUT_COOLDOWN = 60
"""Add readers quickly: under a read spike every minute without capacity is lost requests. Target
tracking counts a reader that is still starting as capacity, so a short cooldown does not stack them."""
READER_SCALE_IN_COOLDOWN = 300
"""Remove readers slowly: a new reader needs minutes to start and warm its buffer pool, so dropping one
on a short lull and re-adding it on the next burst costs more than keeping it five minutes longer."""


class AuroraClusterShape(Protocol):
    """What AuroraDatabaseProps and AuroraSecondaryClusterProps share, read by the helpers below."""

    @property
    def identifier(self) -> str: ...
    @property
    def engine(self) -> str: ...
    @property
    def engine_version(self) -> str: ...
    @property
    def instance_class(self) -> str: ...
    @property
    def serverless_v2(self) -> tuple[float, float] | None: ...
    @property
    def vpc_id(self) -> str: ...
    @property
    def subnet_ids(self) -> Sequence[str]: ...
    @property
    def client_security_group_ids(self) -> Sequence[str]: ...
    @property
    def encryption_key(self) -> EncryptionKey: ...
    @property
    def monitoring_role(self) -> EnhancedMonitoringRole: ...
    @property
    def availability_zones(self) -> Sequence[str]: ...
    @property
    def backup_retention_days(self) -> int: ...
    @property
    def deletion_protection(self) -> bool: ...
    @property
    def monitoring_interval_seconds(self) -> int: ...
    @property
    def performance_insights_retention_days(self) -> int: ...
    @property
    def region(self) -> str: ...
    @property
    def account_id(self) -> str: ...
    @property
    def partition(self) -> str: ...


def check_cluster(kind: str, props: AuroraClusterShape) -> None:
    """The checks every Aurora cluster's props pass: an Aurora engine, names RDS accepts, backups, monitoring,
    Serverless v2 capacity, zones and clients. `kind` names the construct in the engine error."""
    engine(props.engine)
    if not props.engine.startswith("aurora-"):
        raise ValueError(f"{kind} engine {props.engine!r}; fix: use aurora-mysql or aurora-postgresql "
                         "(RDS instances belong to DatabaseInstance)")
    owner = f"cluster {props.identifier!r}"
    check_identifier("cluster identifier", props.identifier, 60)  # instances are '<identifier>-<n>'
    check_backup_retention(props.identifier, props.backup_retention_days)
    check_monitoring(props.identifier, props.monitoring_interval_seconds, props.performance_insights_retention_days)
    if (props.instance_class == SERVERLESS_CLASS) != (props.serverless_v2 is not None):
        raise ValueError(f"{owner}: instance_class {props.instance_class!r} with serverless_v2="
                         f"{props.serverless_v2}; fix: db.serverless needs (min, max) ACUs, a provisioned "
                         "class needs None")
    if props.serverless_v2 is not None:
        low, high = props.serverless_v2
        half_steps = float(low * 2).is_integer() and float(high * 2).is_integer()
        if not (0 <= low <= high <= 256 and high >= 1 and half_steps):
            raise ValueError(f"{owner}: serverless_v2={props.serverless_v2}; fix: (min, max) ACUs with "
                             "0 <= min <= max <= 256, max >= 1, in steps of 0.5")
    if not props.availability_zones:
        raise ValueError(f"{owner} has no availability_zones; fix: pass the VPC's zones")
    if not props.client_security_group_ids:
        raise ValueError(f"{owner} has no client_security_group_ids; fix: pass the app tier's security group")


@dataclass(frozen=True)
class ClusterHousing:
    """Where an Aurora cluster lives: its security group, subnet group and hardened cluster parameter group."""

    security_group: ServiceSecurityGroup
    subnet_group: DbSubnetGroup
    parameter_group: RdsClusterParameterGroup


def house_cluster(scope: Construct, props: AuroraClusterShape) -> ClusterHousing:
    """Construct ids 'security-group', 'subnet-group' and 'parameter-group' in `scope`: one group admitting
    only the clients on the engine's port, the private data subnets, the engine's TLS and audit parameters."""
    spec = engine(props.engine)
    security_group, subnets = database_network(scope, props.identifier, spec.port, props.vpc_id, props.subnet_ids,
                                               props.client_security_group_ids, "Aurora")
    family = spec.family(props.engine_version)
    parameter_group = RdsClusterParameterGroup(
        scope, "parameter-group", name=parameter_group_name(props.identifier, family), family=family,
        description=f"{props.identifier}: TLS only, audit and query logging",
        parameter=[RdsClusterParameterGroupParameter(name=n, value=v, apply_method=apply_method(n))
                   for n, v in spec.parameters],
        lifecycle=TerraformResourceLifecycle(create_before_destroy=True))
    return ClusterHousing(security_group, subnets, parameter_group)


def hardened_cluster_settings(props: AuroraClusterShape, housing: ClusterHousing) -> dict[str, Any]:
    """The RdsCluster arguments every Aurora cluster shares: storage under the customer key, private
    housing, IAM authentication, backups and snapshots kept, deletion protection with a final snapshot,
    log exports, changes in the maintenance window, Serverless v2 capacity if any."""
    spec = engine(props.engine)
    capacity = props.serverless_v2
    return dict(
        cluster_identifier=props.identifier, engine=props.engine, engine_version=props.engine_version,
        storage_encrypted=True, kms_key_id=props.encryption_key.arn,
        db_subnet_group_name=housing.subnet_group.name,
        vpc_security_group_ids=[housing.security_group.security_group_id],
        db_cluster_parameter_group_name=housing.parameter_group.name, port=spec.port,
        iam_database_authentication_enabled=True, backup_retention_period=props.backup_retention_days,
        copy_tags_to_snapshot=True, deletion_protection=props.deletion_protection,
        **final_snapshot_settings(props.identifier, props.deletion_protection), delete_automated_backups=False,
        enabled_cloudwatch_logs_exports=list(spec.log_exports), apply_immediately=False,
        serverlessv2_scaling_configuration=RdsClusterServerlessv2ScalingConfiguration(
            min_capacity=capacity[0], max_capacity=capacity[1]) if capacity else None)


def cluster_instances(scope: Construct, props: AuroraClusterShape, cluster: RdsCluster, housing: ClusterHousing,
                      count: int, construct_id: Callable[[int], str], writer_first: bool) -> list[RdsClusterInstance]:
    """`count` instances '<identifier>-1'..'-<count>' of `cluster`, construct ids construct_id(0..count-1):
    instance i in zone i mod n with promotion tier i (0 first: failover and detaching promote in this
    order), private, the current CA, Performance Insights wherever AWS offers it, enhanced monitoring.
    writer_first: the first instance created becomes the writer, so the others wait for it."""
    spec = engine(props.engine)
    zones = list(props.availability_zones)
    key = props.encryption_key.arn
    insights = spec.supports_performance_insights(props.instance_class)
    instances: list[RdsClusterInstance] = []
    for i in range(count):
        # Promotion tiers follow the order (0, then 1, 2, ...); with Serverless v2, readers in tiers 0-1
        # scale with the writer and are ready to take over at its size.
        instances.append(RdsClusterInstance(
            scope, construct_id(i), identifier=f"{props.identifier}-{i + 1}",
            cluster_identifier=cluster.id, engine=props.engine, instance_class=props.instance_class,
            availability_zone=zones[i % len(zones)], promotion_tier=min(i, 15),
            db_subnet_group_name=housing.subnet_group.name, publicly_accessible=False,
            ca_cert_identifier=CA_CERTIFICATE, auto_minor_version_upgrade=True, copy_tags_to_snapshot=True,
            apply_immediately=False, performance_insights_enabled=insights,
            performance_insights_kms_key_id=key if insights else None,
            performance_insights_retention_period=props.performance_insights_retention_days if insights else None,
            monitoring_interval=props.monitoring_interval_seconds, monitoring_role_arn=props.monitoring_role.arn,
            depends_on=[props.monitoring_role.attachment, *(instances[:1] if writer_first else [])]))
    return instances


@dataclass(frozen=True)
class AuroraDatabaseProps:
    identifier: str
    """Cluster identifier and prefix of its resource names, e.g. 'levels-prod-main'."""
    engine: str
    """'aurora-mysql' or 'aurora-postgresql'."""
    engine_version: str
    """Full Aurora version, e.g. '8.0.mysql_aurora.3.08.0' or '16.6'; the parameter family derives from it."""
    instance_class: str
    """A provisioned class (e.g. 'db.r6g.large'), or 'db.serverless' together with serverless_v2."""
    database_name: str
    master_username: str
    """Master user; its password is generated by RDS into Secrets Manager, never passed here."""
    vpc_id: str
    subnet_ids: Sequence[str]
    """The private-data subnets, one per availability zone."""
    client_security_group_ids: Sequence[str]
    """Only these groups reach the cluster port (the app tier's)."""
    encryption_key: EncryptionKey
    """Customer key for storage, snapshots, Performance Insights and the RDS-managed master secret."""
    monitoring_role: EnhancedMonitoringRole
    availability_zones: Sequence[str]
    """Instance i goes to zone i mod n: the writer to the first, each reader to the next, so a failover
    promotes a reader in another AZ."""
    region: str
    account_id: str
    partition: str = "aws"
    readers: int = 1
    """Read replicas (0-15); production needs at least one so a failure promotes a replica in about 30 s
    instead of recreating the writer."""
    reader_autoscaling: tuple[int, int] | None = None
    """(max_readers, target reader CPU percent): target tracking adds readers on load up to max_readers and
    never goes below `readers`. Reader CPU has no data without a reader, so use it with readers >= 1."""
    serverless_v2: tuple[float, float] | None = None
    """(min ACU, max ACU) for instance_class db.serverless: 0-256 in half-ACU steps (0 lets it pause)."""
    backup_retention_days: int = 7
    """Point-in-time recovery window, 7 to 35 days."""
    deletion_protection: bool = True
    """Refuse deletion; destroying (after lifting it) takes a final snapshot '<identifier>-final'."""
    monitoring_interval_seconds: int = 60
    """Enhanced monitoring interval of every instance; 1, 5, 10, 15, 30 or 60."""
    performance_insights_retention_days: int = 7
    """7 (free tier) or a multiple of 31 up to 731. Performance Insights is on wherever AWS offers it
    (not on Aurora MySQL db.t2/db.t3 or db.t4g micro/small)."""
    backtrack_hours: int = 24
    """Aurora MySQL on provisioned instances can rewind in place this far (a bad migration undone in
    minutes, no restore; checkov CKV_AWS_326). Not available on Serverless v2 or PostgreSQL, where it is
    left off; 0 turns it off. It can only be switched on when the cluster is created."""

    global_cluster_identifier: str | None = None
    """Join a global database of this identifier (created from this cluster, so an existing cluster can
    join): a secondary cluster in another region (AuroraSecondaryCluster) replicates it with under a second
    of lag, and the DR failover detaches it. Aurora MySQL backtrack is unsupported in a global database:
    set backtrack_hours=0 (refused otherwise). It also needs master_password."""
    master_password: str | None = None
    """None (default): RDS generates the master password into Secrets Manager (under the customer key)
    and rotates it. Clusters of a global database cannot have that (Aurora User Guide, "Password
    management with Amazon Aurora and AWS Secrets Manager", limitations): pass a reference to an ephemeral,
    sensitive Terraform variable instead; it is sent write-only (master_password_wo), never kept in state."""

    def __post_init__(self) -> None:
        check_cluster("AuroraDatabase", self)
        owner = f"cluster {self.identifier!r}"
        check_sql_name("database_name", self.identifier, self.database_name, 63)
        check_sql_name("master_username", self.identifier, self.master_username, 16)
        if not 0 <= self.backtrack_hours <= 72:
            raise ValueError(f"{owner}: backtrack_hours={self.backtrack_hours}; fix: use 0 to 72")
        if not 0 <= self.readers <= MAX_READERS:
            raise ValueError(f"{owner}: readers={self.readers}; fix: use 0 to {MAX_READERS}")
        if self.reader_autoscaling is not None and not any(Token.is_unresolved(v) for v in self.reader_autoscaling):
            max_readers, target_cpu = self.reader_autoscaling  # Terraform variables: their validations check them
            if max_readers < self.readers:
                raise ValueError(f"{owner}: max readers {max_readers} is below readers={self.readers}; "
                                 "fix: raise the maximum")
            if not 1 <= max_readers <= MAX_READERS:
                raise ValueError(f"{owner}: max readers {max_readers}; fix: use 1 to {MAX_READERS}")
            if not 10 <= target_cpu <= 90:
                raise ValueError(f"{owner}: reader target CPU {target_cpu}%; fix: use 10 to 90")
        if self.global_cluster_identifier is not None:
            check_identifier("global cluster identifier", self.global_cluster_identifier)
            if self.backtrack_window_seconds is not None:
                raise ValueError(f"{owner}: backtrack_hours={self.backtrack_hours} with global_cluster_identifier "
                                 f"{self.global_cluster_identifier!r}, but Aurora MySQL backtrack is unsupported in "
                                 "a global database; fix: backtrack_hours=0")
            if self.master_password is None:
                raise ValueError(f"{owner}: global_cluster_identifier {self.global_cluster_identifier!r} without "
                                 "master_password, but RDS cannot manage the master password of a global database "
                                 "member; fix: pass master_password (an ephemeral Terraform variable's reference)")

    @property
    def backtrack_window_seconds(self) -> int | None:
        if self.engine != "aurora-mysql" or self.serverless_v2 is not None or not self.backtrack_hours:
            return None
        return self.backtrack_hours * 3600


class ClusterAccess:
    """What clients and policies read of an Aurora cluster construct (AuroraDatabase, AuroraSecondaryCluster):
    its endpoints, ARN, resource id and IAM sign-in. Needs `cluster` (RdsCluster) and `props`."""

    cluster: RdsCluster
    props: AuroraClusterShape

    @property
    def writer_endpoint(self) -> str:
        """Cluster endpoint: always the current writer (a secondary's is writable once it is detached)."""
        return self.cluster.endpoint

    @property
    def reader_endpoint(self) -> str:
        """Load-balanced over the readers (including autoscaled ones); the writer when there are none."""
        return self.cluster.reader_endpoint

    @property
    def arn(self) -> str:
        return self.cluster.arn

    @property
    def resource_id(self) -> str:
        """The stable 'cluster-...' id that IAM database authentication ARNs name."""
        return self.cluster.cluster_resource_id

    def iam_connect_policy_statement(self, db_user: str) -> DataAwsIamPolicyDocumentStatement:
        """Allow connecting to any instance of the cluster as `db_user` with an IAM token (on a secondary, the
        users replicate from the primary)."""
        p = self.props
        return iam_connect_statement(p.identifier, p.partition, p.region, p.account_id, self.resource_id, db_user)


class AuroraDatabase(ClusterAccess, Construct):
    def __init__(self, scope: Construct, id: str, props: AuroraDatabaseProps) -> None:
        super().__init__(scope, id)
        self.props = props
        spec = engine(props.engine)
        self.engine = props.engine
        self.port = spec.port
        housing = house_cluster(self, props)
        self.security_group, self.parameter_group = housing.security_group, housing.parameter_group
        key = props.encryption_key.arn
        # A cluster that founds a global database shows its global_cluster_identifier as drift (setting it
        # here would be a cycle), and after a DR failover the orchestrator detaches clusters: no apply
        # may re-attach one. Readers that autoscaling adds are not ours: cluster_members is AWS's.
        ignored = ["cluster_members", *(["global_cluster_identifier"] if props.global_cluster_identifier else [])]
        self.cluster = RdsCluster(
            self, "cluster", database_name=props.database_name, master_username=props.master_username,
            **master_password_settings(props.master_password, key, "master_password"),
            backtrack_window=props.backtrack_window_seconds, **hardened_cluster_settings(props, housing),
            lifecycle=TerraformResourceLifecycle(ignore_changes=ignored))
        # The first instance created becomes the writer, so readers wait for it.
        self.instances = cluster_instances(self, props, self.cluster, housing, 1 + props.readers,
                                           lambda i: "writer" if i == 0 else f"reader-{i}", writer_first=True)
        self.writer = self.instances[0]
        self.readers = self.instances[1:]
        self.scaling_target: AppautoscalingTarget | None = None
        self.scaling_policy: AppautoscalingPolicy | None = None
        if props.reader_autoscaling:
            self._reader_autoscaling(props, *props.reader_autoscaling)
        self.global_cluster: RdsGlobalCluster | None = None
        if props.global_cluster_identifier:
            # Engine, version and encryption come from the source cluster (AWS refuses them next to a
            # source). force_destroy: destroying the global cluster removes its members first instead of
            # failing. A secondary can only join once the primary has a writer, hence the dependency.
            self.global_cluster = RdsGlobalCluster(
                self, "global-cluster", global_cluster_identifier=props.global_cluster_identifier,
                source_db_cluster_identifier=self.cluster.arn, force_destroy=True,
                deletion_protection=props.deletion_protection, depends_on=[self.writer])

    def _reader_autoscaling(self, props: AuroraDatabaseProps, max_readers: int, target_cpu: int) -> None:
        self.scaling_target = AppautoscalingTarget(
            self, "reader-scaling-target", service_namespace="rds",
            scalable_dimension="rds:cluster:ReadReplicaCount", resource_id=f"cluster:{self.cluster.id}",
            min_capacity=props.readers, max_capacity=max_readers, depends_on=self.instances)
        self.scaling_policy = AppautoscalingPolicy(
            self, "reader-scaling-policy", name=f"{props.identifier}-reader-cpu", policy_type="TargetTrackingScaling",
            service_namespace=self.scaling_target.service_namespace,
            scalable_dimension=self.scaling_target.scalable_dimension, resource_id=self.scaling_target.resource_id,
            target_tracking_scaling_policy_configuration=AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration(
                target_value=target_cpu, scale_out_cooldown=READER_SCALE_OUT_COOLDOWN,
                scale_in_cooldown=READER_SCALE_IN_COOLDOWN, disable_scale_in=False,
                predefined_metric_specification=(
                    AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification(
                        predefined_metric_type="RDSReaderAverageCPUUtilization"))))

    @property
    def master_secret_arn(self) -> str | None:
        """ARN of the RDS-managed master secret (rotated by RDS), never its value; None with master_password."""
        if self.props.master_password is not None:
            return None
        return self.cluster.master_user_secret.get(0).secret_arn
