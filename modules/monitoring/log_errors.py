"""A metric filter counting ERROR lines of an application's log group (seed 004), so an alarm can
watch what the application itself says went wrong, not only what the load balancer sees."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudwatch_log_metric_filter import (
    CloudwatchLogMetricFilter,
    CloudwatchLogMetricFilterMetricTransformation,
)
from constructs import Construct


@dataclass(frozen=True)
class LogErrorFilterProps:
    name: str
    """Filter and metric name, e.g. 'notebookly-prod-backend-errors'."""
    log_group_name: str
    namespace: str
    """Custom metric namespace, e.g. 'notebookly/prod/Application'."""
    pattern: str = "ERROR"
    """CloudWatch Logs filter pattern; the default matches lines containing the term ERROR."""

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[^:*]{1,512}", self.name):
            raise ValueError(f"metric filter name {self.name!r}; fix: 1-512 characters without ':' or '*'")
        if not self.pattern.strip():
            raise ValueError(f"filter {self.name!r} has an empty pattern, which matches every line; fix: e.g. ERROR")


class LogErrorFilter(Construct):
    def __init__(self, scope: Construct, id: str, props: LogErrorFilterProps) -> None:
        super().__init__(scope, id)
        self.props = props
        # No default_value: the metric exists only when a line matches, so "no data" means no errors.
        self.filter = CloudwatchLogMetricFilter(
            self, "filter", name=props.name, log_group_name=props.log_group_name, pattern=props.pattern,
            metric_transformation=CloudwatchLogMetricFilterMetricTransformation(
                name=props.name, namespace=props.namespace, value="1", unit="Count"))

    @property
    def metric_name(self) -> str:
        return self.props.name
