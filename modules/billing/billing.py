"""Two independent spending alarms: CloudWatch's EstimatedCharges alarm (near real time, account-wide) and an
AWS Budgets monthly cost budget (actual and forecast spend, with percentage thresholds).

Billing metrics exist only in us-east-1, so the alarm is created with a us-east-1 provider and notifies a
us-east-1 topic. They are published only once "Receive CloudWatch billing alerts" is switched on in the Billing
console's preferences (no API does it): until then the alarm stays INSUFFICIENT_DATA, on purpose.

Budget notifications to an SNS topic need the topic to admit budgets.amazonaws.com: the topic belongs to
another construct or stack, so the statement (and, for an encrypted topic, the key grant) is exported here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import TerraformProvider, Token
from cdktf_cdktf_provider_aws.budgets_budget import BudgetsBudget, BudgetsBudgetNotification
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from constructs import Construct

from modules.kms import ServiceGrant

BILLING_REGION = "us-east-1"
BUDGETS = "budgets.amazonaws.com"
SIX_HOURS = 21600  # AWS publishes EstimatedCharges about every six hours; a shorter period only sees gaps
MAX_NOTIFICATIONS = 10  # per budget (AWS Budgets quota)
MAX_EMAILS = 10  # email subscribers per notification, plus one SNS topic
TOPIC_ARN = re.compile(r"arn:[a-z-]+:sns:([a-z0-9-]+):\d{12}:[\w-]{1,256}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def budgets_publish_statement(topic_arn: str, account_id: str,
                              partition: str = "aws") -> DataAwsIamPolicyDocumentStatement:
    """For the policy of the topic receiving budget notifications: AWS Budgets may publish, only for budgets
    of this account (aws:SourceAccount and aws:SourceArn, the confused-deputy guard)."""
    return DataAwsIamPolicyDocumentStatement(
        sid="AllowBudgetsToPublish", actions=["sns:Publish"], resources=[topic_arn],
        principals=[DataAwsIamPolicyDocumentStatementPrincipals(type="Service", identifiers=[BUDGETS])],
        condition=[
            DataAwsIamPolicyDocumentStatementCondition(test="StringEquals", variable="aws:SourceAccount",
                                                       values=[account_id]),
            DataAwsIamPolicyDocumentStatementCondition(test="ArnLike", variable="aws:SourceArn",
                                                       values=[f"arn:{partition}:budgets::{account_id}:*"])])


def budgets_topic_key_grant(account_id: str) -> ServiceGrant:
    """What the key of an encrypted budget topic must grant (EncryptionKeyProps.service_grants)."""
    return ServiceGrant(service=BUDGETS, actions=("kms:GenerateDataKey*", "kms:Decrypt"),
                        conditions=[("StringEquals", "aws:SourceAccount", [account_id])])


@dataclass(frozen=True)
class BillingGuardProps:
    name: str
    """Budget name and alarm name prefix, e.g. 'shop-prod' (alarm 'shop-prod-estimated-charges')."""
    account_id: str
    """Account whose spending the budget tracks."""
    monthly_limit_usd: float
    """Monthly cost budget in USD; percentage thresholds are of this amount."""
    us_east_1_provider: TerraformProvider | None
    """An AWS provider for us-east-1 (the stack's alias): billing metrics exist only there. Required."""
    alarm_topic_arn: str
    """SNS topic in us-east-1 notified by the EstimatedCharges alarm (an alarm can only notify its own region)."""
    alarm_threshold_usd: float | None = None
    """Month-to-date estimated charges (USD) that raise the alarm. Default the monthly limit: the alarm is the
    backstop that fires within hours of crossing it, independent of Budgets."""
    threshold_percentages: Sequence[float] = (80, 100)
    """Budget notifications at these percentages of the limit (1-1000), each for ACTUAL and FORECASTED spend.
    Default 80 and 100: a warning with time to act, and the limit itself."""
    forecast: bool = True
    """Also notify when the month's forecast crosses a threshold: the earliest warning Budgets gives."""
    subscriber_emails: Sequence[str] = ()
    """Email addresses notified by the budget (at most 10)."""
    budget_topic_arn: str | None = None
    """SNS topic notified by the budget (any region; often the alarm topic). Its policy needs
    budgets_publish_statement, its key (if any) budgets_topic_key_grant. At least one subscriber in all."""
    estimated_charges_alarm: bool = True
    """The EstimatedCharges alarm besides the budget: it fires within hours, where budgets notify daily."""
    partition: str = "aws"

    def __post_init__(self) -> None:
        name = self.name
        if not re.fullmatch(r"[\w.+=@-]{1,100}", name):
            raise ValueError(f"billing guard name {name!r}; fix: 1-100 letters, digits or _.+=@- (Budgets refuses "
                             "':' and '\\'; the alarm name adds '-estimated-charges')")
        if not re.fullmatch(r"\d{12}", self.account_id):
            raise ValueError(f"billing guard {name!r}: account_id {self.account_id!r}; fix: the 12-digit account id")
        if not self.monthly_limit_usd > 0:
            raise ValueError(f"billing guard {name!r}: monthly_limit_usd={self.monthly_limit_usd}; "
                             "fix: a positive amount in USD")
        if self.alarm_threshold_usd is not None and not self.alarm_threshold_usd > 0:
            raise ValueError(f"billing guard {name!r}: alarm_threshold_usd={self.alarm_threshold_usd}; "
                             "fix: a positive amount in USD, or None for the monthly limit")
        if self.us_east_1_provider is None:
            raise ValueError(f"billing guard {name!r}: us_east_1_provider=None; billing metrics exist only in "
                             f"{BILLING_REGION}; fix: pass the stack's AwsProvider(region='{BILLING_REGION}', "
                             "alias=...)")
        region = getattr(self.us_east_1_provider, "region", None)
        if isinstance(region, str) and not Token.is_unresolved(region) and region != BILLING_REGION:
            raise ValueError(f"billing guard {name!r}: us_east_1_provider is for region {region!r}; "
                             f"fix: pass a provider for {BILLING_REGION}")
        _check_topic(name, "alarm_topic_arn", self.alarm_topic_arn, BILLING_REGION)
        if self.budget_topic_arn is not None:
            _check_topic(name, "budget_topic_arn", self.budget_topic_arn, None)
        if isinstance(self.threshold_percentages, (str, int, float)) or not self.threshold_percentages:
            raise ValueError(f"billing guard {name!r}: threshold_percentages={self.threshold_percentages!r}; "
                             "fix: a list such as [80, 100]")
        percentages = list(self.threshold_percentages)
        for percent in percentages:
            if not 1 <= percent <= 1000:
                raise ValueError(f"billing guard {name!r}: threshold {percent}% of the limit; fix: use 1 to 1000")
        if len(set(percentages)) != len(percentages):
            raise ValueError(f"billing guard {name!r}: threshold_percentages={percentages} repeats a value; "
                             "fix: list each percentage once")
        if len(self.notification_types) * len(percentages) > MAX_NOTIFICATIONS:
            raise ValueError(f"billing guard {name!r}: {len(percentages)} thresholds x "
                             f"{len(self.notification_types)} kinds exceed the {MAX_NOTIFICATIONS} notifications "
                             "a budget may have; fix: fewer threshold_percentages (or forecast=False)")
        if isinstance(self.subscriber_emails, str):
            raise ValueError(f"billing guard {name!r}: subscriber_emails={self.subscriber_emails!r} is a string; "
                             "fix: a list of addresses")
        if not self.subscriber_emails and not self.budget_topic_arn:
            raise ValueError(f"billing guard {name!r}: the budget has no subscriber (subscriber_emails=() and "
                             "budget_topic_arn=None); fix: pass email addresses and/or a topic ARN")
        if len(self.subscriber_emails) > MAX_EMAILS:
            raise ValueError(f"billing guard {name!r}: {len(self.subscriber_emails)} subscriber_emails; "
                             f"fix: at most {MAX_EMAILS} (send more people to the topic)")
        for email in self.subscriber_emails:
            if not EMAIL.fullmatch(email):
                raise ValueError(f"billing guard {name!r}: subscriber email {email!r}; fix: an address like "
                                 "'ops@example.com'")

    @property
    def notification_types(self) -> tuple[str, ...]:
        return ("ACTUAL", "FORECASTED") if self.forecast else ("ACTUAL",)


class BillingGuard(Construct):
    """EstimatedCharges alarm in us-east-1 and a monthly COST budget with percentage notifications."""

    def __init__(self, scope: Construct, id: str, props: BillingGuardProps) -> None:
        super().__init__(scope, id)
        limit = props.monthly_limit_usd
        threshold = props.alarm_threshold_usd if props.alarm_threshold_usd is not None else limit
        self.alarm = None if not props.estimated_charges_alarm else CloudwatchMetricAlarm(
            self, "estimated-charges-alarm", alarm_name=f"{props.name}-estimated-charges",
            alarm_description=f"Month-to-date estimated AWS charges above {threshold:,.2f} USD "
                              f"(monthly budget {limit:,.2f} USD)",
            namespace="AWS/Billing", metric_name="EstimatedCharges", dimensions={"Currency": "USD"},
            statistic="Maximum", period=SIX_HOURS, evaluation_periods=1, threshold=threshold,
            comparison_operator="GreaterThanThreshold",
            # Missing data stays INSUFFICIENT_DATA: it means billing alerts are off in the account's preferences.
            treat_missing_data="missing",
            alarm_actions=[props.alarm_topic_arn], ok_actions=[props.alarm_topic_arn],
            provider=props.us_east_1_provider)
        subscribers = {"subscriber_email_addresses": list(props.subscriber_emails) or None,
                       "subscriber_sns_topic_arns": [props.budget_topic_arn] if props.budget_topic_arn else None}
        self.budget = BudgetsBudget(
            self, "budget", name=props.name, account_id=props.account_id, budget_type="COST", time_unit="MONTHLY",
            limit_amount=f"{limit:.2f}", limit_unit="USD",
            notification=[BudgetsBudgetNotification(
                comparison_operator="GREATER_THAN", threshold=percent, threshold_type="PERCENTAGE",
                notification_type=kind, **subscribers)
                for percent in props.threshold_percentages for kind in props.notification_types],
            provider=props.us_east_1_provider)


def _check_topic(name: str, field: str, arn: str, region: str | None) -> None:
    if Token.is_unresolved(arn):
        return
    match = TOPIC_ARN.fullmatch(arn)
    if not match:
        raise ValueError(f"billing guard {name!r}: {field} {arn!r} is not an SNS topic ARN; "
                         "fix: 'arn:<partition>:sns:<region>:<account>:<topic>'")
    if region and match.group(1) != region:
        raise ValueError(f"billing guard {name!r}: {field} {arn!r} is in {match.group(1)}; the billing alarm can "
                         f"only notify a topic in its own region; fix: pass a topic in {region}")
