"""Layer 1: the ops stack of the real blueprints watches what the other stacks built, with the seeds'
thresholds, and every alarm reaches the environment's subscribers through the encrypted topic."""

from __future__ import annotations

import json

import pytest
from cdktf import Testing as CdktfTesting

from configuration import load
from modules.fleet import disk_used_metric
from stacks.ops import OpsStack
from tests.support import only, resources, user_config_file

ENVIRONMENTS = [("notebookly", "prod"), ("notebookly", "dev"), ("saas", "prod"), ("levels", "prod"),
                ("cafe-dr", "prod"), ("cafe-nimbus", "prod")]
REMOTE = "${data.terraform_remote_state.%s.outputs.%s}"


@pytest.fixture(scope="module")
def ops():
    """(blueprint, environment) -> the ops stack's Terraform JSON, synthesized on its own."""
    return {(b, e): json.loads(CdktfTesting.synth(OpsStack(CdktfTesting.app(), load(b, e))))
            for b, e in ENVIRONMENTS}


def _alarms(document) -> dict[str, dict]:
    return {a["alarm_name"]: a for a in resources(document, "aws_cloudwatch_metric_alarm").values()}


def _topic_ref(document) -> str:
    """The alarm topic (notebookly also has a billing topic in us-east-1)."""
    (logical,) = [k for k, t in resources(document, "aws_sns_topic").items() if t["name"].endswith("-alarms")]
    return "${aws_sns_topic.%s.arn}" % logical


@pytest.mark.parametrize("environment", ENVIRONMENTS, ids="-".join)
def test_every_alarm_notifies_the_topic_on_alarm_and_on_recovery(ops, environment):
    document = ops[environment]
    alarms = _alarms(document)
    assert alarms
    for name, alarm in alarms.items():
        in_us_east_1 = alarm.get("provider") == "aws.us-east-1"  # billing and Route 53 metrics live only there
        topic = _us_east_1_topic_ref(document) if in_us_east_1 else _topic_ref(document)
        assert alarm["alarm_actions"] == [topic], name
        assert alarm["ok_actions"] == [topic], name
        # billing metrics are missing until billing alerts are switched on: INSUFFICIENT_DATA says so
        expected = ("missing",) if name.endswith("-estimated-charges") else ("breaching", "notBreaching")
        assert alarm["treat_missing_data"] in expected, name
        assert len(alarm["alarm_description"]) > 30, name


def _us_east_1_topic_ref(document) -> str:
    (logical,) = [k for k, t in resources(document, "aws_sns_topic").items() if t["name"].endswith("-us-east-1")]
    return "${aws_sns_topic.%s.arn}" % logical


@pytest.mark.parametrize("environment", [e for e in ENVIRONMENTS if e[1] == "prod"], ids="-".join)
def test_production_alarms_reach_the_configured_people(ops, environment):
    document, config = ops[environment], load(*environment)
    topic = next(t for t in resources(document, "aws_sns_topic").values() if t["name"].endswith("-alarms"))
    assert topic["kms_master_key_id"].startswith("${aws_kms_key.ops-key_")  # the ops stack's own key
    subscriptions = {(s["protocol"], s["endpoint"]) for s in resources(document, "aws_sns_topic_subscription").values()
                     if s["topic_arn"] == _topic_ref(document)}
    expected = {("email", e) for e in config.ops.alarm_subscribers.emails}
    expected |= {("https", u) for u in config.ops.alarm_subscribers.https_endpoints}
    assert subscriptions == expected and expected


def test_dev_runs_without_subscribers_but_keeps_its_alarms(ops):
    document = ops[("notebookly", "dev")]
    assert not resources(document, "aws_sns_topic_subscription")
    assert _alarms(document)


def test_seed_004_load_balancer_alarms_five_xx_above_one_percent_and_p95_latency(ops):
    alarms = _alarms(ops[("notebookly", "prod")])
    rate = alarms["notebookly-prod-alb-5xx-rate"]
    assert rate["threshold"] == 1
    queries = {q["id"]: q for q in rate["metric_query"]}
    assert queries["result"]["expression"] == "100 * (FILL(elb5xx, 0) + FILL(target5xx, 0)) / requests"
    assert queries["requests"]["metric"]["metric_name"] == "RequestCount"
    assert queries["requests"]["metric"]["dimensions"] == {
        "LoadBalancer": REMOTE % ("compute", "load_balancer_arn_suffix")}
    latency = alarms["notebookly-prod-alb-latency-p95"]
    assert latency["extended_statistic"] == "p95" and latency["threshold"] == 2
    unhealthy = alarms["notebookly-prod-web-unhealthy-hosts"]
    assert unhealthy["dimensions"]["TargetGroup"] == REMOTE % ("compute", "target_group_web_arn_suffix")


def test_seed_002_five_xx_at_five_percent_and_a_task_alarm_per_service(ops):
    config = load("saas", "prod")
    alarms = _alarms(ops[("saas", "prod")])
    assert alarms["saas-prod-alb-5xx-rate"]["threshold"] == 5
    for name in config.compute.services:
        tasks = alarms[f"saas-prod-{name}-tasks-below-desired"]
        assert tasks["treat_missing_data"] == "breaching"
        names = {q["metric"]["metric_name"] for q in tasks["metric_query"] if "metric" in q}
        assert names == {"RunningTaskCount", "DesiredTaskCount"}
        assert f"saas-prod-{name}-log-errors" in alarms


def test_seed_002_error_lines_of_every_service_are_counted(ops):
    config = load("saas", "prod")
    document = ops[("saas", "prod")]
    filters = {f["log_group_name"]: f for f in resources(document, "aws_cloudwatch_log_metric_filter").values()
               if "terraform_remote_state.compute" in f["log_group_name"]}  # not the trail's CIS filters
    assert set(filters) == {REMOTE % ("compute", f"service_{n.replace('-', '_')}_log_group_name")
                            for n in config.compute.services}
    for log_filter in filters.values():
        assert log_filter["pattern"] == "ERROR"
        assert log_filter["metric_transformation"]["namespace"] == "saas/prod/Application"


def test_fleets_alarm_below_their_own_minimum_and_on_cpu(ops):
    alarms = _alarms(ops[("levels", "prod")])
    for fleet in ("api", "worker"):
        below = alarms[f"levels-prod-{fleet}-below-minimum"]
        assert {q["id"]: q.get("expression") for q in below["metric_query"]}["result"] == "minimum - in_service"
        assert alarms[f"levels-prod-{fleet}-cpu-high"]["threshold"] == 80


@pytest.mark.parametrize("environment", [e for e in ENVIRONMENTS if load(*e).compute.fleets], ids="-".join)
def test_every_fleet_alarms_on_its_fullest_root_filesystem_from_the_agents_group_metric(ops, environment):
    config, alarms = load(*environment), _alarms(ops[environment])
    disk = [a for a in alarms.values() if a["alarm_name"].endswith("-disk-high")]
    assert len(disk) == len(config.compute.fleets)
    for name in config.compute.fleets:
        alarm = alarms[f"{config.name_prefix}-{name}-disk-high"]
        group = REMOTE % ("compute", f"fleet_{name.replace('-', '_')}_group_name")
        published = disk_used_metric(group)  # what the fleets' CloudWatch agent publishes
        assert (alarm["namespace"], alarm["metric_name"]) == (published.namespace, published.name) == (
            "CWAgent", "disk_used_percent")
        assert alarm["dimensions"] == {"AutoScalingGroupName": group}
        assert (alarm["statistic"], alarm["period"], alarm["evaluation_periods"]) == ("Maximum", 300, 2)
        assert (alarm["threshold"], alarm["comparison_operator"]) == (85, "GreaterThanThreshold")
        # a fleet scaled to zero at night publishes nothing; missing instances are the below-minimum alarm's
        assert alarm["treat_missing_data"] == "notBreaching"


def test_the_disk_threshold_comes_from_the_configuration_and_the_dashboard_shows_disk_and_memory(tmp_path):
    config = load(config_file=user_config_file(tmp_path, "levels/prod", "ops:\n  alarms: {disk_used_percent: 92}\n"))
    document = json.loads(CdktfTesting.synth(OpsStack(CdktfTesting.app(), config)))
    assert _alarms(document)["levels-prod-worker-disk-high"]["threshold"] == 92
    body = json.loads(only(document, "aws_cloudwatch_dashboard")["dashboard_body"])
    widget = next(w for w in body["widgets"] if w["properties"]["title"] == "Fleet api: fullest disk and memory (%)")
    names = [m[1] for m in widget["properties"]["metrics"]]
    assert names == ["disk_used_percent", "mem_used_percent"]


def test_database_alarms_use_the_engine_limit_and_the_allocated_storage(ops):
    config = load("cafe-dr", "prod")
    alarms = _alarms(ops[("cafe-dr", "prod")])
    db = config.data.databases["cafe"]
    storage = alarms["cafe-dr-prod-cafe-db-storage-low"]
    assert storage["threshold"] == db.allocated_storage_gb * 1024 ** 3 * 10 / 100
    assert storage["comparison_operator"] == "LessThanThreshold"
    connections = alarms["cafe-dr-prod-cafe-db-connections-high"]
    assert connections["threshold"] == int(341 * 0.8)  # MySQL on db.t4g.medium allows 341
    assert connections["dimensions"] == {"DBInstanceIdentifier": REMOTE % ("data", "database_cafe_identifier")}


def test_aurora_writer_and_dead_letter_queues_are_watched(ops):
    config = load("levels", "prod")
    alarms = _alarms(ops[("levels", "prod")])
    for name in config.data.aurora:
        assert alarms[f"levels-prod-{name}-db-cpu-high"]["dimensions"]["Role"] == "WRITER"
    for name in config.data.queues:
        dead = alarms[f"levels-prod-{name}-dead-letters"]
        output = f"queue_{name.replace('-', '_')}_dead_letter_name"
        assert dead["dimensions"] == {"QueueName": REMOTE % ("data", output)}
        assert dead["threshold"] == 0 and dead["treat_missing_data"] == "notBreaching"


def test_each_cache_node_is_watched(ops):
    config = load("saas", "prod")
    alarms = _alarms(ops[("saas", "prod")])
    for name, cache in config.data.caches.items():
        nodes = {a["dimensions"]["CacheClusterId"] for a in alarms.values()
                 if a.get("namespace") == "AWS/ElastiCache" and "evictions" in a["alarm_name"]}
        group = REMOTE % ("data", f"cache_{name}_replication_group_id")
        assert nodes == {f"{group}-{n:03d}" for n in range(1, cache.replicas + 2)}


def test_the_dashboard_shows_the_seed_004_widgets_and_every_alarm(ops):
    document = ops[("notebookly", "prod")]
    body = json.loads(only(document, "aws_cloudwatch_dashboard")["dashboard_body"])
    titles = [w["properties"]["title"] for w in body["widgets"]]
    assert titles[0] == "Alarms"
    regional = [n for n, a in _alarms(document).items() if a.get("provider") != "aws.us-east-1"]
    assert len(body["widgets"][0]["properties"]["alarms"]) == len(regional)
    # seed 004: ASG CPU, RDS connections, ALB requests + 5xx, S3 sizes
    assert {"Load balancer: requests and 5xx", "Fleet web: CPU and instances", "Database connections",
            "Bucket sizes (bytes, daily)"} <= set(titles)


def test_the_topic_admits_only_this_accounts_services_over_tls(ops):
    document = ops[("saas", "prod")]
    statements = {s["sid"]: s for s in json_policy(document, "aws_iam_policy_document", "alarm-topic_")}
    publish = statements["ServicesOfThisAccountPublish"]
    assert publish["principals"][0]["identifiers"] == ["cloudwatch.amazonaws.com", "events.amazonaws.com"]
    assert publish["condition"][0]["values"] == ["123456789012"]
    assert statements["DenyPlainHttp"]["effect"] == "Deny"


def json_policy(document, data_type: str, prefix: str = "") -> list[dict]:
    """Statements of the stack's policy document data sources (those whose logical id starts with prefix)."""
    documents = [d for name, d in document.get("data", {}).get(data_type, {}).items() if name.startswith(prefix)]
    return [statement for d in documents for statement in d.get("statement", [])]


def test_the_trail_is_multi_region_validated_encrypted_and_watched_by_the_cis_alarms(ops):
    document = ops[("saas", "prod")]
    trail = only(document, "aws_cloudtrail")
    assert trail["is_multi_region_trail"] and trail["enable_log_file_validation"]
    assert trail["kms_key_id"].startswith("${aws_kms_key.ops-key_")
    alarms = _alarms(document)
    security = [a for a in alarms.values() if a.get("namespace") == "saas/prod/Security"]
    assert len(security) == 15  # CIS 4.1-4.15, StopLogging/DeleteTrail among them (seed 004)
    patterns = " ".join(f["pattern"] for f in resources(document, "aws_cloudwatch_log_metric_filter").values())
    assert "StopLogging" in patterns and "DeleteTrail" in patterns and "ConsoleLogin" in patterns


def test_billing_lives_in_us_east_1_with_its_own_topic_when_the_region_is_elsewhere(ops):
    document = ops[("notebookly", "prod")]  # ap-south-1, seed 004's $100 budget
    budget = only(document, "aws_budgets_budget")
    assert budget["limit_amount"] == "100.00" and budget["provider"] == "aws.us-east-1"
    assert sorted({n["threshold"] for n in budget["notification"]}) == [80, 100]
    alarm = _alarms(document)["notebookly-prod-estimated-charges"]
    assert alarm["provider"] == "aws.us-east-1" and alarm["threshold"] == 100
    assert document["provider"]["aws"][1]["region"] == "us-east-1"


def test_the_public_endpoint_is_watched_from_us_east_1(ops):
    alarm = _alarms(ops[("notebookly", "prod")])["notebookly-prod-endpoint-down"]
    assert alarm["namespace"] == "AWS/Route53" and alarm["provider"] == "aws.us-east-1"
    assert alarm["dimensions"] == {"HealthCheckId": REMOTE % ("edge", "health_check_id")}
    assert alarm["treat_missing_data"] == "breaching"
