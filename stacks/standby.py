"""The standby site: the primary's stacks again in regions.secondary, built from the standby view of
the configuration (BlueprintConfig.standby(): the dr section's range and AZs, '-dr' names, state under
<blueprint>/<env>/standby/). Same classes, same constructs: a standby cannot drift from what it stands in for.

Only environments with a dr.strategy have a standby.
"""

from __future__ import annotations

from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import DataAwsIamPolicyDocument
from cdktf_cdktf_provider_aws.iam_policy import IamPolicy
from constructs import Construct

from configuration import BlueprintConfig
from modules.app_config import ParameterHierarchy, ParameterHierarchyProps
from modules.database import DatabaseReplica, DatabaseReplicaProps, EnhancedMonitoringRole, EnhancedMonitoringRoleProps
from modules.database.instance import iam_connect_statement
from stacks.base import PlatformStack, StandbySite
from stacks.compute import ComputeStack
from stacks.network import NetworkStack
from stacks.storage import bucket_key

ACTIVE_REGION_PARAMETER = "dr/active_region"
"""Under <prefix>/data/: the region serving the environment. Terraform writes the primary region into it
once; then it is the failover orchestrator's (and, failing back, the operator's): applies leave it alone."""


class StandbyNetworkStack(StandbySite, NetworkStack):
    """The three-tier VPC in the standby region (seed 001: the network is part of the pilot light)."""

    def __init__(self, scope: Construct, config: BlueprintConfig) -> None:
        super().__init__(scope, self.site_view(config))


class StandbyDataStack(StandbySite, PlatformStack):
    """The data half of the standby (seed 001's pilot light): a cross-region read replica of every RDS
    instance under its own key, and the parameter hierarchy the app reads at start-up under the same
    names as in the primary region (endpoints of the replicas, the app settings, the active region).

    Buckets are already replicated by the primary's data stack; caches, queues and file systems of the
    standby come with its compute tier.
    """

    layer = "data"

    def __init__(self, scope: Construct, config: BlueprintConfig) -> None:
        view = self.site_view(config)
        super().__init__(scope, view)
        self.primary = config
        network = self.remote_state(NetworkStack)
        vpc_id, subnet_ids = network.get_string("vpc_id"), network.get_list("data_subnet_ids")
        app_group = network.get_string("app_security_group_id")
        key = {domain: bucket_key(self, f"{domain}-key", f"{view.name_prefix}-{domain}",
                                  f"{domain} of the {config.name_prefix} standby in {view.regions.primary}",
                                  view.account_id, self.partition) for domain in ("databases", "config")}
        published: dict[str, str] = {ACTIVE_REGION_PARAMETER: config.regions.primary}
        connects = []
        if config.data.databases:
            monitoring = EnhancedMonitoringRole(self, "database-monitoring", EnhancedMonitoringRoleProps(
                role_name=f"{view.name_prefix}-rds-monitoring", partition=self.partition,
                account_id=view.account_id))
        for name, spec in config.data.databases.items():
            variable = name.replace("-", "_")
            replica = DatabaseReplica(self, f"database-{name}", DatabaseReplicaProps(
                identifier=f"{view.name_prefix}-{name}", source_arn=self.source_arn(name), engine=spec.engine,
                engine_version=spec.version, instance_class=spec.instance_class, vpc_id=vpc_id,
                subnet_ids=subnet_ids, client_security_group_ids=[app_group], encryption_key=key["databases"],
                monitoring_role=monitoring, multi_az=config.dr.strategy == "warm-standby",
                backup_retention_days=spec.backup_retention_days,
                monitoring_interval_seconds=spec.monitoring_interval_seconds,
                performance_insights_retention_days=spec.performance_insights_retention_days,
                max_allocated_storage_gb=spec.max_allocated_storage_gb))
            published[f"database/{name}/endpoint"] = replica.endpoint
            published[f"database/{name}/port"] = str(replica.port)
            self.export(f"database_{variable}_endpoint", replica.endpoint, "string",
                        f"Host name of the {name} replica (unchanged by promotion)")
            self.export(f"database_{variable}_port", str(replica.port), "string", f"Port of the {name} replica")
            self.export(f"database_{variable}_identifier", replica.instance.identifier, "string",
                        f"RDS identifier of the {name} replica (the orchestrator promotes it)")
            self.export(f"database_{variable}_arn", replica.arn, "string", f"ARN of the {name} replica")
            connects.append(iam_connect_statement(replica.props.identifier, self.partition, view.regions.primary,
                                                  view.account_id, replica.instance.resource_id, "app"))
        self.parameters = ParameterHierarchy(self, "parameters", ParameterHierarchyProps(
            prefix=view.parameter_prefix, name_prefix=view.name_prefix, encryption_key=key["config"],
            region=view.regions.primary, account_id=view.account_id, partition=self.partition,
            settings=dict(config.data.parameters), published=published,
            handed_over=[ACTIVE_REGION_PARAMETER]))  # the orchestrator's after creation: no apply undoes a failover
        self.export("parameter_prefix", view.parameter_prefix, "string",
                    "Root of the standby's SSM parameters: the same names as in the primary region")
        self.export("active_region_parameter_name", self.parameters.path("data", ACTIVE_REGION_PARAMETER), "string",
                    "SSM parameter naming the region that serves (the orchestrator sets the standby's)")
        self.export("parameters_read_policy_arn", self.parameters.server_read_policy.arn, "string",
                    "IAM policy for the standby's servers: read the environment's parameters")
        for domain, domain_key in key.items():
            self.export(f"kms_key_{domain}_arn", domain_key.arn, "string", f"Standby key of the {domain} domain")
        if connects:  # the standby's app tier reaches its databases as the primary's does (IAM sign-in)
            document = DataAwsIamPolicyDocument(self, "app-data-access-document", statement=connects)
            policy = IamPolicy(self, "app-data-access", name=f"{view.name_prefix}-app-data-access",
                               description="Standby app tier: connect to the replicated databases (IAM)",
                               policy=document.json)
            self.export("app_data_access_policy_arn", policy.arn, "string",
                        "IAM policy granting the standby's app tier its data-tier access")

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
