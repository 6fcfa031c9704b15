from modules.audit.cis_alarms import CIS_CONTROLS, SecurityControl, SecurityEventAlarms, SecurityEventAlarmsProps
from modules.audit.trail import AuditTrail, AuditTrailProps, cloudtrail_key_grants, log_group_arn, trail_arn

__all__ = ["CIS_CONTROLS", "AuditTrail", "AuditTrailProps", "SecurityControl", "SecurityEventAlarms",
           "SecurityEventAlarmsProps", "cloudtrail_key_grants", "log_group_arn", "trail_arn"]
