"""Trust of GitHub Actions through OpenID Connect, shared by the deploy role and the publisher roles: the
sts.amazonaws.com audience, one repository (no wildcard) and its exact branches or GitHub environments."""

from __future__ import annotations

import re
from collections.abc import Sequence

from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from constructs import Construct

GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
GITHUB_AUDIENCE = "sts.amazonaws.com"
GITHUB_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,99})")
GIT_REF = re.compile(r"[A-Za-z0-9._/-]{1,200}")


def check_github_trust(owner: str, org: str, repo: str, branches: Sequence[str], environments: Sequence[str]) -> None:
    """Refuse a trust that would admit more than the named repository's branches and environments. `owner`
    names the role in the message, e.g. "guardrails 'shop-prod'"."""
    for label, value in (("github_org", org), ("github_repo", repo)):
        if "*" in value or "?" in value:
            raise ValueError(f"{owner}: {label}={value!r} is a wildcard; any repository it matches could deploy "
                             f"to this account; fix: name the one {label[7:]}")
        if not GITHUB_NAME.fullmatch(value):
            raise ValueError(f"{owner}: {label}={value!r}; fix: the GitHub name as in the repository URL "
                             "(letters, digits, '.', '_', '-')")
    if isinstance(branches, str) or isinstance(environments, str):
        raise ValueError(f"{owner}: github_branches/github_environments must be lists, got {branches!r} / "
                         f"{environments!r}; fix: e.g. ['main']")
    if not branches and not environments:
        raise ValueError(f"{owner}: no github_branches and no github_environments; nothing could assume the role; "
                         "fix: e.g. github_branches=['main']")
    for label, values in (("github_branches", branches), ("github_environments", environments)):
        for value in values:
            if "*" in value or "?" in value or not GIT_REF.fullmatch(value):
                raise ValueError(f"{owner}: {label} entry {value!r}; fix: an exact name (letters, digits, '.', "
                                 "'_', '-', '/'; no wildcards)")


def github_subjects(org: str, repo: str, branches: Sequence[str], environments: Sequence[str]) -> list[str]:
    """The `sub` claims of the trusted workflows: 'repo:<org>/<repo>:ref:refs/heads/<branch>' per branch,
    'repo:<org>/<repo>:environment:<name>' per GitHub environment (a job naming one presents only that)."""
    prefix = f"repo:{org}/{repo}"
    return ([f"{prefix}:ref:refs/heads/{branch}" for branch in branches]
            + [f"{prefix}:environment:{environment}" for environment in environments])


def github_trust_document(scope: Construct, id: str, provider_arn: str,
                          subjects: Sequence[str]) -> DataAwsIamPolicyDocument:
    """A role's trust policy: web identities of the account's GitHub OIDC provider with these subjects only."""
    return DataAwsIamPolicyDocument(scope, id, statement=[DataAwsIamPolicyDocumentStatement(
        sid="GitHubActionsOfOneRepository", actions=["sts:AssumeRoleWithWebIdentity"],
        principals=[DataAwsIamPolicyDocumentStatementPrincipals(type="Federated", identifiers=[provider_arn])],
        condition=[
            DataAwsIamPolicyDocumentStatementCondition(test="StringEquals", variable=f"{GITHUB_OIDC_HOST}:aud",
                                                       values=[GITHUB_AUDIENCE]),
            DataAwsIamPolicyDocumentStatementCondition(test="StringLike", variable=f"{GITHUB_OIDC_HOST}:sub",
                                                       values=list(subjects))])])
