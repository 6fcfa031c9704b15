"""The state bootstrap stack: the encrypted, versioned, logged S3 bucket every other stack keeps its state in.

It cannot keep its own state in a bucket it has not created yet, so it starts on local state in
`bootstrap-state/` (outside cdktf.out/, which every synth replaces). Once applied, set
`state.bootstrap_backend: s3` and run `terraform init -migrate-state` to move it into its own bucket.
"""

from __future__ import annotations

from pathlib import Path

from cdktf_cdktf_provider_aws.provider import AwsProvider
from constructs import Construct

from configuration import BlueprintConfig
from modules.kms import EncryptionKey
from modules.s3_bucket import LifecycleRule, SecureBucket, SecureBucketProps
from modules.s3_bucket.replication import BucketReplication, BucketReplicationProps
from stacks.base import PlatformStack
from stacks.storage import access_log_bucket, bucket_key

STATE_LIFECYCLE = (LifecycleRule(id="expire-old-state-versions", noncurrent_expiration_days=90),)

BOOTSTRAP_STATE_DIR = Path(__file__).resolve().parent.parent / "bootstrap-state"


class StateStack(PlatformStack):
    layer = "state"

    @classmethod
    def region(cls, config: BlueprintConfig) -> str:
        return config.state_region  # the bucket lives where every backend looks for it

    def configure_backend(self) -> str:
        if self.config.state.bootstrap_backend == "s3":
            return super().configure_backend()
        return self.use_local_backend(str(BOOTSTRAP_STATE_DIR / f"{self.stack_name(self.config)}.tfstate"))

    def __init__(self, scope: Construct, config: BlueprintConfig) -> None:
        super().__init__(scope, config)
        key, access_logs = self._key_and_access_logs("state", config.state_region, config.state_access_log_bucket)
        state = SecureBucket(self, "state-bucket", SecureBucketProps(
            bucket_name=config.state_bucket, encryption_key=key, access_logs_to=access_logs,
            lifecycle_rules=STATE_LIFECYCLE))
        self.export("state_bucket_name", state.name, "string", "S3 bucket holding every stack's Terraform state")
        self.export("state_bucket_arn", state.arn, "string", "ARN of the state bucket, for deploy-role policies")
        self.export("state_kms_key_arn", key.arn, "string", "KMS key encrypting the state objects")
        self.export("access_log_bucket_name", access_logs.name, "string",
                    "Bucket receiving S3 server access logs (SSE-S3, as S3 requires for log targets)")
        if config.regions.secondary:
            self._replicate(state, key, config.regions.secondary)

    def _key_and_access_logs(self, purpose: str, region: str, log_bucket: str, provider: AwsProvider | None = None
                             ) -> tuple[EncryptionKey, SecureBucket]:
        config = self.config
        key = bucket_key(self, f"{purpose}-key", f"{config.name_prefix}-terraform-{purpose}",
                         f"Terraform {purpose} of {config.name_prefix} in {region}", config.account_id,
                         self.partition, provider)
        access_logs = access_log_bucket(self, f"{purpose}-access-logs" if provider else "access-logs", log_bucket,
                                        config.account_id, provider)
        return key, access_logs

    def _replicate(self, state: SecureBucket, key: EncryptionKey, region: str) -> None:
        """A replica of every state version in the secondary region, under its own key and access logs."""
        config = self.config
        assert config.state_replica_bucket and config.state_replica_access_log_bucket  # set with a secondary region
        secondary = self.aws_provider("aws-secondary", region, alias="secondary")
        replica_key, replica_logs = self._key_and_access_logs(
            "state-replica", region, config.state_replica_access_log_bucket, provider=secondary)
        replica = SecureBucket(self, "state-replica", SecureBucketProps(
            bucket_name=config.state_replica_bucket, encryption_key=replica_key,
            access_logs_to=replica_logs, lifecycle_rules=STATE_LIFECYCLE, provider=secondary))
        BucketReplication(self, "state-replication", BucketReplicationProps(
            source=state, source_key=key, source_region=config.state_region, destination=replica,
            destination_key=replica_key, destination_region=region,
            role_name=f"{config.name_prefix}-state-replication", account_id=config.account_id))
        self.export("state_replica_bucket_name", replica.name, "string",
                    f"Replica of the state bucket in {region}: every version, re-encrypted with its own key")
