"""Cross-region replication from one SecureBucket to another, with a role that can do only that.

Every object version (delete markers too) is copied to the replica and re-encrypted there with the
replica's own KMS key, so losing the primary region loses neither the data nor the ability to
decrypt it.
"""

from __future__ import annotations

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
    S3BucketReplicationConfigurationRuleSourceSelectionCriteriaSseKmsEncryptedObjects,
)
from constructs import Construct

from modules.kms import EncryptionKey
from modules.s3_bucket.bucket import SecureBucket


@dataclass(frozen=True)
class BucketReplicationProps:
    source: SecureBucket
    source_key: EncryptionKey
    """The source bucket's key: the role may decrypt with it, only through S3 in the source region."""
    source_region: str
    destination: SecureBucket
    destination_key: EncryptionKey
    """The replica's own key, in the destination region: replicas are re-encrypted with it."""
    destination_region: str
    role_name: str
    account_id: str

    def __post_init__(self) -> None:
        if self.source_region == self.destination_region:
            raise ValueError(f"replication from {self.source_region} to itself; fix: choose another region "
                             "(cross-region replication protects against a regional outage)")


class BucketReplication(Construct):
    def __init__(self, scope: Construct, id: str, props: BucketReplicationProps) -> None:
        super().__init__(scope, id)
        trust = DataAwsIamPolicyDocument(self, "trust", statement=[DataAwsIamPolicyDocumentStatement(
            actions=["sts:AssumeRole"],
            principals=[DataAwsIamPolicyDocumentStatementPrincipals(type="Service", identifiers=["s3.amazonaws.com"])],
            condition=[DataAwsIamPolicyDocumentStatementCondition(
                test="StringEquals", variable="aws:SourceAccount", values=[props.account_id])])])
        self.role = IamRole(self, "role", name=props.role_name, assume_role_policy=trust.json)
        source, destination = props.source.arn, props.destination.arn
        permissions = DataAwsIamPolicyDocument(self, "permissions", statement=[
            DataAwsIamPolicyDocumentStatement(sid="ReadReplicationConfiguration",
                                              actions=["s3:GetReplicationConfiguration", "s3:ListBucket"],
                                              resources=[source]),
            DataAwsIamPolicyDocumentStatement(sid="ReadSourceVersions", actions=[
                "s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
                resources=[f"{source}/*"]),
            DataAwsIamPolicyDocumentStatement(sid="WriteReplicas", actions=[
                "s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"], resources=[f"{destination}/*"]),
            DataAwsIamPolicyDocumentStatement(
                sid="DecryptSourceThroughS3", actions=["kms:Decrypt"], resources=[props.source_key.arn],
                condition=[DataAwsIamPolicyDocumentStatementCondition(
                    test="StringEquals", variable="kms:ViaService",
                    values=[f"s3.{props.source_region}.amazonaws.com"])]),
            DataAwsIamPolicyDocumentStatement(
                sid="EncryptReplicasThroughS3", actions=["kms:Encrypt", "kms:GenerateDataKey"],
                resources=[props.destination_key.arn],
                condition=[DataAwsIamPolicyDocumentStatementCondition(
                    test="StringEquals", variable="kms:ViaService",
                    values=[f"s3.{props.destination_region}.amazonaws.com"])]),
        ])
        IamRolePolicy(self, "role-policy", name="replicate", role=self.role.id, policy=permissions.json)
        S3BucketReplicationConfigurationA(
            self, "configuration", bucket=props.source.bucket.id, role=self.role.arn,
            depends_on=[props.source.versioning, props.destination.versioning],
            rule=[S3BucketReplicationConfigurationRule(
                id="everything-to-replica", status="Enabled",
                filter=S3BucketReplicationConfigurationRuleFilter(prefix=""),
                delete_marker_replication=S3BucketReplicationConfigurationRuleDeleteMarkerReplication(
                    status="Enabled"),
                source_selection_criteria=S3BucketReplicationConfigurationRuleSourceSelectionCriteria(
                    sse_kms_encrypted_objects=(
                        S3BucketReplicationConfigurationRuleSourceSelectionCriteriaSseKmsEncryptedObjects(
                            status="Enabled"))),
                destination=S3BucketReplicationConfigurationRuleDestination(
                    bucket=destination, storage_class="STANDARD",
                    encryption_configuration=(
                        S3BucketReplicationConfigurationRuleDestinationEncryptionConfiguration(
                            replica_kms_key_id=props.destination_key.arn))))])
