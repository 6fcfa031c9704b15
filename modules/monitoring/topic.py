"""The environment's alarm topic: SNS, encrypted with a customer key, subscribed by the people and
chat tools of the configuration, publishable only by this account's services over TLS.

The key is created by the stack; `alarm_topic_key_grants` is what it must grant: CloudWatch (and
whichever other services publish, e.g. budgets or EventBridge) encrypt with it when they publish.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from cdktf import TerraformIterator, TerraformProvider, Token
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from cdktf_cdktf_provider_aws.sns_topic import SnsTopic
from cdktf_cdktf_provider_aws.sns_topic_policy import SnsTopicPolicy
from cdktf_cdktf_provider_aws.sns_topic_subscription import SnsTopicSubscription
from constructs import Construct

from modules.kms import EncryptionKey, ServiceGrant
from modules.tokens import is_list_variable

PUBLISHERS = ("cloudwatch.amazonaws.com",)


def alarm_topic_key_grants(account_id: str, publishers: Sequence[str] = PUBLISHERS) -> list[ServiceGrant]:
    """What the topic's key must grant: each publishing service encrypts messages for this account only."""
    return [ServiceGrant(service=service, actions=("kms:GenerateDataKey*", "kms:Decrypt"),
                         conditions=[("StringEquals", "aws:SourceAccount", [account_id])])
            for service in publishers]


@dataclass(frozen=True)
class NotificationTopicProps:
    name: str
    """Topic name, e.g. 'notebookly-prod-alarms'."""
    encryption_key: EncryptionKey
    """Customer key (SSE-KMS); its policy needs alarm_topic_key_grants for the publishing services."""
    account_id: str
    """Only services acting for this account may publish (aws:SourceAccount)."""
    emails: Sequence[str] = ()
    """E-mail subscribers; each receives a confirmation mail it must accept."""
    https_endpoints: Sequence[str] = ()
    """HTTPS webhooks of chat or paging tools."""
    publishers: Sequence[str] = ()
    """Service principals allowed to publish (roles of this account publish through IAM)."""
    partition: str = "aws"
    provider: TerraformProvider | None = None
    """Provider (region) of the topic; the billing alarm needs a topic in us-east-1."""

    def __post_init__(self) -> None:
        if not Token.is_unresolved(self.name) and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", self.name):
            raise ValueError(f"topic name {self.name!r}; fix: 1-256 letters, digits, hyphens or underscores")
        listed = () if is_list_variable(self.https_endpoints) else self.https_endpoints  # a variable: validated
        insecure = [e for e in listed if not e.startswith("https://")]
        if insecure:
            raise ValueError(f"endpoints {insecure} are not HTTPS; fix: use https:// webhooks")


@dataclass(frozen=True)
class AlarmTopicProps(NotificationTopicProps):
    publishers: Sequence[str] = field(default_factory=lambda: PUBLISHERS)
    """Service principals allowed to publish; CloudWatch alarms always, add budgets.amazonaws.com or
    events.amazonaws.com where those notify through the topic."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if "cloudwatch.amazonaws.com" not in self.publishers:
            raise ValueError(f"publishers {list(self.publishers)} leave out cloudwatch.amazonaws.com; fix: keep it, "
                             "an alarm topic CloudWatch cannot publish to is silent")


class NotificationTopic(Construct):
    """An encrypted SNS topic with subscribers, publishable by the listed services and IAM, over TLS only."""

    def __init__(self, scope: Construct, id: str, props: NotificationTopicProps) -> None:
        super().__init__(scope, id)
        where = {"provider": props.provider}
        self.topic = SnsTopic(self, "topic", name=props.name, kms_master_key_id=props.encryption_key.arn, **where)
        self._subscribe("email", props.emails, props.provider)
        self._subscribe("https", props.https_endpoints, props.provider)
        document = DataAwsIamPolicyDocument(self, "policy-document", statement=[
            DataAwsIamPolicyDocumentStatement(
                sid="AccountManagesTopic", actions=["sns:GetTopicAttributes", "sns:SetTopicAttributes",
                                                    "sns:Subscribe", "sns:ListSubscriptionsByTopic", "sns:Publish"],
                principals=[DataAwsIamPolicyDocumentStatementPrincipals(
                    type="AWS", identifiers=[f"arn:{props.partition}:iam::{props.account_id}:root"])],
                resources=[self.topic.arn]),
            DataAwsIamPolicyDocumentStatement(
                sid="DenyPlainHttp", effect="Deny", actions=["sns:Publish"],
                principals=[DataAwsIamPolicyDocumentStatementPrincipals(type="*", identifiers=["*"])],
                resources=[self.topic.arn],
                condition=[DataAwsIamPolicyDocumentStatementCondition(
                    test="Bool", variable="aws:SecureTransport", values=["false"])]),
            *self._service_statements(props),
        ], **where)
        SnsTopicPolicy(self, "policy", arn=self.topic.arn, policy=document.json, **where)

    @property
    def arn(self) -> str:
        return self.topic.arn

    def _subscribe(self, protocol: str, endpoints: Sequence[str], provider: TerraformProvider | None) -> None:
        """A subscription per endpoint; for a Terraform list variable (a generated module's), one resource with
        for_each over its values."""
        if is_list_variable(endpoints):
            each = TerraformIterator.from_list(endpoints)
            SnsTopicSubscription(self, protocol, for_each=each, topic_arn=self.topic.arn, protocol=protocol,
                                 endpoint=Token.as_string(each.value), provider=provider)
            return
        for index, endpoint in enumerate(endpoints):
            SnsTopicSubscription(self, f"{protocol}-{index}", topic_arn=self.topic.arn, protocol=protocol,
                                 endpoint=endpoint, provider=provider)

    def _service_statements(self, props: NotificationTopicProps) -> list[DataAwsIamPolicyDocumentStatement]:
        if not props.publishers:
            return []
        return [
            DataAwsIamPolicyDocumentStatement(
                sid="ServicesOfThisAccountPublish", actions=["sns:Publish"],
                principals=[DataAwsIamPolicyDocumentStatementPrincipals(type="Service",
                                                                        identifiers=sorted(props.publishers))],
                resources=[self.topic.arn],
                condition=[DataAwsIamPolicyDocumentStatementCondition(
                    test="StringEquals", variable="aws:SourceAccount", values=[props.account_id])]),
        ]


class AlarmTopic(NotificationTopic):
    """The environment's alarm topic: CloudWatch may always publish (AlarmTopicProps checks it)."""

    def __init__(self, scope: Construct, id: str, props: AlarmTopicProps) -> None:
        super().__init__(scope, id, props)
