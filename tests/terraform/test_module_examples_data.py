"""The data, audit and recovery modules (rds, aurora, cloudtrail, report, dr-failover): their examples' non-default
values reach the planned resources, bad values are refused with the rule and its fix, and Lambda code ships as
reproducible assets the module finds wherever it is called from."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest

from publishing.modules.__main__ import write_modules
from publishing.modules.render import reproducible_zip
from tests.harness.terraform import TerraformError
from tests.workdirs import example_workdir

pytestmark = pytest.mark.terraform
MODULES = ["network", "rds", "aurora", "cloudtrail", "report", "dr-failover"]
"""Ours, and the network module their examples call."""


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("modules") / "terraform-modules"
    write_modules(out, MODULES)
    return out


def _planned(name: str, generated: Path, root: Path) -> dict:
    workdir = example_workdir(name, generated, root)
    workdir.init()
    workdir.plan(extra_args=["-out=plan.bin"])
    return json.loads(workdir.run("show", "-json", "plan.bin").stdout)


def _created(plan: dict, module: str, kind: str) -> dict[str, dict]:
    """The planned values of the module's resources of one type, by address."""
    prefix = f"module.{module}."
    return {c["address"]: c["change"]["after"] for c in plan["resource_changes"]
            if c["address"].startswith(prefix) and c["type"] == kind and c["change"]["actions"] == ["create"]}


def _only(plan: dict, module: str, kind: str) -> dict:
    (values,) = _created(plan, module, kind).values()
    return values


def _refusal(name: str, generated: Path, root: Path, inputs: dict, extra: dict | None = None) -> str:
    """The example with `inputs` overridden: plan must fail; its error text, whitespace normalized."""
    workdir = example_workdir(name, generated, root)
    workdir.write_override({"module": {name.replace("-", "_"): inputs}, **(extra or {})}, name="bad_input")
    workdir.init()
    with pytest.raises(TerraformError) as refused:
        workdir.plan()
    return " ".join(str(refused.value).split())


# -- rds ----------------------------------------------------------------------------------------------


def test_the_rds_example_sizes_the_instance_and_derives_the_parameter_family_from_its_version(generated, tmp_path):
    plan = _planned("rds", generated, tmp_path)
    instance = _only(plan, "rds", "aws_db_instance")
    assert (instance["identifier"], instance["engine_version"], instance["instance_class"]) == (
        "shop-staging-orders", "8.4", "db.m7g.large")
    assert (instance["allocated_storage"], instance["max_allocated_storage"], instance["backup_retention_period"],
            instance["db_name"]) == (50, 200, 14, "orders")
    assert instance["manage_master_user_password"] and instance.get("password") is None  # RDS keeps it
    assert (instance["deletion_protection"], instance["skip_final_snapshot"],
            instance["final_snapshot_identifier"]) == (True, False, "shop-staging-orders-final")
    group = _only(plan, "rds", "aws_db_parameter_group")
    assert (group["family"], group["name"]) == ("mysql8.4", "shop-staging-orders-mysql8-4")


def test_the_rds_module_refuses_a_class_without_performance_insights_and_a_minor_version(generated, tmp_path):
    message = _refusal("rds", generated, tmp_path, {"instance_class": "db.t4g.micro", "engine_version": "8.0.35"})
    assert "offers no Performance Insights" in message and "db.t4g.micro" in message
    assert "engine_version must be a MySQL major version" in message and "give the major version only" in message


def test_the_rds_module_refuses_a_storage_ceiling_below_the_storage(generated, tmp_path):
    message = _refusal("rds", generated, tmp_path, {"max_allocated_storage_gb": 40})  # the example allocates 50
    assert "max_allocated_storage_gb must exceed allocated_storage_gb" in message and "fix: raise" in message


def test_switching_deletion_protection_off_skips_the_final_snapshot(generated, tmp_path):
    workdir = example_workdir("rds", generated, tmp_path)
    workdir.write_override({"module": {"rds": {"deletion_protection": False}}}, name="disposable")
    workdir.init()
    workdir.plan(extra_args=["-out=plan.bin"])
    instance = _only(json.loads(workdir.run("show", "-json", "plan.bin").stdout), "rds", "aws_db_instance")
    assert (instance["deletion_protection"], instance["skip_final_snapshot"]) == (False, True)


# -- aurora -------------------------------------------------------------------------------------------


def test_the_aurora_example_spreads_writer_and_reader_and_scales_readers_as_set(generated, tmp_path):
    plan = _planned("aurora", generated, tmp_path)
    zones = {values["identifier"]: values["availability_zone"]
             for values in _created(plan, "aurora", "aws_rds_cluster_instance").values()}
    assert zones == {"levels-prod-main-1": "eu-central-1a", "levels-prod-main-2": "eu-central-1b"}
    target = _only(plan, "aurora", "aws_appautoscaling_target")
    assert (target["min_capacity"], target["max_capacity"]) == (1, 5)
    policy = _only(plan, "aurora", "aws_appautoscaling_policy")
    assert policy["target_tracking_scaling_policy_configuration"][0]["target_value"] == 60
    cluster = _only(plan, "aurora", "aws_rds_cluster")
    assert (cluster["backup_retention_period"], cluster["database_name"], cluster["backtrack_window"]) == (
        21, "levels", 24 * 3600)
    assert _only(plan, "aurora", "aws_rds_cluster_parameter_group")["family"] == "aurora-mysql8.0"


def test_the_aurora_module_refuses_one_zone_and_an_out_of_range_cpu_target(generated, tmp_path):
    message = _refusal("aurora", generated, tmp_path,
                       {"availability_zones": ["eu-central-1a"], "reader_target_cpu_percent": 95})
    assert "availability_zones must list at least 2 zones" in message and "module.network.availability_zones" in message
    assert "reader_target_cpu_percent must be a whole number from 10 to 90" in message


# -- cloudtrail ---------------------------------------------------------------------------------------


def test_the_cloudtrail_example_keeps_its_logs_as_set_and_alarms_every_cis_control_to_the_topic(generated, tmp_path):
    from modules.audit import CIS_CONTROLS

    plan = _planned("cloudtrail", generated, tmp_path)
    logs = _only(plan, "cloudtrail", "aws_cloudwatch_log_group")
    assert (logs["name"], logs["retention_in_days"]) == ("/aws/cloudtrail/shop-prod", 731)
    trail = _only(plan, "cloudtrail", "aws_cloudtrail")
    assert (trail["name"], trail["is_multi_region_trail"], trail["enable_log_file_validation"]) == (
        "shop-prod-audit", True, True)
    topic = "arn:aws:sns:eu-central-1:123456789012:shop-prod-alarms"
    alarms = {values["alarm_name"]: values for values in _created(plan, "cloudtrail", "aws_cloudwatch_metric_alarm")
              .values()}
    assert sorted(alarms) == sorted(f"shop-prod-{control.key}" for control in CIS_CONTROLS)
    assert all(a["alarm_actions"] == [topic] and a["ok_actions"] == [topic] for a in alarms.values())


def test_the_cloudtrail_module_refuses_a_short_retention_and_a_topic_name_for_an_arn(generated, tmp_path):
    message = _refusal("cloudtrail", generated, tmp_path,
                       {"log_retention_days": 90, "alarm_topic_arn": "shop-prod-alarms"})
    assert "log_retention_days must be a CloudWatch Logs retention of a year or more" in message
    assert "alarm_topic_arn must be an SNS topic ARN" in message and "not its name or URL" in message


# -- report -------------------------------------------------------------------------------------------


def test_the_report_runs_at_the_shops_local_time_with_code_found_from_the_callers_directory(generated, tmp_path):
    plan = _planned("report", generated, tmp_path)
    schedule = _only(plan, "report", "aws_scheduler_schedule")
    assert (schedule["schedule_expression"], schedule["schedule_expression_timezone"]) == (
        "cron(30 7 * * ? *)", "Europe/Berlin")
    mailed = {values["endpoint"] for values in _created(plan, "report", "aws_sns_topic_subscription").values()}
    assert mailed == {"owners@cafe-nimbus.example", "accounting@cafe-nimbus.example"}
    functions = _created(plan, "report", "aws_lambda_function").values()
    assert len(functions) == 2
    for function in functions:
        # planned from examples/report/: the path goes through the module's folder to the shipped zip
        relative = function["filename"].removeprefix("../../dist/terraform-modules/report/")
        assert relative.startswith("assets/") and relative.endswith(".zip")
        shipped = (generated / "report" / relative).read_bytes()
        assert function["source_code_hash"] == base64.b64encode(hashlib.sha256(shipped).digest()).decode()
        assert "sales_report/extractor.py" in zipfile.ZipFile(io.BytesIO(shipped)).namelist()


def test_the_report_module_refuses_hour_24_and_a_secret_name_for_an_arn(generated, tmp_path):
    message = _refusal("report", generated, tmp_path, {"hour": 24, "database_secret_arn": "cafe/prod/db"})
    assert "hour must be a whole number from 0 to 23" in message
    assert "database_secret_arn must be a Secrets Manager secret ARN" in message


def test_an_asset_is_rebuilt_to_the_same_bytes_whatever_its_archiver_wrote():
    """The committed modules are compared byte for byte: entry order, times, modes and compression of the zip
    cdktf wrote must not show in the module's copy."""
    files = {"pkg/__init__.py": b"", "pkg/handler.py": b"def handler(event, context):\n    return event\n"}

    def archive(order, when, compression):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", compression) as zip_file:
            for name in order:
                info = zipfile.ZipInfo(name, date_time=when)
                info.external_attr = 0o100600 << 16
                zip_file.writestr(info, files[name], compress_type=compression)
        return out.getvalue()

    first = reproducible_zip(archive(sorted(files), (2024, 5, 1, 12, 0, 0), zipfile.ZIP_DEFLATED))
    second = reproducible_zip(archive(sorted(files, reverse=True), (2025, 1, 2, 3, 4, 6), zipfile.ZIP_STORED))
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as rebuilt:
        assert [(i.filename, i.date_time, i.external_attr >> 16, i.compress_type) for i in rebuilt.infolist()] == [
            (name, (1980, 1, 1, 0, 0, 0), 0o100644, zipfile.ZIP_STORED) for name in sorted(files)]
        assert {name: rebuilt.read(name) for name in files} == files


# -- dr-failover --------------------------------------------------------------------------------------


def test_the_failover_alarm_watches_the_given_health_check_from_us_east_1(generated, tmp_path):
    plan = _planned("dr-failover", generated, tmp_path)
    alarms = _created(plan, "dr_failover", "aws_cloudwatch_metric_alarm")
    alarm = alarms["module.dr_failover.aws_cloudwatch_metric_alarm.primary-down"]
    assert alarm["alarm_name"] == "shop-prod-primary-down"
    assert alarm["dimensions"] == {"HealthCheckId": "8c4f6b2a-1d3e-4f5a-9b6c-7d8e9f0a1b2c"}
    assert "(300 s)" in alarm["alarm_description"]  # min_outage_seconds, as the orchestrator enforces it
    resources = plan["configuration"]["root_module"]["module_calls"]["dr_failover"]["module"]["resources"]
    (configured,) = [r for r in resources if r["address"] == "aws_cloudwatch_metric_alarm.primary-down"]
    assert configured["provider_config_key"].endswith("aws.us_east_1")
    timeline = {values["endpoint"] for values in _created(plan, "dr_failover", "aws_sns_topic_subscription").values()
                if values["protocol"] == "email"}
    assert timeline == {"oncall@shop.example", "cto@shop.example"}


def test_the_failover_module_refuses_an_alarm_provider_outside_us_east_1_and_inverted_sizes(generated, tmp_path):
    elsewhere = {"provider": {"aws": [{"alias": "us_east_1", "region": "eu-west-1"}]}}
    message = _refusal("dr-failover", generated, tmp_path, {}, elsewhere)
    assert "must be in us-east-1" in message and "eu-west-1" in message and "aws.us_east_1 = <a provider" in message
    message = _refusal("dr-failover", generated, tmp_path / "sizes",
                       {"asg_fleets": [{"name": "shop-prod-dr-web", "min": 3, "desired": 2, "max": 6}]})
    assert "asg_fleets needs 0 <= min <= desired <= max" in message
