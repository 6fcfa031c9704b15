"""Layer 1: a bucket's copies (data.buckets.<name>.copy_to, seed 003's "a copy of uploaded originals into a
separate backup bucket"): S3 replication in the same region, deletions not copied, re-encrypted under the copy's
key, by a role that can only do that; the app tier only reads the copies; refused when S3 could not deliver."""

from __future__ import annotations

import json

import pytest
from cdktf import Testing as CdktfTesting

from configuration import load
from modules.s3_bucket.replication import REPLICA_RULE, BucketCopy, BucketReplicationProps
from stacks.compute import ComputeStack
from stacks.data import DataStack
from tests.support import assert_refused, policy_document, policy_statement, resources, statement_conditions

PRIMARY = "us-east-1"


@pytest.fixture(scope="module", params=["dev", "prod"])
def levels(request) -> tuple[str, dict]:
    """(environment, levels' data stack JSON)."""
    stack = DataStack(CdktfTesting.app(), load("levels", request.param))
    return request.param, json.loads(CdktfTesting.synth(stack))


def _bucket_reference(document: dict, name: str, attribute: str) -> str:
    """`${aws_s3_bucket.<logical id>.<attribute>}` of data bucket `name` (not its replica)."""
    (logical,) = [k for k, v in resources(document, "aws_s3_bucket").items()
                  if v["bucket"].startswith("levels-") and v["bucket"].endswith(f"-{name}-123456789012")]
    return f"${{aws_s3_bucket.{logical}.{attribute}}}"


def _replication_of(document: dict, name: str) -> dict:
    (configuration,) = [c for c in resources(document, "aws_s3_bucket_replication_configuration").values()
                        if c["bucket"] == _bucket_reference(document, name, "id")]
    return configuration


def _storage_key(document: dict) -> str:
    (logical,) = [k for k in resources(document, "aws_kms_key") if k.startswith("storage-key")]
    return f"${{aws_kms_key.{logical}.arn}}"


def test_every_upload_is_copied_to_the_backup_under_its_key_and_deletions_are_not(levels):
    environment, document = levels
    rules = {rule["id"]: rule for rule in _replication_of(document, "uploads")["rule"]}
    copy = rules["copy-to-originals-backup"]
    assert copy["destination"]["bucket"] == _bucket_reference(document, "originals-backup", "arn")
    assert copy["destination"]["encryption_configuration"]["replica_kms_key_id"] == _storage_key(document)
    assert copy["delete_marker_replication"] == {"status": "Disabled"}  # a deleted upload stays in the backup
    assert copy["source_selection_criteria"] == {"sse_kms_encrypted_objects": {"status": "Enabled"}}
    assert (copy["status"], copy["filter"]) == ("Enabled", {"prefix": ""})
    if environment == "prod":  # one configuration per bucket: the cross-region replica is a second rule
        assert rules[REPLICA_RULE]["delete_marker_replication"] == {"status": "Enabled"}
        assert rules[REPLICA_RULE]["destination"]["bucket"].startswith("${aws_s3_bucket.bucket-uploads-replica_")
        assert sorted(rule["priority"] for rule in rules.values()) == [1, 2]
    else:
        assert set(rules) == {"copy-to-originals-backup"} and "priority" not in copy


def test_the_replication_waits_for_versioning_of_both_buckets(levels):
    _, document = levels
    depends_on = _replication_of(document, "uploads")["depends_on"]
    assert "aws_s3_bucket_versioning.bucket-uploads_versioning_D8A540EE" in depends_on
    assert any(d.startswith("aws_s3_bucket_versioning.bucket-originals-backup_versioning") for d in depends_on)


def test_the_replication_role_may_copy_but_never_delete_in_the_backup(levels):
    environment, document = levels
    configuration = _replication_of(document, "uploads")
    (role,) = [r for r in resources(document, "aws_iam_role").values() if r["name"] == f"levels-{environment}"
               "-uploads-replication"]
    trust = policy_document(document, role["assume_role_policy"])["statement"][0]
    assert trust["principals"] == [{"type": "Service", "identifiers": ["s3.amazonaws.com"]}]
    assert statement_conditions(trust) == {("StringEquals", "aws:SourceAccount", ("123456789012",))}
    assert configuration["role"] == f"${{aws_iam_role.{_logical(document, 'aws_iam_role', role)}.arn}}"
    (policy,) = [p for p in resources(document, "aws_iam_role_policy").values()
                 if p["role"].startswith("${aws_iam_role.bucket-uploads-replication_role_")]
    permissions = policy_document(document, policy["policy"])
    copies = policy_statement(permissions, "WriteCopies")
    assert copies["actions"] == ["s3:ReplicateObject", "s3:ReplicateTags"]
    assert copies["resources"] == [_bucket_reference(document, "originals-backup", "arn") + "/*"]
    encrypt = policy_statement(permissions, "EncryptCopiesThroughS3")
    assert encrypt["resources"] == [_storage_key(document)]
    assert statement_conditions(encrypt) == {("StringEquals", "kms:ViaService", (f"s3.{PRIMARY}.amazonaws.com",))}
    deletes = [s for s in permissions["statement"] if "s3:ReplicateDelete" in s["actions"]]
    if environment == "prod":  # the replica mirrors deletions; the backup is not written by that statement
        assert [s["sid"] for s in deletes] == ["WriteReplicas"]
        assert all("originals-backup" not in r for s in deletes for r in s["resources"])
    else:
        assert not deletes


def _logical(document: dict, resource_type: str, body: dict) -> str:
    (logical,) = [k for k, v in resources(document, resource_type).items() if v is body]
    return logical


def test_the_app_tier_reads_the_backup_and_cannot_overwrite_it(levels):
    _, document = levels
    (policy,) = [p for p in resources(document, "aws_iam_policy").values() if p["name"].endswith("-app-data-access")]
    statements = policy_document(document, policy["policy"])
    assert policy_statement(statements, "BucketOriginalsBackup")["actions"] == ["s3:GetObject", "s3:ListBucket"]
    assert "s3:PutObject" in policy_statement(statements, "BucketUploads")["actions"]


def test_the_backup_is_not_replicated_onward(levels):
    """S3 replicates no replica onward: a replica of the backup would stay empty, so none is made."""
    _, document = levels
    names = [v["bucket"] for v in resources(document, "aws_s3_bucket").values()]
    assert not [n for n in names if "originals-backup" in n and n.endswith("-us-east-2")]
    sources = [c["bucket"] for c in resources(document, "aws_s3_bucket_replication_configuration").values()]
    assert _bucket_reference(document, "originals-backup", "id") not in sources


@pytest.mark.parametrize(("body", "fragments"), [
    ("data:\n  buckets:\n    uploads: {purpose: uploads, copy_to: backups}\n",
     ["buckets.uploads.copy_to 'backups' is not another bucket", "originals-backup"]),
    ("data:\n  buckets:\n    uploads: {purpose: uploads, copy_to: uploads}\n",
     ["buckets.uploads.copy_to 'uploads' is not another bucket"]),
    ("data:\n  buckets:\n    originals-backup: {purpose: backup, replicate: null}\n",
     ["buckets.originals-backup receives the copies of buckets.uploads", "replicate: false"]),
    ("data:\n  buckets:\n    originals-backup: {purpose: backup, copy_to: content}\n",
     ["buckets.uploads.copy_to 'originals-backup', which copies to 'content' in turn",
      "remove buckets.originals-backup.copy_to"]),
])
def test_a_copy_s3_could_not_deliver_is_refused(tmp_path, body, fragments):
    assert_refused(tmp_path, "levels/prod", body, fragments)


@pytest.mark.parametrize(("case", "fragments"), [
    ("nothing", ["no destination and no copies", "fix:"]),
    ("half-a-replica", ["destination, destination_key and destination_region go together", "fix:"]),
    ("copy-of-itself", ["a copy bucket is the source or is listed twice", "fix:"]),
    ("copied-twice", ["a copy bucket is the source or is listed twice", "fix:"]),
    ("same-region-replica", ["replication from us-east-1 to itself", "fix:"]),
])
def test_replication_props_refuse_what_s3_would_not_do(case, fragments):
    key, source, backup = object(), object(), object()  # props validation compares, never reads, them
    copy = BucketCopy(bucket=backup, key=key, rule_id="copy-to-backup")
    arguments = {
        "nothing": {},
        "half-a-replica": dict(destination=backup),
        "copy-of-itself": dict(copies=[BucketCopy(bucket=source, key=key, rule_id="copy-to-source")]),
        "copied-twice": dict(copies=[copy, BucketCopy(bucket=backup, key=key, rule_id="again")]),
        "same-region-replica": dict(destination=backup, destination_key=key, destination_region=PRIMARY),
    }[case]
    with pytest.raises(ValueError) as error:
        BucketReplicationProps(source=source, source_key=key, source_region=PRIMARY, role_name="r",
                               account_id="1" * 12, **arguments)
    for fragment in fragments:
        assert fragment in str(error.value)


def test_the_worker_fleet_may_turn_image_messages_into_variants(levels):
    """Seed 003's image variants are the application's code; the platform gives whatever runs it on the worker
    fleet what it needs: consume image-processing, read the uploads, write the private variants bucket."""
    environment, document = levels
    (policy,) = [p for p in resources(document, "aws_iam_policy").values() if p["name"].endswith("-app-data-access")]
    statements = policy_document(document, policy["policy"])
    consume = policy_statement(statements, f"ConsumeLevels{environment.capitalize()}ImageProcessing")
    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"} <= set(consume["actions"])
    assert "s3:GetObject" in policy_statement(statements, "BucketUploads")["actions"]
    assert "s3:PutObject" in policy_statement(statements, "BucketImageVariants")["actions"]
    (variants,) = [v for k, v in resources(document, "aws_s3_bucket_lifecycle_configuration").items()
                   if k.startswith("bucket-image-variants_")]
    assert variants["rule"][0]["noncurrent_version_expiration"] == [{"noncurrent_days": 7}]
    worker = ComputeStack(CdktfTesting.app(), load("levels", environment))
    attachments = resources(json.loads(CdktfTesting.synth(worker)), "aws_iam_role_policy_attachment").values()
    assert {"${data.terraform_remote_state.data.outputs.app_data_access_policy_arn}"} == {
        a["policy_arn"] for a in attachments if a["role"].startswith("${aws_iam_role.fleet-worker_instance-role_")
        and "app_data_access" in a["policy_arn"]}
