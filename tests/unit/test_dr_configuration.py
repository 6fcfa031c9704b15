"""Layer 1: the `dr:` section (strategy, standby network, recovery-time objective): hostile input fails
with the key, the bad value and a fix; the failover budget adds up from documented figures and an
environment whose budget does not fit its RTO is refused."""

from __future__ import annotations

import pytest

from configuration import ConfigError, load
from configuration.dr import Dr
from configuration.rto import (
    ALARM_SECONDS,
    AURORA_DETACH_SECONDS,
    DNS_SECONDS,
    EC2_LAUNCH_SECONDS,
    EFS_DETACH_SECONDS,
    PARAMETER_SECONDS,
    RDS_PROMOTION_SECONDS,
    TARGET_HEALTHY_SECONDS,
    rto_budget,
)
from tests.support import ALL_ENVIRONMENTS, assert_refused, load_environment, user_config_file

PILOT_LIGHT = ("dr:\n  strategy: pilot-light\n  vpc_cidr: 10.22.0.0/16\n"
               "  availability_zones: [eu-central-1a, eu-central-1b]\n  image_ids: {web: ami-0f7204385566b32d0}\n")
HEALTH_CHECK = ""  # cafe-dr prod checks its load balancer's /health

# case -> (the blueprint environment extended, the YAML merged over it, fragments the error must contain)
HOSTILE = {
    "no-secondary-region": (
        "notebookly/dev", "regions: {secondary: null}\ndr:\n  strategy: pilot-light\n  vpc_cidr: 10.9.0.0/16\n"
        "  availability_zones: [ap-south-1a, ap-south-1b]\n",
        ["dr.strategy 'pilot-light' needs regions.secondary", "fix: set regions.secondary"]),
    "no-standby-range": (
        "cafe-dr/prod", "dr:\n  strategy: warm-standby\n  vpc_cidr: null\n"
        + HEALTH_CHECK, ["needs dr.vpc_cidr", "does not overlap network.vpc_cidr 10.21.0.0/16"]),
    "standby-range-overlaps-the-primary": (
        "cafe-dr/prod", PILOT_LIGHT.replace("10.22.0.0/16", "10.21.128.0/17") + HEALTH_CHECK,
        ["dr.vpc_cidr 10.21.128.0/17 overlaps network.vpc_cidr 10.21.0.0/16", "fix: a range apart"]),
    "standby-range-public": (
        "cafe-dr/prod", PILOT_LIGHT.replace("10.22.0.0/16", "8.8.0.0/16") + HEALTH_CHECK,
        ["dr.vpc_cidr", "'8.8.0.0/16'", "fix: a private /16 to /24 range"]),
    "standby-zones-of-the-primary": (
        "cafe-dr/prod", PILOT_LIGHT.replace("eu-central-1a, eu-central-1b", "eu-west-1a, eu-west-1b") + HEALTH_CHECK,
        ["dr.availability_zones ['eu-west-1a', 'eu-west-1b']", "of regions.secondary 'eu-central-1'",
         "fix: e.g. [eu-central-1a, eu-central-1b]"]),
    "one-standby-zone": (
        "cafe-dr/prod", PILOT_LIGHT.replace("eu-central-1a, eu-central-1b", "eu-central-1a") + HEALTH_CHECK,
        ["dr.availability_zones ['eu-central-1a']", "2-4 distinct AZs"]),
    "no-health-check-to-fail-over-from": (
        "cafe-dr/prod", PILOT_LIGHT + "edge: {health_check: null}\n",
        ["fails over from a health-checked public name", "fix: set edge.domain and edge.health_check"]),
    "an-instance-beside-the-aurora-cluster": (
        "levels/prod", "dr: {strategy: warm-standby}\ndata:\n  databases:\n    legacy: {engine: mysql, "
        "database_name: legacy}\n",
        ["databases ['legacy', 'main'] (data.databases and data.aurora)", "promotes one database"]),
    "two-databases-one-orchestrator": (
        "cafe-dr/prod", PILOT_LIGHT + HEALTH_CHECK + "data:\n  databases:\n    loyalty: {engine: mysql, "
        "database_name: loyalty, instance_class: db.t4g.medium}\n",
        ["databases ['cafe', 'loyalty']", "promotes one database", "fix: one database per environment"]),
    "health-path-with-a-wildcard-behind-cloudfront": (
        "saas/prod", "dr: {strategy: warm-standby}\nedge: {health_check: {path: /health*}}\n",
        ["edge.health_check.path '/health*'", "one literal path", "fix: a path such as /health"]),
    "route-on-the-health-rule-behind-cloudfront": (
        "saas/prod", "dr: {strategy: warm-standby}\ncompute:\n  load_balancer:\n    routes:\n      - {priority: "
        "49999, paths: [/x/*], target: admin}\n",
        ["priorities [49999]", "49999 is the health check's rule", "fix: priorities below 49999"]),
    "nothing-to-fail-over": (
        "cafe-dr/prod", PILOT_LIGHT + "edge: {apex_target: null, health_check: {subdomain: static}}\n",
        ["no public name points at the load balancer", "fix: set edge.apex_target: load_balancer"]),
    "budget-above-the-rto": (
        "cafe-dr/prod", PILOT_LIGHT + "  rto_minutes: 10\n" + HEALTH_CHECK,
        ["the failover budget is", "above dr.rto_minutes 10", "detect 210 s", "fix: lower dr.min_outage_seconds"]),
    "unknown-strategy": (
        "cafe-dr/prod", "dr:\n  strategy: hot-standby\n", ["dr.strategy", "'hot-standby'", "pilot-light"]),
    "typo-under-dr": (
        "cafe-dr/prod", "dr:\n  stratgy: pilot-light\n", ["dr.stratgy: unknown key", "did you mean 'strategy'"]),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_dr_configuration_fails_with_key_value_and_fix(case, tmp_path):
    extends, body, expected = HOSTILE[case]
    assert_refused(tmp_path, extends, body, expected)


def test_the_default_is_no_standby_and_the_seeds_rto():
    dr = Dr()
    assert (dr.strategy, dr.enabled, dr.rto_minutes, dr.min_outage_seconds, dr.automatic) == (
        "none", False, 20, 120, True)
    shipped = {(b, e): load(b, e).dr for b, e in ALL_ENVIRONMENTS}
    assert {key: dr.strategy for key, dr in shipped.items() if dr.enabled} == {("cafe-dr", "prod"): "pilot-light"}


def test_cafe_dr_prod_ships_seed_001s_pilot_light_within_its_rto():
    config = load("cafe-dr", "prod")
    assert (config.dr.strategy, config.dr.rto_minutes, config.regions.secondary) == ("pilot-light", 20, "eu-central-1")
    assert config.standby().compute.fleets["web"].min_size == 0
    assert rto_budget(config).total_seconds <= 20 * 60


def test_the_budget_adds_the_documented_step_figures_in_the_orchestrators_order(tmp_path):
    config = load(config_file=user_config_file(tmp_path, "cafe-dr/prod", PILOT_LIGHT + HEALTH_CHECK))
    budget = rto_budget(config)
    check = config.edge.health_check
    assert [(s.name, s.seconds) for s in budget.steps] == [
        ("detect", check.failure_threshold * check.request_interval_seconds + ALARM_SECONDS),
        ("flap-guard", 120), ("promote-database", RDS_PROMOTION_SECONDS),
        ("detach-file-systems", EFS_DETACH_SECONDS),  # data.file_systems.shared, replicated to the standby
        ("update-parameters", 5), ("scale-standby", EC2_LAUNCH_SECONDS + 30), ("dns", DNS_SECONDS)]
    assert budget.total_seconds == 210 + 120 + 300 + 240 + 5 + 210 + 60 <= 20 * 60
    table = budget.table()
    assert table.splitlines()[-1].split()[:2] == ["budget", str(budget.total_seconds)]
    assert "RDS read replica promotion" in table


def test_file_systems_add_their_detach_after_the_database_and_only_they(tmp_path):
    """The orchestrator makes the EFS replicas writable right after the database (steps.detach_file_systems)."""
    with_file_systems = rto_budget(load(config_file=user_config_file(tmp_path, "cafe-dr/prod", PILOT_LIGHT)))
    names = [s.name for s in with_file_systems.steps]
    assert names.index("detach-file-systems") == names.index("promote-database") + 1
    assert "EFS replicas detached" in with_file_systems.table()
    without = load("cafe-dr", "prod")
    without = without.model_copy(update={"data": without.data.model_copy(update={"file_systems": {}})})
    assert "detach-file-systems" not in [s.name for s in rto_budget(without).steps]
    assert with_file_systems.total_seconds - rto_budget(without).total_seconds == EFS_DETACH_SECONDS


def test_warm_standby_budgets_a_health_recheck_where_pilot_light_launches_from_zero(tmp_path):
    body = ("dr:\n  strategy: %s\n  vpc_cidr: 10.50.0.0/16\n"
            "  availability_zones: [ap-southeast-1a, ap-southeast-1b]\n  image_ids: {al2023: ami-0123456789abcdef0}\n")
    pilot = rto_budget(load(config_file=user_config_file(tmp_path, "notebookly/prod", body % "pilot-light")))
    warm = rto_budget(load(config_file=user_config_file(tmp_path, "notebookly/prod", body % "warm-standby")))
    scale = {budget: next(s.seconds for s in budget.steps if s.name == "scale-standby") for budget in (pilot, warm)}
    assert scale[pilot] == EC2_LAUNCH_SECONDS + 30 and scale[warm] == 30
    assert pilot.total_seconds - warm.total_seconds == EC2_LAUNCH_SECONDS


def test_levels_warm_standby_budgets_detaching_its_aurora_secondary_not_promoting_a_replica():
    """levels prod's Aurora cluster fails over by leaving its global database (configuration/rto.py)."""
    config = load_environment("levels", "prod+warm-standby")
    assert (config.dr.strategy, sorted(config.data.aurora), config.data.databases) == ("warm-standby", ["main"], {})
    budget = rto_budget(config)
    check = config.edge.health_check
    detect = check.failure_threshold * check.request_interval_seconds + ALARM_SECONDS
    assert [(s.name, s.seconds) for s in budget.steps] == [
        ("detect", detect), ("flap-guard", config.dr.min_outage_seconds),
        ("detach-database", AURORA_DETACH_SECONDS), ("update-parameters", PARAMETER_SECONDS),
        ("scale-standby", TARGET_HEALTHY_SECONDS), ("dns", DNS_SECONDS)]  # warm: already serving
    assert "promote-database" not in [s.name for s in budget.steps]
    assert budget.total_seconds == (detect + 120 + AURORA_DETACH_SECONDS + 5 + 30 + 60) <= config.dr.rto_minutes * 60
    assert "global database" in budget.table()


def test_images_without_a_pipeline_need_their_standby_ami(tmp_path):
    body = ("dr:\n  strategy: pilot-light\n  vpc_cidr: 10.50.0.0/16\n"
            "  availability_zones: [ap-southeast-1a, ap-southeast-1b]\n")
    with pytest.raises(ConfigError) as error:
        load(config_file=user_config_file(tmp_path, "notebookly/prod", body))
    assert "compute.images.al2023 has no pipeline to distribute it to ap-southeast-1" in str(error.value)
    assert "fix: add dr.image_ids.al2023: <ami-id in ap-southeast-1>" in str(error.value)
    config = load(config_file=user_config_file(tmp_path, "notebookly/prod", body + "  image_ids: {al2023: "
                                               "ami-0123456789abcdef0}\n"))
    assert config.standby().compute.images["al2023"].ami_id == "ami-0123456789abcdef0"
    assert config.compute.images["al2023"].ami_id == "ami-08e3b3155fc937a94"  # the primary keeps its own
    with pytest.raises(ConfigError, match=r"dr.image_ids \['lamp'\] name no compute.images entry"):
        load(config_file=user_config_file(tmp_path, "notebookly/prod", body + "  image_ids: {al2023: "
                                          "ami-0123456789abcdef0, lamp: ami-0123456789abcdef0}\n"))
