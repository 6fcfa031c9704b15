"""An SQS queue with its dead-letter queue (seeds 002, 003): messages that fail `max_receive_count`
times move aside for inspection instead of blocking or vanishing. Both are encrypted with a
customer key and refuse plain HTTP; only this queue may use the dead-letter queue.

The key is created by the stack, so what it must grant is exported here: `s3_sender_key_grant`
when S3 buckets send notifications to the queue (S3 encrypts the messages it sends). Producers and
consumers with IAM roles need no grant: the key policy's account root statement delegates to IAM,
and `send_policy_statements` / `consume_policy_statements` include the key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import Token
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
DEAD_LETTER_SUFFIX = "-dlq"
SEND_ACTIONS = ("sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl")
CONSUME_ACTIONS = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
                   "sqs:GetQueueAttributes", "sqs:GetQueueUrl")


def s3_sender_key_grant(account_id: str, bucket_arns: Sequence[str] = ()) -> ServiceGrant:
    """What a queue's key must grant when S3 buckets of this account send it notifications
    (optionally only those buckets)."""
    conditions: list[tuple[str, str, Sequence[str]]] = [("StringEquals", "aws:SourceAccount", [account_id])]
    if bucket_arns:
        conditions.append(("ArnLike", "aws:SourceArn", list(bucket_arns)))
    return ServiceGrant(service="s3.amazonaws.com", actions=("kms:GenerateDataKey", "kms:Decrypt"),
                        conditions=conditions)


def redrive_policy(dead_letter_arn: str, max_receive_count: int) -> str:
    """The redrive policy JSON, compact as SQS returns it, so a re-plan shows no change.
    The one place that decides its form (json.dumps here, or Fn.jsonencode)."""
    return json.dumps({"deadLetterTargetArn": dead_letter_arn, "maxReceiveCount": max_receive_count},
                      separators=(",", ":"))


def redrive_allow_policy(source_queue_arn: str) -> str:
    """Only the one source queue may move messages into the dead-letter queue."""
    return json.dumps({"redrivePermission": "byQueue", "sourceQueueArns": [source_queue_arn]},
                      separators=(",", ":"))


@dataclass(frozen=True)
class WorkQueueProps:
    name: str
    """Queue name (at most 76 characters); the dead-letter queue is '<name>-dlq'."""
    encryption_key: EncryptionKey
    """Customer key of both queues (SSE-KMS). Needs s3_sender_key_grant when allowed_senders is set."""
    account_id: str
    """Only buckets of this account may send (aws:SourceAccount)."""
    partition: str = "aws"
    region: str = "us-east-1"
    """Region of the queue, for the kms:ViaService condition of the access statements."""
    visibility_timeout_seconds: int = 60
    """Longer than a consumer takes per message, or the message is delivered twice (0-43200)."""
    message_retention_days: int = 4
    """1-14 days."""
    max_receive_count: int = 5
    """Receives before a message moves to the dead-letter queue (1-1000)."""
    dead_letter_retention_days: int = 14
    """At least the queue's retention: a message keeps its original age (enqueue time) in the
    dead-letter queue, so a shorter retention would expire it on arrival. Default the maximum."""
    kms_data_key_reuse_period_seconds: int = 300
    """How long SQS reuses a data key before calling KMS again (60-86400): fewer KMS calls, small window."""
    allowed_senders: Sequence[str] = ()
    """ARNs of S3 buckets (of this account) whose event notifications the queue accepts: the queue
    policy admits s3.amazonaws.com for exactly these (aws:SourceArn) and aws:SourceAccount, and the
    key then needs s3_sender_key_grant. Several buckets may notify one queue. Default: none."""
    s3_senders: Sequence[str] = ()
    """Deprecated alias of allowed_senders, kept while stacks/data.py passes it; both are merged."""

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,76}", self.name):
            raise ValueError(f"queue name {self.name!r}; fix: 1-76 letters, digits, hyphens or underscores "
                             f"(SQS allows 80, and the dead-letter queue adds {DEAD_LETTER_SUFFIX!r})")
        if not 0 <= self.visibility_timeout_seconds <= 43200:
            raise ValueError(f"queue {self.name!r}: visibility_timeout_seconds={self.visibility_timeout_seconds}; "
                             "fix: use 0 to 43200 (12 hours)")
        for label, days in (("message_retention_days", self.message_retention_days),
                            ("dead_letter_retention_days", self.dead_letter_retention_days)):
            if not 1 <= days <= 14:
                raise ValueError(f"queue {self.name!r}: {label}={days}; fix: SQS keeps messages 1 to 14 days")
        if self.dead_letter_retention_days < self.message_retention_days:
            raise ValueError(f"queue {self.name!r}: dead_letter_retention_days={self.dead_letter_retention_days} is "
                             f"below message_retention_days={self.message_retention_days}; messages would expire "
                             "on arrival in the dead-letter queue; fix: raise it (14 is the maximum)")
        if not 1 <= self.max_receive_count <= 1000:
            raise ValueError(f"queue {self.name!r}: max_receive_count={self.max_receive_count}; fix: use 1 to 1000")
        if not 60 <= self.kms_data_key_reuse_period_seconds <= 86400:
            raise ValueError(f"queue {self.name!r}: kms_data_key_reuse_period_seconds="
                             f"{self.kms_data_key_reuse_period_seconds}; fix: use 60 to 86400")
        for arn in self.senders:
            if not Token.is_unresolved(arn) and not re.fullmatch(r"arn:[a-z-]+:s3:::[a-z0-9][a-z0-9.-]{1,62}", arn):
                raise ValueError(f"queue {self.name!r}: allowed sender {arn!r} is not an S3 bucket ARN; "
                                 "fix: pass 'arn:<partition>:s3:::<bucket>'")

    @property
    def senders(self) -> tuple[str, ...]:
        """allowed_senders and the deprecated s3_senders, each once, in order."""
        return tuple(dict.fromkeys([*self.allowed_senders, *self.s3_senders]))


class WorkQueue(Construct):
    def __init__(self, scope: Construct, id: str, props: WorkQueueProps) -> None:
        super().__init__(scope, id)
        self.props = props
        self.encryption_key = props.encryption_key
        encryption = {"kms_master_key_id": props.encryption_key.arn,
                      "kms_data_key_reuse_period_seconds": props.kms_data_key_reuse_period_seconds}
        self.dead_letter_queue = SqsQueue(self, "dead-letter-queue", name=f"{props.name}{DEAD_LETTER_SUFFIX}",
                                          message_retention_seconds=props.dead_letter_retention_days * DAY,
                                          **encryption)
        self.queue = SqsQueue(self, "queue", name=props.name,
                              visibility_timeout_seconds=props.visibility_timeout_seconds,
                              message_retention_seconds=props.message_retention_days * DAY,
                              redrive_policy=redrive_policy(self.dead_letter_queue.arn, props.max_receive_count),
                              **encryption)
        SqsQueueRedriveAllowPolicy(self, "redrive-allow", queue_url=self.dead_letter_queue.url,
                                   redrive_allow_policy=redrive_allow_policy(self.queue.arn))
        document = DataAwsIamPolicyDocument(self, "policy-document", statement=self._statements())
        # Bucket notifications must depend on this policy: S3 checks the queue admits it when they are created.
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

    def send_policy_statements(self) -> list[DataAwsIamPolicyDocumentStatement]:
        """Send messages, and encrypt them with the queue's key through SQS only."""
        name = _camel(self.props.name)
        return [
            DataAwsIamPolicyDocumentStatement(sid=f"SendTo{name}", actions=list(SEND_ACTIONS),
                                              resources=[self.queue.arn]),
            self._key_statement(f"SendTo{name}Key", ("kms:GenerateDataKey", "kms:Decrypt")),
        ]

    def consume_policy_statements(self) -> list[DataAwsIamPolicyDocumentStatement]:
        """Receive, delete and extend messages, and decrypt them with the queue's key through SQS only."""
        name = _camel(self.props.name)
        return [
            DataAwsIamPolicyDocumentStatement(sid=f"Consume{name}", actions=list(CONSUME_ACTIONS),
                                              resources=[self.queue.arn]),
            self._key_statement(f"Consume{name}Key", ("kms:Decrypt",)),
        ]

    def access_policy_statements(self) -> list[DataAwsIamPolicyDocumentStatement]:
        """Send and consume (what the app tier does with a work queue); distinct sids, one policy."""
        return [*self.send_policy_statements(), *self.consume_policy_statements()]

    def _key_statement(self, sid: str, actions: Sequence[str]) -> DataAwsIamPolicyDocumentStatement:
        return DataAwsIamPolicyDocumentStatement(
            sid=sid, actions=list(actions), resources=[self.props.encryption_key.arn],
            condition=[DataAwsIamPolicyDocumentStatementCondition(
                test="StringEquals", variable="kms:ViaService", values=[f"sqs.{self.props.region}.amazonaws.com"])])

    def _statements(self) -> list[DataAwsIamPolicyDocumentStatement]:
        statements = [_deny_insecure_transport(self.queue.arn)]
        for index, bucket_arn in enumerate(self.props.senders):
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
    return "".join(word.capitalize() for word in re.split(r"[-_]", name))
