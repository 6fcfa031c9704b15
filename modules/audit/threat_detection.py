"""Threat detection (seed 002, "Alert received: unusual outbound traffic detected"): an Amazon GuardDuty detector
in the environment's region, and an EventBridge rule that sends its findings of a chosen severity and above to
the alarm topic, where the people and chat tools subscribed to every alarm read them.

GuardDuty needs nothing else set up: it reads the account's CloudTrail management events, VPC flow logs and DNS
queries from AWS's own copies (this platform's trail and flow logs are for people; GuardDuty does not use them).
Features, each a decision:
- S3_DATA_EVENTS (optional, on by default): anomalous reads and exfiltration from buckets, invisible in
  management events.
- EBS_MALWARE_PROTECTION (optional, on by default): scans an instance's volumes when a finding implicates it;
  billed only for scans, nothing to scan on Fargate.
- EKS_AUDIT_LOGS: off. No blueprint runs Kubernetes; a cluster someone adds to the account comes with its own
  decision.
- Runtime Monitoring, RDS and Lambda Protection are left to GuardDuty's account defaults: Runtime Monitoring's
  Fargate agent is a sidecar pulled by every task's execution role and its VPC endpoint, a change to the compute
  tier of its own; the others are GuardDuty's to enable per account.

The alarm topic must let EventBridge publish (events.amazonaws.com, FINDINGS_PUBLISHER, in the topic's policy and
its key's policy: monitoring.AlarmTopicProps.publishers and alarm_topic_key_grants).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cdktf_cdktf_provider_aws.guardduty_detector import GuarddutyDetector
from cdktf_cdktf_provider_aws.guardduty_detector_feature import GuarddutyDetectorFeature
from constructs import Construct

from modules.monitoring.event_alert import EVENTS_PUBLISHER, EventAlertProps, alert_on_events
from modules.monitoring.event_alert import message_template as event_message_template

FINDINGS_PUBLISHER = EVENTS_PUBLISHER
"""Who publishes the findings to the alarm topic (the topic's and its key's policies must admit it)."""
PUBLISHING_FREQUENCIES = ("FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS")
FINDING_FIELDS = {"severity": "$.detail.severity", "type": "$.detail.type", "title": "$.detail.title",
                  "account": "$.detail.accountId", "region": "$.detail.region", "id": "$.detail.id",
                  "resource": "$.detail.resource.resourceType", "updated": "$.detail.updatedAt"}
"""What the message keeps of a finding: enough to triage from a phone, and the id to open it in the console."""


@dataclass(frozen=True)
class ThreatDetectionProps:
    name_prefix: str
    """e.g. 'saas-prod': the rule is '<name_prefix>-guardduty-findings'."""
    alarm_topic_arn: str
    """The environment's alarm topic (its policy and key admit FINDINGS_PUBLISHER)."""
    minimum_severity: float = 4.0
    """Lowest severity sent to the topic: GuardDuty's medium band starts at 4.0 (high 7.0, critical 9.0)."""
    finding_publishing_frequency: str = "FIFTEEN_MINUTES"
    """How soon updates of an existing finding are published (new findings go out within about 5 minutes)."""
    s3_protection: bool = True
    malware_protection: bool = True

    def __post_init__(self) -> None:
        if not 1.0 <= self.minimum_severity <= 10.0:
            raise ValueError(f"minimum_severity {self.minimum_severity}; fix: GuardDuty's scale, 1.0 to 10.0 (medium "
                             "starts at 4.0)")
        if self.finding_publishing_frequency not in PUBLISHING_FREQUENCIES:
            raise ValueError(f"finding_publishing_frequency {self.finding_publishing_frequency!r}; fix: one of "
                             f"{PUBLISHING_FREQUENCIES}")

    @property
    def features(self) -> dict[str, str]:
        """The features this construct decides, with their status (see the module's docstring for why)."""
        status = {True: "ENABLED", False: "DISABLED"}
        return {"S3_DATA_EVENTS": status[self.s3_protection],
                "EBS_MALWARE_PROTECTION": status[self.malware_protection],
                "EKS_AUDIT_LOGS": "DISABLED"}


class ThreatDetection(Construct):
    def __init__(self, scope: Construct, id: str, props: ThreatDetectionProps) -> None:
        super().__init__(scope, id)
        self.detector = GuarddutyDetector(self, "detector", enable=True,
                                          finding_publishing_frequency=props.finding_publishing_frequency)
        self.features = {name: GuarddutyDetectorFeature(self, f"feature-{name.lower().replace('_', '-')}",
                                                        detector_id=self.detector.id, name=name, status=status)
                         for name, status in props.features.items()}
        self.rule, self.target = alert_on_events(self, "findings", findings_alert(props))

    @property
    def detector_id(self) -> str:
        return self.detector.id


def findings_pattern(minimum_severity: float) -> dict[str, Any]:
    """GuardDuty findings (new, and updates of existing ones) at or above `minimum_severity`."""
    return {"source": ["aws.guardduty"], "detail-type": ["GuardDuty Finding"],
            "detail": {"severity": [{"numeric": [">=", minimum_severity]}]}}


def findings_alert(props: ThreatDetectionProps) -> EventAlertProps:
    """The findings rule: the message keeps FINDING_FIELDS, a console link and the runbook."""
    return EventAlertProps(
        name=f"{props.name_prefix}-guardduty-findings",
        description=f"GuardDuty findings of severity {props.minimum_severity:g} and above to the alarm topic "
        "(docs/runbooks/security-incident.md)",
        pattern=findings_pattern(props.minimum_severity), topic_arn=props.alarm_topic_arn, fields=FINDING_FIELDS,
        constants={"source": "GuardDuty",
                   "console": "https://console.aws.amazon.com/guardduty/home?region=<region>#/findings"
                              "?macros=current&fId=<id>",
                   "runbook": "docs/runbooks/security-incident.md"})


def message_template() -> str:
    """The alarm topic's message for a finding (of any environment: the template does not depend on it)."""
    return event_message_template(findings_alert(ThreatDetectionProps(name_prefix="any", alarm_topic_arn="any")))
