"""Layer 4: checkov (terraform_json) on every synthesized stack: nothing fails that is not accepted
with a reason, nothing accepted is stale, and the scanner demonstrably catches an insecure stack."""

from __future__ import annotations

import json

import pytest

from compliance.scan import load_acceptances, scan

pytestmark = pytest.mark.slow


def test_every_blueprint_passes_checkov(synthesized, created_zone):
    # every shipped environment (cafe-dr prod with its standby site), and the created-zone configuration's edge
    result = scan([*synthesized.values(), created_zone])
    failures = [f"{f.check} {f.stack}/{f.resource}: {f.name}" for f in result.failed]
    assert failures == []
    assert result.parsing_errors == []
    assert result.passed > 100
    stale = [f"{a.check} {a.resource} ({a.stacks})" for a in result.unused]
    assert stale == [], "accepted findings that match nothing any more: remove them"


def test_every_acceptance_has_a_reason_and_a_narrow_scope():
    for acceptance in load_acceptances():
        assert len(acceptance.reason) > 40
        assert acceptance.resource not in ("*", "") and acceptance.check.startswith("CKV")


def test_the_scan_fails_an_insecure_stack(tmp_path):
    stack = tmp_path / "stacks" / "insecure"
    stack.mkdir(parents=True)
    stack.joinpath("cdk.tf.json").write_text(json.dumps({"resource": {
        "aws_s3_bucket": {"open": {"bucket": "open-bucket"}},
        "aws_security_group": {"ssh": {"ingress": [{"from_port": 22, "to_port": 22, "protocol": "tcp",
                                                    "cidr_blocks": ["0.0.0.0/0"]}]}}}}))
    result = scan([tmp_path])
    failed = {f.check for f in result.failed}
    assert not result.ok
    assert {"CKV_AWS_24", "CKV_AWS_21"} <= failed  # SSH open to the world; bucket without versioning


def test_a_scan_that_parsed_nothing_is_a_failure(tmp_path):
    """The trap of `--framework terraform`: zero checks run looks like zero failures. It must not pass."""
    stack = tmp_path / "stacks" / "empty"
    stack.mkdir(parents=True)
    stack.joinpath("cdk.tf.json").write_text(json.dumps({"terraform": {}}))
    result = scan([tmp_path], acceptances=[])
    assert result.passed == 0 and result.failed == []
    assert not result.ok
