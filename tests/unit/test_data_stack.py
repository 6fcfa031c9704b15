"""Layer 1: the data stack of every blueprint keeps the seeds' specifics and the security settings:
encrypted with its own keys, reachable only from the app tier, no password anywhere, production HA."""

from __future__ import annotations

import json
import re

import pytest

from tests.support import policy_document, resources, stack_document


@pytest.fixture(scope="module")
def data(synthesized):
    """(blueprint, environment) -> the data stack's Terraform JSON."""
    return {key: stack_document(outdir, "data") for key, outdir in synthesized.items()}


def _one(document, resource_type):
    found = list(resources(document, resource_type).values())
    assert len(found) == 1, f"expected one {resource_type}, found {len(found)}"
    return found[0]


def test_no_password_or_secret_value_anywhere_in_any_data_stack(data):
    for key, document in data.items():
        text = json.dumps(document)
        for resource_type in ("aws_db_instance", "aws_rds_cluster"):
            for db in resources(document, resource_type).values():
                assert "master_password" not in db and "password" not in db, key
                if db.get("manage_master_user_password") is True:
                    continue
                # a database with a DR standby (RDS cannot manage its password): write-only, from an
                # ephemeral sensitive variable the operator sets, so in neither plan nor state
                argument = "password_wo" if resource_type == "aws_db_instance" else "master_password_wo"
                variable = re.fullmatch(r"\$\{var\.(\w+)\}", db[argument])
                assert variable and db[f"{argument}_version"] == 1, key
                declared = document["variable"][variable[1]]
                assert (declared["ephemeral"], declared["sensitive"], "default" in declared) == (True, True, False), key
        assert not resources(document, "aws_secretsmanager_secret_version"), key
        assert "auth_token" not in text, key
        for name, output in document.get("output", {}).items():
            assert "password" not in name and "auth_token" not in json.dumps(output), (key, name)


def test_notebookly_rds_mysql_is_multi_az_in_prod_with_seed_settings(data):
    prod = _one(data[("notebookly", "prod")], "aws_db_instance")
    assert (prod["engine"], prod["engine_version"]) == ("mysql", "8.0")
    assert prod["multi_az"] is True and prod["deletion_protection"] is True
    assert prod["skip_final_snapshot"] is False and prod["final_snapshot_identifier"]
    assert (prod["allocated_storage"], prod["storage_type"], prod["backup_retention_period"]) == (20, "gp3", 7)
    assert prod["storage_encrypted"] is True and prod["kms_key_id"].startswith("${aws_kms_key.")
    assert prod["iam_database_authentication_enabled"] is True and prod["publicly_accessible"] is False
    assert prod["performance_insights_enabled"] is True and prod["performance_insights_kms_key_id"]
    assert prod["monitoring_interval"] == 60 and prod["monitoring_role_arn"]
    assert prod["copy_tags_to_snapshot"] is True and prod["enabled_cloudwatch_logs_exports"]
    dev = _one(data[("notebookly", "dev")], "aws_db_instance")
    assert dev["multi_az"] is False and dev["deletion_protection"] is False  # the dev cost setting


def test_database_parameter_groups_force_tls(data):
    expected = {("notebookly", "prod"): ("require_secure_transport", "1"), ("saas", "prod"): ("rds.force_ssl", "1")}
    for key, (name, value) in expected.items():
        parameters = {p["name"]: p["value"] for p in _one(data[key], "aws_db_parameter_group")["parameter"]}
        assert parameters[name] == value, key
    cluster_group = _one(data[("levels", "prod")], "aws_rds_cluster_parameter_group")
    parameters = {p["name"]: p["value"].upper() for p in cluster_group["parameter"]}
    assert parameters["require_secure_transport"] in ("ON", "1")


def test_data_services_admit_only_the_app_tier_on_their_own_port(data):
    app_group = "${data.terraform_remote_state.network.outputs.app_security_group_id}"
    for key, document in data.items():
        ingress = list(resources(document, "aws_vpc_security_group_ingress_rule").values())
        egress = list(resources(document, "aws_vpc_security_group_egress_rule").values())
        for rule in ingress:
            assert rule["ip_protocol"] == "tcp" and rule["from_port"] == rule["to_port"], key
            assert "cidr_ipv4" not in rule and "cidr_ipv6" not in rule, key
            assert rule["referenced_security_group_id"] == app_group or rule["referenced_security_group_id"].startswith(
                "${aws_security_group."), key  # the app tier, or an RDS Proxy in front of the database
        for group in resources(document, "aws_security_group").values():
            assert "ingress" not in group and "egress" not in group, key  # rules only as separate resources
        assert all(r["security_group_id"] in (app_group,) or r["security_group_id"].startswith("${aws_security_group.")
                   for r in egress), key
    cafe_dr = data[("cafe-dr", "prod")]
    ports = {r["from_port"] for r in resources(cafe_dr, "aws_vpc_security_group_ingress_rule").values()}
    assert ports == {3306, 6379, 2049}


def test_saas_postgres_behind_an_rds_proxy_with_iam_and_tls(data):
    document = data[("saas", "prod")]
    db = _one(document, "aws_db_instance")
    assert (db["engine"], db["engine_version"], db["max_allocated_storage"]) == ("postgres", "16", 200)
    proxy = _one(document, "aws_db_proxy")
    assert proxy["require_tls"] is True and proxy["engine_family"] == "POSTGRESQL"
    assert proxy["auth"][0]["iam_auth"] == "REQUIRED"
    assert proxy["auth"][0]["secret_arn"] == "${aws_db_instance.%s.master_user_secret[0].secret_arn}" % next(
        iter(resources(document, "aws_db_instance")))
    assert document["output"]["database_main_endpoint"]["value"].startswith("${aws_db_proxy.")


def test_saas_valkey_is_encrypted_iam_authenticated_and_fails_over(data):
    prod = _one(data[("saas", "prod")], "aws_elasticache_replication_group")
    assert prod["engine"] == "valkey" and prod["num_cache_clusters"] == 3
    assert prod["automatic_failover_enabled"] is True and prod["multi_az_enabled"] is True
    assert prod["at_rest_encryption_enabled"] == "true" and prod["kms_key_id"].startswith("${aws_kms_key.")
    assert prod["transit_encryption_enabled"] is True and prod["user_group_ids"]
    assert prod["snapshot_retention_limit"] == 7
    users = {u["user_name"]: u for u in resources(data[("saas", "prod")], "aws_elasticache_user").values()}
    assert users["default"]["access_string"].startswith("off")
    assert [u["authentication_mode"]["type"] for n, u in users.items() if n != "default"] == ["iam"]
    dev = _one(data[("saas", "dev")], "aws_elasticache_replication_group")
    assert dev["num_cache_clusters"] == 1 and dev["automatic_failover_enabled"] is False


def test_saas_secrets_are_empty_kms_encrypted_and_readable_by_the_app_only_by_arn(data):
    document = data[("saas", "prod")]
    secrets = {s["name"]: s for s in resources(document, "aws_secretsmanager_secret").values()}
    assert set(secrets) == {"saas/prod/jwt-signing-key", "saas/prod/llm-api-key"}
    assert all(s["kms_key_id"].startswith("${aws_kms_key.") and s["recovery_window_in_days"] == 30
               for s in secrets.values())
    policies = {p["name"]: p for p in resources(document, "aws_iam_policy").values()}
    statements = policy_document(document, policies["saas-prod-app-data-access"]["policy"])["statement"]
    read = next(s for s in statements if s.get("sid") == "ReadApplicationSecrets")
    assert read["actions"] == ["secretsmanager:GetSecretValue"] and "*" not in json.dumps(read["resources"])


def test_queues_have_encrypted_dead_letter_queues(data):
    document = data[("saas", "prod")]
    queues = {q["name"]: q for q in resources(document, "aws_sqs_queue").values()}
    assert set(queues) == {"saas-prod-ai-jobs", "saas-prod-ai-jobs-dlq", "saas-prod-notifications",
                           "saas-prod-notifications-dlq", "saas-prod-secret-rotation-failures"}
    assert all(q["kms_master_key_id"].startswith("${aws_kms_key.") for q in queues.values())
    redrive = json.loads(queues["saas-prod-ai-jobs"]["redrive_policy"])
    assert redrive["maxReceiveCount"] == 3 and redrive["deadLetterTargetArn"].startswith("${aws_sqs_queue.")
    assert queues["saas-prod-ai-jobs"]["visibility_timeout_seconds"] == 300


def test_levels_aurora_writer_and_readers_spread_over_zones_with_reader_autoscaling(data):
    document = data[("levels", "prod")]
    cluster = _one(document, "aws_rds_cluster")
    assert cluster["engine"] == "aurora-mysql" and cluster["storage_encrypted"] is True
    assert cluster["iam_database_authentication_enabled"] is True and cluster["deletion_protection"] is True
    instances = list(resources(document, "aws_rds_cluster_instance").values())
    assert len(instances) == 3  # writer plus readers: 2
    assert len({i["availability_zone"] for i in instances}) == 3
    target = _one(document, "aws_appautoscaling_target")
    assert (target["scalable_dimension"], target["min_capacity"], target["max_capacity"]) == (
        "rds:cluster:ReadReplicaCount", 2, 5)
    policy = _one(document, "aws_appautoscaling_policy")["target_tracking_scaling_policy_configuration"]
    assert policy["target_value"] == 70 and policy["scale_in_cooldown"] > policy["scale_out_cooldown"]
    dev = _one(data[("levels", "dev")], "aws_rds_cluster")
    assert dev["serverlessv2_scaling_configuration"]["min_capacity"] == 0.5


def test_levels_has_a_bucket_per_asset_class_and_uploads_notify_the_image_queue(data):
    document = data[("levels", "prod")]
    names = {b["bucket"] for b in resources(document, "aws_s3_bucket").values()}
    for asset_class in ("uploads", "originals-backup", "content", "web-assets", "configuration", "deployments"):
        assert f"levels-prod-{asset_class}-123456789012" in names
    assert "levels-prod-uploads-123456789012-us-east-2" in names  # replicated in prod
    notification = _one(document, "aws_s3_bucket_notification")
    assert notification["queue"][0]["events"] == ["s3:ObjectCreated:*"]
    assert "image-processing" in notification["queue"][0]["queue_arn"]


def test_cafe_nimbus_static_site_is_replicated_and_old_versions_move_to_ia(data):
    document = data[("cafe-nimbus", "prod")]
    replication = _one(document, "aws_s3_bucket_replication_configuration")
    assert "static-site" in replication["bucket"]
    lifecycles = [rule for c in resources(document, "aws_s3_bucket_lifecycle_configuration").values()
                  for rule in c["rule"] if rule["id"] == "older-versions-to-ia"]
    assert lifecycles[0]["noncurrent_version_transition"] == [{"noncurrent_days": 30, "storage_class": "STANDARD_IA"}]


def test_notebookly_assets_move_to_glacier_after_90_days(data):
    document = data[("notebookly", "prod")]
    rules = [rule for c in resources(document, "aws_s3_bucket_lifecycle_configuration").values() for rule in c["rule"]]
    glacier = next(r for r in rules if r["id"] == "assets-to-glacier")
    assert glacier["transition"] == [{"days": 90, "storage_class": "GLACIER"}]


def test_cafe_dr_efs_is_encrypted_in_every_az_with_an_access_point(data):
    document = data[("cafe-dr", "prod")]
    efs = _one(document, "aws_efs_file_system")
    assert efs["encrypted"] is True and efs["kms_key_id"].startswith("${aws_kms_key.")
    assert len(resources(document, "aws_efs_mount_target")) == 1  # one resource, counted over the subnets
    point = _one(document, "aws_efs_access_point")
    assert point["posix_user"] == {"uid": 48, "gid": 48} and point["root_directory"]["path"] == "/web"
    assert _one(document, "aws_efs_backup_policy")["backup_policy"]["status"] == "ENABLED"


def test_parameters_are_secure_strings_under_the_environment_prefix(data):
    document = data[("cafe-dr", "prod")]
    parameters = {p["name"]: p for p in resources(document, "aws_ssm_parameter").values()}
    assert "/cafe-dr/prod/app/failover_rto_minutes" in parameters
    assert "/cafe-dr/prod/data/database/cafe/endpoint" in parameters
    assert all(p["type"] == "SecureString" and p["key_id"].startswith("${aws_kms_key.") for p in parameters.values())
    policies = {p["name"]: p for p in resources(document, "aws_iam_policy").values()}
    developer = policy_document(document, policies["cafe-dr-prod-parameters-settings"]["policy"])["statement"][0]
    assert developer["resources"] == ["arn:aws:ssm:eu-west-1:123456789012:parameter/cafe-dr/prod/app/*"]
    server = policy_document(document, policies["cafe-dr-prod-parameters-read"]["policy"])["statement"][0]
    assert server["resources"] == ["arn:aws:ssm:eu-west-1:123456789012:parameter/cafe-dr/prod/*"]
    assert not any("Put" in a for a in server["actions"])


def test_backups_are_daily_and_copied_to_the_secondary_region_in_prod_only(data):
    prod = data[("cafe-dr", "prod")]
    rule = _one(prod, "aws_backup_plan")["rule"][0]
    assert rule["schedule"] == "cron(0 3 * * ? *)" and rule["lifecycle"]["delete_after"] == 35
    assert rule["copy_action"][0]["destination_vault_arn"].startswith("${aws_backup_vault.")
    vaults = list(resources(prod, "aws_backup_vault").values())
    assert len(vaults) == 2 and all(v["kms_key_arn"].startswith("${aws_kms_key.") for v in vaults)
    assert any(v.get("provider") == "aws.secondary" for v in vaults)
    dev_rule = _one(data[("cafe-dr", "dev")], "aws_backup_plan")["rule"][0]
    assert not dev_rule.get("copy_action")


def test_every_kms_key_rotates(data):
    for key, document in data.items():
        keys = resources(document, "aws_kms_key").values()
        assert keys and all(k["enable_key_rotation"] is True for k in keys), key


def _connect_resources(document, policy_name: str) -> list[str]:
    policies = {p["name"]: p for p in resources(document, "aws_iam_policy").values()}
    statements = policy_document(document, policies[policy_name]["policy"])["statement"]
    return [r for s in statements if s["actions"] == ["rds-db:connect"] for r in s["resources"]]


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_levels_app_servers_may_sign_in_to_their_aurora_cluster_as_app(data, environment):
    """Aurora's IAM sign-in needs rds-db:connect on the cluster's resource id, as the app user only."""
    connect = _connect_resources(data[("levels", environment)], f"levels-{environment}-app-data-access")
    assert connect == ["arn:aws:rds-db:us-east-1:123456789012:dbuser:"
                       "${aws_rds_cluster.aurora-main_cluster_177B49C6.cluster_resource_id}/app"]


def test_saas_services_sign_in_through_the_proxy_by_its_own_id(data):
    """IAM tokens for RDS Proxy are checked against the proxy's prx- id, for the user of the one secret it holds."""
    connect = _connect_resources(data[("saas", "prod")], "saas-prod-app-data-access")
    proxy = ('arn:aws:rds-db:eu-west-1:123456789012:dbuser:'
             '${element(split(":", aws_db_proxy.database-main-proxy_8A81DA5C.arn), 6)}/*')
    assert proxy in connect
