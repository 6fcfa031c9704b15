"""The `report` module: seed 000's daily sales report (modules.scheduled_report.ScheduledReport) with its key,
security group and alarms, as the reports stack builds it; the Lambda code ships in the module's assets/."""

from __future__ import annotations

from publishing.modules.common import (
    ACCOUNT_ID,
    NAME,
    VPC_ID,
    email_addresses,
    kms_key_arn,
    matches,
    one_of,
    region_and_partition,
    security_group_id,
    sns_topic_arn,
    subnet_ids,
    whole_number,
)
from publishing.modules.spec import ModuleOutput, ModuleSpec, ModuleVariable, Validation

SECRET_ARN = r"arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+"

VARIABLES = [
    NAME,
    ACCOUNT_ID,
    VPC_ID,
    ModuleVariable(
        "vpc_cidr", "string",
        "IPv4 range of the VPC (the network module's `vpc_cidr`): the functions' DNS goes to its resolver (base "
        "address + 2) only.",
        validations=[Validation("can(cidrhost(var.vpc_cidr, 2))",
                                "vpc_cidr must be an IPv4 CIDR such as \"10.42.0.0/16\"; fix: pass "
                                "module.network.vpc_cidr.")]),
    subnet_ids("subnet_ids", "Private app subnets the extractor runs in (the network module's `app_subnet_ids`), "
               "with a route to the database and, through NAT or endpoints, to Secrets Manager and SNS."),
    security_group_id("client_security_group_id",
                      "The security group the database admits (the network module's `app_security_group_id`): the "
                      "functions join it; their own group adds HTTPS out and DNS."),
    one_of("database_engine", "Engine of the orders database: \"mysql\" (PyMySQL) or \"postgres\" (pg8000).",
           ("mysql", "postgres"), default="mysql"),
    ModuleVariable(
        "database_endpoint", "string", "Host name of the orders database (the rds module's `endpoint`).",
        validations=[Validation(matches("var.database_endpoint", "[a-z0-9.-]+"),
                                "database_endpoint must be a host name without port or scheme; fix: pass "
                                "module.rds.endpoint.")]),
    whole_number("database_port", "Port of the orders database (the rds module's `port`).", 1, 65535),
    ModuleVariable(
        "database_name", "string", "Database holding the orders table, e.g. \"orders\".",
        validations=[Validation(matches("var.database_name", "[A-Za-z][A-Za-z0-9_]{0,62}"),
                                "database_name must be 1-63 letters, digits or underscores, starting with a letter; "
                                "fix: pass the name the rds module was given.")]),
    ModuleVariable(
        "database_secret_arn", "string",
        "Secrets Manager secret with the JSON username and password the extractor signs in with (the rds "
        "module's `master_user_secret_arn`, or a read-only user's secret).",
        validations=[Validation(matches("var.database_secret_arn", SECRET_ARN),
                                "database_secret_arn must be a Secrets Manager secret ARN, arn:aws:secretsmanager:"
                                "<region>:<account>:secret:<name>; fix: pass module.rds.master_user_secret_arn.")]),
    kms_key_arn("database_secret_key_arn", "KMS key of that secret (the rds module's `kms_key_arn`): the extractor "
                "may decrypt with it only through Secrets Manager."),
    email_addresses("recipient_emails", "Who the report is mailed to; each address must confirm its SNS "
                    "subscription mail."),
    sns_topic_arn(
        "alarm_topic_arn",
        "SNS topic the report's alarms notify (function errors and throttles, failed runs in the dead-letter queue): "
        "a missed morning report pages someone instead of passing unnoticed."),
    ModuleVariable(
        "time_zone", "string",
        "IANA time zone of the shop: the report runs at hour:minute there (daylight saving included) and covers "
        "its yesterday.", default="UTC",
        validations=[Validation(matches("var.time_zone", "UTC|[A-Z][A-Za-z_]+(/[A-Za-z0-9_+-]+){1,2}"),
                                "time_zone must be an IANA zone name such as \"Europe/Berlin\" or \"UTC\"; fix: pick "
                                "the shop's zone from the tz database.")]),
    whole_number("hour", "Hour of the day (0-23, local time) the report runs; seed 000: 8.", 0, 23, default=8),
    whole_number("minute", "Minute of the hour (0-59) the report runs.", 0, 59, default=0),
    ModuleVariable(
        "currency", "string", "ISO 4217 code the report's amounts are shown in.", default="USD",
        validations=[Validation(matches("var.currency", "[A-Z]{3}"),
                                "currency must be a three-letter ISO 4217 code; fix: e.g. \"EUR\".")]),
    ModuleVariable("brand", "string", "Name shown in the report's subject, e.g. the shop's name.", default="Daily",
                   validations=[Validation("length(var.brand) >= 1 && length(var.brand) <= 40",
                                           "brand must be 1 to 40 characters; fix: shorten it.")]),
]


def build(scope, inputs):
    from cdktf import Token

    from modules.firewall import WorkloadSecurityGroup, WorkloadSecurityGroupProps
    from modules.function import FunctionVpc, function_log_key_grant
    from modules.kms import EncryptionKey, EncryptionKeyProps
    from modules.monitoring import AlarmSet, AlarmSetProps, dead_letter_alarm, function_alarms
    from modules.scheduled_report import OrdersDatabase, ScheduledReport, ScheduledReportProps
    from stacks.reports import staged_sales_report

    region, partition = region_and_partition(scope)
    name, account_id = inputs["name"], inputs["account_id"]
    key = EncryptionKey(scope, "reports-key", EncryptionKeyProps(
        alias=f"{name}-reports", description=f"Sales report queue, topic, settings and logs of {name}",
        account_id=account_id, partition=partition,
        service_grants=[function_log_key_grant(region, account_id, partition)]))
    group = WorkloadSecurityGroup(scope, "report-group", WorkloadSecurityGroupProps(
        name=f"{name}-sales-report", description="Sales report functions: HTTPS out and DNS only",
        vpc_id=inputs["vpc_id"], vpc_cidr=inputs["vpc_cidr"]))
    report = ScheduledReport(scope, "sales-report", ScheduledReportProps(
        name=name, code_dir=staged_sales_report(), encryption_key=key,
        database=OrdersDatabase(
            engine=inputs["database_engine"], endpoint=inputs["database_endpoint"],
            port=Token.as_string(inputs["database_port"]), name=inputs["database_name"],
            secret_arn=inputs["database_secret_arn"], secret_key_arn=inputs["database_secret_key_arn"]),
        vpc=FunctionVpc(subnet_ids=inputs["subnet_ids"],
                        security_group_ids=[group.id, inputs["client_security_group_id"]]),
        account_id=account_id, region=region, time_zone=inputs["time_zone"], hour=inputs["hour"],
        minute=inputs["minute"], recipients=inputs["recipient_emails"], currency=inputs["currency"],
        brand=inputs["brand"], partition=partition))
    AlarmSet(scope, "alarms", AlarmSetProps(name_prefix=name, alarm_actions=[inputs["alarm_topic_arn"]], alarms=[
        *function_alarms("sales-extractor", report.extractor.name),
        *function_alarms("sales-report", report.report.name),
        dead_letter_alarm("sales-report", report.dead_letter_queue.name)]))
    return {
        "topic_arn": ModuleOutput(report.topic.arn, "Topic the daily report is mailed to (subscribe more here)"),
        "extractor_function_name": ModuleOutput(report.extractor.name, "Function reading yesterday's orders"),
        "extractor_function_arn": ModuleOutput(report.extractor.arn, "ARN of the extractor (invoke to re-run)"),
        "report_function_name": ModuleOutput(report.report.name, "Function formatting and mailing the report"),
        "failures_queue_url": ModuleOutput(report.dead_letter_queue.url, "Dead-letter queue of failed runs (alarmed)"),
        "schedule_name": ModuleOutput(report.schedule.name, "The EventBridge Scheduler schedule"),
        "security_group_id": ModuleOutput(group.id, "The functions' own group (HTTPS out, DNS to the resolver)"),
        "kms_key_arn": ModuleOutput(key.arn, "Key of the queue, topic, function settings and logs"),
    }


SPEC = ModuleSpec(
    name="report",
    construct="modules.scheduled_report.ScheduledReport",
    summary=(
        "Seed 000's daily sales report as a pipeline nobody has to watch: EventBridge Scheduler starts the "
        "extractor Lambda at a local time of day; it reads yesterday's orders from the database inside the VPC "
        "(TLS, credentials from Secrets Manager) and hands the totals to the report Lambda, which mails them "
        "through an encrypted SNS topic. Any failure after retries lands in one encrypted dead-letter queue; "
        "alarms on it and on both functions' errors and throttles notify your alarm topic. The functions have "
        "their own least-privilege roles, KMS-encrypted settings and logs (a year), X-Ray tracing, reserved "
        "concurrency 1 and a security group with HTTPS out and DNS to the VPC resolver only. The code (the "
        "sales_report package with PyMySQL and pg8000) ships in the module's `assets/`."),
    variables=VARIABLES,
    build=build,
    fixed=(
        "The report of seed 000 (lambda_src/sales_report): yesterday's order count, revenue and top items.",
        "Python 3.12 on arm64, 256 MB, logs kept 365 days (ServerlessFunctionProps set others from Python).",
    ),
    notes=(
        "The database must admit `client_security_group_id` (the rds module does), and the subnets need a way to "
        "Secrets Manager and SNS (the network module's NAT gateways).",
        "The database user needs SELECT on the orders tables (lambda_src/sales_report/schema/).",
    ),
)
