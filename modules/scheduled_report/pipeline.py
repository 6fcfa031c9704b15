"""Seed 000's daily sales report as a pipeline nobody has to watch: EventBridge Scheduler starts the
extractor at a local time of day (daylight saving included); the extractor reads the orders database
inside the VPC with credentials from Secrets Manager and, on success, Lambda passes its result to the
report function (an asynchronous destination), which mails the report through an encrypted SNS topic.

A failure anywhere lands in one dead-letter queue: a schedule that could not start the extractor, an
extractor or report run that failed after Lambda's retries. The ops side alarms on that queue and on
the functions' errors, so a missed morning report pages someone instead of passing unnoticed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cdktf import Token
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from cdktf_cdktf_provider_aws.lambda_function_event_invoke_config import (
    LambdaFunctionEventInvokeConfig,
    LambdaFunctionEventInvokeConfigDestinationConfig,
    LambdaFunctionEventInvokeConfigDestinationConfigOnSuccess,
)
from cdktf_cdktf_provider_aws.scheduler_schedule import (
    SchedulerSchedule,
    SchedulerScheduleFlexibleTimeWindow,
    SchedulerScheduleTarget,
    SchedulerScheduleTargetDeadLetterConfig,
    SchedulerScheduleTargetRetryPolicy,
)
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue
from cdktf_cdktf_provider_aws.sqs_queue_policy import SqsQueuePolicy
from constructs import Construct

from modules.function import FunctionVpc, ServerlessFunction, ServerlessFunctionProps
from modules.iam import ServiceRole, ServiceRoleProps
from modules.kms import EncryptionKey
from modules.monitoring import NotificationTopic, NotificationTopicProps

ENGINES = ("mysql", "postgres")
CA_BUNDLE = "/var/task/sales_report/certs/rds-global-bundle.pem"  # shipped in the zip (lambda_src)
RETRIES = 2


@dataclass(frozen=True)
class OrdersDatabase:
    engine: str
    """'mysql' or 'postgres' (the extractor's drivers: PyMySQL, pg8000)."""
    endpoint: str
    port: str
    name: str
    secret_arn: str
    """The RDS-managed master secret ({"username", "password"})."""
    secret_key_arn: str
    """KMS key of that secret: the extractor may decrypt with it only through Secrets Manager."""


@dataclass(frozen=True)
class ScheduledReportProps:
    name: str
    """Prefix of every resource, e.g. 'cafe-nimbus-prod-sales'."""
    code_dir: Path
    """Staged sales_report package with its drivers (lambda_src.packaging.stage_function)."""
    database: OrdersDatabase
    vpc: FunctionVpc
    """App-tier subnets and groups that reach the database and, over HTTPS, Secrets Manager and SNS."""
    encryption_key: EncryptionKey
    """Encrypts the queue, the topic, the functions' settings and logs (needs function_log_key_grant)."""
    account_id: str
    region: str
    time_zone: str
    """IANA zone of the shop; the schedule fires at hour:minute there and the report covers its yesterday."""
    recipients: Sequence[str]
    hour: int = 8
    minute: int = 0
    currency: str = "USD"
    brand: str = "Daily"
    partition: str = "aws"

    def __post_init__(self) -> None:
        # Terraform variables (the generated HCL modules) are checked by the variables' validations instead.
        if not Token.is_unresolved(self.database.engine) and self.database.engine not in ENGINES:
            raise ValueError(f"report {self.name!r}: database engine {self.database.engine!r}; fix: one of {ENGINES}")
        if not self.recipients:
            raise ValueError(f"report {self.name!r} has no recipients: nobody would read it; fix: add e-mails")
        if not any(Token.is_unresolved(t) for t in (self.hour, self.minute)) and not (
                0 <= self.hour <= 23 and 0 <= self.minute <= 59):
            raise ValueError(f"report {self.name!r}: time {self.hour}:{self.minute}; fix: hour 0-23, minute 0-59")


class ScheduledReport(Construct):
    def __init__(self, scope: Construct, id: str, props: ScheduledReportProps) -> None:
        super().__init__(scope, id)
        key, name = props.encryption_key, props.name
        self.dead_letter_queue = SqsQueue(self, "failures", name=f"{name}-failures", kms_master_key_id=key.arn,
                                          message_retention_seconds=14 * 86400)
        SqsQueuePolicy(self, "failures-policy", queue_url=self.dead_letter_queue.url,
                       policy=self._tls_only(self.dead_letter_queue.arn).json)
        self.topic = NotificationTopic(self, "topic", NotificationTopicProps(
            name=name, encryption_key=key, account_id=props.account_id, emails=props.recipients,
            partition=props.partition))
        common = {"code_dir": props.code_dir, "encryption_key": key, "account_id": props.account_id,
                  "dead_letter_queue_arn": self.dead_letter_queue.arn, "vpc": props.vpc, "partition": props.partition}
        self.report = ServerlessFunction(self, "report", ServerlessFunctionProps(
            name=f"{name}-report", description="Formats the daily sales report and mails it (SNS)",
            handler="sales_report.report.handler", timeout_seconds=30,
            environment={"REPORT_TOPIC_ARN": self.topic.arn, "REPORT_CURRENCY": props.currency,
                         "REPORT_BRAND": props.brand},
            statements=[DataAwsIamPolicyDocumentStatement(sid="PublishTheReport", actions=["sns:Publish"],
                                                          resources=[self.topic.arn])], **common))
        db = props.database
        self.extractor = ServerlessFunction(self, "extractor", ServerlessFunctionProps(
            name=f"{name}-extractor", description="Aggregates yesterday's orders from the database",
            handler="sales_report.extractor.handler", timeout_seconds=120,
            environment={"DB_ENGINE": db.engine, "DB_HOST": db.endpoint, "DB_PORT": db.port, "DB_NAME": db.name,
                         "DB_SECRET_ARN": db.secret_arn, "DB_TLS": "true", "DB_CA_BUNDLE": CA_BUNDLE,
                         "REPORT_TIME_ZONE": props.time_zone},
            statements=[
                DataAwsIamPolicyDocumentStatement(sid="ReadTheDatabaseSecret", resources=[db.secret_arn],
                                                  actions=["secretsmanager:GetSecretValue"]),
                DataAwsIamPolicyDocumentStatement(
                    sid="DecryptTheSecretThroughSecretsManager", actions=["kms:Decrypt"], resources=[db.secret_key_arn],
                    condition=[DataAwsIamPolicyDocumentStatementCondition(
                        test="StringEquals", variable="kms:ViaService",
                        values=[f"secretsmanager.{props.region}.amazonaws.com"])]),
                DataAwsIamPolicyDocumentStatement(sid="HandOverToTheReport", actions=["lambda:InvokeFunction"],
                                                  resources=[self.report.arn])], **common))
        self._chain(props)
        self.schedule = self._schedule(props)

    def _tls_only(self, queue_arn: str) -> DataAwsIamPolicyDocument:
        return DataAwsIamPolicyDocument(self, "failures-policy-document", statement=[DataAwsIamPolicyDocumentStatement(
            sid="DenyPlainHttp", effect="Deny", actions=["sqs:*"], resources=[queue_arn],
            principals=[DataAwsIamPolicyDocumentStatementPrincipals(type="*", identifiers=["*"])],
            condition=[DataAwsIamPolicyDocumentStatementCondition(test="Bool", variable="aws:SecureTransport",
                                                                  values=["false"])])])

    def _chain(self, props: ScheduledReportProps) -> None:
        """Extractor success -> report. A failure after the retries goes to the functions' dead-letter
        queue only (an on-failure destination as well would deliver every failure twice)."""
        LambdaFunctionEventInvokeConfig(
            self, "extractor-destinations", function_name=self.extractor.name, maximum_retry_attempts=RETRIES,
            maximum_event_age_in_seconds=3600, destination_config=LambdaFunctionEventInvokeConfigDestinationConfig(
                on_success=LambdaFunctionEventInvokeConfigDestinationConfigOnSuccess(destination=self.report.arn)))
        LambdaFunctionEventInvokeConfig(
            self, "report-retries", function_name=self.report.name, maximum_retry_attempts=RETRIES,
            maximum_event_age_in_seconds=3600)

    def _schedule(self, props: ScheduledReportProps) -> SchedulerSchedule:
        role = ServiceRole(self, "scheduler-role", ServiceRoleProps(
            role_name=f"{props.name}-scheduler", service="scheduler.amazonaws.com", account_id=props.account_id,
            description="Starts the sales report extractor on schedule",
            statements=[
                DataAwsIamPolicyDocumentStatement(sid="StartTheExtractor", actions=["lambda:InvokeFunction"],
                                                  resources=[self.extractor.arn]),
                DataAwsIamPolicyDocumentStatement(sid="DeadLetters", actions=["sqs:SendMessage"],
                                                  resources=[self.dead_letter_queue.arn]),
                DataAwsIamPolicyDocumentStatement(sid="EncryptDeadLetters", actions=["kms:GenerateDataKey",
                                                                                     "kms:Decrypt"],
                                                  resources=[props.encryption_key.arn])]))
        return SchedulerSchedule(
            self, "schedule", name=f"{props.name}-daily", description="Daily sales report (seed 000: 08:00 local)",
            schedule_expression=f"cron({props.minute} {props.hour} * * ? *)",
            schedule_expression_timezone=props.time_zone,
            # No customer key: the schedule holds no data but an empty input and the target's ARN.
            flexible_time_window=SchedulerScheduleFlexibleTimeWindow(mode="OFF"),
            target=SchedulerScheduleTarget(
                arn=self.extractor.arn, role_arn=role.arn, input=json.dumps({}),
                retry_policy=SchedulerScheduleTargetRetryPolicy(maximum_retry_attempts=RETRIES,
                                                                maximum_event_age_in_seconds=3600),
                dead_letter_config=SchedulerScheduleTargetDeadLetterConfig(arn=self.dead_letter_queue.arn)))
