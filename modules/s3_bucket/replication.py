"""Replication from one SecureBucket to others, with a role that can do only that.

Two kinds of destination, as rules of the source's one replication configuration (S3 keeps one per bucket):

* the replica, in another region: every object version and delete marker is copied and re-encrypted
  with the replica's own KMS key, so losing the primary region loses neither the data nor the ability
  to decrypt it;
* copies, in the source's region: every object version is copied under the copy bucket's key, but
  delete markers are not, so an object deleted from the source stays current in the copy (a backup,
  not a mirror). Version-specific deletions are never replicated by S3, to either kind.

Only objects written after the configuration exists are replicated (S3 Batch Replication copies older
ones), and S3 never replicates a replica onward: a destination's own replication does not carry them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.s3_bucket_replication_configuration import (
    S3BucketReplicationConfigurationA,
    S3BucketReplicationConfigurationRule,
    S3BucketReplicationConfigurationRuleDeleteMarkerReplication,
    S3BucketReplicationConfigurationRuleDestination,
    S3BucketReplicationConfigurationRuleDestinationEncryptionConfiguration,
    S3BucketReplicationConfigurationRuleFilter,
    S3BucketReplicationConfigurationRuleSourceSelectionCriteria,
)
from cdktf_cdktf_provider_aws.s3_bucket_replication_configuration import (
    S3BucketReplicationConfigurationRuleSourceSelectionCriteriaSseKmsEncryptedObjects as SseKmsEncryptedObjects,
)
from constructs import Construct

from modules.kms import EncryptionKey
from modules.s3_bucket.bucket import SecureBucket

REPLICA_RULE = "everything-to-replica"
"""Id of the rule copying everything, delete markers too, to the replica in another region."""


@dataclass(frozen=True)
class BucketCopy:
    """A bucket in the source's region that keeps a copy of every object version written to the source."""

    bucket: SecureBucket
    key: EncryptionKey
    """The copy bucket's key: copies are re-encrypted with it (through S3 in the source's region)."""
    rule_id: str
    """Id of the replication rule, e.g. 'copy-to-originals-backup'."""


@dataclass(frozen=True)
class BucketReplicationProps:
    source: SecureBucket
    source_key: EncryptionKey
    """The source bucket's key: the role may decrypt with it, only through S3 in the source region."""
    source_region: str
    role_name: str
    account_id: str
    destination: SecureBucket | None = None
    """The replica in another region (with destination_key and destination_region). Default none."""
    destination_key: EncryptionKey | None = None
    """The replica's own key, in the destination region: replicas are re-encrypted with it."""
    destination_region: str | None = None
    copies: Sequence[BucketCopy] = ()
    """Buckets in the source's region keeping what the source deletes. Default none."""

    def __post_init__(self) -> None:
        replica = (self.destination, self.destination_key, self.destination_region)
        if any(part is None for part in replica) and any(part is not None for part in replica):
            raise ValueError(f"replication {self.role_name!r}: destination, destination_key and destination_region "
                             "go together; fix: pass all three for a replica in another region, or none")
        if self.destination is None and not self.copies:
            raise ValueError(f"replication {self.role_name!r} has no destination and no copies; fix: pass a replica "
                             "in another region (destination) or a copy bucket (copies)")
        if self.destination is not None and self.source_region == self.destination_region:
            raise ValueError(f"replication from {self.source_region} to itself; fix: choose another region "
                             "(cross-region replication protects against a regional outage)")
        buckets = [copy.bucket for copy in self.copies]
        if self.source in buckets or len(set(map(id, buckets))) != len(buckets):
            raise ValueError(f"replication {self.role_name!r}: a copy bucket is the source or is listed twice; "
                             "fix: list each copy bucket once, other than the source")
        rule_ids = [copy.rule_id for copy in self.copies] + ([REPLICA_RULE] if self.destination else [])
        if len(set(rule_ids)) != len(rule_ids):
            raise ValueError(f"replication {self.role_name!r}: rule ids {rule_ids} repeat; fix: give each copy its "
                             "own rule_id")


class BucketReplication(Construct):
    def __init__(self, scope: Construct, id: str, props: BucketReplicationProps) -> None:
        super().__init__(scope, id)
        trust = DataAwsIamPolicyDocument(self, "trust", statement=[DataAwsIamPolicyDocumentStatement(
            actions=["sts:AssumeRole"],
            principals=[DataAwsIamPolicyDocumentStatementPrincipals(type="Service", identifiers=["s3.amazonaws.com"])],
            condition=[DataAwsIamPolicyDocumentStatementCondition(
                test="StringEquals", variable="aws:SourceAccount", values=[props.account_id])])])
        self.role = IamRole(self, "role", name=props.role_name, assume_role_policy=trust.json)
        permissions = DataAwsIamPolicyDocument(self, "permissions", statement=_permissions(props))
        IamRolePolicy(self, "role-policy", name="replicate", role=self.role.id, policy=permissions.json)
        rules = [*([_replica_rule(props)] if props.destination else []), *map(_copy_rule, props.copies)]
        if len(rules) > 1:  # S3 needs a distinct priority per rule once there are several
            for priority, rule in enumerate(rules, start=1):
                rule.priority = priority
        destinations = [*([props.destination] if props.destination else []), *(c.bucket for c in props.copies)]
        self.configuration = S3BucketReplicationConfigurationA(
            self, "configuration", bucket=props.source.bucket.id, role=self.role.arn,
            depends_on=[props.source.versioning, *(bucket.versioning for bucket in destinations)],
            rule=[rule.build() for rule in rules])


def _permissions(props: BucketReplicationProps) -> list[DataAwsIamPolicyDocumentStatement]:
    """Read the source's versions and decrypt them through S3 there; write replicas (deletes too) and copies
    (no deletes) and encrypt each under its own key, through S3 in its region."""
    statement, source = DataAwsIamPolicyDocumentStatement, props.source.arn
    statements = [
        statement(sid="ReadReplicationConfiguration", actions=["s3:GetReplicationConfiguration", "s3:ListBucket"],
                  resources=[source]),
        statement(sid="ReadSourceVersions", actions=[
            "s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
            resources=[f"{source}/*"]),
    ]
    if props.destination:
        statements.append(statement(sid="WriteReplicas", actions=[
            "s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"], resources=[f"{props.destination.arn}/*"]))
    if props.copies:
        statements.append(statement(sid="WriteCopies", actions=["s3:ReplicateObject", "s3:ReplicateTags"],
                                    resources=[f"{copy.bucket.arn}/*" for copy in props.copies]))
    statements.append(_through_s3("DecryptSourceThroughS3", ["kms:Decrypt"], [props.source_key.arn],
                                  props.source_region))
    if props.destination and props.destination_key and props.destination_region:
        statements.append(_through_s3("EncryptReplicasThroughS3", ["kms:Encrypt", "kms:GenerateDataKey"],
                                      [props.destination_key.arn], props.destination_region))
    if props.copies:
        keys = list(dict.fromkeys(copy.key.arn for copy in props.copies))
        statements.append(_through_s3("EncryptCopiesThroughS3", ["kms:Encrypt", "kms:GenerateDataKey"], keys,
                                      props.source_region))
    return statements


def _through_s3(sid: str, actions: list[str], keys: list[str], region: str) -> DataAwsIamPolicyDocumentStatement:
    return DataAwsIamPolicyDocumentStatement(
        sid=sid, actions=actions, resources=keys, condition=[DataAwsIamPolicyDocumentStatementCondition(
            test="StringEquals", variable="kms:ViaService", values=[f"s3.{region}.amazonaws.com"])])


@dataclass
class _Rule:
    """One replication rule before its priority is known (set only when the configuration has several)."""

    id: str
    bucket_arn: str
    key_arn: str
    replicate_deletes: bool
    priority: int | None = None

    def build(self) -> S3BucketReplicationConfigurationRule:
        return S3BucketReplicationConfigurationRule(
            id=self.id, status="Enabled", priority=self.priority,
            filter=S3BucketReplicationConfigurationRuleFilter(prefix=""),
            delete_marker_replication=S3BucketReplicationConfigurationRuleDeleteMarkerReplication(
                status="Enabled" if self.replicate_deletes else "Disabled"),
            source_selection_criteria=S3BucketReplicationConfigurationRuleSourceSelectionCriteria(
                sse_kms_encrypted_objects=SseKmsEncryptedObjects(status="Enabled")),
            destination=S3BucketReplicationConfigurationRuleDestination(
                bucket=self.bucket_arn, storage_class="STANDARD",
                encryption_configuration=S3BucketReplicationConfigurationRuleDestinationEncryptionConfiguration(
                    replica_kms_key_id=self.key_arn)))


def _replica_rule(props: BucketReplicationProps) -> _Rule:
    assert props.destination is not None and props.destination_key is not None
    return _Rule(REPLICA_RULE, props.destination.arn, props.destination_key.arn, replicate_deletes=True)


def _copy_rule(copy: BucketCopy) -> _Rule:
    return _Rule(copy.rule_id, copy.bucket.arn, copy.key.arn, replicate_deletes=False)
