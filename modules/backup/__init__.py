from modules.backup.plan import BackupPlan, BackupPlanProps

__all__ = ["BackupPlan", "BackupPlanProps"]
