"""The `account:` section: settings that exist once per AWS account (password policy, the admins
group, the GitHub Actions OIDC provider and deploy role), and the publisher roles of the application's
CI. Exactly one environment of an account should carry it; the others leave it out (the emulator and
plans treat each environment alone).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated

from pydantic import Field, field_validator, model_validator

from configuration.base import Strict
from configuration.data import StoreName

if TYPE_CHECKING:
    from configuration.schema import BlueprintConfig

GITHUB_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
KEY_PREFIX = r"^([A-Za-z0-9_.-]+/)*$"
"""'' (the whole bucket) or folders ending in '/', e.g. 'builds/': no wildcard, so no policy reaches further."""
KeyPrefix = Annotated[str, Field(pattern=KEY_PREFIX)]
MAX_ROLE_NAME = 64  # IAM


class GitHubDeploy(Strict):
    """Which GitHub Actions workflows may assume the deploy role (OpenID Connect, no long-lived keys)."""

    organization: str = Field(description="GitHub organization or user owning the repository.")
    repository: str = Field(description="The one repository allowed to deploy (no wildcards).")
    branches: list[str] = Field(default_factory=lambda: ["main"], description="Branches whose workflows may "
                                "deploy.")
    environments: list[str] = Field(default_factory=list, description="GitHub environments (protect them with "
                                    "required reviewers: that is the manual approval of production).")

    @field_validator("organization", "repository")
    @classmethod
    def _exact_name(cls, value: str) -> str:
        if not GITHUB_NAME.fullmatch(value):
            raise ValueError(f"{value!r} is not one GitHub name (wildcards would let other repositories deploy); "
                             "fix: the name as in the repository URL")
        return value

    @model_validator(mode="after")
    def _someone_deploys(self) -> GitHubDeploy:
        if not self.branches and not self.environments:
            raise ValueError("branches and environments are both empty: no workflow could deploy; "
                             "fix: e.g. environments: [production] (with required reviewers in GitHub)")
        return self


class Publisher(GitHubDeploy):
    """A GitHub Actions role for the application's CI (seed 003: "external access is granted with fine granular
    permissions to the trusted support systems (CI/CD)"): it may put objects under the given key prefixes of the
    given buckets of this environment, and invalidate the CloudFront distributions serving those buckets.
    Nothing else: no delete (a versioned bucket keeps what it overwrites), no reading objects, no other service,
    no Terraform state. Its trust is a repository and its branches or GitHub environments, like the deploy role's."""

    buckets: dict[StoreName, KeyPrefix] = Field(
        min_length=1, description="Bucket under data.buckets -> key prefix the role may write under ('' for the "
        "whole bucket, or folders such as 'builds/'; no wildcards).")


class Account(Strict):
    github: GitHubDeploy
    existing_oidc_provider_arn: str | None = Field(
        default=None, description="The account's GitHub OIDC provider, when another stack already created it "
        "(an account holds one per issuer).")
    permissions_boundary_arn: str | None = Field(
        default=None, description="Managed policy capping every role the deploy role creates. Without it the "
        "deploy role gets no IAM write access (IAM writes without a boundary lead to administrator).")
    max_password_age_days: Annotated[int, Field(ge=1, le=90)] | None = Field(
        default=90, description="Console passwords expire after this many days (CIS); null: never (NIST 800-63B).")
    publishers: dict[StoreName, Publisher] = Field(
        default_factory=dict, description="Roles <prefix>-github-publish-<name> the application's CI assumes to "
        "publish builds and bundles (see Publisher). Default none: only the deploy role exists.")


def publisher_role_name(name_prefix: str, publisher: str) -> str:
    return f"{name_prefix}-github-publish-{publisher}"


def account_rules(config: BlueprintConfig) -> None:
    """Rules that tie the account section to the data buckets: a publisher writes buckets of this environment
    that the app tier may write too (not a copy only replication writes), under a role name IAM accepts."""
    account, buckets = config.account, config.data.buckets
    if account is None:
        return
    copies = {b.copy_to: source for source, b in buckets.items() if b.copy_to}
    for name, publisher in account.publishers.items():
        for bucket in publisher.buckets:
            if bucket not in buckets:
                raise ValueError(f"account.publishers.{name}.buckets names {bucket!r}, which is not under data.buckets "
                                 f"{sorted(buckets)}; fix: add the bucket or name an existing one")
            if bucket in copies:
                raise ValueError(f"account.publishers.{name}.buckets names {bucket!r}, the copy of data.buckets."
                                 f"{copies[bucket]} (copy_to) that only replication writes; fix: publish to another "
                                 "bucket")
        role = publisher_role_name(config.name_prefix, name)
        if len(role) > MAX_ROLE_NAME:
            raise ValueError(f"account.publishers.{name}: role name {role!r} exceeds IAM's {MAX_ROLE_NAME} "
                             "characters; fix: a shorter publisher name")
