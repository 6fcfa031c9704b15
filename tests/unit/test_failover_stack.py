"""Layer 1: the failover stack (issue 6). The DR orchestrator (lambda_src/dr_failover) runs in the standby
region, built from the standby view; its environment is checked against the orchestrator's own parser
(lambda_src/dr_failover/config.py) with the producers' outputs filled in, its role against the calls of its
steps, and the trigger: a us-east-1 alarm on the PRIMARY edge's health check -> SNS -> the function."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from cdktf import Testing as CdktfTesting

from configuration import BlueprintConfig, load
from lambda_src.dr_failover.config import AsgFleet, Config, EcsFleet
from stacks.compute import ComputeStack
from stacks.failover import (
    DR_FAILOVER_SOURCE,
    HANDLER,
    FailoverStack,
    staged_dr_failover,
)
from stacks.standby import StandbyComputeStack
from synth.app import STACK_TYPES
from tests.support import ALL_ENVIRONMENTS, load_environment, only, platform_manifest, resources

NAME = "cafe-dr-prod-dr-failover"
ACCOUNT = "123456789012"
REMOTE = "${data.terraform_remote_state.%s.outputs.%s}"
REF = re.compile(r"data\.terraform_remote_state\.([\w-]+)\.outputs\.(\w+)")
TARGET_GROUP = f"arn:aws:elasticloadbalancing:eu-central-1:{ACCOUNT}:targetgroup/cafe-dr-prod-dr-web/0123456789abcdef"
REPLICA, SOURCE = "fs-0c0ffee0c0ffee0c0", "fs-0ca1e0ca1e0ca1e0c"  # data.file_systems.shared: the replica, its source
OUTPUTS: dict[tuple[str, str], Any] = {
    # What the producers publish, in the shape they publish it (standby data and compute, the primary edge).
    ("data", "database_cafe_identifier"): "cafe-dr-prod-dr-cafe",
    ("data", "active_region_parameter_name"): "/cafe-dr/prod/data/dr/active_region",
    ("data", "parameter_prefix"): "/cafe-dr/prod",
    ("data", "file_system_shared_id"): REPLICA,  # the standby data stack's, named as the primary's
    ("primary-data", "file_system_shared_id"): SOURCE,
    ("compute", "fleet_web_group_name"): "cafe-dr-prod-dr-web",
    ("compute", "cluster_name"): "cafe-dr-prod-dr",
    ("compute", "service_frontend_name"): "cafe-dr-prod-dr-frontend",
    ("compute", "service_backend_name"): "cafe-dr-prod-dr-backend",
    ("compute", "target_group_arns"): {"web": TARGET_GROUP},
    ("compute", "load_balancer_dns_name"): "cafe-dr-prod-dr-lb-1234.eu-central-1.elb.amazonaws.com",
    ("primary-edge", "hosted_zone_id"): "Z0CAFEZONE",
    ("primary-edge", "failover_record_name"): "cafe-dr.example.com",
    ("primary-edge", "failover_gate_health_check_id"): "0gate-0000-0000",
}
TOPIC_ARN = f"arn:aws:sns:eu-central-1:{ACCOUNT}:{NAME}"

# levels prod with its warm standby on (tests/configs/levels-warm-standby.yaml): an Aurora global database
LEVELS = "levels-prod-dr-failover"
LEVELS_CLUSTER_ARN = f"arn:aws:rds:us-east-2:{ACCOUNT}:cluster:levels-prod-dr-main"
LEVELS_GLOBAL_CLUSTER = "levels-prod-main-global"
LEVELS_TARGET_GROUP = f"arn:aws:elasticloadbalancing:us-east-2:{ACCOUNT}:targetgroup/levels-prod-dr-api/0123456789ab"
LEVELS_OUTPUTS: dict[tuple[str, str], Any] = {
    # StandbyDataStack's outputs of Aurora cluster main (its secondary cluster and the global database)
    ("data", "database_main_identifier"): "levels-prod-dr-main",
    ("data", "database_main_arn"): LEVELS_CLUSTER_ARN,
    ("data", "database_main_global_cluster_identifier"): LEVELS_GLOBAL_CLUSTER,
    ("data", "active_region_parameter_name"): "/levels/prod/data/dr/active_region",
    ("data", "parameter_prefix"): "/levels/prod",
    ("compute", "fleet_api_group_name"): "levels-prod-dr-api",
    ("compute", "fleet_worker_group_name"): "levels-prod-dr-worker",
    ("compute", "target_group_arns"): {"api": LEVELS_TARGET_GROUP},
    ("compute", "load_balancer_dns_name"): "levels-prod-dr-lb-5678.us-east-2.elb.amazonaws.com",
    ("primary-edge", "hosted_zone_id"): "Z0LEVELS0EXAMPLE",
    ("primary-edge", "failover_record_name"): "api.levels.example.com",  # its load-balanced name, not the apex
    ("primary-edge", "failover_gate_health_check_id"): "0gate-1111-1111",
}
LEVELS_TOPIC_ARN = f"arn:aws:sns:us-east-2:{ACCOUNT}:{LEVELS}"


# -- helpers ------------------------------------------------------------------------------------------


def synth_alone(config: BlueprintConfig) -> dict[str, Any]:
    return json.loads(CdktfTesting.synth(FailoverStack(CdktfTesting.app(), config)))


def pilot_light_config(**dr: Any) -> BlueprintConfig:
    config = load("cafe-dr", "prod")
    return config.model_copy(update={"dr": config.dr.model_copy(update=dr)}) if dr else config


def evaluate(expression: str, outputs: dict[tuple[str, str], Any] = OUTPUTS) -> Any:
    """A `${jsonencode(...)}` expression with the remote-state references replaced by the outputs' values."""
    body = expression.removeprefix("${jsonencode(").removesuffix(")}")

    def value(match: re.Match) -> Any:
        return outputs[(match[1], match[2])]

    body = re.sub(r"\$\{" + REF.pattern + r"\}", lambda m: str(value(m)), body)  # inside template strings
    body = re.sub(r"values\(" + REF.pattern + r"\)", lambda m: json.dumps(list(value(m).values())), body)
    body = REF.sub(lambda m: json.dumps(value(m)), body)
    return json.loads(body.replace('" = ', '": '))


def rendered_environment(document: dict[str, Any], outputs: dict[tuple[str, str], Any] = OUTPUTS,
                         topic_arn: str = TOPIC_ARN) -> dict[str, str]:
    """The function's environment as Lambda would receive it, given the outputs and the timeline topic's ARN."""
    variables = only(document, "aws_lambda_function")["environment"]["variables"]
    rendered = {}
    for key, text in variables.items():
        if text.startswith("${jsonencode("):
            rendered[key] = json.dumps(evaluate(text, outputs))
        elif text.startswith("${aws_sns_topic."):
            rendered[key] = topic_arn
        else:
            rendered[key] = text
    return rendered


def logical(document: dict[str, Any], resource_type: str, **match: Any) -> str:
    (found,) = [k for k, r in resources(document, resource_type).items()
                if all(r.get(f) == v for f, v in match.items())]
    return found


def statements(document: dict[str, Any], reference: str) -> list[dict[str, Any]]:
    name = reference.removeprefix("${data.aws_iam_policy_document.").removesuffix(".json}")
    return document["data"]["aws_iam_policy_document"][name]["statement"]


def permissions(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The orchestrator role's inline statements by Sid."""
    policy = only(document, "aws_iam_role_policy")
    return {s["sid"]: s for s in statements(document, policy["policy"])}


def efs_statements(name: str, primary: str, standby: str) -> dict[str, tuple[list[str], list[str]]]:
    """steps.detach_file_systems' grants for file system `name`: describe and delete on the replica (the standby
    data stack's file_system_<name>_id), delete on its source's id (the primary data stack's) as an ARN of
    either region (the request names the source and goes to the standby region)."""
    replica = REMOTE % ("data", f"file_system_{name}_id")
    source = REMOTE % ("primary-data", f"file_system_{name}_id")
    arn = f"arn:aws:elasticfilesystem:{{}}:{ACCOUNT}:file-system/{{}}"
    return {
        "DetachTheReplicas": (["elasticfilesystem:DescribeFileSystems",
                               "elasticfilesystem:DescribeReplicationConfigurations",
                               "elasticfilesystem:DeleteReplicationConfiguration"], [arn.format(standby, replica)]),
        "EndTheReplicationOfTheSources": (["elasticfilesystem:DeleteReplicationConfiguration"],
                                          [arn.format(primary, source), arn.format(standby, source)]),
    }


def ref(resource_type: str, name: str, attribute: str = "arn") -> str:
    return "${%s.%s.%s}" % (resource_type, name, attribute)


def resolved(text: str, outputs: dict[tuple[str, str], Any]) -> str:
    """A string with its `${data.terraform_remote_state...}` references replaced by the outputs' values."""
    return re.sub(r"\$\{" + REF.pattern + r"\}", lambda m: str(outputs[(m[1], m[2])]), text)


@pytest.fixture(scope="module")
def outdir(synthesized: dict[tuple[str, str], Path]) -> Path:
    return synthesized[("cafe-dr", "prod")]


@pytest.fixture(scope="module")
def document(outdir: Path) -> dict[str, Any]:
    return json.loads((outdir / "stacks" / NAME / "cdk.tf.json").read_text())


@pytest.fixture(scope="module")
def manual() -> dict[str, Any]:
    """The pilot light with dr.automatic false."""
    return synth_alone(pilot_light_config(automatic=False))


@pytest.fixture(scope="module")
def levels() -> dict[str, Any]:
    """levels prod's warm standby: its Aurora cluster's secondary in us-east-2, two ASG fleets, api. failing over."""
    return synth_alone(load_environment("levels", "prod+warm-standby"))


# -- where it lives -----------------------------------------------------------------------------------


def test_only_an_environment_with_a_strategy_has_a_failover_stack():
    assert FailoverStack in STACK_TYPES
    assert STACK_TYPES.index(FailoverStack) == STACK_TYPES.index(next(t for t in STACK_TYPES if t.layer == "ops")) + 1
    having = {(b, e) for b, e in ALL_ENVIRONMENTS if FailoverStack.applies_to(load(b, e))}
    assert having == {(b, e) for b, e in ALL_ENVIRONMENTS if load(b, e).dr.enabled} == {("cafe-dr", "prod")}


def test_the_failover_stack_is_a_standby_stack_reading_the_standby_and_the_primary_edge(outdir, document):
    stacks = platform_manifest(outdir)["stacks"]
    contract = next(s for s in stacks if s["name"] == NAME)
    assert (contract["layer"], contract["site"], contract["state_key"]) == (
        "failover", "standby", "cafe-dr/prod/standby/failover.tfstate")
    assert contract["consumes"] == ["cafe-dr-prod-dr-network", "cafe-dr-prod-dr-data", "cafe-dr-prod-dr-compute",
                                    "cafe-dr-prod-edge", "cafe-dr-prod-data"]  # the last for the EFS sources
    names = [s["name"] for s in stacks]
    assert names.index(NAME) > max(names.index(c) for c in contract["consumes"])  # applied after its producers
    assert set(contract["outputs"]) == {"orchestrator_function_name", "orchestrator_function_arn",
                                        "timeline_topic_arn", "trigger_alarm_name", "dead_letter_queue_name",
                                        "trigger_topic_arn"}
    default, east = document["provider"]["aws"]
    assert (default["region"], default.get("alias")) == ("eu-central-1", None)
    assert (east["region"], east["alias"]) == ("us-east-1", "us-east-1")
    assert default["allowed_account_ids"] == east["allowed_account_ids"] == [ACCOUNT]
    assert document["terraform"]["backend"]["s3"]["key"] == "cafe-dr/prod/standby/failover.tfstate"
    sources = document["data"]["terraform_remote_state"]
    assert {name: s["config"]["key"] for name, s in sources.items()} == {
        "network": "cafe-dr/prod/standby/network.tfstate", "data": "cafe-dr/prod/standby/data.tfstate",
        "compute": "cafe-dr/prod/standby/compute.tfstate", "primary-edge": "cafe-dr/prod/edge.tfstate",
        "primary-data": "cafe-dr/prod/data.tfstate"}


def test_every_output_it_reads_is_published_by_its_producer(outdir, document):
    """The offline plan seeds remote state by the producers' contracts: a misspelt output fails there, and here."""
    contracts = {s["name"]: s for s in platform_manifest(outdir)["stacks"]}
    producer = {"network": "cafe-dr-prod-dr-network", "data": "cafe-dr-prod-dr-data",
                "compute": "cafe-dr-prod-dr-compute", "primary-edge": "cafe-dr-prod-edge",
                "primary-data": "cafe-dr-prod-data"}
    read = set(REF.findall(json.dumps(document)))
    assert {source for source, _ in read} == set(producer)
    missing = sorted(f"{source}.{output}" for source, output in read
                     if output not in contracts[producer[source]]["outputs"])
    assert missing == []


# -- the orchestrator ---------------------------------------------------------------------------------


def test_the_orchestrator_runs_one_at_a_time_for_up_to_15_minutes_with_dead_letters(document):
    function = only(document, "aws_lambda_function")
    key = ref("aws_kms_key", logical(document, "aws_kms_key", description="DR failover orchestrator of "
                                     "cafe-dr-prod: settings, logs, timeline, dead letters"))
    queue = only(document, "aws_sqs_queue")
    assert (function["function_name"], function["handler"], function["runtime"]) == (
        NAME, HANDLER, "python3.12")
    assert (function["timeout"], function["reserved_concurrent_executions"], function["memory_size"]) == (900, 1, 256)
    assert function["kms_key_arn"] == key and function["tracing_config"] == {"mode": "Active"}
    assert function.get("provider") is None  # the standby region
    assert function["dead_letter_config"] == {"target_arn": ref("aws_sqs_queue", "failures")}
    assert (queue["name"], queue["kms_master_key_id"]) == ("cafe-dr-prod-dr-failover-failures", key)
    (tls,) = statements(document, only(document, "aws_sqs_queue_policy")["policy"])
    assert (tls["effect"], tls["condition"][0]["variable"]) == ("Deny", "aws:SecureTransport")
    retries = only(document, "aws_lambda_function_event_invoke_config")
    assert retries["maximum_retry_attempts"] == 2 and retries["maximum_event_age_in_seconds"] == 3600
    log_group = only(document, "aws_cloudwatch_log_group")
    assert (log_group["name"], log_group["kms_key_id"]) == (f"/aws/lambda/{NAME}", key)


def test_the_orchestrator_sits_in_the_standby_app_subnets_with_https_and_dns_out_only(document):
    vpc = only(document, "aws_lambda_function")["vpc_config"]
    group = logical(document, "aws_security_group", name=NAME)
    assert vpc == {"subnet_ids": REMOTE % ("network", "app_subnet_ids"),
                   "security_group_ids": [ref("aws_security_group", group, "id")]}
    assert only(document, "aws_security_group")["vpc_id"] == REMOTE % ("network", "vpc_id")
    assert resources(document, "aws_vpc_security_group_ingress_rule") == {}
    rules = sorted((r["ip_protocol"], r["from_port"], r["cidr_ipv4"])
                   for r in resources(document, "aws_vpc_security_group_egress_rule").values())
    assert rules == [("tcp", 53, "10.22.0.2/32"), ("tcp", 443, "0.0.0.0/0"), ("udp", 53, "10.22.0.2/32")]


def test_the_code_is_the_orchestrator_package_alone():
    staged = staged_dr_failover()
    top = sorted(p.name for p in staged.iterdir())
    assert top == [".lambda-staging", "dr_failover"]  # boto3 comes with the runtime
    assert (staged / HANDLER.split(".")[0] / "handler.py").read_bytes() == (DR_FAILOVER_SOURCE / "handler.py"
                                                                             ).read_bytes()


def test_the_environment_is_the_orchestrators_contract_wired_to_the_producers(document):
    variables = only(document, "aws_lambda_function")["environment"]["variables"]
    assert {k: v for k, v in variables.items() if not v.startswith("${")} == {
        "PRIMARY_REGION": "eu-west-1", "STANDBY_REGION": "eu-central-1",
        "HEALTH_ALARM_NAME": "cafe-dr-prod-primary-down", "HEALTH_ALARM_REGION": "us-east-1",
        "MIN_OUTAGE_SECONDS": "120", "WAIT_TIMEOUT_SECONDS": "840", "ENVIRONMENT_NAME": "cafe-dr-prod"}
    topic = logical(document, "aws_sns_topic", name=NAME)
    assert variables["TOPIC_ARN"] == ref("aws_sns_topic", topic)
    assert variables["TARGET_GROUP_ARNS"] == "${jsonencode(values(%s))}" % REMOTE[2:-1] % (
        "compute", "target_group_arns")
    assert variables["DATABASE"] == ('${jsonencode({"kind" = "instance", "identifier" = '
                                     'data.terraform_remote_state.data.outputs.database_cafe_identifier, '
                                     '"multi_az" = true, "backup_retention_days" = 7})}')  # promoted: as the primary
    assert evaluate(variables["PARAMETERS"]) == {"database_endpoint": "/cafe-dr/prod/data/database/cafe/endpoint",
                                                 "active_region": "/cafe-dr/prod/data/dr/active_region"}
    assert evaluate(variables["FLEETS"]) == [
        {"kind": "asg", "name": "cafe-dr-prod-dr-web", "min": 2, "desired": 2, "max": 6}]  # the primary's sizes
    assert evaluate(variables["DNS"]) == {
        "zone_id": "Z0CAFEZONE", "record_name": "cafe-dr.example.com",
        "standby_dns_name": OUTPUTS[("compute", "load_balancer_dns_name")], "gate_health_check_id": "0gate-0000-0000"}
    for key, output in (("DNS", "primary-edge.outputs.failover_gate_health_check_id"),
                        ("DNS", "primary-edge.outputs.hosted_zone_id"), ("DNS", "compute.outputs.load_balancer_dns"),
                        ("FLEETS", "compute.outputs.fleet_web_group_name")):
        assert f"data.terraform_remote_state.{output}" in variables[key]


def test_the_orchestrator_accepts_its_environment(document):
    """Its own parser (which reports every problem) reads the rendered environment as intended."""
    config = Config.from_env(rendered_environment(document))
    assert (config.primary_region, config.standby_region) == ("eu-west-1", "eu-central-1")
    assert (config.health_alarm_name, config.health_alarm_region, config.min_outage_seconds) == (
        "cafe-dr-prod-primary-down", "us-east-1", 120)
    assert (config.database.kind, config.database.identifier, config.database.multi_az) == (
        "instance", "cafe-dr-prod-dr-cafe", True)
    assert config.fleets == (AsgFleet("cafe-dr-prod-dr-web", 2, 2, 6),)
    assert config.target_group_arns == (TARGET_GROUP,)
    assert (config.dns.zone_id, config.dns.record_name, config.dns.gate_health_check_id) == (
        "Z0CAFEZONE", "cafe-dr.example.com.", "0gate-0000-0000")
    assert (config.topic_arn, config.topic_region) == (TOPIC_ARN, "eu-central-1")
    assert (config.wait_timeout_seconds, config.poll_seconds, config.environment_name) == (840, 15, "cafe-dr-prod")
    assert config.file_systems == (REPLICA,)
    assert config.wait_timeout_seconds + 30 <= only(document, "aws_lambda_function")["timeout"]


def test_without_a_database_there_is_nothing_to_promote_and_services_scale_too():
    config = pilot_light_config()
    services = load("saas", "prod").compute.services
    config = config.model_copy(update={
        "data": config.data.model_copy(update={"databases": {}}),
        "compute": config.compute.model_copy(update={"services": {n: services[n] for n in ("frontend", "backend")}})})
    document = synth_alone(config)
    variables = only(document, "aws_lambda_function")["environment"]["variables"]
    assert evaluate(variables["DATABASE"]) == {"kind": "none"}
    assert evaluate(variables["PARAMETERS"]) == {"active_region": "/cafe-dr/prod/data/dr/active_region"}
    parsed = Config.from_env(rendered_environment(document))
    assert parsed.database.kind == "none" and parsed.parameters.database_endpoint is None
    assert parsed.fleets == (AsgFleet("cafe-dr-prod-dr-web", 2, 2, 6),
                             EcsFleet("cafe-dr-prod-dr", "cafe-dr-prod-dr-frontend", services["frontend"].min_size),
                             EcsFleet("cafe-dr-prod-dr", "cafe-dr-prod-dr-backend", services["backend"].min_size))
    granted = permissions(document)
    assert "PromoteTheReplica" not in granted
    assert granted["ReadAndSetTheParameters"]["resources"] == [
        f"arn:aws:ssm:eu-central-1:{ACCOUNT}:parameter{REMOTE % ('data', 'active_region_parameter_name')}"]
    ecs = granted["ScaleTheStandbyServices"]
    assert ecs["actions"] == ["ecs:DescribeServices", "ecs:UpdateService"]
    assert ecs["resources"] == [f"arn:aws:ecs:eu-central-1:{ACCOUNT}:service/{REMOTE % ('compute', 'cluster_name')}/"
                                f"{REMOTE % ('compute', f'service_{name}_name')}" for name in ("frontend", "backend")]
    # the services' scaling minimums are raised too, or scale-in would undo the failover
    assert (granted["DescribeTheScalingTargets"]["actions"], granted["DescribeTheScalingTargets"]["resources"]) == (
        ["application-autoscaling:DescribeScalableTargets"], ["*"])
    assert (granted["RaiseTheScalingMinimums"]["actions"], granted["RaiseTheScalingMinimums"]["resources"]) == (
        ["application-autoscaling:RegisterScalableTarget"],
        [f"arn:aws:application-autoscaling:eu-central-1:{ACCOUNT}:scalable-target/*"])
    standby = json.loads(CdktfTesting.synth(StandbyComputeStack(CdktfTesting.app(), config)))
    (target,) = [t for t in resources(standby, "aws_appautoscaling_target").values() if "frontend" in t["resource_id"]]
    assert target["min_capacity"] == 0 and target["lifecycle"] == {"ignore_changes": ["min_capacity"]}
    primary = json.loads(CdktfTesting.synth(ComputeStack(CdktfTesting.app(), config)))
    assert all("lifecycle" not in t for t in resources(primary, "aws_appautoscaling_target").values())


# -- least privilege ----------------------------------------------------------------------------------


def test_the_role_may_do_exactly_the_steps_calls_on_their_resources(document):
    topic = ref("aws_sns_topic", logical(document, "aws_sns_topic", name=NAME))
    key = ref("aws_kms_key", logical(document, "aws_kms_key", description="DR failover orchestrator of "
                                     "cafe-dr-prod: settings, logs, timeline, dead letters"))
    granted = {sid: (s["actions"], s["resources"]) for sid, s in permissions(document).items()}
    east = f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}"
    here = f"arn:aws:{{}}:eu-central-1:{ACCOUNT}"
    assert granted == {
        # ServerlessFunction's own: logs, traces, dead letters, the key of settings, queue and timeline topic
        "OwnLogGroupOnly": (["logs:CreateLogStream", "logs:PutLogEvents"],
                            [ref("aws_cloudwatch_log_group", logical(document, "aws_cloudwatch_log_group")) + ":*"]),
        "Traces": (["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"]),
        "DeadLetters": (["sqs:SendMessage"], [ref("aws_sqs_queue", "failures")]),
        "OwnKey": (["kms:Decrypt", "kms:GenerateDataKey"], [key]),
        # the steps (lambda_src/dr_failover/steps.py)
        "ReadTheHealthAlarm": (["cloudwatch:DescribeAlarms"], [f"{east}:alarm:cafe-dr-prod-primary-down"]),
        "PromoteTheReplica": (["rds:DescribeDBInstances", "rds:PromoteReadReplica", "rds:ModifyDBInstance"],
                              [here.format("rds") + ":db:" + REMOTE % ("data", "database_cafe_identifier")]),
        **efs_statements("shared", "eu-west-1", "eu-central-1"),
        "ReadAndSetTheParameters": (["ssm:GetParameter", "ssm:PutParameter"], sorted([
            here.format("ssm") + ":parameter" + REMOTE % ("data", "active_region_parameter_name"),
            here.format("ssm") + ":parameter" + REMOTE % ("data", "parameter_prefix")
            + "/data/database/cafe/endpoint"])),
        "FindTheParametersKey": (["ssm:DescribeParameters"], ["*"]),
        "ParametersKeyThroughSsm": (["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
                                    [REMOTE % ("data", "kms_key_config_arn")]),
        "DescribeTheGroups": (["autoscaling:DescribeAutoScalingGroups"], ["*"]),
        "ScaleTheStandbyGroups": (["autoscaling:UpdateAutoScalingGroup"], [
            here.format("autoscaling") + ":autoScalingGroup:*:autoScalingGroupName/"
            + REMOTE % ("compute", "fleet_web_group_name")]),
        "ReadTargetHealth": (["elasticloadbalancing:DescribeTargetHealth"], ["*"]),
        "PinTheGate": (["route53:GetHealthCheck", "route53:UpdateHealthCheck"],
                       ["arn:aws:route53:::healthcheck/" + REMOTE % ("primary-edge", "failover_gate_health_check_id")]),
        "ReadTheFailoverRecords": (["route53:ListResourceRecordSets"],
                                   ["arn:aws:route53:::hostedzone/" + REMOTE % ("primary-edge", "hosted_zone_id")]),
        "PublishTheTimeline": (["sns:Publish"], [topic]),
    }
    through_ssm = permissions(document)["ParametersKeyThroughSsm"]["condition"]
    assert through_ssm == [{"test": "StringEquals", "variable": "kms:ViaService",
                            "values": ["ssm.eu-central-1.amazonaws.com"]}]
    # "*" only where the action has no resource-level permissions
    assert sorted(sid for sid, (_, resources_) in granted.items() if "*" in resources_) == [
        "DescribeTheGroups", "FindTheParametersKey", "ReadTargetHealth", "Traces"]
    assert all(s.get("effect", "Allow") == "Allow" for s in permissions(document).values())
    assert [sid for sid, s in permissions(document).items() if s.get("condition")] == ["ParametersKeyThroughSsm"]
    role = only(document, "aws_iam_role")
    assert role["name"] == NAME
    (trust,) = statements(document, role["assume_role_policy"])
    assert trust["principals"] == [{"type": "Service", "identifiers": ["lambda.amazonaws.com"]}]
    attachments = [a["policy_arn"] for a in resources(document, "aws_iam_role_policy_attachment").values()]
    assert attachments == ["arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"]


# -- an Aurora global database (levels prod's warm standby) ------------------------------------------


def test_levels_warm_standby_has_a_failover_stack_built_for_its_aurora_cluster(levels):
    config = load_environment("levels", "prod+warm-standby")
    assert FailoverStack.applies_to(config)
    assert (sorted(config.data.aurora), config.data.databases) == (["main"], {})
    function = only(levels, "aws_lambda_function")
    assert function["function_name"] == LEVELS and function.get("provider") is None  # us-east-2, the standby
    assert levels["provider"]["aws"][0]["region"] == "us-east-2"
    variables = function["environment"]["variables"]
    assert {k: v for k, v in variables.items() if not v.startswith("${")} == {
        "PRIMARY_REGION": "us-east-1", "STANDBY_REGION": "us-east-2",
        "HEALTH_ALARM_NAME": "levels-prod-primary-down", "HEALTH_ALARM_REGION": "us-east-1",
        "MIN_OUTAGE_SECONDS": "120", "WAIT_TIMEOUT_SECONDS": "840", "ENVIRONMENT_NAME": "levels-prod"}
    # the contract of StandbyDataStack: the global database's identifier and the secondary cluster's ARN
    assert variables["DATABASE"] == (
        '${jsonencode({"kind" = "aurora-global", '
        '"global_cluster" = data.terraform_remote_state.data.outputs.database_main_global_cluster_identifier, '
        '"cluster_arn" = data.terraform_remote_state.data.outputs.database_main_arn})}')
    assert evaluate(variables["DATABASE"], LEVELS_OUTPUTS) == {
        "kind": "aurora-global", "global_cluster": LEVELS_GLOBAL_CLUSTER, "cluster_arn": LEVELS_CLUSTER_ARN}
    assert evaluate(variables["PARAMETERS"], LEVELS_OUTPUTS) == {
        "database_endpoint": "/levels/prod/data/database/main/endpoint",  # the path an instance's has too
        "active_region": "/levels/prod/data/dr/active_region"}
    # the fleets at the PRIMARY's sizes (the standby serves at half: warm_capacity_percent 50)
    primary = config.compute.fleets
    assert evaluate(variables["FLEETS"], LEVELS_OUTPUTS) == [
        {"kind": "asg", "name": f"levels-prod-dr-{name}", "min": primary[name].min_size,
         "desired": primary[name].min_size, "max": primary[name].max_size} for name in ("api", "worker")]
    assert [(f.min_size, f.max_size) for f in primary.values()] == [(2, 8), (1, 6)]
    assert config.standby().compute.fleets["api"].min_size == 1
    # the record the primary edge names (levels: api.levels.example.com, not the apex), passed through
    assert REMOTE[2:-1] % ("primary-edge", "failover_record_name") in variables["DNS"]
    assert evaluate(variables["DNS"], LEVELS_OUTPUTS)["record_name"] == "api.levels.example.com"


def test_levels_orchestrator_accepts_its_aurora_global_environment(levels):
    config = Config.from_env(rendered_environment(levels, LEVELS_OUTPUTS, LEVELS_TOPIC_ARN))
    assert (config.primary_region, config.standby_region) == ("us-east-1", "us-east-2")
    database = config.database
    assert (database.kind, database.global_cluster, database.cluster_arn) == (
        "aurora-global", LEVELS_GLOBAL_CLUSTER, LEVELS_CLUSTER_ARN)
    assert (database.identifier, database.multi_az) == (None, False)
    assert (config.parameters.database_endpoint, config.parameters.active_region) == (
        "/levels/prod/data/database/main/endpoint", "/levels/prod/data/dr/active_region")
    assert config.fleets == (AsgFleet("levels-prod-dr-api", 2, 2, 8), AsgFleet("levels-prod-dr-worker", 1, 1, 6))
    assert config.target_group_arns == (LEVELS_TARGET_GROUP,)
    assert (config.dns.zone_id, config.dns.record_name, config.dns.gate_health_check_id) == (
        "Z0LEVELS0EXAMPLE", "api.levels.example.com.", "0gate-1111-1111")
    assert config.dns.standby_dns_name == LEVELS_OUTPUTS[("compute", "load_balancer_dns_name")]
    assert (config.topic_arn, config.topic_region, config.environment_name) == (
        LEVELS_TOPIC_ARN, "us-east-2", "levels-prod")


def test_levels_role_may_detach_the_standby_cluster_from_its_global_database_and_no_more(levels):
    """steps._aurora_state and _detach_aurora call describe_db_clusters (the secondary's ARN),
    describe_global_clusters (the global id) and remove_from_global_cluster (both); the Service Authorization
    Reference authorizes them against the cluster, the global-cluster, and both. A global cluster's ARN has no
    region."""
    topic = ref("aws_sns_topic", logical(levels, "aws_sns_topic", name=LEVELS))
    key = ref("aws_kms_key", logical(levels, "aws_kms_key", description="DR failover orchestrator of "
                                     "levels-prod: settings, logs, timeline, dead letters"))
    granted = {sid: (s["actions"], s["resources"]) for sid, s in permissions(levels).items()}
    here = f"arn:aws:{{}}:us-east-2:{ACCOUNT}"
    cluster = REMOTE % ("data", "database_main_arn")
    global_cluster = f"arn:aws:rds::{ACCOUNT}:global-cluster:" + REMOTE % ("data",
                                                                            "database_main_global_cluster_identifier")
    assert granted == {
        "OwnLogGroupOnly": (["logs:CreateLogStream", "logs:PutLogEvents"],
                            [ref("aws_cloudwatch_log_group", logical(levels, "aws_cloudwatch_log_group")) + ":*"]),
        "Traces": (["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"]),
        "DeadLetters": (["sqs:SendMessage"], [ref("aws_sqs_queue", "failures")]),
        "OwnKey": (["kms:Decrypt", "kms:GenerateDataKey"], [key]),
        "ReadTheHealthAlarm": (["cloudwatch:DescribeAlarms"],
                               [f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:levels-prod-primary-down"]),
        "DetachTheStandbyCluster": (["rds:DescribeDBClusters", "rds:RemoveFromGlobalCluster"], [cluster]),
        "LeaveTheGlobalDatabase": (["rds:DescribeGlobalClusters", "rds:RemoveFromGlobalCluster"], [global_cluster]),
        "ReadAndSetTheParameters": (["ssm:GetParameter", "ssm:PutParameter"], sorted([
            here.format("ssm") + ":parameter" + REMOTE % ("data", "active_region_parameter_name"),
            here.format("ssm") + ":parameter" + REMOTE % ("data", "parameter_prefix")
            + "/data/database/main/endpoint"])),
        "FindTheParametersKey": (["ssm:DescribeParameters"], ["*"]),
        "ParametersKeyThroughSsm": (["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
                                    [REMOTE % ("data", "kms_key_config_arn")]),
        "DescribeTheGroups": (["autoscaling:DescribeAutoScalingGroups"], ["*"]),
        "ScaleTheStandbyGroups": (["autoscaling:UpdateAutoScalingGroup"], [
            here.format("autoscaling") + ":autoScalingGroup:*:autoScalingGroupName/"
            + REMOTE % ("compute", f"fleet_{name}_group_name") for name in ("api", "worker")]),
        "ReadTargetHealth": (["elasticloadbalancing:DescribeTargetHealth"], ["*"]),
        "PinTheGate": (["route53:GetHealthCheck", "route53:UpdateHealthCheck"],
                       ["arn:aws:route53:::healthcheck/" + REMOTE % ("primary-edge", "failover_gate_health_check_id")]),
        "ReadTheFailoverRecords": (["route53:ListResourceRecordSets"],
                                   ["arn:aws:route53:::hostedzone/" + REMOTE % ("primary-edge", "hosted_zone_id")]),
        "PublishTheTimeline": (["sns:Publish"], [topic]),
    }
    # each RDS action on exactly the resource types it is authorized against; no promotion of an instance
    rds: dict[str, set[str]] = {}
    for actions, resources_ in granted.values():
        for action in (a for a in actions if a.startswith("rds:")):
            rds.setdefault(action, set()).update(resources_)
    assert rds == {"rds:DescribeDBClusters": {cluster}, "rds:DescribeGlobalClusters": {global_cluster},
                   "rds:RemoveFromGlobalCluster": {cluster, global_cluster}}
    # "*" only where the action has no resource-level permissions: as for cafe-dr, nothing of the database's
    assert sorted(sid for sid, (_, resources_) in granted.items() if "*" in resources_) == [
        "DescribeTheGroups", "FindTheParametersKey", "ReadTargetHealth", "Traces"]
    # with the producers' outputs: exactly what the orchestrator's config names
    config = Config.from_env(rendered_environment(levels, LEVELS_OUTPUTS, LEVELS_TOPIC_ARN))
    assert resolved(cluster, LEVELS_OUTPUTS) == config.database.cluster_arn == LEVELS_CLUSTER_ARN
    assert resolved(global_cluster, LEVELS_OUTPUTS) == f"arn:aws:rds::{ACCOUNT}:global-cluster:{LEVELS_GLOBAL_CLUSTER}"
    assert all(s.get("effect", "Allow") == "Allow" for s in permissions(levels).values())


def test_levels_reads_only_outputs_its_producers_publish(synthesized):
    """Through the real app: the standby data stack publishes the Aurora outputs the DATABASE contract names,
    and the primary edge names api.levels.example.com as the record failing over."""
    outdir = synthesized[("levels", "prod+warm-standby")]
    contracts = {s["name"]: s for s in platform_manifest(outdir)["stacks"]}
    document = json.loads((outdir / "stacks" / LEVELS / "cdk.tf.json").read_text())
    producer = {"network": "levels-prod-dr-network", "data": "levels-prod-dr-data",
                "compute": "levels-prod-dr-compute", "primary-edge": "levels-prod-edge"}
    assert contracts[LEVELS]["consumes"] == list(producer.values())
    read = set(REF.findall(json.dumps(document)))
    assert {("data", "database_main_arn"), ("data", "database_main_global_cluster_identifier")} <= read
    assert ("data", "database_main_identifier") not in read  # no replica to promote
    missing = sorted(f"{source}.{output}" for source, output in read
                     if output not in contracts[producer[source]]["outputs"])
    assert missing == []
    edge = json.loads((outdir / "stacks" / "levels-prod-edge" / "cdk.tf.json").read_text())
    assert edge["output"]["failover_record_name"]["value"] == "api.levels.example.com"


# -- replicated file systems (saas prod's warm standby: Weaviate's index) -------------------------------

SAAS = "saas-prod-dr-failover"
SAAS_REPLICA, SAAS_SOURCE = "fs-0ec7015ec7015ec70", "fs-0ec7014ec7014ec70"


@pytest.fixture(scope="module")
def saas() -> dict[str, Any]:
    return synth_alone(load_environment("saas", "prod+warm-standby"))


def test_the_standbys_replicas_are_the_orchestrators_file_systems(saas):
    config = load_environment("saas", "prod+warm-standby")
    assert list(config.data.file_systems) == ["vectors"]
    variables = only(saas, "aws_lambda_function")["environment"]["variables"]
    assert variables["FILE_SYSTEMS"] == "${jsonencode([%s])}" % REMOTE[2:-1] % ("data", "file_system_vectors_id")
    outputs = {("data", "file_system_vectors_id"): SAAS_REPLICA}
    assert evaluate(variables["FILE_SYSTEMS"], outputs) == [SAAS_REPLICA]
    sources = saas["data"]["terraform_remote_state"]
    assert sources["primary-data"]["config"]["key"] == "saas/prod/data.tfstate"  # the sources' ids


def test_saas_role_may_detach_its_replica_and_end_only_its_replication(saas):
    granted = {sid: (s["actions"], s["resources"]) for sid, s in permissions(saas).items()}
    expected = efs_statements("vectors", "eu-west-1", "eu-west-2")
    assert {sid: granted[sid] for sid in expected} == expected
    efs = {sid for sid, (actions, _) in granted.items() if any(a.startswith("elasticfilesystem:") for a in actions)}
    assert efs == set(expected)  # nothing else of EFS, and nowhere "*"
    outputs = {("data", "file_system_vectors_id"): SAAS_REPLICA,
               ("primary-data", "file_system_vectors_id"): SAAS_SOURCE}
    assert [resolved(arn, outputs) for arn in granted["EndTheReplicationOfTheSources"][1]] == [
        f"arn:aws:elasticfilesystem:eu-west-1:{ACCOUNT}:file-system/{SAAS_SOURCE}",
        f"arn:aws:elasticfilesystem:eu-west-2:{ACCOUNT}:file-system/{SAAS_SOURCE}"]


def test_without_file_systems_nothing_of_efs_is_read_or_granted(levels):
    variables = only(levels, "aws_lambda_function")["environment"]["variables"]
    assert "FILE_SYSTEMS" not in variables  # the orchestrator's default: none
    assert "primary-data" not in levels["data"]["terraform_remote_state"]
    assert not any("elasticfilesystem" in json.dumps(s) for s in permissions(levels).values())


# -- the timeline -------------------------------------------------------------------------------------


def test_the_timeline_topic_is_in_the_standby_region_with_the_ops_subscribers(document):
    topic_id = logical(document, "aws_sns_topic", name=NAME)
    topic = resources(document, "aws_sns_topic")[topic_id]
    assert topic.get("provider") is None and topic["kms_master_key_id"].startswith("${aws_kms_key.failover-key")
    subscriptions = [(s["protocol"], s["endpoint"]) for s in resources(document, "aws_sns_topic_subscription").values()
                     if s["topic_arn"] == ref("aws_sns_topic", topic_id)]
    assert subscriptions == [("email", "operations@cafe-dr.example.com")]  # config.ops.alarm_subscribers
    alarms = {a["alarm_name"]: a for a in resources(document, "aws_cloudwatch_metric_alarm").values()}
    for name, metric in (("cafe-dr-prod-dr-failover-errors", "Errors"),
                         ("cafe-dr-prod-dr-failover-dead-letters", "ApproximateNumberOfMessagesVisible")):
        alarm = alarms[name]
        assert alarm["metric_name"] == metric and alarm.get("provider") is None
        assert alarm["alarm_actions"] == alarm["ok_actions"] == [ref("aws_sns_topic", topic_id)]
        assert "invoke the function again" in alarm["alarm_description"]


def test_the_standbys_dead_letter_queues_alarm_on_the_timeline(levels):
    """After a failover the primary's ops stack, which watches the primary's queues, may be gone."""
    topic_id = logical(levels, "aws_sns_topic", name="levels-prod-dr-failover")
    alarms = {a["alarm_name"]: a for a in resources(levels, "aws_cloudwatch_metric_alarm").values()
              if a.get("provider") is None}
    for queue in ("jobs", "image-processing"):
        alarm = alarms[f"levels-prod-dr-{queue}-dead-letters"]
        output = f"queue_{queue.replace('-', '_')}_dead_letter_name"
        assert alarm["dimensions"] == {"QueueName": REMOTE % ("data", output)}
        assert alarm["alarm_actions"] == alarm["ok_actions"] == [ref("aws_sns_topic", topic_id)]


# -- the trigger --------------------------------------------------------------------------------------


def test_the_primary_down_alarm_watches_the_primary_edges_health_check_in_us_east_1(document):
    alarm = resources(document, "aws_cloudwatch_metric_alarm")["primary-down"]
    trigger = logical(document, "aws_sns_topic", name="cafe-dr-prod-dr-failover-trigger")
    assert alarm["alarm_name"] == "cafe-dr-prod-primary-down" and alarm["provider"] == "aws.us-east-1"
    assert (alarm["namespace"], alarm["metric_name"], alarm["statistic"]) == ("AWS/Route53", "HealthCheckStatus",
                                                                              "Minimum")
    assert alarm["dimensions"] == {"HealthCheckId": REMOTE % ("primary-edge", "health_check_id")}
    assert (alarm["comparison_operator"], alarm["threshold"]) == ("LessThanThreshold", 1)
    assert (alarm["period"], alarm["evaluation_periods"], alarm["treat_missing_data"]) == (60, 1, "breaching")
    assert alarm["alarm_actions"] == [ref("aws_sns_topic", trigger)]
    assert "ok_actions" not in alarm  # a recovery must not start the orchestrator
    assert "Missing data counts as down" in alarm["alarm_description"]
    assert "${" not in alarm["alarm_description"]
    assert document["output"]["trigger_alarm_name"]["value"] == ref("aws_cloudwatch_metric_alarm", "primary-down",
                                                                    "alarm_name")


def test_the_alarm_reaches_the_orchestrator_through_an_encrypted_topic_in_us_east_1(document):
    trigger = logical(document, "aws_sns_topic", name="cafe-dr-prod-dr-failover-trigger")
    topic = resources(document, "aws_sns_topic")[trigger]
    assert topic["provider"] == "aws.us-east-1"
    key_id = topic["kms_master_key_id"].removeprefix("${aws_kms_key.").removesuffix(".arn}")
    key = resources(document, "aws_kms_key")[key_id]
    assert key["provider"] == "aws.us-east-1" and key["enable_key_rotation"] is True
    grants = {s["sid"]: s for s in statements(document, key["policy"])}
    assert grants["AllowCloudwatch"]["principals"] == [{"type": "Service", "identifiers": ["cloudwatch.amazonaws.com"]}]
    assert grants["AllowCloudwatch"]["condition"] == [{"test": "StringEquals", "variable": "aws:SourceAccount",
                                                       "values": [ACCOUNT]}]
    policy = next(p for p in resources(document, "aws_sns_topic_policy").values()
                  if p["arn"] == ref("aws_sns_topic", trigger))
    assert policy["provider"] == "aws.us-east-1"
    rules = {s["sid"]: s for s in statements(document, policy["policy"])}
    assert rules["DenyPlainHttp"]["effect"] == "Deny"
    assert rules["ServicesOfThisAccountPublish"]["principals"][0]["identifiers"] == ["cloudwatch.amazonaws.com"]
    assert rules["ServicesOfThisAccountPublish"]["condition"][0]["values"] == [ACCOUNT]
    function = logical(document, "aws_lambda_function")
    (subscription,) = [s for s in resources(document, "aws_sns_topic_subscription").values()
                       if s["protocol"] == "lambda"]
    assert subscription == {**subscription, "topic_arn": ref("aws_sns_topic", trigger), "provider": "aws.us-east-1",
                            "endpoint": ref("aws_lambda_function", function)}
    permission = only(document, "aws_lambda_permission")
    assert (permission["action"], permission["principal"], permission["source_arn"]) == (
        "lambda:InvokeFunction", "sns.amazonaws.com", ref("aws_sns_topic", trigger))
    assert permission["function_name"] == ref("aws_lambda_function", function, "function_name")
    assert permission.get("provider") is None  # where the function is
    assert subscription["depends_on"] == ["aws_lambda_permission.trigger-permission"]


def test_without_dr_automatic_the_alarm_stays_for_the_runbook_but_starts_nothing(manual):
    alarm = resources(manual, "aws_cloudwatch_metric_alarm")["primary-down"]
    assert alarm["alarm_name"] == "cafe-dr-prod-primary-down" and alarm["provider"] == "aws.us-east-1"
    assert "alarm_actions" not in alarm and "ok_actions" not in alarm
    assert "dr.automatic is false" in alarm["alarm_description"]
    assert resources(manual, "aws_lambda_permission") == {}
    assert [s["protocol"] for s in resources(manual, "aws_sns_topic_subscription").values()] == ["email"]
    assert [t["name"] for t in resources(manual, "aws_sns_topic").values()] == [NAME]
    assert [k.get("provider") for k in resources(manual, "aws_kms_key").values()] == [None]
    assert "trigger_topic_arn" not in manual["output"]
    variables = only(manual, "aws_lambda_function")["environment"]["variables"]
    assert variables["HEALTH_ALARM_NAME"] == "cafe-dr-prod-primary-down"  # the orchestrator still reads it


def test_the_exports_name_the_orchestrator_its_topics_and_dead_letters(document):
    function = logical(document, "aws_lambda_function")
    outputs = {name: output["value"] for name, output in document["output"].items()}
    assert outputs == {
        "orchestrator_function_name": ref("aws_lambda_function", function, "function_name"),
        "orchestrator_function_arn": ref("aws_lambda_function", function),
        "timeline_topic_arn": ref("aws_sns_topic", logical(document, "aws_sns_topic", name=NAME)),
        "trigger_alarm_name": ref("aws_cloudwatch_metric_alarm", "primary-down", "alarm_name"),
        "trigger_topic_arn": ref("aws_sns_topic", logical(document, "aws_sns_topic",
                                                          name="cafe-dr-prod-dr-failover-trigger")),
        "dead_letter_queue_name": ref("aws_sqs_queue", "failures", "name"),
    }
