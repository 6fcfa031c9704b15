"""EFS replication on the harness's moto (moto_dr_patches.efs_replication_configurations), then through
Terraform: the primary's file system replicated to the standby region by FileSystemReplication, the
standby's SharedFileSystem over the replica, both applied and planned clean, the failover orchestrator's
detach_file_systems step making the replica writable, and the teardown that leaves the replica behind.

moto holds no file data: what is checked is the control plane (the configuration, the replica's key and
protection state, who may delete what from where), which is what Terraform and the orchestrator see."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cdktf import App, TerraformOutput, TerraformStack, TerraformVariable
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.subnet import Subnet
from cdktf_cdktf_provider_aws.vpc import Vpc
from constructs import Construct

from lambda_src.dr_failover.aws import AwsClients
from lambda_src.dr_failover.clock import Clock
from lambda_src.dr_failover.config import Config
from lambda_src.dr_failover.steps import Run, detach_file_systems
from modules.file_system import (
    FileSystemReplication,
    FileSystemReplicationProps,
    SharedFileSystem,
    SharedFileSystemProps,
)
from modules.kms import EncryptionKey, EncryptionKeyProps
from tests.harness.terraform import TerraformWorkdir, emulator_provider_overrides, local_backend_override

pytestmark = [pytest.mark.emulator, pytest.mark.xdist_group("emulator-moto-replay")]
PRIMARY, STANDBY, ACCOUNT = "eu-west-1", "eu-central-1", "123456789012"  # moto's account
POINTS = {"weaviate": ("/weaviate", 1000, 1000)}

Client = Callable[[str, str], Any]


def _key(kms: Any) -> str:
    return str(kms.create_key()["KeyMetadata"]["Arn"])


def _replicated(emulator_client: Client, token: str) -> tuple[str, str, str]:
    """(source id, replica id, replica key) of a new file system replicated from PRIMARY to STANDBY."""
    key = _key(emulator_client("kms", STANDBY))
    primary = emulator_client("efs", PRIMARY)
    source = primary.create_file_system(CreationToken=token, Encrypted=True)["FileSystemId"]
    created = primary.create_replication_configuration(
        SourceFileSystemId=source, Destinations=[{"Region": STANDBY, "KmsKeyId": key}])
    return source, created["Destinations"][0]["FileSystemId"], key


def _protection(emulator_client: Client, file_system: str) -> str:
    (found,) = emulator_client("efs", STANDBY).describe_file_systems(FileSystemId=file_system)["FileSystems"]
    return str(found["FileSystemProtection"]["ReplicationOverwriteProtection"])


def test_a_replication_creates_a_read_only_encrypted_replica_seen_from_both_regions(emulator_client):
    source, replica, key = _replicated(emulator_client, "api-replicated")
    (found,) = emulator_client("efs", STANDBY).describe_file_systems(FileSystemId=replica)["FileSystems"]
    assert (found["Encrypted"], found["KmsKeyId"]) == (True, key)
    assert found["FileSystemProtection"] == {"ReplicationOverwriteProtection": "REPLICATING"}  # read-only
    for region in (PRIMARY, STANDBY):
        for file_system in (source, replica):
            (configuration,) = emulator_client("efs", region).describe_replication_configurations(
                FileSystemId=file_system)["Replications"]
            assert (configuration["SourceFileSystemId"], configuration["SourceFileSystemRegion"]) == (source, PRIMARY)
            assert configuration["SourceFileSystemArn"] == (
                f"arn:aws:elasticfilesystem:{PRIMARY}:{ACCOUNT}:file-system/{source}")
            (destination,) = configuration["Destinations"]
            assert (destination["FileSystemId"], destination["Region"], destination["Status"]) == (
                replica, STANDBY, "ENABLED")
    with pytest.raises(ClientError, match="ReplicationAlreadyExists"):
        emulator_client("efs", PRIMARY).create_replication_configuration(
            SourceFileSystemId=source, Destinations=[{"Region": STANDBY}])


def test_deleting_from_the_standby_region_names_the_source_and_leaves_a_writable_replica(emulator_client):
    source, replica, _ = _replicated(emulator_client, "api-detached")
    standby = emulator_client("efs", STANDBY)
    with pytest.raises(ClientError, match="ReplicationNotFound"):  # the call names the SOURCE, not the replica
        standby.delete_replication_configuration(SourceFileSystemId=replica)
    standby.delete_replication_configuration(SourceFileSystemId=source)
    for region in (PRIMARY, STANDBY):  # both sides are gone (DeletionMode ALL_CONFIGURATIONS, the default)
        for file_system in (source, replica):
            with pytest.raises(ClientError, match="ReplicationNotFound"):
                emulator_client("efs", region).describe_replication_configurations(FileSystemId=file_system)
    assert _protection(emulator_client, replica) == "ENABLED"  # still there, writable


def test_a_local_deletion_leaves_the_other_side(emulator_client):
    """LOCAL_CONFIGURATION_ONLY, for when EFS cannot reach the other side: only the caller's side goes."""
    source, replica, _ = _replicated(emulator_client, "api-local")
    emulator_client("efs", PRIMARY).delete_replication_configuration(
        SourceFileSystemId=source, DeletionMode="LOCAL_CONFIGURATION_ONLY")
    with pytest.raises(ClientError, match="ReplicationNotFound"):
        emulator_client("efs", PRIMARY).describe_replication_configurations(FileSystemId=source)
    assert emulator_client("efs", STANDBY).describe_replication_configurations(FileSystemId=replica)["Replications"]
    assert _protection(emulator_client, replica) == "REPLICATING"
    emulator_client("efs", STANDBY).delete_replication_configuration(
        SourceFileSystemId=source, DeletionMode="LOCAL_CONFIGURATION_ONLY")
    assert _protection(emulator_client, replica) == "ENABLED"


# -- through Terraform and the orchestrator -----------------------------------------------------------


def _network(scope: Construct, cidr: str, zone: str) -> dict[str, Any]:
    """vpc_id, subnet_ids and client_security_group_ids of a one-subnet VPC, for SharedFileSystemProps."""
    vpc = Vpc(scope, "vpc", cidr_block=cidr)
    subnet = Subnet(scope, "subnet", vpc_id=vpc.id, cidr_block=cidr.replace("0.0/16", "1.0/24"),
                    availability_zone=zone)
    clients = SecurityGroup(scope, "clients", vpc_id=vpc.id, name="clients", description="EFS clients")
    return {"vpc_id": vpc.id, "subnet_ids": [subnet.id], "client_security_group_ids": [clients.id]}


def _stacks(outdir: Path) -> None:
    """efs-primary: the file system and its replication (the primary data stack's part); efs-standby: the
    standby's file system over the replica, its id an input (the standby data stack reads it from state)."""
    app = App(outdir=str(outdir))
    primary = TerraformStack(app, "efs-primary")
    AwsProvider(primary, "aws", region=PRIMARY)
    standby_provider = AwsProvider(primary, "aws-standby", region=STANDBY, alias="standby")
    key = EncryptionKey(primary, "key", EncryptionKeyProps(alias="efs-test-storage", description="storage",
                                                           account_id=ACCOUNT))
    replica_key = EncryptionKey(primary, "replica-key", EncryptionKeyProps(
        alias="efs-test-storage-replica", description="replica storage", account_id=ACCOUNT,
        provider=standby_provider))
    source = SharedFileSystem(primary, "vectors", SharedFileSystemProps(
        name="efs-test-vectors", **_network(primary, "10.70.0.0/16", f"{PRIMARY}a"), encryption_key=key,
        access_points=POINTS))
    replication = FileSystemReplication(primary, "vectors-replication", FileSystemReplicationProps(
        source=source, destination_region=STANDBY, destination_kms_key_arn=replica_key.arn))
    TerraformOutput(primary, "source_id", value=source.file_system_id)
    TerraformOutput(primary, "replica_id", value=replication.destination_file_system_id)
    TerraformOutput(primary, "replica_key", value=replica_key.arn)

    standby = TerraformStack(app, "efs-standby")
    AwsProvider(standby, "aws", region=STANDBY)
    replica_id = TerraformVariable(standby, "replica_id", type="string").string_value
    SharedFileSystem(standby, "vectors", SharedFileSystemProps(
        name="efs-test-dr-vectors", **_network(standby, "10.71.0.0/16", f"{STANDBY}a"), encryption_key=None,
        access_points=POINTS, existing_file_system_id=replica_id, region=STANDBY, account_id=ACCOUNT))
    app.synth()


@pytest.fixture(scope="module")
def applied(moto, tmp_path_factory) -> SimpleNamespace:
    """Both stacks applied on the module's moto, each planned clean right after."""
    root = tmp_path_factory.mktemp("efs-replication")
    _stacks(root / "out")
    workdirs = {}
    for name in ("efs-primary", "efs-standby"):
        workdir = TerraformWorkdir(root / "out" / "stacks" / name, root / name)
        workdir.write_override(emulator_provider_overrides(workdir.stack_json, moto.endpoint_url),
                               local_backend_override(root / name / "terraform.tfstate"))
        workdirs[name] = workdir
    primary, standby = workdirs["efs-primary"], workdirs["efs-standby"]
    assert primary.apply_then_plan() == 0, primary.last_plan_output
    outputs = {name: output["value"] for name, output in primary.output().items()}
    standby.env["TF_VAR_replica_id"] = outputs["replica_id"]
    assert standby.apply_then_plan() == 0, standby.last_plan_output
    return SimpleNamespace(primary=primary, standby=standby, **outputs)


def _detach(emulator_client: Client, replica: str) -> Any:
    """The orchestrator's step, with the configuration the failover stack gives it, against the emulator."""
    env = {"PRIMARY_REGION": PRIMARY, "STANDBY_REGION": STANDBY, "HEALTH_ALARM_NAME": "efs-test-primary-down",
           "DATABASE": '{"kind": "none"}', "PARAMETERS": '{"active_region": "/efs-test/active_region"}',
           "FLEETS": "[]", "TARGET_GROUP_ARNS": "[]", "TOPIC_ARN": f"arn:aws:sns:{STANDBY}:{ACCOUNT}:efs-test",
           "DNS": json.dumps({"zone_id": "Z1", "record_name": "efs.example.com", "standby_dns_name": "standby",
                              "gate_health_check_id": "gate"}),
           "FILE_SYSTEMS": json.dumps([replica]), "POLL_SECONDS": "1", "WAIT_TIMEOUT_SECONDS": "30"}
    run = Run(Config.from_env(env), AwsClients(lambda service, region_name: emulator_client(service, region_name)),
              Clock())
    return detach_file_systems(run)


def test_terraform_replicates_and_the_standby_builds_around_the_replica(applied, emulator_client):
    standby = emulator_client("efs", STANDBY)
    (replica,) = standby.describe_file_systems(FileSystemId=applied.replica_id)["FileSystems"]
    assert (replica["KmsKeyId"], replica["FileSystemProtection"]["ReplicationOverwriteProtection"]) == (
        applied.replica_key, "REPLICATING")
    assert replica["NumberOfMountTargets"] == 1
    (point,) = standby.describe_access_points(FileSystemId=applied.replica_id)["AccessPoints"]
    assert point["RootDirectory"]["Path"] == "/weaviate"
    policy = json.loads(standby.describe_file_system_policy(FileSystemId=applied.replica_id)["Policy"])
    assert {s["Resource"] for s in policy["Statement"]} == {
        f"arn:aws:elasticfilesystem:{STANDBY}:{ACCOUNT}:file-system/{applied.replica_id}"}
    assert standby.describe_backup_policy(FileSystemId=applied.replica_id)["BackupPolicy"]["Status"] == "ENABLED"


def test_the_orchestrator_detaches_the_replica_once(applied, emulator_client):
    first = _detach(emulator_client, applied.replica_id)
    assert first.status == "done", first.detail
    assert first.detail.startswith(f"deleted the replication of {applied.source_id} ({PRIMARY}) to "
                                   f"{applied.replica_id}; writable after ")
    assert _protection(emulator_client, applied.replica_id) == "ENABLED"
    again = _detach(emulator_client, applied.replica_id)
    assert (again.status, again.detail) == ("skipped", f"already detached and writable: {applied.replica_id} writable")


def test_after_the_failover_the_standby_plans_clean_and_the_primary_would_replicate_anew(applied):
    """The standby's stack does not care whether its file system replicates. The primary's replication is
    gone: its next plan creates one again (to a NEW replica), which is why the runbook applies the primary's
    data stack only as part of failing back."""
    assert applied.standby.plan(detailed_exitcode=True) == 0, applied.standby.last_plan_output
    assert applied.primary.plan(detailed_exitcode=True) == 2
    plan = applied.primary.last_plan_output
    assert "aws_efs_replication_configuration" in plan and "Plan: 1 to add, 0 to change, 0 to destroy." in plan


def test_teardown_leaves_the_replica_which_must_be_deleted_by_hand(applied, emulator_client):
    applied.standby.destroy()
    applied.primary.destroy()
    standby = emulator_client("efs", STANDBY)
    (replica,) = standby.describe_file_systems(FileSystemId=applied.replica_id)["FileSystems"]
    assert replica["NumberOfMountTargets"] == 0  # the standby stack's parts are gone, the file system is not
    with pytest.raises(ClientError, match="FileSystemNotFound"):
        emulator_client("efs", PRIMARY).describe_file_systems(FileSystemId=applied.source_id)
    standby.delete_file_system(FileSystemId=applied.replica_id)
