"""Failed AWS Backup jobs on the alarm topic: a backup, a copy to the secondary region or a restore (the weekly
restore tests included) that fails is otherwise seen only by someone opening the console, which is how backups
silently stop working. AWS Backup reports job state changes to EventBridge (best effort, within minutes); backup
and copy jobs say `state`, restore jobs `status`, hence two rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from modules.monitoring.event_alert import EventAlertProps, alert_on_events

FAILED_JOB_STATES = ("FAILED", "ABORTED", "EXPIRED")
"""Backup and copy job states that mean no recovery point came of it (EXPIRED: the window closed first)."""
FAILED_RESTORE_STATUSES = ("FAILED",)
MESSAGE_FIELDS = {"event": "$.detail-type", "message": "$.detail.statusMessage", "jobs": "$.resources",
                  "region": "$.region", "time": "$.time"}
"""What every job event carries: enough to find the job (its ARN is in `resources`) and why it failed."""


@dataclass(frozen=True)
class BackupJobAlertsProps:
    name_prefix: str
    """e.g. 'saas-prod': the rules are '<name_prefix>-backup-job-failures' and '-restore-job-failures'."""
    alarm_topic_arn: str
    """The environment's alarm topic (its policy and key admit EventBridge: monitoring.EVENTS_PUBLISHER)."""


class BackupJobAlerts(Construct):
    def __init__(self, scope: Construct, id: str, props: BackupJobAlertsProps) -> None:
        super().__init__(scope, id)
        constants = {"source": "AWS Backup", "console": "https://console.aws.amazon.com/backup/home?region=<region>"
                     "#/jobs", "runbook": "docs/runbooks/backups.md"}
        self.job_failures, _ = alert_on_events(self, "job-failures", EventAlertProps(
            name=f"{props.name_prefix}-backup-job-failures",
            description="Backup and copy jobs that ended without a recovery point, to the alarm topic",
            pattern={"source": ["aws.backup"], "detail-type": ["Backup Job State Change", "Copy Job State Change"],
                     "detail": {"state": list(FAILED_JOB_STATES)}},
            topic_arn=props.alarm_topic_arn, fields={**MESSAGE_FIELDS, "state": "$.detail.state"},
            constants=constants))
        self.restore_failures, _ = alert_on_events(self, "restore-failures", EventAlertProps(
            name=f"{props.name_prefix}-restore-job-failures",
            description="Restore jobs (restore tests included) that failed, to the alarm topic",
            pattern={"source": ["aws.backup"], "detail-type": ["Restore Job State Change"],
                     "detail": {"status": list(FAILED_RESTORE_STATUSES)}},
            topic_arn=props.alarm_topic_arn, fields={**MESSAGE_FIELDS, "state": "$.detail.status"},
            constants=constants))
