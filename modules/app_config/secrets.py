"""A Secrets Manager secret created without a value: credentials never pass through configuration,
code, Terraform state or outputs. An operator (or the issuing system) puts the value; the
application reads it by ARN at run time."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.secretsmanager_secret import SecretsmanagerSecret
from constructs import Construct

from modules.kms import EncryptionKey


@dataclass(frozen=True)
class AppSecretProps:
    name: str
    """Full secret name, '<project>/<env>/<name>', so IAM policies can scope by that prefix."""
    description: str
    encryption_key: EncryptionKey
    recovery_window_days: int = 30
    """Default the maximum: a deleted secret can be restored for 30 days (0 deletes at once)."""

    def __post_init__(self) -> None:
        if self.recovery_window_days != 0 and not 7 <= self.recovery_window_days <= 30:
            raise ValueError(f"secret {self.name!r}: recovery_window_days={self.recovery_window_days}; "
                             "fix: use 7 to 30 (or 0 to delete immediately)")


class AppSecret(Construct):
    def __init__(self, scope: Construct, id: str, props: AppSecretProps) -> None:
        super().__init__(scope, id)
        self.secret = SecretsmanagerSecret(
            self, "secret", name=props.name, description=props.description,
            kms_key_id=props.encryption_key.arn, recovery_window_in_days=props.recovery_window_days)

    @property
    def arn(self) -> str:
        return self.secret.arn
