"""AWS Backup restore testing: on a schedule AWS Backup restores the newest recovery point of each protected
database and file system from the environment's vault into a new resource, keeps it for a validation window and
deletes it. A backup that cannot be restored then shows as a failed restore job the week it happens, not on the
day a disaster needs it (the automatic half of a restore drill; the check of the data is the other).

One selection per protected resource, naming its ARN: each restores with its own overrides (its subnet group,
security groups, key), and a resource's selection never changes its ARNs (provider 5.100.0 does not send a changed
protected_resource_arns to AWS: hashicorp/terraform-provider-aws#48316), so adding a store adds a selection."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cdktf import Fn
from cdktf_cdktf_provider_aws.backup_restore_testing_plan import (
    BackupRestoreTestingPlan,
    BackupRestoreTestingPlanRecoveryPointSelection,
)
from cdktf_cdktf_provider_aws.backup_restore_testing_selection import BackupRestoreTestingSelection
from cdktf_cdktf_provider_aws.db_instance import DbInstance
from cdktf_cdktf_provider_aws.efs_file_system import EfsFileSystem
from cdktf_cdktf_provider_aws.rds_cluster import RdsCluster
from constructs import Construct

from modules.backup.service_role import RESTORE_POLICY, backup_service_role

RESOURCE_TYPES = ("RDS", "Aurora", "EFS")
"""AWS Backup's ProtectedResourceType of an RDS instance, an Aurora cluster and an EFS file system."""
RECOVERY_POINT_TYPES = ("SNAPSHOT",)
"""The backup plan takes snapshots only (no continuous backup), so only snapshots are there to restore."""
_CRON = re.compile(r"cron\((\S+ ){5}\S+\)")
_KEY = re.compile(r"[a-z][a-z0-9-]{0,48}")


@dataclass(frozen=True)
class RestoreTarget:
    """One protected resource a restore test restores, and what the restore must be told about it."""

    key: str
    """Names its selection ('database-main' -> 'database_main'): unique within a plan."""
    resource_type: str
    """One of RESOURCE_TYPES."""
    arn: str
    metadata_overrides: Mapping[str, str]
    """Restore metadata AWS Backup would otherwise infer (keys are not case sensitive)."""


def database_instance_target(key: str, instance: DbInstance) -> RestoreTarget:
    """An RDS instance restores into its own DB subnet group and security groups (the private data subnets,
    reachable by the original's clients only); AWS Backup would otherwise use the default VPC, which the
    platform's accounts need not have. Public access and Multi-AZ are set off explicitly (AWS Backup infers
    them off too): a throwaway copy is never public and needs no standby. AWS Backup names the copy
    'awsbackup-restore-test-...' and leaves deletion protection off, so it collides with nothing and can delete it."""
    return RestoreTarget(key=key, resource_type="RDS", arn=instance.arn, metadata_overrides={
        "dbSubnetGroupName": instance.db_subnet_group_name,
        "vpcSecurityGroupIds": Fn.jsonencode(instance.vpc_security_group_ids),
        "publiclyAccessible": "false",
        "multiAz": "false"})


def aurora_cluster_target(key: str, cluster: RdsCluster) -> RestoreTarget:
    """An Aurora cluster restores into its own DB subnet group and security groups (as an instance does), with
    its own cluster parameter group, so the copy also refuses connections without TLS."""
    return RestoreTarget(key=key, resource_type="Aurora", arn=cluster.arn, metadata_overrides={
        "dbSubnetGroupName": cluster.db_subnet_group_name,
        "dbClusterParameterGroupName": cluster.db_cluster_parameter_group_name,
        "vpcSecurityGroupIds": Fn.jsonencode(cluster.vpc_security_group_ids)})


def file_system_target(key: str, file_system: EfsFileSystem) -> RestoreTarget:
    """An EFS file system restores as a new file system under the original's customer key (AWS Backup would
    use the AWS managed key aws/elasticfilesystem). It gets no mount targets: nothing can mount the copy."""
    return RestoreTarget(key=key, resource_type="EFS", arn=file_system.arn,
                         metadata_overrides={"kmsKeyId": file_system.kms_key_id})


@dataclass(frozen=True)
class RestoreTestingProps:
    name: str
    """The environment's prefix ('shop-prod'): the plan is '<name>_restore_test' (AWS allows letters, digits and
    underscores only), the role '<name>-restore-test'."""
    vault_arn: str
    """The backup plan's vault in this region: the only vault tests restore from."""
    targets: Sequence[RestoreTarget]
    """What to restore; at least one."""
    account_id: str
    """Only AWS Backup acting for this account may assume the role (aws:SourceAccount)."""
    partition: str = "aws"
    schedule: str = "cron(0 6 ? * MON *)"
    """When a test starts (AWS cron, UTC)."""
    start_window_hours: int = 8
    """A test not started this long after the schedule is skipped; 1 to 168."""
    selection_window_days: int = 7
    """The newest recovery point of the last this many days is restored; 1 to 365."""
    validation_window_hours: int = 24
    """The restored copies are kept this long for a check, then deleted; 1 to 168."""

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,36}", self.name):
            raise ValueError(f"restore testing name {self.name!r}; fix: letters, digits, hyphens and underscores, "
                             "1 to 37 characters (the plan adds '_restore_test' within AWS's 50)")
        if not self.targets:
            raise ValueError(f"restore testing {self.name!r} has no targets; fix: pass the databases and file "
                             "systems to restore (or create no restore testing)")
        for target in self.targets:
            if target.resource_type not in RESOURCE_TYPES:
                raise ValueError(f"restore target {target.key!r}: resource type {target.resource_type!r}; fix: one "
                                 f"of {list(RESOURCE_TYPES)}")
            if not _KEY.fullmatch(target.key):
                raise ValueError(f"restore target key {target.key!r}; fix: lower-case letters, digits and hyphens, "
                                 "starting with a letter, at most 49 characters")
        keys = [target.key for target in self.targets]
        if len(set(keys)) != len(keys):
            raise ValueError(f"restore targets {keys} repeat a key; fix: one target per protected resource")
        if not _CRON.fullmatch(self.schedule):
            raise ValueError(f"restore testing {self.name!r}: schedule={self.schedule!r}; fix: an AWS cron "
                             "expression with six fields, e.g. 'cron(0 6 ? * MON *)'")
        for field, value, low, high in (("start_window_hours", self.start_window_hours, 1, 168),
                                        ("selection_window_days", self.selection_window_days, 1, 365),
                                        ("validation_window_hours", self.validation_window_hours, 1, 168)):
            if not low <= value <= high:
                raise ValueError(f"restore testing {self.name!r}: {field}={value}; fix: {low} to {high}")

    @property
    def plan_name(self) -> str:
        return self.name.replace("-", "_") + "_restore_test"


class RestoreTesting(Construct):
    """The plan (when, from which vault, which recovery point), one selection per target, and the role AWS
    Backup restores with. The role has AWS's managed restore policy: a restore calls each service's own restore,
    tagging and (after the validation window) deletion actions, which AWS extends as the services add restore
    parameters; a hand-kept list would fail restores the day it falls behind, which is what the tests exist to
    catch. Only AWS Backup acting for this account can assume the role, and it takes no backups."""

    def __init__(self, scope: Construct, id: str, props: RestoreTestingProps) -> None:
        super().__init__(scope, id)
        self.role, attachments = backup_service_role(self, f"{props.name}-restore-test", props.account_id,
                                                     props.partition, [RESTORE_POLICY])
        self.plan = BackupRestoreTestingPlan(
            self, "plan", name=props.plan_name, schedule_expression=props.schedule,
            schedule_expression_timezone="Etc/UTC", start_window_hours=props.start_window_hours,
            recovery_point_selection=[BackupRestoreTestingPlanRecoveryPointSelection(
                algorithm="LATEST_WITHIN_WINDOW", include_vaults=[props.vault_arn],
                recovery_point_types=list(RECOVERY_POINT_TYPES), selection_window_days=props.selection_window_days)])
        plan_name = self.plan.name  # read once: each read is a call into the jsii kernel
        self.selections = {target.key: BackupRestoreTestingSelection(
            self, f"selection-{target.key}", name=target.key.replace("-", "_"), restore_testing_plan_name=plan_name,
            protected_resource_type=target.resource_type, protected_resource_arns=[target.arn],
            iam_role_arn=self.role.arn, restore_metadata_overrides=dict(target.metadata_overrides),
            validation_window_hours=props.validation_window_hours, depends_on=attachments)
            for target in props.targets}
