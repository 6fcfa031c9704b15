"""Layer 1: threat detection (ops.threat_detection, seed 002's "unusual outbound traffic detected"): every
environment's ops stack enables GuardDuty with the decided features, and an EventBridge rule sends findings of
medium severity and above to the alarm topic, whose policy and key admit EventBridge; switching it off takes a
recorded reason, and the construct refuses values GuardDuty would."""

from __future__ import annotations

import json
import re

import pytest

from configuration import load
from modules.audit import ThreatDetectionProps
from modules.audit.threat_detection import FINDING_FIELDS, message_template
from tests.support import (
    ALL_ENVIRONMENTS,
    assert_refused,
    only,
    policy_document,
    policy_statement,
    resources,
    stack_document,
    statement_conditions,
    user_config_file,
)

ACCOUNT = "123456789012"
DETECTING = [env for env in ALL_ENVIRONMENTS if load(*env).ops.threat_detection.enabled]
"""Every environment but those that share an account and region with another's detector (levels dev)."""


@pytest.fixture(scope="module")
def ops(synthesized):
    """(blueprint, environment) -> the ops stack's Terraform JSON."""
    return {key: stack_document(outdir, "ops") for key, outdir in synthesized.items()}


def _findings(document, resource_type: str) -> dict:
    """The one `resource_type` of the threat-detection construct (the ops stack has other event rules too)."""
    (found,) = [r for key, r in resources(document, resource_type).items() if key.startswith("threat-detection_")]
    return found


def _topic_ref(document) -> str:
    (logical,) = [k for k, t in resources(document, "aws_sns_topic").items() if t["name"].endswith("-alarms")]
    return "${aws_sns_topic.%s.arn}" % logical


def test_only_an_environment_sharing_prods_account_and_region_goes_without_a_detector(ops):
    assert set(ALL_ENVIRONMENTS) - set(DETECTING) == {("levels", "dev")}
    assert "with prod, whose detector covers" in load("levels", "dev").ops.threat_detection.reason
    assert not resources(ops[("levels", "dev")], "aws_guardduty_detector")


@pytest.mark.parametrize("environment", DETECTING, ids="-".join)
def test_every_environment_enables_guardduty_with_the_decided_features(ops, environment):
    document = ops[environment]
    detector = only(document, "aws_guardduty_detector")
    assert (detector["enable"], detector["finding_publishing_frequency"]) == (True, "FIFTEEN_MINUTES")
    features = {f["name"]: f["status"] for f in resources(document, "aws_guardduty_detector_feature").values()}
    assert features == {"S3_DATA_EVENTS": "ENABLED", "EBS_MALWARE_PROTECTION": "ENABLED", "EKS_AUDIT_LOGS": "DISABLED"}
    for feature in resources(document, "aws_guardduty_detector_feature").values():
        assert re.fullmatch(r"\$\{aws_guardduty_detector\.threat-detection_detector_\w+\.id\}", feature["detector_id"])
    output = document["output"]["guardduty_detector_id"]["value"]
    assert output.startswith("${aws_guardduty_detector.threat-detection_detector_")


@pytest.mark.parametrize("environment", DETECTING, ids="-".join)
def test_findings_of_medium_severity_and_above_reach_the_alarm_topic(ops, environment):
    document = ops[environment]
    rule = _findings(document, "aws_cloudwatch_event_rule")
    assert rule["name"] == f"{environment[0]}-{environment[1]}-guardduty-findings"
    assert json.loads(rule["event_pattern"]) == {
        "source": ["aws.guardduty"], "detail-type": ["GuardDuty Finding"],
        "detail": {"severity": [{"numeric": [">=", 4.0]}]}}
    target = _findings(document, "aws_cloudwatch_event_target")
    assert target["arn"] == _topic_ref(document)
    assert target["rule"].startswith("${aws_cloudwatch_event_rule.threat-detection_findings_")
    assert set(target["input_transformer"]["input_paths"]) == set(FINDING_FIELDS)


@pytest.mark.parametrize("environment", ALL_ENVIRONMENTS, ids="-".join)
def test_the_topic_and_its_key_admit_eventbridge_of_this_account_only(ops, environment):
    document = ops[environment]
    topic_policy = next(p for p in resources(document, "aws_sns_topic_policy").values()
                        if p["arn"] == _topic_ref(document))
    publish = policy_statement(policy_document(document, topic_policy["policy"]), "ServicesOfThisAccountPublish")
    assert "events.amazonaws.com" in publish["principals"][0]["identifiers"]
    assert publish["actions"] == ["sns:Publish"]
    assert statement_conditions(publish) == {("StringEquals", "aws:SourceAccount", (ACCOUNT,))}
    key = next(k for k in resources(document, "aws_kms_key").values() if k["tags"]["Name"].endswith("-ops-key"))
    events = policy_statement(policy_document(document, key["policy"]), "AllowEvents")
    assert events["principals"] == [{"identifiers": ["events.amazonaws.com"], "type": "Service"}]
    assert sorted(events["actions"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert statement_conditions(events) == {("StringEquals", "aws:SourceAccount", (ACCOUNT,))}


def test_an_environment_may_switch_it_off_with_a_reason_and_then_admits_no_eventbridge(tmp_path):
    from cdktf import Testing

    from configuration import load
    from stacks.ops import OpsStack

    config = load(config_file=user_config_file(tmp_path, "saas/dev", (
        "ops:\n  threat_detection: {enabled: false, reason: the organization's security account runs GuardDuty "
        "for every member account}\n")))
    document = json.loads(Testing.synth(OpsStack(Testing.app(), config)))
    for kind in ("aws_guardduty_detector", "aws_guardduty_detector_feature"):
        assert not resources(document, kind), kind
    for kind in ("aws_cloudwatch_event_rule", "aws_cloudwatch_event_target"):  # the backup job alerts remain
        assert not [key for key in resources(document, kind) if key.startswith("threat-detection_")], kind
    assert not [r for r in resources(document, "aws_cloudwatch_event_rule").values() if "guardduty" in r["name"]]
    assert "guardduty_detector_id" not in document["output"]


def test_severity_frequency_and_features_follow_the_configuration(tmp_path):
    from cdktf import Testing

    from configuration import load
    from stacks.ops import OpsStack

    config = load(config_file=user_config_file(tmp_path, "notebookly/dev", (
        "ops:\n  threat_detection: {alert_severity: high, finding_publishing_frequency: ONE_HOUR, "
        "s3_protection: false, malware_protection: false}\n")))
    document = json.loads(Testing.synth(OpsStack(Testing.app(), config)))
    assert only(document, "aws_guardduty_detector")["finding_publishing_frequency"] == "ONE_HOUR"
    pattern = json.loads(_findings(document, "aws_cloudwatch_event_rule")["event_pattern"])
    assert pattern["detail"]["severity"] == [{"numeric": [">=", 7.0]}]
    features = {f["name"]: f["status"] for f in resources(document, "aws_guardduty_detector_feature").values()}
    assert features == {"S3_DATA_EVENTS": "DISABLED", "EBS_MALWARE_PROTECTION": "DISABLED",
                        "EKS_AUDIT_LOGS": "DISABLED"}


@pytest.mark.parametrize(("body", "fragments"), [
    ("ops:\n  threat_detection: {enabled: false}\n", ["ops.threat_detection", "without a reason", "reason: ..."]),
    ("ops:\n  threat_detection: {reason: nobody reads the findings anyway}\n",
     ["ops.threat_detection", "'nobody reads the findings anyway'", "enabled: false"]),
    ("ops:\n  threat_detection: {enabled: false, reason: too dear}\n", ["reason", "at least 20"]),
    ("ops:\n  threat_detection: {alert_severity: urgent}\n", ["alert_severity", "urgent"]),
    ("ops:\n  threat_detection: {finding_publishing_frequency: DAILY}\n", ["finding_publishing_frequency", "DAILY"]),
])
def test_bad_threat_detection_settings_are_refused(tmp_path, body, fragments):
    assert_refused(tmp_path, "saas/prod", body, fragments)


@pytest.mark.parametrize(("overrides", "fragment"), [
    ({"minimum_severity": 0.5}, "minimum_severity 0.5"),
    ({"minimum_severity": 11.0}, "minimum_severity 11.0"),
    ({"finding_publishing_frequency": "DAILY"}, "finding_publishing_frequency 'DAILY'"),
])
def test_the_construct_refuses_what_guardduty_would(overrides, fragment):
    with pytest.raises(ValueError) as error:
        ThreatDetectionProps(name_prefix="shop-prod", alarm_topic_arn="arn:aws:sns:eu-west-1:1:t", **overrides)
    assert fragment in str(error.value) and "fix:" in str(error.value)


def test_the_message_is_valid_json_whatever_the_finding_says():
    """EventBridge fills a bare <name> with the value as JSON and a <name> inside a string with its raw text;
    a title with quotes and a backslash must still give the subscribers valid JSON."""
    finding = {"severity": 8.5, "type": "CryptoCurrency:EC2/BitcoinTool.B!DNS", "account": ACCOUNT,
               "title": 'EC2 instance i-0abc is querying a "mining pool" domain \\ name', "region": "eu-west-1",
               "id": "a1b2c3", "resource": "Instance", "updated": "2026-01-01T03:12:00Z"}
    template = message_template()
    inside_strings = re.sub(r'"[^"]*"', lambda m: re.sub(r"<(\w+)>", lambda v: str(finding[v[1]]), m[0]), template)
    message = json.loads(re.sub(r"<(\w+)>", lambda v: json.dumps(finding[v[1]]), inside_strings))
    assert message["title"] == finding["title"] and message["severity"] == 8.5
    assert message["console"].endswith("region=eu-west-1#/findings?macros=current&fId=a1b2c3")
    assert message["runbook"] == "docs/runbooks/security-incident.md"
