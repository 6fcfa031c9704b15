"""Layer 1: failed AWS Backup jobs reach people: every environment with a backup plan rules failed backup, copy
and restore jobs (the restore tests included) onto its alarm topic, whose policy and key admit EventBridge, with a
message that stays valid JSON whatever the job's status message says."""

from __future__ import annotations

import json
import re

import pytest

from modules.backup.job_alerts import FAILED_JOB_STATES, MESSAGE_FIELDS
from modules.monitoring.event_alert import EventAlertProps, message_template
from tests.support import ALL_ENVIRONMENTS, resources, stack_document


@pytest.fixture(scope="module")
def ops(synthesized):
    return {key: stack_document(outdir, "ops") for key, outdir in synthesized.items()}


def _rules(document) -> dict[str, dict]:
    return {r["name"]: r for key, r in resources(document, "aws_cloudwatch_event_rule").items()
            if key.startswith("backup-job-alerts_")}


@pytest.mark.parametrize("environment", ALL_ENVIRONMENTS, ids="-".join)
def test_failed_backup_copy_and_restore_jobs_reach_the_alarm_topic(ops, environment):
    document, prefix = ops[environment], "-".join(environment)
    rules = _rules(document)
    assert {name: json.loads(rule["event_pattern"]) for name, rule in rules.items()} == {
        f"{prefix}-backup-job-failures": {"source": ["aws.backup"],
                                          "detail-type": ["Backup Job State Change", "Copy Job State Change"],
                                          "detail": {"state": ["FAILED", "ABORTED", "EXPIRED"]}},
        f"{prefix}-restore-job-failures": {"source": ["aws.backup"], "detail-type": ["Restore Job State Change"],
                                           "detail": {"status": ["FAILED"]}}}
    (topic,) = [k for k, t in resources(document, "aws_sns_topic").items() if t["name"].endswith("-alarms")]
    targets = [t for key, t in resources(document, "aws_cloudwatch_event_target").items()
               if key.startswith("backup-job-alerts_")]
    assert len(targets) == 2
    for target in targets:
        assert target["arn"] == "${aws_sns_topic.%s.arn}" % topic
        assert target["rule"].startswith("${aws_cloudwatch_event_rule.backup-job-alerts_")
    publishers = json.dumps(document["data"]["aws_iam_policy_document"])
    assert "events.amazonaws.com" in publishers  # the topic's and its key's policies


def test_the_message_is_valid_json_whatever_the_job_says():
    """EventBridge fills a bare <name> with the value as JSON and a <name> inside a string with its raw text."""
    event = {"event": "Backup Job State Change", "message": 'Access denied: "role" \\ missing', "state": "FAILED",
             "jobs": ["arn:aws:backup:eu-west-1:123456789012:backup-job:1"], "region": "eu-west-1",
             "time": "2026-11-27T03:10:00Z"}
    props = EventAlertProps(name="x", description="x", pattern={"source": ["aws.backup"]}, topic_arn="arn",
                            fields={**MESSAGE_FIELDS, "state": "$.detail.state"},
                            constants={"console": "https://console.aws.amazon.com/backup/home?region=<region>"})
    template = message_template(props)
    inside_strings = re.sub(r'"[^"]*"', lambda m: re.sub(r"<(\w+)>", lambda v: str(event[v[1]]), m[0]), template)
    message = json.loads(re.sub(r"<(\w+)>", lambda v: json.dumps(event[v[1]]), inside_strings))
    assert message["message"] == event["message"] and message["state"] in FAILED_JOB_STATES
    assert message["console"].endswith("region=eu-west-1") and message["jobs"] == event["jobs"]


@pytest.mark.parametrize(("props", "fragment"), [
    ({"pattern": {"detail-type": ["Backup Job State Change"]}}, "names no source"),
    ({"fields": {"state": "$.detail.state"}, "constants": {"state": "FAILED"}}, "both fields and constants"),
])
def test_an_event_alert_refuses_what_could_not_work(props, fragment):
    with pytest.raises(ValueError) as error:
        EventAlertProps(**{"name": "x", "description": "x", "pattern": {"source": ["aws.backup"]},
                           "topic_arn": "arn", **props})
    assert fragment in str(error.value) and "fix:" in str(error.value)


def test_the_runbook_the_message_names_exists_and_names_what_the_stacks_build(ops, synthesized):
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    targets = [t for key, t in resources(ops[("saas", "prod")], "aws_cloudwatch_event_target").items()
               if key.startswith("backup-job-alerts_")]
    (runbook,) = {json.loads(re.sub(r"<\w+>", "null", t["input_transformer"]["input_template"]))["runbook"]
                  for t in targets}
    text = (root / runbook).read_text()
    for rule in _rules(ops[("saas", "prod")]):
        assert rule.replace("saas-prod", "<prefix>") in text
    vault = "saas-prod-daily"
    assert vault in text and vault in json.dumps(stack_document(synthesized[("saas", "prod")], "data"))
