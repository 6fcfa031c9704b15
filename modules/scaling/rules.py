"""Scaling rules shared by EC2 fleets (Auto Scaling) and Fargate services (Application Auto Scaling).

Target tracking on CPU is the default. Step scaling (seed 004: out above 70 % for 5 minutes, in below
30 % for 15 minutes; seed 002: react in 60 s, wait 300 s before removing) is two CloudWatch alarms,
one per direction, each triggering its own policy with its own cooldown: scaling out fast and in
slowly avoids the add/remove/add flapping seed 002 warns about. Queue workers scale on the number
of waiting messages the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from constructs import Construct

PERIOD_SECONDS = 60


@dataclass(frozen=True)
class OffHoursSchedule:
    """Scale to zero at `stop` and back at `start` (five-field cron): a non-production cost option."""

    stop: str = "0 20 * * MON-FRI"
    start: str = "0 7 * * MON-FRI"
    time_zone: str = "UTC"


@dataclass(frozen=True)
class ScalingRule:
    policy: str = "target_tracking"
    """'target_tracking' (CPU) or 'step' (two threshold alarms with asymmetric cooldowns)."""
    target_cpu_percent: float = 50
    metric: str = "cpu"
    """'cpu' or 'queue_depth' (step only: messages waiting in queue_name)."""
    queue_name: str | None = None
    scale_out_above: float | None = None
    scale_out_after_seconds: int = 60
    scale_in_below: float | None = None
    scale_in_after_seconds: int = 300
    scale_out_cooldown_seconds: int = 60
    scale_in_cooldown_seconds: int = 300

    def __post_init__(self) -> None:
        if self.policy not in ("target_tracking", "step"):
            raise ValueError(f"scaling policy {self.policy!r}; fix: 'target_tracking' or 'step'")
        if self.metric not in ("cpu", "queue_depth"):
            raise ValueError(f"scaling metric {self.metric!r}; fix: 'cpu' or 'queue_depth'")
        if self.metric == "queue_depth" and (self.policy != "step" or not self.queue_name):
            raise ValueError(f"queue_depth scaling with policy {self.policy!r} and queue_name {self.queue_name!r}; "
                             "fix: policy 'step' and the queue's name")
        if self.policy == "step":
            if self.scale_out_above is None or self.scale_in_below is None:
                raise ValueError("step scaling needs scale_out_above and scale_in_below; fix: e.g. 70 and 30")
            if self.scale_in_below >= self.scale_out_above:
                raise ValueError(f"scale_in_below {self.scale_in_below} must be below scale_out_above "
                                 f"{self.scale_out_above}; fix: leave a gap such as 30 and 70")
        for seconds in (self.scale_out_after_seconds, self.scale_in_after_seconds):
            if seconds < PERIOD_SECONDS or seconds % PERIOD_SECONDS:
                raise ValueError(f"alarm duration {seconds} s; fix: a multiple of {PERIOD_SECONDS} s")


@dataclass(frozen=True)
class AlarmMetric:
    namespace: str
    metric_name: str
    dimensions: Mapping[str, str]
    statistic: str = "Average"


@dataclass(frozen=True)
class ThresholdAlarmsProps:
    name: str
    """Alarm name prefix, e.g. 'saas-prod-backend'; alarms are <name>-scale-out and <name>-scale-in."""
    rule: ScalingRule
    metric: AlarmMetric
    scale_out_action_arn: str
    scale_in_action_arn: str


class ThresholdAlarms(Construct):
    """The two alarms of a step rule: above the high mark for N minutes, below the low mark for M."""

    def __init__(self, scope: Construct, id: str, props: ThresholdAlarmsProps) -> None:
        super().__init__(scope, id)
        rule, metric = props.rule, props.metric
        unit = "%" if rule.metric == "cpu" else " messages"
        common = {"namespace": metric.namespace, "metric_name": metric.metric_name, "statistic": metric.statistic,
                  "dimensions": dict(metric.dimensions), "period": PERIOD_SECONDS, "treat_missing_data": "missing"}
        self.scale_out = CloudwatchMetricAlarm(
            self, "scale-out", alarm_name=f"{props.name}-scale-out", comparison_operator="GreaterThanThreshold",
            threshold=rule.scale_out_above, evaluation_periods=rule.scale_out_after_seconds // PERIOD_SECONDS,
            alarm_actions=[props.scale_out_action_arn],
            alarm_description=f"{metric.metric_name} above {rule.scale_out_above:g}{unit} for "
                              f"{rule.scale_out_after_seconds} s: add capacity", **common)
        self.scale_in = CloudwatchMetricAlarm(
            self, "scale-in", alarm_name=f"{props.name}-scale-in", comparison_operator="LessThanThreshold",
            threshold=rule.scale_in_below, evaluation_periods=rule.scale_in_after_seconds // PERIOD_SECONDS,
            alarm_actions=[props.scale_in_action_arn],
            alarm_description=f"{metric.metric_name} below {rule.scale_in_below:g}{unit} for "
                              f"{rule.scale_in_after_seconds} s: remove capacity", **common)


def aws_cron(five_fields: str) -> str:
    """A Unix cron (minute hour day month weekday) in the six-field form AWS schedulers take:
    cron(0 20 ? * MON-FRI *). AWS needs '?' in one of day-of-month and day-of-week."""
    fields = five_fields.split()
    if len(fields) != 5:
        raise ValueError(f"{five_fields!r} is not a five-field cron expression; fix: e.g. 0 20 * * MON-FRI")
    minute, hour, day, month, weekday = fields
    if weekday != "*":
        day = "?"
    else:
        weekday = "?"
    return f"cron({minute} {hour} {day} {month} {weekday} *)"
