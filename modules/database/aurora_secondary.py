"""The standby member of an Aurora global database: a secondary cluster in the DR region that replicates
the primary (AuroraDatabase with global_cluster_identifier) with under a second of lag, and serves reads.

It is hardened like its primary (the same housing, parameters, customer key of its own region, IAM
authentication, log exports, monitoring, deletion protection with a final snapshot) and inherits the
primary's data, master user and database name. The failover orchestrator (lambda_src/dr_failover, DATABASE
kind "aurora-global") calls RemoveFromGlobalCluster and waits until the cluster has a writer; Terraform then
leaves it alone (the global membership is ignored, so no apply re-attaches or replaces it). After a
failback the global database is rebuilt by the runbook.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.rds_cluster import RdsCluster
from constructs import Construct

from modules.database.aurora import (
    ClusterAccess,
    check_cluster,
    cluster_instances,
    hardened_cluster_settings,
    house_cluster,
)
from modules.database.engines import check_identifier, engine
from modules.database.monitoring import EnhancedMonitoringRole
from modules.kms import EncryptionKey

MAX_SECONDARY_INSTANCES = 16
"""An Aurora secondary cluster holds up to 16 read-only instances."""


@dataclass(frozen=True)
class AuroraSecondaryClusterProps:
    identifier: str
    """Cluster identifier in the DR region and prefix of its resource names, e.g. 'levels-prod-dr-main';
    instances are '<identifier>-<n>'."""
    global_cluster_identifier: str
    """The global database to join: the primary's AuroraDatabaseProps.global_cluster_identifier."""
    engine: str
    """'aurora-mysql' or 'aurora-postgresql': the primary's engine (for parameters and port)."""
    engine_version: str
    """Must equal the primary's version: AWS refuses a secondary on another version."""
    instance_class: str
    """A provisioned class, or 'db.serverless' with serverless_v2. Size it for the primary's load: after
    the failover these instances carry it."""
    vpc_id: str
    subnet_ids: Sequence[str]
    """The standby's private-data subnets, one per availability zone."""
    client_security_group_ids: Sequence[str]
    """The standby app tier's group: the only client (nothing else reaches the cluster port)."""
    encryption_key: EncryptionKey
    """Customer key in the secondary region: an encrypted global database needs the secondary's own key
    (KMS keys are regional); it also encrypts Performance Insights."""
    monitoring_role: EnhancedMonitoringRole
    """The standby stack's enhanced-monitoring role."""
    availability_zones: Sequence[str]
    """Instance i goes to zone i mod n, so the promoted cluster has instances in several AZs."""
    region: str
    """The DR region, for the rds-db:connect ARN of iam_connect_policy_statement."""
    account_id: str
    partition: str = "aws"
    serverless_v2: tuple[float, float] | None = None
    """(min ACU, max ACU) for instance_class db.serverless; None for a provisioned class."""
    instances: int = 2
    """The standby's instances (1-16), all readers until the failover detaches the cluster, when RDS makes
    one the writer; 2 keeps a reader in a second AZ so the promoted cluster is highly available at once; a
    pilot light may use 1."""
    backup_retention_days: int = 7
    """Point-in-time recovery window (7 to 35 days), in force as soon as the cluster is detached."""
    deletion_protection: bool = True
    """Refuse deletion (the standby is the copy left when the primary region is lost); destroying, after
    lifting it, takes a final snapshot '<identifier>-final'."""
    monitoring_interval_seconds: int = 60
    """Enhanced monitoring stays on (1, 5, 10, 15, 30 or 60 s): the standby is watched like the primary."""
    performance_insights_retention_days: int = 7
    """7 (free tier) or a multiple of 31 up to 731; Performance Insights is on wherever AWS offers it."""

    def __post_init__(self) -> None:
        check_cluster("AuroraSecondaryCluster", self)
        check_identifier("global cluster identifier", self.global_cluster_identifier)
        if not 1 <= self.instances <= MAX_SECONDARY_INSTANCES:
            raise ValueError(f"cluster {self.identifier!r}: instances={self.instances}; fix: use 1 to "
                             f"{MAX_SECONDARY_INSTANCES} (2 keeps the promoted cluster in two AZs)")


class AuroraSecondaryCluster(ClusterAccess, Construct):
    """Construct ids: 'security-group', 'subnet-group', 'parameter-group', 'cluster', 'instance-1'..'-n'."""

    def __init__(self, scope: Construct, id: str, props: AuroraSecondaryClusterProps) -> None:
        super().__init__(scope, id)
        self.props = props
        self.engine = props.engine
        self.port = engine(props.engine).port
        housing = house_cluster(self, props)
        self.security_group, self.parameter_group = housing.security_group, housing.parameter_group
        # No master user, password or database name: a secondary inherits them (AWS refuses them). No
        # backtrack: a global database cannot. The failover orchestrator detaches this cluster from the
        # global database; an apply must never re-attach or replace it, so the membership is Terraform's
        # at creation only (replication_source_identifier is what RDS reports while it replicates).
        self.cluster = RdsCluster(
            self, "cluster", global_cluster_identifier=props.global_cluster_identifier,
            **hardened_cluster_settings(props, housing),
            lifecycle=TerraformResourceLifecycle(ignore_changes=[
                "cluster_members", "global_cluster_identifier", "replication_source_identifier"]))
        # No writer to wait for: all are readers until the detach, so they are created in parallel.
        self.instances = cluster_instances(self, props, self.cluster, housing, props.instances,
                                           lambda i: f"instance-{i + 1}", writer_first=False)
