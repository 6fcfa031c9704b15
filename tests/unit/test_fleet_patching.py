"""Layer 1: Patch Manager patches every fleet (seed 004 L71: AWS Systems Manager for patch management): one State
Manager association per fleet runs AWS-RunPatchBaseline on the group's instances, found by the tag Auto Scaling
sets, at a weekly cron schedule (never at once: a fresh instance would reboot while it boots), a quarter of the
fleet at a time; the schedule is configurable and a bad one is refused."""

from __future__ import annotations

import json

import pytest
from cdktf import TerraformStack
from cdktf import Testing as CdktfTesting
from cdktf_cdktf_provider_aws.provider import AwsProvider

from configuration import load
from configuration.compute import Patching
from modules.bastion import Bastion, BastionProps
from modules.fleet import Ec2Fleet, Ec2FleetProps, PatchSchedule
from modules.fleet.patching import WEEKLY, schedule_problem
from stacks.compute import ComputeStack
from tests.support import assert_refused, only, resources, user_config_file

ACCOUNT = "123456789012"
FLEETS = {("notebookly", "prod"): ["notebookly-prod-web"], ("notebookly", "dev"): ["notebookly-dev-web"],
          ("levels", "prod"): ["levels-prod-api", "levels-prod-worker", "levels-prod-bastion"],
          ("cafe-nimbus", "prod"): ["cafe-nimbus-prod-web", "cafe-nimbus-prod-bastion"],
          ("cafe-dr", "prod"): ["cafe-dr-prod-web"]}


def _fleet(**overrides) -> dict:
    stack = TerraformStack(CdktfTesting.app(), "patching-test")
    AwsProvider(stack, "aws", region="eu-west-1")
    Ec2Fleet(stack, "web", Ec2FleetProps(**{**dict(
        name="shop-prod-web", image_id="ami-0123456789abcdef0", subnet_ids=["a", "b"], security_group_ids=["sg"],
        account_id=ACCOUNT), **overrides}))
    return json.loads(CdktfTesting.synth(stack))


def test_the_association_installs_patches_weekly_on_the_groups_instances_a_quarter_at_a_time():
    association = only(_fleet(), "aws_ssm_association")
    assert association["name"] == "AWS-RunPatchBaseline" and association["association_name"] == "shop-prod-web-patching"
    assert association["schedule_expression"] == WEEKLY == "cron(0 3 ? * SUN *)"
    assert association["apply_only_at_cron_interval"] is True  # not at creation, not on a booting instance
    assert association["parameters"] == {"Operation": "Install", "RebootOption": "RebootIfNeeded"}
    assert association["targets"] == [{"key": "tag:aws:autoscaling:groupName", "values": ["shop-prod-web"]}]
    assert (association["max_concurrency"], association["max_errors"]) == ("25%", "1")
    group = only(_fleet(), "aws_autoscaling_group")
    assert group["name"] == association["targets"][0]["values"][0]  # the tag Auto Scaling puts on what it launches


def test_scan_only_and_no_reboot_are_choices_and_none_turns_it_off():
    association = only(_fleet(patching=PatchSchedule(schedule="cron(30 1 ? * SAT *)", install=False, reboot=False)),
                       "aws_ssm_association")
    assert association["parameters"] == {"Operation": "Scan", "RebootOption": "NoReboot"}
    assert association["schedule_expression"] == "cron(30 1 ? * SAT *)"
    assert not resources(_fleet(patching=None), "aws_ssm_association")


def test_the_bastion_is_patched_too():
    stack = TerraformStack(CdktfTesting.app(), "bastion-patching-test")
    AwsProvider(stack, "aws", region="eu-west-1")
    Bastion(stack, "bastion", BastionProps(
        name="shop-prod-bastion", vpc_id="vpc-1", vpc_cidr="10.0.0.0/16", public_subnet_ids=["a", "b"],
        allowed_cidrs=["203.0.113.0/24"], key_name="ops", image_id="ami-0123456789abcdef0", account_id=ACCOUNT))
    association = only(json.loads(CdktfTesting.synth(stack)), "aws_ssm_association")
    assert association["targets"][0]["values"] == ["shop-prod-bastion"]


@pytest.mark.parametrize("environment", list(FLEETS), ids="-".join)
def test_every_fleet_of_every_blueprint_has_its_association(environment):
    config = load(*environment)
    compute = json.loads(CdktfTesting.synth(ComputeStack(CdktfTesting.app(), config)))
    schedules = {a["targets"][0]["values"][0]: a["schedule_expression"]
                 for a in resources(compute, "aws_ssm_association").values()}
    assert sorted(schedules) == sorted(FLEETS[environment])
    for name, fleet in config.compute.fleets.items():
        assert fleet.patching is not None
        assert schedules[f"{config.name_prefix}-{name}"] == fleet.patching.schedule
        # production patches on the weekly default; a dev fleet stopped at night and at weekends, within its hours
        assert fleet.patching.schedule == (WEEKLY if fleet.off_hours is None else "cron(0 12 ? * WED *)")


def test_a_fleet_stopped_on_sundays_is_refused_the_sunday_default(tmp_path):
    assert_refused(tmp_path, "notebookly/dev", "compute:\n  fleets:\n    web:\n"
                   "      patching: {schedule: 'cron(0 3 ? * SUN *)'}\n",
                   ["compute.fleets.web", "'cron(0 3 ? * SUN *)' is Sunday night", "no instance would ever be patched"])


def test_the_configuration_default_is_the_constructs():
    assert Patching().schedule == PatchSchedule().schedule == WEEKLY
    assert (Patching().install, Patching().reboot) == (PatchSchedule().install, PatchSchedule().reboot) == (True, True)


@pytest.mark.parametrize("expression", ["cron(0 3 ? * SUN *)", "cron(15 2 ? * MON-FRI *)", "cron(0 4 1 * ? *)",
                                        "cron(0 0 3 ? * TUE#2 *)"])
def test_state_manager_cron_expressions_are_accepted(expression):
    assert schedule_problem(expression) is None


@pytest.mark.parametrize("expression, message", [
    ("rate(7 days)", "is a rate"),
    ("0 3 * * SUN", "is not a cron(...) of six fields"),
    ("cron(0 3 * * SUN)", "is not a cron(...) of six fields"),
    ("cron(0 3 1 * SUN *)", "one of them must be ?"),
    ("cron(* 3 ? * SUN *)", "every minute or every hour"),
    ("cron(0 * ? * SUN *)", "every minute or every hour"),
])
def test_a_bad_schedule_is_refused_naming_it_and_the_fix(expression, message):
    problem = schedule_problem(expression)
    assert problem is not None and message in problem and repr(expression) in problem and "fix:" in problem
    with pytest.raises(ValueError, match="fix:"):
        PatchSchedule(schedule=expression)


def test_the_configuration_refuses_a_bad_schedule_and_takes_a_good_one(tmp_path):
    refused = "compute:\n  fleets:\n    worker:\n      patching: {schedule: rate(1 day)}\n"
    assert_refused(tmp_path, "levels/prod", refused,
                   ["compute.fleets.worker.patching.schedule", "'rate(1 day)' is a rate"])
    body = "compute:\n  fleets:\n    worker:\n      patching: {schedule: 'cron(0 2 ? * WED *)', reboot: false}\n"
    config = load(config_file=user_config_file(tmp_path, "levels/prod", body))
    worker = config.compute.fleets["worker"].patching
    assert worker is not None and (worker.schedule, worker.reboot) == ("cron(0 2 ? * WED *)", False)
    off = load(config_file=user_config_file(tmp_path, "levels/prod", "compute:\n  fleets:\n    worker:\n"
                                                                         "      patching: null\n"))
    compute = json.loads(CdktfTesting.synth(ComputeStack(CdktfTesting.app(), off)))
    assert "levels-prod-worker" not in json.dumps(
        [a["targets"] for a in resources(compute, "aws_ssm_association").values()])
