"""Layer 1: EFS replication to the standby region (modules/file_system/replication.py) and the standby's
SharedFileSystem over the replica (existing_file_system_id): what each synthesizes, that both modes expose
the same API to the stacks, and the refusal of bad props."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from cdktf import TerraformLocal, TerraformStack, TerraformVariable
from cdktf import Testing as CdktfTesting
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import DataAwsIamPolicyDocument
from cdktf_cdktf_provider_aws.provider import AwsProvider

from modules.file_system import (
    FileSystemReplication,
    FileSystemReplicationProps,
    SharedFileSystem,
    SharedFileSystemProps,
)
from modules.kms import EncryptionKey, EncryptionKeyProps
from tests.construct_paths import ConstructPaths, synth_with_paths
from tests.support import policy_document, policy_statement

PRIMARY_STACK, STANDBY_STACK = "efs-primary", "efs-standby"
PRIMARY, STANDBY, ACCOUNT = "eu-west-1", "eu-central-1", "123456789012"
APP_GROUP = "sg-0app"
POINTS = {"weaviate": ("/weaviate", 1000, 1000)}
STANDBY_KEY = f"arn:aws:kms:{STANDBY}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
REPLICA_ID = "fs-0123456789abcdef0"
PLACEHOLDER = object()  # props validation never touches the referenced constructs


def _props(**overrides) -> SharedFileSystemProps:
    values = dict(name="saas-prod-vectors", vpc_id="vpc-1", subnet_ids=["subnet-a", "subnet-b"],
                  client_security_group_ids=[APP_GROUP], encryption_key=PLACEHOLDER, access_points=POINTS)
    return SharedFileSystemProps(**{**values, **overrides})


def _replica_props(**overrides) -> SharedFileSystemProps:
    return _props(**{**dict(name="saas-prod-dr-vectors", encryption_key=None, existing_file_system_id=REPLICA_ID,
                            region=STANDBY, account_id=ACCOUNT), **overrides})


def _exposed(stack: TerraformStack, efs: SharedFileSystem) -> None:
    """What a stack takes from the construct, as Terraform sees it."""
    DataAwsIamPolicyDocument(stack, "app-access", statement=[efs.mount_policy_statement("weaviate")])
    TerraformLocal(stack, "exposed", {"id": efs.file_system_id, "arn": efs.arn, "points": efs.access_point_ids,
                                      "point_arn": efs.access_points["weaviate"].arn})


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> SimpleNamespace:
    """The primary's file system and its replication (one stack), the standby's over the replica (another)."""
    app = CdktfTesting.app()
    primary = TerraformStack(app, PRIMARY_STACK)
    AwsProvider(primary, "aws", region=PRIMARY)
    standby_provider = AwsProvider(primary, "aws-standby", region=STANDBY, alias="standby")
    key = EncryptionKey(primary, "key", EncryptionKeyProps(alias="saas-prod-storage", description="storage",
                                                           account_id=ACCOUNT))
    replica_key = EncryptionKey(primary, "replica-key", EncryptionKeyProps(
        alias="saas-prod-storage-replica", description="replica storage", account_id=ACCOUNT,
        provider=standby_provider))
    source = SharedFileSystem(primary, "vectors", _props(encryption_key=key))
    replication = FileSystemReplication(primary, "vectors-replication", FileSystemReplicationProps(
        source=source, destination_region=STANDBY, destination_kms_key_arn=replica_key.arn))
    TerraformLocal(primary, "replica", replication.destination_file_system_id)
    _exposed(primary, source)

    standby = TerraformStack(app, STANDBY_STACK)
    AwsProvider(standby, "aws", region=STANDBY)
    replica_id = TerraformVariable(standby, "replica_id", type="string").string_value  # the primary's export
    replica = SharedFileSystem(standby, "vectors", _replica_props(existing_file_system_id=replica_id))
    _exposed(standby, replica)
    return SimpleNamespace(
        primary=synth_with_paths(primary, tmp_path_factory.mktemp("efs-primary")),
        standby=synth_with_paths(standby, tmp_path_factory.mktemp("efs-standby")),
        source=source, replication=replication, replica=replica)


def _primary(built) -> ConstructPaths:
    return ConstructPaths(built.primary, PRIMARY_STACK)


def _standby(built) -> ConstructPaths:
    return ConstructPaths(built.standby, STANDBY_STACK)


# -- the replication ----------------------------------------------------------------------------------


def test_one_replication_from_the_source_to_the_standby_region_under_the_standbys_key(built):
    paths = _primary(built)
    (name,) = built.primary["resource"]["aws_efs_replication_configuration"]
    configuration = paths.at("aws_efs_replication_configuration", "vectors-replication/configuration")
    assert paths.logical_at("aws_efs_replication_configuration", "vectors-replication/configuration") == name
    assert configuration["source_file_system_id"] == paths.ref("aws_efs_file_system", "vectors/file-system")
    assert configuration["destination"] == {"region": STANDBY,
                                            "kms_key_id": paths.ref("aws_kms_key", "replica-key/key", "arn")}
    assert "provider" not in configuration  # the scope's default provider: the source's region
    assert built.replication.configuration is not None


def test_the_destination_id_is_the_providers_destination_file_system_id(built):
    reference = built.primary["locals"]["replica"]
    assert reference == "${%s.destination[0].file_system_id}" % _primary(built).ref(
        "aws_efs_replication_configuration", "vectors-replication/configuration")[2:-4]


def test_the_source_is_still_a_complete_file_system(built):
    """The replication adds to the primary's file system; it takes nothing away."""
    resources = built.primary["resource"]
    assert [len(resources[t]) for t in ("aws_efs_file_system", "aws_efs_mount_target", "aws_efs_backup_policy",
                                        "aws_efs_access_point", "aws_efs_file_system_policy")] == [1, 1, 1, 1, 1]


# -- the standby's file system over the replica -------------------------------------------------------


def test_over_the_replica_no_file_system_is_made(built):
    assert "aws_efs_file_system" not in built.standby["resource"]
    assert built.replica.file_system is None


def test_over_the_replica_clients_get_what_they_need_under_the_same_construct_ids(built):
    paths = _standby(built)
    replica_id = "${var.replica_id}"
    group = paths.ref("aws_security_group", "vectors/security-group/group")
    target = paths.at("aws_efs_mount_target", "vectors/mount-target")
    assert (target["file_system_id"], target["security_groups"]) == (replica_id, [group])
    assert target["count"] == '${length(["subnet-a", "subnet-b"])}'  # one per subnet, as for a new one
    point = paths.at("aws_efs_access_point", "vectors/access-point-weaviate")
    assert point["file_system_id"] == replica_id and point["posix_user"] == {"uid": 1000, "gid": 1000}
    assert point["root_directory"]["path"] == "/weaviate"
    backup = paths.at("aws_efs_backup_policy", "vectors/backup-policy")
    assert (backup["file_system_id"], backup["backup_policy"]) == (replica_id, {"status": "ENABLED"})
    policy = paths.at("aws_efs_file_system_policy", "vectors/policy")
    assert policy["file_system_id"] == replica_id
    arn = f"arn:aws:elasticfilesystem:{STANDBY}:{ACCOUNT}:file-system/{replica_id}"
    statements = policy_document(built.standby, policy["policy"])["statement"]
    assert {s["sid"] for s in statements} == {"DenyUnencryptedTransport", "DenyAccessNotThroughAMountTarget",
                                              "DenyAccessNotThroughAnAccessPoint"}
    assert all(s["effect"] == "Deny" and s["resources"] == [arn] for s in statements)


@pytest.mark.parametrize("site", ["primary", "standby"])
def test_both_modes_expose_the_same_api(built, site):
    document = getattr(built, site)
    paths = _primary(built) if site == "primary" else _standby(built)
    exposed = document["locals"]["exposed"]
    point_arn = paths.ref("aws_efs_access_point", "vectors/access-point-weaviate", "arn")
    if site == "primary":
        file_system_id = paths.ref("aws_efs_file_system", "vectors/file-system")
        arn = paths.ref("aws_efs_file_system", "vectors/file-system", "arn")
    else:
        file_system_id = "${var.replica_id}"
        arn = f"arn:aws:elasticfilesystem:{STANDBY}:{ACCOUNT}:file-system/${{var.replica_id}}"
    assert exposed == {"id": file_system_id, "arn": arn,
                       "points": {"weaviate": paths.ref("aws_efs_access_point", "vectors/access-point-weaviate")},
                       "point_arn": point_arn}
    mount = policy_statement(paths.at("aws_iam_policy_document", "app-access", "data"), "MountSaasProd"
                             + ("DrVectors" if site == "standby" else "Vectors") + "Weaviate")
    assert mount["resources"] == [arn]
    assert mount["condition"] == [{"test": "StringEquals", "variable": "elasticfilesystem:AccessPointArn",
                                   "values": [point_arn]}]


def test_a_literal_replica_id_gives_a_literal_arn(tmp_path):
    stack = TerraformStack(CdktfTesting.app(), "literal")
    AwsProvider(stack, "aws", region=STANDBY)
    replica = SharedFileSystem(stack, "vectors", _replica_props(partition="aws-cn", region="cn-north-1"))
    assert replica.file_system_id == REPLICA_ID
    assert replica.arn == f"arn:aws-cn:elasticfilesystem:cn-north-1:{ACCOUNT}:file-system/{REPLICA_ID}"
    document = json.loads(CdktfTesting.synth(stack))
    assert set(document["resource"]) == {"aws_security_group", "aws_vpc_security_group_ingress_rule",
                                         "aws_vpc_security_group_egress_rule", "aws_efs_mount_target",
                                         "aws_efs_backup_policy", "aws_efs_access_point", "aws_efs_file_system_policy"}


# -- refusals -----------------------------------------------------------------------------------------


BAD_FILE_SYSTEMS = {
    "new-without-key": (dict(encryption_key=None), "encryption_key=None", "existing_file_system_id"),
    "region-without-replica": (dict(region=STANDBY), f"region={STANDBY!r} without existing_file_system_id",
                               "leave it out"),
    "replica-id": (dict(encryption_key=None, existing_file_system_id="fs-xyz", region=STANDBY, account_id=ACCOUNT),
                   "existing_file_system_id='fs-xyz'", "fs-0123456789abcdef0"),
    "replica-with-key": (dict(existing_file_system_id=REPLICA_ID, region=STANDBY, account_id=ACCOUNT),
                         "encryption_key with existing_file_system_id", "encryption_key=None"),
    "replica-without-region": (dict(encryption_key=None, existing_file_system_id=REPLICA_ID, account_id=ACCOUNT),
                               f"region missing with existing_file_system_id {REPLICA_ID!r}", "pass the region"),
    "replica-without-account": (dict(encryption_key=None, existing_file_system_id=REPLICA_ID, region=STANDBY),
                                "account_id missing", "pass the account_id"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILE_SYSTEMS))
def test_bad_file_system_props_name_the_value_and_the_fix(case):
    overrides, value, fix = BAD_FILE_SYSTEMS[case]
    with pytest.raises(ValueError) as error:
        _props(**overrides)
    message = str(error.value)
    assert value in message and fix in message.split("fix:", 1)[1], message


@pytest.fixture(scope="module")
def sources() -> SimpleNamespace:
    stack = TerraformStack(CdktfTesting.app(), "sources")
    AwsProvider(stack, "aws", region=PRIMARY)
    key = EncryptionKey(stack, "key", EncryptionKeyProps(alias="k", description="k", account_id=ACCOUNT))
    return SimpleNamespace(new=SharedFileSystem(stack, "new", _props(encryption_key=key)),
                           replica=SharedFileSystem(stack, "replica", _replica_props()))


BAD_REPLICATIONS = {
    "replica-as-source": (dict(source="replica"), "'saas-prod-dr-vectors' is a replica", "replicate the primary's"),
    "region": (dict(destination_region="Frankfurt"), "destination_region='Frankfurt'", "eu-west-2"),
    "alias": (dict(destination_kms_key_arn="alias/saas-prod-storage"), "'alias/saas-prod-storage'",
              "not an alias"),
    "key-elsewhere": (dict(destination_kms_key_arn=STANDBY_KEY.replace(STANDBY, PRIMARY)),
                      f"is in {PRIMARY}, not the destination region {STANDBY}", f"a key of {STANDBY}"),
}


@pytest.mark.parametrize("case", sorted(BAD_REPLICATIONS))
def test_bad_replication_props_name_the_value_and_the_fix(sources, case):
    overrides, value, fix = BAD_REPLICATIONS[case]
    values = {"source": "new", "destination_region": STANDBY, "destination_kms_key_arn": STANDBY_KEY, **overrides}
    values["source"] = getattr(sources, values["source"])
    with pytest.raises(ValueError) as error:
        FileSystemReplicationProps(**values)
    message = str(error.value)
    assert value in message and fix in message.split("fix:", 1)[1], message


def test_a_literal_key_of_the_destination_region_is_accepted(sources):
    props = FileSystemReplicationProps(source=sources.new, destination_region=STANDBY,
                                       destination_kms_key_arn=STANDBY_KEY)
    assert props.destination_kms_key_arn == STANDBY_KEY
