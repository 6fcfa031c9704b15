"""Storage pieces every stack with buckets needs once per region: a KMS key for the buckets and the
SSE-S3 bucket their server access logs go to (S3 cannot deliver access logs to an SSE-KMS bucket)."""

from __future__ import annotations

from cdktf_cdktf_provider_aws.provider import AwsProvider
from constructs import Construct

from modules.kms import EncryptionKey, EncryptionKeyProps, ServiceGrant
from modules.s3_bucket import LifecycleRule, SecureBucket, SecureBucketProps

ACCESS_LOG_LIFECYCLE = (LifecycleRule(id="expire-access-logs", expiration_days=365, noncurrent_expiration_days=30),)


def bucket_key(scope: Construct, id: str, alias: str, description: str, account_id: str, partition: str,
               provider: AwsProvider | None = None, service_grants: tuple[ServiceGrant, ...] = ()) -> EncryptionKey:
    return EncryptionKey(scope, id, EncryptionKeyProps(
        alias=alias, description=description, account_id=account_id, partition=partition,
        service_grants=service_grants, provider=provider))


def access_log_bucket(scope: Construct, id: str, bucket_name: str, account_id: str,
                      provider: AwsProvider | None = None) -> SecureBucket:
    """The region's access-log target: SSE-S3, delivery only from this account, logs kept a year."""
    return SecureBucket(scope, id, SecureBucketProps(
        bucket_name=bucket_name, encryption_key=None, access_logs_to=None, receives_access_logs=True,
        account_id=account_id, lifecycle_rules=ACCESS_LOG_LIFECYCLE, provider=provider))
