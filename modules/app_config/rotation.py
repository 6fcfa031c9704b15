"""Rotation of the generated application secrets (data.secrets.<name>.generated, seed 002: "Secrets Manager with
automatic rotation"): one function per environment (lambda_src/secret_rotation) that Secrets Manager calls with its
four steps, and a rotation schedule per secret.

- The function: a ServerlessFunction (its own role, log group, X-Ray, reserved concurrency of one per secret so two
  rotations at once are never throttled, a dead-letter queue) under a key of its own (logs, settings, dead letters).
  Its settings list the secrets it may rotate with their lengths; any other secret is refused.
- Not in the VPC: it calls only Secrets Manager's regional API and reaches nothing inside the network, so a
  place there would add a dependency on the NAT gateways (or an interface endpoint) and protect nothing
  (checkov CKV_AWS_117 is accepted with that reason in compliance/accepted_findings.yaml).
- Its role: DescribeSecret, GetSecretValue, PutSecretValue and UpdateSecretVersionStage on exactly these secrets,
  GetRandomPassword (which has no resource), and the secrets' key only through Secrets Manager.
- Secrets Manager of this account may invoke it; each secret's schedule rotates every `rotation_days`, and at once
  when created, so a new secret has its first value when the apply ends.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
)
from cdktf_cdktf_provider_aws.lambda_permission import LambdaPermission
from cdktf_cdktf_provider_aws.secretsmanager_secret_rotation import (
    SecretsmanagerSecretRotation,
    SecretsmanagerSecretRotationRotationRules,
)
from constructs import Construct

from modules.function import ServerlessFunction, ServerlessFunctionProps, dead_letter_queue, function_log_key_grant
from modules.kms import EncryptionKey, EncryptionKeyProps
from modules.monitoring import AlarmSpec, function_alarms

HANDLER = "secret_rotation.handler.handler"
SETTINGS_VARIABLE = "GENERATED_SECRETS"
"""lambda_src/secret_rotation/settings.py reads the secrets it may rotate from this variable."""
TIMEOUT_SECONDS = 60
"""Each step is two or three Secrets Manager calls; a minute leaves room for retries of throttled calls."""
ROTATION_ACTIONS = ("secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue",
                    "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage")


@dataclass(frozen=True)
class RotatedSecret:
    key: str
    """The secret's name under data.secrets, e.g. 'jwt-signing-key' (construct ids)."""
    name: str
    """Its full name, e.g. 'saas/prod/jwt-signing-key' (the function's allow-list)."""
    arn: str
    rotation_days: int
    length: int = 64
    """Characters of each value: letters and digits."""

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9-]{0,63}", self.key):
            raise ValueError(f"rotated secret key {self.key!r}; fix: lower-case letters, digits and hyphens")
        if not 1 <= self.rotation_days <= 1000:
            raise ValueError(f"secret {self.name!r}: rotation_days {self.rotation_days}; fix: 1 to 1000 (Secrets "
                             "Manager's range)")
        if not 32 <= self.length <= 4096:
            raise ValueError(f"secret {self.name!r}: length {self.length}; fix: 32 to 4096 characters")


@dataclass(frozen=True)
class SecretRotationProps:
    function_name: str
    """e.g. 'saas-prod-secret-rotation'; its key alias, dead-letter queue and role are named after it."""
    secrets: Sequence[RotatedSecret]
    secrets_key_arn: str
    """The key the secrets are encrypted with: the function uses it only through Secrets Manager."""
    code_dir: Path
    """The staged lambda_src/secret_rotation package."""
    region: str
    account_id: str
    partition: str = "aws"

    def __post_init__(self) -> None:
        if not self.secrets:
            raise ValueError(f"rotation {self.function_name!r} has no secrets; fix: build it only for generated ones")
        keys = [secret.key for secret in self.secrets]
        if len(set(keys)) != len(keys):
            raise ValueError(f"rotation {self.function_name!r}: secrets {keys} repeat a key; fix: list each once")


class SecretRotation(Construct):
    def __init__(self, scope: Construct, id: str, props: SecretRotationProps) -> None:
        super().__init__(scope, id)
        name = props.function_name
        self.key = EncryptionKey(self, "key", EncryptionKeyProps(
            alias=name, description=f"Rotation function {name}: its logs, settings and dead letters",
            account_id=props.account_id, partition=props.partition,
            service_grants=[function_log_key_grant(props.region, props.account_id, props.partition)]))
        self.dead_letter_queue = dead_letter_queue(self, f"{name}-failures", self.key)
        self.function = ServerlessFunction(self, "function", ServerlessFunctionProps(
            name=name, description="Rotates the generated secrets: a new random value in each (Secrets Manager's "
            "four steps)", code_dir=props.code_dir, handler=HANDLER, encryption_key=self.key,
            account_id=props.account_id, dead_letter_queue_arn=self.dead_letter_queue.arn,
            reserved_concurrency=len(props.secrets), memory_mb=128, timeout_seconds=TIMEOUT_SECONDS,
            environment={SETTINGS_VARIABLE: settings(props.secrets)}, statements=self._statements(props),
            partition=props.partition))
        self.permission = LambdaPermission(
            self, "invoke-permission", statement_id="SecretsManagerOfThisAccountRotates",
            action="lambda:InvokeFunction", function_name=self.function.name, principal="secretsmanager.amazonaws.com",
            source_account=props.account_id)
        self.schedules = {secret.key: SecretsmanagerSecretRotation(
            self, f"{secret.key}-schedule", secret_id=secret.arn, rotation_lambda_arn=self.function.arn,
            rotation_rules=SecretsmanagerSecretRotationRotationRules(automatically_after_days=secret.rotation_days),
            rotate_immediately=True, depends_on=[self.permission]) for secret in props.secrets}

    @staticmethod
    def _statements(props: SecretRotationProps) -> list[DataAwsIamPolicyDocumentStatement]:
        arns = [secret.arn for secret in props.secrets]
        return [
            DataAwsIamPolicyDocumentStatement(sid="RotateTheGeneratedSecretsOnly", actions=list(ROTATION_ACTIONS),
                                              resources=arns),
            DataAwsIamPolicyDocumentStatement(sid="DrawRandomValues", actions=["secretsmanager:GetRandomPassword"],
                                              resources=["*"]),  # an account-level call without a resource
            DataAwsIamPolicyDocumentStatement(
                sid="SecretsKeyThroughSecretsManager", actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=[props.secrets_key_arn],
                condition=[DataAwsIamPolicyDocumentStatementCondition(
                    test="StringEquals", variable="kms:ViaService",
                    values=[f"secretsmanager.{props.region}.amazonaws.com"])]),
        ]

    @property
    def function_name(self) -> str:
        return self.function.name


def settings(secrets: Sequence[RotatedSecret]) -> str:
    """GENERATED_SECRETS of lambda_src/secret_rotation/settings.py: full name -> {"length": n}."""
    return json.dumps({secret.name: {"length": secret.length} for secret in secrets}, sort_keys=True)


def rotation_failure_alarm(function_name: str) -> AlarmSpec:
    """The rotation function failed a step: the secret kept its value (AWSCURRENT did not move) and Secrets Manager
    retries at the next scheduled window; a refused secret (not generated) keeps failing until its rotation goes."""
    (errors,) = [spec for spec in function_alarms("secret-rotation", function_name) if spec.key.endswith("-errors")]
    return replace(errors, description=f"The secret rotation function {function_name} failed a step: the secret "
                   "keeps its current value. Its log group names the secret and the step (event rotation_failed); "
                   "`aws secretsmanager describe-secret` shows the version left AWSPENDING. Fix the cause, then "
                   "`aws secretsmanager rotate-secret --secret-id <name>` (docs/runbooks/security-incident.md).")
