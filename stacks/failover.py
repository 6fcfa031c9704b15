"""The failover stack (issue 6): the DR failover orchestrator (lambda_src/dr_failover) in the standby region,
and the trigger that starts it when the primary goes down (modules.failover.FailoverOrchestrator), filled from
the configuration and the other stacks' outputs.

Built from the standby view of the configuration (BlueprintConfig.standby()): its provider is in
regions.secondary, its names carry '-dr' and its state lives under <blueprint>/<env>/standby/, beside the
other standby stacks. Only environments with a dr.strategy have it.

- The orchestrator: a Lambda function in the standby network's app subnets (HTTPS and DNS out only), timeout
  900 s, reserved concurrency 1 (one failover at a time), two asynchronous retries, then a KMS-encrypted
  dead-letter queue; its environment is exactly the contract of lambda_src/dr_failover/config.py, filled from
  the standby data and compute stacks and the PRIMARY edge stack's outputs; its role may do only the calls of
  the steps, on these resources.
- The database it makes writable (at most one, dr_rules): a data.databases instance's cross-region read
  replica, promoted (DATABASE kind "instance"), or a data.aurora cluster's standby: the secondary cluster of
  its Aurora global database, detached from the global database so that it becomes a standalone writer
  (kind "aurora-global"). Either way the endpoint parameter is <parameter_prefix>/data/database/<name>/endpoint.
- The file systems it makes writable (data.file_systems): EFS replicates each to the standby region
  (modules/file_system/replication.py); the standby data stack exports each replica's id as
  file_system_<name>_id, the primary's its source's, and the orchestrator deletes the replication (FILE_SYSTEMS).
- The timeline topic: SNS in the standby region, subscribed by ops.alarm_subscribers. The primary region's
  ops topic may be unreachable exactly when a failover runs, so the orchestrator reports here; the function's
  own errors and dead letters alarm here too, and so do the dead-letter queues of the standby's queues.
- The trigger (dr.automatic): a CloudWatch alarm on the primary's Route 53 health check in us-east-1 (where
  Route 53 publishes its metrics), whose ALARM action is an SNS topic there with the orchestrator subscribed
  (SNS delivers to a Lambda function in another region). With dr.automatic false the alarm still exists,
  without any action: the orchestrator reads it (HEALTH_ALARM_NAME) when an operator invokes it by hand, and
  the ops stack's endpoint-down alarm is what pages people.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cdktf import Fn, TerraformProvider
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import DataAwsIamPolicyDocumentStatement
from constructs import Construct

from configuration import BlueprintConfig
from lambda_src.packaging import DR_FAILOVER_DISTRIBUTIONS, staged_once
from modules.failover import HANDLER, HEALTH_ALARM_REGION, FailoverOrchestrator, FailoverOrchestratorProps, permissions
from modules.monitoring import dead_letter_alarm
from stacks.base import PlatformStack, StandbySite, variable
from stacks.compute import ComputeStack
from stacks.data import DataStack
from stacks.edge import EdgeStack
from stacks.network import NetworkStack

DR_FAILOVER_SOURCE = Path(__file__).resolve().parents[1] / "lambda_src" / "dr_failover"

__all__ = ["DR_FAILOVER_SOURCE", "HANDLER", "HEALTH_ALARM_REGION", "FailoverStack", "staged_dr_failover"]


def staged_dr_failover() -> Path:
    """The dr_failover package (no dependencies: boto3 comes with the runtime), staged once per process."""
    return staged_once(DR_FAILOVER_SOURCE, DR_FAILOVER_DISTRIBUTIONS)


class FailoverStack(StandbySite, PlatformStack):
    layer = "failover"

    def __init__(self, scope: Construct, config: BlueprintConfig) -> None:
        view = self.site_view(config)
        super().__init__(scope, view)
        self.primary = config
        if not ComputeStack.applies_to(view) or view.compute.load_balancer is None:
            raise ValueError(f"{config.name_prefix}: the failover stack needs the standby's load balancer for the "
                             "SECONDARY record (dr_rules demands a load-balanced public name); fix: add "
                             "compute.load_balancer or dr.strategy: none")
        self.network = self.remote_state(NetworkStack)
        self.data = self.remote_state(DataStack)
        self.compute = self.remote_state(ComputeStack)
        self.edge = self.remote_state(EdgeStack, site=config)  # the PRIMARY edge: health check, zone, gate
        # The PRIMARY data stack, for the replicated file systems' sources (their replication is deleted by name).
        self.primary_data = self.remote_state(DataStack, site=config) if config.data.file_systems else None
        self.region, self.account = view.regions.primary, view.account_id
        subscribers = config.ops.alarm_subscribers
        self.orchestrator = FailoverOrchestrator(self, FailoverOrchestratorProps(
            name_prefix=view.name_prefix, environment_name=config.name_prefix,
            primary_region=config.regions.primary, region=self.region, account_id=self.account,
            code_dir=staged_dr_failover(), vpc_id=self.network.get_string("vpc_id"), vpc_cidr=view.network.vpc_cidr,
            subnet_ids=self.network.get_list("app_subnet_ids"), health_check_id=self.edge.get_string("health_check_id"),
            min_outage_seconds=config.dr.min_outage_seconds, automatic=config.dr.automatic,
            alarm_provider=self._us_east_1(), contract=self._contract(), statements=self._statements(),
            emails=subscribers.emails, https_endpoints=subscribers.https_endpoints,
            # The standby's own queues: after a failover their failed work must reach people, and the primary
            # region's ops stack, which alarms on the primary's queues, may be gone.
            extra_alarms=[dead_letter_alarm(name, self.data.get_string(f"queue_{variable(name)}_dead_letter_name"))
                          for name in config.data.queues],
            partition=self.partition))
        orchestrator = self.orchestrator
        self.export("orchestrator_function_name", orchestrator.function.name, "string",
                    f"DR failover orchestrator in {self.region}: invoke with {{\"dry_run\": true}} to rehearse")
        self.export("orchestrator_function_arn", orchestrator.function.arn, "string",
                    "ARN of the DR failover orchestrator")
        self.export("timeline_topic_arn", orchestrator.timeline.arn, "string",
                    f"SNS topic in {self.region} the orchestrator reports each failover's timeline to")
        self.export("trigger_alarm_name", orchestrator.alarm.alarm_name, "string",
                    f"CloudWatch alarm ({HEALTH_ALARM_REGION}) on the primary's Route 53 health check")
        self.export("dead_letter_queue_name", orchestrator.dead_letter_queue.name, "string",
                    "Failover invocations that failed after Lambda's retries (alarmed on the timeline topic)")
        if orchestrator.trigger_topic_arn is not None:
            self.export("trigger_topic_arn", orchestrator.trigger_topic_arn, "string",
                        f"SNS topic ({HEALTH_ALARM_REGION}) the alarm notifies and the orchestrator is subscribed to")

    # -- the orchestrator's contract (lambda_src/dr_failover/config.py) ---------------------------------

    @property
    def database(self) -> str | None:
        """The one database the orchestrator makes writable, from data.databases or data.aurora (dr_rules allows
        at most one across both), or None."""
        data = self.primary.data
        return next(iter([*data.databases, *data.aurora]), None)

    @property
    def database_is_aurora(self) -> bool:
        """Whether that database is an Aurora cluster (its standby: the secondary cluster of a global database)
        rather than an instance (its standby: a cross-region read replica)."""
        return self.database is not None and self.database in self.primary.data.aurora

    def _database_output(self, suffix: str) -> str:
        """An output of the standby data stack about the database: database_<name>_<suffix>."""
        assert self.database is not None
        return self.data.get_string(f"database_{variable(self.database)}_{suffix}")

    def _parameter_names(self) -> dict[str, str]:
        """The standby's SSM parameters the orchestrator reads and sets (StandbyDataStack's hierarchy)."""
        names = {"active_region": self.data.get_string("active_region_parameter_name")}
        if self.database is not None:
            prefix = self.data.get_string("parameter_prefix")
            names["database_endpoint"] = f"{prefix}/data/database/{self.database}/endpoint"
        return names

    def _replica_identifier(self) -> str | None:
        """The standby read replica of an instance (None without a database, or for Aurora)."""
        if self.database is None or self.database_is_aurora:
            return None
        return self._database_output("identifier")

    def _global_cluster(self) -> str | None:
        """The Aurora global database's identifier (None without an Aurora database)."""
        return self._database_output("global_cluster_identifier") if self.database_is_aurora else None

    def _standby_cluster_arn(self) -> str | None:
        """The ARN of the Aurora secondary cluster in the standby region (None without an Aurora database)."""
        return self._database_output("arn") if self.database_is_aurora else None

    def _database(self) -> dict[str, Any]:
        """DATABASE of lambda_src/dr_failover/config.py."""
        global_cluster = self._global_cluster()
        if global_cluster is not None:
            return {"kind": "aurora-global", "global_cluster": global_cluster,
                    "cluster_arn": self._standby_cluster_arn()}
        identifier = self._replica_identifier()
        if identifier is None:
            return {"kind": "none"}
        spec = self.primary.data.databases[self.database]
        return {"kind": "instance", "identifier": identifier,  # once promoted, as the primary was:
                "multi_az": self.primary.database_multi_az(self.database),
                "backup_retention_days": spec.backup_retention_days}

    def _fleets(self) -> list[dict[str, Any]]:
        """The standby's workloads, raised to the PRIMARY's capacity (min_size; max_size for the groups)."""
        compute = self.primary.compute
        fleets: list[dict[str, Any]] = [
            {"kind": "asg", "name": self.compute.get_string(f"fleet_{variable(name)}_group_name"),
             "min": spec.min_size, "desired": spec.min_size, "max": spec.max_size}
            for name, spec in compute.fleets.items()]
        if compute.services:
            cluster = self.compute.get_string("cluster_name")
            fleets += [{"kind": "ecs", "cluster": cluster, "service": self._service_name(name),
                        "desired": spec.min_size} for name, spec in compute.services.items()]
        return fleets

    def _replica_ids(self) -> list[str]:
        """The standby's EFS replicas (FILE_SYSTEMS): the standby data stack's file_system_<name>_id outputs."""
        return [self.data.get_string(f"file_system_{variable(name)}_id") for name in self.primary.data.file_systems]

    def _source_ids(self) -> list[str]:
        """The replicas' sources: the primary data stack's file_system_<name>_id outputs."""
        if self.primary_data is None:
            return []
        return [self.primary_data.get_string(f"file_system_{variable(name)}_id")
                for name in self.primary.data.file_systems]

    def _service_name(self, name: str) -> str:
        return self.compute.get_string(f"service_{variable(name)}_name")

    def _contract(self) -> dict[str, str]:
        """What is failed over, as lambda_src/dr_failover/config.py reads it (modules.failover.CONTRACT)."""
        replicas = self._replica_ids()
        file_systems = {"FILE_SYSTEMS": Fn.jsonencode(replicas)} if replicas else {}
        return {
            "DATABASE": Fn.jsonencode(self._database()),
            **file_systems,
            "PARAMETERS": Fn.jsonencode(self._parameter_names()),
            "FLEETS": Fn.jsonencode(self._fleets()),
            "TARGET_GROUP_ARNS": Fn.jsonencode(Fn.values(self.compute.get("target_group_arns"))),
            "DNS": Fn.jsonencode({
                "zone_id": self.edge.get_string("hosted_zone_id"),
                "record_name": self.edge.get_string("failover_record_name"),  # config.py adds the trailing dot
                "standby_dns_name": self.compute.get_string("load_balancer_dns_name"),
                "gate_health_check_id": self.edge.get_string("failover_gate_health_check_id")}),
        }

    # -- least privilege: the calls of lambda_src/dr_failover/steps.py, on these resources ---------------

    def _arn(self, service: str, resource: str, region: str | None = None, account: bool = True) -> str:
        return (f"arn:{self.partition}:{service}:{self.region if region is None else region}:"
                f"{self.account if account else ''}:{resource}")

    def _statements(self) -> list[DataAwsIamPolicyDocumentStatement]:
        """The steps' permissions on this environment's resources (the orchestrator adds its alarm and topic)."""
        statements = []
        identifier = self._replica_identifier()
        if identifier is not None:
            statements.append(permissions.promote_replica(self._arn("rds", f"db:{identifier}"),
                                                          self.primary.database_multi_az(self.database)))
        global_cluster, cluster_arn = self._global_cluster(), self._standby_cluster_arn()
        if global_cluster is not None and cluster_arn is not None:
            statements += permissions.detach_aurora(cluster_arn,
                                                    self._arn("rds", f"global-cluster:{global_cluster}", region=""))
        statements += self._file_system_statements()
        parameters = [self._arn("ssm", f"parameter{name}") for name in self._parameter_names().values()]
        statements += permissions.set_parameters(parameters, self.data.get_string("kms_key_config_arn"), self.region)
        compute = self.primary.compute
        if compute.fleets:
            statements += permissions.scale_groups([
                self._arn("autoscaling", "autoScalingGroup:*:autoScalingGroupName/"
                          + self.compute.get_string(f"fleet_{variable(name)}_group_name")) for name in compute.fleets])
        if compute.services:
            cluster = self.compute.get_string("cluster_name")
            statements += permissions.scale_services(
                [self._arn("ecs", f"service/{cluster}/{self._service_name(name)}") for name in compute.services],
                self._arn("application-autoscaling", "scalable-target/*"))
        statements += permissions.switch_dns(
            self._arn("route53", "healthcheck/" + self.edge.get_string("failover_gate_health_check_id"), region="",
                      account=False),
            self._arn("route53", "hostedzone/" + self.edge.get_string("hosted_zone_id"), region="", account=False))
        return statements

    def _file_system_statements(self) -> list[DataAwsIamPolicyDocumentStatement]:
        """The standby's EFS replicas and their sources (the delete is allowed on the source id's ARN in both
        regions: see permissions.detach_file_systems)."""
        replicas = self._replica_ids()
        if not replicas:
            return []

        def efs(file_system_id: str, region: str | None = None) -> str:
            return self._arn("elasticfilesystem", f"file-system/{file_system_id}", region)

        sources = self._source_ids()
        return permissions.detach_file_systems(
            [efs(replica) for replica in replicas],
            [*(efs(source, self.primary.regions.primary) for source in sources), *(efs(source) for source in sources)])

    # -- the trigger's region ----------------------------------------------------------------------------

    def _us_east_1(self) -> TerraformProvider:
        if self.region == HEALTH_ALARM_REGION:
            return self.provider
        return self.aws_provider("aws-us-east-1", HEALTH_ALARM_REGION, alias="us-east-1")
