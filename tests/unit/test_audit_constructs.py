"""Layer 1: the audit, billing and account guard-rail constructs (CloudTrail, CIS alarms, billing alarm and
budget, password policy, MFA-only admins, GitHub OIDC deploy role) synthesized in a small stack of their own,
and their refusal of bad props."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from cdktf import TerraformStack
from cdktf import Testing as CdktfTesting
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
)
from cdktf_cdktf_provider_aws.provider import AwsProvider

from modules.account import MFA_SELF_SERVICE, AccountGuardrails, AccountGuardrailsProps
from modules.account.guardrails import IAM_KINDS
from modules.audit import (
    CIS_CONTROLS,
    AuditTrail,
    AuditTrailProps,
    SecurityEventAlarms,
    SecurityEventAlarmsProps,
    cloudtrail_key_grants,
    trail_arn,
)
from modules.billing import BillingGuard, BillingGuardProps, budgets_publish_statement
from modules.kms import EncryptionKey, EncryptionKeyProps
from modules.s3_bucket import SecureBucket, SecureBucketProps
from tests.construct_paths import ConstructPaths, synth_with_paths
from tests.support import policy_document, policy_statement, statement_conditions

STACK = "audit-test"
REGION, ACCOUNT = "eu-west-1", "123456789012"
TRAIL = "shop-prod-audit"
TRAIL_ARN = f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/{TRAIL}"
LOG_GROUP = "/aws/cloudtrail/shop-prod-audit"
SECURITY_TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:shop-prod-security"
BILLING_TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:shop-prod-billing"
STATE_BUCKET = "arn:aws:s3:::shop-terraform-state"
STATE_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0b5a4f1e-1111-2222-3333-444455556666"
BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/shop-dev-workload-boundary"
EXISTING_OIDC = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
PLACEHOLDER = object()  # props validation never touches the referenced constructs


def _trail_props(key, bucket, **overrides) -> AuditTrailProps:
    values = dict(name=TRAIL, account_id=ACCOUNT, region=REGION, encryption_key=key, bucket=bucket,
                  log_group_name=LOG_GROUP)
    return AuditTrailProps(**{**values, **overrides})


def _alarm_props(**overrides) -> SecurityEventAlarmsProps:
    values = dict(log_group_name=LOG_GROUP, alarm_topic_arns=[SECURITY_TOPIC], name_prefix="shop-prod",
                  namespace="shop/prod/Security")
    return SecurityEventAlarmsProps(**{**values, **overrides})


def _billing_props(provider, **overrides) -> BillingGuardProps:
    values = dict(name="shop-prod", account_id=ACCOUNT, monthly_limit_usd=1500, us_east_1_provider=provider,
                  alarm_topic_arn=BILLING_TOPIC, threshold_percentages=[50, 80, 100],
                  subscriber_emails=["finance@example.com", "ops@example.com"], budget_topic_arn=BILLING_TOPIC)
    return BillingGuardProps(**{**values, **overrides})


def _guardrail_props(**overrides) -> AccountGuardrailsProps:
    values = dict(project="shop", name_prefix="shop-prod", account_id=ACCOUNT, state_bucket_arn=STATE_BUCKET,
                  state_key_prefix="shop/", state_kms_key_arn=STATE_KEY, state_region=REGION, github_org="acme",
                  github_repo="shop-infra", github_branches=["main"], github_environments=["production"])
    return AccountGuardrailsProps(**{**values, **overrides})


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    """One stack with every construct (and variants), synthesized once: (document, constructs, folder)."""
    app = CdktfTesting.app()
    stack = TerraformStack(app, STACK)
    AwsProvider(stack, "aws", region=REGION)
    us_east_1 = AwsProvider(stack, "aws-us-east-1", region="us-east-1", alias="us-east-1")
    key = EncryptionKey(stack, "audit-key", EncryptionKeyProps(
        alias="shop-prod-audit", description="CloudTrail log files and log group", account_id=ACCOUNT,
        service_grants=cloudtrail_key_grants(ACCOUNT, REGION, TRAIL, LOG_GROUP)))
    access_logs = SecureBucket(stack, "access-logs", SecureBucketProps(
        bucket_name="shop-prod-access-logs", encryption_key=None, access_logs_to=None, receives_access_logs=True,
        account_id=ACCOUNT))
    trail_bucket = SecureBucket(stack, "trail-bucket", SecureBucketProps(
        bucket_name="shop-prod-cloudtrail", encryption_key=key, access_logs_to=access_logs,
        cloudtrail_writer_trail_arn=trail_arn(ACCOUNT, REGION, TRAIL)))
    built = SimpleNamespace(key=key, trail_bucket=trail_bucket, access_logs=access_logs, us_east_1=us_east_1)
    built.trail = AuditTrail(stack, "trail", _trail_props(key, trail_bucket))
    built.alarms = SecurityEventAlarms(stack, "security-alarms",
                                       _alarm_props(log_group_name=built.trail.log_group_name))
    built.billing = BillingGuard(stack, "billing", _billing_props(us_east_1))
    built.email_only_billing = BillingGuard(stack, "email-only-billing", _billing_props(
        us_east_1, name="shop-dev", monthly_limit_usd=99.5, alarm_threshold_usd=150, threshold_percentages=[90],
        forecast=False, budget_topic_arn=None, subscriber_emails=["dev@example.com"]))
    DataAwsIamPolicyDocument(stack, "billing-topic-policy", statement=[budgets_publish_statement(BILLING_TOPIC,
                                                                                                  ACCOUNT)])
    built.guardrails = AccountGuardrails(stack, "guardrails", _guardrail_props(protected_resource_arns=[
        trail_bucket.arn, f"{trail_bucket.arn}/*", built.trail.log_group.arn, key.arn,
        f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:shop-prod-*"]))
    built.bounded = AccountGuardrails(stack, "bounded-guardrails", _guardrail_props(
        name_prefix="shop-dev", github_branches=["develop"], github_environments=[],
        existing_oidc_provider_arn=EXISTING_OIDC, iam_permissions_boundary_arn=BOUNDARY,
        managed_services=["ec2", "logs"], max_password_age_days=None, minimum_password_length=20))
    folder = tmp_path_factory.mktemp("audit-stack")
    return synth_with_paths(stack, folder), built, folder


@pytest.fixture(scope="module")
def document(synthesized):
    return synthesized[0]


def _paths(document) -> ConstructPaths:
    """Reads `document` by construct path below the test stack."""
    return ConstructPaths(document, STACK)


def _document_at(document, path: str) -> dict:
    return _paths(document).at("aws_iam_policy_document", path, "data")


def _key_arn(document) -> str:
    return _paths(document).ref("aws_kms_key", "audit-key/key", "arn")


# -- CloudTrail ---------------------------------------------------------------------------------------


def test_trail_is_multi_region_with_global_events_log_file_validation_and_the_customer_key(document):
    trail = _paths(document).at("aws_cloudtrail", "trail/trail")
    assert trail["name"] == TRAIL
    assert trail["is_multi_region_trail"] is True and trail["include_global_service_events"] is True
    assert trail["enable_log_file_validation"] is True and trail["enable_logging"] is True
    assert trail["kms_key_id"] == _key_arn(document)
    assert trail["event_selector"] == [{"include_management_events": True, "read_write_type": "All"}]
    assert "is_organization_trail" not in trail and "s3_key_prefix" not in trail


def test_trail_delivers_to_its_bucket_and_log_group_once_both_admit_it(document):
    paths = _paths(document)
    trail = paths.at("aws_cloudtrail", "trail/trail")
    assert trail["s3_bucket_name"] == paths.ref("aws_s3_bucket", "trail-bucket/bucket", "bucket")
    assert trail["cloud_watch_logs_group_arn"] == paths.ref("aws_cloudwatch_log_group", "trail/log-group", "arn") + ":*"
    assert trail["cloud_watch_logs_role_arn"] == paths.ref("aws_iam_role", "trail/role", "arn")
    assert set(trail["depends_on"]) == {
        "aws_s3_bucket_policy." + paths.logical_at("aws_s3_bucket_policy", "trail-bucket/policy"),
        "aws_iam_role_policy." + paths.logical_at("aws_iam_role_policy", "trail/role-policy")}


def test_trail_log_group_is_encrypted_with_the_key_and_kept_a_year(document):
    group = _paths(document).at("aws_cloudwatch_log_group", "trail/log-group")
    assert group["name"] == LOG_GROUP and group["kms_key_id"] == _key_arn(document)
    assert group["retention_in_days"] == 365


def test_logs_role_is_trusted_by_cloudtrail_and_writes_only_the_trail_log_streams(document):
    role = _paths(document).at("aws_iam_role", "trail/role")
    assert role["name"] == f"{TRAIL}-cloudtrail-to-logs"
    (trust,) = policy_document(document, role["assume_role_policy"])["statement"]
    assert trust["actions"] == ["sts:AssumeRole"]
    assert trust["principals"] == [{"type": "Service", "identifiers": ["cloudtrail.amazonaws.com"]}]
    assert "condition" not in trust  # CloudTrail sends no source context when assuming this role
    inline = _paths(document).at("aws_iam_role_policy", "trail/role-policy")
    assert inline["role"] == _paths(document).ref("aws_iam_role", "trail/role")
    policy = policy_document(document, inline["policy"])
    streams = _paths(document).ref("aws_cloudwatch_log_group", "trail/log-group", "arn") + \
        f":log-stream:{ACCOUNT}_CloudTrail_*"
    assert sorted((s["actions"], s["resources"]) for s in policy["statement"]) == [
        (["logs:CreateLogStream"], [streams]), (["logs:PutLogEvents"], [streams])]
    assert all(s.get("effect", "Allow") == "Allow" and "condition" not in s for s in policy["statement"])
    attached = [a for a in document["resource"].get("aws_iam_role_policy_attachment", {}).values()
                if a["role"] == _paths(document).ref("aws_iam_role", "trail/role", "name")]
    assert attached == []


def test_trail_key_admits_cloudtrail_for_this_trail_and_logs_for_its_group_only(document):
    policy = policy_document(document, _paths(document).at("aws_kms_key", "audit-key/key")["policy"])
    cloudtrail = policy_statement(policy, "AllowCloudtrail")
    assert cloudtrail["principals"] == [{"type": "Service", "identifiers": ["cloudtrail.amazonaws.com"]}]
    assert set(cloudtrail["actions"]) == {"kms:GenerateDataKey*", "kms:DescribeKey"}
    assert statement_conditions(cloudtrail) == {
        ("StringEquals", "aws:SourceArn", (TRAIL_ARN,)),
        ("StringLikeIfExists", "kms:EncryptionContext:aws:cloudtrail:arn",
         (f"arn:aws:cloudtrail:*:{ACCOUNT}:trail/*",))}
    logs = policy_statement(policy, "AllowLogs")
    assert logs["principals"] == [{"type": "Service", "identifiers": [f"logs.{REGION}.amazonaws.com"]}]
    assert statement_conditions(logs) == {("ArnEquals", "kms:EncryptionContext:aws:logs:arn",
                                           (f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{LOG_GROUP}",))}


def test_trail_bucket_admits_cloudtrail_for_this_trail_only(document):
    policy = policy_document(document, _paths(document).at("aws_s3_bucket_policy", "trail-bucket/policy")["policy"])
    bucket_arn = _paths(document).ref("aws_s3_bucket", "trail-bucket/bucket", "arn")
    acl = policy_statement(policy, "AllowCloudTrailAclCheck")
    delivery = policy_statement(policy, "AllowCloudTrailDelivery")
    for statement in (acl, delivery):
        assert statement["principals"] == [{"type": "Service", "identifiers": ["cloudtrail.amazonaws.com"]}]
        assert statement_conditions(statement) == {("StringEquals", "aws:SourceArn", (TRAIL_ARN,))}
    assert (acl["actions"], acl["resources"]) == (["s3:GetBucketAcl"], [bucket_arn])
    assert (delivery["actions"], delivery["resources"]) == (["s3:PutObject"], [f"{bucket_arn}/AWSLogs/{ACCOUNT}/*"])
    assert {s["sid"] for s in policy["statement"]} == {"DenyInsecureTransport", "DenyOutdatedTls",
                                                       "AllowCloudTrailAclCheck", "AllowCloudTrailDelivery"}


def test_buckets_without_the_trail_prop_keep_their_policy(document):
    policy = policy_document(document, _paths(document).at("aws_s3_bucket_policy", "access-logs/policy")["policy"])
    assert [s["sid"] for s in policy["statement"]] == ["DenyInsecureTransport", "DenyOutdatedTls",
                                                       "AllowServerAccessLogDelivery"]


def test_trail_refuses_a_bucket_that_does_not_admit_it(synthesized):
    built = synthesized[1]
    stack = TerraformStack(CdktfTesting.app(), "other")
    with pytest.raises(ValueError, match=r"bucket admits CloudTrail for None.*fix: .*cloudtrail_writer_trail_arn"):
        AuditTrail(stack, "trail", _trail_props(built.key, built.access_logs))


# -- CIS alarms ---------------------------------------------------------------------------------------

# The benchmark's patterns (CIS AWS Foundations v1.4 / v3.0, section 4), restated here independently.
CIS_PATTERNS = {
    "unauthorized-api-calls": '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") && '
                              '($.sourceIPAddress != "delivery.logs.amazonaws.com") && ($.eventName != "HeadBucket") }',
    "console-sign-in-without-mfa": '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }',
    "root-account-usage": '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && '
                          '$.eventType != "AwsServiceEvent" }',
    "cloudtrail-configuration-changes": "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || "
                                        "($.eventName = DeleteTrail) || ($.eventName = StartLogging) || "
                                        "($.eventName = StopLogging) }",
    "security-group-changes": "{ ($.eventName = AuthorizeSecurityGroupIngress) || "
                              "($.eventName = AuthorizeSecurityGroupEgress) || "
                              "($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) "
                              "|| ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }",
    "nacl-changes": "{ ($.eventName = CreateNetworkAcl) || ($.eventName = CreateNetworkAclEntry) || "
                    "($.eventName = DeleteNetworkAcl) || ($.eventName = DeleteNetworkAclEntry) || "
                    "($.eventName = ReplaceNetworkAclEntry) || ($.eventName = ReplaceNetworkAclAssociation) }",
    "route-table-changes": "{ ($.eventSource = ec2.amazonaws.com) && (($.eventName = CreateRoute) || "
                           "($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || "
                           "($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || "
                           "($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable)) }",
    "vpc-changes": "{ ($.eventName = CreateVpc) || ($.eventName = DeleteVpc) || ($.eventName = ModifyVpcAttribute) || "
                   "($.eventName = AcceptVpcPeeringConnection) || ($.eventName = CreateVpcPeeringConnection) || "
                   "($.eventName = DeleteVpcPeeringConnection) || ($.eventName = RejectVpcPeeringConnection) || "
                   "($.eventName = AttachClassicLinkVpc) || ($.eventName = DetachClassicLinkVpc) || "
                   "($.eventName = DisableVpcClassicLink) || ($.eventName = EnableVpcClassicLink) }",
}
# The other controls: the events each must match at least.
CIS_EVENTS = {
    "iam-policy-changes": ("PutRolePolicy", "AttachUserPolicy", "CreatePolicyVersion", "DetachGroupPolicy"),
    "console-authentication-failures": ("ConsoleLogin", '"Failed authentication"'),
    "cmk-disabled-or-scheduled-for-deletion": ("kms.amazonaws.com", "DisableKey", "ScheduleKeyDeletion"),
    "s3-bucket-policy-changes": ("s3.amazonaws.com", "PutBucketPolicy", "DeleteBucketPolicy", "PutBucketAcl"),
    "aws-config-changes": ("config.amazonaws.com", "StopConfigurationRecorder", "DeleteDeliveryChannel"),
    "network-gateway-changes": ("CreateInternetGateway", "AttachInternetGateway", "DeleteCustomerGateway"),
    "organizations-changes": ("organizations.amazonaws.com", '"LeaveOrganization"', '"CreateAccount"'),
}


def test_all_fifteen_cis_monitoring_controls_are_there():
    assert [c.cis for c in CIS_CONTROLS] == [f"4.{n}" for n in range(1, 16)]
    assert set(CIS_PATTERNS) | set(CIS_EVENTS) == {c.key for c in CIS_CONTROLS}


@pytest.mark.parametrize("key", sorted(CIS_PATTERNS))
def test_cis_filter_pattern_is_the_benchmarks(document, key):
    metric_filter = _paths(document).at("aws_cloudwatch_log_metric_filter", f"security-alarms/{key}-filter")
    assert metric_filter["pattern"] == CIS_PATTERNS[key]


@pytest.mark.parametrize("key", sorted(CIS_EVENTS))
def test_cis_filter_matches_the_controls_events(document, key):
    pattern = _paths(document).at("aws_cloudwatch_log_metric_filter", f"security-alarms/{key}-filter")["pattern"]
    assert pattern.startswith("{") and pattern.endswith("}")
    assert all(event in pattern for event in CIS_EVENTS[key])


@pytest.mark.parametrize("control", CIS_CONTROLS, ids=lambda c: c.key)
def test_each_filter_counts_on_the_trail_log_group_and_its_alarm_notifies_the_topic(document, control):
    paths = _paths(document)
    metric_filter = paths.at("aws_cloudwatch_log_metric_filter", f"security-alarms/{control.key}-filter")
    assert metric_filter["name"] == f"shop-prod-{control.key}"
    assert metric_filter["log_group_name"] == paths.ref("aws_cloudwatch_log_group", "trail/log-group", "name")
    assert metric_filter["metric_transformation"] == {
        "name": control.metric_name, "namespace": "shop/prod/Security", "value": "1"}
    alarm = paths.at("aws_cloudwatch_metric_alarm", f"security-alarms/{control.key}-alarm")
    assert alarm["alarm_name"] == f"shop-prod-{control.key}"
    assert alarm["alarm_description"].startswith(f"CIS AWS Foundations {control.cis}: ")
    assert (alarm["namespace"], alarm["metric_name"]) == ("shop/prod/Security", control.metric_name)
    assert (alarm["statistic"], alarm["period"], alarm["evaluation_periods"]) == ("Sum", 300, 1)
    assert alarm["threshold"] == 1 and alarm["comparison_operator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["treat_missing_data"] == "notBreaching"
    assert alarm["alarm_actions"] == alarm["ok_actions"] == [SECURITY_TOPIC]
    assert "provider" not in alarm  # in the trail's region, next to its log group


def test_security_alarms_are_exactly_one_per_control(document):
    alarms = [a for a in document["resource"]["aws_cloudwatch_metric_alarm"].values()
              if a.get("namespace") == "shop/prod/Security"]
    assert len(alarms) == len(document["resource"]["aws_cloudwatch_log_metric_filter"]) == 15


# -- billing ------------------------------------------------------------------------------------------


def test_billing_alarm_watches_estimated_usd_charges_in_us_east_1(document):
    alarm = _paths(document).at("aws_cloudwatch_metric_alarm", "billing/estimated-charges-alarm")
    assert alarm["provider"] == "aws.us-east-1"
    assert (alarm["namespace"], alarm["metric_name"]) == ("AWS/Billing", "EstimatedCharges")
    assert alarm["dimensions"] == {"Currency": "USD"}
    assert (alarm["statistic"], alarm["period"]) == ("Maximum", 21600)
    assert alarm["threshold"] == 1500 and alarm["comparison_operator"] == "GreaterThanThreshold"
    assert alarm["alarm_actions"] == alarm["ok_actions"] == [BILLING_TOPIC]
    other = _paths(document).at("aws_cloudwatch_metric_alarm", "email-only-billing/estimated-charges-alarm")
    assert other["threshold"] == 150 and other["provider"] == "aws.us-east-1"


def test_budget_is_a_monthly_cost_limit_with_actual_and_forecast_notifications(document):
    budget = _paths(document).at("aws_budgets_budget", "billing/budget")
    assert (budget["name"], budget["account_id"]) == ("shop-prod", ACCOUNT)
    assert (budget["budget_type"], budget["time_unit"]) == ("COST", "MONTHLY")
    assert (budget["limit_amount"], budget["limit_unit"]) == ("1500.00", "USD")
    assert budget["provider"] == "aws.us-east-1"
    notifications = budget["notification"]
    assert sorted((n["threshold"], n["notification_type"]) for n in notifications) == [
        (50, "ACTUAL"), (50, "FORECASTED"), (80, "ACTUAL"), (80, "FORECASTED"), (100, "ACTUAL"),
        (100, "FORECASTED")]
    for notification in notifications:
        assert notification["comparison_operator"] == "GREATER_THAN"
        assert notification["threshold_type"] == "PERCENTAGE"
        assert notification["subscriber_email_addresses"] == ["finance@example.com", "ops@example.com"]
        assert notification["subscriber_sns_topic_arns"] == [BILLING_TOPIC]


def test_budget_without_forecast_or_topic_notifies_emails_on_actual_spend(document):
    budget = _paths(document).at("aws_budgets_budget", "email-only-billing/budget")
    assert budget["limit_amount"] == "99.50"
    (notification,) = budget["notification"]
    assert (notification["threshold"], notification["notification_type"]) == (90, "ACTUAL")
    assert notification["subscriber_email_addresses"] == ["dev@example.com"]
    assert "subscriber_sns_topic_arns" not in notification


def test_budgets_may_publish_to_the_topic_for_this_account_only(document):
    (statement,) = _document_at(document, "billing-topic-policy")["statement"]
    assert statement["principals"] == [{"type": "Service", "identifiers": ["budgets.amazonaws.com"]}]
    assert (statement["actions"], statement["resources"]) == (["sns:Publish"], [BILLING_TOPIC])
    assert statement_conditions(statement) == {("StringEquals", "aws:SourceAccount", (ACCOUNT,)),
                                               ("ArnLike", "aws:SourceArn", (f"arn:aws:budgets::{ACCOUNT}:*",))}


# -- account guard rails ------------------------------------------------------------------------------


def test_password_policy_is_long_complex_not_reused_and_expires(document):
    policy = _paths(document).at("aws_iam_account_password_policy", "guardrails/password-policy")
    assert policy["minimum_password_length"] == 14 and policy["password_reuse_prevention"] == 24
    assert policy["max_password_age"] == 90 and policy["hard_expiry"] is False
    assert all(policy[f"require_{kind}"] is True for kind in (
        "lowercase_characters", "uppercase_characters", "numbers", "symbols"))
    assert policy["allow_users_to_change_password"] is True
    other = _paths(document).at("aws_iam_account_password_policy", "bounded-guardrails/password-policy")
    assert other["minimum_password_length"] == 20 and "max_password_age" not in other


def test_admins_can_do_nothing_but_set_up_mfa_without_mfa(document):
    group = _paths(document).at("aws_iam_group", "guardrails/admins-group")
    assert group["name"] == "shop-prod-admins"
    attachment = _paths(document).at("aws_iam_group_policy_attachment", "guardrails/admins-policy-attachment")
    assert attachment["group"] == _paths(document).ref("aws_iam_group", "guardrails/admins-group", "name")
    assert attachment["policy_arn"] == _paths(document).ref("aws_iam_policy", "guardrails/admins-policy", "arn")
    policy = policy_document(document, _paths(document).at("aws_iam_policy", "guardrails/admins-policy")["policy"])
    deny = policy_statement(policy, "BlockMostAccessUnlessSignedInWithMFA")
    assert deny["effect"] == "Deny" and deny["resources"] == ["*"] and "actions" not in deny
    assert set(deny["not_actions"]) == set(MFA_SELF_SERVICE) == {
        "iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser", "iam:ListMFADevices",
        "iam:ListVirtualMFADevices", "iam:ResyncMFADevice", "sts:GetSessionToken", "iam:ChangePassword",
        "iam:GetAccountPasswordPolicy"}
    assert statement_conditions(deny) == {("BoolIfExists", "aws:MultiFactorAuthPresent", ("false",))}
    admin = policy_statement(policy, "AdministerOnlyWithMfa")
    assert (admin["actions"], admin["resources"]) == (["*"], ["*"])
    assert statement_conditions(admin) == {("Bool", "aws:MultiFactorAuthPresent", ("true",))}
    own = policy_statement(policy, "ManageOwnPasswordAndMfa")
    assert own["resources"] == [f"arn:aws:iam::{ACCOUNT}:user/&{{aws:username}}"]  # an IAM variable, not Terraform's
    allowed_without_mfa = {a for s in policy["statement"]
                           if s.get("effect", "Allow") == "Allow" and "condition" not in s for a in s["actions"]}
    assert allowed_without_mfa <= set(MFA_SELF_SERVICE)


def test_github_oidc_provider_trusts_the_actions_issuer_for_sts(document):
    provider = _paths(document).at("aws_iam_openid_connect_provider", "guardrails/github-oidc-provider")
    assert provider["url"] == "https://token.actions.githubusercontent.com"
    assert provider["client_id_list"] == ["sts.amazonaws.com"]
    assert provider["thumbprint_list"] == ["6938fd4d98bab03faadb97b34396831e3780aea1",
                                           "1c58a3a8518e8759bf075b76b750d4f2df264fcd"]
    assert len(document["resource"]["aws_iam_openid_connect_provider"]) == 1  # the other reuses an existing one


def test_deploy_role_is_assumable_only_from_the_repositorys_main_branch_and_environment(document):
    paths = _paths(document)
    role = paths.at("aws_iam_role", "guardrails/deploy-role")
    assert role["name"] == "shop-prod-github-deploy" and role["max_session_duration"] == 3600
    (trust,) = policy_document(document, role["assume_role_policy"])["statement"]
    assert trust["actions"] == ["sts:AssumeRoleWithWebIdentity"]
    assert trust["principals"] == [{"type": "Federated", "identifiers": [
        paths.ref("aws_iam_openid_connect_provider", "guardrails/github-oidc-provider", "arn")]}]
    assert statement_conditions(trust) == {
        ("StringEquals", "token.actions.githubusercontent.com:aud", ("sts.amazonaws.com",)),
        ("StringLike", "token.actions.githubusercontent.com:sub", (
            "repo:acme/shop-infra:ref:refs/heads/main", "repo:acme/shop-infra:environment:production"))}
    other = policy_document(document, paths.at("aws_iam_role", "bounded-guardrails/deploy-role")["assume_role_policy"])
    (other_trust,) = other["statement"]
    assert other_trust["principals"][0]["identifiers"] == [EXISTING_OIDC]
    assert ("StringLike", "token.actions.githubusercontent.com:sub",
            ("repo:acme/shop-infra:ref:refs/heads/develop",)) in statement_conditions(other_trust)


def _deploy_policy(document, path: str = "guardrails") -> dict:
    inline = _paths(document).at("aws_iam_role_policy", f"{path}/deploy-policy")
    assert inline["role"] == _paths(document).ref("aws_iam_role", f"{path}/deploy-role")
    return policy_document(document, inline["policy"])


@pytest.mark.parametrize("path", ["guardrails", "bounded-guardrails"])
def test_deploy_role_is_no_administrator(document, path):
    for statement in _deploy_policy(document, path)["statement"]:
        if statement.get("effect", "Allow") != "Allow":
            continue
        actions, resources = statement.get("actions", []), statement.get("resources", [])
        assert "not_actions" not in statement and "not_resources" not in statement, statement["sid"]
        assert "*" not in actions, statement["sid"]
        assert not ("iam:*" in actions and "*" in resources), statement["sid"]
        assert not ("s3:*" in actions and "*" in resources), statement["sid"]
        if any(a.endswith(":*") for a in actions) and actions != ["s3:*"] and actions != ["iam:*"]:
            # whole services only on this account's resources tagged with the project
            assert {c[1] for c in statement_conditions(statement)} <= {
                "aws:ResourceTag/Project", "aws:RequestTag/Project"}
            assert {c[2] for c in statement_conditions(statement)} == {("shop",)}, statement["sid"]
            assert all(f":{ACCOUNT}:" in r for r in resources), statement["sid"]


def test_deploy_role_reads_and_writes_only_the_projects_state(document):
    policy = _deploy_policy(document)
    assert policy_statement(policy, "ListStateBucket")["resources"] == [STATE_BUCKET]
    state = policy_statement(policy, "ReadWriteProjectState")
    assert (state["actions"], state["resources"]) == (["s3:GetObject", "s3:PutObject"], [f"{STATE_BUCKET}/shop/*"])
    locks = policy_statement(policy, "ReleaseProjectStateLocks")
    assert (locks["actions"], locks["resources"]) == (["s3:DeleteObject"], [f"{STATE_BUCKET}/shop/*.tflock"])
    key = policy_statement(policy, "UseStateKeyThroughS3")
    assert (key["actions"], key["resources"]) == (["kms:Decrypt", "kms:GenerateDataKey"], [STATE_KEY])
    assert statement_conditions(key) == {("StringEquals", "kms:ViaService", (f"s3.{REGION}.amazonaws.com",))}
    iam_get = policy_statement(policy, "ReadIamOfThisAccount")
    # IAM refuses "iam::<account>:*" (a resource path must name its kind), so each kind is listed
    assert f"arn:aws:iam::{ACCOUNT}:role/*" in iam_get["resources"]
    assert "arn:aws:iam::aws:policy/*" in iam_get["resources"]
    assert all(r.split(":")[5].split("/")[0] in IAM_KINDS for r in iam_get["resources"][:-1])
    deny = policy_statement(policy, "DenyChangingTheStateStore")
    assert deny["effect"] == "Deny" and deny["resources"] == [STATE_BUCKET, f"{STATE_BUCKET}/*", STATE_KEY]
    assert "s3:PutBucketPolicy" not in deny["not_actions"] and "kms:ScheduleKeyDeletion" not in deny["not_actions"]


def test_deploy_role_manages_only_resources_tagged_with_the_project(document):
    policy = _deploy_policy(document)
    manage = policy_statement(policy, "ManageResourcesTaggedWithTheProject")
    create = policy_statement(policy, "CreateResourcesTaggedWithTheProject")
    assert {"ec2:*", "rds:*", "kms:*"} <= set(manage["actions"]) and manage["actions"] == create["actions"]
    assert statement_conditions(manage) == {("StringEquals", "aws:ResourceTag/Project", ("shop",))}
    assert statement_conditions(create) == {("StringEquals", "aws:RequestTag/Project", ("shop",))}
    assert manage["resources"] == create["resources"] == [f"arn:aws:{a[:-2]}:*:{ACCOUNT}:*" for a in manage["actions"]]
    read = policy_statement(policy, "ReadMetadataOfManagedServices")
    assert all(a.split(":")[1] in ("Describe*", "List*") for a in read["actions"])
    buckets = policy_statement(policy, "ManageProjectBuckets")
    assert buckets["resources"] == ["arn:aws:s3:::shop-prod-*"]
    retag = policy_statement(policy, "DenyRetaggingOtherProjectsResources")
    assert retag["effect"] == "Deny" and "ec2:CreateTags" in retag["actions"]
    assert statement_conditions(retag) == {("Null", "aws:ResourceTag/Project", ("false",)),
                                           ("StringNotEquals", "aws:ResourceTag/Project", ("shop",))}
    audit = policy_statement(policy, "DenySwitchingOffTheAuditTrail")
    assert {"cloudtrail:StopLogging", "cloudtrail:DeleteTrail"} <= set(audit["actions"])


def test_deploy_role_cannot_touch_the_audit_resources(document):
    deny = policy_statement(_deploy_policy(document), "DenyTouchingProtectedResources")
    bucket = _paths(document).ref("aws_s3_bucket", "trail-bucket/bucket", "arn")
    assert deny["effect"] == "Deny" and deny["actions"] == ["*"]
    assert deny["resources"] == [bucket, f"{bucket}/*",
                                 _paths(document).ref("aws_cloudwatch_log_group", "trail/log-group", "arn"),
                                 _key_arn(document), f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:shop-prod-*"]
    assert "DenyTouchingProtectedResources" not in {s.get("sid") for s in _deploy_policy(
        document, "bounded-guardrails")["statement"]}


def test_deploy_role_writes_iam_only_under_a_permissions_boundary(document):
    unbounded = _deploy_policy(document)
    iam_writes = [s["sid"] for s in unbounded["statement"] if s.get("effect", "Allow") == "Allow"
                  for a in s["actions"] if a.startswith("iam:") and not a.startswith(("iam:Get", "iam:List"))
                  and a != "iam:CreateServiceLinkedRole"]
    assert iam_writes == []
    bounded = _deploy_policy(document, "bounded-guardrails")
    named = [f"arn:aws:iam::{ACCOUNT}:{kind}/shop-dev-*" for kind in ("role", "policy", "instance-profile")]
    assert policy_statement(bounded, "ManageProjectIamUnderTheBoundary")["resources"] == named
    require = policy_statement(bounded, "DenyRolesWithoutTheBoundary")
    assert require["effect"] == "Deny" and require["resources"] == named[:1]
    assert statement_conditions(require) == {("StringNotEquals", "iam:PermissionsBoundary", (BOUNDARY,))}
    guarded = policy_statement(bounded, "DenyChangingTheGuardrails")
    assert guarded["effect"] == "Deny" and guarded["not_actions"] == ["iam:Get*", "iam:List*"]
    assert {f"arn:aws:iam::{ACCOUNT}:role/shop-dev-github-deploy", BOUNDARY} <= set(guarded["resources"])
    assert set(policy_statement(bounded, "ManageResourcesTaggedWithTheProject")["actions"]) == {"ec2:*", "logs:*"}


def test_deploy_policy_fits_the_inline_policy_size_limit(document):
    """IAM allows 10,240 characters of inline policy per role (whitespace excluded); estimated from the JSON."""
    for path in ("guardrails", "bounded-guardrails"):
        statements = _deploy_policy(document, path)["statement"]
        estimate = len(json.dumps(statements, separators=(",", ":")))
        assert estimate < 9000, f"{path}: about {estimate} characters"
    admins = policy_document(document, _paths(document).at(
        "aws_iam_policy", "guardrails/admins-policy")["policy"])["statement"]
    assert len(json.dumps(admins, separators=(",", ":"))) < 5000  # managed policies: 6,144


def test_no_construct_sets_a_name_tag(document):
    for instances in document["resource"].values():
        assert not any("Name" in r.get("tags", {}) for r in instances.values())


# -- bad props ----------------------------------------------------------------------------------------

BAD_PROPS = {
    "trail-name": (AuditTrailProps, dict(name="shop--audit"), "'shop--audit'", "no two separators"),
    "trail-role-too-long": (AuditTrailProps, dict(name="a" * 50), "characters", "shorten the name to 45"),
    "trail-retention-short": (AuditTrailProps, dict(log_retention_days=90), "log_retention_days=90", "(365, 400"),
    "trail-log-group": (AuditTrailProps, dict(log_group_name="cloudtrail logs"), "'cloudtrail logs'", "1-512"),
    "alarms-no-topic": (SecurityEventAlarmsProps, dict(alarm_topic_arns=[]), "alarm_topic_arns=[]",
                        "the security topic's ARN"),
    "alarms-topic-string": (SecurityEventAlarmsProps, dict(alarm_topic_arns=SECURITY_TOPIC),
                            f"alarm_topic_arns='{SECURITY_TOPIC}'", "pass a list"),
    "alarms-not-a-topic": (SecurityEventAlarmsProps, dict(alarm_topic_arns=["ops@example.com"]),
                           "'ops@example.com' is not an SNS topic", "arn:<partition>:sns"),
    "alarms-aws-namespace": (SecurityEventAlarmsProps, dict(namespace="AWS/Security"), "'AWS/Security'",
                             "not starting with 'AWS/'"),
    "billing-no-provider": (BillingGuardProps, dict(us_east_1_provider=None), "us_east_1_provider=None",
                            "AwsProvider(region='us-east-1'"),
    "billing-limit": (BillingGuardProps, dict(monthly_limit_usd=0), "monthly_limit_usd=0", "positive amount"),
    "billing-threshold-range": (BillingGuardProps, dict(threshold_percentages=[80, 1200]), "1200%",
                                "1 to 1000"),
    "billing-threshold-zero": (BillingGuardProps, dict(threshold_percentages=[0]), "threshold 0%", "1 to 1000"),
    "billing-no-subscriber": (BillingGuardProps, dict(subscriber_emails=[], budget_topic_arn=None),
                              "has no subscriber", "email addresses and/or a topic"),
    "billing-topic-region": (BillingGuardProps, dict(alarm_topic_arn=SECURITY_TOPIC), "is in eu-west-1",
                             "a topic in us-east-1"),
    "billing-too-many-notifications": (BillingGuardProps, dict(threshold_percentages=[10, 20, 30, 40, 50, 60]),
                                       "6 thresholds x 2 kinds", "fewer threshold_percentages"),
    "guardrails-wildcard-repo": (AccountGuardrailsProps, dict(github_repo="*"), "github_repo='*' is a wildcard",
                                 "name the one repo"),
    "guardrails-wildcard-org": (AccountGuardrailsProps, dict(github_org="acme*"), "github_org='acme*'",
                                "name the one org"),
    "guardrails-wildcard-branch": (AccountGuardrailsProps, dict(github_branches=["*"]), "entry '*'",
                                   "no wildcards"),
    "guardrails-nobody": (AccountGuardrailsProps, dict(github_branches=[], github_environments=[]),
                          "no github_branches and no github_environments", "github_branches=['main']"),
    "guardrails-whole-state-bucket": (AccountGuardrailsProps, dict(state_key_prefix=""), "state_key_prefix ''",
                                      "ending in '/'"),
    "guardrails-short-password": (AccountGuardrailsProps, dict(minimum_password_length=8),
                                  "minimum_password_length=8", "14 to 128"),
    "guardrails-password-reuse": (AccountGuardrailsProps, dict(password_reuse_prevention=25),
                                  "password_reuse_prevention=25", "1 to 24"),
    "guardrails-password-age": (AccountGuardrailsProps, dict(max_password_age_days=365),
                                "max_password_age_days=365", "1 to 90"),
    "guardrails-service-wildcard": (AccountGuardrailsProps, dict(managed_services=["ec2", "*"]),
                                    "managed service '*'", "not a wildcard"),
    "guardrails-iam-by-tag": (AccountGuardrailsProps, dict(managed_services=["iam"]), "managed service 'iam'",
                              "scoped by name"),
    "guardrails-protect-everything": (AccountGuardrailsProps, dict(protected_resource_arns=["*"]),
                                      "protected resource '*'", "a resource ARN"),
    "guardrails-oidc-arn": (AccountGuardrailsProps, dict(existing_oidc_provider_arn=f"arn:aws:iam::{ACCOUNT}:"
                                                                             "oidc-provider/example.com"),
                            "oidc-provider/example.com'", "oidc-provider/token.actions.githubusercontent.com"),
    "billing-name": (BillingGuardProps, dict(name="shop:prod"), "'shop:prod'", "refuses ':'"),
    "billing-thresholds-not-a-list": (BillingGuardProps, dict(threshold_percentages=80),
                                      "threshold_percentages=80", "a list such as [80, 100]"),
    "guardrails-admin-extra": (AccountGuardrailsProps, dict(extra_statements=[DataAwsIamPolicyDocumentStatement(
        actions=["*"], resources=["*"])]), "extra_statements[0] allows '*' on '*'", "name the actions"),
}


def _billing_default(**overrides):
    return _billing_props(overrides.pop("us_east_1_provider", PLACEHOLDER), **overrides)


DEFAULTS = {
    AuditTrailProps: lambda **o: _trail_props(PLACEHOLDER, PLACEHOLDER, **o),
    SecurityEventAlarmsProps: _alarm_props,
    BillingGuardProps: _billing_default,
    AccountGuardrailsProps: _guardrail_props,
}


@pytest.mark.parametrize("case", sorted(BAD_PROPS))
def test_bad_props_fail_early_naming_the_value_and_the_fix(case):
    props_type, overrides, value, fix = BAD_PROPS[case]
    with pytest.raises(ValueError) as error:
        DEFAULTS[props_type](**overrides)
    message = str(error.value)
    assert value in message and "fix:" in message and fix in message.split("fix:", 1)[1], message


def test_billing_provider_for_another_region_is_refused():
    stack = TerraformStack(CdktfTesting.app(), "wrong-region")
    provider = AwsProvider(stack, "aws", region="eu-west-1")
    with pytest.raises(ValueError, match=r"region 'eu-west-1'; fix: pass a provider for us-east-1"):
        _billing_props(provider)


def test_secure_bucket_refuses_a_trail_arn_that_is_not_one():
    with pytest.raises(ValueError, match=r"'arn:aws:s3:::x' is not a trail ARN; fix: pass modules.audit.trail_arn"):
        SecureBucketProps(bucket_name="b", encryption_key=PLACEHOLDER, access_logs_to=PLACEHOLDER,
                          cloudtrail_writer_trail_arn="arn:aws:s3:::x")


@pytest.mark.terraform
def test_synthesized_constructs_pass_terraform_validate_and_plan_offline(synthesized, tmp_path):
    """validate checks the schema; an offline plan also renders every policy document (conditions, NotAction,
    the '&{aws:username}' variable) with the real provider, which validate does not evaluate."""
    from tests.harness.terraform import TerraformWorkdir, offline_provider_overrides

    workdir = TerraformWorkdir(synthesized[2], tmp_path / "wd")
    workdir.write_override(offline_provider_overrides(workdir.stack_json))
    workdir.init(backend=False)
    workdir.validate()
    workdir.plan(extra_args=["-refresh=false"])
    assert "Plan: " in workdir.last_plan_output and " to add, 0 to change, 0 to destroy" in workdir.last_plan_output
    assert "arn:aws:iam::123456789012:user/${aws:username}" in workdir.last_plan_output
