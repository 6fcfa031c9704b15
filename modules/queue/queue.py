"""An SQS queue with its dead-letter queue (seeds 002, 003): messages that fail `max_receive_count`
times move aside for inspection instead of blocking or vanishing. Both are encrypted with a
customer key and refuse plain HTTP; only this queue may use the dead-letter queue."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from cdktf_cdktf_provider_aws.sqs_queue import SqsQueue
from cdktf_cdktf_provider_aws.sqs_queue_policy import SqsQueuePolicy
from cdktf_cdktf_provider_aws.sqs_queue_redrive_allow_policy import SqsQueueRedriveAllowPolicy
from constructs import Construct

from modules.kms import EncryptionKey, ServiceGrant

DAY = 86400


def s3_sender_key_grant(account_id: str) -> ServiceGrant:
    """What a queue's key must grant when S3 buckets of this account send it notifications."""
    return ServiceGrant(service="s3.amazonaws.com", actions=("kms:GenerateDataKey", "kms:Decrypt"),
                        conditions=[("StringEquals", "aws:SourceAccount", [account_id])])


def redrive_policy(dead_letter_arn: str, max_receive_count: int) -> str:
    """The redrive policy JSON, compact as SQS returns it, so a re-plan shows no change."""
    return json.dumps({"deadLetterTargetArn": dead_letter_arn, "maxReceiveCount": max_receive_count},
                      separators=(",", ":"))


@dataclass(frozen=True)
class WorkQueueProps:
    name: str
    encryption_key: EncryptionKey
    account_id: str
    partition: str = "aws"
    visibility_timeout_seconds: int = 60
    """Longer than a consumer takes per message, or the message is delivered twice."""
    message_retention_days: int = 4
    max_receive_count: int = 5
    dead_letter_retention_days: int = 14
    """At least the queue's retention: a message keeps its original age in the dead-letter queue."""
    s3_senders: Sequence[str] = ()
    """ARNs of buckets (of this account) whose notifications the queue accepts; their key needs
    s3_sender_key_grant."""
    region: str = "us-east-1"
    """Region of the queue, for the kms:ViaService condition of the access statements."""

    def __post_init__(self) -> None:
        if self.dead_letter_retention_days < self.message_retention_days:
            raise ValueError(f"queue {self.name!r}: dead_letter_retention_days={self.dead_letter_retention_days} is "
                             f"below message_retention_days={self.message_retention_days}; messages would expire "
                             "on arrival in the dead-letter queue; fix: raise it (14 is the maximum)")
        if not 1 <= self.max_receive_count <= 1000:
            raise ValueError(f"queue {self.name!r}: max_receive_count={self.max_receive_count}; fix: use 1 to 1000")


class WorkQueue(Construct):
    def __init__(self, scope: Construct, id: str, props: WorkQueueProps) -> None:
        super().__init__(scope, id)
        self.props = props
        encryption = {"kms_master_key_id": props.encryption_key.arn, "kms_data_key_reuse_period_seconds": 300}
        self.dead_letter_queue = SqsQueue(self, "dead-letter-queue", name=f"{props.name}-dlq",
                                          message_retention_seconds=props.dead_letter_retention_days * DAY,
                                          **encryption)
        self.queue = SqsQueue(self, "queue", name=props.name,
                              visibility_timeout_seconds=props.visibility_timeout_seconds,
                              message_retention_seconds=props.message_retention_days * DAY,
                              redrive_policy=redrive_policy(self.dead_letter_queue.arn, props.max_receive_count),
                              **encryption)
        SqsQueueRedriveAllowPolicy(self, "redrive-allow", queue_url=self.dead_letter_queue.url,
                                   redrive_allow_policy=json.dumps({"redrivePermission": "byQueue",
                                                                    "sourceQueueArns": [self.queue.arn]},
                                                                   separators=(",", ":")))
        document = DataAwsIamPolicyDocument(self, "policy-document", statement=self._statements())
        self.policy = SqsQueuePolicy(self, "policy", queue_url=self.queue.url, policy=document.json)
        SqsQueuePolicy(self, "dead-letter-policy", queue_url=self.dead_letter_queue.url,
                       policy=DataAwsIamPolicyDocument(self, "dead-letter-policy-document", statement=[
                           _deny_insecure_transport(self.dead_letter_queue.arn)]).json)

    @property
    def url(self) -> str:
        return self.queue.url

    @property
    def arn(self) -> str:
        return self.queue.arn

    def access_policy_statements(self) -> list[DataAwsIamPolicyDocumentStatement]:
        """Send, receive and delete messages, and use the queue's key through SQS only."""
        name = _camel(self.props.name)
        return [
            DataAwsIamPolicyDocumentStatement(
                sid=f"Use{name}", resources=[self.queue.arn],
                actions=["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
                         "sqs:GetQueueAttributes", "sqs:GetQueueUrl"]),
            DataAwsIamPolicyDocumentStatement(
                sid=f"KeyOf{name}", actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=[self.props.encryption_key.arn], condition=[DataAwsIamPolicyDocumentStatementCondition(
                    test="StringEquals", variable="kms:ViaService",
                    values=[f"sqs.{self.props.region}.amazonaws.com"])]),
        ]

    def _statements(self) -> list[DataAwsIamPolicyDocumentStatement]:
        statements = [_deny_insecure_transport(self.queue.arn)]
        for index, bucket_arn in enumerate(self.props.s3_senders):
            statements.append(DataAwsIamPolicyDocumentStatement(
                sid=f"S3Notifications{index}", actions=["sqs:SendMessage"], resources=[self.queue.arn],
                principals=[DataAwsIamPolicyDocumentStatementPrincipals(type="Service",
                                                                        identifiers=["s3.amazonaws.com"])],
                condition=[
                    DataAwsIamPolicyDocumentStatementCondition(test="ArnEquals", variable="aws:SourceArn",
                                                               values=[bucket_arn]),
                    DataAwsIamPolicyDocumentStatementCondition(test="StringEquals", variable="aws:SourceAccount",
                                                               values=[self.props.account_id])]))
        return statements

def _deny_insecure_transport(queue_arn: str) -> DataAwsIamPolicyDocumentStatement:
    return DataAwsIamPolicyDocumentStatement(
        sid="DenyInsecureTransport", effect="Deny", actions=["sqs:*"], resources=[queue_arn],
        principals=[DataAwsIamPolicyDocumentStatementPrincipals(type="*", identifiers=["*"])],
        condition=[DataAwsIamPolicyDocumentStatementCondition(test="Bool", variable="aws:SecureTransport",
                                                              values=["false"])])


def _camel(name: str) -> str:
    return "".join(word.capitalize() for word in name.split("-"))
