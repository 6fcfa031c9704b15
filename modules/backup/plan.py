"""AWS Backup for an environment's databases and file systems: a daily plan into a vault under a
customer key, optionally copied to a vault in the secondary region, so a regional outage or a
deleted database still leaves a restorable copy elsewhere."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import TerraformProvider
from cdktf_cdktf_provider_aws.backup_plan import (
    BackupPlan as BackupPlanResource,
)
from cdktf_cdktf_provider_aws.backup_plan import (
    BackupPlanRule,
    BackupPlanRuleCopyAction,
    BackupPlanRuleCopyActionLifecycle,
    BackupPlanRuleLifecycle,
)
from cdktf_cdktf_provider_aws.backup_selection import BackupSelection
from cdktf_cdktf_provider_aws.backup_vault import BackupVault
from constructs import Construct

from modules.backup.service_role import BACKUP_POLICY, RESTORE_POLICY, backup_service_role
from modules.kms import EncryptionKey

MANAGED_POLICIES = (BACKUP_POLICY, RESTORE_POLICY)
_SCHEDULE = re.compile(r"cron\((\S+ ){5}\S+\)")


@dataclass(frozen=True)
class BackupPlanProps:
    name: str
    """Vault and plan name, prefix of the role ('<name>-backup') and the copy vault ('<name>-copy')."""
    encryption_key: EncryptionKey
    """Encrypts the recovery points in the vault. Needs no service grant: AWS Backup creates KMS grants
    through the backup role (its managed policy), which the key policy's account root statement admits."""
    resource_arns: Sequence[str]
    """Databases, clusters and file systems to back up; at least one."""
    account_id: str
    """Only AWS Backup acting for this account may assume the role (aws:SourceAccount)."""
    partition: str = "aws"
    schedule: str = "cron(0 3 * * ? *)"
    """Daily at 03:00 UTC (AWS cron, six fields)."""
    retention_days: int = 35
    """Recovery points (and their copies) are deleted after this many days; at least 7."""
    copy_to: tuple[TerraformProvider, EncryptionKey] | None = None
    """(provider of the secondary region, key there): a second vault there, and the rule copies every
    recovery point into it with the same retention. None: no copy (development cost setting)."""
    start_window_minutes: int = 60
    """A job that has not started this long after the schedule is cancelled; AWS needs at least 60."""
    completion_window_minutes: int = 180
    """A job not finished this long after the schedule is cancelled; must exceed the start window."""

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{1,44}", self.name):
            raise ValueError(f"backup plan name {self.name!r}; fix: letters, digits, hyphens and underscores, "
                             "2 to 45 characters (vault names allow 50, the copy vault adds '-copy')")
        if not self.resource_arns:
            raise ValueError(f"backup plan {self.name!r} has no resource_arns; fix: pass the databases and file "
                             "systems to back up (or create no plan)")
        if not _SCHEDULE.fullmatch(self.schedule):
            raise ValueError(f"backup plan {self.name!r}: schedule={self.schedule!r}; fix: an AWS cron expression "
                             "with six fields, e.g. 'cron(0 3 * * ? *)'")
        if self.start_window_minutes < 60:
            raise ValueError(f"backup plan {self.name!r}: start window {self.start_window_minutes} min; "
                             "fix: AWS Backup needs at least 60")
        if self.completion_window_minutes <= self.start_window_minutes:
            raise ValueError(f"backup plan {self.name!r}: completion window {self.completion_window_minutes} min is "
                             f"not after the start window {self.start_window_minutes} min; fix: make it longer")
        if self.retention_days < 7:
            raise ValueError(f"backup plan {self.name!r}: retention_days={self.retention_days}; fix: use 7 or more")


class BackupPlan(Construct):
    def __init__(self, scope: Construct, id: str, props: BackupPlanProps) -> None:
        super().__init__(scope, id)
        self.vault = BackupVault(self, "vault", name=props.name, kms_key_arn=props.encryption_key.arn)
        self.copy_vault: BackupVault | None = None
        copy_actions = None
        if props.copy_to:
            provider, key = props.copy_to
            self.copy_vault = BackupVault(self, "copy-vault", name=f"{props.name}-copy", kms_key_arn=key.arn,
                                          provider=provider)
            copy_actions = [BackupPlanRuleCopyAction(
                destination_vault_arn=self.copy_vault.arn,
                lifecycle=BackupPlanRuleCopyActionLifecycle(delete_after=props.retention_days))]
        self.plan = BackupPlanResource(self, "plan", name=props.name, rule=[BackupPlanRule(
            rule_name="daily", target_vault_name=self.vault.name, schedule=props.schedule,
            start_window=props.start_window_minutes, completion_window=props.completion_window_minutes,
            enable_continuous_backup=False,
            lifecycle=BackupPlanRuleLifecycle(delete_after=props.retention_days), copy_action=copy_actions,
            recovery_point_tags={"BackupPlan": props.name})])
        self.role, attachments = backup_service_role(self, f"{props.name}-backup", props.account_id,
                                                     props.partition, MANAGED_POLICIES)
        # The selection is validated against the role's permissions: attach them first.
        self.selection = BackupSelection(self, "selection", name=props.name, plan_id=self.plan.id,
                                         iam_role_arn=self.role.arn, resources=list(props.resource_arns),
                                         depends_on=attachments)
