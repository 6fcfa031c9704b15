"""The ops stack: the alarm topic people subscribe to, the alarms of every tier, the dashboard,
the audit trail with its security alarms, and the cost guard-rails of one blueprint environment.

Applied last: it reads the data and compute stacks' exports (identifiers, ARN suffixes, queue and
log group names) through remote state and watches what they built. Which alarms exist follows the
configuration (a database gets CPU, storage and connection alarms; a queue its dead-letter alarm),
so a tier added to a blueprint is watched without touching this file.
"""

from __future__ import annotations

from constructs import Construct

from configuration import BlueprintConfig
from modules.kms import EncryptionKey, EncryptionKeyProps, ServiceGrant
from modules.monitoring import (
    AlarmSet,
    AlarmSetProps,
    AlarmSpec,
    AlarmTopic,
    AlarmTopicProps,
    DashboardSection,
    LogErrorFilter,
    LogErrorFilterProps,
    Metric,
    OperationsDashboard,
    OperationsDashboardProps,
    alarm_topic_key_grants,
    aurora_alarms,
    cache_alarms,
    database_alarms,
    dead_letter_alarm,
    fleet_alarms,
    load_balancer_alarms,
    log_errors_alarm,
    service_alarms,
)
from stacks.base import PlatformStack
from stacks.compute import ComputeStack, variable
from stacks.data import DataStack


class OpsStack(PlatformStack):
    layer = "ops"

    def __init__(self, scope: Construct, config: BlueprintConfig) -> None:
        super().__init__(scope, config)
        self.data = self.remote_state(DataStack)
        self.compute = self.remote_state(ComputeStack) if ComputeStack.applies_to(config) else None
        self.alarm_specs: list[AlarmSpec] = []
        self.sections: list[DashboardSection] = []
        self.key = self._key()
        self.topic = AlarmTopic(self, "alarm-topic", AlarmTopicProps(
            name=f"{config.name_prefix}-alarms", encryption_key=self.key, account_id=config.account_id,
            emails=config.ops.alarm_subscribers.emails, https_endpoints=config.ops.alarm_subscribers.https_endpoints,
            publishers=self.publishers, partition=self.partition))
        self.export("alarm_topic_arn", self.topic.arn, "string",
                    "SNS topic every alarm of the environment notifies (subscribe people and tools here)")
        self.export("kms_key_arn", self.key.arn, "string", "Key of the alarm topic and the ops log groups")
        if self.compute is not None:
            self._watch_compute()
        self._watch_data()
        self.alarms = AlarmSet(self, "alarms", AlarmSetProps(
            name_prefix=config.name_prefix, alarm_actions=[self.topic.arn], alarms=self.alarm_specs))
        if config.ops.dashboard:
            dashboard = OperationsDashboard(self, "dashboard", OperationsDashboardProps(
                name=config.name_prefix, region=config.regions.primary, sections=self.sections,
                alarm_arns=self.alarms.arns))
            self.export("dashboard_name", dashboard.dashboard.dashboard_name, "string", "CloudWatch dashboard")

    # -- the key and the topic --------------------------------------------------------------------------

    @property
    def publishers(self) -> tuple[str, ...]:
        return ("cloudwatch.amazonaws.com",)

    def _key_grants(self) -> list[ServiceGrant]:
        return alarm_topic_key_grants(self.config.account_id, self.publishers)

    def _key(self) -> EncryptionKey:
        config = self.config
        return EncryptionKey(self, "ops-key", EncryptionKeyProps(
            alias=f"{config.name_prefix}-ops", description=f"Alarm topic and ops logs of {config.name_prefix}",
            account_id=config.account_id, partition=self.partition, service_grants=self._key_grants()))

    # -- what is watched --------------------------------------------------------------------------------

    def _watch_compute(self) -> None:
        config, thresholds, compute = self.config, self.config.ops.alarms, self.compute
        assert compute is not None
        if config.compute.load_balancer:
            suffix = compute.get_string("load_balancer_arn_suffix")
            groups = {name: compute.get_string(f"target_group_{variable(name)}_arn_suffix")
                      for name in config.compute.load_balanced_workloads}
            self.alarm_specs += load_balancer_alarms(suffix, groups, thresholds.http_5xx_percent,
                                                     thresholds.latency_p95_seconds)
            lb = {"LoadBalancer": suffix}
            self.sections.append(DashboardSection("Load balancer: requests and 5xx", [
                Metric("AWS/ApplicationELB", "RequestCount", lb, "Sum"),
                Metric("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", lb, "Sum"),
                Metric("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", lb, "Sum")], period_seconds=60))
            self.sections.append(DashboardSection("Load balancer: p95 response time (s)", [
                Metric("AWS/ApplicationELB", "TargetResponseTime", lb, "p95")], period_seconds=60))
        for name in config.compute.fleets:
            group_name = compute.get_string(f"fleet_{variable(name)}_group_name")
            self.alarm_specs += fleet_alarms(name, group_name, thresholds.cpu_percent)
            group = {"AutoScalingGroupName": group_name}
            self.sections.append(DashboardSection(f"Fleet {name}: CPU and instances", [
                Metric("AWS/EC2", "CPUUtilization", group),
                Metric("AWS/AutoScaling", "GroupInServiceInstances", group),
                Metric("AWS/AutoScaling", "GroupDesiredCapacity", group)]))
        if config.compute.services:
            cluster = compute.get_string("cluster_name")
            for name in config.compute.services:
                service_name = compute.get_string(f"service_{variable(name)}_name")
                self.alarm_specs += service_alarms(name, cluster, service_name, thresholds.cpu_percent)
                self._log_errors(name, compute.get_string(f"service_{variable(name)}_log_group_name"))
                service = {"ClusterName": cluster, "ServiceName": service_name}
                self.sections.append(DashboardSection(f"Service {name}: CPU and tasks", [
                    Metric("AWS/ECS", "CPUUtilization", service),
                    Metric("ECS/ContainerInsights", "RunningTaskCount", service),
                    Metric("ECS/ContainerInsights", "DesiredTaskCount", service)]))

    def _watch_data(self) -> None:
        config, thresholds, data = self.config, self.config.ops.alarms, self.data
        connections = []
        for name, db in config.data.databases.items():
            identifier = data.get_string(f"database_{variable(name)}_identifier")
            self.alarm_specs += database_alarms(
                name, identifier, db.engine, db.instance_class, db.allocated_storage_gb,
                cpu_percent=thresholds.database_cpu_percent,
                free_storage_percent=thresholds.database_free_storage_percent,
                connections_percent=thresholds.database_connections_percent)
            connections.append(Metric("AWS/RDS", "DatabaseConnections", {"DBInstanceIdentifier": identifier},
                                      "Maximum"))
        for name, cluster in config.data.aurora.items():
            identifier = data.get_string(f"database_{variable(name)}_identifier")
            self.alarm_specs += aurora_alarms(
                name, identifier, cluster.engine, cluster.instance_class,
                cluster.serverless_v2.max_acu if cluster.serverless_v2 else None,
                cpu_percent=thresholds.database_cpu_percent,
                connections_percent=thresholds.database_connections_percent)
            connections.append(Metric("AWS/RDS", "DatabaseConnections",
                                      {"DBClusterIdentifier": identifier, "Role": "WRITER"}, "Maximum"))
        if connections:
            self.sections.append(DashboardSection("Database connections", connections))
        for name, cache in config.data.caches.items():
            group = data.get_string(f"cache_{variable(name)}_replication_group_id")
            self.alarm_specs += cache_alarms(name, group, cache.replicas + 1, cpu_percent=thresholds.cache_cpu_percent,
                                             evictions=thresholds.cache_evictions)
        for name in config.data.queues:
            dead_letters = data.get_string(f"queue_{variable(name)}_dead_letter_name")
            self.alarm_specs.append(dead_letter_alarm(name, dead_letters))
        if config.data.buckets:
            self.sections.append(DashboardSection("Bucket sizes (bytes, daily)", [
                Metric("AWS/S3", "BucketSizeBytes", {"BucketName": data.get_string(f"bucket_{variable(name)}_name"),
                                                     "StorageType": "StandardStorage"})
                for name in config.data.buckets], period_seconds=86400))

    def _log_errors(self, name: str, log_group_name: str) -> None:
        """Seed 004: an ERROR metric filter on the application's logs, with an alarm."""
        config = self.config
        namespace = f"{config.project}/{config.environment}/Application"
        log_filter = LogErrorFilter(self, f"{name}-log-errors", LogErrorFilterProps(
            name=f"{config.name_prefix}-{name}-errors", log_group_name=log_group_name, namespace=namespace))
        self.alarm_specs.append(log_errors_alarm(name, namespace, log_filter.metric_name))
