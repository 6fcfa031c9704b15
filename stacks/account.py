"""The account stack: the IAM password policy, an admins group that can do nothing without MFA,
and the GitHub Actions OIDC provider with a deploy role scoped to the project's state and resources.

Only where the configuration has an `account:` section (one environment per account). It reads the
state stack (the state bucket's key) and, with an audit trail, the ops stack: the trail's log files
are out of the deploy role's reach, so a compromised pipeline cannot erase the audit.
"""

from __future__ import annotations

from constructs import Construct

from configuration import BlueprintConfig
from modules.account import AccountGuardrails, AccountGuardrailsProps
from stacks.base import PlatformStack
from stacks.ops import OpsStack
from stacks.state import StateStack


class AccountStack(PlatformStack):
    layer = "account"

    @classmethod
    def applies_to(cls, config: BlueprintConfig) -> bool:
        return config.account is not None

    def __init__(self, scope: Construct, config: BlueprintConfig) -> None:
        super().__init__(scope, config)
        account = config.account
        assert account is not None
        state = self.remote_state(StateStack)
        protected = []
        if config.ops.audit_trail:
            ops = self.remote_state(OpsStack)
            protected.append(f"arn:{self.partition}:s3:::{ops.get_string('trail_bucket_name')}/*")
        guardrails = AccountGuardrails(self, "guardrails", AccountGuardrailsProps(
            project=config.project, name_prefix=config.name_prefix, account_id=config.account_id,
            state_bucket_arn=f"arn:{self.partition}:s3:::{config.state_bucket}",
            state_key_prefix=f"{config.blueprint}/{config.environment}/",
            state_kms_key_arn=state.get_string("state_kms_key_arn"), state_region=config.state_region,
            github_org=account.github.organization, github_repo=account.github.repository,
            github_branches=account.github.branches, github_environments=account.github.environments,
            existing_oidc_provider_arn=account.existing_oidc_provider_arn,
            iam_permissions_boundary_arn=account.permissions_boundary_arn,
            protected_resource_arns=protected, max_password_age_days=account.max_password_age_days))
        self.export("deploy_role_arn", guardrails.deploy_role.arn, "string",
                    "Role GitHub Actions assumes (aws-actions/configure-aws-credentials role-to-assume)")
        self.export("admins_group_name", guardrails.admins_group.name, "string",
                    "IAM group of administrators (everything needs MFA)")
