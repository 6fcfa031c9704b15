"""The recovery-time budget of a failover: each step's expected AWS duration, with where the figure
comes from, summed in the order the orchestrator runs them (lambda_src/dr_failover).

The figures are planning values from AWS documentation, not measurements: the drill (tests/emulator)
prints this budget beside the steps it ran, and `dr_rules` refuses an environment whose budget does not
fit its `dr.rto_minutes`. Change a figure only with a better source.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from configuration.schema import BlueprintConfig

ALARM_SECONDS = 60 + 60
"""Route 53 publishes HealthCheckStatus once a minute to CloudWatch in us-east-1; the alarm evaluates one
60-second period (CloudWatch User Guide, "Monitoring health checks using CloudWatch")."""
RDS_PROMOTION_SECONDS = 300
"""Promoting a read replica reboots it and takes "a few minutes" depending on its size (RDS User Guide,
"Promoting a read replica to be a standalone DB instance")."""
AURORA_DETACH_SECONDS = 120
"""Detaching an Aurora global database's secondary cluster ("remove from global database"), after which it is
a standalone cluster and RDS makes one of its reader instances the writer (Aurora User Guide, "Recovering an
Amazon Aurora global database from an unplanned outage": detach and promote, and "Removing a cluster from an
Amazon Aurora global database"). The guide's overview says a secondary Region can be promoted "to take full
read/write workloads in under a minute"; this planning value doubles that, because the orchestrator waits
for more than the detach: the cluster back to available with a writer instance (IsClusterWriter) and no
replication source, seen through a 15 s poll. A planning value, not a measurement: the levels emulator
scenario runs the detach step, but moto completes it at once, so no drill measures it."""
EFS_DETACH_SECONDS = 240
"""Making the standby's EFS replicas writable: the orchestrator deletes each one's replication configuration
(all of them, then one wait) and waits until EFS reports none in a replication and each writable, through a
15 s poll. The EFS User Guide gives no figure beyond "Deleting a replication configuration and changing the
destination file system to be writeable can take several minutes to complete" ("Deleting replication
configurations"; "File system failover and failback" sends a failover through the same deletion). Four minutes
is this budget's reading of "several": a planning value, not a measurement (moto deletes at once, so no drill
measures it), and one a game day should measure first: at five minutes cafe-dr prod's pilot light would
exceed its 20-minute RTO."""
EC2_LAUNCH_SECONDS = 180
"""An instance from the golden image: launch to running ~1 min, boot and the application's start, before
the first ELB health check (EC2 Auto Scaling User Guide, "Set the health check grace period")."""
FARGATE_LAUNCH_SECONDS = 120
"""A Fargate task: capacity, image pull from ECR and the container's start (ECS Developer Guide,
"Fargate task lifecycle"; a ~100 MB image pulls in well under a minute)."""
TARGET_HEALTHY_SECONDS = 2 * 15
"""healthy_threshold 2 x interval 15 s of every target group (modules/load_balancer)."""
PARAMETER_SECONDS = 5
"""PutParameter calls, a few per environment."""
DNS_SECONDS = 60
"""Failover records switch as soon as the health check is unhealthy; resolvers keep the old answer for the
alias target's TTL, 60 s for a load balancer (Route 53 Developer Guide, "Choosing between alias and
non-alias records")."""


@dataclass(frozen=True)
class RtoStep:
    name: str
    seconds: int
    why: str


@dataclass(frozen=True)
class RtoBudget:
    steps: tuple[RtoStep, ...]

    @property
    def total_seconds(self) -> int:
        return sum(step.seconds for step in self.steps)

    def summary(self) -> str:
        return ", ".join(f"{step.name} {step.seconds} s" for step in self.steps)

    def table(self) -> str:
        """A printable table: step, seconds, running total, source."""
        lines, running = [f"{'step':<22}{'seconds':>8}{'total':>8}  why"], 0
        for step in self.steps:
            running += step.seconds
            lines.append(f"{step.name:<22}{step.seconds:>8}{running:>8}  {step.why}")
        lines.append(f"{'budget':<22}{self.total_seconds:>8}{'':>8}  {self.total_seconds / 60:.1f} minutes")
        return "\n".join(lines)


def rto_budget(config: BlueprintConfig) -> RtoBudget:
    """The failover budget of `config` (its dr, edge health check, databases and compute)."""
    dr, edge = config.dr, config.edge
    check = edge.health_check if edge else None
    steps = []
    if check is not None:
        steps.append(RtoStep("detect", check.failure_threshold * check.request_interval_seconds + ALARM_SECONDS,
                             f"{check.failure_threshold} failed checks every {check.request_interval_seconds} s, "
                             "then the us-east-1 alarm"))
    steps.append(RtoStep("flap-guard", dr.min_outage_seconds, "dr.min_outage_seconds of confirmed outage"))
    if config.data.aurora:
        steps.append(RtoStep("detach-database", AURORA_DETACH_SECONDS,
                             "Aurora secondary cluster detached from its global database, then a writer"))
    elif config.data.databases:
        steps.append(RtoStep("promote-database", RDS_PROMOTION_SECONDS, "RDS read replica promotion"))
    if config.data.file_systems:
        steps.append(RtoStep("detach-file-systems", EFS_DETACH_SECONDS,
                             "EFS replicas detached from their replication, until writable"))
    steps.append(RtoStep("update-parameters", PARAMETER_SECONDS, "SSM endpoints the app reads at start-up"))
    compute = config.compute
    if compute.fleets or compute.services:
        launch = max([EC2_LAUNCH_SECONDS] * bool(compute.fleets) + [FARGATE_LAUNCH_SECONDS] * bool(compute.services))
        if dr.strategy == "warm-standby":
            steps.append(RtoStep("scale-standby", TARGET_HEALTHY_SECONDS,
                                 f"already serving at {dr.warm_capacity_percent} %: targets re-checked"))
        else:
            steps.append(RtoStep("scale-standby", launch + TARGET_HEALTHY_SECONDS,
                                 "launch from zero, then two passing target health checks"))
    steps.append(RtoStep("dns", DNS_SECONDS, "resolvers drop the primary's answer (alias TTL)"))
    return RtoBudget(tuple(steps))
