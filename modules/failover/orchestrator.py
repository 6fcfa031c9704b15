"""The DR failover orchestrator (lambda_src/dr_failover) in the standby region, and the trigger that starts it
when the primary goes down.

- The orchestrator: a Lambda function in the standby network's app subnets (HTTPS and DNS out only), timeout
  900 s, reserved concurrency 1 (one failover at a time), two asynchronous retries, then a KMS-encrypted
  dead-letter queue; its environment is the contract of lambda_src/dr_failover/config.py (the caller supplies
  what is to be failed over: DATABASE, PARAMETERS, FLEETS, ...), its role may do only the calls of the steps
  (modules.failover.permissions), on those resources.
- The timeline topic: SNS in the standby region. The primary region's alarm topic may be unreachable exactly when
  a failover runs, so the orchestrator reports here; the function's own errors and dead letters alarm here too.
- The trigger: a CloudWatch alarm on the primary's Route 53 health check in us-east-1 (where Route 53 publishes
  its metrics), whose ALARM action (when `automatic`) is an SNS topic there with the orchestrator subscribed (SNS
  delivers to a Lambda function in another region). Without `automatic` the alarm still exists, without any
  action: the orchestrator reads it (HEALTH_ALARM_NAME) when an operator invokes it by hand.

FailoverOrchestrator builds into the scope it is given, as the failover stack did before it was extracted from
it, so that stack's resource addresses (and therefore its state) did not change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from cdktf import TerraformProvider, Token
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

from modules.firewall import WorkloadSecurityGroup, WorkloadSecurityGroupProps
from modules.function import FunctionVpc, ServerlessFunction, ServerlessFunctionProps, function_log_key_grant
from modules.kms import EncryptionKey, EncryptionKeyProps
from modules.monitoring import (
    AlarmSet,
    AlarmSetProps,
    AlarmSpec,
    AlarmTopic,
    AlarmTopicProps,
    alarm_topic_key_grants,
    dead_letter_alarm,
    function_alarms,
)

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
CONTRACT = ("DATABASE", "FILE_SYSTEMS", "PARAMETERS", "FLEETS", "TARGET_GROUP_ARNS", "DNS")
"""The environment variables of lambda_src/dr_failover/config.py that say what is failed over (the caller's); the
orchestrator sets the others (regions, the alarm, the timeline topic, the wait)."""


@dataclass(frozen=True)
class FailoverOrchestratorProps:
    name_prefix: str
    """Prefix of the standby's resources, e.g. 'cafe-dr-prod-dr': key alias, topics, queue, group, function."""
    environment_name: str
    """The environment failed over, e.g. 'cafe-dr-prod': the health alarm is '<environment_name>-primary-down' and
    the timeline's messages name it."""
    primary_region: str
    region: str
    """The standby region, where the function, its topic and queue live."""
    account_id: str
    code_dir: Path
    """The staged dr_failover package (stacks.failover.staged_dr_failover)."""
    vpc_id: str
    vpc_cidr: str
    subnet_ids: Sequence[str]
    """The standby network's app subnets (a route to the AWS APIs through NAT or endpoints)."""
    health_check_id: str
    """The primary's Route 53 health check, which the trigger alarm watches."""
    min_outage_seconds: int
    """How long the alarm must have been in ALARM before the orchestrator fails over (its flap guard)."""
    alarm_provider: TerraformProvider
    """A provider in us-east-1 (HEALTH_ALARM_REGION) for the alarm and the trigger topic: the scope's own when the
    standby region is us-east-1."""
    contract: Mapping[str, str]
    """What is failed over: the CONTRACT variables, e.g. {"DATABASE": ..., "PARAMETERS": ..., ...}."""
    statements: Sequence[DataAwsIamPolicyDocumentStatement]
    """The steps' permissions on those resources (modules.failover.permissions); reading the health alarm and
    publishing to the timeline are added here."""
    automatic: bool = True
    """The alarm starts the orchestrator; False: an operator invokes it (runbook), the alarm has no action."""
    emails: Sequence[str] = ()
    """Subscribers of the timeline topic."""
    https_endpoints: Sequence[str] = ()
    extra_alarms: Sequence[AlarmSpec] = ()
    """More alarms on the timeline topic, e.g. the standby queues' dead letters (the primary's alarm topic may be
    gone after a failover)."""
    partition: str = "aws"

    def __post_init__(self) -> None:
        unknown = sorted(set(self.contract) - set(CONTRACT))
        if unknown:
            raise ValueError(f"failover {self.name_prefix!r}: contract variables {unknown} are not the caller's; fix: "
                             f"pass only {list(CONTRACT)} (the orchestrator sets the others)")

    @property
    def alarm_name(self) -> str:
        return f"{self.environment_name}-primary-down"

    @property
    def function_name(self) -> str:
        return f"{self.name_prefix}-failover"


class FailoverOrchestrator:
    """The orchestrator, its timeline, dead letters, alarms and trigger, built into `scope` (see the module doc)."""

    def __init__(self, scope: Construct, props: FailoverOrchestratorProps) -> None:
        self.scope, self.props = scope, props
        self.alarm_name, self.function_name = props.alarm_name, props.function_name
        prefix, account, partition = props.name_prefix, props.account_id, props.partition
        self.key = EncryptionKey(scope, "failover-key", EncryptionKeyProps(
            alias=f"{prefix}-failover",
            description=f"DR failover orchestrator of {props.environment_name}: settings, logs, timeline, dead letters",
            account_id=account, partition=partition,
            service_grants=[function_log_key_grant(props.region, account, partition),
                            *alarm_topic_key_grants(account, PUBLISHERS)]))
        self.timeline = AlarmTopic(scope, "timeline-topic", AlarmTopicProps(
            name=f"{prefix}-failover", encryption_key=self.key, account_id=account, emails=props.emails,
            https_endpoints=props.https_endpoints, publishers=PUBLISHERS, partition=partition))
        self.dead_letter_queue = self._dead_letter_queue(f"{prefix}-failover-failures")
        self.group = WorkloadSecurityGroup(scope, "failover-group", WorkloadSecurityGroupProps(
            name=f"{prefix}-failover", description="DR failover orchestrator: HTTPS to AWS APIs and DNS only",
            vpc_id=props.vpc_id, vpc_cidr=props.vpc_cidr))
        self.function = ServerlessFunction(scope, "orchestrator", ServerlessFunctionProps(
            name=self.function_name,
            description=f"Fails {props.environment_name} over from {props.primary_region} to {props.region}",
            code_dir=props.code_dir, handler=HANDLER, encryption_key=self.key, account_id=account,
            dead_letter_queue_arn=self.dead_letter_queue.arn, reserved_concurrency=1, runtime="python3.12",
            memory_mb=256, timeout_seconds=TIMEOUT_SECONDS, environment=self._environment(),
            statements=self._statements(),
            vpc=FunctionVpc(subnet_ids=props.subnet_ids, security_group_ids=[self.group.id]), partition=partition))
        LambdaFunctionEventInvokeConfig(scope, "orchestrator-retries", function_name=self.function.name,
                                        maximum_retry_attempts=RETRIES,
                                        maximum_event_age_in_seconds=MAX_EVENT_AGE_SECONDS)
        self._alarms()
        self.trigger_topic_arn = self._trigger()

    def _environment(self) -> dict[str, str]:
        """lambda_src/dr_failover/config.py's environment: the caller's contract and what the orchestrator knows."""
        props = self.props
        return {
            "PRIMARY_REGION": props.primary_region,
            "STANDBY_REGION": props.region,
            "HEALTH_ALARM_NAME": self.alarm_name,
            "HEALTH_ALARM_REGION": HEALTH_ALARM_REGION,
            "MIN_OUTAGE_SECONDS": _as_text(props.min_outage_seconds),
            **props.contract,
            "TOPIC_ARN": self.timeline.arn,
            "WAIT_TIMEOUT_SECONDS": str(WAIT_TIMEOUT_SECONDS),
            "ENVIRONMENT_NAME": props.environment_name,
        }

    def _statements(self) -> list[DataAwsIamPolicyDocumentStatement]:
        props, s = self.props, DataAwsIamPolicyDocumentStatement
        alarm = f"arn:{props.partition}:cloudwatch:{HEALTH_ALARM_REGION}:{props.account_id}:alarm:{self.alarm_name}"
        return [
            s(sid="ReadTheHealthAlarm", actions=["cloudwatch:DescribeAlarms"], resources=[alarm]),
            *props.statements,
            # The topic's key is the function's own: ServerlessFunction grants kms:Decrypt/GenerateDataKey on it.
            s(sid="PublishTheTimeline", actions=["sns:Publish"], resources=[self.timeline.arn]),
        ]

    def _alarms(self) -> None:
        """The orchestrator's own failures, on the timeline topic (the primary's alarm topic may be down).
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
        AlarmSet(self.scope, "alarms", AlarmSetProps(
            name_prefix=self.props.name_prefix, alarm_actions=[self.timeline.arn],
            alarms=[errors, dead_letters, *self.props.extra_alarms]))

    def _dead_letter_queue(self, name: str) -> SqsQueue:
        queue = SqsQueue(self.scope, "failures", name=name, kms_master_key_id=self.key.arn,
                         message_retention_seconds=14 * 86400)
        document = DataAwsIamPolicyDocument(self.scope, "failures-policy-document", statement=[
            DataAwsIamPolicyDocumentStatement(
                sid="DenyPlainHttp", effect="Deny", actions=["sqs:*"], resources=[queue.arn],
                principals=[DataAwsIamPolicyDocumentStatementPrincipals(type="*", identifiers=["*"])],
                condition=[DataAwsIamPolicyDocumentStatementCondition(
                    test="Bool", variable="aws:SecureTransport", values=["false"])])])
        SqsQueuePolicy(self.scope, "failures-policy", queue_url=queue.url, policy=document.json)
        return queue

    def _trigger(self) -> str | None:
        """The alarm on the primary's health check and, when automatic, its way to the orchestrator. Returns the
        trigger topic's ARN (None when not automatic)."""
        props, scope = self.props, self.scope
        provider, prefix, environment = props.alarm_provider, props.name_prefix, props.environment_name
        topic = None
        if props.automatic:
            key = EncryptionKey(scope, "trigger-key", EncryptionKeyProps(
                alias=f"{prefix}-failover-trigger",
                description=f"Failover trigger topic of {environment} in {HEALTH_ALARM_REGION}",
                account_id=props.account_id, partition=props.partition, provider=provider,
                service_grants=alarm_topic_key_grants(props.account_id, PUBLISHERS)))
            topic = AlarmTopic(scope, "trigger-topic", AlarmTopicProps(
                name=f"{prefix}-failover-trigger", encryption_key=key, account_id=props.account_id,
                publishers=PUBLISHERS, partition=props.partition, provider=provider))
            permission = LambdaPermission(scope, "trigger-permission", statement_id="StartFromTheHealthAlarm",
                                          action="lambda:InvokeFunction", function_name=self.function.name,
                                          principal="sns.amazonaws.com", source_arn=topic.arn)
            SnsTopicSubscription(scope, "trigger-subscription", topic_arn=topic.arn, protocol="lambda",
                                 endpoint=self.function.arn, provider=provider, depends_on=[permission])
        outage = _as_text(props.min_outage_seconds)
        what = (f"SNS {prefix}-failover-trigger starts the orchestrator {self.function_name} in {props.region}"
                if props.automatic else f"dr.automatic is false: no action; an operator invokes {self.function_name} "
                f"in {props.region} by the runbook, and it reads this alarm")
        self.alarm = CloudwatchMetricAlarm(
            scope, "primary-down", provider=provider, alarm_name=self.alarm_name,
            alarm_description=(
                f"Route 53 cannot reach the primary load balancer of {environment} in "
                f"{props.primary_region} (HealthCheckStatus below 1 for a minute). {what}; it confirms the "
                f"outage has lasted dr.min_outage_seconds ({outage} s) before failing over. "
                "Missing data counts as down: Route 53 reports every minute while the check exists, so silence "
                "means the check is gone and nothing vouches for the primary any more."),
            namespace="AWS/Route53", metric_name="HealthCheckStatus",
            dimensions={"HealthCheckId": props.health_check_id}, statistic="Minimum",
            period=60, evaluation_periods=1, threshold=1, comparison_operator="LessThanThreshold",
            treat_missing_data="breaching", alarm_actions=[topic.arn] if topic else None)
        return topic.arn if topic else None


def _as_text(number: int) -> str:
    """A number as text; a Terraform variable's (the generated HCL module) as the token of its string form."""
    return Token.as_string(number) if Token.is_unresolved(number) else str(number)
