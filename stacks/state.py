"""The state bootstrap stack: the encrypted, versioned, logged S3 bucket every other stack keeps its state in.

It cannot keep its own state in a bucket it has not created yet, so it starts on local state in
`bootstrap-state/` (outside cdktf.out/, which every synth replaces). Once applied, set
`state.bootstrap_backend: s3` and run `terraform init -migrate-state` to move it into its own bucket.
"""

from __future__ import annotations

from pathlib import Path

from constructs import Construct

from configuration import BlueprintConfig
from modules.kms import EncryptionKey, EncryptionKeyProps
from modules.s3_bucket import LifecycleRule, SecureBucket, SecureBucketProps
from stacks.base import PlatformStack

BOOTSTRAP_STATE_DIR = Path(__file__).resolve().parent.parent / "bootstrap-state"


class StateStack(PlatformStack):
    layer = "state"

    def configure_backend(self) -> str:
        if self.config.state.bootstrap_backend == "s3":
            return super().configure_backend()
        return self.use_local_backend(str(BOOTSTRAP_STATE_DIR / f"{self.stack_name(self.config)}.tfstate"))

    def __init__(self, scope: Construct, config: BlueprintConfig) -> None:
        super().__init__(scope, config)
        prefix = config.name_prefix
        key = EncryptionKey(self, "state-key", EncryptionKeyProps(
            alias=f"{prefix}-terraform-state", description=f"Terraform state of {prefix}",
            account_id=config.account_id, partition=self.partition))
        access_logs = SecureBucket(self, "access-logs", SecureBucketProps(
            bucket_name=f"{config.state_bucket}-access-logs"[:63], encryption_key=None, access_logs_to=None,
            receives_access_logs=True, account_id=config.account_id,
            lifecycle_rules=[LifecycleRule(id="expire-access-logs", expiration_days=365,
                                           noncurrent_expiration_days=30)]))
        state = SecureBucket(self, "state-bucket", SecureBucketProps(
            bucket_name=config.state_bucket, encryption_key=key, access_logs_to=access_logs,
            lifecycle_rules=[LifecycleRule(id="expire-old-state-versions", noncurrent_expiration_days=90)]))
        self.export("state_bucket_name", state.name, "string", "S3 bucket holding every stack's Terraform state")
        self.export("state_bucket_arn", state.arn, "string", "ARN of the state bucket, for deploy-role policies")
        self.export("state_kms_key_arn", key.arn, "string", "KMS key encrypting the state objects")
        self.export("access_log_bucket_name", access_logs.name, "string",
                    "Bucket receiving S3 server access logs (SSE-S3, as S3 requires for log targets)")
