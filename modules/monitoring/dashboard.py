"""A CloudWatch dashboard of one environment: a graph per section (load balancer traffic and
errors, fleet CPU and size, service tasks, database connections, ...) and the state of every alarm.

Sections are built from the same `Metric` descriptions as the alarms, so what pages a person is
what the dashboard shows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudwatch_dashboard import CloudwatchDashboard
from constructs import Construct

from modules.monitoring.alarms import Metric

WIDTH, HEIGHT, COLUMNS = 12, 6, 24
ALARMS_PER_WIDGET = 100  # CloudWatch's limit for an alarm-status widget


@dataclass(frozen=True)
class DashboardSection:
    title: str
    metrics: Sequence[Metric]
    period_seconds: int = 300


@dataclass(frozen=True)
class OperationsDashboardProps:
    name: str
    """Dashboard name, e.g. 'notebookly-prod'."""
    region: str
    sections: Sequence[DashboardSection]
    alarm_arns: Sequence[str] = ()
    """Alarms shown in status widgets at the top."""

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,255}", self.name):
            raise ValueError(f"dashboard name {self.name!r}; fix: letters, digits, hyphens and underscores")
        empty = [s.title for s in self.sections if not s.metrics]
        if empty or not (self.sections or self.alarm_arns):
            raise ValueError(f"dashboard {self.name!r} has empty sections {empty or 'and no alarms'}; "
                             "fix: give each section at least one metric")


class OperationsDashboard(Construct):
    def __init__(self, scope: Construct, id: str, props: OperationsDashboardProps) -> None:
        super().__init__(scope, id)
        self.dashboard = CloudwatchDashboard(self, "dashboard", dashboard_name=props.name,
                                             dashboard_body=dashboard_body(props))


def dashboard_body(props: OperationsDashboardProps) -> str:
    widgets: list[dict] = []
    alarms = list(props.alarm_arns)
    for start in range(0, len(alarms), ALARMS_PER_WIDGET):
        widgets.append({"type": "alarm", "properties": {
            "title": "Alarms", "alarms": alarms[start:start + ALARMS_PER_WIDGET]}})
    for section in props.sections:
        widgets.append({"type": "metric", "properties": {
            "title": section.title, "region": props.region, "view": "timeSeries", "stacked": False,
            "period": section.period_seconds, "metrics": [_metric_row(m) for m in section.metrics]}})
    for index, widget in enumerate(widgets):
        widget.update(width=WIDTH, height=HEIGHT, x=(index * WIDTH) % COLUMNS, y=(index * WIDTH) // COLUMNS * HEIGHT)
    return json.dumps({"widgets": widgets}, separators=(",", ":"))


def _metric_row(metric: Metric) -> list:
    row: list = [metric.namespace, metric.name]
    for name, value in metric.dimensions.items():
        row += [name, value]
    row.append({"stat": metric.statistic})
    return row
