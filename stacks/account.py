"""The account stack: the IAM password policy, an admins group that can do nothing without MFA,
and the GitHub Actions OIDC provider with a deploy role scoped to the project's state and resources,
plus the publisher roles of the application's CI (account.publishers: put builds into named buckets,
invalidate the distributions serving them).

Only where the configuration has an `account:` section (one environment per account). It reads the
state stack (the state bucket's key) and, with an audit trail, the ops stack: the trail's log files
are out of the deploy role's reach, so a compromised pipeline cannot erase the audit. With publishers
it also reads the data stack (the buckets' key) and, for buckets CloudFront serves, the edge stack.
"""

from __future__ import annotations

from constructs import Construct

from configuration import BlueprintConfig
from configuration.account import publisher_role_name
from modules.account import (
    AccountGuardrails,
    AccountGuardrailsProps,
    GitHubPublisher,
    GitHubPublisherProps,
    PublishTarget,
)
from stacks.base import PlatformStack, variable
from stacks.data import DataStack
from stacks.edge import EdgeStack
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
            protected_resource_arns=protected, max_password_age_days=account.max_password_age_days,
            guarded_role_names=[publisher_role_name(config.name_prefix, name) for name in account.publishers]))
        self.export("deploy_role_arn", guardrails.deploy_role.arn, "string",
                    "Role GitHub Actions assumes (aws-actions/configure-aws-credentials role-to-assume)")
        self.export("admins_group_name", guardrails.admins_group.name, "string",
                    "IAM group of administrators (everything needs MFA)")
        if account.publishers:
            self._publishers(guardrails.oidc_provider_arn)

    def _publishers(self, oidc_provider_arn: str) -> None:
        """One role per account.publishers entry: put objects under its buckets' prefixes (the data stack's
        storage key through S3), invalidate the distributions of the edge stack serving those buckets."""
        config = self.config
        account, served = config.account, config.edge.cdn_buckets if config.edge else {}
        assert account is not None
        data = self.remote_state(DataStack)
        edge = self.remote_state(EdgeStack) if any(b in served for p in account.publishers.values()
                                                   for b in p.buckets) else None
        for name, spec in account.publishers.items():
            distributions = [edge.get_string(f"{_distribution_output(served[bucket])}_distribution_id")
                             for bucket in spec.buckets if edge and bucket in served]
            publisher = GitHubPublisher(self, f"publisher-{name}", GitHubPublisherProps(
                role_name=publisher_role_name(config.name_prefix, name), oidc_provider_arn=oidc_provider_arn,
                github_org=spec.organization, github_repo=spec.repository, github_branches=spec.branches,
                github_environments=spec.environments, account_id=config.account_id, region=config.regions.primary,
                targets=[PublishTarget(config.data_bucket_name(bucket), prefix)
                         for bucket, prefix in spec.buckets.items()],
                encryption_key_arn=data.get_string("kms_key_storage_arn"), distribution_ids=distributions,
                partition=self.partition))
            self.export(f"publisher_{variable(name)}_role_arn", publisher.role.arn, "string",
                        f"Role the {spec.organization}/{spec.repository} workflows assume to publish to "
                        f"{', '.join(spec.buckets)}")


def _distribution_output(edge_key: str) -> str:
    """The edge stack's output prefix of the distribution at `edge_key` (Edge.cdn_buckets' values): the static
    site's, or asset_distributions.<bucket>'s."""
    if edge_key.startswith("static_site"):
        return "static_site"
    return f"assets_{variable(edge_key.removeprefix('asset_distributions.'))}"
