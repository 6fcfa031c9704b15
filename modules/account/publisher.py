"""A GitHub Actions role that can only publish: the application's CI puts its builds and bundles into named
buckets (seed 003: "the CI ... stores each build into the S3"; "fine granular permissions to the trusted support
systems (CI/CD)"), and invalidates the CloudFront distributions serving them.

What it may do, and nothing more:

* s3:PutObject under each bucket's key prefix ('<bucket>/<prefix>*'), s3:ListBucket of that prefix only (what
  `aws s3 sync` compares against);
* use the buckets' SSE-KMS key through S3 in their region only (kms:ViaService): GenerateDataKey to write,
  Decrypt to complete a multipart upload;
* cloudfront:CreateInvalidation (and read its progress) on the named distributions.

It cannot delete or read objects (the buckets are versioned: an overwritten build stays a noncurrent version
until the bucket's lifecycle expires it), touch Terraform state, or call any other service. Its trust is the
deploy role's kind (modules.account.github): one repository, exact branches or GitHub environments.
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
)
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from constructs import Construct

from modules.account.github import check_github_trust, github_subjects, github_trust_document

BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
KEY_PREFIX = re.compile(r"([A-Za-z0-9_.-]+/)*")
DISTRIBUTION_ID = re.compile(r"[A-Z0-9]{1,64}")


@dataclass(frozen=True)
class PublishTarget:
    bucket_name: str
    key_prefix: str = ""
    """'' for the whole bucket, or folders ending in '/' (e.g. 'builds/'): the role writes '<prefix>*' only."""


@dataclass(frozen=True)
class GitHubPublisherProps:
    role_name: str
    """e.g. 'shop-prod-github-publish-web'."""
    oidc_provider_arn: str
    """The account's GitHub OIDC provider (AccountGuardrails.oidc_provider_arn)."""
    github_org: str
    github_repo: str
    """The application's repository (no wildcard)."""
    targets: Sequence[PublishTarget]
    account_id: str
    region: str
    """Region of the buckets: their key is usable through S3 there only."""
    encryption_key_arn: str | None = None
    """The buckets' SSE-KMS key. None: SSE-S3 buckets, no key statement."""
    distribution_ids: Sequence[str] = ()
    """CloudFront distributions serving the buckets, which the role may invalidate. Default none."""
    github_branches: Sequence[str] = ("main",)
    github_environments: Sequence[str] = ()
    partition: str = "aws"
    max_session_seconds: int = 3600
    """3600-43200. Default one hour: a leaked token expires soon."""

    def __post_init__(self) -> None:
        owner = f"publisher {self.role_name!r}"
        if not re.fullmatch(r"[\w+=,.@-]{1,64}", self.role_name):
            raise ValueError(f"{owner}: role_name; fix: 1-64 letters, digits or '+=,.@_-'")
        check_github_trust(owner, self.github_org, self.github_repo, self.github_branches, self.github_environments)
        if isinstance(self.targets, PublishTarget) or not self.targets:
            raise ValueError(f"{owner}: targets={self.targets!r}; fix: a list of at least one PublishTarget")
        buckets = [target.bucket_name for target in self.targets]
        if len(set(buckets)) != len(buckets):
            raise ValueError(f"{owner}: buckets {buckets} repeat; fix: one target per bucket")
        for target in self.targets:
            if not Token.is_unresolved(target.bucket_name) and not BUCKET_NAME.fullmatch(target.bucket_name):
                raise ValueError(f"{owner}: bucket_name {target.bucket_name!r}; fix: a bucket name (no wildcards)")
            if not KEY_PREFIX.fullmatch(target.key_prefix):
                raise ValueError(f"{owner}: key_prefix {target.key_prefix!r} of {target.bucket_name!r}; fix: '' (the "
                                 "whole bucket) or folders ending in '/', e.g. 'builds/' (no wildcards)")
        if not re.fullmatch(r"\d{12}", self.account_id):
            raise ValueError(f"{owner}: account_id {self.account_id!r}; fix: the 12-digit account id")
        if not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", self.region):
            raise ValueError(f"{owner}: region {self.region!r}; fix: e.g. 'eu-west-1'")
        key = self.encryption_key_arn
        if key is not None and not Token.is_unresolved(key) and not re.fullmatch(
                r"arn:[a-z-]+:kms:[a-z0-9-]+:\d{12}:key/[\w-]+", key):
            raise ValueError(f"{owner}: encryption_key_arn {key!r}; fix: a key ARN (not an alias)")
        for distribution in self.distribution_ids:
            if not Token.is_unresolved(distribution) and not DISTRIBUTION_ID.fullmatch(distribution):
                raise ValueError(f"{owner}: distribution id {distribution!r}; fix: a CloudFront distribution id "
                                 "such as 'E2QWRUHAPOMQZL' (no wildcards)")
        if not 3600 <= self.max_session_seconds <= 43200:
            raise ValueError(f"{owner}: max_session_seconds={self.max_session_seconds}; fix: 3600 to 43200")


class GitHubPublisher(Construct):
    """The role, its trust (the repository's workflows only) and its one inline policy."""

    def __init__(self, scope: Construct, id: str, props: GitHubPublisherProps) -> None:
        super().__init__(scope, id)
        subjects = github_subjects(props.github_org, props.github_repo, props.github_branches,
                                   props.github_environments)
        trust = github_trust_document(self, "trust", props.oidc_provider_arn, subjects)
        self.role = IamRole(
            self, "role", name=props.role_name, assume_role_policy=trust.json,
            max_session_duration=props.max_session_seconds,
            description=f"GitHub Actions of {props.github_org}/{props.github_repo} publish builds (put objects, "
            "invalidate CloudFront)")
        document = DataAwsIamPolicyDocument(self, "policy-document", statement=publish_statements(props))
        IamRolePolicy(self, "policy", name="publish", role=self.role.id, policy=document.json)


def publish_statements(props: GitHubPublisherProps) -> list[DataAwsIamPolicyDocumentStatement]:
    statement, condition = DataAwsIamPolicyDocumentStatement, DataAwsIamPolicyDocumentStatementCondition
    s3 = f"arn:{props.partition}:s3:::"
    statements = [statement(sid="PutBuilds", actions=["s3:PutObject"],
                            resources=[f"{s3}{t.bucket_name}/{t.key_prefix}*" for t in props.targets])]
    whole = [f"{s3}{t.bucket_name}" for t in props.targets if not t.key_prefix]
    if whole:
        statements.append(statement(sid="ListWholeBuckets", actions=["s3:ListBucket"], resources=whole))
    for index, target in enumerate(t for t in props.targets if t.key_prefix):
        statements.append(statement(
            sid=f"ListUnderPrefix{index}", actions=["s3:ListBucket"], resources=[f"{s3}{target.bucket_name}"],
            condition=[condition(test="StringLike", variable="s3:prefix", values=[f"{target.key_prefix}*"])]))
    if props.encryption_key_arn:
        statements.append(statement(
            sid="UseBucketKeyThroughS3", actions=["kms:GenerateDataKey", "kms:Decrypt"],
            resources=[props.encryption_key_arn], condition=[condition(
                test="StringEquals", variable="kms:ViaService", values=[f"s3.{props.region}.amazonaws.com"])]))
    if props.distribution_ids:
        statements.append(statement(
            sid="InvalidateServingDistributions",
            actions=["cloudfront:CreateInvalidation", "cloudfront:GetInvalidation", "cloudfront:ListInvalidations"],
            resources=[f"arn:{props.partition}:cloudfront::{props.account_id}:distribution/{distribution}"
                       for distribution in props.distribution_ids]))
    return statements
