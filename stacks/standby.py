"""The standby site: the primary's stacks again in regions.secondary, built from the standby view of
the configuration (BlueprintConfig.standby(): the dr section's range and AZs, '-dr' names, state under
<blueprint>/<env>/standby/). Same classes, same constructs: a standby cannot drift from what it stands in for.

Only environments with a dr.strategy have a standby.
"""

from __future__ import annotations

from cdktf import DataTerraformRemoteStateS3
from constructs import Construct

from configuration import BlueprintConfig
from modules.app_config import ParameterHierarchy, ParameterHierarchyProps, replica_arn
from modules.database import (
    AuroraSecondaryCluster,
    AuroraSecondaryClusterProps,
    DatabaseReplica,
    DatabaseReplicaProps,
)
from modules.database.instance import iam_connect_statement
from modules.file_system import SharedFileSystem, SharedFileSystemProps
from stacks.base import StandbySite, variable
from stacks.compute import ComputeStack
from stacks.data import DataStack, DataTier, access_point_specs, global_cluster_identifier, use_key_via
from stacks.network import NetworkStack

ACTIVE_REGION_PARAMETER = "dr/active_region"
"""Under <prefix>/data/: the region serving the environment. Terraform writes the primary region into it
once; then it is the failover orchestrator's (and, failing back, the operator's): applies leave it alone."""


class StandbyNetworkStack(StandbySite, NetworkStack):
    """The three-tier VPC in the standby region (seed 001: the network is part of the pilot light)."""

    def __init__(self, scope: Construct, config: BlueprintConfig) -> None:
        super().__init__(scope, self.site_view(config))


class StandbyDataStack(StandbySite, DataTier):
    """The data half of the standby: what the app finds in the primary region, again in the standby's, under
    the same SSM names, each under a key of its own region:

    - every RDS instance as a cross-region read replica (seed 001's pilot light), promoted by the failover;
    - every Aurora cluster as the secondary cluster of a global database the primary cluster forms
      (data stack), detached by the failover;
    - the queues, empty until the standby's workers use them;
    - the buckets' replicas (the primary's data stack replicates into them) for the app to read and write;
    - every cache, running and empty (what a cache holds rebuilds; nothing durable lives there);
    - every file system's replica (EFS replication from the primary's data stack), read-only until the
      failover detaches it, with mount targets and access points here;
    - the secrets' replicas (the primary's data stack replicates every secret here, the database's
      credentials secret too), under the names and outputs the primary's carry;
    - the parameter hierarchy: endpoints of the standby stores, the app settings, the active region.
    """

    layer = "data"

    def __init__(self, scope: Construct, config: BlueprintConfig) -> None:
        view = self.site_view(config)
        super().__init__(scope, view)
        self.primary = config
        self.keys, self.app_statements = {}, []
        self.published: dict[str, str] = {ACTIVE_REGION_PARAMETER: config.regions.primary}
        self._read_network()
        self.queues = {name: self._work_queue(name) for name in config.data.queues}
        self._bucket_replicas()
        for name in config.data.databases:
            self._replica(name)
        for name in config.data.aurora:
            self._secondary_cluster(name)
        self._caches()
        self._file_system_replicas()
        self._secret_replicas()
        self.parameters = ParameterHierarchy(self, "parameters", ParameterHierarchyProps(
            prefix=view.parameter_prefix, name_prefix=view.name_prefix, encryption_key=self.key("config"),
            region=view.regions.primary, account_id=view.account_id, partition=self.partition,
            settings=dict(config.data.parameters), published=self.published,
            handed_over=[ACTIVE_REGION_PARAMETER]))  # the orchestrator's after creation: no apply undoes a failover
        self.export("parameter_prefix", view.parameter_prefix, "string",
                    "Root of the standby's SSM parameters: the same names as in the primary region")
        self.export("active_region_parameter_name", self.parameters.path("data", ACTIVE_REGION_PARAMETER), "string",
                    "SSM parameter naming the region that serves (the orchestrator sets the standby's)")
        self.export("parameters_read_policy_arn", self.parameters.server_read_policy.arn, "string",
                    "IAM policy for the standby's servers: read the environment's parameters")
        for domain, domain_key in self.keys.items():
            self.export(f"kms_key_{domain}_arn", domain_key.arn, "string", f"Standby key of the {domain} domain")
        self._app_policy("Standby app tier: connect to the standby databases (IAM), use its queues and the "
                         "bucket replicas")

    def key_description(self, domain: str) -> str:
        return f"{domain} of the {self.primary.name_prefix} standby in {self.config.regions.primary}"

    def _bucket_replicas(self) -> None:
        """The app tier of the standby uses the replicas the primary's data stack keeps in this region."""
        primary, region = self.primary, self.config.regions.primary
        replicated = [name for name in primary.data.buckets if primary.bucket_replicated(name)]
        if not replicated:
            return
        replica_key = self.primary_data.get_string("kms_key_storage_replica_arn")
        for name in replicated:
            bucket = primary.data_bucket_name(name, region)
            self._bucket_access(name, bucket, f"arn:{self.partition}:s3:::{bucket}")
            self.export(f"bucket_{variable(name)}_name", bucket, "string",
                        f"Replica of the {name} bucket in {region} (written by replication until a failover)")
        self.app_statements.append(use_key_via(replica_key, "s3", region))

    @property
    def primary_data(self) -> DataTerraformRemoteStateS3:
        """The primary data stack's outputs (the replicas' keys and the secrets' ARNs), read once."""
        if not hasattr(self, "_primary_data"):
            self._primary_data = self.remote_state(DataStack, site=self.primary)
        return self._primary_data

    def _file_system_replicas(self) -> None:
        """Mount targets, access points and policy around each file system's replica (made by the primary's
        data stack's replication), exported and published under the primary's names."""
        primary, view = self.primary, self.config
        for name, spec in primary.data.file_systems.items():
            efs = SharedFileSystem(self, f"file-system-{name}", SharedFileSystemProps(
                name=f"{view.name_prefix}-{name}", vpc_id=self.vpc_id, subnet_ids=self.data_subnet_ids,
                client_security_group_ids=[self.app_security_group_id], encryption_key=None,
                access_points=access_point_specs(spec),
                existing_file_system_id=self.primary_data.get_string(f"file_system_{variable(name)}_replica_id"),
                region=view.regions.primary, account_id=view.account_id, partition=self.partition))
            self._publish_file_system(name, efs)

    def _secret_replicas(self) -> None:
        """The replicas of the primary's secrets in this region: the app secrets (secret_<name>_arn,
        data/secret/<name>) and each database's credentials (database_<name>_secret_arn, data/database/<name>/
        secret_arn), all under the replica key the primary's data stack made here."""
        primary, region = self.primary, self.config.regions.primary
        databases = [*primary.data.databases, *primary.data.aurora]
        if not primary.data.secrets and not databases:
            return
        key = self.primary_data.get_string("kms_key_secrets_replica_arn")
        self.export("kms_key_secrets_replica_arn", key, "string",
                    "Key of the secret replicas here (the app tier decrypts them through Secrets Manager)")

        def replica(output: str) -> str:
            return replica_arn(self.primary_data.get_string(output), primary.regions.primary, region)

        for name in databases:
            arn = replica(f"database_{variable(name)}_secret_arn")
            self.published[f"database/{name}/secret_arn"] = arn
            self.export(f"database_{variable(name)}_secret_arn", arn, "string",
                        f"Replica of the {name} database's credentials secret (the operator's, replicated)")
        self._secret_access({name: replica(f"secret_{variable(name)}_arn") for name in primary.data.secrets}, key)

    def _replica(self, name: str) -> None:
        """A cross-region read replica of RDS instance `name`, promoted by the failover."""
        spec, view = self.primary.data.databases[name], self.config
        replica = DatabaseReplica(self, f"database-{name}", DatabaseReplicaProps(
            identifier=f"{view.name_prefix}-{name}", source_arn=self.source_arn(name), engine=spec.engine,
            engine_version=spec.version, instance_class=spec.instance_class, vpc_id=self.vpc_id,
            subnet_ids=self.data_subnet_ids, client_security_group_ids=[self.app_security_group_id],
            encryption_key=self.key("databases"), monitoring_role=self._monitoring_role(),
            multi_az=self.primary.dr.strategy == "warm-standby", backup_retention_days=spec.backup_retention_days,
            monitoring_interval_seconds=spec.monitoring_interval_seconds,
            performance_insights_retention_days=spec.performance_insights_retention_days,
            max_allocated_storage_gb=spec.max_allocated_storage_gb))
        self._publish(name, replica.endpoint, replica.port, replica.instance.identifier, replica.arn,
                      "replica")
        self.app_statements.append(iam_connect_statement(
            replica.props.identifier, self.partition, view.regions.primary, view.account_id,
            replica.instance.resource_id, "app"))

    def _secondary_cluster(self, name: str) -> None:
        """The secondary cluster of Aurora cluster `name`'s global database, detached by the failover: two
        instances for a warm standby (a reader in a second AZ once it is the writer), one for a pilot light."""
        primary, view = self.primary, self.config
        spec = primary.data.aurora[name]
        protect = spec.deletion_protection if spec.deletion_protection is not None else primary.is_production
        global_id = global_cluster_identifier(primary, name)
        cluster = AuroraSecondaryCluster(self, f"aurora-{name}", AuroraSecondaryClusterProps(
            identifier=f"{view.name_prefix}-{name}", global_cluster_identifier=global_id, engine=spec.engine,
            engine_version=spec.version, instance_class=spec.instance_class,
            serverless_v2=(spec.serverless_v2.min_acu, spec.serverless_v2.max_acu) if spec.serverless_v2 else None,
            instances=2 if primary.dr.strategy == "warm-standby" else 1, vpc_id=self.vpc_id,
            subnet_ids=self.data_subnet_ids, client_security_group_ids=[self.app_security_group_id],
            encryption_key=self.key("databases"), monitoring_role=self._monitoring_role(),
            availability_zones=list(view.regions.availability_zones), region=view.regions.primary,
            account_id=view.account_id, partition=self.partition, backup_retention_days=spec.backup_retention_days,
            deletion_protection=protect, monitoring_interval_seconds=spec.monitoring_interval_seconds))
        self._publish(name, cluster.writer_endpoint, cluster.port, cluster.cluster.cluster_identifier, cluster.arn,
                      "secondary cluster")
        variable_name = variable(name)
        self.published[f"database/{name}/reader_endpoint"] = cluster.reader_endpoint
        self.export(f"database_{variable_name}_reader_endpoint", cluster.reader_endpoint, "string",
                    f"Reader endpoint of the {name} secondary cluster")
        self.export(f"database_{variable_name}_global_cluster_identifier", global_id, "string",
                    f"Global database the {name} secondary cluster belongs to (the orchestrator detaches it)")
        self.app_statements.append(cluster.iam_connect_policy_statement("app"))

    def _publish(self, name: str, endpoint: str, port: int, identifier: str, arn: str, what: str) -> None:
        """Exports and parameters of standby database `name`, under the names the primary's carry."""
        variable_name = variable(name)
        self.published[f"database/{name}/endpoint"] = endpoint
        self.published[f"database/{name}/port"] = str(port)
        self.export(f"database_{variable_name}_endpoint", endpoint, "string",
                    f"Host name of the {name} {what} (unchanged by the failover)")
        self.export(f"database_{variable_name}_port", str(port), "string", f"Port of the {name} {what}")
        self.export(f"database_{variable_name}_identifier", identifier, "string",
                    f"RDS identifier of the {name} {what} (the orchestrator makes it writable)")
        self.export(f"database_{variable_name}_arn", arn, "string", f"ARN of the {name} {what}")

    def source_arn(self, database: str) -> str:
        """The primary instance's ARN, from its naming rule (data stack: <name_prefix>-<database>)."""
        primary = self.primary
        return (f"arn:{self.partition}:rds:{primary.regions.primary}:{primary.account_id}:db:"
                f"{primary.name_prefix}-{database}")


class StandbyComputeStack(StandbySite, ComputeStack):
    """The compute tier in the standby region: the same load balancer, WAF and fleets, at standby capacity
    (zero for a pilot light), launching the golden images the primary's pipelines distribute there."""

    def __init__(self, scope: Construct, config: BlueprintConfig) -> None:
        super().__init__(scope, self.site_view(config))
