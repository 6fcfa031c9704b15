"""Patch Manager for a fleet (seed 004: AWS Systems Manager for patch management): a State Manager
association runs the AWS-owned document AWS-RunPatchBaseline on the fleet's instances on a schedule.

The instances are found by the tag Auto Scaling puts on every instance it launches
(aws:autoscaling:groupName, which no one else can set), so new instances are covered without a change
here. The association runs only at its schedule (not when it is created or an instance appears: a boot
that reboots halfway through its user data would not finish it), one instance in four at a time (a
fleet of two keeps one serving while the other reboots), and stops after the first failure. Patches
come from the operating system's default patch baseline (for Amazon Linux 2023: security updates
classified Critical or Important, and bug fixes, seven days after release). A reboot that outlasts the
load balancer's health check may make the group replace the instance: that replacement boots from the
current image, which is the auto-healing the fleet already has.

Instances need the SSM agent and AmazonSSMManagedInstanceCore (every fleet's role has it) and a way
out to the Systems Manager endpoints and the package repositories (NAT or interface endpoints).
The schedule rules live here once; the configuration checks through `schedule_problem`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdktf import Token
from cdktf_cdktf_provider_aws.ssm_association import SsmAssociation, SsmAssociationTargets
from constructs import Construct

PATCH_DOCUMENT = "AWS-RunPatchBaseline"
GROUP_TAG = "aws:autoscaling:groupName"
WEEKLY = "cron(0 3 ? * SUN *)"
"""Sundays at 03:00 UTC: the default, weekly, when the fleets run at their minimum."""
MAX_CONCURRENCY = "25%"  # rounded up: one instance at a time up to four
MAX_ERRORS = "1"

FIELD = r"[0-9A-Za-z*?,/#L-]+"
CRON = re.compile(rf"cron\(((?:{FIELD} )?{FIELD} {FIELD} {FIELD} {FIELD} {FIELD} {FIELD})\)")
"""State Manager's cron: minutes, hours, day of month, month, day of week, year; an optional seconds field first."""


def schedule_problem(expression: str) -> str | None:
    """What is wrong with a patching schedule (naming the value and the fix), or None.

    Only cron(...): State Manager runs a rate(...) association as soon as it is created and on every new
    instance (ApplyOnlyAtCronInterval does not apply to rates), so an instance would be patched and rebooted
    in the middle of its boot."""
    fix = "fix: e.g. cron(0 3 ? * SUN *) (weekly, Sunday 03:00 UTC)"
    if expression.startswith("rate("):
        return (f"patching schedule {expression!r} is a rate: State Manager runs rates at once on every new "
                f"instance, rebooting it while it boots; {fix}")
    cron = CRON.fullmatch(expression)
    if not cron:
        return f"patching schedule {expression!r} is not a cron(...) of six fields; {fix}"
    fields = cron[1].split()
    day_of_month, day_of_week = fields[-4], fields[-2]
    if "?" not in (day_of_month, day_of_week):
        return (f"patching schedule {expression!r} sets both the day of month and the day of week; one of them "
                f"must be ?; {fix}")
    if "*" in (fields[-6], fields[-5]):  # minutes or hours
        return (f"patching schedule {expression!r} runs every minute or every hour, rebooting instances over and "
                f"over; {fix}")
    return None


@dataclass(frozen=True)
class PatchSchedule:
    schedule: str = WEEKLY
    """When AWS-RunPatchBaseline runs: cron(...), UTC."""
    install: bool = True
    """Install missing patches (Operation Install); False only scans and reports them (Scan)."""
    reboot: bool = True
    """Reboot an instance when an installed patch needs it (RebootIfNeeded); False leaves it pending (NoReboot),
    and a patched kernel or library then stays unused until the instance is replaced."""

    def __post_init__(self) -> None:
        if not Token.is_unresolved(self.schedule):
            problem = schedule_problem(self.schedule)
            if problem:
                raise ValueError(problem)


@dataclass(frozen=True)
class FleetPatchingProps:
    fleet_name: str
    """The fleet's name, which is also its Auto Scaling group's: the association targets its instances."""
    schedule: PatchSchedule


class FleetPatching(Construct):
    """The association that patches the fleet's instances."""

    def __init__(self, scope: Construct, id: str, props: FleetPatchingProps) -> None:
        super().__init__(scope, id)
        schedule = props.schedule
        self.association = SsmAssociation(
            self, "association", name=PATCH_DOCUMENT, association_name=f"{props.fleet_name}-patching",
            schedule_expression=schedule.schedule, apply_only_at_cron_interval=True,
            parameters={"Operation": "Install" if schedule.install else "Scan",
                        "RebootOption": "RebootIfNeeded" if schedule.reboot else "NoReboot"},
            targets=[SsmAssociationTargets(key=f"tag:{GROUP_TAG}", values=[props.fleet_name])],
            max_concurrency=MAX_CONCURRENCY, max_errors=MAX_ERRORS, compliance_severity="HIGH", sync_compliance="AUTO")
