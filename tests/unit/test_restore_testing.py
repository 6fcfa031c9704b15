"""Layer 1: AWS Backup restore testing (data.backup.restore_testing; seed 004 L71, "test disaster recovery by
restoring from a backup"): every production environment restores each backed-up store from its vault every week
into a private copy beside the original, through a role only AWS Backup can assume; development builds none unless
asked; bad values are refused with the value and the fix, before anything is written."""

from __future__ import annotations

import json
import typing

import pytest
from cdktf import Testing as CdktfTesting

from configuration import list_blueprints, load
from configuration.data import RestoreTesting as RestoreTestingConfig
from modules.backup import RestoreTarget, RestoreTestingProps
from modules.backup.restore_testing import RESOURCE_TYPES
from stacks.data import DataStack
from tests.support import assert_refused, only, policy_document, resources, statement_conditions, user_config_file

BLUEPRINTS = [b.name for b in list_blueprints()]
RESTORE_TESTING_TYPES = ("aws_backup_restore_testing_plan", "aws_backup_restore_testing_selection")
KINDS = {"databases": ("database", "RDS", "aws_db_instance"), "aurora": ("aurora", "Aurora", "aws_rds_cluster"),
         "file_systems": ("file_system", "EFS", "aws_efs_file_system")}
"""data.<kind> -> (selection name prefix, ProtectedResourceType, Terraform type of the protected resource)."""

_documents: dict[tuple[str, str], dict] = {}


def _data(blueprint: str, environment: str) -> dict:
    """A shipped environment's data stack JSON, synthesized once per module run."""
    if (blueprint, environment) not in _documents:
        _documents[blueprint, environment] = _synth(load(blueprint, environment))
    return _documents[blueprint, environment]


def _synth(config) -> dict:
    return json.loads(CdktfTesting.synth(DataStack(CdktfTesting.app(), config)))


def _user(tmp_path, extends: str, body: str) -> dict:
    return _synth(load(config_file=user_config_file(tmp_path, extends, body)))


def _logical_id(reference: str) -> str:
    """'x' of '${aws_db_instance.x.arn}'."""
    return reference.removeprefix("${").split(".")[1]


def _restore_role(document: dict) -> tuple[str, dict]:
    (found,) = [(k, v) for k, v in resources(document, "aws_iam_role").items() if v["name"].endswith("-restore-test")]
    return found


def _selections(document: dict) -> dict[str, dict]:
    return {s["name"]: s for s in resources(document, "aws_backup_restore_testing_selection").values()}


@pytest.mark.parametrize("blueprint", BLUEPRINTS)
def test_every_production_environment_restores_from_its_vault_every_week(blueprint):
    document, config = _data(blueprint, "prod"), load(blueprint, "prod")
    plan = only(document, "aws_backup_restore_testing_plan")
    assert plan["name"] == config.name_prefix.replace("-", "_") + "_restore_test"
    assert (plan["schedule_expression"], plan["schedule_expression_timezone"], plan["start_window_hours"]) == (
        "cron(0 6 ? * MON *)", "Etc/UTC", 8)  # Mondays 06:00, after that day's 03:00 backup
    (vault,) = [k for k, v in resources(document, "aws_backup_vault").items()
                if v["name"] == f"{config.name_prefix}-daily"]  # the primary's vault, not the copy's
    assert plan["recovery_point_selection"] == [{
        "algorithm": "LATEST_WITHIN_WINDOW", "include_vaults": [f"${{aws_backup_vault.{vault}.arn}}"],
        "recovery_point_types": ["SNAPSHOT"], "selection_window_days": 7}]  # the plan takes snapshots only
    (plan_id,) = resources(document, "aws_backup_restore_testing_plan")
    assert document["output"]["restore_testing_plan_name"]["value"] == (
        f"${{aws_backup_restore_testing_plan.{plan_id}.name}}")


@pytest.mark.parametrize("blueprint", BLUEPRINTS)
def test_each_backed_up_store_has_a_selection_of_its_own(blueprint):
    """Whatever the backup plan protects is restore-tested, one selection per store naming its ARN."""
    document, config = _data(blueprint, "prod"), load(blueprint, "prod")
    (plan_id,) = resources(document, "aws_backup_restore_testing_plan")
    role_id, _ = _restore_role(document)
    selections = _selections(document)
    expected = {f"{prefix}_{name.replace('-', '_')}": kind for kind, (prefix, _, _) in KINDS.items()
                for name in getattr(config.data, kind)}
    assert set(selections) == set(expected) and selections
    for name, selection in selections.items():
        prefix, resource_type, terraform_type = KINDS[expected[name]]
        assert selection["protected_resource_type"] == resource_type, name
        (arn,) = selection["protected_resource_arns"]
        assert arn.startswith(f"${{{terraform_type}.") and arn.endswith(".arn}"), name
        assert selection["restore_testing_plan_name"] == f"${{aws_backup_restore_testing_plan.{plan_id}.name}}"
        assert selection["iam_role_arn"] == f"${{aws_iam_role.{role_id}.arn}}"
        assert selection["validation_window_hours"] == 24
    (backup_selection,) = resources(document, "aws_backup_selection").values()
    assert sorted(backup_selection["resources"]) == sorted(s["protected_resource_arns"][0] for s in selections.values())


def test_a_database_is_restored_private_into_its_own_subnets_and_groups():
    for blueprint in ("notebookly", "cafe-dr", "saas"):
        for selection in _selections(_data(blueprint, "prod")).values():
            if selection["protected_resource_type"] != "RDS":
                continue
            instance = _logical_id(selection["protected_resource_arns"][0])
            assert selection["restore_metadata_overrides"] == {
                "dbSubnetGroupName": f"${{aws_db_instance.{instance}.db_subnet_group_name}}",
                "vpcSecurityGroupIds": f"${{jsonencode(tolist(aws_db_instance.{instance}.vpc_security_group_ids))}}",
                "publiclyAccessible": "false", "multiAz": "false"}, blueprint


def test_an_aurora_cluster_is_restored_into_its_own_subnets_groups_and_tls_parameters():
    (selection,) = _selections(_data("levels", "prod")).values()
    cluster = _logical_id(selection["protected_resource_arns"][0])
    assert selection["restore_metadata_overrides"] == {
        "dbSubnetGroupName": f"${{aws_rds_cluster.{cluster}.db_subnet_group_name}}",
        "dbClusterParameterGroupName": f"${{aws_rds_cluster.{cluster}.db_cluster_parameter_group_name}}",
        "vpcSecurityGroupIds": f"${{jsonencode(tolist(aws_rds_cluster.{cluster}.vpc_security_group_ids))}}"}


def test_a_file_system_is_restored_under_its_own_customer_key():
    for blueprint in ("cafe-dr", "saas"):
        (selection,) = [s for s in _selections(_data(blueprint, "prod")).values()
                        if s["protected_resource_type"] == "EFS"]
        file_system = _logical_id(selection["protected_resource_arns"][0])
        assert selection["restore_metadata_overrides"] == {
            "kmsKeyId": f"${{aws_efs_file_system.{file_system}.kms_key_id}}"}, blueprint


def test_only_aws_backup_for_this_account_restores_and_it_cannot_take_backups():
    document, config = _data("notebookly", "prod"), load("notebookly", "prod")
    role_id, role = _restore_role(document)
    assert role["name"] == f"{config.name_prefix}-restore-test"
    (statement,) = policy_document(document, role["assume_role_policy"])["statement"]
    assert statement["actions"] == ["sts:AssumeRole"]
    assert statement["principals"] == [{"type": "Service", "identifiers": ["backup.amazonaws.com"]}]
    assert statement_conditions(statement) == {("StringEquals", "aws:SourceAccount", (config.account_id,))}
    attached = {k: v for k, v in resources(document, "aws_iam_role_policy_attachment").items()
                if v["role"] == f"${{aws_iam_role.{role_id}.name}}"}
    assert [v["policy_arn"] for v in attached.values()] == [
        "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores"]
    for selection in _selections(document).values():  # AWS Backup checks the role's permissions
        assert selection["depends_on"] == [f"aws_iam_role_policy_attachment.{k}" for k in attached]


@pytest.mark.parametrize("blueprint", BLUEPRINTS)
def test_development_builds_no_restore_testing_by_default(blueprint):
    document = _data(blueprint, "dev")
    assert resources(document, "aws_backup_selection")  # it backs up ...
    assert not any(resources(document, t) for t in RESTORE_TESTING_TYPES)  # ... and tests no restore
    assert not [v for v in resources(document, "aws_iam_role").values() if v["name"].endswith("-restore-test")]
    assert "restore_testing_plan_name" not in document.get("output", {})


def test_development_can_rehearse_the_tests(tmp_path):
    document = _user(tmp_path, "notebookly/dev", "data:\n  backup:\n    restore_testing:\n      enabled: true\n"
                     "      validation_window_hours: 2\n      schedule: cron(30 4 ? * SAT *)\n")
    plan = only(document, "aws_backup_restore_testing_plan")
    assert (plan["name"], plan["schedule_expression"]) == ("notebookly_dev_restore_test", "cron(30 4 ? * SAT *)")
    (selection,) = _selections(document).values()
    assert (selection["name"], selection["validation_window_hours"]) == ("database_main", 2)


def test_resource_types_narrow_what_is_tested(tmp_path):
    document = _user(tmp_path, "cafe-dr/prod", "data:\n  backup:\n    restore_testing: {resource_types: [EFS]}\n")
    assert [s["protected_resource_type"] for s in _selections(document).values()] == ["EFS"]
    assert {s["protected_resource_type"] for s in _selections(_data("cafe-dr", "prod")).values()} == {"RDS", "EFS"}


def test_switched_off_in_production_it_leaves_the_rest_of_the_stack_as_it_was(tmp_path):
    """Off is exactly the stack without restore testing: nothing else moves when it is switched on or off."""
    off = _user(tmp_path, "notebookly/prod", "data:\n  backup:\n    restore_testing: {enabled: false}\n")
    on = json.loads(json.dumps(_data("notebookly", "prod")))
    for resource_type in RESTORE_TESTING_TYPES:
        del on["resource"][resource_type]
    for resource_type in ("aws_iam_role", "aws_iam_role_policy_attachment"):
        on["resource"][resource_type] = {k: v for k, v in on["resource"][resource_type].items()
                                         if not k.startswith("restore-testing_")}
    on["data"]["aws_iam_policy_document"] = {k: v for k, v in on["data"]["aws_iam_policy_document"].items()
                                             if not k.startswith("restore-testing_")}
    del on["output"]["restore_testing_plan_name"]
    assert off == on


def test_a_kind_the_environment_does_not_back_up_is_refused_when_the_configuration_loads(tmp_path):
    body = "data:\n  backup:\n    restore_testing: {resource_types: [RDS, Aurora]}\n"
    assert_refused(tmp_path, "notebookly/prod", body, ["backup.restore_testing.resource_types", "['Aurora']",
                                                       "does not back up", "fix: list only ['RDS']"])


@pytest.mark.parametrize(("body", "fragments"), [
    ("schedule: weekly", ["'weekly' is not an AWS cron expression", "cron(0 6 ? * MON *)"]),
    ("start_window_hours: 0", ["start_window_hours = 0", "1 to 168"]),
    ("validation_window_hours: 169", ["validation_window_hours = 169", "1 to 168"]),
    ("selection_window_days: 40", ["selection_window_days 40 looks back further", "retention_days 35"]),
    ("resource_types: [S3]", ["resource_types.0 = 'S3'", "'RDS', 'Aurora' or 'EFS'"]),
    ("resource_types: []", ["resource_types is empty", "enabled: false"]),
    ("resource_types: [RDS, RDS]", ["names a kind twice"]),
    ("enable: true", ["enable"]),
])
def test_bad_restore_testing_values_are_refused(tmp_path, body, fragments):
    assert_refused(tmp_path, "notebookly/prod", f"data:\n  backup:\n    restore_testing:\n      {body}\n", fragments)


def test_the_configuration_offers_the_kinds_the_construct_restores():
    listed, _none = typing.get_args(RestoreTestingConfig.model_fields["resource_types"].annotation)
    (kinds,) = typing.get_args(listed)
    assert typing.get_args(kinds) == RESOURCE_TYPES


TARGET = RestoreTarget(key="database-main", resource_type="RDS", arn="arn:aws:rds:eu-west-1:1:db:x",
                       metadata_overrides={})
PROPS = dict(name="shop-prod", vault_arn="arn:aws:backup:eu-west-1:1:backup-vault:v", targets=[TARGET],
             account_id="123456789012")


@pytest.mark.parametrize(("changes", "fragment"), [
    (dict(targets=[]), "has no targets"),
    (dict(name="shop_" * 8), "(the plan adds '_restore_test' within AWS's 50)"),
    (dict(targets=[TARGET, TARGET]), "repeat a key"),
    (dict(targets=[RestoreTarget("queue-jobs", "SQS", "arn", {})]), "resource type 'SQS'"),
    (dict(targets=[RestoreTarget("Database_Main", "RDS", "arn", {})]), "key 'Database_Main'"),
    (dict(schedule="rate(7 days)"), "schedule='rate(7 days)'"),
    (dict(start_window_hours=0), "start_window_hours=0; fix: 1 to 168"),
    (dict(selection_window_days=366), "selection_window_days=366; fix: 1 to 365"),
    (dict(validation_window_hours=169), "validation_window_hours=169; fix: 1 to 168"),
])
def test_the_construct_refuses_bad_props(changes, fragment):
    with pytest.raises(ValueError) as error:
        RestoreTestingProps(**{**PROPS, **changes})
    assert fragment in str(error.value) and "fix:" in str(error.value)
