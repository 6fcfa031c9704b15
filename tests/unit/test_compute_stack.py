"""Layer 1: the compute stack of the real blueprints keeps the seeds' specifics and the secure defaults:
routing, TLS, WAF, IMDSv2 and private instances, step scaling with asymmetric cooldowns, hardened
Fargate tasks and a security-group chain from the internet to the load balancer to the workloads."""

from __future__ import annotations

import ipaddress
import json

import pytest
from cdktf import Testing as CdktfTesting

from configuration import load
from configuration.compute import SECRET_LOOKING_NAME
from stacks.compute import ComputeStack
from tests.support import load_environment, resources, stack_cases

ENVIRONMENTS = [("saas", "prod"), ("saas", "dev"), ("notebookly", "prod"), ("notebookly", "dev"),
                ("cafe-nimbus", "prod"), ("levels", "prod")]
ANYWHERE = "0.0.0.0/0"
REMOTE_DATA = "${data.terraform_remote_state.data.outputs."


@pytest.fixture(scope="module")
def compute():
    """(blueprint, environment) -> the compute stack's Terraform JSON, synthesized on its own."""
    documents = {}
    for blueprint, environment in ENVIRONMENTS:
        stack = ComputeStack(CdktfTesting.app(), load(blueprint, environment))
        documents[(blueprint, environment)] = json.loads(CdktfTesting.synth(stack))
    return documents


def _ref(resource_type: str, logical: str, attribute: str = "id") -> str:
    return "${%s.%s.%s}" % (resource_type, logical, attribute)


def _named(document, resource_type: str, key: str = "name") -> dict[str, tuple[str, dict]]:
    """Resources of one type by their name attribute: name -> (logical id, resource)."""
    found = {r[key]: (logical, r) for logical, r in resources(document, resource_type).items()}
    assert len(found) == len(resources(document, resource_type)), f"two {resource_type} share a {key}"
    return found


def _target_group_names(document) -> dict[str, str]:
    """`${aws_lb_target_group.X.arn}` -> the target group's name."""
    return {_ref("aws_lb_target_group", logical, "arn"): group["name"]
            for logical, group in resources(document, "aws_lb_target_group").items()}


def _listeners(document) -> dict[int, tuple[str, dict]]:
    found = {listener["port"]: (logical, listener)
             for logical, listener in resources(document, "aws_lb_listener").items()}
    assert len(found) == len(resources(document, "aws_lb_listener"))
    return found


def _containers(document, family: str) -> dict:
    """The application's container: the task's one essential container (a traced task also runs the collector)."""
    _, task = _named(document, "aws_ecs_task_definition", "family")[family]
    (container,) = [c for c in json.loads(task["container_definitions"]) if c["essential"]]
    return container


def _groups(document) -> dict[str, str]:
    """Security group name -> its `${aws_security_group.X.id}` reference."""
    return {name: _ref("aws_security_group", logical)
            for name, (logical, _) in _named(document, "aws_security_group").items()}


def _rules(document, direction: str, group_id: str) -> list[dict]:
    return [r for r in resources(document, f"aws_vpc_security_group_{direction}_rule").values()
            if r["security_group_id"] == group_id]


# -- (a), (b), (c), (d): the load balancer -----------------------------------------------------------


def test_saas_routes_by_path_and_host_in_seed_priority_order(compute):
    """dev serves every request (no CloudFront); prod, behind CloudFront, forwards only what carries
    CloudFront's secret header, except the API host the edge aliases straight to the ALB."""
    for environment in ("prod", "dev"):
        document = compute[("saas", environment)]
        groups = _target_group_names(document)
        port = 443 if environment == "prod" else 80
        listener_logical, listener = _listeners(document)[port]
        rules = sorted(resources(document, "aws_lb_listener_rule").values(), key=lambda r: r["priority"])
        prefix = f"saas-{environment}"
        secret = [{"http_header": {"http_header_name": "X-Origin-Verify",
                                   "values": [_secret_value(document)]}}] if environment == "prod" else []
        expected = [
            (10, [{"path_pattern": {"values": ["/admin/*"]}}, *secret], [f"{prefix}-admin"]),
            (20, [{"path_pattern": {"values": ["/socket.io/*"]}}, *secret], [f"{prefix}-backend"]),
            (30, [{"path_pattern": {"values": ["/api/*"]}}, *secret], [f"{prefix}-backend"]),
            (40, [{"host_header": {"values": ["api.saas.example.com"]}}], [f"{prefix}-chatbot-api"]),
        ]
        if environment == "prod":
            expected.append((50000, secret, [f"{prefix}-frontend"]))
        assert [(r["priority"], r["condition"], [groups[a["target_group_arn"]] for a in r["action"]])
                for r in rules] == expected, environment
        assert all(a["type"] == "forward" for r in rules for a in r["action"])
        assert {r["listener_arn"] for r in rules} == {_ref("aws_lb_listener", listener_logical, "arn")}
        (default,) = listener["default_action"]
        if environment == "prod":
            assert default == {"type": "fixed-response", "fixed_response": {
                "content_type": "text/plain", "message_body": "Forbidden", "status_code": "403"}}
        else:
            assert default["type"] == "forward" and groups[default["target_group_arn"]] == f"{prefix}-frontend"
        assert set(groups.values()) == {f"{prefix}-{n}" for n in ("frontend", "backend", "chatbot-api", "admin")}


def _secret_value(document: dict) -> str:
    (logical, holder), = resources(document, "terraform_data").items()
    assert holder == {"input": {"secret": "${uuid()}"}, "lifecycle": {"ignore_changes": ["input"]}}
    return f"${{terraform_data.{logical}.output.secret}}"


def test_behind_cloudfront_the_origin_secret_is_drawn_once_and_published_to_the_edge(compute):
    document = compute[("saas", "prod")]
    outputs = document["output"]
    assert outputs["origin_verify_secret"]["value"] == _secret_value(document)
    assert outputs["origin_verify_secret"]["sensitive"] is True
    assert outputs["origin_verify_header"]["value"] == "X-Origin-Verify"
    assert "X-Origin-Verify" not in json.dumps(compute[("saas", "dev")])  # no CloudFront in dev: no secret
    for key in (("notebookly", "prod"), ("cafe-nimbus", "prod"), ("levels", "prod")):
        assert "terraform_data" not in compute[key].get("resource", {}), key


def test_production_listens_with_tls13_and_only_redirects_plain_http(compute):
    for key in (("saas", "prod"), ("notebookly", "prod"), ("cafe-nimbus", "prod"), ("levels", "prod")):
        document = compute[key]
        listeners = _listeners(document)
        assert set(listeners) == {80, 443}, key
        _, https = listeners[443]
        assert https["protocol"] == "HTTPS" and https["ssl_policy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
        (validation,) = resources(document, "aws_acm_certificate_validation")
        assert https["certificate_arn"] == _ref("aws_acm_certificate_validation", validation, "certificate_arn")
        _, http = listeners[80]
        assert http["protocol"] == "HTTP" and "ssl_policy" not in http and "certificate_arn" not in http
        assert http["default_action"] == [{"type": "redirect", "redirect": {
            "port": "443", "protocol": "HTTPS", "status_code": "HTTP_301"}}], key
        redirect = _ref("aws_lb_listener", listeners[80][0], "arn")
        assert all(r["listener_arn"] != redirect for r in resources(document, "aws_lb_listener_rule").values())
    (certificate,) = resources(compute[("saas", "prod")], "aws_acm_certificate").values()
    assert certificate["domain_name"] == "saas.example.com" and certificate["validation_method"] == "DNS"
    assert certificate["subject_alternative_names"] == ["api.saas.example.com", "origin.saas.example.com"]


def test_development_has_a_single_plain_http_forward_listener_and_no_certificate(compute):
    for key in (("saas", "dev"), ("notebookly", "dev")):
        document = compute[key]
        listeners = _listeners(document)
        assert set(listeners) == {80}, key
        _, http = listeners[80]
        assert http["protocol"] == "HTTP" and "ssl_policy" not in http
        assert [a["type"] for a in http["default_action"]] == ["forward"]
        assert not resources(document, "aws_acm_certificate") and not resources(document, "aws_route53_record")


def test_load_balancer_drops_bad_headers_mitigates_desync_and_logs(compute):
    for key, document in compute.items():
        (logical, lb), = resources(document, "aws_lb").items()
        assert lb["load_balancer_type"] == "application" and lb["internal"] is False
        assert lb["drop_invalid_header_fields"] is True and lb["desync_mitigation_mode"] == "strictest", key
        (bucket_logical, bucket), = resources(document, "aws_s3_bucket").items()
        assert lb["access_logs"]["enabled"] is True
        assert lb["access_logs"]["bucket"] == _ref("aws_s3_bucket", bucket_logical, "bucket")
        assert bucket["bucket"] == f"{key[0]}-{key[1]}-lb-logs-123456789012"
        assert lb["enable_deletion_protection"] is (key[1] == "prod"), key
        assert lb["subnets"] == "${data.terraform_remote_state.network.outputs.public_subnet_ids}"


def test_every_target_group_checks_health_on_slash_health(compute):
    for key, document in compute.items():
        config = load(*key)
        groups = _named(document, "aws_lb_target_group")
        assert set(groups) == {f"{config.name_prefix}-{n}" for n in config.compute.load_balanced_workloads}, key
        for name, (_, group) in groups.items():
            check = group["health_check"]
            assert (check["enabled"], check["path"], check["matcher"], check["port"]) == (
                True, "/health", "200", "traffic-port"), name
            workload = name.removeprefix(f"{config.name_prefix}-")
            assert group["target_type"] == ("ip" if workload in config.compute.services else "instance"), name
            assert group["port"] == config.compute.load_balanced_workloads[workload]


# -- (e): the WAF ---------------------------------------------------------------------------------------


def test_saas_web_acl_rate_limits_per_ip_per_minute_and_runs_managed_rules(compute):
    document = compute[("saas", "prod")]
    (acl_logical, acl), = resources(document, "aws_wafv2_web_acl").items()
    assert acl["scope"] == "REGIONAL" and acl["default_action"] == {"allow": {}}
    rules = {r["name"]: r for r in acl["rule"]}
    rate = rules["RateLimitPerIp"]
    statement = {k: v for k, v in rate["statement"]["rate_based_statement"].items() if k != "scope_down_statement"}
    assert statement == {"limit": 100, "evaluation_window_sec": 60, "aggregate_key_type": "IP"}
    assert rate["action"] == {"block": {}} and rate["priority"] == 0
    managed = [r["statement"]["managed_rule_group_statement"]["name"] for r in sorted(acl["rule"],
               key=lambda r: r["priority"]) if "managed_rule_group_statement" in r["statement"]]
    assert {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet",
            "AWSManagedRulesSQLiRuleSet"} <= set(managed)
    assert managed[:3] == ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet",
                           "AWSManagedRulesSQLiRuleSet"]
    assert all(rules[name]["override_action"] == {"none": {}} for name in managed)
    assert len({r["priority"] for r in acl["rule"]}) == len(acl["rule"])
    (logging,) = resources(document, "aws_wafv2_web_acl_logging_configuration").values()
    assert logging["resource_arn"] == _ref("aws_wafv2_web_acl", acl_logical, "arn")
    log_groups = _named(document, "aws_cloudwatch_log_group")
    log_logical, log_group = log_groups["aws-waf-logs-saas-prod"]
    assert logging["log_destination_configs"] == [_ref("aws_cloudwatch_log_group", log_logical, "arn")]
    assert log_group["kms_key_id"].startswith("${aws_kms_key.")
    assert {f["single_header"]["name"] for f in logging["redacted_fields"]} == {
        "authorization", "cookie", "x-origin-verify"}


def test_every_load_balancer_is_associated_with_its_web_acl(compute):
    for key, document in compute.items():
        (lb_logical,) = resources(document, "aws_lb")
        (acl_logical,) = resources(document, "aws_wafv2_web_acl")
        (association,) = resources(document, "aws_wafv2_web_acl_association").values()
        assert association == {"resource_arn": _ref("aws_lb", lb_logical, "arn"),
                               "web_acl_arn": _ref("aws_wafv2_web_acl", acl_logical, "arn")}, key


# -- (f), (g), (k): EC2 fleets --------------------------------------------------------------------------


def test_every_launch_template_requires_imdsv2_has_no_public_ip_and_an_encrypted_gp3_root(compute):
    seen = 0
    for document in compute.values():
        for name, (_, template) in _named(document, "aws_launch_template").items():
            seen += 1
            metadata = template["metadata_options"]
            assert (metadata["http_tokens"], metadata["http_put_response_hop_limit"]) == ("required", 1), name
            (interface,) = template["network_interfaces"]
            expected = "true" if name.endswith("-bastion") else "false"
            assert interface["associate_public_ip_address"] == expected, name
            (device,) = template["block_device_mappings"]
            assert device["ebs"]["encrypted"] == "true" and device["ebs"]["volume_type"] == "gp3", name
    assert seen == 7  # notebookly web (prod, dev), cafe web and bastion, levels api, worker and bastion; saas: none
    bastions = [name for document in compute.values() for name in _named(document, "aws_launch_template")
                if name.endswith("-bastion")]
    assert sorted(bastions) == ["cafe-nimbus-prod-bastion", "levels-prod-bastion"]


def test_notebookly_web_scales_out_above_70_for_5_minutes_and_in_below_30_for_15(compute):
    for environment in ("prod", "dev"):
        document = compute[("notebookly", environment)]
        prefix = f"notebookly-{environment}-web"
        spec = load("notebookly", environment).compute.fleets["web"].scaling
        group_logical, group = _named(document, "aws_autoscaling_group")[prefix]
        alarms = _named(document, "aws_cloudwatch_metric_alarm", "alarm_name")
        assert set(alarms) == {f"{prefix}-scale-out", f"{prefix}-scale-in"}
        policies = _named(document, "aws_autoscaling_policy")
        _, out = alarms[f"{prefix}-scale-out"]
        _, in_ = alarms[f"{prefix}-scale-in"]
        for alarm in (out, in_):
            assert (alarm["namespace"], alarm["metric_name"], alarm["period"]) == ("AWS/EC2", "CPUUtilization", 60)
            assert alarm["dimensions"] == {"AutoScalingGroupName": _ref("aws_autoscaling_group", group_logical, "name")}
        assert (out["comparison_operator"], out["threshold"], out["evaluation_periods"]) == (
            "GreaterThanThreshold", 70, 5)
        assert (in_["comparison_operator"], in_["threshold"], in_["evaluation_periods"]) == (
            "LessThanThreshold", 30, 15)
        for direction, alarm, change, cooldown in (("out", out, 1, spec.scale_out_cooldown_seconds),
                                                   ("in", in_, -1, spec.scale_in_cooldown_seconds)):
            logical, policy = policies[f"{prefix}-scale-{direction}"]
            assert alarm["alarm_actions"] == [_ref("aws_autoscaling_policy", logical, "arn")]
            assert (policy["policy_type"], policy["scaling_adjustment"], policy["cooldown"]) == (
                "SimpleScaling", change, cooldown)
        assert (spec.scale_out_cooldown_seconds, spec.scale_in_cooldown_seconds) == (300, 600)
        assert group["lifecycle"] == {"ignore_changes": ["desired_capacity"]}
        assert group["health_check_type"] == "ELB" and group["instance_refresh"]["strategy"] == "Rolling"
        tg_logical, _ = _named(document, "aws_lb_target_group")[f"notebookly-{environment}-web"]
        assert group["target_group_arns"] == [_ref("aws_lb_target_group", tg_logical, "arn")]
        assert group["vpc_zone_identifier"] == "${data.terraform_remote_state.network.outputs.app_subnet_ids}"
    prod = _named(compute[("notebookly", "prod")], "aws_autoscaling_group")["notebookly-prod-web"][1]
    assert (prod["min_size"], prod["max_size"], prod["desired_capacity"]) == (2, 10, 2)
    assert not resources(compute[("notebookly", "prod")], "aws_autoscaling_schedule")
    schedules = {s["scheduled_action_name"]: s for s in resources(compute[("notebookly", "dev")],
                                                                  "aws_autoscaling_schedule").values()}
    stop = schedules["notebookly-dev-web-off-hours-stop"]
    assert (stop["recurrence"], stop["min_size"], stop["max_size"]) == ("0 20 * * MON-FRI", 0, 0)


def test_levels_worker_fleet_has_no_load_balancer_and_scales_on_the_jobs_queue(compute):
    document = compute[("levels", "prod")]
    groups = _named(document, "aws_autoscaling_group")
    worker_logical, worker = groups["levels-prod-worker"]
    assert "target_group_arns" not in worker and worker["health_check_type"] == "EC2"
    api = groups["levels-prod-api"][1]
    assert api["target_group_arns"] and api["health_check_type"] == "ELB"
    assert "levels-prod-worker" not in _named(document, "aws_lb_target_group")
    alarms = {name: a for name, (_, a) in _named(document, "aws_cloudwatch_metric_alarm", "alarm_name").items()}
    assert set(alarms) == {"levels-prod-worker-scale-out", "levels-prod-worker-scale-in"}  # api: target tracking
    for alarm in alarms.values():
        assert (alarm["namespace"], alarm["metric_name"], alarm["statistic"]) == (
            "AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum")
        assert alarm["dimensions"] == {"QueueName": REMOTE_DATA + "queue_jobs_name}"}
    assert [alarms[f"levels-prod-worker-scale-{d}"]["threshold"] for d in ("out", "in")] == [100, 10]
    policies = _named(document, "aws_autoscaling_policy")
    assert policies["levels-prod-worker-scale-out"][1]["autoscaling_group_name"] == _ref(
        "aws_autoscaling_group", worker_logical, "name")
    assert policies["levels-prod-api-cpu-target"][1]["policy_type"] == "TargetTrackingScaling"


def test_every_blueprint_environment_with_workloads_synthesizes_a_compute_stack():
    layers = {(b, e): set() for b, e, _ in stack_cases()}
    for blueprint, environment, layer in stack_cases():
        layers[(blueprint, environment)].add(layer)
    assert layers[("cafe-dr", "prod")] >= {"network", "data", "compute"}  # seed 001's app tier
    assert all("compute" in layers[key] for key in ENVIRONMENTS)
    for blueprint, environment in layers:
        assert ("compute" in layers[(blueprint, environment)]) == ComputeStack.applies_to(
            load_environment(blueprint, environment))


# -- (h): Fargate services ------------------------------------------------------------------------------


SAAS_STEP_SCALING = {"frontend": (50, 30), "backend": (50, 30), "chatbot-api": (70, 40), "ai-worker": (1000, 10)}


def test_saas_services_step_scale_with_fast_out_and_slow_in(compute):
    for environment in ("prod", "dev"):
        document = compute[("saas", environment)]
        policies = _named(document, "aws_appautoscaling_policy")
        alarms = {name: a for name, (_, a) in _named(document, "aws_cloudwatch_metric_alarm", "alarm_name").items()}
        assert {n.rsplit("-scale-", 1)[0] for n in alarms} == {f"saas-{environment}-{s}" for s in SAAS_STEP_SCALING}
        for service, (high, low) in SAAS_STEP_SCALING.items():
            prefix = f"saas-{environment}-{service}"
            out_logical, out = policies[f"{prefix}-scale-out"]
            in_logical, in_ = policies[f"{prefix}-scale-in"]
            assert out["policy_type"] == in_["policy_type"] == "StepScaling"
            out_config, in_config = out["step_scaling_policy_configuration"], in_["step_scaling_policy_configuration"]
            assert (out_config["cooldown"], in_config["cooldown"]) == (60, 300), service
            assert out_config["step_adjustment"] == [{"metric_interval_lower_bound": "0", "scaling_adjustment": 1}]
            assert in_config["step_adjustment"] == [{"metric_interval_upper_bound": "0", "scaling_adjustment": -1}]
            up, down = alarms[f"{prefix}-scale-out"], alarms[f"{prefix}-scale-in"]
            assert (up["threshold"], up["comparison_operator"], up["evaluation_periods"]) == (
                high, "GreaterThanThreshold", 1), service
            assert (down["threshold"], down["comparison_operator"], down["evaluation_periods"]) == (
                low, "LessThanThreshold", 5), service
            assert up["alarm_actions"] == [_ref("aws_appautoscaling_policy", out_logical, "arn")]
            assert down["alarm_actions"] == [_ref("aws_appautoscaling_policy", in_logical, "arn")]
            expected_metric = ("AWS/SQS", "ApproximateNumberOfMessagesVisible") if service == "ai-worker" else (
                "AWS/ECS", "CPUUtilization")
            assert (up["namespace"], up["metric_name"]) == (down["namespace"], down["metric_name"]) == expected_metric
        worker = alarms[f"saas-{environment}-ai-worker-scale-out"]
        assert worker["dimensions"] == {"QueueName": REMOTE_DATA + "queue_ai_jobs_name}"}
        tracking = {n for n, (_, p) in policies.items() if p["policy_type"] == "TargetTrackingScaling"}
        assert tracking == {f"saas-{environment}-admin-cpu-target", f"saas-{environment}-weaviate-cpu-target"}


def test_saas_services_are_private_roll_back_failed_deployments_and_only_the_worker_uses_spot(compute):
    for environment in ("prod", "dev"):
        document = compute[("saas", environment)]
        services = _named(document, "aws_ecs_service")
        assert set(services) == {"frontend", "backend", "chatbot-api", "admin", "weaviate", "ai-worker"}
        for name, (_, service) in services.items():
            assert service["network_configuration"]["assign_public_ip"] is False, name
            assert service["deployment_circuit_breaker"] == {"enable": True, "rollback": True}, name
            assert service["lifecycle"] == {"ignore_changes": ["desired_count"]}
            providers = [s["capacity_provider"] for s in service["capacity_provider_strategy"]]
            assert providers == (["FARGATE_SPOT"] if name == "ai-worker" else ["FARGATE"]), name
            assert ("load_balancer" in service) is (name in ("frontend", "backend", "chatbot-api", "admin")), name
    prod = {n: s for n, (_, s) in _named(compute[("saas", "prod")], "aws_ecs_service").items()}
    assert all(prod[n]["desired_count"] == 2 for n in ("frontend", "backend", "chatbot-api", "admin"))


def test_saas_task_definitions_are_hardened_and_inject_secrets_from_secrets_manager(compute):
    document = compute[("saas", "prod")]
    log_groups = _named(document, "aws_cloudwatch_log_group")
    secrets_seen = set()
    for family in _named(document, "aws_ecs_task_definition", "family"):
        container = _containers(document, family)
        name = family.removeprefix("saas-prod-")
        assert container["readonlyRootFilesystem"] is True, family
        assert container["user"].split(":")[0] not in ("0", "root"), family
        assert container["logConfiguration"]["logDriver"] == "awslogs"
        group = container["logConfiguration"]["options"]["awslogs-group"]
        assert group == f"/ecs/saas-prod/{name}" and log_groups[group][1]["kms_key_id"].startswith("${aws_kms_key.")
        for variable in container.get("environment", []):
            assert not SECRET_LOOKING_NAME.search(variable["name"]), (family, variable)
        for secret in container.get("secrets", []):
            assert set(secret) == {"name", "valueFrom"} and secret["valueFrom"].startswith(REMOTE_DATA), secret
            secrets_seen.add((name, secret["name"]))
    assert secrets_seen == {("backend", "DATABASE_CREDENTIALS"), ("backend", "JWT_SIGNING_KEY"),
                            ("chatbot-api", "LLM_API_KEY"), ("admin", "DATABASE_CREDENTIALS"),
                            ("ai-worker", "LLM_API_KEY")}
    backend = {s["name"]: s["valueFrom"] for s in _containers(document, "saas-prod-backend")["secrets"]}
    assert backend == {"DATABASE_CREDENTIALS": REMOTE_DATA + "database_main_secret_arn}",
                       "JWT_SIGNING_KEY": REMOTE_DATA + "secret_jwt_signing_key_arn}"}
    own = [v for v in _containers(document, "saas-prod-frontend")["environment"]  # not tracing's (test_tracing.py)
           if not v["name"].startswith(("OTEL_", "AWS_XRAY_"))]
    assert own == [{"name": "HOSTNAME", "value": "0.0.0.0"}, {"name": "NODE_ENV", "value": "production"}]


def test_weaviate_mounts_its_efs_access_point_over_tls_with_iam(compute):
    document = compute[("saas", "prod")]
    _, task = _named(document, "aws_ecs_task_definition", "family")["saas-prod-weaviate"]
    volumes = {v["name"]: v for v in task["volume"]}
    efs = volumes["data"]["efs_volume_configuration"]
    assert efs["transit_encryption"] == "ENABLED" and efs["authorization_config"]["iam"] == "ENABLED"
    assert efs["file_system_id"] == REMOTE_DATA + "file_system_vectors_id}"
    assert efs["authorization_config"]["access_point_id"] == (
        REMOTE_DATA + "file_system_vectors_access_point_weaviate_id}")
    mounts = {m["sourceVolume"]: m["containerPath"] for m in _containers(document, "saas-prod-weaviate")["mountPoints"]}
    assert mounts == {"tmp": "/tmp", "data": "/var/lib/weaviate"}
    assert task["runtime_platform"]["cpu_architecture"] == "X86_64"
    assert (task["cpu"], task["memory"]) == ("1024", "4096")
    others = [t for f, (_, t) in _named(document, "aws_ecs_task_definition", "family").items()
              if f != "saas-prod-weaviate"]
    assert all(all("efs_volume_configuration" not in v for v in t["volume"]) for t in others)


def test_ecr_repositories_are_immutable_scanned_and_kms_encrypted(compute):
    for environment in ("prod", "dev"):
        document = compute[("saas", environment)]
        (key_logical,) = resources(document, "aws_kms_key")
        repositories = _named(document, "aws_ecr_repository")
        assert set(repositories) == {f"saas-{environment}/{n}" for n in ("frontend", "backend", "chatbot-api", "admin",
                                                                         "ai-worker")}  # weaviate: a public image
        for name, (_, repository) in repositories.items():
            assert repository["image_tag_mutability"] == "IMMUTABLE", name
            assert repository["image_scanning_configuration"] == {"scan_on_push": True}
            assert repository["encryption_configuration"] == [{"encryption_type": "KMS",
                                                               "kms_key": _ref("aws_kms_key", key_logical, "arn")}]


# -- (i): the security-group chain ----------------------------------------------------------------------


def test_load_balancer_admits_only_80_and_443_from_the_internet(compute):
    for key, document in compute.items():
        lb_group = _groups(document)[f"{key[0]}-{key[1]}-lb"]
        ingress = {(r["ip_protocol"], r["from_port"], r["to_port"], r.get("cidr_ipv4")) for r in
                   _rules(document, "ingress", lb_group)}
        expected = {("tcp", 80, 80, ANYWHERE), ("tcp", 443, 443, ANYWHERE)} if key[1] == "prod" else {
            ("tcp", 80, 80, ANYWHERE)}
        assert ingress == expected, key
        config = load(*key)
        groups = _groups(document)
        egress = {(r["referenced_security_group_id"], r["from_port"]) for r in _rules(document, "egress", lb_group)}
        assert egress == {(groups[f"{config.name_prefix}-{n}"], port)
                          for n, port in config.compute.load_balanced_workloads.items()}, key


def test_workloads_send_only_https_and_dns_to_the_resolver(compute):
    for key, document in compute.items():
        config = load(*key)
        resolver = f"{ipaddress.IPv4Network(config.network.vpc_cidr).network_address + 2}/32"
        if key == ("saas", "prod"):
            assert resolver == "10.31.0.2/32"
        groups = _groups(document)
        workloads = {n: g for n, g in groups.items() if n != f"{config.name_prefix}-lb"}
        assert workloads
        for name, group in workloads.items():
            egress = _rules(document, "egress", group)
            to_cidrs = sorted((r["ip_protocol"], r["from_port"], r["to_port"], r["cidr_ipv4"]) for r in egress
                              if "cidr_ipv4" in r)
            assert to_cidrs == [("tcp", 53, 53, resolver), ("tcp", 443, 443, ANYWHERE),
                                ("udp", 53, 53, resolver)], (key, name)
            for rule in egress:
                assert rule["ip_protocol"] != "-1" and "cidr_ipv6" not in rule, (key, name)
                if "cidr_ipv4" not in rule:  # a call this workload makes: to another workload's group only
                    assert rule["referenced_security_group_id"] in workloads.values(), (key, name, rule)
                    assert rule["ip_protocol"] == "tcp" and rule["from_port"] == rule["to_port"]


def test_workloads_admit_only_the_load_balancer_their_callers_or_the_bastion(compute):
    for key, document in compute.items():
        config = load(*key)
        prefix = config.name_prefix
        groups = _groups(document)
        lb_group, bastion_group = groups[f"{prefix}-lb"], groups.get(f"{prefix}-bastion")
        names = {g: n for n, g in groups.items()}
        for name, spec in [*config.compute.fleets.items(), *config.compute.services.items()]:
            group = groups[f"{prefix}-{name}"]
            allowed = set()
            if name in config.compute.load_balanced_workloads:
                allowed.add((lb_group, config.compute.load_balanced_workloads[name]))
            if name in config.compute.fleets and bastion_group:
                allowed.add((bastion_group, 22))
            if name in config.compute.services:
                allowed |= {(groups[f"{prefix}-{caller}"], spec.port) for caller in spec.callers}
            ingress = _rules(document, "ingress", group)
            assert all("cidr_ipv4" not in r and "cidr_ipv6" not in r for r in ingress), (key, name)
            found = {(r["referenced_security_group_id"], r["from_port"]) for r in ingress}
            assert found == allowed, (key, name, {names.get(g, g): p for g, p in found})
    saas = compute[("saas", "prod")]
    groups = _groups(saas)
    weaviate = _rules(saas, "ingress", groups["saas-prod-weaviate"])
    assert {(r["referenced_security_group_id"], r["to_port"]) for r in weaviate} == {
        (groups["saas-prod-chatbot-api"], 8080)}
    assert not _rules(saas, "ingress", groups["saas-prod-ai-worker"])


# -- (j): cafe-nimbus golden images and bastion ---------------------------------------------------------


def test_cafe_golden_image_is_distributed_to_the_dr_region_and_fleets_launch_it_by_parameter(compute):
    document = compute[("cafe-nimbus", "prod")]
    (distribution,) = resources(document, "aws_imagebuilder_distribution_configuration").values()
    regions = {d["region"]: d for d in distribution["distribution"]}
    assert set(regions) == {"us-east-1", "us-west-2"}
    assert regions["us-west-2"]["ssm_parameter_configuration"] == [{
        "parameter_name": "/cafe-nimbus/prod/compute/ami/lamp", "data_type": "aws:ec2:image"}]
    (parameter_logical, parameter), = [(logical, p) for logical, p in resources(document, "aws_ssm_parameter").items()
                                       if p["name"].startswith("/")]  # not the fleets' AmazonCloudWatch-* settings
    assert parameter["data_type"] == "aws:ec2:image" and parameter["name"] == "/cafe-nimbus/prod/compute/ami/lamp"
    assert parameter["value"] == load("cafe-nimbus", "prod").compute.images["lamp"].ami_id
    assert parameter["lifecycle"] == {"ignore_changes": ["value"]}
    (pipeline,) = resources(document, "aws_imagebuilder_image_pipeline").values()
    assert pipeline["schedule"]["schedule_expression"] == "cron(0 3 ? * SUN *)"
    assert pipeline["distribution_configuration_arn"].startswith("${aws_imagebuilder_distribution_configuration.")
    templates = _named(document, "aws_launch_template")
    for name in ("cafe-nimbus-prod-web", "cafe-nimbus-prod-bastion"):
        image = templates[name][1]["image_id"]
        assert image.startswith("resolve:ssm:") and image == "resolve:ssm:" + _ref(
            "aws_ssm_parameter", parameter_logical, "name"), name
    assert templates["cafe-nimbus-prod-web"][1]["key_name"] == "cafe-nimbus-ops"


def test_cafe_bastion_admits_ssh_only_from_the_office_range(compute):
    document = compute[("cafe-nimbus", "prod")]
    groups = _groups(document)
    bastion = groups["cafe-nimbus-prod-bastion"]
    ssh = [r for r in resources(document, "aws_vpc_security_group_ingress_rule").values() if r["from_port"] == 22]
    from_cidrs = [(r["security_group_id"], r["cidr_ipv4"]) for r in ssh if "cidr_ipv4" in r]
    assert from_cidrs == [(bastion, "203.0.113.0/24")]
    assert all(r["referenced_security_group_id"] == bastion for r in ssh if "cidr_ipv4" not in r)
    assert {r["security_group_id"] for r in ssh if "cidr_ipv4" not in r} == {groups["cafe-nimbus-prod-web"]}
    assert _rules(document, "ingress", bastion) == [r for r in ssh if r.get("cidr_ipv4")]
    _, group = _named(document, "aws_autoscaling_group")["cafe-nimbus-prod-bastion"]
    assert (group["min_size"], group["max_size"]) == (1, 1)
    assert group["vpc_zone_identifier"] == "${data.terraform_remote_state.network.outputs.public_subnet_ids}"


def test_behind_cloudfront_the_load_balancers_rate_rule_skips_what_the_edge_already_limited(compute):
    """saas prod: per-IP counting here would pool every viewer behind one CloudFront address; the edge's
    WAF limits those viewers (100/min, seed 002). Only requests with CloudFront's secret are exempt (a Host
    name anyone can send was), and the secret is redacted from the WAF's logs."""
    document = compute[("saas", "prod")]
    acl = next(iter(resources(document, "aws_wafv2_web_acl").values()))
    rate = next(r for r in acl["rule"] if r["name"] == "RateLimitPerIp")["statement"]["rate_based_statement"]
    match = rate["scope_down_statement"]["not_statement"]["statement"]["byte_match_statement"]
    assert match["field_to_match"] == {"single_header": {"name": "x-origin-verify"}}
    assert match["search_string"] == _secret_value(document) and match["positional_constraint"] == "EXACTLY"
    assert match["text_transformation"] == [{"priority": 0, "type": "NONE"}]
    assert rate["limit"] == 100
    assert load("saas", "prod").edge.waf.rate_limit.requests == 100
    (logging,) = resources(document, "aws_wafv2_web_acl_logging_configuration").values()
    assert {"single_header": {"name": "x-origin-verify"}} in logging["redacted_fields"]
    dev_acl = next(iter(resources(compute[("saas", "dev")], "aws_wafv2_web_acl").values()))
    dev_rate = next(r for r in dev_acl["rule"] if r["name"] == "RateLimitPerIp")["statement"]["rate_based_statement"]
    assert "scope_down_statement" not in dev_rate  # no CloudFront in dev: every request counts
