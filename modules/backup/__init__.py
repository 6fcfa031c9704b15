from modules.backup.job_alerts import BackupJobAlerts, BackupJobAlertsProps
from modules.backup.plan import BackupPlan, BackupPlanProps
from modules.backup.restore_testing import (
    RestoreTarget,
    RestoreTesting,
    RestoreTestingProps,
    aurora_cluster_target,
    database_instance_target,
    file_system_target,
)

__all__ = ["BackupJobAlerts", "BackupJobAlertsProps", "BackupPlan", "BackupPlanProps", "RestoreTarget",
           "RestoreTesting", "RestoreTestingProps",
           "aurora_cluster_target", "database_instance_target", "file_system_target"]
