"""Layer 1: saas prod's warm standby (the option its configuration offers, tests/configs/saas-warm-standby.yaml):
the database keeps a cross-region replica, so its clients (the proxy, the services' `database:main`) sign in
with a credentials secret the operator fills; every secret is replicated to eu-west-2, where the standby's
services read the replicas; Weaviate's file system is replicated there and the standby mounts the replica;
the standby runs its own Valkey, queues and database replica."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from configuration.rto import rto_budget
from tests.support import load_environment, only, platform_manifest, resources, stack_document

ENVIRONMENT = ("saas", "prod+warm-standby")
PRIMARY_DATA = "data.terraform_remote_state.primary-data.outputs"


def statement(document: dict[str, Any], sid: str) -> dict[str, Any]:
    """The one policy statement `sid` among all of a stack's policy documents."""
    found = [s for policy in document["data"]["aws_iam_policy_document"].values() for s in policy["statement"]
             if s.get("sid") == sid]
    assert len(found) == 1, f"{len(found)} statements {sid!r}"
    return found[0]


def replica_of(output: str) -> str:
    return f'${{replace({PRIMARY_DATA}.{output}, ":eu-west-1:", ":eu-west-2:")}}'


@pytest.fixture(scope="module")
def outdir(synthesized: dict[tuple[str, str], Path]) -> Path:
    return synthesized[ENVIRONMENT]


@pytest.fixture(scope="module")
def primary_data(outdir: Path) -> dict[str, Any]:
    return stack_document(outdir, "data")


@pytest.fixture(scope="module")
def standby_data(outdir: Path) -> dict[str, Any]:
    return stack_document(outdir, "dr-data")


def test_the_option_is_off_as_shipped_and_on_in_the_option(synthesized):
    shipped = load_environment("saas", "prod")
    assert (shipped.dr.strategy, shipped.dr.vpc_cidr, shipped.regions.secondary) == (
        "none", "10.32.0.0/16", "eu-west-2")
    assert {s["site"] for s in platform_manifest(synthesized[("saas", "prod")])["stacks"]} == {"primary"}
    standby = {s["name"] for s in platform_manifest(synthesized[ENVIRONMENT])["stacks"] if s["site"] == "standby"}
    assert standby == {"saas-prod-dr-network", "saas-prod-dr-data", "saas-prod-dr-compute", "saas-prod-dr-failover"}
    warm = load_environment(*ENVIRONMENT)
    assert rto_budget(warm).total_seconds <= warm.dr.rto_minutes * 60


def test_the_database_signs_its_clients_in_with_a_replicated_credentials_secret(synthesized, primary_data):
    (instance,) = resources(primary_data, "aws_db_instance").values()
    # a replica's source: RDS cannot manage the master password, the operator's goes write-only
    assert "manage_master_user_password" not in instance
    assert instance["password_wo"] == "${var.main_master_password}"
    secrets = resources(primary_data, "aws_secretsmanager_secret")
    (credentials_logical, credentials), = [(k, v) for k, v in secrets.items() if v["name"] == "saas/prod/database/main"]
    replica_key = next(k for k, v in resources(primary_data, "aws_kms_key").items()
                       if v["description"] == "Replicated secrets of saas-prod in eu-west-2")
    assert resources(primary_data, "aws_kms_key")[replica_key]["provider"] == "aws.secondary"
    assert credentials["kms_key_id"].startswith("${aws_kms_key.databases-key")
    assert credentials["replica"] == [{"region": "eu-west-2", "kms_key_id": f"${{aws_kms_key.{replica_key}.arn}}"}]
    credentials_arn = f"${{aws_secretsmanager_secret.{credentials_logical}.arn}}"
    assert primary_data["output"]["database_main_secret_arn"]["value"] == credentials_arn
    # the proxy signs in with it (and its role reads exactly that secret)
    proxy = only(primary_data, "aws_db_proxy")
    assert [auth["secret_arn"] for auth in proxy["auth"]] == [credentials_arn]
    assert statement(primary_data, "ReadTheMasterSecret")["resources"] == [credentials_arn]
    # every app secret is replicated under the same key
    app_secrets = {v["name"]: v for v in secrets.values() if v["name"] != "saas/prod/database/main"}
    assert sorted(app_secrets) == ["saas/prod/jwt-signing-key", "saas/prod/llm-api-key"]
    assert all(s["replica"] == credentials["replica"] for s in app_secrets.values())
    # the option off: RDS manages the master secret and nothing is replicated, as before
    shipped = stack_document(synthesized[("saas", "prod")], "data")
    (plain,) = resources(shipped, "aws_db_instance").values()
    assert plain["manage_master_user_password"] is True
    shipped_secrets = resources(shipped, "aws_secretsmanager_secret").values()
    assert all("replica" not in s for s in shipped_secrets)
    assert "saas/prod/database/main" not in {s["name"] for s in shipped_secrets}


def test_the_standby_reads_the_secret_replicas_under_the_replica_key(standby_data):
    outputs = {name: output["value"] for name, output in standby_data["output"].items()}
    assert outputs["database_main_secret_arn"] == replica_of("database_main_secret_arn")
    assert outputs["secret_llm_api_key_arn"] == replica_of("secret_llm_api_key_arn")
    assert outputs["secret_arns"] == {"jwt-signing-key": replica_of("secret_jwt_signing_key_arn"),
                                      "llm-api-key": replica_of("secret_llm_api_key_arn")}
    assert outputs["kms_key_secrets_replica_arn"] == f"${{{PRIMARY_DATA}.kms_key_secrets_replica_arn}}"
    read = statement(standby_data, "ReadApplicationSecrets")
    assert read["resources"] == [replica_of("secret_jwt_signing_key_arn"), replica_of("secret_llm_api_key_arn")]
    decrypt = statement(standby_data, "KeyThroughSecretsmanager")
    assert decrypt["resources"] == [f"${{{PRIMARY_DATA}.kms_key_secrets_replica_arn}}"]
    assert decrypt["condition"][0]["values"] == ["secretsmanager.eu-west-2.amazonaws.com"]
    parameters = {p["name"]: p["value"] for p in resources(standby_data, "aws_ssm_parameter").values()}
    assert parameters["/saas/prod/data/database/main/secret_arn"] == replica_of("database_main_secret_arn")
    assert parameters["/saas/prod/data/secret/jwt-signing-key"] == replica_of("secret_jwt_signing_key_arn")
    assert not resources(standby_data, "aws_secretsmanager_secret")  # replicas are the primary's to make


def test_the_standby_runs_its_own_cache_and_database_replica(standby_data):
    (provider,) = standby_data["provider"]["aws"]
    assert provider["region"] == "eu-west-2"
    cache = only(standby_data, "aws_elasticache_replication_group")
    assert cache["replication_group_id"] == "saas-prod-dr-valkey"
    assert (cache["num_cache_clusters"], cache["multi_az_enabled"]) == (3, True)  # prod's two replicas
    assert cache["kms_key_id"].startswith("${aws_kms_key.cache-key")
    parameters = {p["name"]: p["value"] for p in resources(standby_data, "aws_ssm_parameter").values()}
    assert "/saas/prod/data/cache/valkey/endpoint" in parameters
    (replica,) = resources(standby_data, "aws_db_instance").values()
    assert replica["replicate_source_db"] == "arn:aws:rds:eu-west-1:123456789012:db:saas-prod-main"
    assert replica["multi_az"] is True
    # a PostgreSQL replica keeps no backups; the orchestrator gives the promoted one the primary's, and keeps it
    assert replica["backup_retention_period"] == 0
    assert replica["lifecycle"]["ignore_changes"] == ["replicate_source_db", "multi_az", "backup_retention_period"]
    assert not resources(standby_data, "aws_db_proxy")  # RDS Proxy cannot front a read replica


def test_the_standby_services_read_the_replicas_and_decrypt_them(outdir):
    compute = stack_document(outdir, "dr-compute")
    standby = "data.terraform_remote_state.data.outputs"
    documents = compute["data"]["aws_iam_policy_document"]
    backend = next(v for k, v in documents.items() if k.startswith("service-backend_execution-role_permissions"))
    statements = {s["sid"]: s for s in backend["statement"]}
    assert statements["ReadInjectedSecrets"]["resources"] == [
        f"${{{standby}.database_main_secret_arn}}", f"${{{standby}.secret_jwt_signing_key_arn}}"]
    assert statements["DecryptThroughSecretsManager"]["resources"] == [f"${{{standby}.kms_key_secrets_replica_arn}}"]
    assert statements["DecryptThroughSecretsManager"]["condition"][0]["values"] == [
        "secretsmanager.eu-west-2.amazonaws.com"]


def test_the_vectors_file_system_is_replicated_and_the_standby_mounts_the_replica(primary_data, standby_data):
    (file_system_logical, _), = resources(primary_data, "aws_efs_file_system").items()
    replication = only(primary_data, "aws_efs_replication_configuration")
    assert replication["source_file_system_id"] == f"${{aws_efs_file_system.{file_system_logical}.id}}"
    destination = replication["destination"]
    storage_replica = next(k for k, v in resources(primary_data, "aws_kms_key").items()
                           if v["description"] == "Replicated storage of saas-prod in eu-west-2")
    assert destination == {"region": "eu-west-2", "kms_key_id": f"${{aws_kms_key.{storage_replica}.arn}}"}
    replication_logical = next(iter(resources(primary_data, "aws_efs_replication_configuration")))
    assert primary_data["output"]["file_system_vectors_replica_id"]["value"] == (
        f"${{aws_efs_replication_configuration.{replication_logical}.destination[0].file_system_id}}")
    # the standby makes no file system: mount targets and the access point around the replica
    replica = f"${{{PRIMARY_DATA}.file_system_vectors_replica_id}}"
    assert not resources(standby_data, "aws_efs_file_system")
    assert only(standby_data, "aws_efs_mount_target")["file_system_id"] == replica
    point = only(standby_data, "aws_efs_access_point")
    assert (point["file_system_id"], point["root_directory"]["path"]) == (replica, "/weaviate")
    assert standby_data["output"]["file_system_vectors_id"]["value"] == replica
    parameters = {p["name"]: p["value"] for p in resources(standby_data, "aws_ssm_parameter").values()}
    assert parameters["/saas/prod/data/file_system/vectors/id"] == replica
