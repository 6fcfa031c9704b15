"""Layer 1: distributed tracing for the Fargate services (seed 002 L850-868, X-Ray traces across the services).
With compute.tracing, every service's task runs AWS's OpenTelemetry collector beside the application: pinned,
not essential, its CPU and memory carved from the fixed Fargate size, logging to the service's log group, every
listener on the task's loopback; the application is told where it listens, and the task role may send traces to
X-Ray and nothing more. Without it (every blueprint but saas) nothing changes. Bad settings are refused naming
the value and the fix."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from cdktf import TerraformStack
from cdktf import Testing as CdktfTesting
from cdktf_cdktf_provider_aws.provider import AwsProvider

from configuration import list_blueprints, load
from modules.containers import (
    ContainerCluster,
    ContainerClusterProps,
    FargateService,
    FargateServiceProps,
    TraceCollector,
)
from modules.containers.tracing import COLLECTOR_CONTAINER, COLLECTOR_IMAGE, XRAY_WRITE_ACTIONS
from tests.support import assert_refused, load_environment, policy_document, resources, stack_document

X_RAY_ACTIONS = ["xray:GetSamplingRules", "xray:GetSamplingStatisticSummaries", "xray:GetSamplingTargets",
                 "xray:PutTelemetryRecords", "xray:PutTraceSegments"]
"""AWS's X-Ray write actions (the AWSXrayWriteOnlyAccess policy's), typed out: the grant must be exactly these."""
ENVIRONMENTS = [("saas", "dev"), ("saas", "prod"), ("saas", "prod+warm-standby")]


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from synth.app import synthesize

    outputs = {}
    for blueprint, environment in ENVIRONMENTS:
        outdir = tmp_path_factory.mktemp(f"{blueprint}-{environment}")
        synthesize(load_environment(blueprint, environment), outdir)
        outputs[environment] = outdir
    return outputs


def _tasks(document: dict[str, Any], prefix: str) -> dict[str, tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Service name -> (its task definition, its container definitions)."""
    return {task["family"].removeprefix(f"{prefix}-"): (task, json.loads(task["container_definitions"]))
            for task in resources(document, "aws_ecs_task_definition").values()}


def _role_statements(document: dict[str, Any], service: str, role_kind: str = "task") -> list[dict[str, Any]]:
    """The inline statements of a service's task (or execution) role; none without an inline policy."""
    role = next(logical for logical, r in resources(document, "aws_iam_role").items()
                if r["name"].endswith(f"-{service}-{role_kind}"))
    policies = [p for p in resources(document, "aws_iam_role_policy").values()
                if p["role"] == f"${{aws_iam_role.{role}.name}}"]
    return [statement for p in policies for statement in policy_document(document, p["policy"])["statement"]]


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_every_saas_service_but_weaviate_runs_the_pinned_collector_beside_its_app(synthesized, environment):
    config = load("saas", environment)
    tasks = _tasks(stack_document(synthesized[environment], "compute"), config.name_prefix)
    assert sorted(config.compute.traced_services) == ["admin", "ai-worker", "backend", "chatbot-api", "frontend"]
    assert re.fullmatch(r"public\.ecr\.aws/aws-observability/aws-otel-collector:v\d+\.\d+\.\d+", COLLECTOR_IMAGE)
    for name in config.compute.traced_services:
        task, (app, collector) = tasks[name]
        assert (app["name"], app["essential"]) == (name, True)
        assert (collector["name"], collector["image"]) == (COLLECTOR_CONTAINER, COLLECTOR_IMAGE), name
        assert collector["essential"] is False, name  # a collector that fails stops tracing, not the service
        # carved from the fixed Fargate size: CPU shares add up to the task's, the collector's memory is capped
        assert app["cpu"] + collector["cpu"] == int(task["cpu"]), name
        assert collector["cpu"] == 64 and collector["memory"] == 128 <= int(task["memory"]) // 2, name
        assert "memory" not in app, name  # the application may use whatever the collector leaves
        assert collector["readonlyRootFilesystem"] is True and collector["user"] not in ("0", "root"), name
        assert collector["healthCheck"]["command"] == ["CMD", "/healthcheck"]  # the image has no shell
        logs, app_logs = collector["logConfiguration"], app["logConfiguration"]
        assert logs["logDriver"] == "awslogs" and logs["options"]["awslogs-stream-prefix"] == COLLECTOR_CONTAINER
        group = f"/ecs/{config.name_prefix}/{name}"
        assert logs["options"]["awslogs-group"] == app_logs["options"]["awslogs-group"] == group, name
    task, containers = tasks["weaviate"]  # compute.services.weaviate.tracing: false
    assert [c["name"] for c in containers] == ["weaviate"] and "cpu" not in containers[0]


@pytest.mark.parametrize(("environment", "ratio"), [("dev", "1"), ("prod", "0.05")])
def test_the_application_is_told_where_the_collector_listens_and_how_much_to_sample(synthesized, environment, ratio):
    config = load("saas", environment)
    tasks = _tasks(stack_document(synthesized[environment], "compute"), config.name_prefix)
    for name in config.compute.traced_services:
        _, (app, _) = tasks[name]
        environment_variables = {v["name"]: v["value"] for v in app["environment"]}
        traced_name = f"{config.name_prefix}-{name}"  # dev and prod share an account: X-Ray keeps them apart
        assert {k: v for k, v in environment_variables.items() if k.startswith(("OTEL_", "AWS_XRAY_"))} == {
            "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000", "AWS_XRAY_TRACING_NAME": traced_name,
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
            "OTEL_LOGS_EXPORTER": "none", "OTEL_METRICS_EXPORTER": "none", "OTEL_SERVICE_NAME": traced_name,
            "OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": ratio}, name
        assert not any(s["name"].startswith(("OTEL_", "AWS_XRAY_")) for s in app.get("secrets", []))


@pytest.mark.parametrize("environment", ["prod", "prod+warm-standby"])
def test_the_collector_listens_on_the_loopback_only_and_sends_to_its_own_region(synthesized, environment):
    primary = load_environment("saas", environment)
    sites = {"compute": (primary.name_prefix, primary.regions.primary)}
    if environment.endswith("warm-standby"):  # the standby's tasks trace into the standby's region
        sites["dr-compute"] = (f"{primary.name_prefix}-dr", primary.regions.secondary)
    for key, (prefix, region) in sites.items():
        tasks = _tasks(stack_document(synthesized[environment], key), prefix)
        assert sorted(name for name, (_, c) in tasks.items() if len(c) == 2) == sorted(primary.compute.traced_services)
        for name in primary.compute.traced_services:
            _, containers = tasks[name]
            collector = {v["name"]: v["value"] for v in containers[1]["environment"]}
            assert collector["AWS_REGION"] == region, (key, name)
            settings = json.loads(collector["AOT_CONFIG_CONTENT"])  # JSON, which the collector reads as YAML
            endpoints = re.findall(r'"endpoint":"([^"]+)"', collector["AOT_CONFIG_CONTENT"])
            assert endpoints and all(e.startswith("127.0.0.1:") for e in endpoints), endpoints
            receivers = settings["receivers"]
            assert receivers["awsxray"]["transport"] == "udp"  # X-Ray SDKs' segments, as to the daemon
            assert receivers["awsxray"]["proxy_server"]["region"] == region  # and their sampling-rule calls
            assert settings["exporters"] == {"awsxray": {"region": region, "local_mode": True}}
            traces = settings["service"]["pipelines"]["traces"]
            assert traces["receivers"] == ["otlp", "awsxray"] and traces["exporters"] == ["awsxray"]
            assert traces["processors"][0] == "memory_limiter"  # refuses spans before the container is killed
            limiter = settings["processors"]["memory_limiter"]
            assert limiter["spike_limit_mib"] < limiter["limit_mib"] < containers[1]["memory"]
            assert collector["GOMEMLIMIT"] == f"{limiter['limit_mib']}MiB"


def test_each_traced_task_role_may_send_traces_to_x_ray_and_nothing_more(synthesized):
    document = stack_document(synthesized["prod"], "compute")
    config = load("saas", "prod")
    assert sorted(XRAY_WRITE_ACTIONS) == X_RAY_ACTIONS
    for name in config.compute.services:
        tracing = [s for s in _role_statements(document, name) if any(a.startswith("xray:") for a in s["actions"])]
        if name not in config.compute.traced_services:
            assert tracing == [], name
            continue
        # X-Ray defines no resource types for these actions: "*" is the only resource IAM accepts
        assert tracing == [{"sid": "SendTracesToXRay", "actions": X_RAY_ACTIONS, "resources": ["*"]}], name
        execution = _role_statements(document, name, "execution")  # it pulls images, writes logs, reads secrets
        assert not any(a.startswith("xray:") for s in execution for a in s["actions"]), name


@pytest.mark.parametrize("blueprint", [b.name for b in list_blueprints() if b.name != "saas"])
def test_tracing_is_off_unless_a_blueprint_sets_it(blueprint):
    for environment in ("dev", "prod"):
        compute = load(blueprint, environment).compute
        assert compute.tracing is None and compute.traced_services == [], (blueprint, environment)


def test_a_saas_environment_without_tracing_keeps_one_container_per_task(tmp_path):
    """compute.tracing: null gives back the task definitions as they were before tracing: the construct adds nothing."""
    from synth.app import synthesize
    from tests.support import user_config_file

    config = load(config_file=user_config_file(tmp_path, "saas/prod", "compute:\n  tracing: null\n"))
    assert config.compute.traced_services == []
    synthesize(config, tmp_path / "out")
    document = stack_document(tmp_path / "out", "compute")
    for name, (_, containers) in _tasks(document, config.name_prefix).items():
        assert [c["name"] for c in containers] == [name] and "cpu" not in containers[0], name
        environment = [v["name"] for v in containers[0].get("environment", [])]
        assert not any(v.startswith(("OTEL_", "AWS_XRAY_")) for v in environment), name
        assert not any(a.startswith("xray:") for s in _role_statements(document, name) for a in s["actions"]), name


def _construct_containers(**props: Any) -> list[dict[str, Any]]:
    app = CdktfTesting.app()
    stack = TerraformStack(app, "tracing-test")
    AwsProvider(stack, "aws", region="eu-west-1")
    cluster = ContainerCluster(stack, "cluster", ContainerClusterProps(
        name="shop-prod", vpc_id="vpc-1", namespace="shop-prod.internal"))
    FargateService(stack, "service", FargateServiceProps(
        name="api", name_prefix="shop-prod", cluster=cluster, image="repo/api:1", subnet_ids=["a", "b"],
        security_group_ids=["sg-1"], account_id="123456789012", region="eu-west-1", log_encryption_key_arn="arn:key",
        **props))
    (task,) = json.loads(CdktfTesting.synth(stack))["resource"]["aws_ecs_task_definition"].values()
    return json.loads(task["container_definitions"])


def test_the_services_own_environment_wins_over_the_collectors_defaults():
    """A team that names its service itself, or samples its own way, keeps its setting; the rest is filled in."""
    app, collector = _construct_containers(
        cpu=1024, memory=2048, tracing=TraceCollector(sample_percent=20, cpu=128, memory=256),
        environment={"OTEL_SERVICE_NAME": "checkout", "NODE_ENV": "production"},
        secrets={"OTEL_EXPORTER_OTLP_HEADERS": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x"})
    environment = {v["name"]: v["value"] for v in app["environment"]}
    assert environment["OTEL_SERVICE_NAME"] == "checkout" and environment["NODE_ENV"] == "production"
    assert environment["OTEL_TRACES_SAMPLER_ARG"] == "0.2" and environment["AWS_XRAY_TRACING_NAME"] == "shop-prod-api"
    assert "OTEL_EXPORTER_OTLP_HEADERS" not in environment  # a secret of that name stays the only one
    assert (app["cpu"], collector["cpu"], collector["memory"]) == (896, 128, 256)


def test_without_tracing_the_construct_writes_one_container_without_a_cpu_share():
    (app,) = _construct_containers(cpu=256, memory=512)
    assert app["name"] == "api" and "cpu" not in app and "environment" not in app


BAD_SETTINGS = {
    "no share of requests": ("compute:\n  tracing: {sample_percent: 0}\n", ["sample_percent 0", "above 0"]),
    "more than every request": ("compute:\n  tracing: {sample_percent: 150}\n", ["sample_percent 150", "at most 100"]),
    "a collector without CPU": ("compute:\n  tracing: {collector_cpu: 16}\n", ["collector_cpu 16", "32 to 1024"]),
    "a collector killed as it starts": ("compute:\n  tracing: {collector_memory: 32}\n",
                                        ["collector_memory 32", "64 to 2048"]),
    "more than half of admin's task": ("compute:\n  tracing: {collector_memory: 512}\n",
                                       ["compute.services.admin", "512 MiB", "memory 512", "tracing: false"]),
    "more than half of the CPU": (  # admin (cpu 256) out: frontend's 512 is the first task it does not fit
        "compute:\n  tracing: {collector_cpu: 257}\n  services:\n    admin: {tracing: false}\n",
        ["compute.services.frontend", "257 CPU units", "cpu 512"]),
    "a service insisting without the switch": ("compute:\n  tracing: null\n  services:\n    backend: {tracing: true}\n",
                                               ["compute.services.backend.tracing", "compute.tracing: {}"]),
    "an unknown setting": ("compute:\n  tracing: {enabled: true}\n", ["enabled", "sample_percent"]),
}


@pytest.mark.parametrize("case", sorted(BAD_SETTINGS))
def test_bad_tracing_settings_are_refused_naming_the_value_and_the_fix(tmp_path, case):
    body, fragments = BAD_SETTINGS[case]
    assert_refused(tmp_path, "saas/prod", body, fragments)


def test_tracing_without_services_is_refused(tmp_path):
    """The collector runs in Fargate tasks: on a blueprint of EC2 fleets the switch would do nothing."""
    assert_refused(tmp_path, "notebookly/prod", "compute:\n  tracing: {}\n", ["compute.tracing", "no compute.services"])


@pytest.mark.parametrize(("props", "fragments"), [
    (dict(cpu=256, memory=512, tracing=TraceCollector(memory=512)), ["service 'api'", "512 MiB", "memory 512"]),
    (dict(cpu=256, memory=512, name="aws-otel-collector", tracing=TraceCollector()), ["aws-otel-collector", "rename"]),
])
def test_the_construct_refuses_a_task_that_cannot_hold_the_collector(props, fragments):
    values = dict(name="api", name_prefix="shop-prod", cluster=object(), image="repo/api:1", subnet_ids=["a"],
                  security_group_ids=["sg-1"], account_id="123456789012", region="eu-west-1",
                  log_encryption_key_arn="arn:key")
    with pytest.raises(ValueError) as error:
        FargateServiceProps(**{**values, **props})
    assert all(fragment in str(error.value) for fragment in [*fragments, "fix:"]), str(error.value)


@pytest.mark.parametrize(("settings", "fragment"), [
    (dict(sample_percent=0), "sample_percent 0"), (dict(sample_percent=101), "sample_percent 101"),
    (dict(cpu=2048), "collector_cpu 2048"), (dict(memory=63), "collector_memory 63")])
def test_a_collector_that_could_not_work_is_refused(settings, fragment):
    with pytest.raises(ValueError, match="fix:") as error:
        TraceCollector(**settings)
    assert fragment in str(error.value)
