"""The failover stack (issue 6): the DR failover orchestrator (lambda_src/dr_failover) in the standby region,
and the trigger that starts it when the primary goes down.

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

from dataclasses import replace
from pathlib import Path
from typing import Any

from cdktf import Fn, TerraformProvider
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from cdktf_cdktf_provider_aws.lambda_function_event_invoke_config import LambdaFunctionEventInvokeConfig
from cdktf_cdktf_provider_aws.lambda_permission import LambdaPermission
from cdktf_cdktf_provider_aws.sns_topic_subscription import SnsTopicSubscription
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue
from cdktf_cdktf_provider_aws.sqs_queue_policy import SqsQueuePolicy
from constructs import Construct

from configuration import BlueprintConfig
from lambda_src.packaging import DR_FAILOVER_DISTRIBUTIONS, staged_once
from modules.firewall import WorkloadSecurityGroup, WorkloadSecurityGroupProps
from modules.function import FunctionVpc, ServerlessFunction, ServerlessFunctionProps, function_log_key_grant
from modules.kms import EncryptionKey, EncryptionKeyProps
from modules.monitoring import (
    AlarmSet,
    AlarmSetProps,
    AlarmTopic,
    AlarmTopicProps,
    alarm_topic_key_grants,
    dead_letter_alarm,
    function_alarms,
)
from stacks.base import PlatformStack, StandbySite, variable
from stacks.compute import ComputeStack
from stacks.data import DataStack
from stacks.edge import EdgeStack
from stacks.network import NetworkStack

DR_FAILOVER_SOURCE = Path(__file__).resolve().parents[1] / "lambda_src" / "dr_failover"
HANDLER = "dr_failover.handler.handler"
HEALTH_ALARM_REGION = "us-east-1"
"""Route 53 publishes health-check metrics to CloudWatch in us-east-1 only, whatever the environment's region."""
TIMEOUT_SECONDS = 900
"""Lambda's maximum: promotion, launch and DNS take minutes (configuration/rto.py)."""
WAIT_TIMEOUT_SECONDS = 840
"""Longest single wait of a step, inside the 900 s invocation (the handler keeps 30 s to report a failure)."""
RETRIES = 2
"""Lambda's asynchronous retries (its default, stated): every step is idempotent, a retry resumes the run."""
MAX_EVENT_AGE_SECONDS = 3600
"""An event still undelivered after an hour (throttled behind a running failover) goes to the dead letters."""
PUBLISHERS = ("cloudwatch.amazonaws.com",)


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
        prefix = view.name_prefix
        self.alarm_name = f"{config.name_prefix}-primary-down"
        self.key = EncryptionKey(self, "failover-key", EncryptionKeyProps(
            alias=f"{prefix}-failover",
            description=f"DR failover orchestrator of {config.name_prefix}: settings, logs, timeline, dead letters",
            account_id=self.account, partition=self.partition,
            service_grants=[function_log_key_grant(self.region, self.account, self.partition),
                            *alarm_topic_key_grants(self.account, PUBLISHERS)]))
        subscribers = config.ops.alarm_subscribers
        self.timeline = AlarmTopic(self, "timeline-topic", AlarmTopicProps(
            name=f"{prefix}-failover", encryption_key=self.key, account_id=self.account,
            emails=subscribers.emails, https_endpoints=subscribers.https_endpoints, publishers=PUBLISHERS,
            partition=self.partition))
        self.dead_letter_queue = self._dead_letter_queue(f"{prefix}-failover-failures")
        group = WorkloadSecurityGroup(self, "failover-group", WorkloadSecurityGroupProps(
            name=f"{prefix}-failover", description="DR failover orchestrator: HTTPS to AWS APIs and DNS only",
            vpc_id=self.network.get_string("vpc_id"), vpc_cidr=view.network.vpc_cidr))
        self.function_name = f"{prefix}-failover"
        self.function = ServerlessFunction(self, "orchestrator", ServerlessFunctionProps(
            name=self.function_name,
            description=f"Fails {config.name_prefix} over from {config.regions.primary} to {self.region}",
            code_dir=staged_dr_failover(), handler=HANDLER, encryption_key=self.key, account_id=self.account,
            dead_letter_queue_arn=self.dead_letter_queue.arn, reserved_concurrency=1, runtime="python3.12",
            memory_mb=256, timeout_seconds=TIMEOUT_SECONDS, environment=self._environment(),
            statements=self._statements(),
            vpc=FunctionVpc(subnet_ids=self.network.get_list("app_subnet_ids"), security_group_ids=[group.id]),
            partition=self.partition))
        LambdaFunctionEventInvokeConfig(self, "orchestrator-retries", function_name=self.function.name,
                                        maximum_retry_attempts=RETRIES,
                                        maximum_event_age_in_seconds=MAX_EVENT_AGE_SECONDS)
        self._alarms()
        self.trigger_topic_arn = self._trigger()
        self.export("orchestrator_function_name", self.function.name, "string",
                    f"DR failover orchestrator in {self.region}: invoke with {{\"dry_run\": true}} to rehearse")
        self.export("orchestrator_function_arn", self.function.arn, "string", "ARN of the DR failover orchestrator")
        self.export("timeline_topic_arn", self.timeline.arn, "string",
                    f"SNS topic in {self.region} the orchestrator reports each failover's timeline to")
        self.export("trigger_alarm_name", self.alarm.alarm_name, "string",
                    f"CloudWatch alarm ({HEALTH_ALARM_REGION}) on the primary's Route 53 health check")
        self.export("dead_letter_queue_name", self.dead_letter_queue.name, "string",
                    "Failover invocations that failed after Lambda's retries (alarmed on the timeline topic)")
        if self.trigger_topic_arn is not None:
            self.export("trigger_topic_arn", self.trigger_topic_arn, "string",
                        f"SNS topic ({HEALTH_ALARM_REGION}) the alarm notifies and the orchestrator is subscribed to")

    def _alarms(self) -> None:
        """The orchestrator's own failures, on the timeline topic (the primary's ops topic may be down).
        No throttle alarm: with reserved concurrency 1, an event arriving during a failover is throttled and
        retried by Lambda on purpose."""
        (errors,) = [spec for spec in function_alarms("failover", self.function.name) if spec.key == "failover-errors"]
        rerun = ("Each step resumes where the last run stopped: after fixing the cause, invoke the function again "
                 "(first with {\"dry_run\": true}).")
        errors = replace(errors, description=f"The DR failover orchestrator {self.function_name} failed; the "
                         "timeline message names the step and whether it is retriable, its log group the details. "
                         + rerun)
        dead_letters = replace(
            dead_letter_alarm("failover", self.dead_letter_queue.name),
            description=f"A failover event failed after Lambda's {RETRIES} retries (or waited over an hour behind a "
            f"running failover): the standby may be half failed over. Read the timeline and the log of "
            f"{self.function_name}. {rerun}")
        # The standby's own queues: after a failover their failed work must reach people, and the primary
        # region's ops stack, which alarms on the primary's queues, may be gone.
        queues = [dead_letter_alarm(name, self.data.get_string(f"queue_{variable(name)}_dead_letter_name"))
                  for name in self.primary.data.queues]
        AlarmSet(self, "alarms", AlarmSetProps(name_prefix=self.config.name_prefix, alarm_actions=[self.timeline.arn],
                                               alarms=[errors, dead_letters, *queues]))

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

    def _environment(self) -> dict[str, str]:
        database = self._database()
        replicas = self._replica_ids()
        file_systems = {"FILE_SYSTEMS": Fn.jsonencode(replicas)} if replicas else {}
        return {
            "PRIMARY_REGION": self.primary.regions.primary,
            "STANDBY_REGION": self.region,
            "HEALTH_ALARM_NAME": self.alarm_name,
            "HEALTH_ALARM_REGION": HEALTH_ALARM_REGION,
            "MIN_OUTAGE_SECONDS": str(self.primary.dr.min_outage_seconds),
            "DATABASE": Fn.jsonencode(database),
            **file_systems,
            "PARAMETERS": Fn.jsonencode(self._parameter_names()),
            "FLEETS": Fn.jsonencode(self._fleets()),
            "TARGET_GROUP_ARNS": Fn.jsonencode(Fn.values(self.compute.get("target_group_arns"))),
            "DNS": Fn.jsonencode({
                "zone_id": self.edge.get_string("hosted_zone_id"),
                "record_name": self.edge.get_string("failover_record_name"),  # config.py adds the trailing dot
                "standby_dns_name": self.compute.get_string("load_balancer_dns_name"),
                "gate_health_check_id": self.edge.get_string("failover_gate_health_check_id")}),
            "TOPIC_ARN": self.timeline.arn,
            "WAIT_TIMEOUT_SECONDS": str(WAIT_TIMEOUT_SECONDS),
            "ENVIRONMENT_NAME": self.primary.name_prefix,
        }

    # -- least privilege: the calls of lambda_src/dr_failover/steps.py, on these resources ---------------

    def _arn(self, service: str, resource: str, region: str | None = None, account: bool = True) -> str:
        return (f"arn:{self.partition}:{service}:{self.region if region is None else region}:"
                f"{self.account if account else ''}:{resource}")

    def _statements(self) -> list[DataAwsIamPolicyDocumentStatement]:
        s = DataAwsIamPolicyDocumentStatement
        statements = [s(sid="ReadTheHealthAlarm", actions=["cloudwatch:DescribeAlarms"],
                        resources=[self._arn("cloudwatch", f"alarm:{self.alarm_name}", HEALTH_ALARM_REGION)])]
        identifier = self._replica_identifier()
        if identifier is not None:
            actions = ["rds:DescribeDBInstances", "rds:PromoteReadReplica"]
            if self.primary.database_multi_az(self.database):  # the promoted instance becomes Multi-AZ
                actions.append("rds:ModifyDBInstance")
            statements.append(s(sid="PromoteTheReplica", actions=actions,
                                resources=[self._arn("rds", f"db:{identifier}")]))
        global_cluster, cluster_arn = self._global_cluster(), self._standby_cluster_arn()
        if global_cluster is not None and cluster_arn is not None:
            # steps._aurora_state and _detach_aurora: describe_db_clusters(the secondary's ARN),
            # describe_global_clusters(the global id), remove_from_global_cluster(both). The Service
            # Authorization Reference (Amazon RDS) authorizes DescribeDBClusters against the cluster,
            # DescribeGlobalClusters against the global-cluster, and RemoveFromGlobalCluster against both
            # (cluster* and global-cluster*, no dependent actions): one statement per resource. A global
            # cluster's ARN has no region: arn:<partition>:rds::<account>:global-cluster:<id>.
            statements += [
                s(sid="DetachTheStandbyCluster", actions=["rds:DescribeDBClusters", "rds:RemoveFromGlobalCluster"],
                  resources=[cluster_arn]),
                s(sid="LeaveTheGlobalDatabase", actions=["rds:DescribeGlobalClusters", "rds:RemoveFromGlobalCluster"],
                  resources=[self._arn("rds", f"global-cluster:{global_cluster}", region="")])]
        statements += self._file_system_statements()
        parameters = [self._arn("ssm", f"parameter{name}") for name in self._parameter_names().values()]
        statements += [
            s(sid="ReadAndSetTheParameters", actions=["ssm:GetParameter", "ssm:PutParameter"],
              resources=sorted(parameters)),
            # DescribeParameters (the SecureString's KeyId, kept on overwrite) has no resource-level permissions.
            s(sid="FindTheParametersKey", actions=["ssm:DescribeParameters"], resources=["*"]),
            s(sid="ParametersKeyThroughSsm", actions=["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
              resources=[self.data.get_string("kms_key_config_arn")],
              condition=[DataAwsIamPolicyDocumentStatementCondition(
                  test="StringEquals", variable="kms:ViaService", values=[f"ssm.{self.region}.amazonaws.com"])]),
        ]
        compute = self.primary.compute
        if compute.fleets:
            groups = [self._arn("autoscaling", "autoScalingGroup:*:autoScalingGroupName/"
                                + self.compute.get_string(f"fleet_{variable(name)}_group_name"))
                      for name in compute.fleets]
            statements += [
                s(sid="DescribeTheGroups", actions=["autoscaling:DescribeAutoScalingGroups"], resources=["*"]),
                s(sid="ScaleTheStandbyGroups", actions=["autoscaling:UpdateAutoScalingGroup"], resources=groups)]
        if compute.services:
            cluster = self.compute.get_string("cluster_name")
            statements += [
                s(sid="ScaleTheStandbyServices", actions=["ecs:DescribeServices", "ecs:UpdateService"],
                  resources=[self._arn("ecs", f"service/{cluster}/{self._service_name(name)}")
                             for name in compute.services]),
                # The services' scaling minimums (or scale-in undoes the failover). DescribeScalableTargets has
                # no resource-level permissions; a target's ARN carries a generated id, so the account's targets
                # in the standby region are the narrowest resource RegisterScalableTarget can name.
                s(sid="DescribeTheScalingTargets", actions=["application-autoscaling:DescribeScalableTargets"],
                  resources=["*"]),
                s(sid="RaiseTheScalingMinimums", actions=["application-autoscaling:RegisterScalableTarget"],
                  resources=[self._arn("application-autoscaling", "scalable-target/*")])]
        statements += [
            s(sid="ReadTargetHealth", actions=["elasticloadbalancing:DescribeTargetHealth"], resources=["*"]),
            s(sid="PinTheGate", actions=["route53:GetHealthCheck", "route53:UpdateHealthCheck"],
              resources=[self._arn("route53", "healthcheck/" + self.edge.get_string("failover_gate_health_check_id"),
                                   region="", account=False)]),
            s(sid="ReadTheFailoverRecords", actions=["route53:ListResourceRecordSets"],
              resources=[self._arn("route53", "hostedzone/" + self.edge.get_string("hosted_zone_id"), region="",
                                   account=False)]),
            # The topic's key is the function's own: ServerlessFunction grants kms:Decrypt/GenerateDataKey on it.
            s(sid="PublishTheTimeline", actions=["sns:Publish"], resources=[self.timeline.arn]),
        ]
        return statements

    def _file_system_statements(self) -> list[DataAwsIamPolicyDocumentStatement]:
        """steps.detach_file_systems: DescribeFileSystems and DescribeReplicationConfigurations name the replica,
        DeleteReplicationConfiguration names the source and is sent to the standby region. The Service
        Authorization Reference lists the file-system resource type for all three, without saying, for the
        delete, whose ARN that is: the role may delete on the replica's and on the source id's ARN in both
        regions, each an exact file system of this environment (or a name nothing else has)."""
        replicas = self._replica_ids()
        if not replicas:
            return []
        s = DataAwsIamPolicyDocumentStatement

        def efs(file_system_id: str, region: str | None = None) -> str:
            return self._arn("elasticfilesystem", f"file-system/{file_system_id}", region)

        sources = self._source_ids()
        return [
            s(sid="DetachTheReplicas", actions=["elasticfilesystem:DescribeFileSystems",
                                                "elasticfilesystem:DescribeReplicationConfigurations",
                                                "elasticfilesystem:DeleteReplicationConfiguration"],
              resources=[efs(replica) for replica in replicas]),
            s(sid="EndTheReplicationOfTheSources", actions=["elasticfilesystem:DeleteReplicationConfiguration"],
              resources=[*(efs(source, self.primary.regions.primary) for source in sources),
                         *(efs(source) for source in sources)]),
        ]

    # -- dead letters and the trigger -------------------------------------------------------------------

    def _dead_letter_queue(self, name: str) -> SqsQueue:
        queue = SqsQueue(self, "failures", name=name, kms_master_key_id=self.key.arn,
                         message_retention_seconds=14 * 86400)
        document = DataAwsIamPolicyDocument(self, "failures-policy-document", statement=[
            DataAwsIamPolicyDocumentStatement(
                sid="DenyPlainHttp", effect="Deny", actions=["sqs:*"], resources=[queue.arn],
                principals=[DataAwsIamPolicyDocumentStatementPrincipals(type="*", identifiers=["*"])],
                condition=[DataAwsIamPolicyDocumentStatementCondition(
                    test="Bool", variable="aws:SecureTransport", values=["false"])])])
        SqsQueuePolicy(self, "failures-policy", queue_url=queue.url, policy=document.json)
        return queue

    def _us_east_1(self) -> TerraformProvider:
        if self.region == HEALTH_ALARM_REGION:
            return self.provider
        return self.aws_provider("aws-us-east-1", HEALTH_ALARM_REGION, alias="us-east-1")

    def _trigger(self) -> str | None:
        """The alarm on the primary's health check and, with dr.automatic, its way to the orchestrator.
        Returns the trigger topic's ARN (None without dr.automatic)."""
        config, prefix = self.primary, self.config.name_prefix
        provider = self._us_east_1()
        automatic = config.dr.automatic
        topic = None
        if automatic:
            key = EncryptionKey(self, "trigger-key", EncryptionKeyProps(
                alias=f"{prefix}-failover-trigger",
                description=f"Failover trigger topic of {config.name_prefix} in {HEALTH_ALARM_REGION}",
                account_id=self.account, partition=self.partition, provider=provider,
                service_grants=alarm_topic_key_grants(self.account, PUBLISHERS)))
            topic = AlarmTopic(self, "trigger-topic", AlarmTopicProps(
                name=f"{prefix}-failover-trigger", encryption_key=key, account_id=self.account,
                publishers=PUBLISHERS, partition=self.partition, provider=provider))
            permission = LambdaPermission(self, "trigger-permission", statement_id="StartFromTheHealthAlarm",
                                          action="lambda:InvokeFunction", function_name=self.function.name,
                                          principal="sns.amazonaws.com", source_arn=topic.arn)
            SnsTopicSubscription(self, "trigger-subscription", topic_arn=topic.arn, protocol="lambda",
                                 endpoint=self.function.arn, provider=provider, depends_on=[permission])
        what = (f"SNS {prefix}-failover-trigger starts the orchestrator {self.function_name} in {self.region}"
                if automatic else f"dr.automatic is false: no action; an operator invokes {self.function_name} "
                f"in {self.region} by the runbook, and it reads this alarm")
        self.alarm = CloudwatchMetricAlarm(
            self, "primary-down", provider=provider, alarm_name=self.alarm_name,
            alarm_description=(
                f"Route 53 cannot reach the primary load balancer of {config.name_prefix} in "
                f"{config.regions.primary} (HealthCheckStatus below 1 for a minute). {what}; it confirms the "
                f"outage has lasted dr.min_outage_seconds ({config.dr.min_outage_seconds} s) before failing over. "
                "Missing data counts as down: Route 53 reports every minute while the check exists, so silence "
                "means the check is gone and nothing vouches for the primary any more."),
            namespace="AWS/Route53", metric_name="HealthCheckStatus",
            dimensions={"HealthCheckId": self.edge.get_string("health_check_id")}, statistic="Minimum",
            period=60, evaluation_periods=1, threshold=1, comparison_operator="LessThanThreshold",
            treat_missing_data="breaching", alarm_actions=[topic.arn] if topic else None)
        return topic.arn if topic else None
