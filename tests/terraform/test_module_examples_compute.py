"""The compute, storage and alarm modules from HCL (alb, asg-fleet, ecs-service, cache, s3-bucket, alarms): each
example's values reach the planned resources as the Python constructs would use them, and bad values are refused
with the rule and its fix before anything is planned."""

from __future__ import annotations

import base64
import json
from email import message_from_string
from email.policy import default as mime_policy
from pathlib import Path

import pytest

from publishing.modules.__main__ import write_modules
from tests.harness.terraform import TerraformError
from tests.terraform.test_module_examples import _planned
from tests.workdirs import example_workdir

pytestmark = pytest.mark.terraform


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("modules") / "terraform-modules"
    write_modules(out)
    return out


def _plan(generated: Path, tmp_path: Path, name: str, overrides: dict | None = None) -> dict:
    workdir = example_workdir(name, generated, tmp_path)
    if overrides:
        workdir.write_override({"module": {name.replace("-", "_"): overrides}}, name="changed_input")
    return _planned(workdir)


def _refusal(generated: Path, tmp_path: Path, name: str, overrides: dict) -> str:
    """The error of planning examples/<name> with `overrides` in its module block, on one line."""
    workdir = example_workdir(name, generated, tmp_path)
    workdir.write_override({"module": {name.replace("-", "_"): overrides}}, name="bad_input")
    workdir.init()
    with pytest.raises(TerraformError) as refused:
        workdir.plan()
    return " ".join(str(refused.value).split())


def _inputs(plan: dict, name: str, generated: Path) -> dict:
    """What the example passes the module: its literal arguments, over the module's defaults."""
    variables = json.loads((generated / name / "variables.tf.json").read_text())["variable"]
    call = plan["configuration"]["root_module"]["module_calls"][name.replace("-", "_")]["expressions"]
    return {**{k: v["default"] for k, v in variables.items() if "default" in v},
            **{k: v["constant_value"] for k, v in call.items() if "constant_value" in v}}


def _planned_resources(plan: dict, module: str, kind: str) -> list[dict]:
    return [c["change"]["after"] for c in plan["resource_changes"]
            if c["address"].startswith(f"module.{module}.") and c["type"] == kind]


def _one(plan: dict, module: str, kind: str) -> dict:
    (resource,) = _planned_resources(plan, module, kind)
    return resource


# -- alb ----------------------------------------------------------------------------------------------------------


def test_the_alb_example_reaches_its_target_group_listener_and_web_acl(generated, tmp_path):
    plan = _plan(generated, tmp_path, "alb")
    given = _inputs(plan, "alb", generated)
    group = _one(plan, "alb", "aws_lb_target_group")
    assert (group["port"], group["target_type"], group["health_check"][0]["path"]) == (
        given["target_port"], given["target_type"], given["health_check_path"]) == (8080, "ip", "/healthz")
    https = next(listener for listener in _planned_resources(plan, "alb", "aws_lb_listener")
                 if listener["protocol"] == "HTTPS")
    assert https["ssl_policy"] == given["tls_policy"] != "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert _one(plan, "alb", "aws_lb")["enable_deletion_protection"] is given["deletion_protection"] is False
    certificate = _one(plan, "alb", "aws_acm_certificate")
    assert sorted(certificate["subject_alternative_names"]) == sorted([given["domain_name"],
                                                                       *given["alternative_names"]])
    acl = _one(plan, "alb", "aws_wafv2_web_acl")
    rate = next(rule for rule in acl["rule"] if rule["name"] == "RateLimitPerIp")
    assert rate["statement"][0]["rate_based_statement"][0]["limit"] == given["waf_rate_limit"] == 300
    # WebAcl spells the metric names from the name in Python; Terraform spells them the same from the variable
    assert acl["visibility_config"][0]["metric_name"] == "ShopStaging"


def test_the_alb_module_refuses_a_legacy_tls_policy_and_a_zone_path(generated, tmp_path):
    message = _refusal(generated, tmp_path, "alb", {"tls_policy": "ELBSecurityPolicy-2016-08",
                                                    "hosted_zone_id": "/hostedzone/Z0123456789ABCDEFGHIJ"})
    assert "tls_policy must be one of ELBSecurityPolicy-TLS13-1-2-2021-06" in message and "2016-08" in message
    assert "hosted_zone_id must look like Z0123456789ABCDEFGHIJ" in message and "without /hostedzone/" in message


# -- asg-fleet ----------------------------------------------------------------------------------------------------


def test_the_asg_fleet_example_boots_and_scales_as_the_python_fleet_would(generated, tmp_path):
    from modules.firewall import WorkloadSecurityGroupProps
    from modules.fleet.agent import parameter_name, with_agent

    plan = _plan(generated, tmp_path, "asg-fleet")
    given = _inputs(plan, "asg-fleet", generated)
    template = _one(plan, "asg_fleet", "aws_launch_template")
    assert template["instance_type"] == given["instance_type"] == "m7i.large"
    assert template["block_device_mappings"][0]["ebs"][0]["volume_size"] == given["root_volume_gb"] == 30
    group = _one(plan, "asg_fleet", "aws_autoscaling_group")
    assert (group["min_size"], group["max_size"], group["health_check_type"]) == (3, 9, "ELB")
    policy = _one(plan, "asg_fleet", "aws_autoscaling_policy")
    assert policy["target_tracking_configuration"][0]["target_value"] == given["target_cpu_percent"] == 60
    # the boot document: the CloudWatch agent's start script, then the example's script, part for part as Python
    # writes it (the MIME boundary differs: Python derives it from the literal text)
    launched = message_from_string(base64.b64decode(template["user_data"]).decode(), policy=mime_policy)
    expected = message_from_string(with_agent(given["user_data"], parameter_name(given["name"])), policy=mime_policy)
    assert [(p.get_filename(), p.get_content()) for p in launched.iter_parts()] == [
        (p.get_filename(), p.get_content()) for p in expected.iter_parts()]
    assert "systemctl enable --now shop-web" in given["user_data"]
    # Python types the user part by its first line (#!: a shell script); the module cannot, the text being a
    # variable, and says text/plain, which cloud-init types by that same first line
    assert [p.get_content_type() for p in expected.iter_parts()] == ["text/x-shellscript"] * 2
    assert [p.get_content_type() for p in launched.iter_parts()] == ["text/x-shellscript", "text/plain"]
    # DNS only to the VPC resolver, which Terraform computes from the network module's CIDR as Python would
    resolver = WorkloadSecurityGroupProps(name="x", description="x", vpc_id="vpc-0", vpc_cidr="10.42.0.0/16")
    dns = [rule["cidr_ipv4"] for rule in _planned_resources(plan, "asg_fleet", "aws_vpc_security_group_egress_rule")
           if rule["from_port"] == 53]
    assert dns == [resolver.resolver_cidr] * 2 == ["10.42.0.2/32"] * 2


def test_the_asg_fleet_module_refuses_a_minimum_above_the_maximum(generated, tmp_path):
    message = _refusal(generated, tmp_path, "asg-fleet", {"min_size": 5, "max_size": 2})
    assert "min_size must not be above max_size; fix: raise max_size or lower min_size." in message


def test_the_asg_fleet_module_refuses_a_malformed_ami_id(generated, tmp_path):
    message = _refusal(generated, tmp_path, "asg-fleet", {"image_id": "ami-123"})
    assert "image_id must look like ami-0123456789abcdef0" in message and "ami-123" in message


# -- ecs-service --------------------------------------------------------------------------------------------------


def test_the_ecs_service_example_sizes_scales_and_logs_its_tasks(generated, tmp_path):
    plan = _plan(generated, tmp_path, "ecs-service")
    given = _inputs(plan, "ecs-service", generated)
    task = _one(plan, "ecs_service", "aws_ecs_task_definition")
    # cpu and memory are strings in ECS: Terraform writes the numbers the module was given
    assert (task["cpu"], task["memory"], task["family"]) == ("1024", "3072", "shop-staging-api")
    assert (given["cpu"], given["memory"], given["service_name"]) == (1024, 3072, "api")
    target = _one(plan, "ecs_service", "aws_appautoscaling_target")
    assert (target["min_capacity"], target["max_capacity"]) == (given["min_count"], given["max_count"]) == (3, 12)
    assert target["resource_id"] == "service/shop-staging/api"
    service = _one(plan, "ecs_service", "aws_ecs_service")
    assert service["load_balancer"][0]["container_port"] == given["port"] == 3000
    assert service["desired_count"] == 3
    logs = _one(plan, "ecs_service", "aws_cloudwatch_log_group")
    assert (logs["name"], logs["retention_in_days"]) == ("/ecs/shop-staging/api", given["log_retention_days"])
    lifecycle = json.loads(_one(plan, "ecs_service", "aws_ecr_lifecycle_policy")["policy"])
    assert lifecycle["rules"][0]["selection"]["countNumber"] == given["keep_images"] == 20


def test_the_ecs_service_module_refuses_a_size_fargate_lacks(generated, tmp_path):
    message = _refusal(generated, tmp_path, "ecs-service", {"cpu": 256, "memory": 4096})
    assert "memory is not a size Fargate admits with cpu" in message and "fix: change memory or cpu" in message


def test_the_ecs_service_module_refuses_to_run_as_root(generated, tmp_path):
    message = _refusal(generated, tmp_path, "ecs-service", {"user": "0:0"})
    assert "user must be a numeric, non-root uid" in message and "0:0" in message


# -- cache --------------------------------------------------------------------------------------------------------


def test_the_cache_example_fails_over_across_its_nodes(generated, tmp_path):
    plan = _plan(generated, tmp_path, "cache")
    given = _inputs(plan, "cache", generated)
    group = _one(plan, "cache", "aws_elasticache_replication_group")
    assert group["num_cache_clusters"] == given["replicas"] + 1 == 3
    assert group["automatic_failover_enabled"] is group["multi_az_enabled"] is True
    assert (group["node_type"], group["snapshot_retention_limit"], group["maintenance_window"]) == (
        given["node_type"], given["snapshot_retention_days"], given["maintenance_window"])
    assert group["transit_encryption_mode"] == "required" and group["at_rest_encryption_enabled"] == "true"
    logs = {g["name"]: g["retention_in_days"] for g in _planned_resources(plan, "cache", "aws_cloudwatch_log_group")}
    assert logs == {f"/aws/elasticache/{given['name']}/{kind}": given["log_retention_days"]
                    for kind in ("slow-log", "engine-log")}


def test_the_cache_module_without_replicas_is_one_node_without_failover(generated, tmp_path):
    group = _one(_plan(generated, tmp_path, "cache", {"replicas": 0}), "cache", "aws_elasticache_replication_group")
    assert (group["num_cache_clusters"], group["automatic_failover_enabled"], group["multi_az_enabled"]) == (
        1, False, False)


def test_the_cache_module_refuses_a_spelled_out_window_and_six_replicas(generated, tmp_path):
    message = _refusal(generated, tmp_path, "cache", {"maintenance_window": "Sunday 04:00-05:00", "replicas": 6})
    assert "maintenance_window must be a weekly UTC window 'ddd:hh:mm-ddd:hh:mm'" in message
    assert "replicas must be a whole number from 0 to 5" in message


# -- s3-bucket ----------------------------------------------------------------------------------------------------


def test_the_s3_bucket_example_tiers_and_expires_as_given(generated, tmp_path):
    plan = _plan(generated, tmp_path, "s3-bucket")
    given = _inputs(plan, "s3-bucket", generated)
    buckets = {b["bucket"] for b in _planned_resources(plan, "s3_bucket", "aws_s3_bucket")}
    assert buckets == {given["bucket_name"], given["access_log_bucket_name"]}
    rules = {r["id"]: r for c in _planned_resources(plan, "s3_bucket", "aws_s3_bucket_lifecycle_configuration")
             for r in c["rule"]}
    data = rules["tier-and-expire-old-versions"]
    assert [(t["days"], t["storage_class"]) for t in data["transition"]] == [(180, "GLACIER_IR")] == [
        (given["transition_days"], given["transition_storage_class"])]
    assert data["noncurrent_version_expiration"][0]["noncurrent_days"] == given[
        "noncurrent_version_expiration_days"] == 30
    assert rules["expire-access-logs"]["expiration"][0]["days"] == 365  # the project's access-log lifecycle
    encryption = {c["rule"][0]["apply_server_side_encryption_by_default"][0]["sse_algorithm"]
                  for c in _planned_resources(plan, "s3_bucket", "aws_s3_bucket_server_side_encryption_configuration")}
    assert encryption == {"aws:kms", "AES256"}  # the data bucket's own key; S3 log delivery needs SSE-S3


def test_the_s3_bucket_module_refuses_a_dotted_name_and_an_unknown_class(generated, tmp_path):
    message = _refusal(generated, tmp_path, "s3-bucket", {"bucket_name": "shop.images",
                                                          "transition_storage_class": "GLACIER_FAST"})
    assert "bucket_name must be 3-63 lower-case letters, digits or hyphens" in message and "no dots" in message
    assert "transition_storage_class must be one of STANDARD_IA" in message and "GLACIER_FAST" in message


# -- alarms -------------------------------------------------------------------------------------------------------


def test_the_alarms_example_raises_the_ops_stacks_alarms_with_its_thresholds(generated, tmp_path):
    from modules.monitoring import database_alarms, load_balancer_alarms

    plan = _plan(generated, tmp_path, "alarms")
    given = _inputs(plan, "alarms", generated)
    expected = [*load_balancer_alarms(given["load_balancer_arn_suffix"], {"app": given["target_group_arn_suffix"]},
                                      given["http_5xx_percent"], given["latency_p95_seconds"]),
                *database_alarms("main", given["database_identifier"], given["database_engine"],
                                 given["database_instance_class"], given["database_allocated_storage_gb"],
                                 cpu_percent=given["database_cpu_percent"],
                                 free_storage_percent=given["database_free_storage_percent"],
                                 connections_percent=given["database_connections_percent"])]
    planned = {a["alarm_name"]: (a["threshold"], a["alarm_description"])
               for a in _planned_resources(plan, "alarms", "aws_cloudwatch_metric_alarm")}
    assert planned == {f"{given['name']}-{spec.key}": (spec.threshold, spec.description) for spec in expected}
    assert planned["shop-staging-main-db-connections-high"][0] == 1261  # 70 % of PostgreSQL's 1802 on db.r6g.large
    endpoints = sorted((s["protocol"], s["endpoint"]) for s in _planned_resources(plan, "alarms",
                                                                                 "aws_sns_topic_subscription"))
    assert endpoints == sorted([*(("email", e) for e in given["alarm_emails"]),
                                *(("https", u) for u in given["alarm_https_endpoints"])])


def test_the_alarms_module_refuses_an_unknown_class_and_a_plain_http_webhook(generated, tmp_path):
    message = _refusal(generated, tmp_path, "alarms", {"database_instance_class": "db.z1d.large",
                                                       "alarm_https_endpoints": ["http://chat.example.com/hook"]})
    assert "database_instance_class must be one this module knows the connection limit of" in message
    assert "alarm_https_endpoints must hold https:// URLs" in message
