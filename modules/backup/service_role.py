"""The IAM role AWS Backup works through (backups, restores, restore tests): only AWS Backup acting for this
account may assume it, and its permissions are AWS's managed service-role policies, which AWS extends as the
services it backs up add what a backup or a restore must call."""

from __future__ import annotations

from collections.abc import Sequence

from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from constructs import Construct

BACKUP_POLICY = "AWSBackupServiceRolePolicyForBackup"
RESTORE_POLICY = "AWSBackupServiceRolePolicyForRestores"


def backup_service_role(scope: Construct, role_name: str, account_id: str, partition: str,
                        managed_policies: Sequence[str]) -> tuple[IamRole, list[IamRolePolicyAttachment]]:
    """Construct ids 'trust', 'role' and one per policy (its name) in `scope`: the role and its policies'
    attachments (what a resource using the role should depend on: AWS Backup checks the role's permissions)."""
    trust = DataAwsIamPolicyDocument(scope, "trust", statement=[DataAwsIamPolicyDocumentStatement(
        actions=["sts:AssumeRole"], principals=[DataAwsIamPolicyDocumentStatementPrincipals(
            type="Service", identifiers=["backup.amazonaws.com"])],
        condition=[DataAwsIamPolicyDocumentStatementCondition(
            test="StringEquals", variable="aws:SourceAccount", values=[account_id])])])
    role = IamRole(scope, "role", name=role_name, assume_role_policy=trust.json)
    attachments = [IamRolePolicyAttachment(
        scope, policy, role=role.name, policy_arn=f"arn:{partition}:iam::aws:policy/service-role/{policy}")
        for policy in managed_policies]
    return role, attachments
