"""An EventBridge rule whose matching events reach the alarm topic as a short JSON message: how events that are
not metrics (a GuardDuty finding, a failed backup job) page the same people and chat tools as every alarm.

The alarm topic must let EventBridge publish: EVENTS_PUBLISHER in the topic's policy and its key's policy
(monitoring.AlarmTopicProps.publishers and alarm_topic_key_grants).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cdktf_cdktf_provider_aws.cloudwatch_event_rule import CloudwatchEventRule
from cdktf_cdktf_provider_aws.cloudwatch_event_target import (
    CloudwatchEventTarget,
    CloudwatchEventTargetInputTransformer,
)
from constructs import Construct

EVENTS_PUBLISHER = "events.amazonaws.com"
"""Who publishes matched events to the alarm topic."""


@dataclass(frozen=True)
class EventAlertProps:
    name: str
    """The rule's name, e.g. 'saas-prod-backup-job-failures'."""
    description: str
    pattern: Mapping[str, Any]
    """EventBridge event pattern."""
    topic_arn: str
    """The alarm topic (its policy and key admit EVENTS_PUBLISHER)."""
    fields: Mapping[str, str] = field(default_factory=dict)
    """Message field -> JSON path in the event; each value lands in the message as EventBridge quotes it."""
    constants: Mapping[str, str] = field(default_factory=dict)
    """Message fields with fixed text (e.g. the source and the runbook); a constant may embed <field> values."""

    def __post_init__(self) -> None:
        if not self.pattern.get("source"):
            raise ValueError(f"event alert {self.name!r}: the pattern {dict(self.pattern)} names no source; fix: "
                             "match on the emitting service, e.g. {'source': ['aws.backup'], ...}")
        if clash := sorted(set(self.fields) & set(self.constants)):
            raise ValueError(f"event alert {self.name!r}: {clash} are both fields and constants; fix: name each once")


def alert_on_events(scope: Construct, id: str, props: EventAlertProps) -> tuple[CloudwatchEventRule,
                                                                                 CloudwatchEventTarget]:
    """The rule (construct id `id`) and its target on the topic (`<id>-to-topic`), in `scope`."""
    rule = CloudwatchEventRule(scope, id, name=props.name, description=props.description,
                               event_pattern=json.dumps(props.pattern, sort_keys=True))
    target = CloudwatchEventTarget(
        scope, f"{id}-to-topic", rule=rule.name, target_id="alarm-topic", arn=props.topic_arn,
        input_transformer=CloudwatchEventTargetInputTransformer(input_paths=dict(props.fields),
                                                                input_template=message_template(props)))
    return rule, target


def message_template(props: EventAlertProps) -> str:
    """JSON (what every alarm sends): EventBridge fills each <field> in, quoting and escaping a string value, so
    a value with quotes still makes valid JSON; constants are written as JSON strings."""
    parts = [f"{json.dumps(name)}: {json.dumps(text)}" for name, text in props.constants.items()]
    parts += [f"{json.dumps(name)}: <{name}>" for name in props.fields]
    return "{" + ", ".join(parts) + "}"
