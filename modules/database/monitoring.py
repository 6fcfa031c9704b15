"""The role RDS enhanced monitoring publishes OS metrics with: one per stack, shared by its databases."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from constructs import Construct


@dataclass(frozen=True)
class EnhancedMonitoringRoleProps:
    role_name: str
    account_id: str
    """Only RDS acting for this account may assume the role (confused-deputy guard)."""
    partition: str = "aws"


class EnhancedMonitoringRole(Construct):
    def __init__(self, scope: Construct, id: str, props: EnhancedMonitoringRoleProps) -> None:
        super().__init__(scope, id)
        trust = DataAwsIamPolicyDocument(self, "trust", statement=[DataAwsIamPolicyDocumentStatement(
            actions=["sts:AssumeRole"], principals=[DataAwsIamPolicyDocumentStatementPrincipals(
                type="Service", identifiers=["monitoring.rds.amazonaws.com"])],
            condition=[DataAwsIamPolicyDocumentStatementCondition(
                test="StringEquals", variable="aws:SourceAccount", values=[props.account_id])])])
        self.role = IamRole(self, "role", name=props.role_name, assume_role_policy=trust.json)
        IamRolePolicyAttachment(self, "managed-policy", role=self.role.name, policy_arn=(
            f"arn:{props.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"))

    @property
    def arn(self) -> str:
        return self.role.arn
