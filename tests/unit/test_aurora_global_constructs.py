"""Layer 1: the Aurora global database constructs (a primary AuroraDatabase that founds a global database,
and the AuroraSecondaryCluster that joins it in the DR region) synthesized in a small stack of their own,
and their refusal of bad props."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from cdktf import TerraformLocal, TerraformStack, TerraformVariable
from cdktf import Testing as CdktfTesting
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import DataAwsIamPolicyDocument
from cdktf_cdktf_provider_aws.provider import AwsProvider

from modules.database import (
    AuroraDatabase,
    AuroraDatabaseProps,
    AuroraSecondaryCluster,
    AuroraSecondaryClusterProps,
    EnhancedMonitoringRole,
    EnhancedMonitoringRoleProps,
)
from modules.kms import EncryptionKey, EncryptionKeyProps
from tests.unit.test_database_constructs import ACCOUNT, REGION, SUBNETS, ZONES, _logical, _of, _one, _parameters, _ref

GLOBAL_ID = "levels-prod-global"
DR_REGION = "eu-central-1"
DR_ZONES = ["eu-central-1a", "eu-central-1b"]
DR_SUBNETS = ["subnet-dr-a", "subnet-dr-b"]
APP_GROUP, DR_APP_GROUP = "sg-0app", "sg-0standby-app"
MYSQL_VERSION = "8.0.mysql_aurora.3.08.0"
PASSWORD = "${var.master_password}"
"""The stack's ephemeral variable (declared in the fixture): RDS cannot manage a global member's password."""
SECONDARY_IGNORED = ["cluster_members", "global_cluster_identifier", "replication_source_identifier"]


def _primary_props(key, role, **overrides) -> AuroraDatabaseProps:
    values = dict(identifier="levels-prod-main", engine="aurora-mysql", engine_version=MYSQL_VERSION,
                  instance_class="db.r6g.large", database_name="levels", master_username="dbadmin",
                  encryption_key=key, monitoring_role=role, availability_zones=ZONES, readers=1, vpc_id="vpc-1",
                  subnet_ids=SUBNETS, client_security_group_ids=[APP_GROUP], region=REGION, account_id=ACCOUNT,
                  global_cluster_identifier=GLOBAL_ID, backtrack_hours=0, master_password=PASSWORD)
    return AuroraDatabaseProps(**{**values, **overrides})


def _secondary_props(key, role, **overrides) -> AuroraSecondaryClusterProps:
    values = dict(identifier="levels-prod-dr-main", global_cluster_identifier=GLOBAL_ID, engine="aurora-mysql",
                  engine_version=MYSQL_VERSION, instance_class="db.r6g.large", vpc_id="vpc-dr",
                  subnet_ids=DR_SUBNETS, client_security_group_ids=[DR_APP_GROUP], encryption_key=key,
                  monitoring_role=role, availability_zones=DR_ZONES, region=DR_REGION, account_id=ACCOUNT,
                  instances=3)
    return AuroraSecondaryClusterProps(**{**values, **overrides})


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    """Both sides of two global databases (MySQL provisioned, PostgreSQL Serverless v2) in one stack,
    synthesized once: (document, constructs, stack folder)."""
    app = CdktfTesting.app()
    stack = TerraformStack(app, "aurora-global-test")
    AwsProvider(stack, "aws", region=REGION)
    password = TerraformVariable(stack, "master_password", type="string", sensitive=True)
    password.override_logical_id("master_password")
    password.add_override("ephemeral", True)
    key = EncryptionKey(stack, "key", EncryptionKeyProps(alias="levels-prod-databases", description="databases",
                                                         account_id=ACCOUNT))
    dr_key = EncryptionKey(stack, "dr-key", EncryptionKeyProps(alias="levels-prod-dr-databases",
                                                               description="standby databases", account_id=ACCOUNT))
    role = EnhancedMonitoringRole(stack, "monitoring", EnhancedMonitoringRoleProps(
        role_name="levels-prod-rds-monitoring", account_id=ACCOUNT))
    built = SimpleNamespace(key=key, dr_key=dr_key, role=role)
    built.primary = AuroraDatabase(stack, "primary", _primary_props(key, role))
    built.secondary = AuroraSecondaryCluster(stack, "secondary", _secondary_props(dr_key, role))
    # backtrack_hours=24 is moot on PostgreSQL (no backtrack there), so it is accepted in a global database
    built.serverless_primary = AuroraDatabase(stack, "serverless-primary", _primary_props(
        key, role, identifier="levels-dev-main", engine="aurora-postgresql", engine_version="16.6",
        instance_class="db.serverless", serverless_v2=(0.5, 4), readers=0,
        global_cluster_identifier="levels-dev-global", backtrack_hours=24, deletion_protection=False))
    built.serverless_secondary = AuroraSecondaryCluster(stack, "serverless-secondary", _secondary_props(
        dr_key, role, identifier="levels-dev-dr-main", global_cluster_identifier="levels-dev-global",
        engine="aurora-postgresql", engine_version="16.6", instance_class="db.serverless", serverless_v2=(0.5, 4),
        instances=1, deletion_protection=False, backup_retention_days=14))
    DataAwsIamPolicyDocument(stack, "standby-app-access", statement=[
        built.secondary.iam_connect_policy_statement("app")])
    TerraformLocal(stack, "exposed", {
        "writer": built.secondary.writer_endpoint, "reader": built.secondary.reader_endpoint,
        "arn": built.secondary.arn, "port": built.secondary.port})
    text = CdktfTesting.synth(stack)
    folder = tmp_path_factory.mktemp("aurora-global-stack")
    (folder / "cdk.tf.json").write_text(text)
    return json.loads(text), built, folder


@pytest.fixture(scope="module")
def document(synthesized):
    return synthesized[0]


@pytest.fixture(scope="module")
def built(synthesized):
    return synthesized[1]


def _cluster_ref(document, identifier, attribute="id") -> str:
    return _ref("aws_rds_cluster", _logical(document, "aws_rds_cluster", cluster_identifier=identifier), attribute)


def _key_arn(document, alias) -> str:
    alias_resource = _one(document, "aws_kms_alias", name=f"alias/{alias}")
    return alias_resource["target_key_id"].replace(".key_id}", ".arn}")


# -- the primary --------------------------------------------------------------------------------------


def test_global_database_is_founded_on_the_primary_cluster(document, built):
    gc = _one(document, "aws_rds_global_cluster", global_cluster_identifier=GLOBAL_ID)
    assert gc["source_db_cluster_identifier"] == _cluster_ref(document, "levels-prod-main", "arn")
    assert gc["force_destroy"] is True and gc["deletion_protection"] is True
    # engine, version and encryption come from the source cluster: AWS refuses them next to it
    assert not {"engine", "engine_version", "storage_encrypted", "database_name"} & set(gc)
    writer = _logical(document, "aws_rds_cluster_instance", identifier="levels-prod-main-1")
    assert gc["depends_on"] == [f"aws_rds_cluster_instance.{writer}"]  # a secondary needs the primary's writer
    assert built.primary.global_cluster is not None
    dev = _one(document, "aws_rds_global_cluster", global_cluster_identifier="levels-dev-global")
    assert dev["deletion_protection"] is False
    assert dev["source_db_cluster_identifier"] == _cluster_ref(document, "levels-dev-main", "arn")


def test_primary_ignores_its_global_membership_and_keeps_its_hardening(document):
    cluster = _one(document, "aws_rds_cluster", cluster_identifier="levels-prod-main")
    assert cluster["lifecycle"]["ignore_changes"] == ["cluster_members", "global_cluster_identifier"]
    assert "global_cluster_identifier" not in cluster  # set by creating the global cluster (a cycle otherwise)
    assert "backtrack_window" not in cluster
    assert cluster["storage_encrypted"] is True and cluster["iam_database_authentication_enabled"] is True
    assert cluster["kms_key_id"] == _key_arn(document, "levels-prod-databases")
    # a global database member: RDS cannot manage its password, Terraform sends it write-only
    assert "manage_master_user_password" not in cluster and "master_user_secret_kms_key_id" not in cluster
    assert (cluster["master_password_wo"], cluster["master_password_wo_version"]) == (PASSWORD, 1)


# -- the secondary ------------------------------------------------------------------------------------


def test_secondary_joins_encrypted_with_its_own_key_and_inherits_the_master_user(document):
    cluster = _one(document, "aws_rds_cluster", cluster_identifier="levels-prod-dr-main")
    dr_key = _key_arn(document, "levels-prod-dr-databases")
    assert dr_key != _key_arn(document, "levels-prod-databases")
    assert cluster["global_cluster_identifier"] == GLOBAL_ID
    assert (cluster["engine"], cluster["engine_version"]) == ("aurora-mysql", MYSQL_VERSION)
    assert cluster["storage_encrypted"] is True and cluster["kms_key_id"] == dr_key
    assert cluster["iam_database_authentication_enabled"] is True and cluster["port"] == 3306
    assert not {"master_username", "master_password", "manage_master_user_password", "master_user_secret_kms_key_id",
                "database_name", "backtrack_window", "replication_source_identifier"} & set(cluster)
    assert cluster["lifecycle"]["ignore_changes"] == SECONDARY_IGNORED
    assert cluster["deletion_protection"] is True and cluster["skip_final_snapshot"] is False
    assert cluster["final_snapshot_identifier"] == "levels-prod-dr-main-final"
    assert cluster["backup_retention_period"] == 7 and cluster["copy_tags_to_snapshot"] is True
    assert cluster["delete_automated_backups"] is False and cluster["apply_immediately"] is False
    assert cluster["enabled_cloudwatch_logs_exports"] == ["audit", "error", "general", "slowquery"]
    subnets = _one(document, "aws_db_subnet_group", name="levels-prod-dr-main-db")
    assert subnets["subnet_ids"] == DR_SUBNETS
    assert cluster["db_subnet_group_name"] == _ref(
        "aws_db_subnet_group", _logical(document, "aws_db_subnet_group", name="levels-prod-dr-main-db"), "name")
    group = _one(document, "aws_rds_cluster_parameter_group", name="levels-prod-dr-main-aurora-mysql8-0")
    assert cluster["db_cluster_parameter_group_name"] == _ref(
        "aws_rds_cluster_parameter_group",
        _logical(document, "aws_rds_cluster_parameter_group", name="levels-prod-dr-main-aurora-mysql8-0"), "name")
    assert _parameters(group)["require_secure_transport"][0] == "ON"
    assert _parameters(group)["server_audit_logging"][0] == "1"


def test_secondary_instances_spread_over_the_zones_privately(document):
    cluster = _cluster_ref(document, "levels-prod-dr-main")
    ordered = sorted(_of(document, "aws_rds_cluster_instance", cluster_identifier=cluster),
                     key=lambda i: i["identifier"])
    assert [i["identifier"] for i in ordered] == [f"levels-prod-dr-main-{n}" for n in (1, 2, 3)]
    assert [i["availability_zone"] for i in ordered] == ["eu-central-1a", "eu-central-1b", "eu-central-1a"]
    assert [i["promotion_tier"] for i in ordered] == [0, 1, 2]
    attachment = f"aws_iam_role_policy_attachment.{_logical(document, 'aws_iam_role_policy_attachment')}"
    dr_key = _key_arn(document, "levels-prod-dr-databases")
    for instance in ordered:
        assert instance["publicly_accessible"] is False and instance["ca_cert_identifier"] == "rds-ca-rsa2048-g1"
        assert instance["instance_class"] == "db.r6g.large" and instance["monitoring_interval"] == 60
        assert instance["performance_insights_enabled"] is True
        assert instance["performance_insights_kms_key_id"] == dr_key
        assert instance["depends_on"] == [attachment]  # all readers until the detach: created in parallel
        assert "engine_version" not in instance
    names = sorted(n.rsplit("_", 1)[0] for n in document["resource"]["aws_rds_cluster_instance"]
                   if n.startswith("secondary_"))
    assert names == ["secondary_instance-1", "secondary_instance-2", "secondary_instance-3"]  # construct ids


def test_secondary_security_group_admits_only_the_standby_app_on_the_port(document):
    group = _ref("aws_security_group", _logical(document, "aws_security_group", name="levels-prod-dr-main-db"))
    cluster = _one(document, "aws_rds_cluster", cluster_identifier="levels-prod-dr-main")
    assert cluster["vpc_security_group_ids"] == [group]
    ingress = _of(document, "aws_vpc_security_group_ingress_rule", security_group_id=group)
    assert [(r["referenced_security_group_id"], r["ip_protocol"], r["from_port"], r["to_port"]) for r in ingress] == [
        (DR_APP_GROUP, "tcp", 3306, 3306)]
    assert not any(r["security_group_id"] == group
                   for r in document["resource"]["aws_vpc_security_group_egress_rule"].values())


def test_serverless_postgres_secondary(document):
    cluster = _one(document, "aws_rds_cluster", cluster_identifier="levels-dev-dr-main")
    assert cluster["serverlessv2_scaling_configuration"] == {"min_capacity": 0.5, "max_capacity": 4}
    assert cluster["global_cluster_identifier"] == "levels-dev-global" and cluster["port"] == 5432
    assert cluster["deletion_protection"] is False and cluster["skip_final_snapshot"] is True
    assert "final_snapshot_identifier" not in cluster and cluster["backup_retention_period"] == 14
    (instance,) = _of(document, "aws_rds_cluster_instance", cluster_identifier=_cluster_ref(document,
                                                                                            "levels-dev-dr-main"))
    assert instance["instance_class"] == "db.serverless" and instance["availability_zone"] == "eu-central-1a"
    parameters = _parameters(_one(document, "aws_rds_cluster_parameter_group", name="levels-dev-dr-main-aurora-"
                                                                                      "postgresql16"))
    assert parameters["rds.force_ssl"] == ("1", "pending-reboot")


def test_secondary_exposes_endpoints_arn_and_iam_connect(document):
    exposed = document["locals"]["exposed"]
    assert exposed == {"writer": _cluster_ref(document, "levels-prod-dr-main", "endpoint"),
                       "reader": _cluster_ref(document, "levels-prod-dr-main", "reader_endpoint"),
                       "arn": _cluster_ref(document, "levels-prod-dr-main", "arn"), "port": 3306}
    (statement,) = document["data"]["aws_iam_policy_document"]["standby-app-access"]["statement"]
    assert statement["actions"] == ["rds-db:connect"]
    resource_id = _cluster_ref(document, "levels-prod-dr-main", "cluster_resource_id")
    assert statement["resources"] == [f"arn:aws:rds-db:{DR_REGION}:{ACCOUNT}:dbuser:{resource_id}/app"]


# -- bad props ----------------------------------------------------------------------------------------


def _bad_props(built):
    key, role = built.key, built.role
    return {
        "backtrack-in-global": (lambda: _primary_props(key, role, backtrack_hours=24),
                                ["backtrack_hours=24", f"{GLOBAL_ID!r}", "fix: backtrack_hours=0"]),
        "global-without-password": (lambda: _primary_props(key, role, master_password=None),
                                    [f"{GLOBAL_ID!r} without master_password", "RDS cannot manage"]),
        "bad-global-identifier": (lambda: _primary_props(key, role, global_cluster_identifier="Levels_Global"),
                                  ["'Levels_Global'"]),
        "secondary-no-instances": (lambda: _secondary_props(key, role, instances=0), ["instances=0"]),
        "secondary-too-many-instances": (lambda: _secondary_props(key, role, instances=17), ["instances=17"]),
        "secondary-bad-global-identifier": (lambda: _secondary_props(key, role, global_cluster_identifier="1global"),
                                            ["'1global'"]),
        "secondary-instance-engine": (lambda: _secondary_props(key, role, engine="mysql"),
                                      ["AuroraSecondaryCluster engine 'mysql'"]),
        "secondary-serverless-without-capacity": (lambda: _secondary_props(key, role, instance_class="db.serverless"),
                                                  ["'db.serverless'"]),
        "secondary-short-backups": (lambda: _secondary_props(key, role, backup_retention_days=1),
                                    ["backup_retention_days=1"]),
        "secondary-no-clients": (lambda: _secondary_props(key, role, client_security_group_ids=[]),
                                 ["no client_security_group_ids"]),
        "secondary-long-identifier": (lambda: _secondary_props(key, role, identifier="d" * 61), ["'" + "d" * 61]),
    }


@pytest.mark.parametrize("case", sorted(_bad_props(SimpleNamespace(key=None, role=None))))
def test_bad_props_raise_naming_the_value_and_the_fix(built, case):
    make, fragments = _bad_props(built)[case]
    with pytest.raises(ValueError) as error:
        make()
    for fragment in [*fragments, "fix:"]:
        assert fragment in str(error.value)


def test_secondary_props_are_frozen_with_secure_defaults(built):
    props = _secondary_props(built.dr_key, built.role, instances=2)
    with pytest.raises(AttributeError):
        props.instances = 1  # type: ignore[misc]
    assert (props.deletion_protection, props.backup_retention_days, props.monitoring_interval_seconds,
            props.performance_insights_retention_days, props.serverless_v2) == (True, 7, 60, 7, None)
    assert AuroraSecondaryClusterProps.__dataclass_fields__["instances"].default == 2


# -- the real provider --------------------------------------------------------------------------------


@pytest.mark.terraform
def test_synthesized_constructs_pass_terraform_validate_and_plan_offline(synthesized, tmp_path):
    from tests.harness.terraform import TerraformWorkdir, offline_provider_overrides

    workdir = TerraformWorkdir(synthesized[2], tmp_path / "wd")
    workdir.write_override(offline_provider_overrides(workdir.stack_json))
    workdir.env["TF_VAR_master_password"] = "TestOnly0Password0Not0For0Real0Use"
    workdir.init(backend=False)
    workdir.validate()
    workdir.plan(extra_args=["-refresh=false"])
    assert " to add, 0 to change, 0 to destroy" in workdir.last_plan_output
