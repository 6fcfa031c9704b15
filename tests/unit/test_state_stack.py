"""Layer 1: the state bootstrap stack's bucket is private, encrypted, versioned, TLS-only and logged."""

from __future__ import annotations

import pytest

from stacks.state import BOOTSTRAP_STATE_DIR
from tests.support import resources, stack_document


@pytest.fixture(scope="module")
def state(notebookly_prod):
    return stack_document(notebookly_prod, "state")


def _by_bucket(document, resource_type):
    """Resources of a type keyed by the construct (access-logs / state-bucket) they belong to."""
    return {name.split("_")[0]: r for name, r in resources(document, resource_type).items()}


def test_state_stack_starts_on_local_state_outside_the_synth_output(state):
    path = state["terraform"]["backend"]["local"]["path"]
    assert path == str(BOOTSTRAP_STATE_DIR / "notebookly-prod-state.tfstate")
    assert "cdktf.out" not in path


def test_state_bucket_name_and_no_force_destroy(state):
    buckets = _by_bucket(state, "aws_s3_bucket")
    assert buckets["state-bucket"]["bucket"] == "notebookly-prod-tfstate-123456789012"
    assert buckets["access-logs"]["bucket"] == "notebookly-prod-tfstate-123456789012-access-logs"
    assert all(b["force_destroy"] is False for b in buckets.values())


def test_every_bucket_blocks_public_access_and_disables_acls(state):
    blocks = resources(state, "aws_s3_bucket_public_access_block").values()
    assert len(blocks) == 4  # state, its access logs, and both again in the secondary region
    for block in blocks:
        assert all(block[k] is True for k in ("block_public_acls", "block_public_policy", "ignore_public_acls",
                                              "restrict_public_buckets"))
    for ownership in resources(state, "aws_s3_bucket_ownership_controls").values():
        assert ownership["rule"]["object_ownership"] == "BucketOwnerEnforced"


def test_state_bucket_uses_its_rotating_kms_key_and_logs_are_sse_s3(state):
    encryption = _by_bucket(state, "aws_s3_bucket_server_side_encryption_configuration")
    state_rule = encryption["state-bucket"]["rule"][0]
    assert state_rule["apply_server_side_encryption_by_default"]["sse_algorithm"] == "aws:kms"
    assert state_rule["apply_server_side_encryption_by_default"]["kms_master_key_id"].startswith("${aws_kms_key.")
    assert state_rule["bucket_key_enabled"] is True
    log_rule = encryption["access-logs"]["rule"][0]["apply_server_side_encryption_by_default"]
    assert log_rule["sse_algorithm"] == "AES256"  # S3 log delivery cannot write SSE-KMS
    key = next(iter(resources(state, "aws_kms_key").values()))
    assert key["enable_key_rotation"] is True


def test_versioning_and_noncurrent_version_lifecycle(state):
    assert all(v["versioning_configuration"]["status"] == "Enabled"
               for v in resources(state, "aws_s3_bucket_versioning").values())
    rule = _by_bucket(state, "aws_s3_bucket_lifecycle_configuration")["state-bucket"]["rule"][0]
    assert rule["status"] == "Enabled"
    assert rule["noncurrent_version_expiration"] == [{"noncurrent_days": 90}]
    assert rule["abort_incomplete_multipart_upload"] == [{"days_after_initiation": 7}]


def test_state_bucket_access_is_logged_to_the_log_bucket(state):
    logging = next(iter(resources(state, "aws_s3_bucket_logging").values()))
    assert logging["bucket"].startswith("${aws_s3_bucket.state-bucket_")
    assert logging["target_bucket"].startswith("${aws_s3_bucket.access-logs_bucket_")


def test_bucket_policies_refuse_plain_http_and_old_tls(state):
    documents = state["data"]["aws_iam_policy_document"]
    bucket_policies = [d for n, d in documents.items() if n.endswith("policy-document") or "policy-document_" in n]
    assert len(bucket_policies) == 4
    for policy in bucket_policies:
        by_sid = {s["sid"]: s for s in policy["statement"]}
        assert by_sid["DenyInsecureTransport"]["effect"] == "Deny"
        assert by_sid["DenyInsecureTransport"]["condition"][0]["values"] == ["false"]
        assert by_sid["DenyOutdatedTls"]["condition"][0] == {
            "test": "NumericLessThan", "variable": "s3:TlsVersion", "values": ["1.2"]}
    log_policy = next(p for p in bucket_policies if any(s["sid"] == "AllowServerAccessLogDelivery"
                                                        for s in p["statement"]))
    delivery = next(s for s in log_policy["statement"] if s["sid"] == "AllowServerAccessLogDelivery")
    assert delivery["condition"][0]["values"] == ["123456789012"]


def test_after_bootstrap_the_state_stack_can_move_into_its_own_bucket(tmp_path):
    from configuration import load
    from synth.app import synthesize
    from tests.support import stack_document as read

    path = tmp_path / "migrated.yaml"
    path.write_text("extends: notebookly/dev\nstate:\n  bootstrap_backend: s3\n")
    synthesize(load(config_file=path), tmp_path / "out")
    backend = read(tmp_path / "out", "state")["terraform"]["backend"]["s3"]
    assert backend["key"] == "notebookly/dev/state.tfstate" and backend["use_lockfile"] is True


def test_state_is_replicated_to_the_secondary_region_under_its_own_key(state):
    providers = {p.get("alias", "default"): p for p in state["provider"]["aws"]}
    assert providers["secondary"]["region"] == "ap-southeast-1"
    assert providers["secondary"]["allowed_account_ids"] == ["123456789012"]
    buckets = _by_bucket(state, "aws_s3_bucket")
    assert buckets["state-replica"]["bucket"] == "notebookly-prod-tfstate-123456789012-ap-southeast-1"
    assert buckets["state-replica"]["provider"] == "aws.secondary"
    assert buckets["state-replica-access-logs"]["provider"] == "aws.secondary"
    keys = {name.split("_")[0]: k for name, k in resources(state, "aws_kms_key").items()}
    assert keys["state-replica-key"]["provider"] == "aws.secondary" and "provider" not in keys["state-key"]
    replication = next(iter(resources(state, "aws_s3_bucket_replication_configuration").values()))
    rule = replication["rule"][0]
    assert replication["bucket"].startswith("${aws_s3_bucket.state-bucket_")
    assert rule["status"] == "Enabled" and rule["delete_marker_replication"]["status"] == "Enabled"
    assert rule["source_selection_criteria"]["sse_kms_encrypted_objects"]["status"] == "Enabled"
    assert rule["destination"]["bucket"].startswith("${aws_s3_bucket.state-replica_bucket_")
    assert rule["destination"]["encryption_configuration"]["replica_kms_key_id"].startswith(
        "${aws_kms_key.state-replica-key_")


def test_replication_role_can_only_replicate(state):
    documents = state["data"]["aws_iam_policy_document"]
    permissions = next(d for n, d in documents.items() if n.startswith("state-replication_permissions"))
    by_sid = {s["sid"]: s for s in permissions["statement"]}
    assert set(by_sid["WriteReplicas"]["actions"]) == {"s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"}
    assert by_sid["DecryptSourceThroughS3"]["condition"][0]["values"] == ["s3.ap-south-1.amazonaws.com"]
    assert by_sid["EncryptReplicasThroughS3"]["condition"][0]["values"] == ["s3.ap-southeast-1.amazonaws.com"]
    assert not any("*" in a for s in permissions["statement"] for a in s["actions"])
    trust = next(d for n, d in documents.items() if n.startswith("state-replication_trust"))
    assert trust["statement"][0]["principals"][0]["identifiers"] == ["s3.amazonaws.com"]


def test_without_a_secondary_region_there_is_no_replica(tmp_path):
    from configuration import load
    from synth.app import synthesize

    path = tmp_path / "single-region.yaml"
    path.write_text("extends: notebookly/dev\nregions:\n  secondary: null\n")
    synthesize(load(config_file=path), tmp_path / "out")
    document = stack_document(tmp_path / "out", "state")
    assert "aws_s3_bucket_replication_configuration" not in document["resource"]
    assert len(document["provider"]["aws"]) == 1


def test_a_state_region_of_its_own_moves_the_bucket_with_the_backends(tmp_path):
    from configuration import load
    from synth.app import synthesize

    path = tmp_path / "state-elsewhere.yaml"
    path.write_text("extends: notebookly/dev\nstate:\n  region: eu-west-1\n")
    synthesize(load(config_file=path), tmp_path / "out")
    state_stack = stack_document(tmp_path / "out", "state")
    default = next(p for p in state_stack["provider"]["aws"] if "alias" not in p)
    assert default["region"] == "eu-west-1"
    network_backend = stack_document(tmp_path / "out", "network")["terraform"]["backend"]["s3"]
    assert network_backend["region"] == "eu-west-1"
    assert stack_document(tmp_path / "out", "network")["provider"]["aws"][0]["region"] == "ap-south-1"
