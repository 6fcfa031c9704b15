"""Lambda entry point ``dr_failover.handler.handler``: runs the steps in order and reports the timeline.

Invocation: asynchronous, from EventBridge / SNS / a CloudWatch alarm action on the primary's health alarm,
or by hand. The event's content is only recognised (for the log), never trusted: the alarm is read again.
Flags (top level, booleans): ``dry_run`` (read everything, change nothing, publish nothing; the result lists
what each step would do) and ``force`` (skip only the MIN_OUTAGE_SECONDS age check, never the ALARM check).

Result: ``{"status": "failed-over" | "primary-healthy" | "too-early" | "dry-run", "steps": [...],
"active_region", "database_endpoint", ...}``. A failed step stops the run, publishes a failure timeline
(best effort) and raises ``StepFailure`` naming the step and whether it is retriable, so Lambda's
asynchronous retries and the dead-letter queue / on-failure destination apply. Whenever a run gets past the
first step (and is not a dry run) it publishes exactly one timeline, also when every step was already done
("nothing to do"): a retry after a failed notification still tells someone.

Deployment notes for the Terraform around it: timeout 900 s, reserved concurrency 1 (one failover at a
time), on-failure destination or DLQ; it keeps ~30 s of the invocation for reporting a failure.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from . import ConfigurationError, FailoverError, InvalidEventError, StepFailure, log_error, log_event
from .aws import AwsClients, describe_error, is_retriable
from .clock import Clock, iso
from .config import Config, topic_region_of
from .steps import DONE, FAILED, NOTIFY, SKIPPED, STEPS, WOULD, Outcome, Run, StepError
from .timeline import (
    StepResult,
    clean_subject,
    failure_subject,
    publish,
    render_body,
    success_subject,
)

REPORTING_RESERVE_SECONDS = 30.0  # of the invocation's time, kept for publishing a failure timeline
FAILED_OVER, DRY_RUN = "failed-over", "dry-run"


def recognise_trigger(event: Mapping[str, Any]) -> str:
    """Where the invocation came from, for the log and the timeline only."""
    if event.get("detail-type") == "CloudWatch Alarm State Change":
        return "eventbridge (CloudWatch alarm state change)"
    if event.get("source") == "aws.cloudwatch" and "alarmData" in event:
        return "cloudwatch alarm action"
    records = event.get("Records")
    if isinstance(records, list) and records and isinstance(records[0], Mapping):
        if records[0].get("EventSource") == "aws:sns" or "Sns" in records[0]:
            return "sns"
    if not (set(event) - {"dry_run", "force"}):
        return "manual"
    return "unrecognised event (treated as manual)"


def parse_event(event: Any) -> tuple[bool, bool, str]:
    """``(dry_run, force, trigger)``; flags must be real booleans: a string "false" must not mean true."""
    if event is None:
        event = {}
    if not isinstance(event, Mapping):
        raise InvalidEventError(
            f'the event must be a JSON object such as {{}} or {{"dry_run": true}}, got {type(event).__name__}'
        )
    flags = {}
    for name in ("dry_run", "force"):
        value = event.get(name, False)
        if not isinstance(value, bool):
            raise InvalidEventError(f"event field {name}={value!r} must be true or false (a JSON boolean)")
        flags[name] = value
    return flags["dry_run"], flags["force"], recognise_trigger(event)


def _hard_deadline(context: Any, clock: Clock) -> float | None:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if not callable(remaining):
        return None
    return clock.monotonic() + remaining() / 1000.0 - REPORTING_RESERVE_SECONDS


def _run_step(run: Run, name: str, step: Callable[[Run], Outcome]) -> tuple[StepResult, BaseException | None]:
    """Time and log one step; a failure becomes a ``failed`` result with ``retriable``, never swallowed."""
    started_at, started = run.clock.now(), run.clock.monotonic()
    log_event(logging.INFO, "dr_step", phase="start", step=name, started_at=iso(started_at), dry_run=run.dry_run)
    error: BaseException | None = None
    try:
        outcome = step(run)
        status, detail, retriable = outcome.status, outcome.detail, None
    except StepError as exc:
        error, status, detail, retriable = exc, FAILED, exc.detail, exc.retriable
    except (ClientError, BotoCoreError) as exc:
        error, status, detail, retriable = exc, FAILED, describe_error(exc), is_retriable(exc)
    except Exception as exc:  # a bug or an unexpected response: report it like any failure, then raise
        error, status, detail, retriable = exc, FAILED, f"unexpected {type(exc).__name__}: {exc}", False
    ended_at = run.clock.now()
    duration = run.clock.monotonic() - started
    result = StepResult(name, status, started_at, duration, detail, retriable)
    log_event(
        logging.ERROR if status == FAILED else logging.INFO,
        "dr_step",
        phase="end",
        step=name,
        status=status,
        started_at=iso(started_at),
        ended_at=iso(ended_at),
        duration_seconds=round(duration, 3),
        detail=detail,
        retriable=retriable,
        dry_run=run.dry_run,
    )
    return result, error


def _report_configuration_error(env: Mapping[str, str], aws: AwsClients, error: ConfigurationError) -> None:
    """Best effort: a broken configuration found during a real outage must reach someone, not only the log."""
    topic_arn = env.get("TOPIC_ARN", "").strip()
    region = topic_region_of(topic_arn)
    if region is None:
        return
    name = env.get("ENVIRONMENT_NAME", "").strip() or env.get("AWS_LAMBDA_FUNCTION_NAME", "") or "environment"
    try:
        aws.get("sns", region).publish(
            TopicArn=topic_arn,
            Subject=clean_subject(f"[DR] FAILED: {name} failover cannot start: invalid configuration"),
            Message=str(error) + "\n\nNot retriable: fix the function's environment variables, then invoke again.\n",
        )
    except Exception as publish_error:  # reported in the log; the configuration error is what is raised
        log_event(logging.ERROR, "dr_timeline_publish_failed", error=describe_error(publish_error))


class _Invocation:
    """State of one handler call: the run, its results, and how to report its end."""

    def __init__(self, run: Run, context: Any, trigger: str) -> None:
        self.run = run
        self.context = context
        self.trigger = trigger
        self.started_at = run.clock.now()
        self.started = run.clock.monotonic()
        self.results: list[StepResult] = []
        self.message_id: str | None = None

    @property
    def function_name(self) -> str | None:
        return getattr(self.context, "function_name", None) or os.environ.get("AWS_LAMBDA_FUNCTION_NAME")

    def elapsed(self) -> float:
        return self.run.clock.monotonic() - self.started

    def body(self, headline: str, failure: StepResult | None = None) -> str:
        run = self.run
        return render_body(
            run.config,
            self.results,
            headline=headline,
            run_started_at=self.started_at,
            run_seconds=self.elapsed(),
            alarm_state=run.alarm_state,
            alarm_since=run.alarm_since,
            trigger=self.trigger,
            active_region=run.active_region,
            database_endpoint=run.database_endpoint,
            failure=failure,
            function_name=self.function_name,
        )

    def result(self, status: str, **extra: Any) -> dict[str, Any]:
        run = self.run
        result = {
            "status": status,
            "steps": [step.as_dict() for step in self.results],
            "active_region": run.active_region,
            "database_endpoint": run.database_endpoint,
            "dry_run": run.dry_run,
            "trigger": self.trigger,
            "message_id": self.message_id,
            **extra,
        }
        log_event(
            logging.INFO,
            "dr_failover_finished",
            status=status,
            duration_seconds=round(self.elapsed(), 3),
            dry_run=run.dry_run,
            decision=extra.get("decision"),
            message_id=self.message_id,
        )
        return result

    def fail(self, failed: StepResult, error: BaseException) -> StepFailure:
        """Publish the failure timeline (not in a dry run; best effort) and build the exception to raise."""
        retriable = bool(failed.retriable)
        failure = StepFailure(failed.step, failed.detail, retriable)
        if not self.run.dry_run and failed.step != NOTIFY:
            config = self.run.config
            headline = (
                f"DR failover of {config.environment_name} to {config.standby_region} FAILED at "
                f"{failed.step} ({'retriable' if retriable else 'not retriable'})"
            )
            try:
                self.message_id = publish(
                    self.run.aws,
                    config,
                    failure_subject(config, failed.step, retriable),
                    self.body(headline, failure=failed),
                )
            except Exception as publish_error:
                log_event(
                    logging.ERROR, "dr_timeline_publish_failed", step=failed.step, error=describe_error(publish_error)
                )
        failure.__cause__ = error
        log_error(failure)
        return failure

    def notify(self, run: Run) -> Outcome:
        """The last step: publish the success timeline ("nothing to do" when every step had been done before)."""
        config = run.config
        changed = any(result.status == DONE for result in self.results[1:])
        subject = success_subject(config, self.elapsed(), changed)
        headline = subject.removeprefix("[DR] ")
        self.message_id = publish(run.aws, config, subject, self.body(headline))
        if changed:
            return Outcome(DONE, f"published the timeline to {config.topic_arn} (message {self.message_id})")
        return Outcome(SKIPPED, f"nothing changed; published a 'nothing to do' timeline (message {self.message_id})")


def run_failover(
    event: Any,
    context: Any = None,
    *,
    env: Mapping[str, str] | None = None,
    clock: Clock | None = None,
    aws: AwsClients | None = None,
) -> dict[str, Any]:
    """The whole run; ``env``, ``clock`` and ``aws`` are injectable for tests."""
    env = os.environ if env is None else env
    clock = clock or Clock()
    aws = aws or AwsClients()
    try:
        dry_run, force, trigger = parse_event(event)
    except InvalidEventError as error:
        log_error(error)
        raise
    try:
        config = Config.from_env(env)
    except ConfigurationError as error:
        log_error(error)
        if not dry_run:
            _report_configuration_error(env, aws, error)
        raise
    run = Run(config, aws, clock, dry_run=dry_run, force=force, hard_deadline=_hard_deadline(context, clock))
    invocation = _Invocation(run, context, trigger)
    log_event(
        logging.INFO,
        "dr_failover_started",
        trigger=trigger,
        dry_run=dry_run,
        force=force,
        primary_region=config.primary_region,
        standby_region=config.standby_region,
    )
    for name, step in STEPS:
        result, error = _run_step(run, name, step)
        invocation.results.append(result)
        if error is not None:
            raise invocation.fail(result, error) from error
        if run.decision is not None and not dry_run:
            return invocation.result(run.decision)
    if dry_run:
        would = Outcome(WOULD, f"would publish the timeline to {config.topic_arn}")
        invocation.results.append(_run_step(run, NOTIFY, lambda _: would)[0])
        return invocation.result(DRY_RUN, decision=run.decision or "fail-over")
    result, error = _run_step(run, NOTIFY, invocation.notify)
    invocation.results.append(result)
    if error is not None:
        raise invocation.fail(result, error) from error
    return invocation.result(FAILED_OVER)


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Lambda entry point."""
    try:
        return run_failover(event, context)
    except FailoverError:
        raise  # already logged with its step and verdict
    except Exception as error:  # outside any step (client creation, a bug): log it as one JSON line, re-raise
        log_error(error)
        raise
