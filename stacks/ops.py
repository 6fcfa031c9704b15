"""The ops stack: the alarm topic people subscribe to, the alarms of every tier, the dashboard,
the audit trail with its security alarms, and the cost guard-rails of one blueprint environment.

Applied last: it reads the data and compute stacks' exports (identifiers, ARN suffixes, queue and
log group names) through remote state and watches what they built. Which alarms exist follows the
configuration (a database gets CPU, storage and connection alarms; a queue its dead-letter alarm),
so a tier added to a blueprint is watched without touching this file.
"""

from __future__ import annotations

from cdktf_cdktf_provider_aws.provider import AwsProvider
from constructs import Construct

from configuration import BlueprintConfig
from modules.app_config import rotation_failure_alarm
from modules.audit import (
    FINDINGS_PUBLISHER,
    AuditTrail,
    AuditTrailProps,
    SecurityEventAlarms,
    SecurityEventAlarmsProps,
    ThreatDetection,
    ThreatDetectionProps,
    cloudtrail_key_grants,
    trail_arn,
)
from modules.backup import BackupJobAlerts, BackupJobAlertsProps
from modules.billing import BILLING_REGION, BillingGuard, BillingGuardProps
from modules.fleet import disk_used_metric, memory_used_metric
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
    NotificationTopic,
    OperationsDashboard,
    OperationsDashboardProps,
    alarm_topic_key_grants,
    aurora_alarms,
    cache_alarms,
    database_alarms,
    dead_letter_alarm,
    endpoint_health_alarm,
    fleet_alarms,
    fleet_disk_alarm,
    load_balancer_alarms,
    log_errors_alarm,
    service_alarms,
)
from modules.s3_bucket import LifecycleRule, SecureBucket, SecureBucketProps
from stacks.base import PlatformStack, variable
from stacks.compute import ComputeStack
from stacks.data import DataStack, secret_rotation_function_name
from stacks.edge import EdgeStack
from stacks.storage import access_log_bucket


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
        security_alarm_arns = self._audit_trail() if config.ops.audit_trail else []
        if config.ops.threat_detection.enabled:
            self._threat_detection()
        if config.data.backed_up_kinds:  # the data stack has a backup plan
            BackupJobAlerts(self, "backup-job-alerts", BackupJobAlertsProps(name_prefix=config.name_prefix,
                                                                            alarm_topic_arn=self.topic.arn))
        if config.ops.budget:
            self._billing()
        if config.edge and config.edge.health_check:
            self._endpoint_health()
        if config.ops.dashboard:
            dashboard = OperationsDashboard(self, "dashboard", OperationsDashboardProps(
                name=config.name_prefix, region=config.regions.primary, sections=self.sections,
                alarm_arns=[*self.alarms.arns, *security_alarm_arns]))
            self.export("dashboard_name", dashboard.dashboard.dashboard_name, "string", "CloudWatch dashboard")

    # -- the key and the topic --------------------------------------------------------------------------

    @property
    def bills_here(self) -> bool:
        """Billing metrics and budgets notify from us-east-1: the alarm topic serves them if it is there."""
        return self.config.regions.primary == BILLING_REGION

    @property
    def publishers(self) -> tuple[str, ...]:  # budgets publish here only when the alarm topic is in us-east-1
        billing = ("budgets.amazonaws.com",) if self.config.ops.budget and self.bills_here else ()
        events = (FINDINGS_PUBLISHER,) if self.sends_events else ()  # EventBridge: GuardDuty, failed backup jobs
        return ("cloudwatch.amazonaws.com", *billing, *events)

    @property
    def sends_events(self) -> bool:
        """Whether EventBridge rules publish to the alarm topic (GuardDuty findings, failed backup jobs)."""
        return self.config.ops.threat_detection.enabled or bool(self.config.data.backed_up_kinds)

    @property
    def trail_name(self) -> str:
        return f"{self.config.name_prefix}-audit"

    @property
    def trail_log_group_name(self) -> str:
        return f"/aws/cloudtrail/{self.config.name_prefix}"

    def _key_grants(self) -> list[ServiceGrant]:
        config = self.config
        grants = alarm_topic_key_grants(config.account_id, self.publishers)
        if config.ops.audit_trail:
            grants += cloudtrail_key_grants(config.account_id, config.regions.primary, self.trail_name,
                                            self.trail_log_group_name, self.partition)
        return grants

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
            disk, memory = disk_used_metric(group_name), memory_used_metric(group_name)  # the fleets' CloudWatch agent
            self.alarm_specs += fleet_alarms(name, group_name, thresholds.cpu_percent)
            self.alarm_specs.append(fleet_disk_alarm(name, disk, thresholds.disk_used_percent))
            group = {"AutoScalingGroupName": group_name}
            self.sections.append(DashboardSection(f"Fleet {name}: CPU and instances", [
                Metric("AWS/EC2", "CPUUtilization", group),
                Metric("AWS/AutoScaling", "GroupInServiceInstances", group),
                Metric("AWS/AutoScaling", "GroupDesiredCapacity", group)]))
            self.sections.append(DashboardSection(f"Fleet {name}: fullest disk and memory (%)", [
                Metric(m.namespace, m.name, m.dimensions, "Maximum") for m in (disk, memory)]))
            for log in config.compute.fleets[name].shipped_logs:  # the log files the fleet's agent ships
                if log.error_pattern is not None:
                    self._log_errors(f"{name}-{log.name}", compute.get_string(
                        f"fleet_{variable(name)}_log_{variable(log.name)}_group_name"), log.error_pattern)
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
        if any(secret.generated for secret in config.data.secrets.values()):
            self.alarm_specs.append(rotation_failure_alarm(secret_rotation_function_name(config)))
        if config.ops.sales_report:  # seed 000's dashboard: Lambda errors (the reports stack's function names)
            self.sections.append(DashboardSection("Sales report: Lambda errors", [
                Metric("AWS/Lambda", "Errors", {"FunctionName": f"{config.name_prefix}-sales-{kind}"}, "Sum")
                for kind in ("extractor", "report")]))
        if config.data.buckets:
            self.sections.append(DashboardSection("Bucket sizes (bytes, daily)", [
                Metric("AWS/S3", "BucketSizeBytes", {"BucketName": data.get_string(f"bucket_{variable(name)}_name"),
                                                     "StorageType": "StandardStorage"})
                for name in config.data.buckets], period_seconds=86400))

    def _log_errors(self, name: str, log_group_name: str, pattern: str = "ERROR") -> None:
        """Seed 004: an ERROR metric filter on the application's logs (a service's, or a fleet's log), with an alarm."""
        config = self.config
        namespace = f"{config.project}/{config.environment}/Application"
        log_filter = LogErrorFilter(self, f"{name}-log-errors", LogErrorFilterProps(
            name=f"{config.name_prefix}-{name}-errors", log_group_name=log_group_name, namespace=namespace,
            pattern=pattern))
        self.alarm_specs.append(log_errors_alarm(name, namespace, log_filter.metric_name, pattern))

    # -- audit and cost ---------------------------------------------------------------------------------

    def _audit_trail(self) -> list[str]:
        """CloudTrail to its own bucket and to CloudWatch Logs, where the CIS filters raise alarms (returned)."""
        config = self.config
        access_logs = access_log_bucket(self, "trail-access-logs", config.data_bucket_name("trail-access-logs"),
                                        config.account_id)
        bucket = SecureBucket(self, "trail-bucket", SecureBucketProps(
            bucket_name=config.data_bucket_name("audit-trail"), encryption_key=self.key, access_logs_to=access_logs,
            cloudtrail_writer_trail_arn=trail_arn(config.account_id, config.regions.primary, self.trail_name,
                                                  self.partition),
            lifecycle_rules=(LifecycleRule(id="trail-files-to-glacier", transitions=((90, "GLACIER"),),
                                           noncurrent_expiration_days=90),)))
        trail = AuditTrail(self, "audit-trail", AuditTrailProps(
            name=self.trail_name, account_id=config.account_id, region=config.regions.primary,
            encryption_key=self.key, bucket=bucket, log_group_name=self.trail_log_group_name,
            log_retention_days=config.ops.trail_log_retention_days, partition=self.partition))
        security = SecurityEventAlarms(self, "security-alarms", SecurityEventAlarmsProps(
            log_group_name=trail.log_group_name, alarm_topic_arns=[self.topic.arn], name_prefix=config.name_prefix,
            namespace=f"{config.project}/{config.environment}/Security"))
        self.export("trail_arn", trail.arn, "string", "Multi-region CloudTrail trail of the account")
        self.export("trail_bucket_name", bucket.name, "string", "Bucket of the trail's log files")
        self.export("trail_access_log_bucket_name", access_logs.name, "string", "Access logs of the trail bucket")
        return [alarm.arn for alarm in security.alarms.values()]

    def _threat_detection(self) -> None:
        """GuardDuty in the environment's region, its findings from the configured severity on the alarm topic."""
        config, spec = self.config, self.config.ops.threat_detection
        detection = ThreatDetection(self, "threat-detection", ThreatDetectionProps(
            name_prefix=config.name_prefix, alarm_topic_arn=self.topic.arn, minimum_severity=spec.minimum_severity,
            finding_publishing_frequency=spec.finding_publishing_frequency, s3_protection=spec.s3_protection,
            malware_protection=spec.malware_protection))
        self.export("guardduty_detector_id", detection.detector_id, "string",
                    "GuardDuty detector of the environment's region (aws guardduty list-findings --detector-id ...)")

    @property
    def needs_us_east_1(self) -> bool:
        """Billing metrics and Route 53 health-check metrics exist only in us-east-1."""
        edge = self.config.edge
        return bool(self.config.ops.budget or (edge and edge.health_check))

    def _us_east_1_topic(self) -> tuple[AwsProvider, NotificationTopic]:
        """The provider and alarm topic for us-east-1 alarms: the alarm topic itself when the environment
        lives there, else a topic of their own there (an alarm notifies only topics of its region)."""
        if hasattr(self, "_east"):
            return self._east
        config = self.config
        if self.bills_here:
            self._east = (self.provider, self.topic)
            return self._east
        provider = self.aws_provider("aws-us-east-1", BILLING_REGION, alias="us-east-1")
        publishers = ("cloudwatch.amazonaws.com", "budgets.amazonaws.com")
        key = EncryptionKey(self, "us-east-1-key", EncryptionKeyProps(
            alias=f"{config.name_prefix}-alarms-us-east-1",
            description=f"us-east-1 alarm topic of {config.name_prefix}",
            account_id=config.account_id, partition=self.partition, provider=provider,
            service_grants=alarm_topic_key_grants(config.account_id, publishers)))
        subscribers = config.ops.alarm_subscribers
        topic = AlarmTopic(self, "us-east-1-topic", AlarmTopicProps(
            name=f"{config.name_prefix}-alarms-us-east-1", encryption_key=key, account_id=config.account_id,
            emails=subscribers.emails, https_endpoints=subscribers.https_endpoints, publishers=publishers,
            partition=self.partition, provider=provider))
        self.export("us_east_1_alarm_topic_arn", topic.arn, "string",
                    "Alarm topic in us-east-1, for the alarms whose metrics live only there (billing, health checks)")
        self._east = (provider, topic)
        return self._east

    def _billing(self) -> None:
        """The budget and the EstimatedCharges alarm, both in us-east-1."""
        config, budget = self.config, self.config.ops.budget
        assert budget is not None
        provider, topic = self._us_east_1_topic()
        BillingGuard(self, "billing", BillingGuardProps(
            name=config.name_prefix, account_id=config.account_id, monthly_limit_usd=budget.monthly_limit_usd,
            us_east_1_provider=provider, alarm_topic_arn=topic.arn, threshold_percentages=budget.thresholds_percent,
            budget_topic_arn=topic.arn, estimated_charges_alarm=budget.billing_alarm, partition=self.partition))

    def _endpoint_health(self) -> None:
        """The Route 53 health check of the public endpoint, failing from the checkers' regions (us-east-1)."""
        config = self.config
        edge = self.remote_state(EdgeStack)
        provider, topic = self._us_east_1_topic()
        AlarmSet(self, "endpoint-alarms", AlarmSetProps(
            name_prefix=config.name_prefix, alarm_actions=[topic.arn],
            alarms=[endpoint_health_alarm(edge.get_string("health_check_id"))], provider=provider))
