"""The reports stack: seed 000's daily sales report (EventBridge Scheduler -> extractor Lambda in the
VPC -> report Lambda -> SNS e-mail), with its alarms on the environment's alarm topic.

Only where `ops.sales_report` is configured. It reads the network (app subnets, the app-tier group
that the database admits), the data stack (the orders database's endpoint, port, secret and the
key of that secret) and the ops stack (the alarm topic), all through remote state.
"""

from __future__ import annotations

from pathlib import Path

from constructs import Construct

from configuration import BlueprintConfig
from lambda_src.packaging import SALES_REPORT_DISTRIBUTIONS, staged_once
from modules.firewall import WorkloadSecurityGroup, WorkloadSecurityGroupProps
from modules.function import FunctionVpc, function_log_key_grant
from modules.kms import EncryptionKey, EncryptionKeyProps
from modules.monitoring import AlarmSet, AlarmSetProps, dead_letter_alarm, function_alarms
from modules.scheduled_report import OrdersDatabase, ScheduledReport, ScheduledReportProps
from stacks.base import PlatformStack, variable
from stacks.data import DataStack
from stacks.network import NetworkStack
from stacks.ops import OpsStack

SALES_REPORT_SOURCE = Path(__file__).resolve().parents[1] / "lambda_src" / "sales_report"


def staged_sales_report() -> Path:
    """The sales_report package with its database drivers, staged once per process."""
    return staged_once(SALES_REPORT_SOURCE, SALES_REPORT_DISTRIBUTIONS)


class ReportsStack(PlatformStack):
    layer = "reports"

    @classmethod
    def applies_to(cls, config: BlueprintConfig) -> bool:
        return config.ops.sales_report is not None

    def __init__(self, scope: Construct, config: BlueprintConfig) -> None:
        super().__init__(scope, config)
        report = config.ops.sales_report
        assert report is not None
        network, data, ops = (self.remote_state(NetworkStack), self.remote_state(DataStack),
                              self.remote_state(OpsStack))
        region, prefix = config.regions.primary, config.name_prefix
        key = EncryptionKey(self, "reports-key", EncryptionKeyProps(
            alias=f"{prefix}-reports", description=f"Sales report queue, topic, settings and logs of {prefix}",
            account_id=config.account_id, partition=self.partition,
            service_grants=[function_log_key_grant(region, config.account_id, self.partition)]))
        group = WorkloadSecurityGroup(self, "report-group", WorkloadSecurityGroupProps(
            name=f"{prefix}-sales-report", description="Sales report functions: HTTPS out and DNS only",
            vpc_id=network.get_string("vpc_id"), vpc_cidr=config.network.vpc_cidr))
        database = config.data.databases[report.database]
        db = variable(report.database)
        self.report = ScheduledReport(self, "sales-report", ScheduledReportProps(
            name=f"{prefix}-sales", code_dir=staged_sales_report(), encryption_key=key,
            database=OrdersDatabase(
                engine=database.engine, endpoint=data.get_string(f"database_{db}_endpoint"),
                port=data.get_string(f"database_{db}_port"), name=database.database_name,
                secret_arn=data.get_string(f"database_{db}_secret_arn"),
                secret_key_arn=data.get_string("kms_key_databases_arn")),
            # The app-tier group is the one the database admits; the function's own group adds HTTPS out.
            vpc=FunctionVpc(subnet_ids=network.get_list("app_subnet_ids"),
                            security_group_ids=[group.id, network.get_string("app_security_group_id")]),
            account_id=config.account_id, region=region, time_zone=report.time_zone, hour=report.hour,
            minute=report.minute, recipients=report.recipients, currency=report.currency, brand=report.brand,
            partition=self.partition))
        AlarmSet(self, "alarms", AlarmSetProps(
            name_prefix=prefix, alarm_actions=[ops.get_string("alarm_topic_arn")], alarms=[
                *function_alarms("sales-extractor", self.report.extractor.name),
                *function_alarms("sales-report", self.report.report.name),
                dead_letter_alarm("sales-report", self.report.dead_letter_queue.name)]))
        self.export("sales_report_topic_arn", self.report.topic.arn, "string", "Topic the daily report is mailed to")
        self.export("sales_report_extractor_name", self.report.extractor.name, "string", "Extractor function")
        self.export("sales_report_function_name", self.report.report.name, "string", "Report function")
        self.export("sales_report_failures_queue_url", self.report.dead_letter_queue.url, "string",
                    "Dead-letter queue of failed report runs (alarmed)")
        self.export("sales_report_schedule_name", self.report.schedule.name, "string", "The daily schedule")
