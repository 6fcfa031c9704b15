"""Layer 1: the reports stack (seed 000's daily sales report). EventBridge Scheduler starts the extractor
at 08:00 shop time, the extractor reads the orders database inside the VPC and hands its result to the
report function, which mails it through an encrypted topic; every failure lands in one alarmed queue.

The functions' settings are checked against what the handlers really read, the staged package against
what the settings point to, and every role against the least it needs."""

from __future__ import annotations

import ipaddress
import json
import os
import ssl
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cdktf import TerraformStack
from cdktf import Testing as CdktfTesting

import main
from configuration import BlueprintConfig, ConfigError, load
from lambda_src import packaging
from lambda_src.packaging import FIXED_MTIME, MARKER_FILE, SALES_REPORT_DISTRIBUTIONS, stage_function
from lambda_src.sales_report import report as report_handler
from lambda_src.sales_report.extractor import Settings
from modules.function import FunctionVpc, ServerlessFunctionProps
from modules.kms import EncryptionKey, EncryptionKeyProps
from modules.scheduled_report import OrdersDatabase, ScheduledReport, ScheduledReportProps
from stacks.data import DataStack
from stacks.network import NetworkStack
from stacks.ops import OpsStack
from stacks.reports import SALES_REPORT_SOURCE, ReportsStack, staged_sales_report
from synth.app import STACK_TYPES
from tests.support import ALL_ENVIRONMENTS, assert_refused, only, resources, user_config_file

ENVIRONMENTS = [("cafe-nimbus", "prod"), ("cafe-nimbus", "dev")]
REMOTE = "${data.terraform_remote_state.%s.outputs.%s}"
CA_BUNDLE = "sales_report/certs/rds-global-bundle.pem"  # relative to the staged folder (= /var/task)
KINDS = ("extractor", "report")


@dataclass(frozen=True)
class Synth:
    """One environment's configuration and its reports stack's Terraform JSON."""

    config: BlueprintConfig
    document: dict[str, Any]

    def function(self, kind: str) -> tuple[str, dict[str, Any]]:
        """(logical id, resource) of the extractor or report function."""
        name = f"{self.config.name_prefix}-sales-{kind}"
        (found,) = [(k, f) for k, f in resources(self.document, "aws_lambda_function").items()
                    if f["function_name"] == name]
        return found

    def arn(self, kind: str) -> str:
        return "${aws_lambda_function.%s.arn}" % self.function(kind)[0]

    def logical(self, resource_type: str) -> str:
        (logical,) = resources(self.document, resource_type)
        return logical

    @property
    def queue_arn(self) -> str:
        return "${aws_sqs_queue.%s.arn}" % self.logical("aws_sqs_queue")

    @property
    def topic_arn(self) -> str:
        return "${aws_sns_topic.%s.arn}" % self.logical("aws_sns_topic")

    @property
    def key_arn(self) -> str:
        return "${aws_kms_key.%s.arn}" % self.logical("aws_kms_key")

    def statements(self, reference: str) -> list[dict[str, Any]]:
        """Statements of the policy document a `${data.aws_iam_policy_document.X.json}` reference names."""
        logical = reference.removeprefix("${data.aws_iam_policy_document.").removesuffix(".json}")
        return self.document["data"]["aws_iam_policy_document"][logical]["statement"]

    def roles(self) -> dict[str, dict[str, Any]]:
        """IAM role name -> its trust statements, inline permission statements and managed policy ARNs."""
        roles = {}
        for logical, role in resources(self.document, "aws_iam_role").items():
            name_ref = "${aws_iam_role.%s.name}" % logical
            roles[role["name"]] = {
                "trust": self.statements(role["assume_role_policy"]),
                "permissions": [s for p in resources(self.document, "aws_iam_role_policy").values()
                                if p["role"] == name_ref for s in self.statements(p["policy"])],
                "managed": [a["policy_arn"] for a in resources(self.document, "aws_iam_role_policy_attachment").values()
                            if a["role"] == name_ref]}
        return roles

    def permissions(self, role_suffix: str) -> list[dict[str, Any]]:
        return self.roles()[f"{self.config.name_prefix}-sales-{role_suffix}"]["permissions"]


@pytest.fixture(scope="module")
def reports() -> dict[tuple[str, str], Synth]:
    """(blueprint, environment) -> the reports stack, synthesized on its own."""
    synths = {}
    for blueprint, environment in ENVIRONMENTS:
        config = load(blueprint, environment)
        synths[(blueprint, environment)] = Synth(
            config, json.loads(CdktfTesting.synth(ReportsStack(CdktfTesting.app(), config))))
    return synths


class _Recording(dict):
    """An environment that remembers which variables a handler asked for."""

    def __init__(self, values: dict[str, str]) -> None:
        super().__init__(values)
        self.read: set[str] = set()

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)


def _env(function: dict[str, Any]) -> dict[str, str]:
    return function["environment"]["variables"]


def _allows(statement: dict[str, Any]) -> bool:
    return statement.get("effect", "Allow") == "Allow"


def _with_action(statements: list[dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    return [s for s in statements if _allows(s) and any(a.startswith(prefix) for a in s["actions"])]


# -- the schedule -------------------------------------------------------------------------------------


@pytest.mark.parametrize("environment", ENVIRONMENTS, ids="-".join)
def test_seed_000_the_extractor_starts_at_8_new_york_time_without_a_flexible_window(reports, environment):
    stack = reports[environment]
    schedule = only(stack.document, "aws_scheduler_schedule")
    assert schedule["schedule_expression"] == "cron(0 8 * * ? *)"
    assert schedule["schedule_expression_timezone"] == "America/New_York"  # daylight saving included
    assert schedule["flexible_time_window"] == {"mode": "OFF"}
    assert schedule["name"] == f"{stack.config.name_prefix}-sales-daily"
    assert schedule["target"]["arn"] == stack.arn("extractor")
    assert json.loads(schedule["target"]["input"]) == {}  # no report_date: the extractor reports yesterday


@pytest.mark.parametrize("environment", ENVIRONMENTS, ids="-".join)
def test_a_schedule_that_cannot_start_the_extractor_retries_then_dead_letters(reports, environment):
    stack = reports[environment]
    target = only(stack.document, "aws_scheduler_schedule")["target"]
    assert target["retry_policy"] == {"maximum_retry_attempts": 2, "maximum_event_age_in_seconds": 3600}
    assert target["dead_letter_config"] == {"arn": stack.queue_arn}
    scheduler_role = next(k for k, r in resources(stack.document, "aws_iam_role").items()
                          if r["name"] == f"{stack.config.name_prefix}-sales-scheduler")
    assert target["role_arn"] == "${aws_iam_role.%s.arn}" % scheduler_role


# -- the functions' settings against what the handlers read ----------------------------------------


@pytest.mark.parametrize("environment", ENVIRONMENTS, ids="-".join)
def test_the_extractor_reads_the_orders_database_of_the_data_stack(reports, environment):
    stack = reports[environment]
    assert _env(stack.function("extractor")[1]) == {
        "DB_ENGINE": "mysql",
        "DB_HOST": REMOTE % ("data", "database_orders_endpoint"),
        "DB_PORT": REMOTE % ("data", "database_orders_port"),
        "DB_NAME": "cafe",
        "DB_SECRET_ARN": REMOTE % ("data", "database_orders_secret_arn"),
        "DB_TLS": "true",
        "DB_CA_BUNDLE": f"/var/task/{CA_BUNDLE}",
        "REPORT_TIME_ZONE": "America/New_York",
    }


@pytest.mark.parametrize("environment", ENVIRONMENTS, ids="-".join)
def test_every_extractor_variable_is_one_settings_from_env_reads_and_it_accepts_them(reports, environment):
    variables = dict(_env(reports[environment].function("extractor")[1]))
    variables["DB_PORT"] = "3306"  # the data stack's output, resolved at apply time
    env = _Recording(variables)
    settings = Settings.from_env(env)
    assert set(variables) <= env.read, f"variables the extractor never reads: {set(variables) - env.read}"
    assert env.read - set(variables) == {"DB_TIMEOUT_SECONDS"}  # the only setting left to its default
    assert (settings.engine, settings.port, settings.database, settings.tls) == ("mysql", 3306, "cafe", True)
    assert settings.time_zone.key == "America/New_York"
    assert settings.secret_arn == REMOTE % ("data", "database_orders_secret_arn")
    assert settings.ca_bundle == f"/var/task/{CA_BUNDLE}"


def test_the_ca_bundle_the_extractor_trusts_is_in_the_staged_package_and_holds_the_regions_rds_ca(reports):
    stack = reports[("cafe-nimbus", "prod")]
    path = _env(stack.function("extractor")[1])["DB_CA_BUNDLE"]
    staged = staged_sales_report() / CA_BUNDLE
    assert staged.is_file()
    assert path.endswith("/" + CA_BUNDLE) and path.startswith("/var/task/")  # Lambda unpacks the zip there
    names = [dict(pair[0] for pair in ca["subject"]).get("commonName", "")
             for ca in ssl.create_default_context(cafile=str(staged)).get_ca_certs()]
    region = stack.config.regions.primary
    assert any(name.startswith(f"Amazon RDS {region} Root CA") for name in names), names


@pytest.mark.parametrize("environment", ENVIRONMENTS, ids="-".join)
def test_the_report_publishes_to_its_topic_in_dollars_under_the_cafes_name(reports, environment):
    stack = reports[environment]
    variables = _env(stack.function("report")[1])
    assert variables == {"REPORT_TOPIC_ARN": stack.topic_arn, "REPORT_CURRENCY": "USD", "REPORT_BRAND": "Cafe Nimbus"}
    env = _Recording(variables)
    assert report_handler._settings(env) == (stack.topic_arn, "USD", "Cafe Nimbus")
    assert env.read == set(variables)


def test_the_handlers_and_the_mysql_driver_import_from_the_staged_folder_alone(reports):
    stack = reports[("cafe-nimbus", "prod")]
    handlers = {kind: stack.function(kind)[1]["handler"] for kind in KINDS}
    assert handlers == {"extractor": "sales_report.extractor.handler", "report": "sales_report.report.handler"}
    probe = ("import importlib, sys; sys.path.insert(0, sys.argv[1]); "
             "[getattr(importlib.import_module(h.rpartition('.')[0]), h.rpartition('.')[2]) for h in sys.argv[2:]]; "
             "import pymysql; assert pymysql.__file__.startswith(sys.argv[1]), pymysql.__file__")
    # -I: no site-packages, no PYTHONPATH, no current folder: only the stdlib and the staged code;
    # -B: no __pycache__ written into the staged folder (it is what the zip is made of)
    result = subprocess.run([sys.executable, "-I", "-B", "-c", probe, str(staged_sales_report()), *handlers.values()],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr


# -- the functions -----------------------------------------------------------------------------------


@pytest.mark.parametrize("environment", ENVIRONMENTS, ids="-".join)
@pytest.mark.parametrize("kind", KINDS)
def test_both_functions_are_hardened_and_bounded(reports, environment, kind):
    stack = reports[environment]
    function = stack.function(kind)[1]
    assert function["runtime"] == "python3.12" and function["architectures"] == ["arm64"]
    assert function["tracing_config"] == {"mode": "Active"}
    assert function["reserved_concurrent_executions"] == 1  # one database connection at most
    assert function["kms_key_arn"] == stack.key_arn
    assert function["dead_letter_config"] == {"target_arn": stack.queue_arn}


@pytest.mark.parametrize("environment", ENVIRONMENTS, ids="-".join)
@pytest.mark.parametrize("kind", KINDS)
def test_each_function_logs_json_into_its_own_encrypted_log_group(reports, environment, kind):
    stack = reports[environment]
    function = stack.function(kind)[1]
    (logical, group), = [(k, g) for k, g in resources(stack.document, "aws_cloudwatch_log_group").items()
                         if g["name"] == f"/aws/lambda/{function['function_name']}"]
    assert group["retention_in_days"] == 365 and group["kms_key_id"] == stack.key_arn
    assert function["logging_config"] == {"log_format": "JSON",
                                          "log_group": "${aws_cloudwatch_log_group.%s.name}" % logical}
    assert f"aws_cloudwatch_log_group.{logical}" in function["depends_on"]  # no auto-created group first


@pytest.mark.parametrize("environment", ENVIRONMENTS, ids="-".join)
def test_both_functions_run_in_the_app_subnets_with_their_group_and_the_app_tier_group(reports, environment):
    stack = reports[environment]
    group = "${aws_security_group.%s.id}" % stack.logical("aws_security_group")
    for kind in KINDS:
        assert stack.function(kind)[1]["vpc_config"] == {
            "subnet_ids": REMOTE % ("network", "app_subnet_ids"),
            "security_group_ids": [group, REMOTE % ("network", "app_security_group_id")]}, kind


@pytest.mark.parametrize("environment", ENVIRONMENTS, ids="-".join)
def test_the_functions_own_group_opens_only_https_out_and_dns_to_the_vpc_resolver(reports, environment):
    stack = reports[environment]
    resolver = f"{ipaddress.ip_network(stack.config.network.vpc_cidr)[2]}/32"
    rules = {(r["ip_protocol"], r["from_port"], r["to_port"], r["cidr_ipv4"])
             for r in resources(stack.document, "aws_vpc_security_group_egress_rule").values()}
    assert rules == {("tcp", 443, 443, "0.0.0.0/0"), ("tcp", 53, 53, resolver), ("udp", 53, 53, resolver)}
    assert not resources(stack.document, "aws_vpc_security_group_ingress_rule")


@pytest.mark.parametrize("environment", ENVIRONMENTS, ids="-".join)
def test_the_extractor_hands_over_to_the_report_and_failures_go_to_the_queue(reports, environment):
    stack = reports[environment]
    configs = {c["function_name"]: c
               for c in resources(stack.document, "aws_lambda_function_event_invoke_config").values()}
    extractor, report = (configs["${aws_lambda_function.%s.function_name}" % stack.function(k)[0]] for k in KINDS)
    assert extractor["destination_config"] == {"on_success": {"destination": stack.arn("report")}}
    assert extractor["maximum_retry_attempts"] == 2
    assert "destination_config" not in report  # failures: the functions' dead-letter queue, once
    assert report["maximum_retry_attempts"] == 2
    for kind in KINDS:
        function = resources(stack.document, "aws_lambda_function")[stack.function(kind)[0]]
        assert function["dead_letter_config"] == {"target_arn": stack.queue_arn}


@pytest.mark.parametrize("environment", ENVIRONMENTS, ids="-".join)
def test_the_topic_mails_the_configured_recipients_and_is_encrypted(reports, environment):
    stack = reports[environment]
    assert only(stack.document, "aws_sns_topic")["kms_master_key_id"] == stack.key_arn
    subscriptions = {(s["protocol"], s["endpoint"], s["topic_arn"])
                     for s in resources(stack.document, "aws_sns_topic_subscription").values()}
    assert subscriptions == {("email", "management@cafe-nimbus.example.com", stack.topic_arn)}


@pytest.mark.parametrize("environment", ENVIRONMENTS, ids="-".join)
def test_the_failures_queue_is_encrypted_and_refuses_plain_http(reports, environment):
    stack = reports[environment]
    queue = only(stack.document, "aws_sqs_queue")
    assert queue["kms_master_key_id"] == stack.key_arn
    assert queue["message_retention_seconds"] == 14 * 86400  # the SQS maximum: time to look at a failure
    policy = only(stack.document, "aws_sqs_queue_policy")
    assert policy["queue_url"] == "${aws_sqs_queue.%s.url}" % stack.logical("aws_sqs_queue")
    (deny,) = stack.statements(policy["policy"])
    assert deny["effect"] == "Deny" and deny["resources"] == [stack.queue_arn]
    assert deny["condition"] == [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}]


# -- least privilege ---------------------------------------------------------------------------------


@pytest.mark.parametrize("environment", ENVIRONMENTS, ids="-".join)
def test_the_extractor_reads_only_the_database_secret_and_decrypts_it_only_through_secrets_manager(reports,
                                                                                                   environment):
    stack = reports[environment]
    statements = stack.permissions("extractor")
    (secret,) = _with_action(statements, "secretsmanager:")
    assert secret["actions"] == ["secretsmanager:GetSecretValue"]
    assert secret["resources"] == [REMOTE % ("data", "database_orders_secret_arn")]
    databases_key = REMOTE % ("data", "kms_key_databases_arn")
    (decrypt,) = [s for s in statements if databases_key in s["resources"]]
    assert decrypt["actions"] == ["kms:Decrypt"] and decrypt["resources"] == [databases_key]
    region = stack.config.regions.primary
    assert decrypt["condition"] == [{"test": "StringEquals", "variable": "kms:ViaService",
                                     "values": [f"secretsmanager.{region}.amazonaws.com"]}]


@pytest.mark.parametrize("environment", ENVIRONMENTS, ids="-".join)
def test_the_extractor_may_invoke_only_the_report_and_the_report_publish_only_to_its_topic(reports, environment):
    stack = reports[environment]
    extractor, report = stack.permissions("extractor"), stack.permissions("report")
    (invoke,) = _with_action(extractor, "lambda:")
    assert invoke["actions"] == ["lambda:InvokeFunction"] and invoke["resources"] == [stack.arn("report")]
    (publish,) = _with_action(report, "sns:")
    assert publish["actions"] == ["sns:Publish"] and publish["resources"] == [stack.topic_arn]
    # the report never touches the database, its secret or another function
    for prefix in ("secretsmanager:", "lambda:", "rds"):
        assert not _with_action(report, prefix), prefix
    assert "kms_key_databases_arn" not in json.dumps(report)
    assert not _with_action(extractor, "sns:")


@pytest.mark.parametrize("environment", ENVIRONMENTS, ids="-".join)
def test_no_role_is_allowed_a_wildcard_action_or_every_resource_except_for_x_ray(reports, environment):
    stack = reports[environment]
    roles = stack.roles()
    assert len(roles) == 3
    for name, role in roles.items():
        assert role["permissions"], name
        for statement in role["permissions"]:
            assert _allows(statement), (name, statement)
            for action in statement["actions"]:
                assert action != "*" and not action.endswith(":*"), (name, action)
            if "*" in statement["resources"]:
                # X-Ray has no resource-level permissions: AWS requires Resource "*"
                assert statement["sid"] == "Traces", (name, statement)
                assert set(statement["actions"]) == {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
        assert set(role["managed"]) <= {"arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"}


@pytest.mark.parametrize("environment", ENVIRONMENTS, ids="-".join)
def test_the_functions_write_only_their_own_log_group_and_dead_letter_only_to_the_queue(reports, environment):
    stack = reports[environment]
    for kind in KINDS:
        function = stack.function(kind)[1]
        group = function["logging_config"]["log_group"].replace(".name}", ".arn}")
        statements = stack.permissions(kind)
        (logs,) = _with_action(statements, "logs:")
        assert logs["resources"] == [f"{group}:*"], kind
        (sqs,) = _with_action(statements, "sqs:")
        assert sqs["actions"] == ["sqs:SendMessage"] and sqs["resources"] == [stack.queue_arn], kind


@pytest.mark.parametrize("environment", ENVIRONMENTS, ids="-".join)
def test_the_scheduler_may_invoke_only_the_extractor(reports, environment):
    stack = reports[environment]
    statements = stack.permissions("scheduler")
    (invoke,) = _with_action(statements, "lambda:")
    assert invoke["actions"] == ["lambda:InvokeFunction"] and invoke["resources"] == [stack.arn("extractor")]
    resources_used = {r for s in statements for r in s["resources"]}
    assert resources_used == {stack.arn("extractor"), stack.queue_arn, stack.key_arn}


@pytest.mark.parametrize("environment", ENVIRONMENTS, ids="-".join)
def test_trust_policies_name_one_service_and_pin_the_account(reports, environment):
    stack = reports[environment]
    prefix, account = stack.config.name_prefix, stack.config.account_id
    services = {f"{prefix}-sales-extractor": "lambda.amazonaws.com", f"{prefix}-sales-report": "lambda.amazonaws.com",
                f"{prefix}-sales-scheduler": "scheduler.amazonaws.com"}
    roles = stack.roles()
    assert set(roles) == set(services)
    for name, service in services.items():
        (trust,) = roles[name]["trust"]
        assert trust["actions"] == ["sts:AssumeRole"], name
        assert trust["principals"] == [{"type": "Service", "identifiers": [service]}], name
        assert trust["condition"] == [{"test": "StringEquals", "variable": "aws:SourceAccount",
                                       "values": [account]}], name


def test_cloudwatch_logs_may_use_the_reports_key_only_for_lambda_log_groups(reports):
    stack = reports[("cafe-nimbus", "prod")]
    key = only(stack.document, "aws_kms_key")
    assert key["enable_key_rotation"] is True
    statements = {s["sid"]: s for s in stack.statements(key["policy"])}
    logs = statements["AllowLogs"]
    assert logs["principals"] == [{"type": "Service", "identifiers": ["logs.us-east-1.amazonaws.com"]}]
    assert logs["condition"] == [{"test": "ArnLike", "variable": "kms:EncryptionContext:aws:logs:arn",
                                  "values": ["arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/*"]}]
    assert set(statements) == {"AccountAdministersThroughIam", "AllowLogs"}


# -- alarms ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("environment", ENVIRONMENTS, ids="-".join)
def test_errors_throttles_and_dead_letters_page_the_ops_alarm_topic(reports, environment):
    stack = reports[environment]
    prefix, topic = stack.config.name_prefix, REMOTE % ("ops", "alarm_topic_arn")
    alarms = {a["alarm_name"]: a for a in resources(stack.document, "aws_cloudwatch_metric_alarm").values()}
    functions = {"sales-extractor": stack.function("extractor")[0], "sales-report": stack.function("report")[0]}
    expected = {f"{prefix}-{short}-{metric}" for short in functions for metric in ("errors", "throttles")}
    assert set(alarms) == expected | {f"{prefix}-sales-report-dead-letters"}
    for name, alarm in alarms.items():
        assert alarm["alarm_actions"] == [topic] and alarm["ok_actions"] == [topic], name
        assert alarm["threshold"] == 0 and alarm["comparison_operator"] == "GreaterThanThreshold", name
    for short, logical in functions.items():
        for metric in ("Errors", "Throttles"):
            alarm = alarms[f"{prefix}-{short}-{metric.lower()}"]
            assert (alarm["namespace"], alarm["metric_name"]) == ("AWS/Lambda", metric)
            assert alarm["dimensions"] == {"FunctionName": "${aws_lambda_function.%s.function_name}" % logical}
    dead = alarms[f"{prefix}-sales-report-dead-letters"]
    assert (dead["namespace"], dead["metric_name"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert dead["dimensions"] == {"QueueName": "${aws_sqs_queue.%s.name}" % stack.logical("aws_sqs_queue")}


# -- which environments have the stack ---------------------------------------------------------------


def test_only_environments_with_a_sales_report_get_a_reports_stack():
    with_stack = {environment for environment in ALL_ENVIRONMENTS if ReportsStack.applies_to(load(*environment))}
    assert with_stack == set(ENVIRONMENTS)
    for environment in ("dev", "prod"):
        config = load("notebookly", environment)
        assert config.ops.sales_report is None and not ReportsStack.applies_to(config)


def test_the_reports_stack_is_synthesized_after_the_stacks_whose_state_it_reads():
    order = list(STACK_TYPES)
    assert order.index(ReportsStack) > max(order.index(s) for s in (NetworkStack, DataStack, OpsStack))


# -- configuration errors ----------------------------------------------------------------------------

# case -> (the YAML merged over cafe-nimbus/prod, fragments the error must contain)
HOSTILE = {
    "database-not-under-data": (
        "ops:\n  sales_report: {database: sales}\n",
        ["ops.sales_report.database 'sales' is not under data.databases ['orders']",
         "fix: name the database holding the orders"]),
    "time-zone-not-iana": (
        "ops:\n  sales_report: {time_zone: Mars/Olympus}\n",
        ["ops.sales_report.time_zone", "'Mars/Olympus' is not an IANA time zone", "fix: e.g. America/New_York"]),
    "at-not-hh-mm": (
        "ops:\n  sales_report: {at: 8am}\n", ["ops.sales_report.at = '8am'", "should match pattern"]),
    "no-recipients": (
        "ops:\n  sales_report: {recipients: []}\n",
        ["ops.sales_report.recipients = []", "at least 1 item"]),
    "recipient-not-an-email": (
        "ops:\n  sales_report: {recipients: [management-at-cafe-nimbus]}\n",
        ["ops.sales_report.recipients", "'management-at-cafe-nimbus' is not an e-mail address",
         "fix: e.g. ops@example.com"]),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_sales_report_configuration_fails_with_key_value_and_fix(case, tmp_path):
    body, expected = HOSTILE[case]
    assert_refused(tmp_path, "cafe-nimbus/prod", body, expected)


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_bad_sales_report_writes_nothing(case, tmp_path, capsys):
    body, expected = HOSTILE[case]
    out = tmp_path / "out"
    code = main.main(["--config", str(user_config_file(tmp_path, "cafe-nimbus/prod", body)), "--out", str(out)])
    stderr = capsys.readouterr().err
    assert code == 2, stderr
    assert expected[0] in stderr and "fix:" in stderr
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["my-env.yaml"]


def test_the_fix_for_a_bad_report_time_is_the_fields_own_help(tmp_path):
    with pytest.raises(ConfigError) as error:
        load(config_file=user_config_file(tmp_path, "cafe-nimbus/prod", "ops:\n  sales_report: {at: 8am}\n"))
    text = str(error.value)
    assert "fix: Local time, HH:MM." in text, text
    assert "notebookly" not in text, text


def test_a_proxied_orders_database_is_refused_or_reached_with_iam_auth(tmp_path):
    body = "data:\n  databases:\n    orders: {proxy: true}\n"
    try:
        config = load(config_file=user_config_file(tmp_path, "cafe-nimbus/prod", body))
    except ConfigError as error:
        assert "ops.sales_report" in str(error)
        return
    stack = Synth(config, json.loads(CdktfTesting.synth(ReportsStack(CdktfTesting.app(), config))))
    assert _with_action(stack.permissions("extractor"), "rds-db:connect")


# -- construct props ---------------------------------------------------------------------------------

ACCOUNT = "123456789012"
SECRET_ARN = "arn:aws:secretsmanager:eu-west-2:123456789012:secret:rds!db-0123-AbCdEf"
SECRET_KEY_ARN = "arn:aws:kms:eu-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.fixture(scope="module")
def key() -> EncryptionKey:
    stack = TerraformStack(CdktfTesting.app(), "props")
    return EncryptionKey(stack, "key", EncryptionKeyProps(alias="shop-reports", description="reports",
                                                          account_id=ACCOUNT))


def _function_props(key: EncryptionKey, **overrides: Any) -> ServerlessFunctionProps:
    values: dict[str, Any] = dict(
        name="shop-sales-extractor", description="Aggregates orders", code_dir=staged_sales_report(),
        handler="sales_report.extractor.handler", encryption_key=key, account_id=ACCOUNT,
        dead_letter_queue_arn="arn:aws:sqs:eu-west-2:123456789012:shop-failures",
        vpc=FunctionVpc(subnet_ids=["subnet-a", "subnet-b"], security_group_ids=["sg-1"]))
    return ServerlessFunctionProps(**{**values, **overrides})


def _report_props(key: EncryptionKey, engine: str = "postgres", **overrides: Any) -> ScheduledReportProps:
    values: dict[str, Any] = dict(
        name="shop-sales", code_dir=staged_sales_report(),
        database=OrdersDatabase(engine=engine, endpoint="orders.internal", port="5432", name="shop",
                                secret_arn=SECRET_ARN, secret_key_arn=SECRET_KEY_ARN),
        vpc=FunctionVpc(subnet_ids=["subnet-a", "subnet-b"], security_group_ids=["sg-1"]), encryption_key=key,
        account_id=ACCOUNT, region="eu-west-2", time_zone="Europe/London",
        recipients=["owner@shop.example.com", "books@shop.example.com"])
    return ScheduledReportProps(**{**values, **overrides})


# case -> (overrides, fragments the ValueError must contain)
BAD_FUNCTION_PROPS = {
    "name": ({"name": "sales report!"}, ["'sales report!'", "fix: 1-64 letters, digits, hyphens or underscores"]),
    "name-too-long": ({"name": "x" * 65}, ["'" + "x" * 65 + "'", "fix: 1-64"]),
    "runtime": ({"runtime": "python2.7"}, ["'python2.7'", "fix: a supported runtime", "python3.12"]),
    "reserved-concurrency": ({"reserved_concurrency": 0}, ["reserved_concurrency 0", "fix: 1-1000"]),
    "memory": ({"memory_mb": 64}, ["memory 64 MB", "fix: 128-10240 MB"]),
    "timeout": ({"timeout_seconds": 901}, ["timeout 901 s", "1-900 s"]),
    "log-retention": ({"log_retention_days": 42}, ["log_retention_days 42", "fix: one of", "365"]),
    "code-dir": ({"code_dir": Path("/nonexistent/sales-report")},
                 ["'/nonexistent/sales-report' is not a folder", "fix: stage the code first"]),
    "vpc-without-subnets": ({"vpc": FunctionVpc(subnet_ids=[], security_group_ids=["sg-1"])},
                            ["'shop-sales-extractor': vpc needs subnets and security groups", "fix: pass both"]),
    "vpc-without-groups": ({"vpc": FunctionVpc(subnet_ids=["subnet-a"], security_group_ids=[])},
                           ["vpc needs subnets and security groups", "fix: pass both"]),
}


@pytest.mark.parametrize("case", sorted(BAD_FUNCTION_PROPS))
def test_function_props_refuse_bad_values_naming_the_value_and_the_fix(key, case):
    overrides, expected = BAD_FUNCTION_PROPS[case]
    with pytest.raises(ValueError) as error:
        _function_props(key, **overrides)
    for fragment in expected:
        assert fragment in str(error.value), str(error.value)


BAD_REPORT_PROPS = {
    "engine": ({"engine": "oracle"}, ["'shop-sales'", "database engine 'oracle'", "fix: one of ('mysql', 'postgres')"]),
    "no-recipients": ({"recipients": []}, ["'shop-sales' has no recipients", "fix: add e-mails"]),
    "hour": ({"hour": 24}, ["time 24:0", "fix: hour 0-23, minute 0-59"]),
    "minute": ({"minute": 60}, ["time 8:60", "fix: hour 0-23, minute 0-59"]),
}


@pytest.mark.parametrize("case", sorted(BAD_REPORT_PROPS))
def test_report_props_refuse_bad_values_naming_the_value_and_the_fix(key, case):
    overrides, expected = BAD_REPORT_PROPS[case]
    with pytest.raises(ValueError) as error:
        _report_props(key, **overrides)
    for fragment in expected:
        assert fragment in str(error.value), str(error.value)


def test_the_construct_follows_its_props_for_a_postgres_shop_at_half_past_six_in_london(key):
    stack = TerraformStack(CdktfTesting.app(), "shop")
    shop_key = EncryptionKey(stack, "key", EncryptionKeyProps(alias="shop-reports", description="reports",
                                                              account_id=ACCOUNT))
    ScheduledReport(stack, "report", _report_props(shop_key, hour=6, minute=30, currency="GBP", brand="Shop"))
    document = json.loads(CdktfTesting.synth(stack))
    schedule = only(document, "aws_scheduler_schedule")
    assert (schedule["schedule_expression"], schedule["schedule_expression_timezone"]) == (
        "cron(30 6 * * ? *)", "Europe/London")
    functions = {f["function_name"]: f for f in resources(document, "aws_lambda_function").values()}
    assert set(functions) == {"shop-sales-extractor", "shop-sales-report"}
    settings = Settings.from_env(_env(functions["shop-sales-extractor"]))
    assert (settings.engine, settings.host, settings.port, settings.database) == (
        "postgres", "orders.internal", 5432, "shop")
    assert settings.time_zone.key == "Europe/London" and settings.secret_arn == SECRET_ARN
    assert _env(functions["shop-sales-report"])["REPORT_CURRENCY"] == "GBP"
    assert {s["endpoint"] for s in resources(document, "aws_sns_topic_subscription").values()} == {
        "owner@shop.example.com", "books@shop.example.com"}
    decrypt = [s for d in document["data"]["aws_iam_policy_document"].values() for s in d["statement"]
               if s.get("resources") == [SECRET_KEY_ARN]]
    assert [c["values"] for s in decrypt for c in s["condition"]] == [["secretsmanager.eu-west-2.amazonaws.com"]]


# -- packaging ---------------------------------------------------------------------------------------


def test_the_package_is_staged_once_per_process(monkeypatch):
    first = staged_sales_report()

    def stage_again(*args, **kwargs):
        raise AssertionError("staged a second time")

    monkeypatch.setattr(packaging, "stage_function", stage_again)
    assert staged_sales_report() == first
    assert (first / MARKER_FILE).is_file() and (first / "sales_report" / "extractor.py").is_file()


def _tree(folder: Path) -> dict[str, tuple[bytes | None, int, int]]:
    """Relative path -> (content or None for folders, mode, mtime)."""
    tree = {}
    for path in sorted(folder.rglob("*")):
        info = path.stat()
        tree[path.relative_to(folder).as_posix()] = (
            path.read_bytes() if path.is_file() else None, info.st_mode & 0o777, int(info.st_mtime))
    return tree


def test_staging_is_reproducible_with_fixed_times_and_modes(tmp_path):
    first = _tree(stage_function(SALES_REPORT_SOURCE, SALES_REPORT_DISTRIBUTIONS, tmp_path / "a"))
    second = _tree(stage_function(SALES_REPORT_SOURCE, SALES_REPORT_DISTRIBUTIONS, tmp_path / "b"))
    assert first == second
    assert first.keys() == _tree(staged_sales_report()).keys()
    assert {mtime for _, _, mtime in first.values()} == {FIXED_MTIME}
    assert {mode for content, mode, _ in first.values() if content is not None} == {0o644}
    assert {mode for content, mode, _ in first.values() if content is None} == {0o755}


def test_the_package_holds_the_pure_python_drivers_but_not_the_runtimes_aws_sdk():
    staged = staged_sales_report()
    top_level = {path.name for path in staged.iterdir()}
    assert {"sales_report", "pymysql", "pg8000"} <= top_level
    assert not top_level & {"boto3", "botocore"}  # the Lambda runtime provides them
    compiled = [p for p in staged.rglob("*") if p.suffix in (".so", ".pyc", ".pyd") or p.name == "__pycache__"]
    assert not compiled
    assert not any(os.access(p, os.X_OK) for p in staged.rglob("*") if p.is_file())
