"""The account's CloudTrail trail: every region, global services, validated log files, encrypted, and a copy
in CloudWatch Logs for the security alarms (SecurityEventAlarms).

Log files go to a dedicated SecureBucket and are encrypted with a customer key. Both are created by the stack
and passed in, so what they must admit is exported here: `trail_arn` for the bucket
(SecureBucketProps.cloudtrail_writer_trail_arn: the policy must admit the trail before the trail exists, so
the ARN is built from its name) and `cloudtrail_key_grants` for the key (CloudTrail for this trail, and
CloudWatch Logs for the trail's log group, which the same key encrypts). Pass the same key to the bucket
(SecureBucketProps.encryption_key) so that everything CloudTrail writes is under one customer key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdktf import Token
from cdktf_cdktf_provider_aws.cloudtrail import Cloudtrail, CloudtrailEventSelector
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from constructs import Construct

from modules.kms import EncryptionKey, ServiceGrant
from modules.s3_bucket import SecureBucket

CLOUDTRAIL = "cloudtrail.amazonaws.com"
ROLE_SUFFIX = "-cloudtrail-to-logs"
# CloudWatch Logs retention values (days) of at least one year, the CIS / checkov CKV_AWS_338 minimum.
RETENTION_DAYS = (365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)


def trail_arn(account_id: str, region: str, trail_name: str, partition: str = "aws") -> str:
    """The ARN the trail will have: for SecureBucketProps.cloudtrail_writer_trail_arn and aws:SourceArn conditions."""
    return f"arn:{partition}:cloudtrail:{region}:{account_id}:trail/{trail_name}"


def log_group_arn(account_id: str, region: str, log_group_name: str, partition: str = "aws") -> str:
    """ARN of a log group as KMS encryption contexts name it (no ':*' suffix)."""
    return f"arn:{partition}:logs:{region}:{account_id}:log-group:{log_group_name}"


def cloudtrail_key_grants(account_id: str, region: str, trail_name: str, log_group_name: str,
                          partition: str = "aws") -> list[ServiceGrant]:
    """What the trail's key must grant (pass to EncryptionKeyProps.service_grants).

    CloudTrail: GenerateDataKey* to encrypt log files and DescribeKey to check the key, only for this trail
    (aws:SourceArn) and only with an encryption context naming a trail of this account. AWS documents two
    statements (the context condition on GenerateDataKey* only); EncryptionKey writes one statement per
    service, so the context condition is StringLikeIfExists: DescribeKey carries no encryption context and
    passes, GenerateDataKey* always carries it and must match. CloudWatch Logs of the trail's region: the
    key use of the one log group (its ARN in the encryption context).
    """
    arn = trail_arn(account_id, region, trail_name, partition)
    return [
        ServiceGrant(service=CLOUDTRAIL, actions=("kms:GenerateDataKey*", "kms:DescribeKey"), conditions=[
            ("StringEquals", "aws:SourceArn", [arn]),
            ("StringLikeIfExists", "kms:EncryptionContext:aws:cloudtrail:arn",
             [f"arn:{partition}:cloudtrail:*:{account_id}:trail/*"])]),
        ServiceGrant(service=f"logs.{region}.amazonaws.com", conditions=[
            ("ArnEquals", "kms:EncryptionContext:aws:logs:arn",
             [log_group_arn(account_id, region, log_group_name, partition)])]),
    ]


@dataclass(frozen=True)
class AuditTrailProps:
    name: str
    """Trail name, e.g. 'shop-prod-audit' (3-128 letters, digits, '.', '_', '-'; CloudTrail's rules). Also the
    prefix of the CloudWatch Logs role '<name>-cloudtrail-to-logs' (at most 64 characters)."""
    account_id: str
    """Account of the trail: the bucket and key admit its ARN, the role may write only its log streams."""
    region: str
    """Home region of the trail (the stack's provider region); the log group and role policy live there."""
    encryption_key: EncryptionKey
    """Customer key of the log files and of the log group; built with cloudtrail_key_grants for this trail."""
    bucket: SecureBucket
    """Dedicated bucket receiving the log files; built with cloudtrail_writer_trail_arn=trail_arn(...) for this
    trail (checked when the trail is built). Keep its lifecycle at least as long as the audit retention."""
    log_group_name: str
    """CloudWatch Logs group of the trail, e.g. '/aws/cloudtrail/shop-prod-audit'; the same name goes to
    cloudtrail_key_grants and to SecurityEventAlarmsProps.log_group_name."""
    log_retention_days: int = 365
    """Days the log group keeps events. Default one year: the CIS minimum for audit logs (checkov CKV_AWS_338);
    the S3 copy is the long-term record."""
    partition: str = "aws"

    def __post_init__(self) -> None:
        # Terraform variables (the generated HCL modules) are checked by the variables' validations instead.
        literal = {field for field in ("name", "account_id", "region", "log_group_name", "log_retention_days")
                   if not Token.is_unresolved(getattr(self, field))}
        if "name" in literal and not _valid_trail_name(self.name):
            raise ValueError(f"trail name {self.name!r}; fix: 3-128 letters, digits, '.', '_' or '-', starting and "
                             "ending with a letter or digit, no two separators in a row, not an IP address")
        if "name" in literal and len(self.role_name) > 64:
            raise ValueError(f"trail name {self.name!r} makes the role name {self.role_name!r} "
                             f"{len(self.role_name)} characters; fix: shorten the name to "
                             f"{64 - len(ROLE_SUFFIX)} characters (IAM allows 64)")
        if "account_id" in literal and not re.fullmatch(r"\d{12}", self.account_id):
            raise ValueError(f"trail {self.name!r}: account_id {self.account_id!r}; fix: the 12-digit account id")
        if "region" in literal and not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", self.region):
            raise ValueError(f"trail {self.name!r}: region {self.region!r}; fix: a region code such as 'eu-west-1'")
        if "log_group_name" in literal and not re.fullmatch(r"[\w./#-]{1,512}", self.log_group_name):
            raise ValueError(f"trail {self.name!r}: log_group_name {self.log_group_name!r}; fix: 1-512 letters, "
                             "digits, '_', '-', '/', '.' or '#', e.g. '/aws/cloudtrail/<trail name>'")
        if "log_retention_days" in literal and self.log_retention_days not in RETENTION_DAYS:
            raise ValueError(f"trail {self.name!r}: log_retention_days={self.log_retention_days}; fix: one of "
                             f"{RETENTION_DAYS} (audit logs are kept at least a year, CloudWatch Logs allows "
                             "only these values)")

    @property
    def arn(self) -> str:
        return trail_arn(self.account_id, self.region, self.name, self.partition)

    @property
    def role_name(self) -> str:
        return f"{self.name}{ROLE_SUFFIX}"


class AuditTrail(Construct):
    """Multi-region trail with global service events, log file validation, KMS, S3 and CloudWatch Logs."""

    def __init__(self, scope: Construct, id: str, props: AuditTrailProps) -> None:
        super().__init__(scope, id)
        admitted = getattr(props.bucket, "cloudtrail_writer_trail_arn", None)
        if admitted != props.arn:
            raise ValueError(f"trail {props.name!r}: bucket admits CloudTrail for {admitted!r}, not {props.arn!r}; "
                             "fix: build the bucket with SecureBucketProps(cloudtrail_writer_trail_arn="
                             "trail_arn(account_id, region, name))")
        self.props = props
        key = props.encryption_key.arn
        self.log_group = CloudwatchLogGroup(self, "log-group", name=props.log_group_name, kms_key_id=key,
                                            retention_in_days=props.log_retention_days)
        # CloudTrail sends neither aws:SourceArn nor aws:SourceAccount when it assumes this role (AWS: "confused
        # deputy prevention is not applicable to the role policy for CloudWatch Logs monitoring"), so the trust
        # names the service only; what the role may do is the least there is: two actions on this trail's streams.
        trust = DataAwsIamPolicyDocument(self, "role-trust", statement=[DataAwsIamPolicyDocumentStatement(
            sid="CloudTrailDeliversToLogs", actions=["sts:AssumeRole"],
            principals=[DataAwsIamPolicyDocumentStatementPrincipals(type="Service", identifiers=[CLOUDTRAIL])])])
        self.role = IamRole(self, "role", name=props.role_name, assume_role_policy=trust.json,
                            description=f"CloudTrail {props.name} writes events to {props.log_group_name}",
                            max_session_duration=3600)
        # Streams are named '<account>_CloudTrail_<region>[_n]': the region part differs in a multi-region trail.
        streams = f"{self.log_group.arn}:log-stream:{props.account_id}_CloudTrail_*"
        write = DataAwsIamPolicyDocument(self, "role-policy-document", statement=[
            DataAwsIamPolicyDocumentStatement(sid="CreateTrailLogStreams", actions=["logs:CreateLogStream"],
                                              resources=[streams]),
            DataAwsIamPolicyDocumentStatement(sid="PutTrailLogEvents", actions=["logs:PutLogEvents"],
                                              resources=[streams])])
        self.role_policy = IamRolePolicy(self, "role-policy", name="write-trail-log-group", role=self.role.id,
                                         policy=write.json)
        self.trail = Cloudtrail(
            self, "trail", name=props.name, s3_bucket_name=props.bucket.name, kms_key_id=key,
            is_multi_region_trail=True, include_global_service_events=True, enable_log_file_validation=True,
            enable_logging=True,
            event_selector=[CloudtrailEventSelector(read_write_type="All", include_management_events=True)],
            cloud_watch_logs_group_arn=f"{self.log_group.arn}:*",  # CloudTrail wants the ':*' form
            cloud_watch_logs_role_arn=self.role.arn,
            # CloudTrail checks at creation that the bucket admits it and that the role can write.
            depends_on=[props.bucket.policy, self.role_policy])

    @property
    def arn(self) -> str:
        return self.trail.arn

    @property
    def log_group_name(self) -> str:
        """The log group's name as Terraform knows it: SecurityEventAlarms on it then wait for the group."""
        return self.log_group.name


def _valid_trail_name(name: str) -> bool:
    return (bool(re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{1,126})[A-Za-z0-9]", name))
            and not re.search(r"[._-]{2}", name) and not re.fullmatch(r"\d+\.\d+\.\d+\.\d+", name))
