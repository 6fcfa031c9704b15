"""Layer 1: the database constructs (RDS instance, RDS Proxy, Aurora, monitoring role) synthesized in a
small stack of their own, with props no shipped blueprint uses, and their refusal of bad props."""

from __future__ import annotations

import json
from dataclasses import replace
from types import SimpleNamespace

import pytest
from cdktf import TerraformLocal, TerraformStack
from cdktf import Testing as CdktfTesting
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import DataAwsIamPolicyDocument
from cdktf_cdktf_provider_aws.provider import AwsProvider

from modules.database import (
    AuroraDatabase,
    AuroraDatabaseProps,
    DatabaseInstance,
    DatabaseInstanceProps,
    DatabaseProxy,
    DatabaseProxyProps,
    EnhancedMonitoringRole,
    EnhancedMonitoringRoleProps,
)
from modules.database.aurora import READER_SCALE_IN_COOLDOWN, READER_SCALE_OUT_COOLDOWN
from modules.kms import EncryptionKey, EncryptionKeyProps
from tests.support import policy_document

REGION, ACCOUNT = "eu-west-1", "123456789012"
ZONES = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
APP_GROUP = "sg-0app"
SUBNETS = ["subnet-a", "subnet-b", "subnet-c"]
COMMON = dict(vpc_id="vpc-1", subnet_ids=SUBNETS, client_security_group_ids=[APP_GROUP], region=REGION,
              account_id=ACCOUNT)


def _instance_props(key, role, **overrides) -> DatabaseInstanceProps:
    values = dict(identifier="shop-prod-main", engine="mysql", engine_version="8.0", instance_class="db.t4g.medium",
                  database_name="shop", master_username="dbadmin", encryption_key=key, monitoring_role=role, **COMMON)
    return DatabaseInstanceProps(**{**values, **overrides})


def _aurora_props(key, role, **overrides) -> AuroraDatabaseProps:
    values = dict(identifier="feed-prod-main", engine="aurora-mysql", engine_version="8.0.mysql_aurora.3.08.0",
                  instance_class="db.r6g.large", database_name="feed", master_username="dbadmin",
                  encryption_key=key, monitoring_role=role, availability_zones=ZONES, readers=4,
                  reader_autoscaling=(7, 65), **COMMON)
    return AuroraDatabaseProps(**{**values, **overrides})


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    """One stack with every construct and variant, synthesized once: (document, constructs, stack folder)."""
    app = CdktfTesting.app()
    stack = TerraformStack(app, "database-test")
    AwsProvider(stack, "aws", region=REGION)
    key = EncryptionKey(stack, "key", EncryptionKeyProps(alias="shop-prod-databases", description="databases",
                                                         account_id=ACCOUNT))
    role = EnhancedMonitoringRole(stack, "monitoring", EnhancedMonitoringRoleProps(
        role_name="shop-prod-rds-monitoring", account_id=ACCOUNT))
    built = SimpleNamespace(key=key, role=role)
    built.mysql = DatabaseInstance(stack, "mysql", _instance_props(key, role))
    built.mysql_small = DatabaseInstance(stack, "mysql-small", _instance_props(
        key, role, identifier="shop-dev-main", instance_class="db.t4g.micro", multi_az=False,
        deletion_protection=False, max_allocated_storage_gb=None))
    built.postgres = DatabaseInstance(stack, "postgres", _instance_props(
        key, role, identifier="saas-prod-main", engine="postgres", engine_version="16", instance_class="db.t4g.micro",
        backup_retention_days=14, performance_insights_retention_days=31))
    built.proxy = DatabaseProxy(stack, "proxy", DatabaseProxyProps(
        name="saas-prod-main", database=built.postgres, encryption_key=key, **COMMON))
    built.aurora = AuroraDatabase(stack, "aurora", _aurora_props(key, role))
    built.serverless = AuroraDatabase(stack, "serverless", _aurora_props(
        key, role, identifier="feed-dev-main", engine="aurora-postgresql", engine_version="16.6",
        instance_class="db.serverless", serverless_v2=(0.5, 4), readers=1, reader_autoscaling=None,
        deletion_protection=False))
    DataAwsIamPolicyDocument(stack, "app-access", statement=[
        built.mysql.iam_connect_policy_statement("app"), built.mysql.iam_connect_policy_statement("report_reader"),
        built.aurora.iam_connect_policy_statement("app")])
    TerraformLocal(stack, "exposed", {  # what the constructs hand to a stack, as Terraform sees it
        "mysql_secret": built.mysql.master_secret_arn, "mysql_endpoint": built.mysql.endpoint,
        "proxy_endpoint": built.proxy.endpoint, "aurora_writer": built.aurora.writer_endpoint,
        "aurora_reader": built.aurora.reader_endpoint, "aurora_secret": built.aurora.master_secret_arn})
    text = CdktfTesting.synth(stack)
    folder = tmp_path_factory.mktemp("database-stack")
    (folder / "cdk.tf.json").write_text(text)
    return json.loads(text), built, folder


@pytest.fixture(scope="module")
def document(synthesized):
    return synthesized[0]


@pytest.fixture(scope="module")
def built(synthesized):
    return synthesized[1]


def _of(document, resource_type, **match):
    """Resources of one type whose attributes equal `match`."""
    found = [r for r in document["resource"].get(resource_type, {}).values()
             if all(r.get(k) == v for k, v in match.items())]
    assert found, f"no {resource_type} with {match}"
    return found


def _one(document, resource_type, **match):
    found = _of(document, resource_type, **match)
    assert len(found) == 1, f"{len(found)} {resource_type} with {match}"
    return found[0]


def _logical(document, resource_type, **match) -> str:
    return next(name for name, r in document["resource"][resource_type].items()
                if all(r.get(k) == v for k, v in match.items()))


def _ref(resource_type, logical, attribute="id") -> str:
    return "${%s.%s.%s}" % (resource_type, logical, attribute)


def _parameters(group) -> dict[str, tuple[str, str]]:
    return {p["name"]: (p["value"], p["apply_method"]) for p in group["parameter"]}


# -- RDS instances ------------------------------------------------------------------------------------


def test_instance_is_encrypted_with_the_customer_key_everywhere(document):
    key_arn = _ref("aws_kms_key", _logical(document, "aws_kms_key"), "arn")
    db = _one(document, "aws_db_instance", identifier="shop-prod-main")
    assert db["storage_encrypted"] is True and db["kms_key_id"] == key_arn
    assert db["master_user_secret_kms_key_id"] == key_arn
    assert db["performance_insights_enabled"] is True and db["performance_insights_kms_key_id"] == key_arn
    assert db["performance_insights_retention_period"] == 7


def test_no_password_anywhere_only_the_managed_master_secret(document):
    for resource_type in ("aws_db_instance", "aws_rds_cluster"):
        for db in document["resource"][resource_type].values():
            assert db["manage_master_user_password"] is True
            assert not {"password", "master_password"} & set(db)
    assert "password\"" not in json.dumps(document["resource"]).replace("manage_master_user_password\"", "")
    assert "output" not in document  # the constructs publish nothing; the stack exports the secret ARN only
    mysql = _logical(document, "aws_db_instance", identifier="shop-prod-main")
    exposed = document["locals"]["exposed"]
    assert exposed["mysql_secret"] == _ref("aws_db_instance", mysql, "master_user_secret[0].secret_arn")
    assert exposed["mysql_endpoint"] == _ref("aws_db_instance", mysql, "address")
    cluster = _logical(document, "aws_rds_cluster", cluster_identifier="feed-prod-main")
    assert exposed["aurora_secret"] == _ref("aws_rds_cluster", cluster, "master_user_secret[0].secret_arn")
    assert (exposed["aurora_writer"], exposed["aurora_reader"]) == (
        _ref("aws_rds_cluster", cluster, "endpoint"), _ref("aws_rds_cluster", cluster, "reader_endpoint"))


def test_instance_security_settings_and_defaults(document):
    db = _one(document, "aws_db_instance", identifier="shop-prod-main")
    assert (db["engine"], db["engine_version"], db["storage_type"], db["allocated_storage"],
            db["max_allocated_storage"]) == ("mysql", "8.0", "gp3", 20, 100)
    assert db["iam_database_authentication_enabled"] is True and db["publicly_accessible"] is False
    assert db["copy_tags_to_snapshot"] is True and db["auto_minor_version_upgrade"] is True
    assert db["ca_cert_identifier"] == "rds-ca-rsa2048-g1" and db["backup_retention_period"] == 7
    assert db["multi_az"] is True
    assert db["monitoring_interval"] == 60
    assert db["monitoring_role_arn"] == _ref("aws_iam_role", _logical(document, "aws_iam_role",
                                                                      name="shop-prod-rds-monitoring"), "arn")
    assert db["enabled_cloudwatch_logs_exports"] == ["error", "general", "slowquery"]
    postgres = _one(document, "aws_db_instance", identifier="saas-prod-main")
    assert postgres["enabled_cloudwatch_logs_exports"] == ["postgresql", "upgrade"]
    assert postgres["backup_retention_period"] == 14 and postgres["performance_insights_retention_period"] == 31


def test_monitoring_waits_for_the_role_policy(document):
    attachment = _logical(document, "aws_iam_role_policy_attachment")
    for resource_type in ("aws_db_instance", "aws_rds_cluster_instance"):
        for db in document["resource"][resource_type].values():
            assert f"aws_iam_role_policy_attachment.{attachment}" in db["depends_on"]


def test_deletion_protection_takes_a_final_snapshot_and_dev_opts_out_of_both(document):
    prod = _one(document, "aws_db_instance", identifier="shop-prod-main")
    assert prod["deletion_protection"] is True and prod["skip_final_snapshot"] is False
    assert prod["final_snapshot_identifier"] == "shop-prod-main-final"
    dev = _one(document, "aws_db_instance", identifier="shop-dev-main")
    assert dev["deletion_protection"] is False and dev["skip_final_snapshot"] is True
    assert "final_snapshot_identifier" not in dev
    assert dev["multi_az"] is False and "max_allocated_storage" not in dev


def test_performance_insights_only_where_aws_offers_it(document):
    small_mysql = _one(document, "aws_db_instance", identifier="shop-dev-main")  # MySQL db.t4g.micro
    assert small_mysql["performance_insights_enabled"] is False
    assert "performance_insights_kms_key_id" not in small_mysql
    small_postgres = _one(document, "aws_db_instance", identifier="saas-prod-main")  # PostgreSQL db.t4g.micro
    assert small_postgres["performance_insights_enabled"] is True


def test_parameter_groups_force_tls_and_log_queries(document):
    mysql = _one(document, "aws_db_parameter_group", name="shop-prod-main-mysql8-0")
    assert mysql["family"] == "mysql8.0"
    assert _parameters(mysql)["require_secure_transport"] == ("1", "immediate")
    assert _parameters(mysql)["slow_query_log"][0] == "1" and _parameters(mysql)["log_output"][0] == "FILE"
    postgres = _parameters(_one(document, "aws_db_parameter_group", family="postgres16"))
    assert postgres["rds.force_ssl"] == ("1", "pending-reboot")
    assert postgres["log_statement"][0] == "ddl" and postgres["log_min_duration_statement"][0] == "1000"
    db = _one(document, "aws_db_instance", identifier="saas-prod-main")
    group = _logical(document, "aws_db_parameter_group", family="postgres16")
    assert db["parameter_group_name"] == _ref("aws_db_parameter_group", group, "name")
    assert document["resource"]["aws_db_parameter_group"][group]["lifecycle"]["create_before_destroy"] is True


def test_only_the_client_group_reaches_the_engine_port(document):
    group = _logical(document, "aws_security_group", name="shop-prod-main-db")
    assert document["resource"]["aws_security_group"][group]["revoke_rules_on_delete"] is True
    db = _one(document, "aws_db_instance", identifier="shop-prod-main")
    assert db["vpc_security_group_ids"] == [_ref("aws_security_group", group)]
    ingress = _of(document, "aws_vpc_security_group_ingress_rule", security_group_id=_ref("aws_security_group", group))
    assert [(r["referenced_security_group_id"], r["ip_protocol"], r["from_port"], r["to_port"]) for r in ingress] == [
        (APP_GROUP, "tcp", 3306, 3306)]
    assert not any(r["security_group_id"] == _ref("aws_security_group", group)
                   for r in document["resource"]["aws_vpc_security_group_egress_rule"].values())
    egress = _one(document, "aws_vpc_security_group_egress_rule", security_group_id=APP_GROUP,
                  referenced_security_group_id=_ref("aws_security_group", group))
    assert (egress["ip_protocol"], egress["from_port"], egress["to_port"]) == ("tcp", 3306, 3306)
    postgres_group = _ref("aws_security_group", _logical(document, "aws_security_group", name="saas-prod-main-db"))
    assert {r["from_port"] for r in _of(document, "aws_vpc_security_group_ingress_rule",
                                        security_group_id=postgres_group)} == {5432}


def test_subnet_group_and_names_carry_the_identifier(document):
    subnets = _one(document, "aws_db_subnet_group", name="shop-prod-main-db")
    assert subnets["subnet_ids"] == SUBNETS
    named = [r["name"] for t in ("aws_security_group", "aws_db_subnet_group", "aws_db_parameter_group",
                                 "aws_rds_cluster_parameter_group", "aws_iam_role", "aws_db_proxy",
                                 "aws_appautoscaling_policy") for r in document["resource"][t].values()]
    prefixes = ("shop-prod-main-", "shop-dev-main-", "saas-prod-main", "feed-prod-main-", "feed-dev-main-",
                "shop-prod-rds-monitoring")
    assert all(name.startswith(prefixes) for name in named), named
    assert not any("Name" in r.get("tags", {}) for rs in document["resource"].values() for r in rs.values())


def test_iam_connect_statement_names_the_instance_resource_id_and_user(document):
    statements = document["data"]["aws_iam_policy_document"]["app-access"]["statement"]
    mysql = _logical(document, "aws_db_instance", identifier="shop-prod-main")
    assert statements[0]["actions"] == ["rds-db:connect"]
    assert statements[0]["resources"] == [
        f"arn:aws:rds-db:{REGION}:{ACCOUNT}:dbuser:${{aws_db_instance.{mysql}.resource_id}}/app"]
    assert statements[1]["resources"][0].endswith("/report_reader")
    assert len({s["sid"] for s in statements}) == 3  # one policy may grant several users without Sid clashes
    cluster = _logical(document, "aws_rds_cluster", cluster_identifier="feed-prod-main")
    assert statements[2]["resources"][0].endswith(f"${{aws_rds_cluster.{cluster}.cluster_resource_id}}/app")


def test_monitoring_role_trusts_only_rds_monitoring_for_this_account(document):
    role = _one(document, "aws_iam_role", name="shop-prod-rds-monitoring")
    (statement,) = policy_document(document, role["assume_role_policy"])["statement"]
    assert statement["actions"] == ["sts:AssumeRole"]
    assert statement["principals"] == [{"type": "Service", "identifiers": ["monitoring.rds.amazonaws.com"]}]
    assert statement["condition"] == [{"test": "StringEquals", "variable": "aws:SourceAccount", "values": [ACCOUNT]}]
    attachment = _one(document, "aws_iam_role_policy_attachment")
    assert attachment["policy_arn"] == "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"


# -- RDS Proxy ----------------------------------------------------------------------------------------


def test_proxy_requires_tls_and_iam_and_logs_in_with_the_managed_secret(document):
    proxy = _one(document, "aws_db_proxy", name="saas-prod-main")
    postgres = _logical(document, "aws_db_instance", identifier="saas-prod-main")
    assert proxy["engine_family"] == "POSTGRESQL" and proxy["require_tls"] is True
    assert proxy["idle_client_timeout"] == 1800 and proxy["debug_logging"] is False
    (auth,) = proxy["auth"]
    assert (auth["auth_scheme"], auth["iam_auth"], auth["client_password_auth_type"]) == (
        "SECRETS", "REQUIRED", "POSTGRES_SCRAM_SHA_256")
    assert auth["secret_arn"] == _ref("aws_db_instance", postgres, "master_user_secret[0].secret_arn")
    assert document["locals"]["exposed"]["proxy_endpoint"] == _ref("aws_db_proxy", _logical(document, "aws_db_proxy"),
                                                                   "endpoint")
    pool = _one(document, "aws_db_proxy_default_target_group")["connection_pool_config"]
    assert pool["max_connections_percent"] == 90 and pool["max_idle_connections_percent"] == 50
    target = _one(document, "aws_db_proxy_target")
    assert target["db_instance_identifier"] == _ref("aws_db_instance", postgres, "identifier")


def test_proxy_role_reads_only_its_secret_and_decrypts_only_through_secrets_manager(document):
    role = _one(document, "aws_iam_role", name="saas-prod-main-proxy")
    (trust,) = policy_document(document, role["assume_role_policy"])["statement"]
    assert trust["principals"] == [{"type": "Service", "identifiers": ["rds.amazonaws.com"]}]
    policy = policy_document(document, _one(document, "aws_iam_role_policy")["policy"])
    read, decrypt = policy["statement"]
    postgres = _logical(document, "aws_db_instance", identifier="saas-prod-main")
    assert read["actions"] == ["secretsmanager:GetSecretValue"]
    assert read["resources"] == [_ref("aws_db_instance", postgres, "master_user_secret[0].secret_arn")]
    assert decrypt["actions"] == ["kms:Decrypt"]
    assert decrypt["resources"] == [_ref("aws_kms_key", _logical(document, "aws_kms_key"), "arn")]
    assert decrypt["condition"] == [{"test": "StringEquals", "variable": "kms:ViaService",
                                     "values": [f"secretsmanager.{REGION}.amazonaws.com"]}]
    assert "*" not in json.dumps(policy)


def test_clients_reach_the_proxy_and_only_the_proxy_joins_them_at_the_database(document):
    proxy_group = _ref("aws_security_group", _logical(document, "aws_security_group", name="saas-prod-main-proxy"))
    db_group = _ref("aws_security_group", _logical(document, "aws_security_group", name="saas-prod-main-db"))
    assert _one(document, "aws_db_proxy")["vpc_security_group_ids"] == [proxy_group]
    into_proxy = _one(document, "aws_vpc_security_group_ingress_rule", security_group_id=proxy_group)
    assert (into_proxy["referenced_security_group_id"], into_proxy["from_port"]) == (APP_GROUP, 5432)
    into_db = {r["referenced_security_group_id"] for r in _of(document, "aws_vpc_security_group_ingress_rule",
                                                               security_group_id=db_group)}
    assert into_db == {APP_GROUP, proxy_group}
    proxy_out = _one(document, "aws_vpc_security_group_egress_rule", security_group_id=proxy_group)
    assert (proxy_out["referenced_security_group_id"], proxy_out["to_port"]) == (db_group, 5432)


# -- Aurora -------------------------------------------------------------------------------------------


def test_aurora_cluster_security_settings(document):
    key_arn = _ref("aws_kms_key", _logical(document, "aws_kms_key"), "arn")
    cluster = _one(document, "aws_rds_cluster", cluster_identifier="feed-prod-main")
    assert cluster["storage_encrypted"] is True and cluster["kms_key_id"] == key_arn
    assert cluster["manage_master_user_password"] is True and cluster["master_user_secret_kms_key_id"] == key_arn
    assert cluster["iam_database_authentication_enabled"] is True and cluster["copy_tags_to_snapshot"] is True
    assert cluster["enabled_cloudwatch_logs_exports"] == ["audit", "error", "general", "slowquery"]
    assert cluster["deletion_protection"] is True and cluster["skip_final_snapshot"] is False
    assert cluster["final_snapshot_identifier"] == "feed-prod-main-final"
    assert cluster["backtrack_window"] == 24 * 3600 and cluster["backup_retention_period"] == 7
    assert cluster["lifecycle"]["ignore_changes"] == ["cluster_members"]
    group = _one(document, "aws_rds_cluster_parameter_group", family="aurora-mysql8.0")
    assert cluster["db_cluster_parameter_group_name"] == _ref(
        "aws_rds_cluster_parameter_group", _logical(document, "aws_rds_cluster_parameter_group",
                                                    family="aurora-mysql8.0"), "name")
    parameters = _parameters(group)
    assert parameters["require_secure_transport"][0] == "ON"
    assert parameters["server_audit_logging"][0] == "1"
    assert {"CONNECT", "QUERY_DDL", "QUERY_DCL"} <= set(parameters["server_audit_events"][0].split(","))


def test_aurora_writer_and_readers_spread_over_the_zones(document):
    cluster = _logical(document, "aws_rds_cluster", cluster_identifier="feed-prod-main")
    instances = _of(document, "aws_rds_cluster_instance", cluster_identifier=_ref("aws_rds_cluster", cluster))
    ordered = sorted(instances, key=lambda i: i["identifier"])
    assert [i["identifier"] for i in ordered] == [f"feed-prod-main-{n}" for n in range(1, 6)]
    assert [i["availability_zone"] for i in ordered] == [ZONES[n % 3] for n in range(5)]
    assert [i["promotion_tier"] for i in ordered] == [0, 1, 2, 3, 4]
    writer = _logical(document, "aws_rds_cluster_instance", identifier="feed-prod-main-1")
    for instance in ordered:
        assert instance["publicly_accessible"] is False and instance["ca_cert_identifier"] == "rds-ca-rsa2048-g1"
        assert instance["auto_minor_version_upgrade"] is True and instance["monitoring_interval"] == 60
        assert instance["performance_insights_enabled"] is True
        assert instance["performance_insights_kms_key_id"].startswith("${aws_kms_key.")
        assert "engine_version" not in instance  # follows the cluster: no drift after a minor upgrade
    for reader in ordered[1:]:
        assert f"aws_rds_cluster_instance.{writer}" in reader["depends_on"]  # the writer is created first


def test_reader_autoscaling_target_and_asymmetric_cooldowns(document):
    cluster = _logical(document, "aws_rds_cluster", cluster_identifier="feed-prod-main")
    target = _one(document, "aws_appautoscaling_target")
    assert (target["service_namespace"], target["scalable_dimension"], target["resource_id"]) == (
        "rds", "rds:cluster:ReadReplicaCount", f"cluster:{_ref('aws_rds_cluster', cluster)}")
    assert (target["min_capacity"], target["max_capacity"]) == (4, 7)
    assert len(target["depends_on"]) == 5  # registered once the declared instances exist
    policy = _one(document, "aws_appautoscaling_policy")
    assert policy["policy_type"] == "TargetTrackingScaling" and policy["name"] == "feed-prod-main-reader-cpu"
    config = policy["target_tracking_scaling_policy_configuration"]
    assert config["predefined_metric_specification"]["predefined_metric_type"] == "RDSReaderAverageCPUUtilization"
    assert config["target_value"] == 65
    assert (config["scale_out_cooldown"], config["scale_in_cooldown"]) == (60, 300)
    assert READER_SCALE_OUT_COOLDOWN < READER_SCALE_IN_COOLDOWN


def test_serverless_v2_postgres_cluster(document):
    cluster = _one(document, "aws_rds_cluster", cluster_identifier="feed-dev-main")
    assert cluster["serverlessv2_scaling_configuration"] == {"min_capacity": 0.5, "max_capacity": 4}
    assert cluster["enabled_cloudwatch_logs_exports"] == ["postgresql"]
    assert "backtrack_window" not in cluster  # neither PostgreSQL nor Serverless v2 can backtrack
    assert cluster["deletion_protection"] is False and cluster["skip_final_snapshot"] is True
    parameters = _parameters(_one(document, "aws_rds_cluster_parameter_group", family="aurora-postgresql16"))
    assert parameters["rds.force_ssl"] == ("1", "pending-reboot") and parameters["log_statement"][0] == "ddl"
    instances = _of(document, "aws_rds_cluster_instance", instance_class="db.serverless")
    assert len(instances) == 2 and {i["availability_zone"] for i in instances} == set(ZONES[:2])


# -- bad props ----------------------------------------------------------------------------------------


def _bad_props(built):
    key, role = built.key, built.role
    return {
        "short-backups": (lambda: _instance_props(key, role, backup_retention_days=3), "backup_retention_days=3"),
        "monitoring-interval": (lambda: _instance_props(key, role, monitoring_interval_seconds=45),
                                "monitoring_interval_seconds=45"),
        "insights-on-micro-mysql": (lambda: _instance_props(key, role, instance_class="db.t4g.micro",
                                                            performance_insights=True), "'db.t4g.micro'"),
        "audit-without-option-group": (lambda: _instance_props(key, role, log_exports=["audit"]), "['audit']"),
        "bad-identifier": (lambda: _instance_props(key, role, identifier="Shop_Prod"), "'Shop_Prod'"),
        "proxy-for-aurora": (lambda: DatabaseProxyProps(name="feed-prod-main", database=built.aurora,
                                                        encryption_key=key, **COMMON), "'aurora-mysql'"),
        "proxy-unknown-engine": (lambda: DatabaseProxyProps(
            name="x", database=SimpleNamespace(engine="oracle-ee"), encryption_key=key, **COMMON), "'oracle-ee'"),
        "proxy-without-a-secret": (lambda: DatabaseProxyProps(  # a DR database: RDS manages no master secret
            name="p", database=SimpleNamespace(engine="postgres", master_secret_arn=None), encryption_key=key,
            **COMMON), "credentials_secret_arn is not set"),
        "proxy-idle-timeout": (lambda: DatabaseProxyProps(name="p", database=built.postgres, encryption_key=key,
                                                          idle_client_timeout_seconds=0, **COMMON),
                               "idle_client_timeout_seconds=0"),
        "readers-above-max": (lambda: _aurora_props(key, role, readers=5, reader_autoscaling=(3, 70)),
                              "max readers 3 is below readers=5"),
        "too-many-readers": (lambda: _aurora_props(key, role, readers=16, reader_autoscaling=None), "readers=16"),
        "serverless-without-capacity": (lambda: _aurora_props(key, role, instance_class="db.serverless"),
                                        "'db.serverless'"),
        "capacity-without-serverless": (lambda: _aurora_props(key, role, serverless_v2=(1, 8)), "(1, 8)"),
        "capacity-reversed": (lambda: _aurora_props(key, role, instance_class="db.serverless",
                                                    serverless_v2=(8, 2)), "serverless_v2=(8, 2)"),
        "aurora-short-backups": (lambda: _aurora_props(key, role, backup_retention_days=1), "backup_retention_days=1"),
        "instance-engine-on-aurora": (lambda: _aurora_props(key, role, engine="postgres"), "'postgres'"),
        "monitoring-account": (lambda: EnhancedMonitoringRoleProps(role_name="r", account_id="12345"), "'12345'"),
    }


@pytest.mark.parametrize("case", sorted(_bad_props(SimpleNamespace(key=None, role=None, aurora=None, postgres=None))))
def test_bad_props_raise_naming_the_value_and_the_fix(built, case):
    make, fragment = _bad_props(built)[case]
    with pytest.raises(ValueError) as error:
        make()
    assert fragment in str(error.value)
    assert "fix:" in str(error.value)


def test_props_are_frozen(built):
    props = _instance_props(built.key, built.role)
    with pytest.raises(AttributeError):
        props.multi_az = False  # type: ignore[misc]
    assert replace(props, multi_az=False).multi_az is False


# -- the real provider --------------------------------------------------------------------------------


@pytest.mark.terraform
def test_synthesized_constructs_pass_terraform_validate(synthesized, tmp_path):
    from tests.harness.terraform import TerraformWorkdir

    workdir = TerraformWorkdir(synthesized[2], tmp_path / "wd")
    workdir.init(backend=False)
    workdir.validate()
