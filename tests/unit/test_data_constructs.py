"""Layer 1: the data-tier constructs refuse bad props with the value and the fix, before anything is built."""

from __future__ import annotations

import pytest

from modules.backup import BackupPlanProps
from modules.cache import ValkeyCacheProps
from modules.database import AuroraDatabaseProps, DatabaseInstanceProps, DatabaseProxyProps
from modules.database.engines import ENGINES, engine
from modules.file_system import SharedFileSystemProps
from modules.firewall import ServiceSecurityGroupProps
from modules.queue import WorkQueueProps
from modules.queue.queue import redrive_policy

PLACEHOLDER = object()  # props validation never touches the referenced constructs
DATABASE = dict(identifier="shop-prod-main", engine="mysql", engine_version="8.0", instance_class="db.t4g.micro",
                database_name="shop", master_username="dbadmin", vpc_id="vpc-1", subnet_ids=["a", "b"],
                client_security_group_ids=["sg-app"], encryption_key=PLACEHOLDER, monitoring_role=PLACEHOLDER,
                region="eu-west-1", account_id="123456789012")
AURORA = {**DATABASE, "engine": "aurora-mysql", "engine_version": "8.0.mysql_aurora.3.08.0",
          "instance_class": "db.r6g.large", "availability_zones": ["eu-west-1a", "eu-west-1b"]}

BAD_PROPS = {
    "short-backups": (DatabaseInstanceProps, {**DATABASE, "backup_retention_days": 3}, "backup_retention_days=3"),
    "aurora-engine-on-an-instance": (DatabaseInstanceProps, {**DATABASE, "engine": "aurora-mysql"},
                                     "AuroraDatabase"),
    "unknown-engine": (DatabaseInstanceProps, {**DATABASE, "engine": "oracle-ee"}, "'oracle-ee' is not supported"),
    "storage-ceiling": (DatabaseInstanceProps, {**DATABASE, "max_allocated_storage_gb": 20},
                        "max_allocated_storage_gb=20"),
    "no-clients": (DatabaseInstanceProps, {**DATABASE, "client_security_group_ids": []}, "no client_security_group"),
    "proxy-pool-share": (DatabaseProxyProps, dict(name="p", database=PLACEHOLDER, vpc_id="v", subnet_ids=[],
                                                  client_security_group_ids=["sg"], encryption_key=PLACEHOLDER,
                                                  region="eu-west-1", account_id="1", max_connections_percent=0),
                         "max_connections_percent=0"),
    "readers-above-max": (AuroraDatabaseProps, {**AURORA, "readers": 3, "reader_autoscaling": (2, 70)},
                          "max readers 2 is below readers=3"),
    "serverless-without-capacity": (AuroraDatabaseProps, {**AURORA, "instance_class": "db.serverless"},
                                    "db.serverless needs (min, max) ACUs"),
    "backtrack-too-long": (AuroraDatabaseProps, {**AURORA, "backtrack_hours": 100}, "backtrack_hours=100"),
    "cache-name-too-long": (ValkeyCacheProps, dict(name="c" * 41, vpc_id="v", subnet_ids=[],
                                                   client_security_group_ids=["sg"], encryption_key=PLACEHOLDER,
                                                   log_group_prefix="/x"), "has 41 characters"),
    "dlq-expires-first": (WorkQueueProps, dict(name="jobs", encryption_key=PLACEHOLDER, account_id="1",
                                               message_retention_days=14, dead_letter_retention_days=4),
                          "dead_letter_retention_days=4 is below message_retention_days=14"),
    "nothing-to-back-up": (BackupPlanProps, dict(name="daily", encryption_key=PLACEHOLDER, resource_arns=[],
                                                 account_id="1"), "has no resource_arns"),
    "backup-windows": (BackupPlanProps, dict(name="daily", encryption_key=PLACEHOLDER, resource_arns=["arn"],
                                             account_id="1", start_window_minutes=120,
                                             completion_window_minutes=60), "completion window 60 min"),
    "efs-root-access-point": (SharedFileSystemProps, dict(name="fs", vpc_id="v", subnet_ids=[],
                                                          client_security_group_ids=["sg"],
                                                          encryption_key=PLACEHOLDER,
                                                          access_points={"app": ("/", 1000, 1000)}), "path '/'"),
    "efs-ia-days": (SharedFileSystemProps, dict(name="fs", vpc_id="v", subnet_ids=[], client_security_group_ids=["sg"],
                                                encryption_key=PLACEHOLDER, access_points={"a": ("/a", 1, 1)},
                                                transition_to_ia_days=45), "transition_to_ia_days=45"),
    "service-without-clients": (ServiceSecurityGroupProps, dict(name="db", description="d", vpc_id="v", port=5432,
                                                                client_security_group_ids=[]), "has no client groups"),
}


@pytest.mark.parametrize("case", sorted(BAD_PROPS))
def test_bad_props_fail_early_naming_the_value_and_the_fix(case):
    props_type, values, fragment = BAD_PROPS[case]
    with pytest.raises(ValueError) as error:
        props_type(**values)
    assert fragment in str(error.value)
    assert "fix:" in str(error.value)


def test_each_engine_forces_tls_and_derives_its_parameter_family():
    assert engine("mysql").family("8.0") == "mysql8.0" and engine("mysql").tls_parameter == (
        "require_secure_transport", "1")
    assert engine("postgres").family("16.4") == "postgres16" and engine("postgres").tls_parameter == (
        "rds.force_ssl", "1")
    assert engine("aurora-mysql").family("8.0.mysql_aurora.3.08.0") == "aurora-mysql8.0"
    assert engine("aurora-postgresql").family("16.6") == "aurora-postgresql16"
    assert all(e.log_exports for e in ENGINES.values())


def test_redrive_policy_is_compact_json_as_sqs_answers_it():
    assert redrive_policy("arn:aws:sqs:eu-west-1:1:jobs-dlq", 5) == (
        '{"deadLetterTargetArn":"arn:aws:sqs:eu-west-1:1:jobs-dlq","maxReceiveCount":5}')
