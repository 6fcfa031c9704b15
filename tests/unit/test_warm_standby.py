"""Layer 1: levels prod's warm standby (the option its configuration offers, tests/configs/levels-warm-
standby.yaml): the Aurora cluster forms a global database with a secondary cluster in us-east-2, the standby
has its own queues and uses the bucket replicas, its fleets serve at half size, and `api.` fails over."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from configuration.rto import rto_budget
from tests.support import (
    load_environment,
    only,
    platform_manifest,
    policy_document,
    policy_statement,
    resources,
    stack_document,
)

ENVIRONMENT = ("levels", "prod+warm-standby")
PREFIX = "${data.terraform_remote_state.%s.outputs.%s}"


@pytest.fixture(scope="module")
def outdir(synthesized: dict[tuple[str, str], Path]) -> Path:
    return synthesized[ENVIRONMENT]


@pytest.fixture(scope="module")
def standby_data(outdir: Path) -> dict[str, Any]:
    return stack_document(outdir, "dr-data")


def test_the_option_is_off_as_shipped_and_on_in_the_option(synthesized):
    shipped = load_environment("levels", "prod")
    assert (shipped.dr.strategy, shipped.dr.vpc_cidr) == ("none", "10.42.0.0/16")
    shipped_stacks = platform_manifest(synthesized[("levels", "prod")])["stacks"]
    assert {s["site"] for s in shipped_stacks} == {"primary"}
    assert {s["name"] for s in platform_manifest(synthesized[ENVIRONMENT])["stacks"] if s["site"] == "standby"} == {
        "levels-prod-dr-network", "levels-prod-dr-data", "levels-prod-dr-compute", "levels-prod-dr-failover"}
    warm = load_environment(*ENVIRONMENT)
    assert (warm.dr.strategy, warm.name_prefix, warm.environment) == ("warm-standby", "levels-prod", "prod")
    budget = rto_budget(warm)
    assert budget.total_seconds <= warm.dr.rto_minutes * 60
    assert [step.name for step in budget.steps] == [
        "detect", "flap-guard", "detach-database", "update-parameters", "scale-standby", "dns"]


def test_the_primary_cluster_forms_a_global_database_without_backtrack(synthesized, outdir):
    primary = stack_document(outdir, "data")
    cluster_logical, cluster = next(iter(resources(primary, "aws_rds_cluster").items()))
    global_cluster = only(primary, "aws_rds_global_cluster")
    assert global_cluster["global_cluster_identifier"] == "levels-prod-main-global"
    assert global_cluster["source_db_cluster_identifier"] == f"${{aws_rds_cluster.{cluster_logical}.arn}}"
    assert global_cluster["force_destroy"] is True and global_cluster["deletion_protection"] is True
    assert "backtrack_window" not in cluster  # global databases have no backtrack
    assert "global_cluster_identifier" in cluster["lifecycle"]["ignore_changes"]
    # RDS cannot manage a global member's password: an ephemeral variable, sent write-only (never in state)
    assert "manage_master_user_password" not in cluster and "master_password" not in cluster
    assert (cluster["master_password_wo"], cluster["master_password_wo_version"]) == ("${var.main_master_password}", 1)
    variable = primary["variable"]["main_master_password"]
    assert (variable["ephemeral"], variable["sensitive"], variable["nullable"]) == (True, True, False)
    assert "TF_VAR_main_master_password" in variable["validation"][0]["error_message"]
    # the clients' sign-in: a credentials secret the operator fills, replicated to the standby
    (secret_logical, secret), = resources(primary, "aws_secretsmanager_secret").items()
    assert secret["name"] == "levels/prod/database/main"
    assert primary["output"]["database_main_secret_arn"]["value"] == (
        f"${{aws_secretsmanager_secret.{secret_logical}.arn}}")
    assert primary["output"]["database_main_global_cluster_identifier"]["value"] == (
        f"${{aws_rds_global_cluster.{next(iter(resources(primary, 'aws_rds_global_cluster')))}"
        ".global_cluster_identifier}")
    shipped = stack_document(synthesized[("levels", "prod")], "data")
    assert not resources(shipped, "aws_rds_global_cluster")
    (plain,) = resources(shipped, "aws_rds_cluster").values()
    assert plain["backtrack_window"] == 24 * 3600  # the option off: as before


def test_the_standby_cluster_is_the_global_databases_secondary_under_its_own_key(standby_data):
    (provider,) = standby_data["provider"]["aws"]
    assert provider["region"] == "us-east-2"
    (cluster_logical, cluster), = resources(standby_data, "aws_rds_cluster").items()
    assert cluster["cluster_identifier"] == "levels-prod-dr-main"
    assert cluster["global_cluster_identifier"] == "levels-prod-main-global"
    assert (cluster["engine"], cluster["storage_encrypted"], cluster["iam_database_authentication_enabled"]) == (
        "aurora-mysql", True, True)
    keys = {key["//"]["metadata"]["path"].split("/")[1]: logical
            for logical, key in resources(standby_data, "aws_kms_key").items()}
    assert cluster["kms_key_id"] == f"${{aws_kms_key.{keys['databases-key']}.arn}}"
    for inherited in ("master_username", "manage_master_user_password", "database_name", "backtrack_window"):
        assert inherited not in cluster, inherited
    # the orchestrator detaches it: no apply re-attaches or replaces it
    assert {"global_cluster_identifier", "replication_source_identifier"} <= set(
        cluster["lifecycle"]["ignore_changes"])
    instances = list(resources(standby_data, "aws_rds_cluster_instance").values())
    assert len(instances) == 2  # warm: a reader in a second AZ once it is the writer
    assert sorted(i["availability_zone"] for i in instances) == ["us-east-2a", "us-east-2b"]
    assert all(i["cluster_identifier"] == f"${{aws_rds_cluster.{cluster_logical}.id}}" for i in instances)
    assert not any(i["publicly_accessible"] for i in instances)
    outputs = standby_data["output"]
    assert outputs["database_main_global_cluster_identifier"]["value"] == "levels-prod-main-global"
    assert outputs["database_main_arn"]["value"] == f"${{aws_rds_cluster.{cluster_logical}.arn}}"
    parameters = {p["name"]: p["value"] for p in resources(standby_data, "aws_ssm_parameter").values()}
    assert parameters["/levels/prod/data/database/main/endpoint"] == f"${{aws_rds_cluster.{cluster_logical}.endpoint}}"
    assert parameters["/levels/prod/data/database/main/reader_endpoint"] == (
        f"${{aws_rds_cluster.{cluster_logical}.reader_endpoint}}")


def test_the_standby_has_its_own_queues_and_uses_the_bucket_replicas(outdir, standby_data):
    queues = {q["name"]: q for q in resources(standby_data, "aws_sqs_queue").values()}
    assert set(queues) == {"levels-prod-dr-jobs", "levels-prod-dr-jobs-dlq", "levels-prod-dr-image-processing",
                           "levels-prod-dr-image-processing-dlq"}
    keys = {key["//"]["metadata"]["path"].split("/")[1]: logical
            for logical, key in resources(standby_data, "aws_kms_key").items()}
    assert {q["kms_master_key_id"] for q in queues.values()} == {f"${{aws_kms_key.{keys['messaging-key']}.arn}}"}
    assert standby_data["output"]["queue_jobs_name"]["value"].startswith("${aws_sqs_queue.")
    parameters = {p["name"]: p["value"] for p in resources(standby_data, "aws_ssm_parameter").values()}
    assert parameters["/levels/prod/data/bucket/uploads"] == "levels-prod-uploads-123456789012-us-east-2"
    (access,) = [p for p in resources(standby_data, "aws_iam_policy").values()
                 if p["name"] == "levels-prod-dr-app-data-access"]
    policy = policy_document(standby_data, access["policy"])
    uploads = policy_statement(policy, "BucketUploads")
    assert uploads["resources"] == ["arn:aws:s3:::levels-prod-uploads-123456789012-us-east-2",
                                    "arn:aws:s3:::levels-prod-uploads-123456789012-us-east-2/*"]
    through_s3 = policy_statement(policy, "KeyThroughS3")
    assert through_s3["resources"] == [PREFIX % ("primary-data", "kms_key_storage_replica_arn")]
    assert through_s3["condition"][0]["values"] == ["s3.us-east-2.amazonaws.com"]
    # the replica key the statement names is the one the primary's data stack encrypts the replicas with
    primary = stack_document(outdir, "data")
    assert primary["output"]["kms_key_storage_replica_arn"]["value"].startswith("${aws_kms_key.")
    assert standby_data["data"]["terraform_remote_state"]["primary-data"]["config"]["key"] == (
        "levels/prod/data.tfstate")


def test_the_standby_fleets_serve_at_half_size_on_the_images_copy(outdir):
    compute = stack_document(outdir, "dr-compute")
    groups = {g["name"]: g for g in resources(compute, "aws_autoscaling_group").values()}
    assert (groups["levels-prod-dr-api"]["min_size"], groups["levels-prod-dr-api"]["desired_capacity"]) == (1, 1)
    assert groups["levels-prod-dr-worker"]["min_size"] == 1
    templates = resources(compute, "aws_launch_template").values()
    assert {t["image_id"] for t in templates} == {"ami-0e8a6c1d2b3f4a5c6"}
    alarms = [a for a in resources(compute, "aws_cloudwatch_metric_alarm").values()
              if a.get("dimensions", {}).get("QueueName")]
    assert alarms and {a["dimensions"]["QueueName"] for a in alarms} == {PREFIX % ("data", "queue_jobs_name")}


def test_the_api_name_fails_over_through_the_gate(outdir):
    edge = stack_document(outdir, "edge")
    records = {(r["name"], r.get("set_identifier")): r for r in resources(edge, "aws_route53_record").values()
               if "alias" in r}
    primary, secondary = records[("api.levels.example.com", "primary")], records[("api.levels.example.com", "standby")]
    assert primary["failover_routing_policy"] == {"type": "PRIMARY"} and "health_check_id" in primary
    assert secondary["alias"]["name"] == PREFIX % ("standby-compute", "load_balancer_dns_name")
    assert edge["output"]["failover_record_name"]["value"] == "api.levels.example.com"
