"""An IAM role an AWS service assumes for this account only, with exactly the permissions listed.

Every compute role (instances, ECS tasks and task execution, Image Builder) is one of these: the
trust policy names one service principal and pins `aws:SourceAccount` (the confused-deputy guard),
managed policies are attached by name, and inline statements are one policy document.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import Token
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from cdktf_cdktf_provider_aws.iam_instance_profile import IamInstanceProfile
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.iam_role_policy_attachment import IamRolePolicyAttachment
from constructs import Construct

# Services that do not send aws:SourceAccount when assuming a role (EC2 assumes instance roles itself).
NO_SOURCE_ACCOUNT = frozenset({"ec2.amazonaws.com"})


@dataclass(frozen=True)
class ServiceRoleProps:
    role_name: str
    """IAM role name (at most 64 characters), e.g. 'notebookly-prod-web-instance'."""
    service: str
    """Service principal that assumes the role, e.g. 'ecs-tasks.amazonaws.com'."""
    account_id: str
    """Only the service acting for this account may assume it (aws:SourceAccount where the service sends it)."""
    description: str
    managed_policy_arns: Sequence[str] = ()
    """AWS managed policies to attach, e.g. AmazonSSMManagedInstanceCore for Session Manager."""
    statements: Sequence[DataAwsIamPolicyDocumentStatement] = ()
    """Inline permissions: the least the workload needs, built from the data stores' grant helpers."""
    instance_profile: bool = False
    """Also create an EC2 instance profile of the same name."""

    def __post_init__(self) -> None:
        # Terraform variables (the generated HCL modules) are checked by the variables' validations instead.
        if not Token.is_unresolved(self.role_name) and not re.fullmatch(r"[\w+=,.@-]{1,64}", self.role_name):
            raise ValueError(f"role_name {self.role_name!r}; fix: 1-64 letters, digits or +=,.@_- "
                             "(shorten the workload name)")
        if not Token.is_unresolved(self.account_id) and not re.fullmatch(r"\d{12}", self.account_id):
            raise ValueError(f"role {self.role_name!r}: account_id {self.account_id!r}; fix: the 12-digit account id")
        if not self.service.endswith(".amazonaws.com"):
            raise ValueError(f"role {self.role_name!r}: service {self.service!r} is not a service principal; "
                             "fix: e.g. ec2.amazonaws.com")


class ServiceRole(Construct):
    def __init__(self, scope: Construct, id: str, props: ServiceRoleProps) -> None:
        super().__init__(scope, id)
        condition = [] if props.service in NO_SOURCE_ACCOUNT else [DataAwsIamPolicyDocumentStatementCondition(
            test="StringEquals", variable="aws:SourceAccount", values=[props.account_id])]
        trust = DataAwsIamPolicyDocument(self, "trust", statement=[DataAwsIamPolicyDocumentStatement(
            sid="ServiceForThisAccount", actions=["sts:AssumeRole"], condition=condition or None,
            principals=[DataAwsIamPolicyDocumentStatementPrincipals(type="Service", identifiers=[props.service])])])
        self.role = IamRole(self, "role", name=props.role_name, assume_role_policy=trust.json,
                            description=props.description, max_session_duration=3600)
        self.attachments = [IamRolePolicyAttachment(self, f"managed-{index}", role=self.role.name, policy_arn=arn)
                            for index, arn in enumerate(props.managed_policy_arns)]
        self.inline_policy: IamRolePolicy | None = None
        if props.statements:
            self.add_statements("permissions", props.statements)
        self.instance_profile = IamInstanceProfile(
            self, "instance-profile", name=props.role_name, role=self.role.name) if props.instance_profile else None

    @property
    def arn(self) -> str:
        return self.role.arn

    @property
    def name(self) -> str:
        return self.role.name

    def add_statements(self, id: str, statements: Sequence[DataAwsIamPolicyDocumentStatement]) -> IamRolePolicy:
        """Attach one more inline policy (a separate resource, so grants can be added by other constructs)."""
        document = DataAwsIamPolicyDocument(self, f"{id}-document", statement=list(statements))
        policy = IamRolePolicy(self, id, role=self.role.name, policy=document.json)
        self.inline_policy = self.inline_policy or policy
        return policy

    def attach(self, id: str, policy_arn: str) -> IamRolePolicyAttachment:
        """Attach one more managed policy, e.g. the data stack's app-data-access policy."""
        attachment = IamRolePolicyAttachment(self, id, role=self.role.name, policy_arn=policy_arn)
        self.attachments.append(attachment)
        return attachment
