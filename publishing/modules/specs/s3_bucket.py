"""The `s3-bucket` module: modules.s3_bucket.SecureBucket with its own KMS key and access-log bucket."""

from __future__ import annotations

from modules.s3_bucket.bucket import STORAGE_CLASSES
from publishing.modules.common import ACCOUNT_ID, NAME, matches, one_of, region_and_partition, whole_number
from publishing.modules.spec import ModuleOutput, ModuleSpec, ModuleVariable, Validation


def _bucket_name(name: str, description: str) -> ModuleVariable:
    return ModuleVariable(name, "string", description, validations=[Validation(
        matches(f"var.{name}", "[a-z0-9][a-z0-9-]{1,61}[a-z0-9]"),
        f"{name} must be 3-63 lower-case letters, digits or hyphens, starting and ending with a letter or digit "
        "(no dots: they break HTTPS to the bucket's virtual-host name); fix: e.g. \"shop-prod-assets-123456789012\".")])


VARIABLES = [
    NAME,
    ACCOUNT_ID,
    _bucket_name("bucket_name", "Globally unique name of the bucket; ending it with the account id (e.g. "
                                "\"shop-prod-assets-123456789012\") keeps it unique."),
    _bucket_name("access_log_bucket_name", "Globally unique name of the bucket receiving the bucket's S3 server "
                                           "access logs (SSE-S3, the only encryption S3 log delivery supports; "
                                           "logs kept a year)."),
    one_of("transition_storage_class",
           "Storage class current objects move to after transition_days; default STANDARD_IA, cheaper storage for "
           "objects read less than monthly.", STORAGE_CLASSES, default="STANDARD_IA"),
    whole_number("transition_days",
                 "Days after creation current objects move to transition_storage_class; default 90. At least 30: "
                 "S3's minimum for the infrequent-access classes.", 30, 36500, default=90, unit=" days"),
    whole_number("noncurrent_version_expiration_days",
                 "Days an overwritten or deleted object's old version is kept before S3 deletes it (versioning is "
                 "always on); default 90, time to notice a mistake and restore.", 1, 36500, default=90, unit=" days"),
    ModuleVariable(
        "force_destroy", "bool",
        "Let `terraform destroy` delete the bucket while it still holds objects; default false, so a destroy "
        "cannot silently take the data with it. Only for throw-away environments.", default=False),
]


def build(scope, inputs):
    from modules.kms import EncryptionKey, EncryptionKeyProps
    from modules.s3_bucket import LifecycleRule, SecureBucket, SecureBucketProps
    from stacks.storage import access_log_bucket

    _, partition = region_and_partition(scope)
    name, account_id = inputs["name"], inputs["account_id"]
    key = EncryptionKey(scope, "bucket-key", EncryptionKeyProps(
        alias=f"{name}-bucket", description=f"Objects of the {name} bucket", account_id=account_id,
        partition=partition))
    access_logs = access_log_bucket(scope, "access-logs", inputs["access_log_bucket_name"], account_id)
    bucket = SecureBucket(scope, "bucket", SecureBucketProps(
        bucket_name=inputs["bucket_name"], encryption_key=key, access_logs_to=access_logs,
        force_destroy=inputs["force_destroy"],
        lifecycle_rules=(LifecycleRule(
            id="tier-and-expire-old-versions",
            transitions=((inputs["transition_days"], inputs["transition_storage_class"]),),
            noncurrent_expiration_days=inputs["noncurrent_version_expiration_days"]),)))
    return {
        "bucket_name": ModuleOutput(bucket.name, "Name of the bucket"),
        "bucket_arn": ModuleOutput(bucket.arn, "ARN of the bucket (IAM policies grant on it and on `<arn>/*`)"),
        "bucket_regional_domain_name": ModuleOutput(bucket.bucket.bucket_regional_domain_name,
                                                    "Regional domain name of the bucket (e.g. a CloudFront origin)"),
        "kms_key_arn": ModuleOutput(key.arn, "KMS key encrypting the objects: readers and writers need kms:Decrypt "
                                             "and kms:GenerateDataKey on it"),
        "access_log_bucket_name": ModuleOutput(access_logs.name, "Bucket receiving the server access logs"),
        "access_log_bucket_arn": ModuleOutput(access_logs.arn, "ARN of the access-log bucket"),
    }


SPEC = ModuleSpec(
    name="s3-bucket",
    construct="modules.s3_bucket.SecureBucket",
    summary=(
        "A private S3 bucket as every stack of the project builds it: all public access blocked, ACLs disabled "
        "(bucket owner enforced), versioning on, SSE-KMS with a customer-managed key of its own (rotated yearly) "
        "and S3 Bucket Keys, a policy refusing plain HTTP and TLS below 1.2, server access logs to a separate "
        "SSE-S3 log bucket (itself private, versioned, TLS-only, logs expired after a year), and a lifecycle that "
        "moves current objects to a cheaper class, expires old versions and aborts stale multipart uploads."),
    variables=VARIABLES,
    build=build,
    fixed=(
        "One lifecycle rule over the whole bucket with one transition (the construct's `lifecycle_rules` take "
        "any number of rules, prefixes and noncurrent-version transitions).",
        "Its own access-log bucket (in Python, several buckets share one: `access_logs_to`).",
        "Its own KMS key (in Python, buckets of one data domain share a key: `encryption_key`).",
        "No replication (`modules.s3_bucket.replication` adds a replica in another region).",
    ),
    notes=(
        "Readers and writers need both the bucket (s3:GetObject, s3:PutObject on `bucket_arn`/*) and the key "
        "(kms:Decrypt, kms:GenerateDataKey on `kms_key_arn`) in their IAM policies.",
    ),
)
