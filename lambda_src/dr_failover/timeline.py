"""The run's timeline as an SNS notification: a subject for the pager and a plain-text body for the humans.

Success: ``[DR] app.example.com failed over to eu-west-2 in 7m12s``. Failure: which step, retriable or not,
and what to do next. The body lists every step with status, start (UTC), duration and detail, and how long
the outage had lasted (the alarm's ALARM timestamp), which is the number to hold against the RTO.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .clock import human_duration, iso
from .config import Config

SUBJECT_MAX_CHARS = 99  # SNS: "less than 100 characters", no line breaks or control characters
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


@dataclass(frozen=True)
class StepResult:
    """One step as it ran: status in done | skipped | would | failed, when, how long, and what happened."""

    step: str
    status: str
    started_at: datetime
    duration_seconds: float
    detail: str
    retriable: bool | None = None  # failed steps only

    def as_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "step": self.step,
            "status": self.status,
            "started_at": iso(self.started_at),
            "duration_seconds": round(self.duration_seconds, 3),
            "detail": self.detail,
        }
        if self.retriable is not None:
            result["retriable"] = self.retriable
        return result


def clean_subject(text: str) -> str:
    text = _CONTROL_CHARS.sub(" ", text).strip()
    return text if len(text) <= SUBJECT_MAX_CHARS else text[: SUBJECT_MAX_CHARS - 3].rstrip() + "..."


def success_subject(config: Config, seconds: float, changed: bool) -> str:
    if not changed:
        return clean_subject(
            f"[DR] {config.environment_name} already failed over to {config.standby_region}: nothing to do"
        )
    return clean_subject(
        f"[DR] {config.environment_name} failed over to {config.standby_region} in {human_duration(seconds)}"
    )


def failure_subject(config: Config, step: str, retriable: bool) -> str:
    verdict = "retriable" if retriable else "needs a fix"
    return clean_subject(
        f"[DR] FAILED: {config.environment_name} failover to {config.standby_region} stopped at {step} ({verdict})"
    )


def next_actions(step: str, retriable: bool, function_name: str | None) -> list[str]:
    """What the reader of a failure timeline should do, in order."""
    name = function_name or "<this function>"
    invoke = f"aws lambda invoke --function-name {name} --invocation-type Event --payload '{{}}' /dev/null"
    if retriable:
        return [
            "Lambda retries this asynchronous invocation automatically (twice by default); every step is "
            "idempotent, so a retry skips what is done and resumes at this step.",
            f"If the retries are exhausted (dead-letter queue / on-failure destination), invoke it again: {invoke}",
            'Add "force": true to the payload only to skip the outage-age check; the ALARM check always applies '
            "until the failover is under way.",
        ]
    return [
        f"Fix the cause above (it will not go away by retrying), then invoke again: {invoke}",
        "Completed steps are skipped on the next run. Until then traffic and writes stay where they are now: "
        "check the state of the steps above before doing anything by hand.",
    ]


def render_body(
    config: Config,
    results: Sequence[StepResult],
    *,
    headline: str,
    run_started_at: datetime,
    run_seconds: float,
    alarm_state: str | None,
    alarm_since: datetime | None,
    trigger: str,
    active_region: str | None,
    database_endpoint: str | None,
    failure: StepResult | None = None,
    function_name: str | None = None,
) -> str:
    """The plain-text timeline (email subscribers read it as-is; chat tools show it in a code block)."""
    lines = [
        headline,
        "",
        f"Environment:      {config.environment_name}",
        f"Regions:          {config.primary_region} (primary) -> {config.standby_region} (standby)",
        f"Trigger:          {trigger}",
        f"Run started:      {iso(run_started_at)} (took {human_duration(run_seconds)})",
    ]
    if alarm_since is not None:
        outage = (run_started_at - alarm_since).total_seconds() + run_seconds
        lines.append(
            f"Health alarm:     {config.health_alarm_name} {alarm_state} since {iso(alarm_since)} "
            f"({human_duration(max(outage, 0))} before this run ended)"
        )
    lines += [
        f"Active region:    {active_region or 'unknown'}",
        f"Database:         {database_endpoint or 'unchanged / none'}",
        "",
        "Steps",
    ]
    width = max((len(result.step) for result in results), default=10)
    for result in results:
        lines.append(
            f"  {result.step:<{width}}  {result.status:<7}  {iso(result.started_at)}  "
            f"{human_duration(result.duration_seconds):>7}  {_CONTROL_CHARS.sub(' ', result.detail)}"
        )
    if failure is not None:
        lines += [
            "",
            f"FAILED at step {failure.step}: {'retriable' if failure.retriable else 'NOT retriable'}",
            f"  {failure.detail}",
            "",
            "What to do next",
        ]
        lines += [
            f"  {index}. {text}"
            for index, text in enumerate(next_actions(failure.step, bool(failure.retriable), function_name), start=1)
        ]
    lines += [
        "",
        "Failback is deliberate (docs/runbooks/disaster-recovery.md): rebuild the primary, lower the gate by hand.",
    ]
    return "\n".join(lines) + "\n"


def publish(aws: Any, config: Config, subject: str, body: str) -> str:
    """Publish to TOPIC_ARN (in the topic's own region); returns the MessageId. Errors propagate."""
    sns = aws.get("sns", config.topic_region)
    response = sns.publish(TopicArn=config.topic_arn, Subject=clean_subject(subject), Message=body)
    return str(response["MessageId"])
