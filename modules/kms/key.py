"""A customer-managed KMS key per data domain, with rotation and a policy that names its users."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from cdktf import TerraformProvider
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from cdktf_cdktf_provider_aws.kms_alias import KmsAlias
from cdktf_cdktf_provider_aws.kms_key import KmsKey
from constructs import Construct

USE_ACTIONS = ("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*")


@dataclass(frozen=True)
class ServiceGrant:
    """An AWS service allowed to use the key, only under the given conditions (test, variable, values)."""

    service: str
    conditions: Sequence[tuple[str, str, Sequence[str]]] = ()
    actions: Sequence[str] = USE_ACTIONS


@dataclass(frozen=True)
class EncryptionKeyProps:
    alias: str
    """Alias without the 'alias/' prefix, e.g. 'notebookly-dev-flow-logs'."""
    description: str
    account_id: str
    """Account whose IAM policies may grant use of the key (the key policy's root statement)."""
    partition: str = "aws"
    service_grants: Sequence[ServiceGrant] = field(default_factory=tuple)
    """Services that use the key on our behalf (CloudWatch Logs, S3, ...), each scoped by conditions."""
    deletion_window_days: int = 30
    """Default the maximum: a key scheduled for deletion by mistake can be recovered for 30 days."""
    provider: TerraformProvider | None = None
    """Provider (region) to create the key with; default the stack's default AWS provider."""

    def __post_init__(self) -> None:
        if not 7 <= self.deletion_window_days <= 30:
            raise ValueError(f"deletion_window_days={self.deletion_window_days}; fix: AWS allows 7 to 30")


class EncryptionKey(Construct):
    """Symmetric key, yearly rotation, account-root delegation plus explicit service grants only."""

    def __init__(self, scope: Construct, id: str, props: EncryptionKeyProps) -> None:
        super().__init__(scope, id)
        root = f"arn:{props.partition}:iam::{props.account_id}:root"
        statements = [DataAwsIamPolicyDocumentStatement(
            sid="AccountAdministersThroughIam",
            principals=[DataAwsIamPolicyDocumentStatementPrincipals(type="AWS", identifiers=[root])],
            actions=["kms:*"], resources=["*"])]
        for grant in props.service_grants:
            statements.append(DataAwsIamPolicyDocumentStatement(
                sid=f"Allow{''.join(part.capitalize() for part in grant.service.split('.')[0].split('-'))}",
                principals=[DataAwsIamPolicyDocumentStatementPrincipals(type="Service", identifiers=[grant.service])],
                actions=list(grant.actions), resources=["*"],
                condition=[DataAwsIamPolicyDocumentStatementCondition(test=t, variable=v, values=list(vals))
                           for t, v, vals in grant.conditions] or None))
        policy = DataAwsIamPolicyDocument(self, "policy", statement=statements)
        self.key = KmsKey(self, "key", description=props.description, enable_key_rotation=True,
                          deletion_window_in_days=props.deletion_window_days, policy=policy.json,
                          provider=props.provider)
        KmsAlias(self, "alias", name=f"alias/{props.alias}", target_key_id=self.key.key_id, provider=props.provider)

    @cached_property
    def arn(self) -> str:  # one jsii call, not one per reader (every encrypted resource reads it)
        return self.key.arn
