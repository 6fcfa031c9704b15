"""Time, injectable: the run reads the wall clock, measures durations and sleeps only through a ``Clock``.

Tests pass a fake clock whose ``sleep`` advances time instantly, so waits of minutes run in microseconds.
``wait_until`` is the one polling loop every step uses: check, and if not there yet, sleep and check again
until a deadline, then report how far it got (the timeline says what was reached, not just "timeout").
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone


class Clock:
    """The real clock (UTC wall time, a monotonic counter for durations and deadlines, and sleep)."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def iso(moment: datetime) -> str:
    """UTC ISO 8601 with a Z and whole milliseconds: 2026-11-21T07:05:00.123Z."""
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def human_duration(seconds: float) -> str:
    """7m12s, 45s, 1h02m03s: short enough for an SNS subject."""
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


@dataclass
class WaitTimeout(Exception):
    """The condition did not hold before the deadline; ``progress`` is the last observation."""

    what: str
    progress: str
    waited_seconds: float
    limited_by_lambda: bool

    def __str__(self) -> str:
        why = "the Lambda invocation's remaining time" if self.limited_by_lambda else "WAIT_TIMEOUT_SECONDS"
        return (
            f"gave up waiting for {self.what} after {human_duration(self.waited_seconds)} ({why}); "
            f"reached: {self.progress}"
        )


def wait_until(
    check: Callable[[], tuple[bool, str]],
    *,
    clock: Clock,
    timeout: float,
    poll: float,
    what: str,
    hard_deadline: float | None = None,
) -> str:
    """Call ``check`` until it returns ``(True, progress)``; returns that progress text.

    ``timeout`` is this wait's own limit; ``hard_deadline`` (a ``clock.monotonic()`` value) is the latest the
    run may wait at all, so a wait never outlives the Lambda invocation and the failure can still be reported.
    Exceptions from ``check`` propagate: an API error is a failure, not "not yet".
    """
    started = clock.monotonic()
    deadline = started + timeout
    limited_by_lambda = hard_deadline is not None and hard_deadline < deadline
    if hard_deadline is not None:
        deadline = min(deadline, hard_deadline)
    while True:
        done, progress = check()
        if done:
            return progress
        now = clock.monotonic()
        if now >= deadline:
            raise WaitTimeout(what, progress, now - started, limited_by_lambda)
        clock.sleep(max(0.0, min(poll, deadline - now)))
