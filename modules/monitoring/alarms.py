"""CloudWatch alarms described as data (`AlarmSpec`) and created together (`AlarmSet`), every one
sending both ALARM and OK to the environment's alarm topic.

Why specs rather than resources: the same description feeds the alarms, the dashboard and the
tests, and one place decides the conventions (names `<prefix>-<key>`, a description saying what
to look at, `treat_missing_data` chosen on purpose for each alarm, never left to the default).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cdktf import TerraformProvider
from cdktf_cdktf_provider_aws.cloudwatch_metric_alarm import (
    CloudwatchMetricAlarm,
    CloudwatchMetricAlarmMetricQuery,
    CloudwatchMetricAlarmMetricQueryMetric,
)
from constructs import Construct

COMPARISONS = ("GreaterThanThreshold", "GreaterThanOrEqualToThreshold", "LessThanThreshold",
               "LessThanOrEqualToThreshold")
MISSING_DATA = ("breaching", "notBreaching", "ignore", "missing")
STATISTICS = ("Average", "Sum", "Minimum", "Maximum", "SampleCount")
PERCENTILE = re.compile(r"^p\d{1,2}(\.\d+)?$")


@dataclass(frozen=True)
class Metric:
    """One CloudWatch metric: namespace, name, dimensions and the statistic to read it with."""

    namespace: str
    name: str
    dimensions: Mapping[str, str] = field(default_factory=dict)
    statistic: str = "Average"
    """A statistic (Average, Sum, Minimum, Maximum, SampleCount) or a percentile such as p95."""

    def __post_init__(self) -> None:
        if self.statistic not in STATISTICS and not PERCENTILE.fullmatch(self.statistic):
            raise ValueError(f"metric {self.namespace}/{self.name}: statistic {self.statistic!r}; "
                             f"fix: one of {STATISTICS} or a percentile such as p95")


@dataclass(frozen=True)
class AlarmSpec:
    """What one alarm watches, when it fires and why missing data means what it says."""

    key: str
    """Unique within the set; the alarm is named '<prefix>-<key>' and the construct id is the key."""
    description: str
    """What it means and where to look first: this text is what the person paged reads."""
    threshold: float
    comparison: str
    treat_missing_data: str
    """Chosen per alarm: 'notBreaching' where no data means no traffic or no events, 'breaching' where
    the metric must always exist and its absence means the resource is gone or stopped."""
    metric: Metric | None = None
    """A single metric; or, for metric math, `expression` over `metrics`."""
    expression: str | None = None
    metrics: Mapping[str, Metric] = field(default_factory=dict)
    """Metric-math inputs by id (lower-case ids, as the expression uses them)."""
    period_seconds: int = 60
    evaluation_periods: int = 5
    datapoints_to_alarm: int | None = None
    """M of N: alarm when this many of the evaluation periods breach (default: all of them)."""

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,150}", self.key):
            raise ValueError(f"alarm key {self.key!r}; fix: lower-case letters, digits and hyphens")
        if self.comparison not in COMPARISONS:
            raise ValueError(f"alarm {self.key!r}: comparison {self.comparison!r}; fix: one of {COMPARISONS}")
        if self.treat_missing_data not in MISSING_DATA:
            raise ValueError(f"alarm {self.key!r}: treat_missing_data {self.treat_missing_data!r}; "
                             f"fix: one of {MISSING_DATA}")
        if (self.metric is None) == (self.expression is None):
            raise ValueError(f"alarm {self.key!r} needs exactly one of metric or expression; fix: pass one")
        if self.expression is not None:
            missing = [i for i in self.metrics if not re.fullmatch(r"[a-z][a-zA-Z0-9_]*", i) or i == "result"]
            if not self.metrics or missing:
                raise ValueError(f"alarm {self.key!r}: expression {self.expression!r} needs metrics with lower-case "
                                 f"ids other than 'result'; got {sorted(self.metrics)}; "
                                 "fix: name each input, e.g. {'requests': ...}")
        if self.evaluation_periods < 1:
            raise ValueError(f"alarm {self.key!r}: evaluation_periods {self.evaluation_periods}; fix: 1 or more")
        if self.period_seconds not in (10, 30) and (self.period_seconds % 60 or self.period_seconds <= 0):
            raise ValueError(f"alarm {self.key!r}: period {self.period_seconds}s; fix: 10, 30 or a multiple of 60")
        points = self.datapoints_to_alarm
        if points is not None and not 1 <= points <= self.evaluation_periods:
            raise ValueError(f"alarm {self.key!r}: datapoints_to_alarm {points} of {self.evaluation_periods}; "
                             "fix: between 1 and evaluation_periods")


@dataclass(frozen=True)
class AlarmSetProps:
    name_prefix: str
    """Prefix of every alarm name, e.g. 'notebookly-prod'."""
    alarm_actions: Sequence[str]
    """SNS topic ARNs told of ALARM and of OK (so the person paged also learns of the recovery)."""
    alarms: Sequence[AlarmSpec]
    provider: TerraformProvider | None = None
    """Provider (region) of the alarms: their metrics' region (us-east-1 for billing and Route 53)."""

    def __post_init__(self) -> None:
        if not self.alarm_actions:
            raise ValueError(f"alarms of {self.name_prefix!r} have no alarm_actions: nobody would hear them; "
                             "fix: pass the alarm topic's ARN")
        keys = [a.key for a in self.alarms]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError(f"alarm keys {duplicates} appear twice; fix: make each key unique")


class AlarmSet(Construct):
    def __init__(self, scope: Construct, id: str, props: AlarmSetProps) -> None:
        super().__init__(scope, id)
        actions = list(props.alarm_actions)
        self.alarms: dict[str, CloudwatchMetricAlarm] = {}
        for spec in props.alarms:
            single = _single_metric(spec.metric) if spec.metric else {}
            self.alarms[spec.key] = CloudwatchMetricAlarm(
                self, spec.key, alarm_name=f"{props.name_prefix}-{spec.key}", alarm_description=spec.description,
                comparison_operator=spec.comparison, threshold=spec.threshold,
                evaluation_periods=spec.evaluation_periods, datapoints_to_alarm=spec.datapoints_to_alarm,
                period=spec.period_seconds if spec.metric else None, treat_missing_data=spec.treat_missing_data,
                metric_query=_queries(spec) if spec.expression else None,
                alarm_actions=actions, ok_actions=actions, provider=props.provider, **single)

    @property
    def arns(self) -> list[str]:
        return [alarm.arn for alarm in self.alarms.values()]


def _single_metric(metric: Metric) -> dict[str, object]:
    percentile = PERCENTILE.fullmatch(metric.statistic) is not None
    return {"namespace": metric.namespace, "metric_name": metric.name, "dimensions": dict(metric.dimensions) or None,
            "statistic": None if percentile else metric.statistic,
            "extended_statistic": metric.statistic if percentile else None}


def _queries(spec: AlarmSpec) -> list[CloudwatchMetricAlarmMetricQuery]:
    queries = [CloudwatchMetricAlarmMetricQuery(
        id=query_id, return_data=False, metric=CloudwatchMetricAlarmMetricQueryMetric(
            namespace=m.namespace, metric_name=m.name, dimensions=dict(m.dimensions) or None, stat=m.statistic,
            period=spec.period_seconds)) for query_id, m in spec.metrics.items()]
    queries.append(CloudwatchMetricAlarmMetricQuery(id="result", expression=spec.expression, label=spec.key,
                                                    return_data=True))
    return queries
