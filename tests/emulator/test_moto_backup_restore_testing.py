"""AWS Backup restore testing on the harness's moto (moto_backup_patches.backup_restore_testing), then through
Terraform: the RestoreTesting construct (a plan, one selection, its role) applied, planned clean, changed in
place and destroyed, as the data stack of a production environment does.

moto runs no restore job: what is checked is the control plane Terraform and an operator see (the plan, its
selections, what AWS fills in, what it refuses)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cdktf import App, TerraformOutput, TerraformStack
from cdktf_cdktf_provider_aws.backup_vault import BackupVault
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags

from modules.backup import RestoreTarget, RestoreTesting, RestoreTestingProps
from tests.harness.terraform import TerraformWorkdir, emulator_provider_overrides, local_backend_override

pytestmark = [pytest.mark.emulator, pytest.mark.xdist_group("emulator-moto-replay")]
REGION, ACCOUNT = "eu-west-1", "123456789012"  # moto's account
DATABASE = f"arn:aws:rds:{REGION}:{ACCOUNT}:db:shop-prod-main"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/shop-prod-restore-test"


def _vault_arn(name: str) -> str:
    return f"arn:aws:backup:{REGION}:{ACCOUNT}:backup-vault:{name}"


def _plan(backup: Any, name: str, **selection: Any) -> str:
    return str(backup.create_restore_testing_plan(
        RestoreTestingPlan={"RestoreTestingPlanName": name, "ScheduleExpression": "cron(0 6 ? * MON *)",
                            "RecoveryPointSelection": {"Algorithm": "LATEST_WITHIN_WINDOW",
                                                       "IncludeVaults": [_vault_arn("daily")],
                                                       "RecoveryPointTypes": ["SNAPSHOT"], **selection}},
        Tags={"Project": "shop"})["RestoreTestingPlanArn"])


def _selection(backup: Any, plan: str, name: str = "database_main", **extra: Any) -> dict:
    return backup.create_restore_testing_selection(RestoreTestingPlanName=plan, RestoreTestingSelection={
        "RestoreTestingSelectionName": name, "ProtectedResourceType": "RDS", "IamRoleArn": ROLE, **extra})


def test_a_plan_is_kept_with_what_aws_fills_in_and_its_tags(emulator_client):
    backup = emulator_client("backup", REGION)
    arn = _plan(backup, "filled_in")
    assert arn.startswith(f"arn:aws:backup:{REGION}:{ACCOUNT}:restore-testing-plan:filled_in-")
    plan = backup.get_restore_testing_plan(RestoreTestingPlanName="filled_in")["RestoreTestingPlan"]
    assert (plan["ScheduleExpressionTimezone"], plan["StartWindowHours"]) == ("Etc/UTC", 24)
    assert plan["RecoveryPointSelection"] == {
        "Algorithm": "LATEST_WITHIN_WINDOW", "IncludeVaults": [_vault_arn("daily")], "ExcludeVaults": [],
        "RecoveryPointTypes": ["SNAPSHOT"], "SelectionWindowDays": 30}
    assert backup.list_tags(ResourceArn=arn)["Tags"] == {"Project": "shop"}
    assert "filled_in" in [p["RestoreTestingPlanName"] for p in backup.list_restore_testing_plans()[
        "RestoreTestingPlans"]]
    with pytest.raises(ClientError, match="AlreadyExistsException"):
        _plan(backup, "filled_in")
    backup.update_restore_testing_plan(RestoreTestingPlanName="filled_in", RestoreTestingPlan={
        "StartWindowHours": 8, "RecoveryPointSelection": {"SelectionWindowDays": 7}})
    updated = backup.get_restore_testing_plan(RestoreTestingPlanName="filled_in")["RestoreTestingPlan"]
    assert (updated["StartWindowHours"], updated["RecoveryPointSelection"]["SelectionWindowDays"]) == (8, 7)
    assert updated["RecoveryPointSelection"]["IncludeVaults"] == [_vault_arn("daily")]  # what was not sent stays
    assert "LastUpdateTime" in updated


def test_a_selection_belongs_to_a_plan_and_is_answered_as_aws_does(emulator_client):
    backup = emulator_client("backup", REGION)
    _plan(backup, "answered")
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        _selection(backup, "no_such_plan", ProtectedResourceArns=[DATABASE])
    overrides = {"dbSubnetGroupName": "shop-prod-main-db", "vpcSecurityGroupIds": '["sg-1"]'}
    _selection(backup, "answered", ProtectedResourceArns=[DATABASE], RestoreMetadataOverrides=overrides)
    selection = backup.get_restore_testing_selection(
        RestoreTestingPlanName="answered", RestoreTestingSelectionName="database_main")["RestoreTestingSelection"]
    assert (selection["ProtectedResourceArns"], selection["RestoreMetadataOverrides"]) == ([DATABASE], overrides)
    assert selection["ProtectedResourceConditions"] == {"StringEquals": [], "StringNotEquals": []}  # none sent
    assert (selection["ValidationWindowHours"], selection["IamRoleArn"]) == (0, ROLE)
    (listed,) = backup.list_restore_testing_selections(RestoreTestingPlanName="answered")["RestoreTestingSelections"]
    assert (listed["RestoreTestingSelectionName"], listed["ProtectedResourceType"]) == ("database_main", "RDS")
    backup.update_restore_testing_selection(RestoreTestingPlanName="answered",
                                            RestoreTestingSelectionName="database_main",
                                            RestoreTestingSelection={"ValidationWindowHours": 24})
    assert backup.get_restore_testing_selection(RestoreTestingPlanName="answered",
                                                RestoreTestingSelectionName="database_main")[
        "RestoreTestingSelection"]["ValidationWindowHours"] == 24


def test_what_aws_refuses(emulator_client):
    backup = emulator_client("backup", REGION)
    with pytest.raises(ClientError, match="InvalidParameterValueException.*letters, digits or underscores"):
        _plan(backup, "has-hyphens")
    with pytest.raises(ClientError, match="InvalidParameterValueException.*RecoveryPointTypes"):
        _plan(backup, "bad_types", RecoveryPointTypes=["DAILY"])
    _plan(backup, "refusing")
    with pytest.raises(ClientError, match="InvalidParameterValueException.*ProtectedResourceType"):
        backup.create_restore_testing_selection(RestoreTestingPlanName="refusing", RestoreTestingSelection={
            "RestoreTestingSelectionName": "queue", "ProtectedResourceType": "SQS", "IamRoleArn": ROLE,
            "ProtectedResourceArns": ["*"]})
    with pytest.raises(ClientError, match="InvalidParameterValueException.*either \\['\\*'\\] or"):
        _selection(backup, "refusing", ProtectedResourceArns=["*", DATABASE])
    with pytest.raises(ClientError, match="InvalidParameterValueException.*ProtectedResourceArns or"):
        _selection(backup, "refusing")
    with pytest.raises(ClientError, match="InvalidParameterValueException.*ValidationWindowHours"):
        _selection(backup, "refusing", ProtectedResourceArns=[DATABASE], ValidationWindowHours=169)
    _selection(backup, "refusing", ProtectedResourceArns=["*"])
    with pytest.raises(ClientError, match="AlreadyExistsException"):
        _selection(backup, "refusing", ProtectedResourceArns=["*"])


def test_a_plan_goes_only_after_its_selections(emulator_client):
    backup = emulator_client("backup", REGION)
    arn = _plan(backup, "deleted")
    _selection(backup, "deleted", ProtectedResourceArns=[DATABASE])
    with pytest.raises(ClientError, match="InvalidRequestException.*delete them first"):
        backup.delete_restore_testing_plan(RestoreTestingPlanName="deleted")
    names = {"RestoreTestingPlanName": "deleted", "RestoreTestingSelectionName": "database_main"}
    backup.delete_restore_testing_selection(**names)
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        backup.get_restore_testing_selection(**names)
    backup.delete_restore_testing_plan(RestoreTestingPlanName="deleted")
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        backup.get_restore_testing_plan(RestoreTestingPlanName="deleted")
    assert backup.list_tags(ResourceArn=arn)["Tags"] == {}


# -- through Terraform ---------------------------------------------------------------------------------


def _stack(outdir: Path, validation_window_hours: int) -> None:
    """A vault and restore testing over one database (the data stack's part; the database is only its ARN: a
    selection names what to restore, and nothing is restored on the emulator)."""
    app = App(outdir=str(outdir))
    stack = TerraformStack(app, "restore-testing")
    AwsProvider(stack, "aws", region=REGION, default_tags=[AwsProviderDefaultTags(tags={"Project": "shop"})])
    vault = BackupVault(stack, "vault", name="shop-prod-daily")
    testing = RestoreTesting(stack, "restore-testing", RestoreTestingProps(
        name="shop-prod", vault_arn=vault.arn, account_id=ACCOUNT, validation_window_hours=validation_window_hours,
        targets=[RestoreTarget(key="database-main", resource_type="RDS", arn=DATABASE, metadata_overrides={
            "dbSubnetGroupName": "shop-prod-main-db", "vpcSecurityGroupIds": '["sg-0123"]',
            "publiclyAccessible": "false"})]))
    TerraformOutput(stack, "plan_name", value=testing.plan.name)
    TerraformOutput(stack, "role_arn", value=testing.role.arn)
    app.synth()


@pytest.fixture(scope="module")
def applied(moto, tmp_path_factory) -> SimpleNamespace:
    """The stack applied on the module's moto and planned clean right after."""
    root = tmp_path_factory.mktemp("restore-testing")
    _stack(root / "out", validation_window_hours=24)
    workdir = TerraformWorkdir(root / "out" / "stacks" / "restore-testing", root / "work")
    workdir.write_override(emulator_provider_overrides(workdir.stack_json, moto.endpoint_url),
                           local_backend_override(root / "work" / "terraform.tfstate"))
    assert workdir.apply_then_plan() == 0, workdir.last_plan_output
    outputs = {name: output["value"] for name, output in workdir.output().items()}
    return SimpleNamespace(root=root, workdir=workdir, **outputs)


def test_terraform_creates_the_plan_and_the_selection(applied, emulator_client):
    backup = emulator_client("backup", REGION)
    plan = backup.get_restore_testing_plan(RestoreTestingPlanName=applied.plan_name)["RestoreTestingPlan"]
    assert applied.plan_name == "shop_prod_restore_test"
    assert (plan["ScheduleExpression"], plan["ScheduleExpressionTimezone"], plan["StartWindowHours"]) == (
        "cron(0 6 ? * MON *)", "Etc/UTC", 8)
    assert plan["RecoveryPointSelection"]["IncludeVaults"] == [_vault_arn("shop-prod-daily")]
    assert backup.list_tags(ResourceArn=plan["RestoreTestingPlanArn"])["Tags"]["Project"] == "shop"
    selection = backup.get_restore_testing_selection(RestoreTestingPlanName=applied.plan_name,
                                                     RestoreTestingSelectionName="database_main")[
        "RestoreTestingSelection"]
    assert (selection["ProtectedResourceArns"], selection["IamRoleArn"]) == ([DATABASE], applied.role_arn)
    assert selection["RestoreMetadataOverrides"]["publiclyAccessible"] == "false"
    assert selection["ValidationWindowHours"] == 24


def test_a_changed_window_updates_in_place_and_everything_destroys(applied, emulator_client):
    backup = emulator_client("backup", REGION)
    created = backup.get_restore_testing_selection(RestoreTestingPlanName=applied.plan_name,
                                                   RestoreTestingSelectionName="database_main")[
        "RestoreTestingSelection"]["CreationTime"]
    _stack(applied.root / "out-changed", validation_window_hours=4)
    changed = applied.root / "out-changed" / "stacks" / "restore-testing" / "cdk.tf.json"
    (applied.workdir.path / "cdk.tf.json").write_text(changed.read_text())
    assert applied.workdir.plan(detailed_exitcode=True) == 2
    assert "1 to change, 0 to destroy" in applied.workdir.last_plan_output  # in place, not replaced
    applied.workdir.apply()
    selection = backup.get_restore_testing_selection(RestoreTestingPlanName=applied.plan_name,
                                                     RestoreTestingSelectionName="database_main")[
        "RestoreTestingSelection"]
    assert (selection["ValidationWindowHours"], selection["CreationTime"]) == (4, created)
    assert applied.workdir.plan(detailed_exitcode=True) == 0, applied.workdir.last_plan_output
    applied.workdir.destroy()
    assert applied.plan_name not in [p["RestoreTestingPlanName"]
                                     for p in backup.list_restore_testing_plans()["RestoreTestingPlans"]]
