"""An EFS file system shared by the app tier (seeds 001, 002): encrypted with a customer key, a mount
target in every AZ, backed up, reachable only from the client groups on NFS, mounted only over TLS
and only through access points that pin a POSIX user and a root directory.

The standby site uses the same construct over the file system that EFS replication keeps in its region
(existing_file_system_id; modules/file_system/replication.py): the replica exists already, so only what
its clients need around it is made. What AWS allows on a replication destination (EFS User Guide,
"Replicating EFS file systems" and "Configuring replication to new EFS file system"): it is read-only
while replicating, and EFS creates no mount targets for it, "you must create one or more mount targets"
to mount it; automatic backups and lifecycle management "can be changed after creation"; a file system
policy can be put on it ("Replicating EFS file systems across AWS accounts" puts one on the destination).
The guide names no restriction on access points: they are the file system's resources, not replicated
data, and are made as on any file system (their root directories arrive with the data, or are created at
the first mount after a failover). Not made there: the aws_efs_file_system itself (EFS created it, with the
source's performance mode and the replication's KMS key, neither of which can change), and with it the
lifecycle policy and throughput mode, which the provider sets only on that resource: the replica keeps what
EFS gave it (no lifecycle management; `aws efs put-lifecycle-configuration` can add it by hand).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cdktf import Fn, TerraformCount, Token
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
THROUGHPUT_MODES = ("elastic", "bursting")
MAX_POSIX_ID = 4294967295
CLIENT_ACTIONS = ("elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite",
                  "elasticfilesystem:ClientRootAccess")
FILE_SYSTEM_ID = re.compile(r"fs-[0-9a-f]{8,40}")
IA_AFTER = {1: "AFTER_1_DAY", 7: "AFTER_7_DAYS", 14: "AFTER_14_DAYS", 30: "AFTER_30_DAYS", 60: "AFTER_60_DAYS",
            90: "AFTER_90_DAYS", 180: "AFTER_180_DAYS", 270: "AFTER_270_DAYS", 365: "AFTER_365_DAYS"}


@dataclass(frozen=True)
class SharedFileSystemProps:
    name: str
    """Creation token and prefix of the security group ('<name>-efs'), e.g. 'cafe-dr-prod-shared'."""
    vpc_id: str
    subnet_ids: Sequence[str]
    """One mount target per subnet: pass one subnet per AZ (the private-data subnets). A token list
    (the network stack's export) is fine: the mount target is counted over it."""
    client_security_group_ids: Sequence[str]
    """Groups allowed to mount on NFS (2049), the app tier's; no other ingress exists."""
    encryption_key: EncryptionKey | None
    """Encrypts the file system at rest. Needs no service grant: EFS creates KMS grants with the caller's
    IAM permissions, which the key policy's account root statement delegates to IAM. None (and only None)
    with existing_file_system_id: the replication chose the replica's key (FileSystemReplicationProps)."""
    access_points: Mapping[str, tuple[str, int, int]]
    """name -> (root path, uid, gid). Clients mount only through these (the policy denies any other
    mount), as that POSIX user, below that directory (created 0750 for uid:gid). uid 0 is refused."""
    transition_to_ia_days: int = 30
    """Files untouched this long move to Infrequent Access; read once, they move back (AFTER_1_ACCESS)."""
    throughput_mode: str = "elastic"
    """'elastic' (scales with the workload, pay per use) or 'bursting'; 'provisioned' is not offered."""
    backup_policy: bool = True
    """EFS automatic backups (daily into the account's aws/efs/automatic-backup-vault), in addition to any
    BackupPlan that selects this file system. Default on: a file system is never without backups (a
    replica included: it is the copy that serves after a failover)."""
    existing_file_system_id: str | None = None
    """The standby's mode: the id (or a token) of a file system that exists already, the replication's
    destination (FileSystemReplication.destination_file_system_id in the primary's data stack). No
    aws_efs_file_system is made and transition_to_ia_days and throughput_mode do not apply; the security
    group, mount targets, backup policy, access points and file system policy are made as for a new one,
    under the same construct ids. Needs region and account_id (the file system's ARN)."""
    region: str | None = None
    """Region of the existing file system; only with existing_file_system_id (its ARN is built, not read)."""
    account_id: str | None = None
    """Account of the existing file system; only with existing_file_system_id."""
    partition: str = "aws"
    """Partition of the existing file system's ARN; only with existing_file_system_id."""

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9-]{0,59}", self.name):
            raise ValueError(f"file system name {self.name!r}; fix: lower-case letters, digits and hyphens, "
                             "starting with a letter, at most 60 characters")
        if self.transition_to_ia_days not in IA_AFTER:
            raise ValueError(f"file system {self.name!r}: transition_to_ia_days={self.transition_to_ia_days}; "
                             f"fix: use one of {sorted(IA_AFTER)}")
        if self.throughput_mode not in THROUGHPUT_MODES:
            raise ValueError(f"file system {self.name!r}: throughput_mode={self.throughput_mode!r}; "
                             f"fix: use one of {THROUGHPUT_MODES}")
        self._check_existing()
        if not self.access_points:
            raise ValueError(f"file system {self.name!r} has no access points; fix: add one, e.g. "
                             "{'app': ('/app', 1000, 1000)}")
        for point, (path, uid, gid) in self.access_points.items():
            if not re.fullmatch(r"[a-z][a-z0-9-]*", point):
                raise ValueError(f"file system {self.name!r}: access point name {point!r}; fix: lower-case "
                                 "letters, digits and hyphens, starting with a letter")
            if not path.startswith("/") or path == "/" or "//" in path or path.endswith("/"):
                raise ValueError(f"access point {point!r}: path {path!r}; fix: a directory below the root, e.g. /app")
            for label, value in (("uid", uid), ("gid", gid)):
                if not 1 <= value <= MAX_POSIX_ID:
                    raise ValueError(f"access point {point!r}: {label} {value}; fix: use 1 to {MAX_POSIX_ID} "
                                     "(0 is root, which clients never get)")

    def _check_existing(self) -> None:
        """A new file system needs its key; an existing one its id, region and account, and no key."""
        existing = self.existing_file_system_id
        if existing is None:
            if self.encryption_key is None:
                raise ValueError(f"file system {self.name!r}: encryption_key=None; fix: pass the key that encrypts "
                                 "it, or existing_file_system_id for a replica")
            for label in ("region", "account_id"):
                if getattr(self, label) is not None:
                    raise ValueError(f"file system {self.name!r}: {label}={getattr(self, label)!r} without "
                                     "existing_file_system_id; fix: leave it out (a new file system has its ARN "
                                     "from Terraform)")
            return
        if not Token.is_unresolved(existing) and not FILE_SYSTEM_ID.fullmatch(existing):
            raise ValueError(f"file system {self.name!r}: existing_file_system_id={existing!r}; fix: an EFS file "
                             "system id such as fs-0123456789abcdef0 (or the token of one)")
        if self.encryption_key is not None:
            raise ValueError(f"file system {self.name!r}: encryption_key with existing_file_system_id; fix: "
                             "encryption_key=None (the replication chose the replica's key, which cannot change)")
        for label in ("region", "account_id"):
            if not getattr(self, label):
                raise ValueError(f"file system {self.name!r}: {label} missing with existing_file_system_id "
                                 f"{existing!r}; fix: pass the {label} of that file system (its ARN is built "
                                 "from it)")


class SharedFileSystem(Construct):
    def __init__(self, scope: Construct, id: str, props: SharedFileSystemProps) -> None:
        super().__init__(scope, id)
        self.name = props.name
        self.security_group = ServiceSecurityGroup(self, "security-group", ServiceSecurityGroupProps(
            name=f"{props.name}-efs", description=f"EFS {props.name}: NFS from clients only",
            vpc_id=props.vpc_id, port=NFS_PORT, client_security_group_ids=props.client_security_group_ids))
        self.file_system: EfsFileSystem | None = None
        if props.existing_file_system_id is None:
            assert props.encryption_key is not None  # SharedFileSystemProps checked it
            self.file_system = EfsFileSystem(
                self, "file-system", creation_token=props.name, encrypted=True, kms_key_id=props.encryption_key.arn,
                performance_mode="generalPurpose", throughput_mode=props.throughput_mode, lifecycle_policy=[
                    EfsFileSystemLifecyclePolicy(transition_to_ia=IA_AFTER[props.transition_to_ia_days]),
                    EfsFileSystemLifecyclePolicy(transition_to_primary_storage_class="AFTER_1_ACCESS")])
            self._id, self._arn = self.file_system.id, self.file_system.arn
        else:
            self._id = props.existing_file_system_id
            self._arn = (f"arn:{props.partition}:elasticfilesystem:{props.region}:{props.account_id}:"
                         f"file-system/{self._id}")
        # Subnet ids usually come from the network stack's state: one mount target per element of the list.
        count = TerraformCount.of(Fn.length_of(props.subnet_ids))
        self.mount_targets = EfsMountTarget(
            self, "mount-target", count=count, file_system_id=self._id,
            subnet_id=Fn.element(props.subnet_ids, count.index),
            security_groups=[self.security_group.security_group_id])
        backups = "ENABLED" if props.backup_policy else "DISABLED"
        EfsBackupPolicy(self, "backup-policy", file_system_id=self._id,
                        backup_policy=EfsBackupPolicyBackupPolicy(status=backups))
        self.access_points = {point: EfsAccessPoint(
            self, f"access-point-{point}", file_system_id=self._id,
            posix_user=EfsAccessPointPosixUser(uid=uid, gid=gid),
            root_directory=EfsAccessPointRootDirectory(path=path, creation_info=EfsAccessPointRootDirectoryCreationInfo(
                owner_uid=uid, owner_gid=gid, permissions="0750")))
            for point, (path, uid, gid) in props.access_points.items()}
        self.policy = EfsFileSystemPolicy(self, "policy", file_system_id=self._id,
                                          bypass_policy_lockout_safety_check=False, policy=self._policy().json)

    def _policy(self) -> DataAwsIamPolicyDocument:
        """Deny-only: with any policy in place EFS drops its default allow-all, so an anonymous (non-IAM)
        client gets nothing, and IAM clients get exactly what their identity policy grants
        (mount_policy_statement), only over TLS, through a mount target and an access point."""
        anyone = [DataAwsIamPolicyDocumentStatementPrincipals(type="AWS", identifiers=["*"])]
        arn = self.arn

        def deny(sid: str, actions: Sequence[str], test: str, variable: str,
                 value: str) -> DataAwsIamPolicyDocumentStatement:
            return DataAwsIamPolicyDocumentStatement(
                sid=sid, effect="Deny", principals=anyone, actions=list(actions), resources=[arn],
                condition=[DataAwsIamPolicyDocumentStatementCondition(test=test, variable=variable, values=[value])])

        return DataAwsIamPolicyDocument(self, "policy-document", statement=[
            deny("DenyUnencryptedTransport", ["*"], "Bool", "aws:SecureTransport", "false"),
            deny("DenyAccessNotThroughAMountTarget", CLIENT_ACTIONS, "Bool",
                 "elasticfilesystem:AccessedViaMountTarget", "false"),
            deny("DenyAccessNotThroughAnAccessPoint", CLIENT_ACTIONS, "Null",
                 "elasticfilesystem:AccessPointArn", "true"),
        ])

    @property
    def file_system_id(self) -> str:
        return self._id

    @property
    def arn(self) -> str:
        return self._arn

    @property
    def access_point_ids(self) -> dict[str, str]:
        return {name: point.id for name, point in self.access_points.items()}

    def mount_policy_statement(self, access_point: str) -> DataAwsIamPolicyDocumentStatement:
        """Mount and write, only through the named access point (its POSIX user and directory)."""
        if access_point not in self.access_points:
            raise ValueError(f"file system {self.name!r} has no access point {access_point!r}; "
                             f"fix: use one of {sorted(self.access_points)}")
        return DataAwsIamPolicyDocumentStatement(
            sid=f"Mount{_camel(self.name)}{_camel(access_point)}",
            actions=["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"], resources=[self.arn],
            condition=[DataAwsIamPolicyDocumentStatementCondition(
                test="StringEquals", variable="elasticfilesystem:AccessPointArn",
                values=[self.access_points[access_point].arn])])


def _camel(name: str) -> str:
    return "".join(word.capitalize() for word in name.split("-"))
