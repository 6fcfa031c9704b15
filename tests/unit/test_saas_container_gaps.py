"""Layer 1: the saas blueprint's container settings from seed 002's walk-through. Every service's container has
its own health check, written with what its image has (Alpine's wget on 127.0.0.1, Python's urllib, a worker's
heartbeat file); the Node services run with NODE_ENV=production; the backend's target group is sticky, for
Socket.IO's long-polling over two or more tasks; prod's database is a db.t4g.small; dev stops its services from
Friday night to Monday morning. Bad health checks and stickiness are refused naming the value and the fix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from configuration import load
from modules.containers import ContainerHealthCheck
from modules.load_balancer import LoadBalancedTarget, TargetStickiness
from tests.support import assert_refused, load_environment, resources, stack_document, user_config_file

ENVIRONMENTS = [("saas", "dev"), ("saas", "prod"), ("saas", "prod+warm-standby")]
NODE_SERVICES = ("frontend", "backend", "admin")
"""The seed's Node.js services (Next.js dashboard, Fastify API, tenant admin), built FROM node:20-alpine."""


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    from synth.app import synthesize

    outputs = {}
    for blueprint, environment in ENVIRONMENTS:
        outdir = tmp_path_factory.mktemp(f"{blueprint}-{environment}")
        synthesize(load_environment(blueprint, environment), outdir)
        outputs[(blueprint, environment)] = outdir
    return outputs


def _containers(document: dict[str, Any], prefix: str) -> dict[str, dict[str, Any]]:
    """Service name -> its application's container definition (a traced task also runs the trace collector)."""
    found = {}
    for task in resources(document, "aws_ecs_task_definition").values():
        name = task["family"].removeprefix(f"{prefix}-")
        (found[name],) = [c for c in json.loads(task["container_definitions"]) if c["name"] == name]
    return found


def _target_groups(document: dict[str, Any], prefix: str) -> dict[str, dict[str, Any]]:
    return {group["name"].removeprefix(f"{prefix}-"): group
            for group in resources(document, "aws_lb_target_group").values()}


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_every_service_container_checks_its_own_health_on_its_own_port(synthesized, environment):
    config = load("saas", environment)
    containers = _containers(stack_document(synthesized[("saas", environment)], "compute"), config.name_prefix)
    assert sorted(containers) == sorted(config.compute.services)
    for name, service in config.compute.services.items():
        check = containers[name]["healthCheck"]
        shell, command = check["command"]
        assert shell == "CMD-SHELL", name
        assert (check["interval"], check["timeout"], check["retries"]) == (30, 5, 3), name
        assert check["startPeriod"] == service.health_check.start_period_seconds >= 60, name
        # seed: Alpine has no curl and resolves localhost to ::1
        assert "curl" not in command and "localhost" not in command, (name, command)
        if service.port is not None:
            assert f"http://127.0.0.1:{service.port}/" in command, (name, command)
    for name in NODE_SERVICES:  # the seed's command, on the path the target group checks as well
        path = config.compute.services[name].health_check_path
        port = config.compute.services[name].port
        assert containers[name]["healthCheck"]["command"][1] == f"wget -q --spider http://127.0.0.1:{port}{path}"


def test_services_no_load_balancer_reaches_are_checked_their_own_way(synthesized):
    containers = _containers(stack_document(synthesized[("saas", "prod")], "compute"), "saas-prod")
    weaviate = containers["weaviate"]["healthCheck"]
    assert weaviate["command"][1].endswith("http://127.0.0.1:8080/v1/.well-known/ready")  # 503 until it serves
    assert weaviate["startPeriod"] == 120  # it loads its index from EFS first
    # the worker listens on nothing: it touches a heartbeat file, which must be on a writable mount
    worker = containers["ai-worker"]
    assert worker["readonlyRootFilesystem"] is True and "portMappings" not in worker
    command = worker["healthCheck"]["command"][1]
    heartbeat = command.split()[1]
    writable = [m["containerPath"] for m in worker["mountPoints"] if not m["readOnly"]]
    assert any(heartbeat.startswith(f"{path}/") for path in writable), (heartbeat, writable)
    # silent for longer than a job may hold its message (the queue's visibility timeout): stuck
    minutes = int(command.split("-mmin -")[1].split()[0])
    assert minutes * 60 > load("saas", "prod").data.queues["ai-jobs"].visibility_timeout_seconds
    assert containers["chatbot-api"]["healthCheck"]["command"][1].startswith("python3 -c ")  # slim: no wget


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_the_node_services_run_in_production_mode_and_only_they(synthesized, environment):
    containers = _containers(stack_document(synthesized[("saas", environment)], "compute"), f"saas-{environment}")
    for name, container in containers.items():
        modes = [v["value"] for v in container.get("environment", []) if v["name"] == "NODE_ENV"]
        assert modes == (["production"] if name in NODE_SERVICES else []), name


@pytest.mark.parametrize("environment", ["dev", "prod", "prod+warm-standby"])
def test_only_the_backend_target_group_is_sticky_with_a_day_long_load_balancer_cookie(synthesized, environment):
    outdir = synthesized[("saas", environment)]
    prefix = load_environment("saas", environment).name_prefix
    sites = {"compute": prefix} | ({"dr-compute": f"{prefix}-dr"} if environment.endswith("warm-standby") else {})
    for key, site_prefix in sites.items():  # the standby serves the same Socket.IO clients after a failover
        groups = _target_groups(stack_document(outdir, key), site_prefix)
        assert sorted(groups) == ["admin", "backend", "chatbot-api", "frontend"], key
        assert groups["backend"]["stickiness"] == {"enabled": True, "type": "lb_cookie", "cookie_duration": 86400}
        assert [name for name, group in groups.items() if "stickiness" in group] == ["backend"], key


def test_prod_runs_the_database_on_graviton_small_and_dev_keeps_the_micro(synthesized):
    classes = {environment: [i["instance_class"] for i in resources(
        stack_document(synthesized[("saas", environment)], "data"), "aws_db_instance").values()]
        for environment in ("dev", "prod")}
    assert classes == {"dev": ["db.t4g.micro"], "prod": ["db.t4g.small"]}
    ops = stack_document(synthesized[("saas", "prod")], "ops")
    descriptions = [a["alarm_description"] for a in resources(ops, "aws_cloudwatch_metric_alarm").values()]
    assert any("the postgres limit on db.t4g.small" in d for d in descriptions)  # the connection alarm follows


def test_dev_stops_every_service_friday_night_and_restores_it_monday_morning(synthesized):
    config = load("saas", "dev")
    actions = {a["name"]: a for a in resources(
        stack_document(synthesized[("saas", "dev")], "compute"), "aws_appautoscaling_scheduled_action").values()}
    assert len(actions) == 2 * len(config.compute.services)
    for name, service in config.compute.services.items():
        stop, start = actions[f"saas-dev-{name}-off-hours-stop"], actions[f"saas-dev-{name}-off-hours-start"]
        assert (stop["schedule"], stop["timezone"]) == ("cron(0 22 ? * FRI *)", "UTC"), name
        assert stop["scalable_target_action"] == {"min_capacity": "0", "max_capacity": "0"}, name
        assert (start["schedule"], start["timezone"]) == ("cron(0 6 ? * MON *)", "UTC"), name
        assert start["scalable_target_action"] == {"min_capacity": str(service.min_size),
                                                   "max_capacity": str(service.max_size)}, name
    for environment in ("prod", "prod+warm-standby"):
        outdir = synthesized[("saas", environment)]
        assert not resources(stack_document(outdir, "compute"), "aws_appautoscaling_scheduled_action"), environment


def test_unset_the_container_check_and_stickiness_are_left_out(tmp_path):
    """Both are opt-in: a service without them synthesizes as before (the other blueprints' JSON is unchanged)."""
    from synth.app import synthesize

    body = "compute:\n  services:\n    backend: {health_check: null, stickiness: null}\n"
    outdir = tmp_path / "out"
    synthesize(load(config_file=user_config_file(tmp_path, "saas/dev", body)), outdir)
    document = stack_document(outdir, "compute")
    assert "healthCheck" not in _containers(document, "saas-dev")["backend"]
    assert "healthCheck" in _containers(document, "saas-dev")["frontend"]
    assert "stickiness" not in _target_groups(document, "saas-dev")["backend"]


# case -> (the YAML merged over saas/dev, fragments the one error must contain besides "fix:")
REFUSED = {
    "interval-below-ecs-minimum": (
        "    backend:\n      health_check: {command: wget -q --spider http://127.0.0.1:6000/health, "
        "interval_seconds: 3}\n",
        ["compute.services.backend.health_check", "interval_seconds 3 is outside what ECS accepts", "5 to 300"]),
    "timeout-not-below-interval": (
        "    backend:\n      health_check: {timeout_seconds: 30, interval_seconds: 30}\n",
        ["timeout_seconds 30 is not below interval_seconds 30", "e.g. 5 and 30"]),
    "no-retries": (
        "    admin:\n      health_check: {retries: 0}\n",
        ["compute.services.admin.health_check", "retries 0 is outside what ECS accepts", "1 to 10"]),
    "start-period-too-long": (
        "    weaviate:\n      health_check: {start_period_seconds: 600}\n",
        ["start_period_seconds 600 is outside what ECS accepts", "0 to 300"]),
    "blank-command": (
        "    frontend:\n      health_check: {command: '   '}\n",
        ["compute.services.frontend.health_check", "health check command is empty", "exits 0 when the app works"]),
    "sticky-service-behind-no-load-balancer": (
        "    weaviate:\n      stickiness: {}\n",
        ["compute.services.weaviate", "stickiness is set on a service the load balancer does not reach",
         "remove stickiness"]),
    "sticky-worker": (
        "    ai-worker:\n      stickiness: {type: lb_cookie}\n",
        ["compute.services.ai-worker", "the load balancer does not reach"]),
    "app-cookie-unnamed": (
        "    backend:\n      stickiness: {type: app_cookie}\n",
        ["compute.services.backend.stickiness", "type app_cookie without cookie_name", "session cookie"]),
    "cookie-name-with-load-balancer-cookie": (
        "    backend:\n      stickiness: {cookie_name: sid}\n",
        ["cookie_name 'sid' with type lb_cookie", "drop cookie_name, or use type app_cookie"]),
    "cookie-name-reserved-by-elb": (
        "    backend:\n      stickiness: {type: app_cookie, cookie_name: AWSALBAPP-0}\n",
        ["cookie_name 'AWSALBAPP-0' is not a cookie name the application may own", "not starting with AWSALB"]),
    "stickiness-longer-than-a-week": (
        "    backend:\n      stickiness: {duration_seconds: 604801}\n",
        ["duration_seconds 604801 is outside what ELB accepts", "1 to 604800"]),
    "stickiness-without-duration": (
        "    backend:\n      stickiness: {duration_seconds: 0}\n",
        ["duration_seconds 0 is outside what ELB accepts"]),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_bad_health_checks_and_stickiness_are_refused_with_the_value_and_the_fix(case, tmp_path):
    body, fragments = REFUSED[case]
    assert_refused(tmp_path, "saas/dev", f"compute:\n  services:\n{body}", fragments)


def test_the_constructs_refuse_what_ecs_and_elb_would_refuse():
    """The props check the same rules for the constructs' other users (the generated modules)."""
    with pytest.raises(ValueError, match=r"interval_seconds 301 is outside what ECS accepts; fix: 5 to 300"):
        ContainerHealthCheck(command="true", interval_seconds=301)
    with pytest.raises(ValueError, match=r"stickiness type 'source_ip'; fix: one of \['lb_cookie', 'app_cookie'\]"):
        LoadBalancedTarget(port=80, stickiness=TargetStickiness(type="source_ip"))
    target = LoadBalancedTarget(port=80, stickiness=TargetStickiness(type="app_cookie", cookie_name="io"))
    assert (target.stickiness.type, target.stickiness.cookie_name) == ("app_cookie", "io")
    assert ContainerHealthCheck(command="true").container_definition() == {
        "command": ["CMD-SHELL", "true"], "interval": 30, "timeout": 5, "retries": 3, "startPeriod": 60}
