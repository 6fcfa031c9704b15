"""Log files a fleet's CloudWatch agent ships to CloudWatch Logs, one log group per file (seed 004: stream
the web servers' logs; seed 003: logs leave the instances, nobody needs SSH to read them).

The rules live here once: the configuration (`compute.fleets.<name>.log_files`) and the construct check
through `log_file_problem`. Paths are absolute, with `*` allowed in the file name only (rotated or dated
files): the directory must be a fixed one, because the agent, which runs as the unprivileged user cwagent,
is granted read access to it by name (`modules/fleet/agent.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LOG_NAME = re.compile(r"[a-z][a-z0-9-]{0,19}")
"""A log's short name: the last segment of its log group's name and part of its output and alarm names."""
LOG_PATH = re.compile(r"/[A-Za-z0-9_.@+-]+(/[A-Za-z0-9_.@+-]+)*/[A-Za-z0-9_.@+*-]+")
"""An absolute path without spaces or shell characters; '*' in the last segment only."""
PATTERN_LIMIT = 1024  # CloudWatch Logs' limit on a metric filter pattern

APACHE_ERROR_PATTERN = '?":error]" ?":crit]" ?":alert]" ?":emerg]"'
"""Apache 2.4 writes the level after the module, `[core:error]`, `[proxy_fcgi:error]`, in lower case: a
filter for the term ERROR (case-sensitive) would never match its error log."""

APACHE_ACCESS_LOG = "/var/log/httpd/access_log"
APACHE_ERROR_LOG = "/var/log/httpd/error_log"
"""Where Apache (httpd) writes on Amazon Linux 2023 and 2, the images every blueprint runs; Debian and Ubuntu's
apache2 writes /var/log/apache2/access.log and error.log, and nginx /var/log/nginx/: list those instead."""


@dataclass(frozen=True)
class FleetLogFile:
    path: str
    """Absolute path on the instance, e.g. /var/log/httpd/error_log; '*' allowed in the file name."""
    name: str
    """Short name: the log group is <log group prefix>/<name>, e.g. /ec2/notebookly-prod/web/error."""
    error_pattern: str | None = "ERROR"
    """CloudWatch Logs filter pattern the ops stack counts and alarms on; None: no filter (an access log, whose
    5xx the load balancer's alarms already count)."""

    def __post_init__(self) -> None:
        problem = log_file_problem(self.path, self.name, self.error_pattern)
        if problem:
            raise ValueError(problem)

    @property
    def directory(self) -> str:
        """The directory the agent needs read access to."""
        return self.path.rsplit("/", 1)[0]


def log_file_problem(path: str, name: str, error_pattern: str | None) -> str | None:
    """What is wrong with one log file entry (naming the value and the fix), or None."""
    if not LOG_NAME.fullmatch(name):
        return (f"log name {name!r} is not 1-20 lower-case letters, digits or hyphens starting with a letter; "
                "fix: e.g. access or app")
    if not LOG_PATH.fullmatch(path) or "/../" in f"{path}/" or "/./" in f"{path}/":
        return (f"log {name!r}: path {path!r} is not an absolute path of letters, digits and ._@+- with '*' only "
                "in the file name; fix: e.g. /var/log/httpd/error_log or /var/log/app/*.log")
    if error_pattern is not None and (not error_pattern.strip() or len(error_pattern) > PATTERN_LIMIT):
        return (f"log {name!r}: error_pattern {error_pattern!r} is empty or longer than {PATTERN_LIMIT} "
                "characters (an empty pattern counts every line); fix: e.g. ERROR, or null for no alarm")
    return None


def duplicate_problem(files: tuple[FleetLogFile, ...] | list[FleetLogFile]) -> str | None:
    """Two entries with one name would share a log group; one path twice would ship every line twice."""
    for attribute in ("name", "path"):
        values = [getattr(f, attribute) for f in files]
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:
            return f"log files repeat the {attribute}(s) {repeated}; fix: give each file its own {attribute}"
    return None


WEB_SERVER_LOGS = (
    FleetLogFile(APACHE_ACCESS_LOG, "access", error_pattern=None),
    FleetLogFile(APACHE_ERROR_LOG, "error", error_pattern=APACHE_ERROR_PATTERN),
)
"""What a fleet behind the load balancer ships unless its configuration lists its own files: the web server's
access log (who asked for what) and error log (with an alarm on errors)."""
