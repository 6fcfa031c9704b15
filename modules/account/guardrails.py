"""Account-wide guard rails: the IAM password policy, an admins group that can do nothing without MFA, and the
GitHub Actions OIDC provider with the deploy role CI assumes (no long-lived access keys anywhere).

The deploy role is NOT an administrator. Its policy is built from what can be scoped, in this order:

* the Terraform state: ListBucket on the state bucket; Get/PutObject under the project's state prefix and
  DeleteObject on its `.tflock` lock files only (a versioned bucket: state is overwritten, never deleted);
  the state key through S3 only (kms:ViaService);
* the project's resources by tag, for the services listed in `managed_services`: everything on this account's
  resources tagged Project=<project> (aws:ResourceTag), creation only with that tag in the request
  (aws:RequestTag, which the provider's default_tags send on create);
* what cannot be scoped by tag, handled one by one:
  - Describe*/List* calls support no resource-level permissions: granted on "*" for the listed services
    (metadata for `terraform plan`; no Get* on "*", so no secret values, parameters or objects);
  - S3 buckets have no tag-based authorization: scoped by bucket name (`bucket_name_prefix`);
  - IAM: a role that can write IAM policies can make itself an administrator, tags or not. IAM writes are
    granted only with `iam_permissions_boundary_arn`: roles, policies and instance profiles named
    '<name_prefix>-*', and only roles created with (and kept under) that boundary; without it, none (reading
    stays: iam:Get* on this account's IAM and AWS managed policies, iam:List* on "*", which has no resources);
  - service-linked roles (AWS names them): iam:CreateServiceLinkedRole on aws-service-role/* only;
  - anything else (e.g. launching from public AMIs, AWS-owned resources) goes in `extra_statements`,
    explicitly, where a reviewer sees it; "*" actions on "*" resources are refused there too;
* explicit denials the tag statements cannot loosen: changing these guard rails (the deploy role itself, the
  admins group and policy, the OIDC provider, the boundary), changing the state bucket or key beyond reading
  and writing state, switching off CloudTrail, re-tagging another project's resources, and touching the
  `protected_resource_arns` (the audit trail's bucket, log group and alarms carry the project's tag too).
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
from cdktf_cdktf_provider_aws.iam_account_password_policy import IamAccountPasswordPolicy
from cdktf_cdktf_provider_aws.iam_group import IamGroup
from cdktf_cdktf_provider_aws.iam_group_policy_attachment import IamGroupPolicyAttachment
from cdktf_cdktf_provider_aws.iam_openid_connect_provider import IamOpenidConnectProvider
from cdktf_cdktf_provider_aws.iam_policy import IamPolicy
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from constructs import Construct

from modules.account.github import (
    GITHUB_AUDIENCE,
    GITHUB_OIDC_HOST,
    check_github_trust,
    github_subjects,
    github_trust_document,
)

IAM_KINDS = ("user", "role", "group", "policy", "instance-profile", "oidc-provider", "saml-provider",
             "server-certificate", "mfa")
# SHA-1 of GitHub's OIDC certificate chain tops (the 2022 one and the one added in June 2023). Since July 2023
# AWS validates this issuer against its own trusted CA library and ignores the list; IAM still stores one, and
# keeping both known values means no change is needed if that behaviour is ever reverted.
GITHUB_THUMBPRINTS = ("6938fd4d98bab03faadb97b34396831e3780aea1", "1c58a3a8518e8759bf075b76b750d4f2df264fcd")

# What a user without MFA may still do: set up an MFA device and change their password (AWS's
# "BlockMostAccessUnlessSignedInWithMFA" example).
MFA_SELF_SERVICE = ("iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser", "iam:ListMFADevices",
                    "iam:ListVirtualMFADevices", "iam:ResyncMFADevice", "sts:GetSessionToken", "iam:ChangePassword",
                    "iam:GetAccountPasswordPolicy")

# Service prefixes of the resources the platform's stacks create (network, data, compute layers).
DEFAULT_MANAGED_SERVICES = (
    "ec2", "elasticloadbalancing", "autoscaling", "application-autoscaling", "rds", "elasticache",
    "elasticfilesystem", "sqs", "sns", "logs", "cloudwatch", "kms", "backup", "ecs", "ecr", "secretsmanager", "ssm",
    "wafv2", "network-firewall", "imagebuilder", "acm",
)
# Tagging calls that do not follow the <service>:TagResource / UntagResource naming; with those, they are
# guarded so that a resource of another project cannot be adopted by re-tagging it.
LEGACY_TAGGING_ACTIONS = ("ec2:CreateTags", "ec2:DeleteTags", "elasticloadbalancing:AddTags",
                          "elasticloadbalancing:RemoveTags", "autoscaling:CreateOrUpdateTags", "autoscaling:DeleteTags",
                          "rds:AddTagsToResource", "rds:RemoveTagsFromResource", "elasticache:AddTagsToResource",
                          "elasticache:RemoveTagsFromResource", "sqs:TagQueue", "sqs:UntagQueue", "logs:TagLogGroup",
                          "logs:UntagLogGroup", "acm:AddTagsToCertificate", "acm:RemoveTagsFromCertificate")
AUDIT_TAMPERING = ("cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail",
                   "cloudtrail:PutEventSelectors", "cloudtrail:PutInsightSelectors")
STATE_ACCESS = ("s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "kms:Decrypt",
                "kms:GenerateDataKey", "kms:DescribeKey")
IAM_NAME = re.compile(r"[\w+=,.@-]{1,64}")


@dataclass(frozen=True)
class AccountGuardrailsProps:
    project: str
    """Project tag value (the provider's default_tags Project): the deploy role manages only resources tagged
    Project=<project>."""
    name_prefix: str
    """Prefix of every name here, e.g. 'shop-prod' ('shop-prod-admins', 'shop-prod-github-deploy'); also the
    name scope of IAM resources the deploy role may manage."""
    account_id: str
    state_bucket_arn: str
    """Terraform state bucket (the state stack's state_bucket_arn export)."""
    state_key_prefix: str
    """Key prefix of this project's state objects, e.g. 'shop/' for 'shop/<env>/<layer>.tfstate'; must end
    with '/' so that 'shop/' does not also match 'shopping/'."""
    state_kms_key_arn: str
    """Key encrypting the state objects (the state stack's state_kms_key_arn export)."""
    state_region: str
    """Region of the state bucket: the key is usable only through S3 there (kms:ViaService)."""
    github_org: str
    """GitHub organization or user owning the repository (no wildcard)."""
    github_repo: str
    """Repository name allowed to deploy (no wildcard: '*' would let any repository of the org assume the role)."""
    github_branches: Sequence[str] = ("main",)
    """Branches whose workflows may assume the role (sub 'repo:<org>/<repo>:ref:refs/heads/<branch>')."""
    github_environments: Sequence[str] = ()
    """GitHub environments whose jobs may assume the role (sub 'repo:<org>/<repo>:environment:<env>'). A job
    that names an environment gets this subject instead of the branch one: list the environment here, and
    protect it with required reviewers in GitHub."""
    existing_oidc_provider_arn: str | None = None
    """An account holds one OIDC provider per issuer URL: pass its ARN if another stack already created it.
    Default None: create it here."""
    managed_services: Sequence[str] = DEFAULT_MANAGED_SERVICES
    """Service prefixes the deploy role manages by tag. Not 'iam' or 's3' (scoped by name, see the module doc)."""
    bucket_name_prefix: str | None = None
    """Buckets the deploy role manages (S3 has no tag-based authorization). Default '<name_prefix>-'."""
    iam_permissions_boundary_arn: str | None = None
    """Managed policy capping every role the deploy role creates. Default None: the deploy role gets no IAM
    write access at all (IAM writes without a boundary are a path to administrator)."""
    protected_resource_arns: Sequence[str] = ()
    """Resources the deploy role may not touch at all, though they carry the project's tag or name prefix: the
    audit trail's bucket (its ARN and '<ARN>/*'), its log group, the security alarms, the audit key. Default
    none; an ops stack holding AuditTrail should list them (CI must not be able to blind the audit)."""
    guarded_role_names: Sequence[str] = ()
    """Roles made beside the guard rails (the publisher roles, modules.account.publisher) that the deploy role may
    not change either: named '<name_prefix>-*', they would otherwise be within its IAM writes. Default none."""
    extra_statements: Sequence[DataAwsIamPolicyDocumentStatement] = ()
    """Further permissions a deployment needs that fit none of the above, reviewed one by one."""
    max_session_seconds: int = 3600
    """Deploy role session length (3600-43200). Default one hour: a leaked token expires soon."""
    minimum_password_length: int = 14
    """14-128. Default 14, the CIS minimum (checkov CKV_AWS_10)."""
    password_reuse_prevention: int = 24
    """Previous passwords a user may not reuse (1-24). Default 24, the CIS value (CKV_AWS_13)."""
    max_password_age_days: int | None = 90
    """Days before a password expires (1-90), None for no expiry (NIST 800-63B's advice; fails CKV_AWS_9).
    Default 90, the CIS / checkov value."""

    def __post_init__(self) -> None:
        prefix = self.name_prefix
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]{0,40}", prefix):
            raise ValueError(f"name_prefix {prefix!r}; fix: 1-41 letters, digits or '-', e.g. 'shop-prod'")
        if not re.fullmatch(r"[\w.:/=+@-]{1,256}", self.project):
            raise ValueError(f"guardrails {prefix!r}: project {self.project!r}; fix: the Project tag value, "
                             "no wildcards or spaces")
        if not re.fullmatch(r"\d{12}", self.account_id):
            raise ValueError(f"guardrails {prefix!r}: account_id {self.account_id!r}; fix: the 12-digit account id")
        check_github_trust(f"guardrails {prefix!r}", self.github_org, self.github_repo, self.github_branches,
                           self.github_environments)
        if not re.fullmatch(r"arn:[a-z-]+:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", self.state_bucket_arn):
            raise ValueError(f"guardrails {prefix!r}: state_bucket_arn {self.state_bucket_arn!r}; "
                             "fix: 'arn:<partition>:s3:::<state bucket>'")
        if not re.fullmatch(r"[A-Za-z0-9._=-]+(/[A-Za-z0-9._=-]+)*/", self.state_key_prefix):
            raise ValueError(f"guardrails {prefix!r}: state_key_prefix {self.state_key_prefix!r}; fix: the "
                             "project's state key prefix ending in '/', e.g. 'shop/' (no wildcards, not empty: the "
                             "bucket holds other projects' state)")
        if not Token.is_unresolved(self.state_kms_key_arn) and not re.fullmatch(
                r"arn:[a-z-]+:kms:[a-z0-9-]+:\d{12}:key/[\w-]+", self.state_kms_key_arn):
            raise ValueError(f"guardrails {prefix!r}: state_kms_key_arn {self.state_kms_key_arn!r}; fix: a key "
                             "ARN 'arn:<partition>:kms:<region>:<account>:key/<id>' (not an alias)")
        if not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", self.state_region):
            raise ValueError(f"guardrails {prefix!r}: state_region {self.state_region!r}; fix: e.g. 'eu-west-1'")
        for service in self.managed_services:
            if service in ("iam", "s3", "sts", "organizations", "cloudtrail") or not re.fullmatch(r"[a-z0-9-]+",
                                                                                                 service):
                raise ValueError(f"guardrails {prefix!r}: managed service {service!r}; fix: a service prefix such "
                                 "as 'ec2' (not a wildcard; IAM and S3 are scoped by name, and sts, organizations "
                                 "and cloudtrail are not for the deploy role)")
        oidc = self.existing_oidc_provider_arn
        if oidc is not None and not re.fullmatch(rf"arn:[a-z-]+:iam::\d{{12}}:oidc-provider/{GITHUB_OIDC_HOST}", oidc):
            raise ValueError(f"guardrails {prefix!r}: existing_oidc_provider_arn {oidc!r}; "
                             f"fix: 'arn:<partition>:iam::<account>:oidc-provider/{GITHUB_OIDC_HOST}'")
        if self.bucket_name_prefix is not None and not re.fullmatch(r"[a-z0-9][a-z0-9.-]{2,}",
                                                                    self.bucket_name_prefix):
            raise ValueError(f"guardrails {prefix!r}: bucket_name_prefix {self.bucket_name_prefix!r}; fix: at least "
                             "3 characters of a bucket name, e.g. 'shop-prod-' (no wildcards)")
        if self.iam_permissions_boundary_arn is not None and not re.fullmatch(
                r"arn:[a-z-]+:iam::(\d{12}|aws):policy/[\w+=,.@/-]+", self.iam_permissions_boundary_arn):
            raise ValueError(f"guardrails {prefix!r}: iam_permissions_boundary_arn "
                             f"{self.iam_permissions_boundary_arn!r}; fix: a managed policy ARN")
        if isinstance(self.protected_resource_arns, str):
            raise ValueError(f"guardrails {prefix!r}: protected_resource_arns={self.protected_resource_arns!r} is "
                             "a string; fix: a list of ARNs")
        for arn in self.protected_resource_arns:
            if not Token.is_unresolved(arn) and not re.fullmatch(r"arn:[a-z-]+:[a-z0-9-]+:[^*\s]*:[^\s]+", arn):
                raise ValueError(f"guardrails {prefix!r}: protected resource {arn!r}; fix: a resource ARN "
                                 "(not '*': that would deny the deploy role everything)")
        if isinstance(self.guarded_role_names, str):
            raise ValueError(f"guardrails {prefix!r}: guarded_role_names={self.guarded_role_names!r} is a string; "
                             "fix: a list of role names")
        for role in self.guarded_role_names:
            if not IAM_NAME.fullmatch(role):
                raise ValueError(f"guardrails {prefix!r}: guarded role {role!r}; fix: a role name (1-64 letters, "
                                 "digits or '+=,.@_-'; no wildcards)")
        for index, statement in enumerate(self.extra_statements):
            if _allows_everything(statement):
                raise ValueError(f"guardrails {prefix!r}: extra_statements[{index}] allows '*' on '*'; that is "
                                 "administrator access; fix: name the actions and resources the deployment needs")
        if not 3600 <= self.max_session_seconds <= 43200:
            raise ValueError(f"guardrails {prefix!r}: max_session_seconds={self.max_session_seconds}; "
                             "fix: 3600 to 43200")
        if not 14 <= self.minimum_password_length <= 128:
            raise ValueError(f"guardrails {prefix!r}: minimum_password_length={self.minimum_password_length}; "
                             "fix: 14 to 128 (14 is the CIS minimum)")
        if not 1 <= self.password_reuse_prevention <= 24:
            raise ValueError(f"guardrails {prefix!r}: password_reuse_prevention={self.password_reuse_prevention}; "
                             "fix: 1 to 24 (24, the CIS value, is the default)")
        if self.max_password_age_days is not None and not 1 <= self.max_password_age_days <= 90:
            raise ValueError(f"guardrails {prefix!r}: max_password_age_days={self.max_password_age_days}; "
                             "fix: 1 to 90, or None for no expiry")

    @property
    def partition(self) -> str:
        return self.state_bucket_arn.split(":")[1]

    @property
    def github_subjects(self) -> list[str]:
        return github_subjects(self.github_org, self.github_repo, self.github_branches, self.github_environments)

    def iam_arn(self, kind: str, name: str) -> str:
        return f"arn:{self.partition}:iam::{self.account_id}:{kind}/{name}"


class AccountGuardrails(Construct):
    """Password policy, MFA-only admins group, GitHub OIDC provider and a project-scoped deploy role."""

    def __init__(self, scope: Construct, id: str, props: AccountGuardrailsProps) -> None:
        super().__init__(scope, id)
        self.props = props
        self.password_policy = IamAccountPasswordPolicy(
            self, "password-policy", minimum_password_length=props.minimum_password_length,
            require_lowercase_characters=True, require_uppercase_characters=True, require_numbers=True,
            require_symbols=True, password_reuse_prevention=props.password_reuse_prevention,
            max_password_age=props.max_password_age_days, hard_expiry=False, allow_users_to_change_password=True)
        self._admins()
        self._github_deploy_role()

    @property
    def admins_group_name(self) -> str:
        return self.admins_group.name

    @property
    def deploy_role_arn(self) -> str:
        return self.deploy_role.arn

    def _admins(self) -> None:
        props = self.props
        me = props.iam_arn("user", "&{aws:username}")  # an IAM policy variable ('&{}': Terraform leaves it alone)
        mfa_required = DataAwsIamPolicyDocument(self, "admins-policy-document", statement=[
            DataAwsIamPolicyDocumentStatement(
                sid="AdministerOnlyWithMfa", actions=["*"], resources=["*"], condition=[_condition(
                    "Bool", "aws:MultiFactorAuthPresent", "true")]),
            DataAwsIamPolicyDocumentStatement(
                sid="ViewAccountPasswordPolicyAndMfaDevices", resources=["*"],
                actions=["iam:GetAccountPasswordPolicy", "iam:ListVirtualMFADevices"]),
            DataAwsIamPolicyDocumentStatement(
                sid="ManageOwnPasswordAndMfa", resources=[me], actions=[
                    "iam:ChangePassword", "iam:GetUser", "iam:EnableMFADevice", "iam:ListMFADevices",
                    "iam:ResyncMFADevice"]),
            DataAwsIamPolicyDocumentStatement(
                sid="CreateOwnVirtualMfaDevice", actions=["iam:CreateVirtualMFADevice"],
                resources=[props.iam_arn("mfa", "*")]),
            DataAwsIamPolicyDocumentStatement(
                sid="BlockMostAccessUnlessSignedInWithMFA", effect="Deny", not_actions=list(MFA_SELF_SERVICE),
                resources=["*"], condition=[_condition("BoolIfExists", "aws:MultiFactorAuthPresent", "false")]),
        ])
        self.admins_group = IamGroup(self, "admins-group", name=f"{props.name_prefix}-admins")
        self.admins_policy = IamPolicy(
            self, "admins-policy", name=f"{props.name_prefix}-admins-require-mfa", policy=mfa_required.json,
            description="Administrator access only when signed in with MFA; without MFA only MFA set-up")
        IamGroupPolicyAttachment(self, "admins-policy-attachment", group=self.admins_group.name,
                                 policy_arn=self.admins_policy.arn)

    def _github_deploy_role(self) -> None:
        props = self.props
        if props.existing_oidc_provider_arn:
            self.oidc_provider: IamOpenidConnectProvider | None = None
            provider_arn = props.existing_oidc_provider_arn
        else:
            self.oidc_provider = IamOpenidConnectProvider(
                self, "github-oidc-provider", url=f"https://{GITHUB_OIDC_HOST}", client_id_list=[GITHUB_AUDIENCE],
                thumbprint_list=list(GITHUB_THUMBPRINTS))
            provider_arn = self.oidc_provider.arn
        self.oidc_provider_arn = provider_arn
        trust = github_trust_document(self, "deploy-role-trust", provider_arn, props.github_subjects)
        self.deploy_role = IamRole(
            self, "deploy-role", name=f"{props.name_prefix}-github-deploy", assume_role_policy=trust.json,
            max_session_duration=props.max_session_seconds,
            description=f"GitHub Actions of {props.github_org}/{props.github_repo} deploy {props.project}")
        document = DataAwsIamPolicyDocument(self, "deploy-policy-document", statement=self._deploy_statements())
        self.deploy_policy = IamRolePolicy(self, "deploy-policy", name="deploy-project", role=self.deploy_role.id,
                                           policy=document.json)

    def _deploy_statements(self) -> list[DataAwsIamPolicyDocumentStatement]:
        props = self.props
        bucket, key_prefix = props.state_bucket_arn, props.state_key_prefix
        services = list(dict.fromkeys(props.managed_services))
        statement = DataAwsIamPolicyDocumentStatement
        statements = [
            statement(sid="ListStateBucket", actions=["s3:ListBucket"], resources=[bucket]),
            statement(sid="ReadWriteProjectState", actions=["s3:GetObject", "s3:PutObject"],
                      resources=[f"{bucket}/{key_prefix}*"]),
            statement(sid="ReleaseProjectStateLocks", actions=["s3:DeleteObject"],
                      resources=[f"{bucket}/{key_prefix}*.tflock"]),
            statement(sid="UseStateKeyThroughS3", actions=["kms:Decrypt", "kms:GenerateDataKey"],
                      resources=[props.state_kms_key_arn], condition=[
                          _condition("StringEquals", "kms:ViaService", f"s3.{props.state_region}.amazonaws.com")]),
        ]
        # Resources of this account only (any region): a resource shared from another account (RAM, a key
        # policy naming us) does not become ours by carrying our Project tag.
        own_resources = [f"arn:{props.partition}:{service}:*:{props.account_id}:*" for service in services]
        if services:
            statements += [
                statement(sid="ReadMetadataOfManagedServices", resources=["*"],
                          actions=[f"{s}:{verb}*" for s in services for verb in ("Describe", "List")]),
                statement(sid="ManageResourcesTaggedWithTheProject", actions=[f"{s}:*" for s in services],
                          resources=own_resources,
                          condition=[_condition("StringEquals", "aws:ResourceTag/Project", props.project)]),
                statement(sid="CreateResourcesTaggedWithTheProject", actions=[f"{s}:*" for s in services],
                          resources=own_resources,
                          condition=[_condition("StringEquals", "aws:RequestTag/Project", props.project)]),
            ]
        bucket_prefix = props.bucket_name_prefix or f"{props.name_prefix}-"
        statements.append(statement(sid="ManageProjectBuckets", actions=["s3:*"],
                                    resources=[f"arn:{props.partition}:s3:::{bucket_prefix}*"]))
        statements += [  # Get* names a resource (this account's, or an AWS managed policy); most List* do not
            statement(sid="ReadIamOfThisAccount", actions=["iam:Get*"],
                      # IAM refuses 'iam::<account>:*': a resource path names its kind
                      resources=[*(f"arn:{props.partition}:iam::{props.account_id}:{kind}/*" for kind in IAM_KINDS),
                                 f"arn:{props.partition}:iam::aws:policy/*"]),
            statement(sid="ListIam", actions=["iam:List*"], resources=["*"]),
        ]
        statements.append(statement(
            sid="CreateServiceLinkedRoles", actions=["iam:CreateServiceLinkedRole"],
            resources=[props.iam_arn("role", "aws-service-role/*")]))
        named = [props.iam_arn(kind, f"{props.name_prefix}-*") for kind in ("role", "policy", "instance-profile")]
        boundary = props.iam_permissions_boundary_arn
        if boundary:
            statements += [
                statement(sid="ManageProjectIamUnderTheBoundary", actions=["iam:*"], resources=named),
                statement(sid="DenyRolesWithoutTheBoundary", effect="Deny",
                          actions=["iam:CreateRole", "iam:PutRolePermissionsBoundary"], resources=named[:1],
                          condition=[_condition("StringNotEquals", "iam:PermissionsBoundary", boundary)]),
                statement(sid="DenyRemovingTheBoundary", effect="Deny",
                          actions=["iam:DeleteRolePermissionsBoundary"], resources=named[:1]),
            ]
        guardrails = [props.iam_arn("role", f"{props.name_prefix}-github-deploy"),
                      props.iam_arn("group", f"{props.name_prefix}-admins"),
                      props.iam_arn("policy", f"{props.name_prefix}-admins-require-mfa"),
                      props.existing_oidc_provider_arn or props.iam_arn("oidc-provider", GITHUB_OIDC_HOST),
                      *([boundary] if boundary else []),
                      *(props.iam_arn("role", role) for role in props.guarded_role_names)]
        statements += [
            statement(sid="DenyChangingTheGuardrails", effect="Deny", not_actions=["iam:Get*", "iam:List*"],
                      resources=guardrails),
            statement(sid="DenyChangingTheStateStore", effect="Deny", not_actions=list(STATE_ACCESS),
                      resources=[bucket, f"{bucket}/*", props.state_kms_key_arn]),
            statement(sid="DenySwitchingOffTheAuditTrail", effect="Deny", actions=list(AUDIT_TAMPERING),
                      resources=["*"]),
            *([statement(sid="DenyRetaggingOtherProjectsResources", effect="Deny",
                         actions=_tagging_actions(services), resources=["*"], condition=[
                             _condition("Null", "aws:ResourceTag/Project", "false"),
                             _condition("StringNotEquals", "aws:ResourceTag/Project", props.project)])]
              if services else []),
            *([statement(sid="DenyTouchingProtectedResources", effect="Deny", actions=["*"],
                         resources=list(props.protected_resource_arns))] if props.protected_resource_arns else []),
            *props.extra_statements,
        ]
        return statements


def _condition(test: str, variable: str, value: str) -> DataAwsIamPolicyDocumentStatementCondition:
    return DataAwsIamPolicyDocumentStatementCondition(test=test, variable=variable, values=[value])


def _tagging_actions(services: Sequence[str]) -> list[str]:
    uniform = [f"{service}:{verb}" for service in services for verb in ("TagResource", "UntagResource")]
    return list(dict.fromkeys([*uniform, *(a for a in LEGACY_TAGGING_ACTIONS if a.split(":")[0] in services)]))


def _allows_everything(statement: DataAwsIamPolicyDocumentStatement) -> bool:
    if (statement.effect or "Allow") != "Allow":
        return False
    everything = "*" in (statement.actions or []) or bool(statement.not_actions)
    on_anything = "*" in (statement.resources or []) or bool(statement.not_resources)
    return everything and on_anything
