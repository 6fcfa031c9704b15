"""The `ops:` section of a blueprint environment: who alarms reach, the alarm thresholds, the
dashboard, the audit trail, threat detection and the cost guard-rails.

Defaults are the production ones: every alarm on, CloudTrail and GuardDuty on, a dashboard. An alarm
that reaches nobody is a configuration error in production (`ops_rules`); a non-production environment
may run without subscribers, so its alarms are visible on the dashboard and in the console only.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, field_validator, model_validator

from configuration.base import Strict

if TYPE_CHECKING:
    from configuration.schema import BlueprintConfig

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,63}$", re.IGNORECASE)


class Subscribers(Strict):
    """Who receives the environment's alarms (an SNS topic encrypted with the ops key)."""

    emails: list[str] = Field(default_factory=list, description="Addresses confirmed by their owners (SNS "
                              "sends a confirmation mail first).")
    https_endpoints: list[str] = Field(default_factory=list, description="HTTPS webhooks of chat tools "
                                       "(Slack/Teams/PagerDuty integrations); plain http is refused.")

    @field_validator("emails")
    @classmethod
    def _emails(cls, values: list[str]) -> list[str]:
        for value in values:
            if not EMAIL.fullmatch(value):
                raise ValueError(f"{value!r} is not an e-mail address; fix: e.g. ops@example.com")
        return values

    @field_validator("https_endpoints")
    @classmethod
    def _https(cls, values: list[str]) -> list[str]:
        for value in values:
            if not re.fullmatch(r"https://[^\s/]+(/\S*)?", value):
                raise ValueError(f"{value!r} is not an https:// URL; fix: use the tool's HTTPS webhook "
                                 "(alarm text must not travel in clear)")
        return values

    @property
    def is_empty(self) -> bool:
        return not (self.emails or self.https_endpoints)


class Thresholds(Strict):
    """Alarm thresholds. Seed 004 asks for 1 % 5xx, seed 002 for 5 %; both for p95 latency above 2 s."""

    http_5xx_percent: Annotated[float, Field(gt=0, le=50)] = Field(
        default=1.0, description="Load balancer 5xx responses (its own plus the targets') as a share of requests.")
    latency_p95_seconds: Annotated[float, Field(gt=0, le=60)] = 2.0
    cpu_percent: Annotated[int, Field(ge=10, le=100)] = Field(
        default=80, description="Average CPU of a fleet or service, sustained for 10 minutes.")
    disk_used_percent: Annotated[int, Field(ge=50, le=99)] = Field(
        default=85, description="Used share of the root filesystem on a fleet's fullest instance, held for "
        "10 minutes (CloudWatch agent): 50 to 99, since lower pages on normal use and 100 fires only once the disk "
        "is full.")
    database_cpu_percent: Annotated[int, Field(ge=10, le=100)] = 80
    database_free_storage_percent: Annotated[int, Field(ge=1, le=50)] = Field(
        default=10, description="Free storage below this share of the allocated storage (RDS instances).")
    database_connections_percent: Annotated[int, Field(ge=10, le=100)] = Field(
        default=80, description="Connections above this share of the engine's max_connections for the class.")
    cache_cpu_percent: Annotated[int, Field(ge=10, le=100)] = 80
    cache_evictions: Annotated[int, Field(ge=1)] = Field(
        default=100, description="Keys evicted per 5 minutes: the cache is too small for its working set.")


class Budget(Strict):
    """An AWS Budget on the account's monthly cost, notifying at each threshold (actual and forecast)."""

    monthly_limit_usd: Annotated[float, Field(gt=0)] = Field(description="Seed 004: 100.")
    thresholds_percent: list[Annotated[int, Field(ge=1, le=1000)]] = Field(default_factory=lambda: [80, 100])
    billing_alarm: bool = Field(default=True, description="Also a CloudWatch EstimatedCharges alarm at the "
                                "limit (us-east-1), which fires within hours where budgets notify daily.")

    @field_validator("thresholds_percent")
    @classmethod
    def _distinct(cls, values: list[int]) -> list[int]:
        if not values or len(set(values)) != len(values):
            raise ValueError(f"thresholds_percent {values}; fix: one or more distinct percentages, e.g. [80, 100]")
        return sorted(values)


FINDING_SEVERITIES = {"low": 1.0, "medium": 4.0, "high": 7.0, "critical": 9.0}
"""GuardDuty's severity bands: the lowest score of each (low 1.0-3.9, medium 4.0-6.9, high 7.0-8.9, critical 9+)."""


class ThreatDetection(Strict):
    """Amazon GuardDuty in the environment's region (seed 002: "unusual outbound traffic detected" at 3 AM): it
    reads the account's CloudTrail management events, VPC flow logs and DNS queries on its own (no trail, flow
    log or agent to set up) and reports compromised instances, credentials used from odd places, crypto mining,
    traffic to known command-and-control hosts and exfiltration. Findings at `alert_severity` and above reach
    the alarm topic's subscribers within `finding_publishing_frequency` (EventBridge rule)."""

    enabled: bool = Field(
        default=True, description="On by default (secure by default). GuardDuty bills by volume analysed: "
        "CloudTrail management events, VPC flow and DNS logs (plus S3 data events and GB scanned for the options "
        "below), typically a few to some tens of dollars a month for these blueprints; the first 30 days are "
        "free and the console's Usage page shows the estimate. One detector per account and region: an "
        "environment sharing both with another that has one (or whose organization's delegated administrator "
        "manages GuardDuty) turns it off with a reason.")
    reason: str | None = Field(
        default=None, min_length=20, description="Why it is off (required with enabled: false), for reviewers: "
        "e.g. 'the organization's security account manages GuardDuty for every member account'.")
    finding_publishing_frequency: Literal["FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"] = Field(
        default="FIFTEEN_MINUTES", description="How soon an UPDATE of an existing finding is published (new "
        "findings always go out within about 5 minutes). The shortest, so a developing incident pages early.")
    alert_severity: Literal["low", "medium", "high", "critical"] = Field(
        default="medium", description="Lowest finding severity sent to the alarm topic (low 1.0, medium 4.0, "
        "high 7.0, critical 9.0). Medium and above: low findings (blocked probes, port scans answered by "
        "nothing) stay in the console instead of paging people.")
    s3_protection: bool = Field(
        default=True, description="Also analyse S3 data events of the account's buckets (GuardDuty's "
        "S3_DATA_EVENTS): anomalous reads and exfiltration from the data buckets, which the management events "
        "alone do not show. Billed per million S3 events; off only with a reason in a bucket-heavy account.")
    malware_protection: bool = Field(
        default=True, description="When a finding implicates an EC2 instance, scan snapshots of its EBS volumes "
        "for malware (EBS_MALWARE_PROTECTION). Billed per GB scanned and only when a finding triggers a scan; "
        "a Fargate-only environment has nothing to scan and pays nothing.")

    @model_validator(mode="after")
    def _reasoned(self) -> ThreatDetection:
        if not self.enabled and self.reason is None:
            raise ValueError("enabled is false without a reason; fix: record why with threat_detection: {enabled: "
                             "false, reason: ...} (e.g. the organization's security account runs GuardDuty here), "
                             "or remove enabled: false")
        if self.enabled and self.reason is not None:
            raise ValueError(f"reason {self.reason!r} is set but threat detection is enabled; fix: remove reason "
                             "(it records why threat detection is off), or set enabled: false")
        return self

    @property
    def minimum_severity(self) -> float:
        return FINDING_SEVERITIES[self.alert_severity]


class SalesReport(Strict):
    """Seed 000's daily sales report: two functions read yesterday's orders from a database of the
    blueprint and mail a summary, every morning, with no server running in between."""

    database: str = Field(description="Name of a data.databases entry holding the orders (MySQL or PostgreSQL).")
    time_zone: str = Field(description="IANA time zone of the shop: the report covers its local yesterday and "
                           "is sent at `at` local time, daylight saving included.")
    at: str = Field(default="08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="Local time, HH:MM.")
    recipients: list[str] = Field(min_length=1, description="E-mail addresses the report is sent to.")
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    brand: str = Field(default="Daily", min_length=1, max_length=40, description="Name in the mail subject.")

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone; fix: e.g. America/New_York") from None
        return value

    @field_validator("recipients")
    @classmethod
    def _recipients(cls, values: list[str]) -> list[str]:
        return Subscribers._emails(values)

    @property
    def hour(self) -> int:
        return int(self.at[:2])

    @property
    def minute(self) -> int:
        return int(self.at[3:])


class Ops(Strict):
    alarm_subscribers: Subscribers = Field(default_factory=Subscribers)
    alarms: Thresholds = Field(default_factory=Thresholds)
    dashboard: bool = Field(default=True, description="A CloudWatch dashboard of the environment's tiers.")
    audit_trail: bool = Field(default=True, description="A multi-region CloudTrail with log validation, KMS, "
                              "CloudWatch Logs delivery and the CIS security alarms. One per account is "
                              "enough: turn it off in environments sharing an account with one that has it.")
    trail_log_retention_days: Annotated[int, Field(ge=365)] = Field(
        default=365, description="CloudWatch Logs retention of the trail; the bucket keeps files longer.")
    threat_detection: ThreatDetection = Field(
        default_factory=ThreatDetection, description="Amazon GuardDuty with its findings on the alarm topic; on by "
        "default, off only with a recorded reason.")
    budget: Budget | None = Field(default=None, description="Monthly cost budget and billing alarm.")
    sales_report: SalesReport | None = Field(default=None, description="Daily sales report (the reports stack).")

    @field_validator("trail_log_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        from configuration.schema import LOG_RETENTION_DAYS  # the schema imports this module

        allowed = [days for days in LOG_RETENTION_DAYS if days >= 365]
        if value not in allowed:
            raise ValueError(f"{value} is not a CloudWatch Logs retention period of a year or more; "
                             f"fix: use one of {allowed}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Ops:
        if self.budget and self.alarm_subscribers.is_empty:
            raise ValueError("ops.budget is set but ops.alarm_subscribers is empty: budget notifications and the "
                             "billing alarm would reach nobody; fix: add ops.alarm_subscribers.emails")
        return self


def ops_rules(config: BlueprintConfig) -> None:
    """Rules that tie the ops section to production and to the data stores."""
    report = config.ops.sales_report
    if report and report.database not in config.data.databases:
        raise ValueError(f"ops.sales_report.database {report.database!r} is not under data.databases "
                         f"{sorted(config.data.databases)}; fix: name the database holding the orders")
    if report and config.data.databases[report.database].proxy:
        raise ValueError(f"ops.sales_report.database {report.database!r} sits behind RDS Proxy, which requires "
                         "IAM authentication, while the report signs in with the database's managed secret; "
                         "fix: report from a database without proxy: true")
    if config.is_production and config.ops.alarm_subscribers.is_empty:
        raise ValueError("ops.alarm_subscribers is empty in a production environment: its alarms would reach "
                         "nobody; fix: add ops.alarm_subscribers.emails (or https_endpoints)")
