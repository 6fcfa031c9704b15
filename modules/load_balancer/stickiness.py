"""Sticky sessions on a target group: the load balancer sends a client back to the task that served it
before. What Socket.IO's HTTP long-polling needs once a service runs two or more tasks (its handshake
and the polls that follow must reach the same process; seed 002: "Sticky sessions: Can route a user to
the same container (for WebSocket)").

`lb_cookie`: the load balancer's own AWSALB cookie; `app_cookie`: the application's cookie, named.
Pure data and checks, shared by the configuration's early check and the load balancer's props check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdktf import Token

STICKINESS_TYPES = ("lb_cookie", "app_cookie")
MAX_DURATION_SECONDS = 7 * 24 * 3600
"""ELB's longest stickiness: 7 days (the shortest is 1 second)."""
RESERVED_COOKIE_PREFIXES = ("AWSALB",)
"""AWSALB, AWSALBAPP and AWSALBTG are the load balancer's own cookies."""
COOKIE_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")
"""A cookie name is an HTTP token (RFC 6265)."""


def stickiness_problem(kind: str, duration_seconds: int, cookie_name: str | None) -> str | None:
    """What ELB would refuse, as a message with the fix; None when sound. Unresolved Terraform tokens (a
    generated module's variables) are left to their validation."""
    if not Token.is_unresolved(kind) and kind not in STICKINESS_TYPES:
        return f"stickiness type {kind!r}; fix: one of {list(STICKINESS_TYPES)}"
    if not Token.is_unresolved(duration_seconds) and not 1 <= duration_seconds <= MAX_DURATION_SECONDS:
        return (f"stickiness duration_seconds {duration_seconds} is outside what ELB accepts; fix: 1 to "
                f"{MAX_DURATION_SECONDS} (7 days), e.g. 86400 for a day")
    if kind == "lb_cookie" and cookie_name is not None:
        return (f"stickiness cookie_name {cookie_name!r} with type lb_cookie, which uses the load balancer's own "
                "cookie; fix: drop cookie_name, or use type app_cookie")
    if kind == "app_cookie":
        if not cookie_name:
            return "stickiness type app_cookie without cookie_name; fix: name the application's session cookie"
        if not Token.is_unresolved(cookie_name) and (
                not COOKIE_NAME.match(cookie_name) or cookie_name.upper().startswith(RESERVED_COOKIE_PREFIXES)):
            return (f"stickiness cookie_name {cookie_name!r} is not a cookie name the application may own; fix: "
                    "letters, digits and -._, not starting with AWSALB (the load balancer's own cookies)")
    return None


@dataclass(frozen=True)
class TargetStickiness:
    type: str = "lb_cookie"
    """'lb_cookie' (the load balancer's cookie) or 'app_cookie' (the application's, cookie_name)."""
    duration_seconds: int = 86400
    """How long a client stays with its target: 1 second to 7 days."""
    cookie_name: str | None = None
    """The application's cookie, for app_cookie only."""

    def __post_init__(self) -> None:
        problem = stickiness_problem(self.type, self.duration_seconds, self.cookie_name)
        if problem:
            raise ValueError(problem)
