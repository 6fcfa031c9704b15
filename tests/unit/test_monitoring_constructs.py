"""Layer 1: the monitoring constructs (alarm specs and sets, the alarm topic, the log error filter, the
dashboard) and the alarm catalog: connection limits per class, what each alarm watches and why its
missing data means what it says, synthesized in a small stack of their own, and their refusal of bad props."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from cdktf import TerraformStack
from cdktf import Testing as CdktfTesting
from cdktf_cdktf_provider_aws.provider import AwsProvider

from modules.kms import EncryptionKey, EncryptionKeyProps
from modules.monitoring import (
    AlarmSet,
    AlarmSetProps,
    AlarmSpec,
    AlarmTopic,
    AlarmTopicProps,
    DashboardSection,
    LogErrorFilter,
    LogErrorFilterProps,
    Metric,
    OperationsDashboard,
    OperationsDashboardProps,
    alarm_topic_key_grants,
    aurora_alarms,
    cache_alarms,
    database_alarms,
    dead_letter_alarm,
    fleet_alarms,
    fleet_disk_alarm,
    function_alarms,
    load_balancer_alarms,
    log_errors_alarm,
    max_connections,
    service_alarms,
)
from modules.monitoring.dashboard import dashboard_body
from modules.monitoring.limits import GIB, class_memory_gib
from tests.construct_paths import ConstructPaths, synth_with_paths
from tests.support import policy_document, policy_statement, statement_conditions

STACK = "monitoring-test"
REGION, ACCOUNT = "eu-west-1", "123456789012"
LB = "app/shop-prod/50dc6c495c0c9188"
TARGET_GROUPS = {"web": "targetgroup/shop-prod-web/73e2d6bc24d8a067",
                 "api": "targetgroup/shop-prod-api/943f017f100becff"}
EMAILS = ["oncall@shop.example.com", "lead@shop.example.com"]
WEBHOOK = "https://hooks.shop.example.com/alarms"
LOG_NAMESPACE = "shop/prod/Application"
PLACEHOLDER = object()  # props validation never touches the referenced constructs


def _catalog() -> list[AlarmSpec]:
    """One of everything the catalog makes, with the seeds' thresholds."""
    return [
        *load_balancer_alarms(LB, TARGET_GROUPS, 1, 2),
        *fleet_alarms("web", "shop-prod-web", 80),
        fleet_disk_alarm("web", SimpleNamespace(namespace="CWAgent", name="disk_used_percent",
                                                dimensions={"AutoScalingGroupName": "shop-prod-web"}), 85),
        *service_alarms("backend", "shop-prod", "shop-prod-backend", 80),
        *database_alarms("main", "shop-prod-main", "mysql", "db.t4g.medium", 20, cpu_percent=80,
                         free_storage_percent=10, connections_percent=80),
        *aurora_alarms("orders", "shop-prod-orders", "aurora-postgresql", "db.serverless", 8, cpu_percent=80,
                       connections_percent=80),
        *cache_alarms("sessions", "shop-prod-sessions", 3, cpu_percent=80, evictions=100),
        dead_letter_alarm("images", "shop-prod-images-dlq"),
        *function_alarms("report", "shop-prod-report"),
        log_errors_alarm("backend", LOG_NAMESPACE, "shop-prod-backend-errors"),
    ]


def _by_key(specs: list[AlarmSpec]) -> dict[str, AlarmSpec]:
    return {spec.key: spec for spec in specs}


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    """One stack with the key, the topic, an alarm set, a log filter and the dashboard: (document, constructs,
    folder)."""
    app = CdktfTesting.app()
    stack = TerraformStack(app, STACK)
    AwsProvider(stack, "aws", region=REGION)
    key = EncryptionKey(stack, "key", EncryptionKeyProps(
        alias="shop-prod-ops", description="alarm topic", account_id=ACCOUNT,
        service_grants=alarm_topic_key_grants(ACCOUNT)))
    built = SimpleNamespace(key=key)
    built.topic = AlarmTopic(stack, "topic", AlarmTopicProps(
        name="shop-prod-alarms", encryption_key=key, account_id=ACCOUNT, emails=EMAILS, https_endpoints=[WEBHOOK]))
    built.filter = LogErrorFilter(stack, "log-errors", LogErrorFilterProps(
        name="shop-prod-backend-errors", log_group_name="/ecs/shop-prod/backend", namespace=LOG_NAMESPACE))
    specs = [*load_balancer_alarms(LB, TARGET_GROUPS, 1, 2),
             log_errors_alarm("backend", LOG_NAMESPACE, built.filter.metric_name)]
    built.alarms = AlarmSet(stack, "alarms", AlarmSetProps(
        name_prefix="shop-prod", alarm_actions=[built.topic.arn], alarms=specs))
    lb = {"LoadBalancer": LB}
    built.sections = [
        DashboardSection("Load balancer: requests and 5xx", [
            Metric("AWS/ApplicationELB", "RequestCount", lb, "Sum"),
            Metric("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", lb, "Sum")], period_seconds=60),
        DashboardSection("Load balancer: p95 response time (s)", [
            Metric("AWS/ApplicationELB", "TargetResponseTime", lb, "p95")]),
        DashboardSection("Backend: ERROR lines", [Metric(LOG_NAMESPACE, "shop-prod-backend-errors", {}, "Sum")]),
    ]
    built.dashboard = OperationsDashboard(stack, "dashboard", OperationsDashboardProps(
        name="shop-prod", region=REGION, sections=built.sections, alarm_arns=built.alarms.arns))
    folder = tmp_path_factory.mktemp("monitoring-stack")
    return synth_with_paths(stack, folder), built, folder


@pytest.fixture(scope="module")
def document(synthesized):
    return synthesized[0]


def _paths(document) -> ConstructPaths:
    """Reads `document` by construct path below the test stack."""
    return ConstructPaths(document, STACK)


def _topic_arn(document) -> str:
    return _paths(document).ref("aws_sns_topic", "topic/topic", "arn")


# -- connection limits --------------------------------------------------------------------------------


@pytest.mark.parametrize(("engine", "instance_class", "expected"), [
    ("mysql", "db.t4g.micro", 85),
    ("mysql", "db.t4g.medium", 341),
    ("postgres", "db.t4g.micro", 112),
    ("postgres", "db.m6g.large", 901),
    ("postgres", "db.r6g.16xlarge", 5000),  # LEAST(memory / 9531392, 5000)
    ("aurora-postgresql", "db.r6g.8xlarge", 5000),
    ("aurora-mysql", "db.r6g.large", 1000),
    ("aurora-mysql", "db.r6g.xlarge", 2000),
    ("aurora-mysql", "db.r6g.2xlarge", 3000),
])
def test_max_connections_match_the_published_defaults(engine, instance_class, expected):
    assert max_connections(engine, instance_class) == expected


def test_class_memory_follows_the_family_and_the_size():
    assert (class_memory_gib("db.t4g.micro"), class_memory_gib("db.t3.small"), class_memory_gib("db.t4g.large")) == (
        1, 2, 8)
    assert (class_memory_gib("db.m6g.large"), class_memory_gib("db.r6g.large"), class_memory_gib("db.r6g.4xlarge")) \
        == (8, 16, 128)
    assert class_memory_gib("db.serverless", serverless_max_acu=8) == 16  # 2 GiB per ACU at its maximum
    assert max_connections("aurora-mysql", "db.serverless", 8) == 1000


@pytest.mark.parametrize("instance_class", ["db.z9.huge", "db.t4g.4xlarge", "m6g.large", "db.r6g.64xlarge"])
def test_a_class_outside_the_table_is_refused_naming_it_and_the_fix(instance_class):
    with pytest.raises(ValueError) as error:
        max_connections("mysql", instance_class)
    message = str(error.value)
    assert repr(instance_class) in message and "fix:" in message and "limits.py" in message, message


def test_serverless_without_max_acu_and_an_unknown_engine_are_refused():
    with pytest.raises(ValueError, match=r"db\.serverless needs its maximum ACU.*fix: pass serverless_max_acu"):
        class_memory_gib("db.serverless")
    with pytest.raises(ValueError, match=r"db\.serverless needs its maximum ACU"):
        aurora_alarms("orders", "c", "aurora-mysql", "db.serverless", None, cpu_percent=80, connections_percent=80)
    with pytest.raises(ValueError, match=r"engine 'oracle-ee'; fix: mysql, postgres"):
        max_connections("oracle-ee", "db.r6g.large")


def test_aurora_mysql_small_classes_match_the_published_table():
    assert (max_connections("aurora-mysql", "db.t4g.medium"), max_connections("aurora-mysql", "db.t4g.large")) == (
        90, 135)


# -- the catalog --------------------------------------------------------------------------------------


def test_5xx_alarm_is_metric_math_over_both_5xx_counts_and_requests():
    alarm = _by_key(load_balancer_alarms(LB, TARGET_GROUPS, 5, 2))["alb-5xx-rate"]
    assert alarm.metric is None
    assert alarm.expression == "100 * (FILL(elb5xx, 0) + FILL(target5xx, 0)) / requests"
    assert {i: (m.namespace, m.name, dict(m.dimensions), m.statistic) for i, m in alarm.metrics.items()} == {
        "requests": ("AWS/ApplicationELB", "RequestCount", {"LoadBalancer": LB}, "Sum"),
        "elb5xx": ("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", {"LoadBalancer": LB}, "Sum"),
        "target5xx": ("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", {"LoadBalancer": LB}, "Sum")}
    assert (alarm.threshold, alarm.comparison) == (5, "GreaterThanThreshold")
    assert (alarm.datapoints_to_alarm, alarm.evaluation_periods) == (3, 5)
    assert alarm.treat_missing_data == "notBreaching" and "5 %" in alarm.description


def test_latency_alarm_reads_p95_of_target_response_time():
    alarm = _by_key(load_balancer_alarms(LB, {}, 1, 2.5))["alb-latency-p95"]
    assert (alarm.metric.name, alarm.metric.statistic, dict(alarm.metric.dimensions)) == (
        "TargetResponseTime", "p95", {"LoadBalancer": LB})
    assert alarm.threshold == 2.5 and (alarm.datapoints_to_alarm, alarm.evaluation_periods) == (3, 5)


def test_unhealthy_hosts_alarm_per_target_group_names_balancer_and_group():
    alarms = _by_key(load_balancer_alarms(LB, TARGET_GROUPS, 1, 2))
    assert set(alarms) == {"alb-5xx-rate", "alb-latency-p95", "api-unhealthy-hosts", "web-unhealthy-hosts"}
    for name, suffix in TARGET_GROUPS.items():
        metric = alarms[f"{name}-unhealthy-hosts"].metric
        assert (metric.name, metric.statistic) == ("UnHealthyHostCount", "Maximum")
        assert dict(metric.dimensions) == {"LoadBalancer": LB, "TargetGroup": suffix}
        assert alarms[f"{name}-unhealthy-hosts"].threshold == 0


def test_fleet_below_minimum_is_minimum_minus_in_service_and_silence_is_down():
    alarms = _by_key(fleet_alarms("web", "shop-prod-web", 75))
    below = alarms["web-below-minimum"]
    assert below.expression == "minimum - in_service" and below.treat_missing_data == "breaching"
    assert {i: m.name for i, m in below.metrics.items()} == {"in_service": "GroupInServiceInstances",
                                                            "minimum": "GroupMinSize"}
    assert all(dict(m.dimensions) == {"AutoScalingGroupName": "shop-prod-web"} for m in below.metrics.values())
    assert (below.threshold, below.comparison) == (0, "GreaterThanThreshold")
    cpu = alarms["web-cpu-high"]
    assert (cpu.metric.namespace, cpu.threshold, cpu.period_seconds * cpu.evaluation_periods) == ("AWS/EC2", 75, 600)


def test_fleet_disk_alarm_reads_the_publishers_metric_by_its_maximum_and_silence_is_healthy():
    published = SimpleNamespace(namespace="CWAgent", name="disk_used_percent",
                                dimensions={"AutoScalingGroupName": "shop-prod-web"})  # as modules.fleet describes it
    alarm = fleet_disk_alarm("web", published, 90)
    assert alarm.key == "web-disk-high" and (alarm.threshold, alarm.comparison) == (90, "GreaterThanThreshold")
    assert (alarm.metric.namespace, alarm.metric.name, dict(alarm.metric.dimensions), alarm.metric.statistic) == (
        "CWAgent", "disk_used_percent", {"AutoScalingGroupName": "shop-prod-web"}, "Maximum")
    assert (alarm.period_seconds, alarm.evaluation_periods) == (300, 2)
    assert alarm.treat_missing_data == "notBreaching"  # scaled to zero at night: no instance, no data, no page
    assert "90 %" in alarm.description and "root_volume_gb" in alarm.description


def test_service_tasks_alarm_compares_container_insights_running_and_desired():
    tasks = _by_key(service_alarms("backend", "shop-prod", "shop-prod-backend", 80))["backend-tasks-below-desired"]
    assert tasks.expression == "desired - running" and tasks.treat_missing_data == "breaching"
    assert {i: (m.namespace, m.name, dict(m.dimensions)) for i, m in tasks.metrics.items()} == {
        "running": ("ECS/ContainerInsights", "RunningTaskCount",
                    {"ClusterName": "shop-prod", "ServiceName": "shop-prod-backend"}),
        "desired": ("ECS/ContainerInsights", "DesiredTaskCount",
                    {"ClusterName": "shop-prod", "ServiceName": "shop-prod-backend"})}


def test_database_storage_and_connection_thresholds_derive_from_the_allocation_and_the_class():
    alarms = _by_key(database_alarms("main", "shop-prod-main", "mysql", "db.t4g.medium", 50, cpu_percent=70,
                                     free_storage_percent=10, connections_percent=80))
    storage = alarms["main-db-storage-low"]
    assert storage.threshold == 50 * GIB * 10 / 100 == 5368709120  # bytes, as FreeStorageSpace is published
    assert (storage.metric.name, storage.comparison, storage.treat_missing_data) == (
        "FreeStorageSpace", "LessThanThreshold", "breaching")
    connections = alarms["main-db-connections-high"]
    assert connections.threshold == int(341 * 0.8) == 272
    assert "341" in connections.description and "db.t4g.medium" in connections.description
    assert alarms["main-db-cpu-high"].threshold == 70
    assert all(dict(a.metric.dimensions) == {"DBInstanceIdentifier": "shop-prod-main"} for a in alarms.values())
    postgres = _by_key(database_alarms("pg", "shop-prod-pg", "postgres", "db.m6g.large", 20, cpu_percent=80,
                                       free_storage_percent=20, connections_percent=90))
    assert postgres["pg-db-connections-high"].threshold == int(901 * 0.9) == 810
    assert postgres["pg-db-storage-low"].threshold == 20 * GIB * 0.2


def test_aurora_alarms_watch_the_writer():
    alarms = _by_key(aurora_alarms("orders", "shop-prod-orders", "aurora-mysql", "db.r6g.large", None,
                                   cpu_percent=80, connections_percent=80))
    assert set(alarms) == {"orders-db-cpu-high", "orders-db-connections-high"}
    assert all(dict(a.metric.dimensions) == {"DBClusterIdentifier": "shop-prod-orders", "Role": "WRITER"}
               for a in alarms.values())
    assert alarms["orders-db-connections-high"].threshold == 800


def test_cache_alarms_come_in_one_pair_per_node():
    alarms = cache_alarms("sessions", "shop-prod-sessions", 3, cpu_percent=90, evictions=50)
    assert [a.key for a in alarms] == [f"sessions-cache-{n:03d}-{kind}" for n in (1, 2, 3)
                                      for kind in ("cpu-high", "evictions")]
    nodes = [a.metric.dimensions["CacheClusterId"] for a in alarms]
    assert nodes == [f"shop-prod-sessions-{n:03d}" for n in (1, 1, 2, 2, 3, 3)]
    assert {(a.metric.name, a.threshold, a.treat_missing_data) for a in alarms} == {
        ("EngineCPUUtilization", 90, "breaching"), ("Evictions", 50, "notBreaching")}


def test_dead_letters_above_zero_and_silence_is_healthy():
    alarm = dead_letter_alarm("images", "shop-prod-images-dlq")
    assert (alarm.threshold, alarm.comparison, alarm.treat_missing_data) == (0, "GreaterThanThreshold", "notBreaching")
    assert (alarm.metric.namespace, alarm.metric.name, dict(alarm.metric.dimensions)) == (
        "AWS/SQS", "ApproximateNumberOfMessagesVisible", {"QueueName": "shop-prod-images-dlq"})


def test_every_catalog_alarm_chooses_missing_data_and_says_what_to_look_at():
    specs = _catalog()
    assert len({s.key for s in specs}) == len(specs)
    for spec in specs:
        assert spec.treat_missing_data in ("breaching", "notBreaching"), spec.key
        assert spec.description.strip(), spec.key
    AlarmSetProps(name_prefix="shop-prod", alarm_actions=["arn:aws:sns:eu-west-1:123456789012:t"], alarms=specs)


# -- AlarmSpec and AlarmSetProps refuse bad input -----------------------------------------------------

CPU = Metric("AWS/EC2", "CPUUtilization")
GOOD = dict(key="cpu-high", description="CPU high.", threshold=80, comparison="GreaterThanThreshold",
            treat_missing_data="notBreaching", metric=CPU)
BAD_SPECS = {
    "key-upper-case": (dict(key="CPU_High"), "'CPU_High'", "lower-case"),
    "comparison": (dict(comparison="GreaterThan"), "'GreaterThan'", "GreaterThanThreshold"),
    "missing-data": (dict(treat_missing_data="zero"), "'zero'", "notBreaching"),
    "metric-and-expression": (dict(expression="a + b", metrics={"a": CPU, "b": CPU}), "'cpu-high'", "pass one"),
    "neither-metric-nor-expression": (dict(metric=None), "'cpu-high'", "pass one"),
    "expression-without-metrics": (dict(metric=None, expression="100 * a"), "'100 * a'", "name each input"),
    "expression-upper-case-ids": (dict(metric=None, expression="Errors / Requests",
                                       metrics={"Errors": CPU, "Requests": CPU}), "['Errors', 'Requests']",
                                  "name each input"),
    "period": (dict(period_seconds=45), "period 45s", "multiple of 60"),
    "datapoints": (dict(evaluation_periods=3, datapoints_to_alarm=4), "datapoints_to_alarm 4 of 3",
                   "between 1 and evaluation_periods"),
}


@pytest.mark.parametrize("case", sorted(BAD_SPECS))
def test_bad_alarm_spec_fails_naming_the_value_and_the_fix(case):
    overrides, value, fix = BAD_SPECS[case]
    with pytest.raises(ValueError) as error:
        AlarmSpec(**{**GOOD, **overrides})
    message = str(error.value)
    assert value in message and "fix:" in message and fix in message.split("fix:", 1)[1], message


def test_good_specs_pass_including_high_resolution_periods():
    assert AlarmSpec(**{**GOOD, "period_seconds": 10}).period_seconds == 10
    assert AlarmSpec(**{**GOOD, "period_seconds": 300, "evaluation_periods": 3, "datapoints_to_alarm": 3})


def test_alarm_set_props_refuse_duplicate_keys_and_no_actions():
    spec = AlarmSpec(**GOOD)
    with pytest.raises(ValueError, match=r"alarm keys \['cpu-high'\] appear twice; fix: make each key unique"):
        AlarmSetProps(name_prefix="shop-prod", alarm_actions=["arn:topic"], alarms=[spec, spec])
    with pytest.raises(ValueError, match=r"'shop-prod' have no alarm_actions.*fix: pass the alarm topic's ARN"):
        AlarmSetProps(name_prefix="shop-prod", alarm_actions=[], alarms=[spec])


@pytest.mark.parametrize("statistic", ["avg", "p", "Median"])
def test_metric_refuses_an_unknown_statistic(statistic):
    with pytest.raises(ValueError) as error:
        Metric("AWS/EC2", "CPUUtilization", statistic=statistic)
    assert repr(statistic) in str(error.value) and "fix:" in str(error.value)
    assert Metric("AWS/EC2", "CPUUtilization", statistic="p99.9").statistic == "p99.9"


# -- synthesized ----------------------------------------------------------------------------------------


def test_every_alarm_tells_the_topic_of_alarm_and_of_ok(document):
    alarms = document["resource"]["aws_cloudwatch_metric_alarm"]
    assert {a["alarm_name"] for a in alarms.values()} == {
        "shop-prod-alb-5xx-rate", "shop-prod-alb-latency-p95", "shop-prod-web-unhealthy-hosts",
        "shop-prod-api-unhealthy-hosts", "shop-prod-backend-log-errors"}
    for alarm in alarms.values():
        assert alarm["alarm_actions"] == [_topic_arn(document)] == alarm["ok_actions"], alarm["alarm_name"]
        assert alarm["treat_missing_data"] in ("breaching", "notBreaching") and alarm["alarm_description"]


def test_metric_math_alarm_returns_only_the_expression(document):
    alarm = _paths(document).at("aws_cloudwatch_metric_alarm", "alarms/alb-5xx-rate")
    for absent in ("metric_name", "namespace", "period", "statistic", "extended_statistic", "dimensions"):
        assert absent not in alarm, absent
    queries = {q["id"]: q for q in alarm["metric_query"]}
    assert set(queries) == {"requests", "elb5xx", "target5xx", "result"}
    for query_id in ("requests", "elb5xx", "target5xx"):
        query = queries[query_id]
        assert query["return_data"] is False and "expression" not in query
        assert query["metric"]["namespace"] == "AWS/ApplicationELB" and query["metric"]["stat"] == "Sum"
        assert query["metric"]["period"] == 60 and query["metric"]["dimensions"] == {"LoadBalancer": LB}
    result = queries["result"]
    assert result["return_data"] is True and "metric" not in result and result["label"] == "alb-5xx-rate"
    assert result["expression"] == "100 * (FILL(elb5xx, 0) + FILL(target5xx, 0)) / requests"
    assert (alarm["threshold"], alarm["evaluation_periods"], alarm["datapoints_to_alarm"]) == (1, 5, 3)
    assert alarm["treat_missing_data"] == "notBreaching"


def test_single_metric_alarms_carry_their_metric_and_percentiles_as_extended_statistic(document):
    latency = _paths(document).at("aws_cloudwatch_metric_alarm", "alarms/alb-latency-p95")
    assert latency["extended_statistic"] == "p95" and "statistic" not in latency
    assert (latency["metric_name"], latency["period"], latency["dimensions"]) == (
        "TargetResponseTime", 60, {"LoadBalancer": LB})
    assert "metric_query" not in latency
    errors = _paths(document).at("aws_cloudwatch_metric_alarm", "alarms/backend-log-errors")
    assert (errors["namespace"], errors["metric_name"], errors["statistic"]) == (
        LOG_NAMESPACE, "shop-prod-backend-errors", "Sum")
    assert "dimensions" not in errors and "extended_statistic" not in errors
    web = _paths(document).at("aws_cloudwatch_metric_alarm", "alarms/web-unhealthy-hosts")
    assert web["dimensions"] == {"LoadBalancer": LB, "TargetGroup": TARGET_GROUPS["web"]}


def test_topic_is_encrypted_with_the_key_and_subscribed_as_configured(document):
    topic = _paths(document).at("aws_sns_topic", "topic/topic")
    assert topic["name"] == "shop-prod-alarms"
    assert topic["kms_master_key_id"] == _paths(document).ref("aws_kms_key", "key/key", "arn")
    subscriptions = document["resource"]["aws_sns_topic_subscription"].values()
    assert sorted((s["protocol"], s["endpoint"]) for s in subscriptions) == sorted(
        [("email", e) for e in EMAILS] + [("https", WEBHOOK)])
    assert all(s["topic_arn"] == _topic_arn(document) for s in subscriptions)


def test_topic_policy_admits_cloudwatch_of_this_account_and_denies_plain_http(document):
    topic_policy = _paths(document).at("aws_sns_topic_policy", "topic/policy")
    assert topic_policy["arn"] == _topic_arn(document)
    policy = policy_document(document, topic_policy["policy"])
    publish = policy_statement(policy, "ServicesOfThisAccountPublish")
    assert publish.get("effect", "Allow") == "Allow" and publish["actions"] == ["sns:Publish"]
    assert publish["principals"] == [{"type": "Service", "identifiers": ["cloudwatch.amazonaws.com"]}]
    assert statement_conditions(publish) == {("StringEquals", "aws:SourceAccount", (ACCOUNT,))}
    assert publish["resources"] == [_topic_arn(document)]
    deny = policy_statement(policy, "DenyPlainHttp")
    assert deny["effect"] == "Deny" and deny["actions"] == ["sns:Publish"]
    assert deny["principals"] == [{"type": "*", "identifiers": ["*"]}]
    assert statement_conditions(deny) == {("Bool", "aws:SecureTransport", ("false",))}
    account = policy_statement(policy, "AccountManagesTopic")
    assert account["principals"] == [{"type": "AWS", "identifiers": [f"arn:aws:iam::{ACCOUNT}:root"]}]


def test_key_policy_lets_cloudwatch_of_this_account_encrypt_for_the_topic(document):
    key = _paths(document).at("aws_kms_key", "key/key")
    grant = policy_statement(policy_document(document, key["policy"]), "AllowCloudwatch")
    assert grant["principals"] == [{"type": "Service", "identifiers": ["cloudwatch.amazonaws.com"]}]
    assert sorted(grant["actions"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert statement_conditions(grant) == {("StringEquals", "aws:SourceAccount", (ACCOUNT,))}
    assert key["enable_key_rotation"] is True


def test_log_filter_counts_error_lines_without_a_default_value(document):
    log_filter = _paths(document).at("aws_cloudwatch_log_metric_filter", "log-errors/filter")
    assert (log_filter["name"], log_filter["log_group_name"], log_filter["pattern"]) == (
        "shop-prod-backend-errors", "/ecs/shop-prod/backend", "ERROR")
    transformation = log_filter["metric_transformation"]
    assert (transformation["name"], transformation["namespace"], transformation["value"]) == (
        "shop-prod-backend-errors", LOG_NAMESPACE, "1")
    assert "default_value" not in transformation


def test_dashboard_shows_the_alarms_and_a_graph_per_section_on_a_grid(document, synthesized):
    dashboard = _paths(document).at("aws_cloudwatch_dashboard", "dashboard/dashboard")
    assert dashboard["dashboard_name"] == "shop-prod"
    widgets = json.loads(dashboard["dashboard_body"])["widgets"]
    alarm_widgets = [w for w in widgets if w["type"] == "alarm"]
    assert len(alarm_widgets) == 1
    assert sorted(alarm_widgets[0]["properties"]["alarms"]) == sorted(
        _paths(document).ref("aws_cloudwatch_metric_alarm", f"alarms/{key}", "arn")
        for key in synthesized[1].alarms.alarms)
    metric_widgets = [w for w in widgets if w["type"] == "metric"]
    assert [w["properties"]["title"] for w in metric_widgets] == [s.title for s in synthesized[1].sections]
    assert all(w["properties"]["region"] == REGION for w in metric_widgets)
    assert metric_widgets[0]["properties"]["metrics"][0] == [
        "AWS/ApplicationELB", "RequestCount", "LoadBalancer", LB, {"stat": "Sum"}]
    cells = [(x, y) for w in widgets for x in range(w["x"], w["x"] + w["width"])
             for y in range(w["y"], w["y"] + w["height"])]
    assert len(cells) == len(set(cells)), "widgets overlap"
    assert all(0 <= w["x"] and w["x"] + w["width"] <= 24 for w in widgets)


def test_dashboard_splits_alarms_into_widgets_of_at_most_100():
    props = OperationsDashboardProps(name="big", region=REGION, sections=[],
                                     alarm_arns=[f"arn:aws:cloudwatch:eu-west-1:1:alarm:a{i}" for i in range(150)])
    widgets = json.loads(dashboard_body(props))["widgets"]
    assert [len(w["properties"]["alarms"]) for w in widgets] == [100, 50]
    assert [(w["x"], w["y"]) for w in widgets] == [(0, 0), (12, 0)]


# -- topic and dashboard props refuse bad input ---------------------------------------------------------


def _topic_props(**overrides) -> AlarmTopicProps:
    values = dict(name="shop-prod-alarms", encryption_key=PLACEHOLDER, account_id=ACCOUNT, emails=EMAILS)
    return AlarmTopicProps(**{**values, **overrides})


BAD_PROPS = {
    "topic-plain-http-endpoint": (lambda: _topic_props(https_endpoints=["http://hooks.example.com/x"]),
                                  "['http://hooks.example.com/x']", "https://"),
    "topic-publishers-without-cloudwatch": (lambda: _topic_props(publishers=["budgets.amazonaws.com"]),
                                            "['budgets.amazonaws.com']", "keep it"),
    "topic-bad-name": (lambda: _topic_props(name="shop prod.alarms"), "'shop prod.alarms'", "letters, digits"),
    "dashboard-empty-section": (lambda: OperationsDashboardProps(
        name="shop-prod", region=REGION, sections=[DashboardSection("Fleet web", [])]), "['Fleet web']",
        "at least one metric"),
    "dashboard-nothing-to-show": (lambda: OperationsDashboardProps(name="shop-prod", region=REGION, sections=[]),
                                  "and no alarms", "at least one metric"),
    "dashboard-bad-name": (lambda: OperationsDashboardProps(
        name="shop prod", region=REGION, sections=[DashboardSection("CPU", [CPU])]), "'shop prod'", "hyphens"),
    "log-filter-empty-pattern": (lambda: LogErrorFilterProps(name="x-errors", log_group_name="/g", namespace="n",
                                                             pattern="  "), "'x-errors'", "ERROR"),
}


@pytest.mark.parametrize("case", sorted(BAD_PROPS))
def test_bad_props_fail_early_naming_the_value_and_the_fix(case):
    build, value, fix = BAD_PROPS[case]
    with pytest.raises(ValueError) as error:
        build()
    message = str(error.value)
    assert value in message and "fix:" in message and fix in message.split("fix:", 1)[1], message


def test_extra_publishers_are_granted_on_the_key_and_admitted_by_the_topic():
    grants = alarm_topic_key_grants(ACCOUNT, ("cloudwatch.amazonaws.com", "budgets.amazonaws.com"))
    assert [g.service for g in grants] == ["cloudwatch.amazonaws.com", "budgets.amazonaws.com"]
    assert all(list(g.conditions) == [("StringEquals", "aws:SourceAccount", [ACCOUNT])] for g in grants)
    assert _topic_props(publishers=("budgets.amazonaws.com", "cloudwatch.amazonaws.com")).publishers


@pytest.mark.terraform
def test_synthesized_constructs_pass_terraform_validate(synthesized, tmp_path):
    from tests.harness.terraform import TerraformWorkdir

    workdir = TerraformWorkdir(synthesized[2], tmp_path / "wd")
    workdir.init(backend=False)
    workdir.validate()
