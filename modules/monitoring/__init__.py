from modules.monitoring.alarms import AlarmSet, AlarmSetProps, AlarmSpec, Metric
from modules.monitoring.catalog import (
    aurora_alarms,
    cache_alarms,
    database_alarms,
    dead_letter_alarm,
    endpoint_health_alarm,
    fleet_alarms,
    fleet_disk_alarm,
    function_alarms,
    load_balancer_alarms,
    log_errors_alarm,
    service_alarms,
)
from modules.monitoring.dashboard import DashboardSection, OperationsDashboard, OperationsDashboardProps
from modules.monitoring.limits import max_connections
from modules.monitoring.log_errors import LogErrorFilter, LogErrorFilterProps
from modules.monitoring.topic import (
    AlarmTopic,
    AlarmTopicProps,
    NotificationTopic,
    NotificationTopicProps,
    alarm_topic_key_grants,
)

__all__ = ["AlarmSet", "AlarmSetProps", "AlarmSpec", "AlarmTopic", "AlarmTopicProps", "DashboardSection",
           "LogErrorFilter", "LogErrorFilterProps", "Metric", "NotificationTopic", "NotificationTopicProps",
           "OperationsDashboard", "OperationsDashboardProps",
           "alarm_topic_key_grants", "aurora_alarms", "cache_alarms", "database_alarms", "dead_letter_alarm",
           "endpoint_health_alarm",
           "fleet_alarms", "fleet_disk_alarm", "function_alarms", "load_balancer_alarms", "log_errors_alarm",
           "max_connections", "service_alarms"]
