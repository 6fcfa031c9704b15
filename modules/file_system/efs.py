"""An EFS file system shared by the app tier (seeds 001, 002): encrypted with a customer key, a mount
target in every AZ, backed up, reachable only from the client groups on NFS, mounted only over TLS
and only through access points that pin a POSIX user and a root directory."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cdktf import Fn, TerraformCount
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from cdktf_cdktf_provider_aws.efs_access_point import (
    EfsAccessPoint,
    EfsAccessPointPosixUser,
    EfsAccessPointRootDirectory,
    EfsAccessPointRootDirectoryCreationInfo,
)
from cdktf_cdktf_provider_aws.efs_backup_policy import EfsBackupPolicy, EfsBackupPolicyBackupPolicy
from cdktf_cdktf_provider_aws.efs_file_system import EfsFileSystem, EfsFileSystemLifecyclePolicy
from cdktf_cdktf_provider_aws.efs_file_system_policy import EfsFileSystemPolicy
from cdktf_cdktf_provider_aws.efs_mount_target import EfsMountTarget
from constructs import Construct

from modules.firewall import ServiceSecurityGroup, ServiceSecurityGroupProps
from modules.kms import EncryptionKey

NFS_PORT = 2049
IA_AFTER = {1: "AFTER_1_DAY", 7: "AFTER_7_DAYS", 14: "AFTER_14_DAYS", 30: "AFTER_30_DAYS", 60: "AFTER_60_DAYS",
            90: "AFTER_90_DAYS", 180: "AFTER_180_DAYS", 270: "AFTER_270_DAYS", 365: "AFTER_365_DAYS"}


@dataclass(frozen=True)
class SharedFileSystemProps:
    name: str
    vpc_id: str
    subnet_ids: Sequence[str]
    """One mount target per subnet: pass one subnet per AZ (the private-data subnets)."""
    client_security_group_ids: Sequence[str]
    encryption_key: EncryptionKey
    access_points: Mapping[str, tuple[str, int, int]]
    """name -> (root path, uid, gid). Clients mount through these, never the file system root."""
    transition_to_ia_days: int = 30
    """Files untouched this long move to Infrequent Access; read once, they move back."""

    def __post_init__(self) -> None:
        if self.transition_to_ia_days not in IA_AFTER:
            raise ValueError(f"file system {self.name!r}: transition_to_ia_days={self.transition_to_ia_days}; "
                             f"fix: use one of {sorted(IA_AFTER)}")
        if not self.access_points:
            raise ValueError(f"file system {self.name!r} has no access points; fix: add one, e.g. "
                             "{'app': ('/app', 1000, 1000)}")
        for point, (path, _uid, _gid) in self.access_points.items():
            if not path.startswith("/") or path == "/":
                raise ValueError(f"access point {point!r}: path {path!r}; fix: a directory below the root, e.g. /app")


class SharedFileSystem(Construct):
    def __init__(self, scope: Construct, id: str, props: SharedFileSystemProps) -> None:
        super().__init__(scope, id)
        self.name = props.name
        self.security_group = ServiceSecurityGroup(self, "security-group", ServiceSecurityGroupProps(
            name=f"{props.name}-efs", description=f"EFS {props.name}: NFS from clients only",
            vpc_id=props.vpc_id, port=NFS_PORT, client_security_group_ids=props.client_security_group_ids))
        self.file_system = EfsFileSystem(
            self, "file-system", creation_token=props.name, encrypted=True, kms_key_id=props.encryption_key.arn,
            performance_mode="generalPurpose", throughput_mode="elastic", lifecycle_policy=[
                EfsFileSystemLifecyclePolicy(transition_to_ia=IA_AFTER[props.transition_to_ia_days]),
                EfsFileSystemLifecyclePolicy(transition_to_primary_storage_class="AFTER_1_ACCESS")])
        # Subnet ids usually come from the network stack's state: one mount target per element of the list.
        count = TerraformCount.of(Fn.length_of(props.subnet_ids))
        EfsMountTarget(self, "mount-target", count=count, file_system_id=self.file_system.id,
                       subnet_id=Fn.element(props.subnet_ids, count.index),
                       security_groups=[self.security_group.security_group_id])
        EfsBackupPolicy(self, "backup-policy", file_system_id=self.file_system.id,
                        backup_policy=EfsBackupPolicyBackupPolicy(status="ENABLED"))
        self.access_points = {point: EfsAccessPoint(
            self, f"access-point-{point}", file_system_id=self.file_system.id,
            posix_user=EfsAccessPointPosixUser(uid=uid, gid=gid),
            root_directory=EfsAccessPointRootDirectory(path=path, creation_info=EfsAccessPointRootDirectoryCreationInfo(
                owner_uid=uid, owner_gid=gid, permissions="0750")),
            tags={"Name": f"{props.name}-{point}"}) for point, (path, uid, gid) in props.access_points.items()}
        EfsFileSystemPolicy(self, "policy", file_system_id=self.file_system.id,
                            bypass_policy_lockout_safety_check=False, policy=self._policy().json)

    def _policy(self) -> DataAwsIamPolicyDocument:
        anyone = [DataAwsIamPolicyDocumentStatementPrincipals(type="AWS", identifiers=["*"])]
        arn = self.file_system.arn
        return DataAwsIamPolicyDocument(self, "policy-document", statement=[
            DataAwsIamPolicyDocumentStatement(
                sid="DenyUnencryptedTransport", effect="Deny", principals=anyone, actions=["*"], resources=[arn],
                condition=[DataAwsIamPolicyDocumentStatementCondition(
                    test="Bool", variable="aws:SecureTransport", values=["false"])]),
            DataAwsIamPolicyDocumentStatement(
                sid="MountOnlyThroughAMountTargetWithIam", effect="Allow", principals=anyone,
                actions=["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"], resources=[arn],
                condition=[DataAwsIamPolicyDocumentStatementCondition(
                    test="Bool", variable="elasticfilesystem:AccessedViaMountTarget", values=["true"])]),
        ])

    @property
    def file_system_id(self) -> str:
        return self.file_system.id

    @property
    def arn(self) -> str:
        return self.file_system.arn

    @property
    def access_point_ids(self) -> dict[str, str]:
        return {name: point.id for name, point in self.access_points.items()}

    def mount_policy_statement(self, access_point: str) -> DataAwsIamPolicyDocumentStatement:
        """Mount and write, only through the named access point (its POSIX user and directory)."""
        return DataAwsIamPolicyDocumentStatement(
            sid=f"Mount{_camel(self.name)}{_camel(access_point)}",
            actions=["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"], resources=[self.arn],
            condition=[DataAwsIamPolicyDocumentStatementCondition(
                test="StringEquals", variable="elasticfilesystem:AccessPointArn",
                values=[self.access_points[access_point].arn])])


def _camel(name: str) -> str:
    return "".join(word.capitalize() for word in name.split("-"))
