"""Layer 1: the fleets ship their log files (seed 004 L56: stream the EC2 application logs to CloudWatch, with an
ERROR metric filter; seed 003 L75: logs go to a logging service, nobody needs SSH): the CloudWatch agent's
configuration lists each file with its log group, the fleet creates those groups (the compute key, the configured
retention), the instance role may write only them, the agent (user cwagent) is given read access to their
directories, and the ops stack counts each error log's errors with an alarm. Bad entries are refused."""

from __future__ import annotations

import base64
import json
import re
from email import message_from_string
from email.policy import default as mime_policy

import pytest
from cdktf import TerraformStack
from cdktf import Testing as CdktfTesting
from cdktf_cdktf_provider_aws.provider import AwsProvider

from configuration import load
from configuration.compute import CLOUDWATCH_AGENT_RESERVE
from modules.fleet import WEB_SERVER_LOGS, Ec2Fleet, Ec2FleetProps, FleetLogFile
from modules.fleet.agent import agent_config_json, collected_logs, parameter_name, with_agent
from modules.fleet.logs import APACHE_ERROR_PATTERN
from stacks.compute import ComputeStack
from stacks.ops import OpsStack
from tests.support import assert_refused, policy_document, resources

ACCOUNT, REGION = "123456789012", "eu-west-1"
NAME = "shop-prod-web"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/0f0f0f0f-0000-4000-8000-000000000000"
SCRIPT = "#!/bin/bash\nset -euo pipefail\ndnf install -y httpd\nsystemctl enable --now httpd\n"
APP_LOGS = (FleetLogFile("/var/log/app/app.log", "app"), FleetLogFile("/var/log/app/audit-*.log", "audit", None))


def _props(**overrides) -> Ec2FleetProps:
    values = dict(name=NAME, image_id="ami-0123456789abcdef0", subnet_ids=["subnet-a", "subnet-b"],
                  security_group_ids=["sg-1"], account_id=ACCOUNT, user_data=SCRIPT, log_files=WEB_SERVER_LOGS,
                  log_encryption_key_arn=KEY, log_retention_days=90)
    return Ec2FleetProps(**{**values, **overrides})


def _synth(**overrides) -> dict:
    stack = TerraformStack(CdktfTesting.app(), "fleet-logs-test")
    AwsProvider(stack, "aws", region=REGION)
    Ec2Fleet(stack, "web", _props(**overrides))
    return json.loads(CdktfTesting.synth(stack))


@pytest.fixture(scope="module")
def fleet() -> dict:
    return _synth()


def _agent_config(document: dict) -> dict:
    (parameter,) = resources(document, "aws_ssm_parameter").values()
    return json.loads(parameter["value"].replace("$${", "${"))


def _log_groups(document: dict) -> dict[str, tuple[str, dict]]:
    """Log groups by name: name -> (logical id, resource)."""
    return {g["name"]: (logical, g) for logical, g in resources(document, "aws_cloudwatch_log_group").items()}


def _agent_statements(document: dict) -> dict[str, dict]:
    (policy,) = resources(document, "aws_iam_role_policy").values()
    return {s["sid"]: s for s in policy_document(document, policy["policy"])["statement"]}


def _parts(document: dict) -> list:
    (template,) = resources(document, "aws_launch_template").values()
    user_data = base64.b64decode(template["user_data"]).decode()
    return list(message_from_string(user_data, policy=mime_policy).iter_parts())


# -- the construct --------------------------------------------------------------------------------------


def test_the_agent_ships_each_file_to_its_own_group_one_stream_per_instance(fleet):
    collected = _agent_config(fleet)["logs"]["logs_collected"]["files"]["collect_list"]
    assert collected == [
        {"file_path": "/var/log/httpd/access_log", "log_group_name": f"/ec2/{NAME}/access",
         "log_stream_name": "{instance_id}"},
        {"file_path": "/var/log/httpd/error_log", "log_group_name": f"/ec2/{NAME}/error",
         "log_stream_name": "{instance_id}"}]
    assert "retention_in_days" not in json.dumps(collected)  # Terraform owns retention, the agent may not set it


def test_the_fleet_creates_the_groups_encrypted_with_the_key_and_kept_as_configured(fleet):
    groups = _log_groups(fleet)
    assert set(groups) == {f"/ec2/{NAME}/access", f"/ec2/{NAME}/error"}
    for _, group in groups.values():
        assert (group["kms_key_id"], group["retention_in_days"]) == (KEY, 90)


def test_the_instance_role_may_write_only_those_groups_and_no_managed_agent_policy(fleet):
    managed = {a["policy_arn"] for a in resources(fleet, "aws_iam_role_policy_attachment").values()}
    assert managed == {"arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"}  # no logs:* on every group
    statements = _agent_statements(fleet)
    logs = statements["AgentLogs"]
    assert logs["actions"] == ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
    arns = {"${aws_cloudwatch_log_group.%s.arn}" % logical for logical, _ in _log_groups(fleet).values()}
    assert set(logs["resources"]) == arns | {f"{arn}:*" for arn in arns}
    everything = [a for s in statements.values() for a in s["actions"]]
    assert not [a for a in everything if a in ("logs:CreateLogGroup", "logs:PutRetentionPolicy") or a.endswith("*")]
    metrics = statements["AgentMetrics"]  # PutMetricData has no resource-level form: the namespace condition limits it
    assert metrics["condition"] == [{"test": "StringEquals", "variable": "cloudwatch:namespace",
                                     "values": ["CWAgent"]}]


def test_without_log_files_the_agent_keeps_its_metrics_only_and_no_log_statement():
    document = _synth(log_files=(), log_encryption_key_arn=None, user_data=None)
    assert "logs" not in _agent_config(document) and not resources(document, "aws_cloudwatch_log_group")
    assert set(_agent_statements(document)) == {"AgentMetrics", "AgentInstanceTags", "AgentConfiguration"}
    (template,) = resources(document, "aws_launch_template").values()
    assert "setfacl" not in base64.b64decode(template["user_data"]).decode()


def test_the_agent_reads_the_log_directories_through_an_acl_set_at_every_start_and_after_the_fleets_script(fleet):
    agent, own, restart = _parts(fleet)
    assert [p.get_filename() for p in (agent, own, restart)] == sorted(p.get_filename() for p in (agent, own, restart))
    script = agent.get_content()
    drop_in = re.search(r"<<'EOF'\n(.*?)EOF\n", script, re.DOTALL)[1]
    assert drop_in.splitlines()[0] == "[Service]"
    assert re.findall(r"^ExecStartPre=-/usr/bin/setfacl (.*)$", drop_in, re.MULTILINE) == [
        "-R -m u:cwagent:rX /var/log/httpd", "-d -m u:cwagent:rX /var/log/httpd"]  # once per directory
    assert script.index("daemon-reload") < script.index("fetch-config")  # the drop-in applies to the first start
    assert own.get_content() == SCRIPT
    assert restart.get_content().rstrip().endswith("systemctl restart amazon-cloudwatch-agent")
    assert '"run_as_user":"cwagent"' in agent_config_json()  # still unprivileged


def test_a_changed_configuration_is_a_new_launch_template():
    """The agent reads its parameter only at start: a new log file must reach new instances, by instance refresh."""
    def user_data(logs) -> str:
        (template,) = resources(_synth(log_files=logs), "aws_launch_template").values()
        return template["user_data"]

    assert user_data(WEB_SERVER_LOGS) != user_data(WEB_SERVER_LOGS[:1])


def test_the_configuration_reserves_room_for_the_agent_with_the_web_servers_logs():
    longest = "a" * 51
    prefix = f"/ec2/{longest}"
    configuration = agent_config_json(collected_logs(prefix, WEB_SERVER_LOGS))
    launched = with_agent(SCRIPT, parameter_name(longest), configuration, ["/var/log/httpd"])
    assert len(launched.encode()) - len(SCRIPT.encode()) <= CLOUDWATCH_AGENT_RESERVE


@pytest.mark.parametrize("log, message", [
    (dict(path="var/log/app.log", name="app"), "is not an absolute path"),
    (dict(path="/var/log/*/app.log", name="app"), "'*' only in the file name"),
    (dict(path="/var/log/../etc/shadow", name="app"), "is not an absolute path"),
    (dict(path="/var/log/my app.log", name="app"), "is not an absolute path"),
    (dict(path="/var/log/app.log", name="App"), "log name 'App'"),
    (dict(path="/var/log/app.log", name="app", error_pattern=" "), "counts every line"),
])
def test_a_bad_log_file_is_refused_naming_it_and_the_fix(log, message):
    with pytest.raises(ValueError, match=re.escape(message)) as error:
        FleetLogFile(**log)
    assert "fix:" in str(error.value)


@pytest.mark.parametrize("overrides, message", [
    (dict(log_encryption_key_arn=None), "without a KMS key"),
    (dict(cloudwatch_agent=False), "runs no CloudWatch agent"),
    (dict(log_files=(WEB_SERVER_LOGS[0], FleetLogFile("/var/log/other", "access"))), "repeat the name(s) ['access']"),
    (dict(log_files=(WEB_SERVER_LOGS[0], FleetLogFile(WEB_SERVER_LOGS[0].path, "again"))), "repeat the path(s)"),
])
def test_a_fleet_refuses_log_files_it_cannot_ship(overrides, message):
    with pytest.raises(ValueError, match=re.escape(message)) as error:
        _props(**overrides)
    assert "fix:" in str(error.value)


# -- the configuration ----------------------------------------------------------------------------------


def test_a_fleet_behind_the_load_balancer_ships_the_web_servers_logs_by_default_and_a_worker_none():
    fleets = load("levels", "prod").compute.fleets
    assert load("notebookly", "prod").compute.fleets["web"].shipped_logs == list(WEB_SERVER_LOGS)
    assert load("cafe-nimbus", "prod").compute.fleets["web"].shipped_logs == list(WEB_SERVER_LOGS)
    assert [(f.path, f.name, f.error_pattern) for f in fleets["api"].shipped_logs] == [
        ("/var/log/levels/api.log", "api", "ERROR")]  # its own list replaces the default
    assert WEB_SERVER_LOGS[1].error_pattern == APACHE_ERROR_PATTERN  # Apache writes [core:error], not ERROR


def test_an_empty_list_ships_nothing(tmp_path):
    from tests.support import user_config_file

    config = load(config_file=user_config_file(tmp_path, "notebookly/prod", "compute:\n  fleets:\n    web:\n"
                                                                           "      log_files: []\n"))
    assert config.compute.fleets["web"].shipped_logs == []


@pytest.mark.parametrize("entry, fragments", [
    ("{path: /var/log/httpd/*/x, name: x}", ["compute.fleets.web.log_files", "'*' only in the file name"]),
    ("{path: /var/log/x, name: Bad_Name}", ["log name 'Bad_Name'"]),
    ("{path: /var/log/x, name: x, error_pattern: ''}", ["counts every line"]),
    ("{path: /var/log/x, name: x, level: debug}", ["compute.fleets.web.log_files.0.level", "unknown key 'level'"]),
])
def test_the_configuration_refuses_a_bad_log_file(tmp_path, entry, fragments):
    assert_refused(tmp_path, "notebookly/prod", f"compute:\n  fleets:\n    web:\n      log_files: [{entry}]\n",
                   fragments)


def test_the_configuration_refuses_two_logs_with_one_name(tmp_path):
    body = ("compute:\n  fleets:\n    web:\n      log_files: [{path: /var/log/a, name: app}, "
            "{path: /var/log/b, name: app}]\n")
    assert_refused(tmp_path, "notebookly/prod", body, ["compute.fleets.web", "repeat the name(s) ['app']"])


def test_the_configuration_refuses_a_retention_cloudwatch_does_not_offer(tmp_path):
    assert_refused(tmp_path, "notebookly/prod", "compute:\n  fleets:\n    web:\n      log_retention_days: 100\n",
                   ["compute.fleets.web.log_retention_days 100", "not a CloudWatch retention period"])


# -- the stacks -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stacks() -> dict:
    documents = {}
    for blueprint in ("notebookly", "levels"):
        config = load(blueprint, "prod")
        documents[blueprint] = (json.loads(CdktfTesting.synth(ComputeStack(CdktfTesting.app(), config))),
                                json.loads(CdktfTesting.synth(OpsStack(CdktfTesting.app(), config))))
    return documents


def test_the_compute_stack_names_the_groups_per_workload_under_its_key(stacks):
    compute, _ = stacks["notebookly"]
    groups = {name: group for name, group in _log_groups(compute).items() if name.startswith("/ec2/")}
    assert set(groups) == {"/ec2/notebookly-prod/web/access", "/ec2/notebookly-prod/web/error"}
    (key,) = resources(compute, "aws_kms_key")
    for _, group in groups.values():
        assert group["kms_key_id"] == "${aws_kms_key.%s.arn}" % key and group["retention_in_days"] == 365
    policy = policy_document(compute, resources(compute, "aws_kms_key")[key]["policy"])
    (logs,) = [s for s in policy["statement"] if s["principals"][0]["identifiers"] == ["logs.ap-south-1.amazonaws.com"]]
    (condition,) = logs["condition"]
    assert "arn:aws:logs:ap-south-1:123456789012:log-group:/ec2/notebookly-prod/*" in condition["values"]
    outputs = compute["output"]
    assert outputs["fleet_web_log_error_group_name"]["value"] == "${aws_cloudwatch_log_group.%s.name}" % (
        groups["/ec2/notebookly-prod/web/error"][0])


def test_the_ops_stack_counts_each_error_log_with_its_pattern_and_alarms(stacks):
    for blueprint, expected in (("notebookly", {"web-error": APACHE_ERROR_PATTERN}),
                                ("levels", {"api-api": "ERROR", "worker-worker": "ERROR"})):
        _, ops = stacks[blueprint]
        filters = {f["name"]: f for f in resources(ops, "aws_cloudwatch_log_metric_filter").values()}
        fleet_filters = {name.removeprefix(f"{blueprint}-prod-").removesuffix("-errors"): f
                         for name, f in filters.items() if "log_" in f["log_group_name"] and "fleet_" in
                         f["log_group_name"]}
        assert {n: f["pattern"] for n, f in fleet_filters.items()} == expected  # no filter on an access log
        alarms = {a["alarm_name"]: a for a in resources(ops, "aws_cloudwatch_metric_alarm").values()}
        for name, log_filter in fleet_filters.items():
            fleet, log = name.split("-", 1)
            assert log_filter["log_group_name"] == (
                "${data.terraform_remote_state.compute.outputs.fleet_%s_log_%s_group_name}" % (fleet, log))
            alarm = alarms[f"{blueprint}-prod-{name}-log-errors"]
            transformation = log_filter["metric_transformation"]
            assert (alarm["metric_name"], alarm["namespace"]) == (transformation["name"],
                                                                  transformation["namespace"])
            assert (alarm["threshold"], alarm["comparison_operator"]) == (0, "GreaterThanThreshold")


def test_blueprints_without_fleets_keep_the_key_policy_without_fleet_log_groups():
    compute = json.loads(CdktfTesting.synth(ComputeStack(CdktfTesting.app(), load("saas", "prod"))))
    assert "/ec2/" not in json.dumps(compute) and not resources(compute, "aws_ssm_association")
