from modules.audit.cis_alarms import CIS_CONTROLS, SecurityControl, SecurityEventAlarms, SecurityEventAlarmsProps
from modules.audit.threat_detection import FINDINGS_PUBLISHER, ThreatDetection, ThreatDetectionProps, findings_pattern
from modules.audit.trail import AuditTrail, AuditTrailProps, cloudtrail_key_grants, log_group_arn, trail_arn

__all__ = ["CIS_CONTROLS", "FINDINGS_PUBLISHER", "AuditTrail", "AuditTrailProps", "SecurityControl",
           "SecurityEventAlarms", "SecurityEventAlarmsProps", "ThreatDetection", "ThreatDetectionProps",
           "cloudtrail_key_grants", "findings_pattern", "log_group_arn", "trail_arn"]
