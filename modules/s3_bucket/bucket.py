"""The one S3 bucket construct every stack uses: private, versioned, encrypted, TLS-only, logged.

Secure settings are not options: all public access is blocked, ACLs are disabled (bucket owner
enforced), the policy refuses plain HTTP and TLS below 1.2, versioning is on. What varies is
declared in the props: the key, where access logs go, lifecycle, and whether the bucket itself
receives access logs (S3 allows only SSE-S3 on such a target bucket). Constructs that need a
service admitted (CloudFront reading a site, log delivery writing) add statements to the bucket's
one policy with `add_policy_statements`: S3 keeps a single policy per bucket, so a second
aws_s3_bucket_policy would silently replace this one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from cdktf import TerraformProvider, Token
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from cdktf_cdktf_provider_aws.s3_bucket import S3Bucket
from cdktf_cdktf_provider_aws.s3_bucket_lifecycle_configuration import (
    S3BucketLifecycleConfiguration,
    S3BucketLifecycleConfigurationRule,
    S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload,
    S3BucketLifecycleConfigurationRuleExpiration,
    S3BucketLifecycleConfigurationRuleFilter,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration,
    S3BucketLifecycleConfigurationRuleNoncurrentVersionTransition,
    S3BucketLifecycleConfigurationRuleTransition,
)
from cdktf_cdktf_provider_aws.s3_bucket_logging import S3BucketLoggingA
from cdktf_cdktf_provider_aws.s3_bucket_ownership_controls import (
    S3BucketOwnershipControls,
    S3BucketOwnershipControlsRule,
)
from cdktf_cdktf_provider_aws.s3_bucket_policy import S3BucketPolicy
from cdktf_cdktf_provider_aws.s3_bucket_public_access_block import S3BucketPublicAccessBlock
from cdktf_cdktf_provider_aws.s3_bucket_server_side_encryption_configuration import (
    S3BucketServerSideEncryptionConfigurationA,
    S3BucketServerSideEncryptionConfigurationRuleA,
    S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA,
)
from cdktf_cdktf_provider_aws.s3_bucket_versioning import (
    S3BucketVersioningA,
    S3BucketVersioningVersioningConfiguration,
)
from constructs import Construct

from modules.kms import EncryptionKey

STORAGE_CLASSES = ("STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE")


@dataclass(frozen=True)
class LifecycleRule:
    """One lifecycle rule; days are counted from object creation (or from becoming noncurrent)."""

    id: str
    prefix: str = ""
    transitions: Sequence[tuple[int, str]] = ()
    """(days, storage class) for current versions, e.g. (90, 'GLACIER') for seed 004's assets."""
    noncurrent_transitions: Sequence[tuple[int, str]] = ()
    """(days, storage class) for noncurrent versions, e.g. (30, 'STANDARD_IA') for seed 000."""
    noncurrent_expiration_days: int | None = 90
    """Old versions are deleted after this many days; None keeps them forever."""
    expiration_days: int | None = None
    abort_incomplete_upload_days: int = 7

    def __post_init__(self) -> None:
        for days, storage_class in (*self.transitions, *self.noncurrent_transitions):
            if not Token.is_unresolved(storage_class) and storage_class not in STORAGE_CLASSES:
                raise ValueError(f"lifecycle rule {self.id!r}: storage class {storage_class!r}; "
                                 f"fix: use one of {STORAGE_CLASSES}")
            if not Token.is_unresolved(days) and days < 1:
                raise ValueError(f"lifecycle rule {self.id!r}: transition after {days} days; fix: use 1 or more")


DEFAULT_LIFECYCLE = (LifecycleRule(id="expire-old-versions"),)


@dataclass(frozen=True)
class SecureBucketProps:
    bucket_name: str
    encryption_key: EncryptionKey | None
    """KMS key for SSE-KMS. None means SSE-S3, allowed only with receives_access_logs (an S3 limit)."""
    access_logs_to: SecureBucket | None
    """Bucket receiving this bucket's server access logs. None only for an access-log bucket itself."""
    access_log_prefix: str = ""
    receives_access_logs: bool = False
    """This bucket is a server-access-log target: SSE-S3 and a policy admitting the logging service."""
    account_id: str | None = None
    """Required with receives_access_logs: only this account's buckets may deliver logs here."""
    load_balancer_log_writer: str | None = None
    """ARN of the region's Elastic Load Balancing account: the bucket receives ALB access logs (SSE-S3,
    the only encryption ALB log delivery supports) under AWSLogs/<account_id>/ only."""
    cloudtrail_writer_trail_arn: str | None = None
    """ARN of the one CloudTrail trail delivering its log files here (modules.audit.AuditTrail; build it with
    modules.audit.trail_arn, the trail does not exist yet when S3 checks the policy): the policy admits
    cloudtrail.amazonaws.com for that trail only (aws:SourceArn), GetBucketAcl on the bucket and PutObject under
    AWSLogs/<trail account>/. No ACL condition: ownership is BucketOwnerEnforced. Default none."""
    lifecycle_rules: Sequence[LifecycleRule] = field(default_factory=lambda: DEFAULT_LIFECYCLE)
    force_destroy: bool = False
    """Default false: Terraform refuses to delete a bucket that still holds objects."""
    provider: TerraformProvider | None = None
    """Provider (region) to create the bucket with; default the stack's default AWS provider."""

    def __post_init__(self) -> None:
        log_target = self.receives_access_logs or self.load_balancer_log_writer is not None
        if self.encryption_key is None and not log_target:
            raise ValueError(f"bucket {self.bucket_name!r} has no encryption_key; fix: pass an EncryptionKey "
                             "(SSE-S3 is used only for access-log target buckets)")
        if self.access_logs_to is None and not log_target:
            raise ValueError(f"bucket {self.bucket_name!r} has no access_logs_to; fix: pass the access-log bucket")
        if log_target and not self.account_id:
            raise ValueError(f"access-log bucket {self.bucket_name!r} needs account_id to scope log delivery")
        trail = self.cloudtrail_writer_trail_arn
        if trail is not None and not Token.is_unresolved(trail) and not _is_trail_arn(trail):  # HCL modules: variables
            raise ValueError(f"bucket {self.bucket_name!r}: cloudtrail_writer_trail_arn {trail!r} is not a trail ARN; "
                             "fix: pass modules.audit.trail_arn(...), 'arn:<partition>:cloudtrail:<region>:<account>"
                             ":trail/<name>'")


class SecureBucket(Construct):
    def __init__(self, scope: Construct, id: str, props: SecureBucketProps) -> None:
        super().__init__(scope, id)
        where = {"provider": props.provider}
        self.bucket = S3Bucket(self, "bucket", bucket=props.bucket_name, force_destroy=props.force_destroy, **where)
        bucket_id = self.bucket.id
        S3BucketPublicAccessBlock(self, "public-access-block", bucket=bucket_id, block_public_acls=True,
                                  block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True,
                                  **where)
        S3BucketOwnershipControls(self, "ownership", bucket=bucket_id,
                                  rule=S3BucketOwnershipControlsRule(object_ownership="BucketOwnerEnforced"), **where)
        self.versioning = S3BucketVersioningA(
            self, "versioning", bucket=bucket_id,
            versioning_configuration=S3BucketVersioningVersioningConfiguration(status="Enabled"), **where)
        key = props.encryption_key
        encryption = S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
            sse_algorithm="aws:kms" if key else "AES256", kms_master_key_id=key.arn if key else None)
        S3BucketServerSideEncryptionConfigurationA(self, "encryption", bucket=bucket_id, rule=[
            S3BucketServerSideEncryptionConfigurationRuleA(
                apply_server_side_encryption_by_default=encryption, bucket_key_enabled=bool(key))], **where)
        self.policy_document = self._policy(props)
        self.policy = S3BucketPolicy(self, "policy", bucket=bucket_id, policy=self.policy_document.json, **where)
        self.cloudtrail_writer_trail_arn = props.cloudtrail_writer_trail_arn  # AuditTrail checks it names the trail
        if props.access_logs_to is not None:
            S3BucketLoggingA(self, "access-logging", bucket=bucket_id, target_bucket=props.access_logs_to.name,
                             target_prefix=props.access_log_prefix or f"{props.bucket_name}/",
                             depends_on=[props.access_logs_to.policy], **where)  # S3 checks the target admits logs
        S3BucketLifecycleConfiguration(self, "lifecycle", bucket=bucket_id,
                                       rule=[_lifecycle_rule(r) for r in props.lifecycle_rules], **where)

    @cached_property
    def name(self) -> str:  # cached: one jsii call, not one per reader
        return self.bucket.bucket

    @cached_property
    def arn(self) -> str:
        return self.bucket.arn

    def add_policy_statements(self, *statements: DataAwsIamPolicyDocumentStatement) -> None:
        """Admit more principals through the bucket's one policy. Each statement needs a sid not yet used
        (the policy document refuses duplicates); the deny statements above still apply to them."""
        used = {s.sid for s in self._statements}
        for statement in statements:
            if not statement.sid or statement.sid in used:
                raise ValueError(f"bucket policy statement sid {statement.sid!r} is missing or already used "
                                 f"({sorted(filter(None, used))}); fix: give each added statement its own sid")
            used.add(statement.sid)
        self._statements.extend(statements)
        self.policy_document.put_statement(self._statements)

    def _policy(self, props: SecureBucketProps) -> DataAwsIamPolicyDocument:
        anyone = [DataAwsIamPolicyDocumentStatementPrincipals(type="*", identifiers=["*"])]
        everything = [self.bucket.arn, f"{self.bucket.arn}/*"]
        statements = [
            DataAwsIamPolicyDocumentStatement(
                sid="DenyInsecureTransport", effect="Deny", principals=anyone, actions=["s3:*"], resources=everything,
                condition=[DataAwsIamPolicyDocumentStatementCondition(
                    test="Bool", variable="aws:SecureTransport", values=["false"])]),
            DataAwsIamPolicyDocumentStatement(
                sid="DenyOutdatedTls", effect="Deny", principals=anyone, actions=["s3:*"], resources=everything,
                condition=[DataAwsIamPolicyDocumentStatementCondition(
                    test="NumericLessThan", variable="s3:TlsVersion", values=["1.2"])]),
        ]
        if props.receives_access_logs:
            statements.append(DataAwsIamPolicyDocumentStatement(
                sid="AllowServerAccessLogDelivery",
                principals=[DataAwsIamPolicyDocumentStatementPrincipals(
                    type="Service", identifiers=["logging.s3.amazonaws.com"])],
                actions=["s3:PutObject"], resources=[f"{self.bucket.arn}/*"],
                condition=[DataAwsIamPolicyDocumentStatementCondition(
                    test="StringEquals", variable="aws:SourceAccount", values=[props.account_id or ""])]))
        if props.load_balancer_log_writer:
            statements.append(DataAwsIamPolicyDocumentStatement(
                sid="AllowLoadBalancerLogDelivery",
                principals=[DataAwsIamPolicyDocumentStatementPrincipals(
                    type="AWS", identifiers=[props.load_balancer_log_writer])],
                actions=["s3:PutObject"], resources=[f"{self.bucket.arn}/AWSLogs/{props.account_id}/*"]))
        if props.cloudtrail_writer_trail_arn:
            trail, account = props.cloudtrail_writer_trail_arn, props.cloudtrail_writer_trail_arn.split(":")[4]
            for sid, action, resource in (("AllowCloudTrailAclCheck", "s3:GetBucketAcl", self.bucket.arn),
                                          ("AllowCloudTrailDelivery", "s3:PutObject",
                                           f"{self.bucket.arn}/AWSLogs/{account}/*")):
                statements.append(DataAwsIamPolicyDocumentStatement(
                    sid=sid, actions=[action], resources=[resource],
                    principals=[DataAwsIamPolicyDocumentStatementPrincipals(
                        type="Service", identifiers=["cloudtrail.amazonaws.com"])],
                    condition=[DataAwsIamPolicyDocumentStatementCondition(
                        test="StringEquals", variable="aws:SourceArn", values=[trail])]))
        self._statements = statements
        return DataAwsIamPolicyDocument(self, "policy-document", statement=statements)


def _is_trail_arn(arn: str) -> bool:
    parts = arn.split(":")
    return (len(parts) == 6 and parts[0] == "arn" and parts[2] == "cloudtrail" and parts[4].isdigit()
            and len(parts[4]) == 12 and parts[5].startswith("trail/") and len(parts[5]) > len("trail/"))


def _lifecycle_rule(rule: LifecycleRule) -> S3BucketLifecycleConfigurationRule:
    return S3BucketLifecycleConfigurationRule(
        id=rule.id, status="Enabled",
        filter=[S3BucketLifecycleConfigurationRuleFilter(prefix=rule.prefix)],
        abort_incomplete_multipart_upload=[S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(
            days_after_initiation=rule.abort_incomplete_upload_days)],
        transition=[S3BucketLifecycleConfigurationRuleTransition(days=d, storage_class=c)
                    for d, c in rule.transitions] or None,
        noncurrent_version_transition=[S3BucketLifecycleConfigurationRuleNoncurrentVersionTransition(
            noncurrent_days=d, storage_class=c) for d, c in rule.noncurrent_transitions] or None,
        noncurrent_version_expiration=[S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(
            noncurrent_days=rule.noncurrent_expiration_days)] if rule.noncurrent_expiration_days else None,
        expiration=[S3BucketLifecycleConfigurationRuleExpiration(days=rule.expiration_days)]
        if rule.expiration_days else None,
    )
