"""Layer 5 for the ops, account and reports stacks: real `terraform apply` against moto of notebookly's
prod ops stack (tier alarms, dashboard, CloudTrail with the CIS alarms, the budget, billing and
endpoint alarms in us-east-1 while the environment lives in ap-south-1) and account stack (password
policy, MFA-only admins, GitHub OIDC deploy role), and cafe-nimbus's prod ops stack (seed 000's alarms,
dashboard and trail) with its reports stack over it (the daily sales report: schedule, two functions
in the VPC, the hand-over, dead-letter queue, alarms on the ops topic).

The network is applied for real (security groups and Lambda VPC settings need real subnets); the
data, compute, edge and ops exports these stacks read are seeded into the S3 remote state, because the
other scenarios already apply those stacks and their outputs are all that matters here. Each stack
must apply, re-plan with no changes, show in AWS what it declares, and destroy.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from configuration import load
from tests.emulator.environments import EmulatedEnvironment, outputs_of
from tests.emulator.runbook import empty_named_buckets, stop_access_logging
from tests.harness.moto_server import MotoServer, start_moto_server
from tests.harness.terraform import TerraformWorkdir

pytestmark = [pytest.mark.emulator, pytest.mark.xdist_group("emulator-ops")]
SEEDED_LAYERS = ("data", "compute", "edge", "ops")


def _prepare(blueprint: str, root: Path, moto: MotoServer, *applied: str) -> EmulatedEnvironment:
    """Synthesize prod, create the state bucket, apply the network, seed the outputs of the producers the
    `applied` stacks read (those applied here for real excepted)."""
    env = EmulatedEnvironment(config=load(blueprint, "prod"), root=root, moto=moto)
    env.synthesize()
    network = env.workdir("network")
    network.init()
    network.apply()
    producers = {layer for stack in applied for layer in env.producers_of(stack)}
    for layer in sorted(producers & set(SEEDED_LAYERS) - set(applied)):
        env.seed(layer)
    return env


@pytest.fixture(scope="module")
def moto(tmp_path_factory) -> Iterator[MotoServer]:
    server = start_moto_server(log_path=tmp_path_factory.mktemp("ops-moto") / "moto.log")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def notebookly(moto, tmp_path_factory) -> EmulatedEnvironment:
    return _prepare("notebookly", tmp_path_factory.mktemp("ops-notebookly"), moto, "ops")


@pytest.fixture(scope="module")
def cafe(moto, tmp_path_factory) -> EmulatedEnvironment:
    return _prepare("cafe-nimbus", tmp_path_factory.mktemp("ops-cafe-nimbus"), moto, "ops", "reports")


@pytest.fixture(scope="module")
def ops(notebookly) -> TerraformWorkdir:
    return notebookly.workdir("ops")


@pytest.fixture(scope="module")
def cafe_ops(cafe) -> TerraformWorkdir:
    return cafe.workdir("ops")


@pytest.fixture(scope="module")
def reports(cafe, cafe_ops) -> TerraformWorkdir:
    """Reads the alarm topic of cafe-nimbus's ops stack, applied for real before it."""
    return cafe.workdir("reports")



def test_ops_stack_applies_and_plans_clean(ops):
    assert ops.apply_then_plan() == 0, ops.last_plan_output


def test_the_trail_records_every_region_into_its_encrypted_bucket_and_logs(notebookly, ops):
    outputs, config = outputs_of(ops), notebookly.config
    (trail,) = notebookly.client("cloudtrail").describe_trails()["trailList"]
    assert trail["TrailARN"] == outputs["trail_arn"]
    assert trail["IsMultiRegionTrail"] and trail["LogFileValidationEnabled"]
    assert trail["S3BucketName"] == outputs["trail_bucket_name"]
    assert trail["KmsKeyId"] == outputs["kms_key_arn"]
    log_group = trail["CloudWatchLogsLogGroupArn"].split(":log-group:")[1]
    assert log_group.startswith(f"/aws/cloudtrail/{config.name_prefix}")
    alarms = notebookly.client("cloudwatch").describe_alarms(AlarmNamePrefix=config.name_prefix)["MetricAlarms"]
    security = [a for a in alarms if a.get("Namespace") == f"{config.project}/{config.environment}/Security"]
    assert len(security) == 15 and all(a["AlarmActions"] == [outputs["alarm_topic_arn"]] for a in security)


def test_billing_is_watched_from_us_east_1(notebookly, ops):
    outputs, config = outputs_of(ops), notebookly.config
    assert config.regions.primary != "us-east-1"
    topic = outputs["us_east_1_alarm_topic_arn"]
    assert topic.split(":")[3] == "us-east-1"
    (alarm,) = notebookly.client("cloudwatch", "us-east-1").describe_alarms(
        AlarmNamePrefix=f"{config.name_prefix}-estimated-charges")["MetricAlarms"]
    assert alarm["Threshold"] == config.ops.budget.monthly_limit_usd and alarm["AlarmActions"] == [topic]
    budget = notebookly.client("budgets", "us-east-1").describe_budget(
        AccountId=config.account_id, BudgetName=config.name_prefix)["Budget"]
    assert float(budget["BudgetLimit"]["Amount"]) == config.ops.budget.monthly_limit_usd
    notifications = notebookly.client("budgets", "us-east-1").describe_notifications_for_budget(
        AccountId=config.account_id, BudgetName=config.name_prefix)["Notifications"]
    assert sorted({n["Threshold"] for n in notifications}) == config.ops.budget.thresholds_percent


@pytest.fixture(scope="module")
def account(notebookly) -> TerraformWorkdir:
    """notebookly prod's account stack: reads the (seeded) state stack and the ops stack applied above."""
    notebookly.seed("state", {"state_kms_key_arn": "arn:aws:kms:ap-south-1:123456789012:key/seeded-state-key"})
    return notebookly.workdir("account")


def test_account_stack_applies_and_plans_clean(ops, account):
    assert account.apply_then_plan() == 0, account.last_plan_output


def test_people_need_mfa_and_only_the_named_repository_may_deploy(notebookly, account):
    iam, config = notebookly.client("iam"), notebookly.config
    policy = iam.get_account_password_policy()["PasswordPolicy"]
    assert policy["MinimumPasswordLength"] >= 14 and policy["PasswordReusePrevention"] == 24
    assert policy["RequireSymbols"] and policy["RequireNumbers"] and policy["MaxPasswordAge"] == 90
    role = iam.get_role(RoleName=f"{config.name_prefix}-github-deploy")["Role"]
    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Principal"]["Federated"].endswith(":oidc-provider/token.actions.githubusercontent.com")
    subjects = json.dumps(statement["Condition"])
    assert "repo:notebookly/platform:environment:production" in subjects and "*" not in subjects
    (provider,) = iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
    assert provider["Arn"] == statement["Principal"]["Federated"]
    assert iam.get_group(GroupName=f"{config.name_prefix}-admins")["Group"]


def test_account_destroys_cleanly(notebookly, account):
    account.destroy()
    assert not notebookly.client("iam").list_open_id_connect_providers()["OpenIDConnectProviderList"]


def test_ops_destroys_cleanly(notebookly, ops):
    outputs = outputs_of(ops)
    stop_access_logging(ops)  # or S3 keeps writing access logs into the bucket being emptied
    empty_named_buckets(notebookly.client("s3"),
                        [outputs["trail_bucket_name"], outputs["trail_access_log_bucket_name"]])
    ops.destroy()
    assert not notebookly.client("cloudtrail").describe_trails()["trailList"]
    assert not notebookly.client("cloudwatch", "us-east-1").describe_alarms(
        AlarmNamePrefix=notebookly.config.name_prefix)["MetricAlarms"]


def test_cafe_nimbus_ops_stack_applies_and_plans_clean(cafe_ops):
    assert cafe_ops.apply_then_plan() == 0, cafe_ops.last_plan_output


def test_cafe_nimbus_alarms_reach_operations_and_the_trail_records(cafe, cafe_ops):
    """Seed 000's "what I'd add in production": alarms that reach people, a dashboard, CloudTrail."""
    outputs, config = outputs_of(cafe_ops), cafe.config
    topic = outputs["alarm_topic_arn"]
    subscriptions = cafe.client("sns").list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert {(s["Protocol"], s["Endpoint"]) for s in subscriptions} == {
        ("email", email) for email in config.ops.alarm_subscribers.emails}
    assert cafe.client("sns").get_topic_attributes(TopicArn=topic)["Attributes"]["KmsMasterKeyId"]
    alarms = cafe.client("cloudwatch").describe_alarms(AlarmNamePrefix=config.name_prefix)["MetricAlarms"]
    assert len(alarms) > 15 and all(a["AlarmActions"] == [topic] for a in alarms), [
        (a["AlarmName"], a["AlarmActions"]) for a in alarms if a["AlarmActions"] != [topic]]
    names = {a["AlarmName"] for a in alarms}
    assert {f"{config.name_prefix}-web-disk-high", f"{config.name_prefix}-web-below-minimum"} <= names, sorted(names)
    dashboards = cafe.client("cloudwatch").list_dashboards()["DashboardEntries"]
    assert outputs["dashboard_name"] in {d["DashboardName"] for d in dashboards}
    (trail,) = [t for t in cafe.client("cloudtrail").describe_trails()["trailList"]
                if t["TrailARN"] == outputs["trail_arn"]]
    assert trail["IsMultiRegionTrail"] and trail["LogFileValidationEnabled"] and trail["KmsKeyId"]


def test_reports_stack_applies_and_plans_clean(reports):
    assert reports.apply_then_plan() == 0, reports.last_plan_output


def test_the_report_runs_at_eight_local_time_and_chains_its_functions(cafe, reports):
    outputs, report = outputs_of(reports), cafe.config.ops.sales_report
    schedule = cafe.client("scheduler").get_schedule(Name=outputs["sales_report_schedule_name"])
    assert schedule["ScheduleExpression"] == "cron(0 8 * * ? *)"
    assert schedule["ScheduleExpressionTimezone"] == report.time_zone
    lambdas = cafe.client("lambda")
    extractor = lambdas.get_function_configuration(FunctionName=outputs["sales_report_extractor_name"])
    assert extractor["Environment"]["Variables"]["REPORT_TIME_ZONE"] == report.time_zone
    assert extractor["Environment"]["Variables"]["DB_TLS"] == "true"
    assert len(extractor["VpcConfig"]["SubnetIds"]) == len(cafe.config.regions.availability_zones)
    assert extractor["TracingConfig"]["Mode"] == "Active"
    chain = lambdas.get_function_event_invoke_config(FunctionName=outputs["sales_report_extractor_name"])
    report_function = lambdas.get_function_configuration(FunctionName=outputs["sales_report_function_name"])
    assert chain["DestinationConfig"]["OnSuccess"]["Destination"] == report_function["FunctionArn"]
    assert extractor["DeadLetterConfig"]["TargetArn"].endswith(":cafe-nimbus-prod-sales-failures")
    subscriptions = cafe.client("sns").list_subscriptions_by_topic(TopicArn=outputs["sales_report_topic_arn"])
    assert {s["Endpoint"] for s in subscriptions["Subscriptions"]} == set(report.recipients)
    policy = cafe.client("sqs").get_queue_attributes(QueueUrl=outputs["sales_report_failures_queue_url"],
                                                     AttributeNames=["Policy", "KmsMasterKeyId"])["Attributes"]
    assert json.loads(policy["Policy"])["Statement"][0]["Effect"] == "Deny" and policy["KmsMasterKeyId"]


def test_reports_destroy_cleanly(cafe, reports):
    reports.destroy()
    assert not cafe.client("lambda").list_functions()["Functions"]
    assert not cafe.client("scheduler").list_schedules()["Schedules"]


def test_cafe_nimbus_ops_destroys_cleanly(cafe, cafe_ops):
    outputs = outputs_of(cafe_ops)
    stop_access_logging(cafe_ops)
    empty_named_buckets(cafe.client("s3"), [outputs["trail_bucket_name"], outputs["trail_access_log_bucket_name"]])
    cafe_ops.destroy()
    assert not cafe.client("cloudtrail").describe_trails()["trailList"]
    assert not cafe.client("cloudwatch").describe_alarms(AlarmNamePrefix=cafe.config.name_prefix)["MetricAlarms"]
