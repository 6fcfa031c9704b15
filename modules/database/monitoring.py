"""The role RDS enhanced monitoring publishes OS metrics with: one per stack, shared by its databases."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdktf import Token
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from constructs import Construct

MONITORING_SERVICE = "monitoring.rds.amazonaws.com"
MANAGED_POLICY = "service-role/AmazonRDSEnhancedMonitoringRole"
"""AWS's policy for this role: write to the RDSOSMetrics log group only."""


@dataclass(frozen=True)
class EnhancedMonitoringRoleProps:
    role_name: str
    """IAM role name, e.g. 'notebookly-prod-rds-monitoring' (at most 64 characters)."""
    account_id: str
    """Only RDS acting for this account may assume the role (aws:SourceAccount, the confused-deputy guard)."""
    partition: str = "aws"
    """ARN partition of the AWS managed policy ('aws', 'aws-cn', 'aws-us-gov')."""

    def __post_init__(self) -> None:
        # Terraform variables (the generated HCL modules) are checked by the variables' validations.
        if not Token.is_unresolved(self.role_name) and not re.fullmatch(r"[\w+=,.@-]{1,64}", self.role_name):
            raise ValueError(f"role_name {self.role_name!r}; fix: 1-64 letters, digits or +=,.@_-")
        if not Token.is_unresolved(self.account_id) and not re.fullmatch(r"\d{12}", self.account_id):
            raise ValueError(f"role {self.role_name!r}: account_id {self.account_id!r}; fix: the 12-digit account id")


class EnhancedMonitoringRole(Construct):
    """Trusted by monitoring.rds.amazonaws.com for this account only, with AmazonRDSEnhancedMonitoringRole."""

    def __init__(self, scope: Construct, id: str, props: EnhancedMonitoringRoleProps) -> None:
        super().__init__(scope, id)
        trust = DataAwsIamPolicyDocument(self, "trust", statement=[DataAwsIamPolicyDocumentStatement(
            sid="RdsMonitoringForThisAccount", actions=["sts:AssumeRole"],
            principals=[DataAwsIamPolicyDocumentStatementPrincipals(type="Service", identifiers=[MONITORING_SERVICE])],
            condition=[DataAwsIamPolicyDocumentStatementCondition(
                test="StringEquals", variable="aws:SourceAccount", values=[props.account_id])])])
        self.role = IamRole(self, "role", name=props.role_name, assume_role_policy=trust.json,
                            description="RDS enhanced monitoring publishes OS metrics to CloudWatch Logs")
        self.attachment = IamRolePolicyAttachment(
            self, "managed-policy", role=self.role.name,
            policy_arn=f"arn:{props.partition}:iam::aws:policy/{MANAGED_POLICY}")
        """Databases depend on this: RDS checks the role's permissions when monitoring is switched on."""

    @property
    def arn(self) -> str:
        return self.role.arn
