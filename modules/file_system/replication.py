"""EFS replication of a shared file system to the standby region (a warm standby's copy of saas's Weaviate
index, data.file_systems.vectors): the index survives the loss of the primary region, and the standby's
Weaviate starts on it instead of rebuilding it from nothing.

What AWS does (EFS User Guide, "Replicating EFS file systems", "Deleting replication configurations" and
"File system failover and failback"; the API reference of DeleteReplicationConfiguration):

- The configuration creates the destination file system in destination_region, encrypted with the given
  key (which cannot change afterwards), with no mount targets; it stays read-only while replicating (its
  replication overwrite protection reads REPLICATING); most changes reach it within 15 minutes.
- Deleting the configuration ends the replication and makes the destination writable (failing over;
  lambda_src/dr_failover's detach_file_systems step). It can be deleted from either region: by default EFS
  deletes both sides; where it cannot ("a configuration or permissions issue"; the primary region lost),
  DeletionMode LOCAL_CONFIGURATION_ONLY deletes the caller's side alone. Either way the call names the SOURCE
  file system's id (SourceFileSystemId), whichever region it is sent to.
- Destroying this resource deletes the configuration only: the destination file system is not Terraform's
  and outlives it. Tearing an environment down must delete that file system (and its mount targets and
  access points, which the standby's SharedFileSystem manages) itself: docs/runbooks/disaster-recovery.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdktf import Token
from cdktf_cdktf_provider_aws.efs_replication_configuration import (
    EfsReplicationConfiguration,
    EfsReplicationConfigurationDestination,
)
from constructs import Construct

from modules.file_system.efs import SharedFileSystem

REGION = re.compile(r"[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}")
KEY_ARN = re.compile(r"arn:aws[a-z-]*:kms:(?P<region>[a-z0-9-]+):\d{12}:key/[A-Za-z0-9-]+")


@dataclass(frozen=True)
class FileSystemReplicationProps:
    source: SharedFileSystem
    """The file system to replicate (the primary's), as the construct: a new one, not a replica (EFS refuses a
    destination as the source of another replication)."""
    destination_region: str
    """Where EFS creates the destination file system: the standby's region (regions.secondary)."""
    destination_kms_key_arn: str
    """ARN of the KMS key, in destination_region, that encrypts the destination at rest (the standby's storage
    key). EFS cannot change it later, so replacing the key means a new destination."""

    def __post_init__(self) -> None:
        name = self.source.name
        if self.source.file_system is None:
            raise ValueError(f"file system {name!r} is a replica (existing_file_system_id): EFS refuses a "
                             "destination as the source of another replication; fix: replicate the primary's file "
                             "system")
        region = self.destination_region
        if not Token.is_unresolved(region) and not REGION.fullmatch(region):
            raise ValueError(f"replication of {name!r}: destination_region={region!r}; fix: a region name such "
                             "as eu-west-2 (the standby's regions.secondary)")
        key = self.destination_kms_key_arn
        if Token.is_unresolved(key):
            return
        match = KEY_ARN.fullmatch(key)
        if match is None:
            raise ValueError(f"replication of {name!r}: destination_kms_key_arn={key!r}; fix: the ARN of a KMS "
                             f"key, arn:aws:kms:{region}:<account>:key/<id> (not an alias or a key id)")
        if not Token.is_unresolved(region) and match["region"] != region:
            raise ValueError(f"replication of {name!r}: destination_kms_key_arn {key!r} is in {match['region']}, "
                             f"not the destination region {region}; fix: a key of {region} (EFS encrypts the "
                             "destination with a key of its own region)")


class FileSystemReplication(Construct):
    """One aws_efs_replication_configuration ("configuration"), made with the scope's default provider: the
    source's region."""

    def __init__(self, scope: Construct, id: str, props: FileSystemReplicationProps) -> None:
        super().__init__(scope, id)
        self.configuration = EfsReplicationConfiguration(
            self, "configuration", source_file_system_id=props.source.file_system_id,
            destination=EfsReplicationConfigurationDestination(
                region=props.destination_region, kms_key_id=props.destination_kms_key_arn))

    @property
    def destination_file_system_id(self) -> str:
        """The replica's id (destination[0].file_system_id), for the standby's SharedFileSystem."""
        return self.configuration.destination.file_system_id
