"""The `cloudtrail` module: modules.audit.AuditTrail with its key and buckets, and SecurityEventAlarms (the CIS
monitoring controls) notifying an alarm topic, as the ops stack builds them."""

from __future__ import annotations

from configuration.schema import LOG_RETENTION_DAYS
from publishing.modules.common import ACCOUNT_ID, NAME, region_and_partition, sns_topic_arn
from publishing.modules.spec import ModuleOutput, ModuleSpec, ModuleVariable, Validation

RETENTION_DAYS = str([days for days in LOG_RETENTION_DAYS if days >= 365])
"""The CloudWatch Logs retentions of at least a year (modules.audit.trail.RETENTION_DAYS), as an HCL list; from the
configuration's table because importing the construct here would start jsii before the runtime is prepared."""
GLACIER_AFTER_DAYS = 90

VARIABLES = [
    NAME,
    ACCOUNT_ID,
    sns_topic_arn(
        "alarm_topic_arn",
        "SNS topic (in the provider's region) every security alarm notifies on ALARM and on OK, e.g. the alarms "
        "module's topic. Required: an alarm nobody receives protects nothing. Its key policy must let "
        "cloudwatch.amazonaws.com publish."),
    ModuleVariable(
        "log_retention_days", "number",
        "Days the trail's CloudWatch Logs copy is kept (what the security alarms search). At least a year (CIS, "
        "checkov CKV_AWS_338); the bucket's log files are the long-term record.", default=365,
        validations=[Validation(f"contains({RETENTION_DAYS}, var.log_retention_days)",
                                f"log_retention_days must be a CloudWatch Logs retention of a year or more: one of "
                                f"{RETENTION_DAYS}; fix: 365.")]),
]


def build(scope, inputs):
    from modules.audit import (
        AuditTrail,
        AuditTrailProps,
        SecurityEventAlarms,
        SecurityEventAlarmsProps,
        cloudtrail_key_grants,
        trail_arn,
    )
    from modules.kms import EncryptionKey, EncryptionKeyProps
    from modules.s3_bucket import LifecycleRule, SecureBucket, SecureBucketProps
    from stacks.storage import access_log_bucket

    region, partition = region_and_partition(scope)
    name, account_id = inputs["name"], inputs["account_id"]
    trail_name, log_group_name = f"{name}-audit", f"/aws/cloudtrail/{name}"
    key = EncryptionKey(scope, "trail-key", EncryptionKeyProps(
        alias=f"{name}-audit-trail", description=f"CloudTrail log files and log group of {name}",
        account_id=account_id, partition=partition,
        service_grants=cloudtrail_key_grants(account_id, region, trail_name, log_group_name, partition)))
    access_logs = access_log_bucket(scope, "trail-access-logs", f"{name}-trail-access-logs-{account_id}", account_id)
    bucket = SecureBucket(scope, "trail-bucket", SecureBucketProps(
        bucket_name=f"{name}-audit-trail-{account_id}", encryption_key=key, access_logs_to=access_logs,
        cloudtrail_writer_trail_arn=trail_arn(account_id, region, trail_name, partition),
        lifecycle_rules=(LifecycleRule(id="trail-files-to-glacier", transitions=((GLACIER_AFTER_DAYS, "GLACIER"),),
                                       noncurrent_expiration_days=90),)))
    trail = AuditTrail(scope, "audit-trail", AuditTrailProps(
        name=trail_name, account_id=account_id, region=region, encryption_key=key, bucket=bucket,
        log_group_name=log_group_name, log_retention_days=inputs["log_retention_days"], partition=partition))
    security = SecurityEventAlarms(scope, "security-alarms", SecurityEventAlarmsProps(
        log_group_name=trail.log_group_name, alarm_topic_arns=[inputs["alarm_topic_arn"]], name_prefix=name,
        namespace=f"{name}/Security"))
    return {
        "trail_arn": ModuleOutput(trail.arn, "Multi-region CloudTrail trail of the account"),
        "trail_name": ModuleOutput(trail.trail.name, "Name of the trail ('<name>-audit')"),
        "bucket_name": ModuleOutput(bucket.name, "Bucket of the trail's log files (SSE-KMS, Glacier after 90 days)"),
        "access_log_bucket_name": ModuleOutput(access_logs.name, "Bucket of the trail bucket's server access logs"),
        "log_group_name": ModuleOutput(trail.log_group_name, "CloudWatch Logs copy of the trail (the alarms' source)"),
        "kms_key_arn": ModuleOutput(key.arn, "Customer key of the log files and the log group"),
        "security_alarm_arns": ModuleOutput({key: alarm.arn for key, alarm in security.alarms.items()},
                                            "The CIS monitoring alarms by control (e.g. root-account-usage), for "
                                            "a dashboard"),
        "security_metric_namespace": ModuleOutput(f"{name}/Security", "CloudWatch namespace of the CIS metrics"),
    }


SPEC = ModuleSpec(
    name="cloudtrail",
    construct="modules.audit.AuditTrail",
    summary=(
        "The account's audit trail: a multi-region CloudTrail trail with global service events and log file "
        "validation, writing to a dedicated versioned, TLS-only bucket under a customer-managed key (admitting this "
        "trail only; log files to Glacier after 90 days; server access logs to a bucket of their own) and to a "
        "KMS-encrypted CloudWatch Logs group. On that group, the CIS AWS Foundations Benchmark monitoring controls "
        "(4.1-4.15: root use, console sign-in without MFA, IAM policy, trail, KMS, security group, NACL, route, VPC "
        "and Organizations changes, ...) each have a metric filter and an alarm notifying your alarm topic "
        "(modules.audit.SecurityEventAlarms)."),
    variables=VARIABLES,
    build=build,
    fixed=(
        "The trail is named '<name>-audit', its log group '/aws/cloudtrail/<name>', its buckets "
        "'<name>-audit-trail-<account_id>' and '<name>-trail-access-logs-<account_id>'.",
        f"Log files move to Glacier after {GLACIER_AFTER_DAYS} days and are never expired by the module.",
        "Every CIS control is alarmed at 1 matching event per 5 minutes (SecurityEventAlarmsProps.threshold sets "
        "another from Python).",
        "Management events only (no data events).",
    ),
    notes=(
        "One multi-region trail per account is enough; apply this module once per account, in its home region.",
        "The alarm topic's key must let cloudwatch.amazonaws.com use it (the alarms module's topic does).",
    ),
)
