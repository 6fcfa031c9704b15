"""The `account:` section: settings that exist once per AWS account (password policy, the admins
group, the GitHub Actions OIDC provider and deploy role). Exactly one environment of an account
should carry it; the others leave it out (the emulator and plans treat each environment alone).
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from configuration.base import Strict

GITHUB_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


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
