"""DR failover orchestrator: fails an environment over from its primary to its standby region (pilot light).

Deployed in the STANDBY region as ``dr_failover.handler.handler`` from a staged copy of this folder
(``lambda_src.packaging.stage_function(<this folder>, (), <staging>)``: no dependencies beyond the boto3 the
Lambda runtime provides). Imports inside the package are relative: the code runs as ``lambda_src.dr_failover``
in tests and as top-level ``dr_failover`` in Lambda.

Modules: ``config`` (environment -> frozen ``Config``), ``clock`` (injectable time and the polling helper),
``aws`` (boto3 clients per service and region), ``steps`` (one idempotent function per step), ``timeline``
(the SNS notification) and ``handler`` (the run: order of steps, dry run, failure handling).
"""

from __future__ import annotations

import json
import logging
from typing import Any

LOGGER = logging.getLogger("dr_failover")
LOGGER.setLevel(logging.INFO)


class FailoverError(Exception):
    """Base of every failure the orchestrator raises on purpose; the cause is always chained (``from``).

    ``retriable`` tells the operator (and the timeline) whether invoking the function again can succeed as
    things are (timeouts, throttling, AWS errors) or whether something must be fixed first.
    """

    retriable: bool = False


class ConfigurationError(FailoverError):
    """An environment variable is missing or malformed; every problem names the variable, value and fix."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("invalid DR failover configuration:\n" + "\n".join(f"- {p}" for p in self.problems))


class InvalidEventError(FailoverError):
    """The invocation event is not an object, or its ``dry_run`` / ``force`` flags are not booleans."""


class StepFailure(FailoverError):
    """A step failed: the run stopped there. The message names the step and says whether it is retriable."""

    def __init__(self, step: str, detail: str, retriable: bool) -> None:
        self.step = step
        self.detail = detail
        self.retriable = retriable
        verdict = (
            "retriable: invoke again (asynchronous invocations are retried automatically); completed steps are skipped"
            if retriable
            else "not retriable: fix the cause, then invoke again"
        )
        super().__init__(f"DR failover step {step} failed ({verdict}): {detail}")


def log_event(level: int, event: str, **fields: Any) -> None:
    """Write one JSON log line (CloudWatch Logs Insights can filter on its keys)."""
    LOGGER.log(level, json.dumps({"event": event, **fields}, default=str, sort_keys=True))


def log_error(error: BaseException) -> None:
    """Structured line for a failure about to be raised: its type, message and the chained cause."""
    cause = error.__cause__
    log_event(
        logging.ERROR,
        "dr_failover_error",
        error_type=type(error).__name__,
        error=str(error),
        retriable=getattr(error, "retriable", None),
        step=getattr(error, "step", None),
        cause_type=type(cause).__name__ if cause is not None else None,
        cause=str(cause) if cause is not None else None,
    )
