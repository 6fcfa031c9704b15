"""A Secrets Manager secret created without a value: credentials never pass through configuration,
code, Terraform state or outputs. An operator (or the issuing system) puts the value; the
application reads it by ARN at run time."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import Fn
from cdktf_cdktf_provider_aws.secretsmanager_secret import SecretsmanagerSecret, SecretsmanagerSecretReplica
from constructs import Construct

from modules.kms import EncryptionKey


@dataclass(frozen=True)
class SecretReplica:
    """Where Secrets Manager keeps a read-only copy of a secret (the same name and value, updated with it):
    a DR standby's region, under a key of that region."""

    region: str
    encryption_key_arn: str
    """A KMS key in `region` (Secrets Manager cannot use a key of another region)."""


@dataclass(frozen=True)
class AppSecretProps:
    name: str
    """Full secret name, '<project>/<env>/<name>', so IAM policies can scope by that prefix."""
    description: str
    encryption_key: EncryptionKey
    recovery_window_days: int = 30
    """Default the maximum: a deleted secret can be restored for 30 days (0 deletes at once)."""
    replica: SecretReplica | None = None
    """Default none. A DR standby's region: the standby reads the replica there, which keeps serving when the
    secret's own region is down (after a failover, `aws secretsmanager stop-replication-to-replica` makes
    it a standalone, writable secret)."""

    def __post_init__(self) -> None:
        if self.recovery_window_days != 0 and not 7 <= self.recovery_window_days <= 30:
            raise ValueError(f"secret {self.name!r}: recovery_window_days={self.recovery_window_days}; "
                             "fix: use 7 to 30 (or 0 to delete immediately)")


class AppSecret(Construct):
    def __init__(self, scope: Construct, id: str, props: AppSecretProps) -> None:
        super().__init__(scope, id)
        self.props = props
        self.secret = SecretsmanagerSecret(
            self, "secret", name=props.name, description=props.description,
            kms_key_id=props.encryption_key.arn, recovery_window_in_days=props.recovery_window_days,
            replica=[SecretsmanagerSecretReplica(region=props.replica.region,
                                                 kms_key_id=props.replica.encryption_key_arn)]
            if props.replica else None)

    @property
    def arn(self) -> str:
        return self.secret.arn


def replica_arn(secret_arn: str, primary_region: str, replica_region: str) -> str:
    """A replicated secret's ARN in `replica_region`: Secrets Manager keeps the name and suffix."""
    return Fn.replace(secret_arn, f":{primary_region}:", f":{replica_region}:")
