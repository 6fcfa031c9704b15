from modules.scaling.rules import (
    AlarmMetric,
    OffHoursSchedule,
    ScalingRule,
    ThresholdAlarms,
    ThresholdAlarmsProps,
    aws_cron,
)

__all__ = ["AlarmMetric", "OffHoursSchedule", "ScalingRule", "ThresholdAlarms", "ThresholdAlarmsProps", "aws_cron"]
