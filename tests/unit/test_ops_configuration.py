"""Layer 1: the `ops:` section of a blueprint environment (alarm subscribers, thresholds, audit trail,
budget): hostile input must fail with the key, the bad value and a fix, and write nothing; the shipped
blueprints carry the seeds' thresholds and every production environment's alarms reach someone."""

from __future__ import annotations

import pytest

import main
from configuration import ConfigError, list_blueprints, load
from configuration.ops import Ops
from tests.support import assert_refused, user_config_file

# case -> (the blueprint environment extended, the YAML merged over it, fragments the error must contain)
HOSTILE = {
    "production-without-subscribers": (
        "saas/prod", "ops:\n  alarm_subscribers: {emails: [], https_endpoints: []}\n",
        ["ops.alarm_subscribers is empty in a production environment", "fix: add ops.alarm_subscribers.emails"]),
    "billing-alarm-without-subscribers": (
        "notebookly/dev", "ops:\n  budget: {monthly_limit_usd: 20}\n",
        ["ops.budget is set but ops.alarm_subscribers is empty", "fix: add ops.alarm_subscribers"]),
    "billing-alarm-without-subscribers-in-production": (
        "notebookly/prod", "ops:\n  alarm_subscribers: {emails: []}\n",
        ["ops.budget is set but ops.alarm_subscribers is empty"]),
    "bad-email": (
        "notebookly/prod", "ops:\n  alarm_subscribers: {emails: [oncall-at-notebookly.com]}\n",
        ["ops.alarm_subscribers.emails", "'oncall-at-notebookly.com' is not an e-mail address", "ops@example.com"]),
    "plain-http-webhook": (
        "saas/prod", "ops:\n  alarm_subscribers: {https_endpoints: ['http://hooks.saas.example.com/alarms']}\n",
        ["ops.alarm_subscribers.https_endpoints", "'http://hooks.saas.example.com/alarms' is not an https:// URL",
         "HTTPS webhook"]),
    "duplicate-budget-thresholds": (
        "notebookly/prod", "ops:\n  budget: {monthly_limit_usd: 100, thresholds_percent: [80, 80]}\n",
        ["ops.budget.thresholds_percent", "[80, 80]", "distinct percentages"]),
    "empty-budget-thresholds": (
        "notebookly/prod", "ops:\n  budget: {monthly_limit_usd: 100, thresholds_percent: []}\n",
        ["ops.budget.thresholds_percent: thresholds_percent []", "one or more"]),
    "budget-threshold-zero": (
        "notebookly/prod", "ops:\n  budget: {monthly_limit_usd: 100, thresholds_percent: [0, 100]}\n",
        ["ops.budget.thresholds_percent.0 = 0", "greater than or equal to 1"]),
    "budget-limit-zero": (
        "notebookly/prod", "ops:\n  budget: {monthly_limit_usd: 0}\n", ["ops.budget.monthly_limit_usd = 0"]),
    "5xx-threshold-zero": (
        "notebookly/prod", "ops:\n  alarms: {http_5xx_percent: 0}\n",
        ["ops.alarms.http_5xx_percent = 0", "greater than 0"]),
    "5xx-threshold-too-high": (
        "saas/prod", "ops:\n  alarms: {http_5xx_percent: 80}\n",
        ["ops.alarms.http_5xx_percent = 80", "less than or equal to 50"]),
    "disk-threshold-full": (
        "levels/prod", "ops:\n  alarms: {disk_used_percent: 100}\n",
        ["ops.alarms.disk_used_percent = 100", "less than or equal to 99", "50 to 99"]),
    "disk-threshold-too-low": (
        "notebookly/dev", "ops:\n  alarms: {disk_used_percent: 30}\n",
        ["ops.alarms.disk_used_percent = 30", "greater than or equal to 50", "pages on normal use"]),
    "latency-threshold-negative": (
        "saas/prod", "ops:\n  alarms: {latency_p95_seconds: -2}\n", ["ops.alarms.latency_p95_seconds = -2"]),
    "short-trail-retention": (
        "notebookly/prod", "ops:\n  trail_log_retention_days: 30\n",
        ["ops.trail_log_retention_days = 30", "greater than or equal to 365"]),
    "typo-under-ops": (
        "notebookly/prod", "ops:\n  alarm_subscriber: {emails: [oncall@notebookly.com]}\n",
        ["ops.alarm_subscriber: unknown key 'alarm_subscriber'", "did you mean 'alarm_subscribers'"]),
    "typo-under-ops-alarms": (
        "saas/prod", "ops:\n  alarms: {http_5xx_percents: 3}\n",
        ["ops.alarms.http_5xx_percents: unknown key", "did you mean 'http_5xx_percent'"]),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_ops_configuration_fails_with_key_value_and_fix(case, tmp_path):
    extends, body, expected = HOSTILE[case]
    assert_refused(tmp_path, extends, body, expected)


@pytest.mark.parametrize("case", ["production-without-subscribers", "plain-http-webhook"])
def test_a_bad_ops_section_writes_nothing(case, tmp_path, capsys):
    extends, body, expected = HOSTILE[case]
    out = tmp_path / "out"
    code = main.main(["--config", str(user_config_file(tmp_path, extends, body)), "--out", str(out)])
    stderr = capsys.readouterr().err
    assert code == 2, stderr
    assert expected[0] in stderr and "fix:" in stderr
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["my-env.yaml"]  # no staging folder left behind


def test_budget_thresholds_are_sorted_and_a_non_production_environment_may_add_subscribers(tmp_path):
    body = ("ops:\n  alarm_subscribers: {emails: [dev-team@notebookly.com], https_endpoints: "
            "['https://hooks.example.com/T0/B0']}\n  budget: {monthly_limit_usd: 25.5, thresholds_percent: "
            "[120, 50, 90]}\n")
    ops = load(config_file=user_config_file(tmp_path, "notebookly/dev", body)).ops
    assert ops.budget.thresholds_percent == [50, 90, 120]
    assert ops.budget.monthly_limit_usd == 25.5 and ops.budget.billing_alarm is True
    assert ops.alarm_subscribers.emails == ["dev-team@notebookly.com"] and not ops.alarm_subscribers.is_empty


def test_the_defaults_are_the_production_ones():
    ops = Ops()
    assert ops.dashboard is True and ops.audit_trail is True and ops.trail_log_retention_days == 365
    assert ops.budget is None and ops.alarm_subscribers.is_empty
    assert (ops.alarms.http_5xx_percent, ops.alarms.latency_p95_seconds, ops.alarms.cpu_percent) == (1.0, 2.0, 80)
    assert (ops.alarms.database_free_storage_percent, ops.alarms.database_connections_percent) == (10, 80)
    assert ops.alarms.disk_used_percent == 85


def test_trail_retention_must_be_a_cloudwatch_retention_period(tmp_path):
    with pytest.raises(ConfigError, match=r"ops\.trail_log_retention_days.*500.*fix:"):
        load(config_file=user_config_file(tmp_path, "notebookly/prod", "ops:\n  trail_log_retention_days: 500\n"))


# -- the shipped blueprints ---------------------------------------------------------------------------


def test_seed_thresholds_notebookly_1_percent_and_saas_5_percent_both_2_seconds():
    for blueprint, percent in (("notebookly", 1), ("saas", 5)):
        for environment in ("dev", "prod"):
            alarms = load(blueprint, environment).ops.alarms
            assert (alarms.http_5xx_percent, alarms.latency_p95_seconds) == (percent, 2), (blueprint, environment)


def test_notebookly_prod_budget_is_100_usd_at_80_and_100_percent():
    budget = load("notebookly", "prod").ops.budget
    assert (budget.monthly_limit_usd, budget.thresholds_percent, budget.billing_alarm) == (100, [80, 100], True)
    assert load("notebookly", "dev").ops.budget is None


def test_every_production_environment_alarms_someone_and_dev_environments_nobody():
    environments = [(b.name, e) for b in list_blueprints() for e in b.environments]
    assert {("notebookly", "prod"), ("saas", "prod"), ("levels", "dev"), ("cafe-dr", "prod")} <= set(environments)
    for blueprint, environment in environments:
        config = load(blueprint, environment)
        subscribers = config.ops.alarm_subscribers
        if config.is_production:
            assert not subscribers.is_empty, (blueprint, environment)
            assert config.ops.dashboard and config.ops.audit_trail, (blueprint, environment)
        if environment == "dev":
            assert not config.is_production and subscribers.is_empty, (blueprint, environment)
    saas = load("saas", "prod").ops.alarm_subscribers
    assert saas.https_endpoints == ["https://hooks.saas.example.com/alarms"]
