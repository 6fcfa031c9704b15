"""Layer 1: the store constructs (Valkey cache, EFS, SQS work queue, AWS Backup) synthesized in a small
stack of their own, with variants no single blueprint uses, and their refusal of bad props."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from cdktf import TerraformLocal, TerraformStack, TerraformVariable
from cdktf import Testing as CdktfTesting
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import DataAwsIamPolicyDocument
from cdktf_cdktf_provider_aws.provider import AwsProvider

from modules.backup import BackupPlan, BackupPlanProps
from modules.cache import ValkeyCache, ValkeyCacheProps, valkey_key_grants
from modules.file_system import SharedFileSystem, SharedFileSystemProps
from modules.kms import EncryptionKey, EncryptionKeyProps
from modules.queue import WorkQueue, WorkQueueProps, s3_sender_key_grant
from tests.construct_paths import ConstructPaths, synth_with_paths
from tests.support import policy_document, policy_statement, statement_conditions

STACK = "store-test"
REGION, SECONDARY, ACCOUNT = "eu-west-1", "eu-central-1", "123456789012"
APP_GROUP = "sg-0app"
LOG_PREFIX = "/aws/elasticache/shop-prod"
UPLOADS = "arn:aws:s3:::shop-prod-uploads"
PLACEHOLDER = object()  # props validation never touches the referenced constructs


def _cache_props(key, **overrides) -> ValkeyCacheProps:
    values = dict(name="shop-prod-sessions", vpc_id="vpc-1", subnet_ids=["subnet-a", "subnet-b"],
                  client_security_group_ids=[APP_GROUP], encryption_key=key, log_group_prefix=LOG_PREFIX, replicas=2)
    return ValkeyCacheProps(**{**values, **overrides})


def _queue_props(key, **overrides) -> WorkQueueProps:
    values = dict(name="shop-prod-images", encryption_key=key, account_id=ACCOUNT, region=REGION)
    return WorkQueueProps(**{**values, **overrides})


def _backup_props(key, **overrides) -> BackupPlanProps:
    values = dict(name="shop-prod-daily", encryption_key=key, account_id=ACCOUNT,
                  resource_arns=["arn:aws:rds:eu-west-1:123456789012:db:shop-prod-main"])
    return BackupPlanProps(**{**values, **overrides})


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    """One stack with all four constructs and their variants, synthesized once: (document, constructs, folder)."""
    app = CdktfTesting.app()
    stack = TerraformStack(app, STACK)
    AwsProvider(stack, "aws", region=REGION)
    secondary = AwsProvider(stack, "aws-secondary", region=SECONDARY, alias="secondary")
    key = EncryptionKey(stack, "key", EncryptionKeyProps(
        alias="shop-prod-stores", description="stores", account_id=ACCOUNT,
        service_grants=[*valkey_key_grants(REGION, ACCOUNT, LOG_PREFIX), s3_sender_key_grant(ACCOUNT, [UPLOADS])]))
    copy_key = EncryptionKey(stack, "copy-key", EncryptionKeyProps(
        alias="shop-prod-backup-copy", description="backup copies", account_id=ACCOUNT, provider=secondary))
    # Like the network stack's export: a list only Terraform knows, so one mount target per element.
    subnets = TerraformVariable(stack, "data_subnet_ids", type="list(string)").list_value
    built = SimpleNamespace(key=key, copy_key=copy_key)
    built.cache = ValkeyCache(stack, "cache", _cache_props(key))
    built.solo_cache = ValkeyCache(stack, "solo-cache", _cache_props(key, name="shop-dev-sessions", replicas=0))
    built.efs = SharedFileSystem(stack, "efs", SharedFileSystemProps(
        name="shop-prod-shared", vpc_id="vpc-1", subnet_ids=subnets, client_security_group_ids=[APP_GROUP],
        encryption_key=key, access_points={"web": ("/web", 1001, 1002), "media": ("/media/uploads", 2000, 2000)}))
    built.queue = WorkQueue(stack, "queue", _queue_props(key, allowed_senders=[UPLOADS]))
    built.plain_queue = WorkQueue(stack, "plain-queue", _queue_props(
        key, name="shop-prod-mail", max_receive_count=3, message_retention_days=7, visibility_timeout_seconds=300))
    built.backup = BackupPlan(stack, "backup", _backup_props(key, copy_to=(secondary, copy_key)))
    built.local_backup = BackupPlan(stack, "local-backup", _backup_props(key, name="shop-dev-daily"))
    DataAwsIamPolicyDocument(stack, "app-access", statement=[
        built.cache.connect_policy_statement(), built.efs.mount_policy_statement("web"),
        *built.queue.send_policy_statements(), *built.queue.consume_policy_statements()])
    TerraformLocal(stack, "exposed", {  # what the constructs hand to a stack, as Terraform sees it
        "cache_primary": built.cache.primary_endpoint, "cache_reader": built.cache.reader_endpoint,
        "cache_port": built.cache.port, "cache_user": built.cache.app_user_id,
        "efs_id": built.efs.file_system_id, "efs_arn": built.efs.arn, "access_points": built.efs.access_point_ids,
        "queue_url": built.queue.url, "queue_arn": built.queue.arn, "dlq_arn": built.queue.dead_letter_queue.arn,
        "vault": built.backup.vault.name, "plan": built.backup.plan.id, "role": built.backup.role.arn})
    folder = tmp_path_factory.mktemp("store-stack")
    return synth_with_paths(stack, folder), built, folder


@pytest.fixture(scope="module")
def document(synthesized):
    return synthesized[0]


@pytest.fixture(scope="module")
def built(synthesized):
    return synthesized[1]


def _paths(document) -> ConstructPaths:
    """Reads `document` by construct path below the test stack."""
    return ConstructPaths(document, STACK)


def _key_arn(document, path: str = "key") -> str:
    return _paths(document).ref("aws_kms_key", f"{path}/key", "arn")


def _only_ingress_from_clients(document, group_path: str, port: int) -> None:
    group_id = _paths(document).ref("aws_security_group", f"{group_path}/group")
    group = _paths(document).at("aws_security_group", f"{group_path}/group")
    assert "ingress" not in group and "egress" not in group  # no inline rules: nothing else gets in or out
    ingress = [r for r in document["resource"]["aws_vpc_security_group_ingress_rule"].values()
               if r["security_group_id"] == group_id]
    assert [(r["referenced_security_group_id"], r["ip_protocol"], r["from_port"], r["to_port"]) for r in ingress] == [
        (APP_GROUP, "tcp", port, port)]
    assert not any("cidr_ipv4" in r or "cidr_ipv6" in r for r in ingress)
    egress = [r for r in document["resource"]["aws_vpc_security_group_egress_rule"].values()
              if r["referenced_security_group_id"] == group_id]
    assert [(r["security_group_id"], r["from_port"]) for r in egress] == [(APP_GROUP, port)]


# -- Valkey -------------------------------------------------------------------------------------------


def test_cache_is_encrypted_at_rest_with_the_key_and_requires_tls(document):
    paths = _paths(document)
    group = paths.at("aws_elasticache_replication_group", "cache/replication-group")
    assert group["engine"] == "valkey" and group["engine_version"] == "7.2" and group["port"] == 6379
    assert group["at_rest_encryption_enabled"] == "true" and group["kms_key_id"] == _key_arn(document)
    assert group["transit_encryption_enabled"] is True and group["transit_encryption_mode"] == "required"
    assert "auth_token" not in group
    assert group["auto_minor_version_upgrade"] == "true" and group["apply_immediately"] is False
    assert group["snapshot_retention_limit"] == 7
    assert (group["snapshot_window"], group["maintenance_window"]) == ("02:00-03:00", "sun:04:00-sun:05:00")
    assert group["subnet_group_name"] == paths.ref("aws_elasticache_subnet_group", "cache/subnet-group", "name")
    assert group["security_group_ids"] == [paths.ref("aws_security_group", "cache/security-group/group")]


def test_cache_with_replicas_fails_over_across_zones(document):
    group = _paths(document).at("aws_elasticache_replication_group", "cache/replication-group")
    assert group["num_cache_clusters"] == 3
    assert group["automatic_failover_enabled"] is True and group["multi_az_enabled"] is True


def test_cache_without_replicas_has_neither_failover_nor_multi_az(document):
    group = _paths(document).at("aws_elasticache_replication_group", "solo-cache/replication-group")
    assert group["num_cache_clusters"] == 1
    assert group["automatic_failover_enabled"] is False and group["multi_az_enabled"] is False


def test_cache_users_authenticate_with_iam_and_the_default_user_is_off(document):
    paths = _paths(document)
    users = {u["user_name"]: u for u in (paths.at("aws_elasticache_user", f"cache/{kind}-user")
                                         for kind in ("default", "app"))}
    assert len(document["resource"]["aws_elasticache_user"]) == 4  # two per cache, nothing else
    assert set(users) == {"default", "shop-prod-sessions-app"}
    default, app_user = users["default"], users["shop-prod-sessions-app"]
    assert default["user_id"] == "shop-prod-sessions-default" and default["access_string"].startswith("off ")
    assert "-@all" in default["access_string"] and default["authentication_mode"]["type"] == "no-password-required"
    assert app_user["user_id"] == app_user["user_name"] and app_user["authentication_mode"] == {"type": "iam"}
    assert app_user["access_string"].startswith("on ") and "-@dangerous" in app_user["access_string"]
    assert all(u["engine"] == "valkey" and "passwords" not in u for u in users.values())
    user_group = paths.at("aws_elasticache_user_group", "cache/user-group")
    assert user_group["engine"] == "valkey"
    assert set(user_group["user_ids"]) == {paths.ref("aws_elasticache_user", "cache/default-user", "user_id"),
                                           paths.ref("aws_elasticache_user", "cache/app-user", "user_id")}
    group = paths.at("aws_elasticache_replication_group", "cache/replication-group")
    assert group["user_group_ids"] == [paths.ref("aws_elasticache_user_group", "cache/user-group", "user_group_id")]


def test_cache_logs_go_to_log_groups_encrypted_with_the_key(document):
    paths = _paths(document)
    group = paths.at("aws_elasticache_replication_group", "cache/replication-group")
    deliveries = {d["log_type"]: d for d in group["log_delivery_configuration"]}
    assert set(deliveries) == {"slow-log", "engine-log"}
    for kind, delivery in deliveries.items():
        log_group = paths.at("aws_cloudwatch_log_group", f"cache/{kind}-log-group")
        assert log_group["name"] == f"{LOG_PREFIX}/shop-prod-sessions/{kind}"
        assert log_group["kms_key_id"] == _key_arn(document) and log_group["retention_in_days"] == 365
        assert delivery["destination_type"] == "cloudwatch-logs"
        assert delivery["destination"] == paths.ref("aws_cloudwatch_log_group", f"cache/{kind}-log-group", "name")


def test_cache_key_grant_admits_cloudwatch_logs_for_the_cache_log_groups_only(document):
    key = _paths(document).at("aws_kms_key", "key/key")
    grant = policy_statement(policy_document(document, key["policy"]), "AllowLogs")
    assert grant["principals"] == [{"type": "Service", "identifiers": [f"logs.{REGION}.amazonaws.com"]}]
    assert statement_conditions(grant) == {("ArnLike", "kms:EncryptionContext:aws:logs:arn",
                                            (f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{LOG_PREFIX}/*",))}


def test_cache_admits_only_the_client_group_on_6379(document):
    _only_ingress_from_clients(document, "cache/security-group", 6379)


def test_cache_connect_grant_names_the_group_and_the_app_user(document):
    statement = policy_statement(_app_access(document), "ConnectToShopProdSessions")
    assert statement["actions"] == ["elasticache:Connect"]
    assert statement["resources"] == [
        _paths(document).ref("aws_elasticache_replication_group", "cache/replication-group", "arn"),
        _paths(document).ref("aws_elasticache_user", "cache/app-user", "arn")]


def _app_access(document) -> dict:
    return _paths(document).at("aws_iam_policy_document", "app-access", "data")


# -- EFS ----------------------------------------------------------------------------------------------


def test_file_system_is_encrypted_elastic_tiered_and_backed_up(document):
    system = _paths(document).at("aws_efs_file_system", "efs/file-system")
    assert system["encrypted"] is True and system["kms_key_id"] == _key_arn(document)
    assert system["throughput_mode"] == "elastic" and system["creation_token"] == "shop-prod-shared"
    assert system["lifecycle_policy"] == [{"transition_to_ia": "AFTER_30_DAYS"},
                                          {"transition_to_primary_storage_class": "AFTER_1_ACCESS"}]
    backup = _paths(document).at("aws_efs_backup_policy", "efs/backup-policy")
    assert backup["backup_policy"] == {"status": "ENABLED"}


def test_file_system_has_a_mount_target_per_subnet_behind_its_group(document):
    target = _paths(document).at("aws_efs_mount_target", "efs/mount-target")
    assert target["count"] == "${length(var.data_subnet_ids)}"
    assert target["subnet_id"] == "${element(var.data_subnet_ids, count.index)}"
    assert target["security_groups"] == [_paths(document).ref("aws_security_group", "efs/security-group/group")]
    assert target["file_system_id"] == _paths(document).ref("aws_efs_file_system", "efs/file-system")


def test_file_system_admits_only_the_client_group_on_nfs(document):
    _only_ingress_from_clients(document, "efs/security-group", 2049)


def test_access_points_pin_the_posix_user_and_a_0750_root_directory(document):
    web = _paths(document).at("aws_efs_access_point", "efs/access-point-web")
    assert web["posix_user"] == {"uid": 1001, "gid": 1002}
    assert web["root_directory"] == {"path": "/web", "creation_info": {
        "owner_uid": 1001, "owner_gid": 1002, "permissions": "0750"}}
    media = _paths(document).at("aws_efs_access_point", "efs/access-point-media")
    assert media["root_directory"]["path"] == "/media/uploads" and media["posix_user"]["uid"] == 2000


def test_file_system_policy_denies_plain_nfs_and_mounts_outside_an_access_point(document):
    resource = _paths(document).at("aws_efs_file_system_policy", "efs/policy")
    assert resource["bypass_policy_lockout_safety_check"] is False
    policy = policy_document(document, resource["policy"])
    assert all(s["effect"] == "Deny" for s in policy["statement"])  # no Allow: anonymous clients get nothing
    anyone = [{"type": "AWS", "identifiers": ["*"]}]
    tls = policy_statement(policy, "DenyUnencryptedTransport")
    assert tls["principals"] == anyone and tls["actions"] == ["*"]
    assert statement_conditions(tls) == {("Bool", "aws:SecureTransport", ("false",))}
    client_actions = {"elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite",
                      "elasticfilesystem:ClientRootAccess"}
    mount_target = policy_statement(policy, "DenyAccessNotThroughAMountTarget")
    assert set(mount_target["actions"]) == client_actions
    assert statement_conditions(mount_target) == {("Bool", "elasticfilesystem:AccessedViaMountTarget", ("false",))}
    access_point = policy_statement(policy, "DenyAccessNotThroughAnAccessPoint")
    assert set(access_point["actions"]) == client_actions
    assert statement_conditions(access_point) == {("Null", "elasticfilesystem:AccessPointArn", ("true",))}
    arn = _paths(document).ref("aws_efs_file_system", "efs/file-system", "arn")
    assert all(s["resources"] == [arn] for s in policy["statement"])


def test_mount_grant_is_scoped_to_one_access_point(document):
    statement = policy_statement(_app_access(document), "MountShopProdSharedWeb")
    assert statement["actions"] == ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"]
    assert statement["resources"] == [_paths(document).ref("aws_efs_file_system", "efs/file-system", "arn")]
    assert statement_conditions(statement) == {("StringEquals", "elasticfilesystem:AccessPointArn", (
        _paths(document).ref("aws_efs_access_point", "efs/access-point-web", "arn"),))}


def test_mount_grant_for_an_unknown_access_point_names_the_known_ones(built):
    with pytest.raises(ValueError, match=r"no access point 'admin'.*fix: use one of \['media', 'web'\]"):
        built.efs.mount_policy_statement("admin")


# -- SQS ----------------------------------------------------------------------------------------------


def test_queue_and_dead_letter_queue_use_the_customer_key(document):
    for path in ("queue/queue", "queue/dead-letter-queue"):
        queue = _paths(document).at("aws_sqs_queue", path)
        assert queue["kms_master_key_id"] == _key_arn(document)
        assert queue["kms_data_key_reuse_period_seconds"] == 300
        assert "sqs_managed_sse_enabled" not in queue


def test_failed_messages_move_to_the_dead_letter_queue(document):
    paths = _paths(document)
    queue = paths.at("aws_sqs_queue", "plain-queue/queue")
    dead = paths.at("aws_sqs_queue", "plain-queue/dead-letter-queue")
    assert queue["name"] == "shop-prod-mail" and dead["name"] == "shop-prod-mail-dlq"
    assert queue["message_retention_seconds"] == 7 * 86400 and dead["message_retention_seconds"] == 14 * 86400
    assert queue["visibility_timeout_seconds"] == 300
    redrive = json.loads(queue["redrive_policy"])
    assert redrive == {"deadLetterTargetArn": paths.ref("aws_sqs_queue", "plain-queue/dead-letter-queue", "arn"),
                       "maxReceiveCount": 3}
    allow = paths.at("aws_sqs_queue_redrive_allow_policy", "plain-queue/redrive-allow")
    assert allow["queue_url"] == paths.ref("aws_sqs_queue", "plain-queue/dead-letter-queue", "url")
    assert json.loads(allow["redrive_allow_policy"]) == {
        "redrivePermission": "byQueue",
        "sourceQueueArns": [paths.ref("aws_sqs_queue", "plain-queue/queue", "arn")]}


def test_both_queues_refuse_plain_http(document):
    for path, queue in (("queue/policy", "queue/queue"), ("queue/dead-letter-policy", "queue/dead-letter-queue"),
                        ("plain-queue/policy", "plain-queue/queue")):
        resource = _paths(document).at("aws_sqs_queue_policy", path)
        assert resource["queue_url"] == _paths(document).ref("aws_sqs_queue", queue, "url")
        deny = policy_statement(policy_document(document, resource["policy"]), "DenyInsecureTransport")
        assert deny["effect"] == "Deny" and deny["actions"] == ["sqs:*"]
        assert deny["principals"] == [{"type": "*", "identifiers": ["*"]}]
        assert deny["resources"] == [_paths(document).ref("aws_sqs_queue", queue, "arn")]
        assert statement_conditions(deny) == {("Bool", "aws:SecureTransport", ("false",))}


def test_only_the_named_bucket_of_this_account_may_send(document):
    sender = policy_statement(policy_document(document, _paths(document).at(
        "aws_sqs_queue_policy", "queue/policy")["policy"]), "S3Notifications0")
    assert sender["principals"] == [{"type": "Service", "identifiers": ["s3.amazonaws.com"]}]
    assert sender["actions"] == ["sqs:SendMessage"]
    assert statement_conditions(sender) == {("ArnEquals", "aws:SourceArn", (UPLOADS,)),
                                            ("StringEquals", "aws:SourceAccount", (ACCOUNT,))}
    plain = policy_document(document, _paths(document).at("aws_sqs_queue_policy", "plain-queue/policy")["policy"])
    assert [s["sid"] for s in plain["statement"]] == ["DenyInsecureTransport"]


def test_s3_sender_key_grant_is_scoped_to_the_account_and_bucket(document):
    grant = policy_statement(policy_document(document, _paths(document).at("aws_kms_key", "key/key")["policy"]),
                             "AllowS3")
    assert set(grant["actions"]) == {"kms:GenerateDataKey", "kms:Decrypt"}
    assert statement_conditions(grant) == {("StringEquals", "aws:SourceAccount", (ACCOUNT,)),
                                           ("ArnLike", "aws:SourceArn", (UPLOADS,))}


def test_send_and_consume_grants_use_the_key_only_through_sqs(document):
    policy = _app_access(document)
    queue_arn = _paths(document).ref("aws_sqs_queue", "queue/queue", "arn")
    send, consume = policy_statement(policy, "SendToShopProdImages"), policy_statement(policy, "ConsumeShopProdImages")
    assert "sqs:SendMessage" in send["actions"] and "sqs:ReceiveMessage" not in send["actions"]
    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage"} <= set(consume["actions"])
    assert "sqs:SendMessage" not in consume["actions"]
    assert send["resources"] == consume["resources"] == [queue_arn]
    via_sqs = {("StringEquals", "kms:ViaService", (f"sqs.{REGION}.amazonaws.com",))}
    send_key = policy_statement(policy, "SendToShopProdImagesKey")
    consume_key = policy_statement(policy, "ConsumeShopProdImagesKey")
    assert set(send_key["actions"]) == {"kms:GenerateDataKey", "kms:Decrypt"} and consume_key["actions"] == [
        "kms:Decrypt"]
    assert send_key["resources"] == consume_key["resources"] == [_key_arn(document)]
    assert statement_conditions(send_key) == statement_conditions(consume_key) == via_sqs


# -- AWS Backup ---------------------------------------------------------------------------------------


def test_backup_vault_uses_the_customer_key_and_the_rule_keeps_35_days(document):
    vault = _paths(document).at("aws_backup_vault", "backup/vault")
    assert vault["name"] == "shop-prod-daily" and vault["kms_key_arn"] == _key_arn(document)
    (rule,) = _paths(document).at("aws_backup_plan", "backup/plan")["rule"]
    assert rule["schedule"] == "cron(0 3 * * ? *)" and rule["lifecycle"] == {"delete_after": 35}
    assert (rule["start_window"], rule["completion_window"]) == (60, 180)
    assert rule["enable_continuous_backup"] is False
    assert rule["target_vault_name"] == _paths(document).ref("aws_backup_vault", "backup/vault", "name")
    assert rule["recovery_point_tags"] == {"BackupPlan": "shop-prod-daily"}


def test_backup_copies_to_the_secondary_vault_only_when_asked(document):
    paths = _paths(document)
    copy_vault = paths.at("aws_backup_vault", "backup/copy-vault")
    assert copy_vault["provider"] == "aws.secondary" and copy_vault["kms_key_arn"] == _key_arn(document, "copy-key")
    (rule,) = paths.at("aws_backup_plan", "backup/plan")["rule"]
    assert rule["copy_action"] == [{"destination_vault_arn": paths.ref("aws_backup_vault", "backup/copy-vault",
                                                                       "arn"), "lifecycle": {"delete_after": 35}}]
    (local_rule,) = paths.at("aws_backup_plan", "local-backup/plan")["rule"]
    assert "copy_action" not in local_rule
    assert sorted(document["resource"]["aws_backup_vault"]) == sorted(
        paths.logical_at("aws_backup_vault", path)
        for path in ("backup/vault", "backup/copy-vault", "local-backup/vault"))


def test_backup_role_is_trusted_by_backup_for_this_account_with_the_managed_policies(document):
    role = _paths(document).at("aws_iam_role", "backup/role")
    assert role["name"] == "shop-prod-daily-backup"
    (trust,) = policy_document(document, role["assume_role_policy"])["statement"]
    assert trust["actions"] == ["sts:AssumeRole"]
    assert trust["principals"] == [{"type": "Service", "identifiers": ["backup.amazonaws.com"]}]
    assert statement_conditions(trust) == {("StringEquals", "aws:SourceAccount", (ACCOUNT,))}
    role_name = _paths(document).ref("aws_iam_role", "backup/role", "name")
    attached = {a["policy_arn"] for a in document["resource"]["aws_iam_role_policy_attachment"].values()
                if a["role"] == role_name}
    assert attached == {"arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
                        "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores"}
    selection = _paths(document).at("aws_backup_selection", "backup/selection")
    assert selection["iam_role_arn"] == _paths(document).ref("aws_iam_role", "backup/role", "arn")
    assert selection["plan_id"] == _paths(document).ref("aws_backup_plan", "backup/plan")
    assert selection["resources"] == ["arn:aws:rds:eu-west-1:123456789012:db:shop-prod-main"]


# -- all of them --------------------------------------------------------------------------------------


def test_no_construct_sets_a_name_tag_or_a_secret(document):
    """Name tags come from the NameTags aspect; nothing secret is configured anywhere."""
    text = json.dumps({k: v for k, v in document.items() if k != "__paths__"})
    for instances in document["resource"].values():
        assert not any("Name" in r.get("tags", {}) for r in instances.values())
    assert not any(word in text for word in ('"auth_token"', '"passwords"', '"password"'))


BAD_PROPS = {
    "cache-name-too-long": (ValkeyCacheProps, dict(name="c" * 41, encryption_key=PLACEHOLDER),
                            "'" + "c" * 41 + "' has 41", "allows 40"),
    "cache-name-double-hyphen": (ValkeyCacheProps, dict(name="shop--cache", encryption_key=PLACEHOLDER),
                                 "'shop--cache'", "single hyphens"),
    "cache-replicas": (ValkeyCacheProps, dict(replicas=6, encryption_key=PLACEHOLDER), "replicas=6", "0 to 5"),
    "cache-no-snapshots": (ValkeyCacheProps, dict(snapshot_retention_days=0, encryption_key=PLACEHOLDER),
                           "snapshot_retention_days=0", "1 to 35"),
    "cache-windows-overlap": (ValkeyCacheProps, dict(maintenance_window="tue:02:30-tue:03:30",
                                                     encryption_key=PLACEHOLDER),
                              "maintenance_window='tue:02:30-tue:03:30' overlaps", "move maintenance"),
    "cache-windows-overlap-past-midnight": (
        ValkeyCacheProps, dict(snapshot_window="23:30-00:30", maintenance_window="sat:23:00-sun:00:00",
                               encryption_key=PLACEHOLDER), "overlaps snapshot_window='23:30-00:30'", "move"),
    "cache-short-snapshot-window": (ValkeyCacheProps, dict(snapshot_window="02:00-02:30", encryption_key=PLACEHOLDER),
                                    "'02:00-02:30' is 30 minutes", "at least 60"),
    "cache-bad-maintenance-window": (ValkeyCacheProps, dict(maintenance_window="sunday 4am",
                                                            encryption_key=PLACEHOLDER), "'sunday 4am'", "ddd:hh:mm"),
    "queue-dlq-expires-first": (WorkQueueProps, dict(message_retention_days=14, dead_letter_retention_days=4,
                                                     encryption_key=PLACEHOLDER),
                                "dead_letter_retention_days=4 is below message_retention_days=14", "raise it"),
    "queue-retention-range": (WorkQueueProps, dict(message_retention_days=15, encryption_key=PLACEHOLDER),
                              "message_retention_days=15", "1 to 14"),
    "queue-sender-not-a-bucket": (WorkQueueProps, dict(allowed_senders=["arn:aws:sns:eu-west-1:1:topic"],
                                                       encryption_key=PLACEHOLDER),
                                  "'arn:aws:sns:eu-west-1:1:topic'", "arn:<partition>:s3:::<bucket>"),
    "queue-receive-count": (WorkQueueProps, dict(max_receive_count=0, encryption_key=PLACEHOLDER),
                            "max_receive_count=0", "1 to 1000"),
    "backup-nothing-to-back-up": (BackupPlanProps, dict(resource_arns=[], encryption_key=PLACEHOLDER),
                                  "has no resource_arns", "pass the databases"),
    "backup-windows": (BackupPlanProps, dict(start_window_minutes=120, completion_window_minutes=120,
                                             encryption_key=PLACEHOLDER),
                       "completion window 120 min is not after the start window 120 min", "make it longer"),
    "backup-schedule": (BackupPlanProps, dict(schedule="0 3 * * *", encryption_key=PLACEHOLDER), "'0 3 * * *'",
                        "six fields"),
    "efs-root-access-point": (SharedFileSystemProps, dict(access_points={"app": ("/", 1000, 1000)}), "path '/'",
                              "below the root"),
    "efs-root-user": (SharedFileSystemProps, dict(access_points={"app": ("/app", 0, 0)}), "uid 0", "0 is root"),
    "efs-ia-days": (SharedFileSystemProps, dict(transition_to_ia_days=45), "transition_to_ia_days=45", "one of"),
    "efs-provisioned": (SharedFileSystemProps, dict(throughput_mode="provisioned"), "'provisioned'", "one of"),
}
DEFAULTS = {
    ValkeyCacheProps: lambda key, **o: _cache_props(key, **o),
    WorkQueueProps: lambda key, **o: _queue_props(key, **o),
    BackupPlanProps: lambda key, **o: _backup_props(key, **o),
    SharedFileSystemProps: lambda key, **o: SharedFileSystemProps(**{**dict(
        name="shop-prod-shared", vpc_id="v", subnet_ids=["a"], client_security_group_ids=[APP_GROUP],
        encryption_key=PLACEHOLDER, access_points={"app": ("/app", 1000, 1000)}), **o}),
}


@pytest.mark.parametrize("case", sorted(BAD_PROPS))
def test_bad_props_fail_early_naming_the_value_and_the_fix(case):
    props_type, overrides, value, fix = BAD_PROPS[case]
    overrides = dict(overrides)
    key = overrides.pop("encryption_key", PLACEHOLDER)
    with pytest.raises(ValueError) as error:
        DEFAULTS[props_type](key, **overrides)
    message = str(error.value)
    assert value in message and "fix:" in message and fix in message.split("fix:", 1)[1], message


def test_good_windows_that_touch_but_do_not_overlap_are_accepted():
    props = _cache_props(PLACEHOLDER, snapshot_window="23:00-00:00", maintenance_window="mon:00:00-mon:01:00")
    assert props.failover


@pytest.mark.terraform
def test_synthesized_constructs_pass_terraform_validate(synthesized, tmp_path):
    from tests.harness.terraform import TerraformWorkdir

    workdir = TerraformWorkdir(synthesized[2], tmp_path / "wd")
    workdir.init(backend=False)
    workdir.validate()
