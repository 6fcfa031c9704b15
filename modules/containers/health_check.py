"""A container's own health check, which ECS runs inside the task: the only check a task no load balancer
reaches (a queue worker, a vector database called by one service) ever gets, and the one that replaces a
task whose process runs but no longer works (seed 002: "If the health check passes but the app is broken,
ECS won't know to restart it").

The command runs through the image's shell (CMD-SHELL), so it can only use what the image has: Alpine
images have busybox wget but no curl, and resolve `localhost` to ::1 (use 127.0.0.1). Pure data and checks,
shared by the configuration's early check and the service construct's props check.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import Token

HEALTH_CHECK_RANGES: dict[str, tuple[int, int]] = {
    "interval_seconds": (5, 300), "timeout_seconds": (2, 60), "retries": (1, 10), "start_period_seconds": (0, 300)}
"""What ECS accepts for each setting (RegisterTaskDefinition refuses the rest)."""


def health_check_problem(command: str, **settings: int) -> str | None:
    """The first thing ECS would refuse, or that could never report healthy, as a message with the fix; None when
    the check is sound. Unresolved Terraform tokens (a generated module's variables) are left to their validation."""
    if not Token.is_unresolved(command) and not command.strip():
        return "health check command is empty; fix: a shell command that exits 0 when the app works, e.g. " \
               "wget -q --spider http://127.0.0.1:8080/health"
    known = {key: value for key, value in settings.items() if not Token.is_unresolved(value)}
    for key, value in known.items():
        low, high = HEALTH_CHECK_RANGES[key]
        if not low <= value <= high:
            return f"health check {key} {value} is outside what ECS accepts; fix: {low} to {high}"
    interval, timeout = known.get("interval_seconds"), known.get("timeout_seconds")
    if interval is not None and timeout is not None and timeout >= interval:
        return (f"health check timeout_seconds {timeout} is not below interval_seconds {interval}: a check would "
                "still run when the next one starts; fix: a timeout shorter than the interval, e.g. 5 and 30")
    return None


@dataclass(frozen=True)
class ContainerHealthCheck:
    command: str
    """Shell command run in the container (CMD-SHELL); exit status 0 is healthy."""
    interval_seconds: int = 30
    timeout_seconds: int = 5
    retries: int = 3
    """Failures in a row after which ECS marks the container unhealthy and replaces the task."""
    start_period_seconds: int = 60
    """Boot time during which failures do not count (ECS's own default is none: a slow start would be killed)."""

    def __post_init__(self) -> None:
        problem = health_check_problem(
            self.command, interval_seconds=self.interval_seconds, timeout_seconds=self.timeout_seconds,
            retries=self.retries, start_period_seconds=self.start_period_seconds)
        if problem:
            raise ValueError(problem)

    def container_definition(self) -> dict[str, object]:
        """The `healthCheck` of a container definition. Every setting is written out, defaults too: what ECS
        reports back then equals what was sent, and Terraform plans no change after an apply."""
        return {"command": ["CMD-SHELL", self.command], "interval": self.interval_seconds,
                "timeout": self.timeout_seconds, "retries": self.retries, "startPeriod": self.start_period_seconds}
