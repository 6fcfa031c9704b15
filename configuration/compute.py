"""The `compute:` section of a blueprint environment: the load balancer and its WAF, golden images,
EC2 fleets, ECS Fargate services and an optional bastion.

Workloads (fleets and services) share one namespace: a listener route names its target workload.
Defaults are the secure ones: HTTPS only, WAF on, IMDSv2, no public IP, no SSH, egress on 443.
Rules that need the rest of the configuration (production, data stores, files) live in
`compute_rules`, called by the schema after the whole document parsed.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, field_validator, model_validator

from configuration.base import Strict
from configuration.data import StoreName

if TYPE_CHECKING:
    from configuration.schema import BlueprintConfig

WorkloadName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{0,19}$")]
HOST_NAME = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
MANAGED_RULE_GROUPS = ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet",
                       "AWSManagedRulesSQLiRuleSet", "AWSManagedRulesAmazonIpReputationList",
                       "AWSManagedRulesAnonymousIpList", "AWSManagedRulesLinuxRuleSet",
                       "AWSManagedRulesUnixRuleSet", "AWSManagedRulesPHPRuleSet")
TLS_POLICIES = ("ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
                "ELBSecurityPolicy-TLS13-1-3-2021-06")
USER_DATA_LIMIT = 16 * 1024  # EC2 refuses user data above 16 KB (before base64)
CLOUDWATCH_AGENT_RESERVE = 3072
"""Bytes of the 16 KB that every fleet's CloudWatch agent start script and MIME framing take (modules/fleet/agent.py,
about 1.5 KB, 2.5 KB with log files in one directory; tests/unit/test_fleet_agent.py and test_fleet_logs.py keep the
two in step)."""
SECRET_REFERENCE = re.compile(r"^(secret|database):[a-z][a-z0-9-]{0,19}$")
SECRET_LOOKING_NAME = re.compile(r"(PASSWORD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)", re.IGNORECASE)


class Certificate(Strict):
    """An ACM certificate validated through DNS records in a Route 53 hosted zone."""

    domain_name: str = Field(description="Main name on the certificate, e.g. notebookly.com.")
    alternative_names: list[str] = Field(default_factory=list, description="More names, e.g. www.notebookly.com.")
    hosted_zone_id: Annotated[str, Field(pattern=r"^Z[A-Z0-9]{4,32}$")] = Field(
        description="Route 53 zone receiving the validation records (listed, not looked up: plans run offline).")

    @field_validator("domain_name", "alternative_names")
    @classmethod
    def _host_names(cls, value: str | list[str]) -> str | list[str]:
        for name in [value] if isinstance(value, str) else value:
            if not HOST_NAME.match(name):
                raise ValueError(f"{name!r} is not a DNS name; fix: write a lower-case name such as app.example.com")
        return value

    @property
    def names(self) -> list[str]:
        return [self.domain_name, *self.alternative_names]

    def covers(self, host: str) -> bool:
        """Whether a request for `host` matches a name on the certificate (wildcards one label deep)."""
        return any(name == host or (name.startswith("*.") and host.split(".", 1)[-1] == name[2:])
                   for name in self.names)


class PlainHttp(Strict):
    """The recorded decision to serve plain HTTP (no domain yet); refused in production."""

    reason: str = Field(min_length=20, description="Why this environment has no certificate, for reviewers.")


class Route(Strict):
    """A listener rule: requests matching all given conditions go to `target` (seed 002's routing table)."""

    priority: Annotated[int, Field(ge=1, le=50000)] = Field(description="Lower numbers are evaluated first.")
    paths: list[str] = Field(default_factory=list, description="Path patterns, e.g. /api/*.")
    hosts: list[str] = Field(default_factory=list, description="Host names, e.g. api.example.com.")
    target: WorkloadName = Field(description="A load-balanced fleet or service.")

    @model_validator(mode="after")
    def _has_condition(self) -> Route:
        if not self.paths and not self.hosts:
            raise ValueError(f"route with priority {self.priority} to {self.target!r} has no paths and no hosts; "
                             "fix: add paths: [/api/*] or hosts: [api.example.com] (the default_target takes the rest)")
        for path in self.paths:
            if not path.startswith("/") or len(path) > 128:
                raise ValueError(f"route path {path!r} must start with / and be at most 128 characters; "
                                 "fix: e.g. /api/*")
        for host in self.hosts:
            if not HOST_NAME.match(host):
                raise ValueError(f"route host {host!r} is not a DNS name; fix: e.g. api.example.com")
        if len(self.paths) + len(self.hosts) > 5:
            raise ValueError(f"route with priority {self.priority} has {len(self.paths) + len(self.hosts)} values; "
                             "an ALB rule takes at most 5; fix: split it into two routes")
        return self


class LoadBalancer(Strict):
    """An internet-facing Application Load Balancer in the public subnets of every AZ."""

    certificate: Certificate | None = Field(default=None, description="HTTPS certificate; required in production.")
    plain_http: PlainHttp | None = Field(
        default=None, description="Serve HTTP without TLS: only without a certificate, never in production.")
    tls_policy: Literal[TLS_POLICIES] = "ELBSecurityPolicy-TLS13-1-2-2021-06"  # type: ignore[valid-type]
    idle_timeout_seconds: Annotated[int, Field(ge=1, le=4000)] = 60
    deletion_protection: bool | None = Field(default=None, description="Default: on in production.")
    default_target: WorkloadName = Field(description="Workload answering requests no route matches.")
    routes: list[Route] = Field(default_factory=list)
    log_retention_days: Annotated[int, Field(ge=1, le=3650)] = Field(
        default=365, description="Days ALB access logs are kept in their bucket.")

    @model_validator(mode="after")
    def _listener(self) -> LoadBalancer:
        if self.certificate is None and self.plain_http is None:
            raise ValueError("compute.load_balancer has no certificate; fix: add certificate {domain_name, "
                             "hosted_zone_id}, or record the decision to serve plain HTTP with "
                             "plain_http: {reason: ...}")
        if self.certificate is not None and self.plain_http is not None:
            raise ValueError("compute.load_balancer has both certificate and plain_http; fix: remove plain_http "
                             "(with a certificate, HTTP only redirects to HTTPS)")
        priorities = [r.priority for r in self.routes]
        if len(set(priorities)) != len(priorities):
            raise ValueError(f"route priorities {priorities} repeat; fix: give every route its own priority")
        return self


class RateLimit(Strict):
    requests: Annotated[int, Field(ge=10, le=2_000_000_000)] = Field(
        description="Requests one IP may make per window before WAF blocks it.")
    window_seconds: Literal[60, 120, 300, 600] = Field(
        default=60, description="WAF's evaluation window; seed 002's '100 per minute' is 100 over 60 s.")


class Waf(Strict):
    """An AWS WAFv2 web ACL on the load balancer."""

    managed_rule_groups: list[str] = Field(
        default_factory=lambda: ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet",
                                 "AWSManagedRulesSQLiRuleSet", "AWSManagedRulesAmazonIpReputationList",
                                 "AWSManagedRulesAnonymousIpList"],
        description="AWS managed rule groups, evaluated in this order.")
    rate_limit: RateLimit | None = Field(default_factory=lambda: RateLimit(requests=100))
    blocked_countries: list[Annotated[str, Field(pattern=r"^[A-Z]{2}$")]] = Field(
        default_factory=list, description="ISO 3166 country codes whose requests are blocked.")
    log_retention_days: int = 365

    @field_validator("managed_rule_groups")
    @classmethod
    def _known_groups(cls, values: list[str]) -> list[str]:
        unknown = [v for v in values if v not in MANAGED_RULE_GROUPS]
        if unknown:
            raise ValueError(f"unknown managed rule group(s) {unknown}; fix: use any of {list(MANAGED_RULE_GROUPS)}")
        if len(set(values)) != len(values):
            raise ValueError(f"managed_rule_groups lists a group twice: {values}; fix: list each once")
        return values


class ImagePipeline(Strict):
    """An EC2 Image Builder pipeline baking the golden image (seed 000: an AMI before anything else)."""

    component: str = Field(description="Image Builder component document (YAML), a path relative to the "
                           "blueprint's folder, e.g. files/lamp-component.yaml.")
    schedule: str = Field(default="cron(0 3 ? * SUN *)", description="When to rebuild with the latest patches.")
    instance_types: list[str] = Field(default_factory=lambda: ["t3.medium"])
    distribute_to_secondary: bool | None = Field(
        default=None, description="Copy each image to regions.secondary for DR. Default: on when it is set.")

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        if not re.fullmatch(r"cron\(\S+ \S+ \S+ \S+ \S+ \S+\)", value):
            raise ValueError(f"{value!r} is not an EventBridge cron expression; fix: e.g. cron(0 3 ? * SUN *)")
        return value


class Image(Strict):
    """The AMI a fleet runs: a fixed id, and optionally the pipeline that replaces it with golden images."""

    ami_id: Annotated[str, Field(pattern=r"^ami-[0-9a-f]{8,17}$")] = Field(
        description="AMI the fleets start from (Amazon Linux 2023 in the primary region); with a pipeline, "
        "each golden image replaces it through an SSM parameter.")
    pipeline: ImagePipeline | None = None


class Scaling(Strict):
    """How a fleet or service scales: target tracking on CPU by default; `step` scales on thresholds
    with asymmetric cooldowns (seed 004: out above 70 % for 5 min, in below 30 % for 15 min;
    seed 002: out after 60 s, in after 300 s); `queue_depth` scales workers on waiting messages."""

    policy: Literal["target_tracking", "step"] = "target_tracking"
    metric: Literal["cpu", "queue_depth"] = "cpu"
    queue: StoreName | None = Field(default=None, description="The data.queues entry, for metric queue_depth.")
    target: Annotated[float, Field(gt=0, le=100)] = Field(default=50, description="Target CPU percent.")
    scale_out_above: Annotated[float, Field(gt=0)] | None = None
    scale_out_after_seconds: Annotated[int, Field(ge=60, le=86400)] = 60
    scale_in_below: Annotated[float, Field(ge=0)] | None = None
    scale_in_after_seconds: Annotated[int, Field(ge=60, le=86400)] = 300
    scale_out_cooldown_seconds: Annotated[int, Field(ge=0, le=3600)] = 60
    scale_in_cooldown_seconds: Annotated[int, Field(ge=0, le=3600)] = 300

    @model_validator(mode="after")
    def _consistent(self) -> Scaling:
        if self.metric == "queue_depth" and (self.policy != "step" or not self.queue):
            raise ValueError("scaling on queue_depth needs policy: step and queue: <data.queues name>; "
                             "fix: set both (target tracking on raw queue depth would never settle)")
        if self.policy == "step":
            if self.scale_out_above is None or self.scale_in_below is None:
                raise ValueError("step scaling needs scale_out_above and scale_in_below; fix: e.g. 70 and 30")
            if self.scale_in_below >= self.scale_out_above:
                raise ValueError(f"scale_in_below ({self.scale_in_below}) is not below scale_out_above "
                                 f"({self.scale_out_above}); the fleet would flap; fix: leave a gap, e.g. 30 and 70")
            if self.metric == "cpu" and self.scale_out_above > 100:
                raise ValueError(f"scale_out_above {self.scale_out_above} is above 100 % CPU; fix: e.g. 70")
        for key in ("scale_out_after_seconds", "scale_in_after_seconds"):
            if getattr(self, key) % 60:
                raise ValueError(f"{key} {getattr(self, key)} is not a whole number of minutes (alarms evaluate "
                                 "60-second periods); fix: use a multiple of 60")
        return self


class OffHours(Strict):
    """Scale to zero outside working hours: a cost option for non-production environments."""

    stop: str = Field(default="0 20 * * MON-FRI", description="Cron (UTC unless time_zone) when capacity goes to 0.")
    start: str = Field(default="0 7 * * MON-FRI", description="Cron when the configured capacity returns.")
    time_zone: str = "UTC"

    @field_validator("stop", "start")
    @classmethod
    def _cron(cls, value: str) -> str:
        if len(value.split()) != 5:
            raise ValueError(f"{value!r} is not a five-field cron expression; fix: e.g. 0 20 * * MON-FRI")
        return value


class Capacity(Strict):
    min_size: Annotated[int, Field(ge=0, le=1000)] = 2
    max_size: Annotated[int, Field(ge=1, le=1000)] = 4
    desired: Annotated[int, Field(ge=0, le=1000)] | None = Field(default=None, description="Default: min_size.")
    off_hours: OffHours | None = Field(default=None, description="Scale to zero at night (non-production only).")

    @model_validator(mode="after")
    def _ordered(self) -> Capacity:
        if self.min_size > self.max_size:
            raise ValueError(f"min_size {self.min_size} is above max_size {self.max_size}; fix: raise max_size")
        if self.desired is not None and not self.min_size <= self.desired <= self.max_size:
            raise ValueError(f"desired {self.desired} is outside min_size..max_size "
                             f"({self.min_size}..{self.max_size}); fix: pick a value in that range or remove desired")
        return self

    @property
    def desired_count(self) -> int:
        return self.min_size if self.desired is None else self.desired


class LogFile(Strict):
    """A log file on a fleet's instances that the CloudWatch agent ships to a KMS-encrypted log group of its own,
    /ec2/<project>-<environment>/<fleet>/<name> (rules: modules/fleet/logs.py)."""

    path: str = Field(description="Absolute path on the instance, e.g. /var/log/httpd/error_log; '*' is allowed in "
                      "the file name only (e.g. /var/log/app/*.log), the directory is opened to the agent by name.")
    name: str = Field(description="Short name, 1-20 of a-z, 0-9 and '-': the last segment of the log group's name.")
    error_pattern: str | None = Field(
        default="ERROR", description="CloudWatch Logs filter pattern whose matches the ops stack counts, with an "
        "alarm on any (seed 004's ERROR filter); null: no filter, e.g. for an access log, whose 5xx the load "
        "balancer's alarms already count.")

    @model_validator(mode="after")
    def _valid(self) -> LogFile:
        from modules.fleet.logs import log_file_problem  # the rules, kept once

        problem = log_file_problem(self.path, self.name, self.error_pattern)
        if problem:
            raise ValueError(problem)
        return self


class Patching(Strict):
    """AWS Systems Manager Patch Manager for a fleet (seed 004): AWS-RunPatchBaseline on every instance of the
    group, one in four at a time, on a schedule (modules/fleet/patching.py)."""

    schedule: str = Field(default="cron(0 3 ? * SUN *)", description="When, as a State Manager cron expression in "
                          "UTC: weekly by default (Sundays 03:00), when fleets run at their minimum; a fleet with "
                          "off_hours needs a time within its hours. rate(...) is refused: State Manager would also "
                          "run it on every new instance while it boots.")
    install: bool = Field(default=True, description="Install missing security updates; false only scans and "
                          "reports them in Patch Manager's compliance view.")
    reboot: bool = Field(default=True, description="Reboot an instance when an update needs it (a new kernel or "
                         "library takes effect only then); false leaves the reboot pending.")

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        from modules.fleet.patching import schedule_problem  # the rules, kept once

        problem = schedule_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class Fleet(Capacity):
    """An Auto Scaling group of EC2 instances in the private-app subnets of every AZ."""

    image: WorkloadName = Field(description="A compute.images entry.")
    instance_type: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")] = "t3.small"
    port: Annotated[int, Field(ge=1, le=65535)] | None = Field(
        default=80, description="Port the load balancer sends traffic to; None for workers with no load balancer.")
    health_check_path: str = "/health"
    health_check_grace_seconds: Annotated[int, Field(ge=0, le=7200)] = 300
    user_data: str | None = Field(default=None, description="Boot script, a path relative to the blueprint folder.")
    root_volume_gb: Annotated[int, Field(ge=8, le=16384)] = 20
    scaling: Scaling = Field(default_factory=Scaling)
    log_files: list[LogFile] | None = Field(
        default=None, description="Files the CloudWatch agent ships to CloudWatch Logs, one log group each. Default "
        "(null): a fleet with a port ships its web server's logs, Apache's /var/log/httpd/access_log and error_log "
        "(the error log with an alarm on its [error], [crit], [alert] and [emerg] lines), so nobody needs a shell "
        "on an instance to read them; a worker ships none. List your own (nginx, the app's) to replace them; [] "
        "ships nothing.")
    log_retention_days: int = Field(default=365, description="Days the log groups keep the shipped lines (a "
                                    "CloudWatch retention period).")
    patching: Patching | None = Field(
        default_factory=Patching, description="Patch Manager installs security updates on the instances, weekly by "
        "default; null turns it off (only when an image pipeline rebuilds and replaces the instances as often).")

    @model_validator(mode="after")
    def _logs(self) -> Fleet:
        from modules.fleet.logs import duplicate_problem  # the rules, kept once

        problem = duplicate_problem(self.shipped_logs)
        if problem:
            raise ValueError(problem)
        return self

    @property
    def shipped_logs(self) -> list:
        """The fleet's log files (modules.fleet.FleetLogFile): as configured, or the web server's with a port."""
        from modules.fleet.logs import WEB_SERVER_LOGS, FleetLogFile

        if self.log_files is None:
            return list(WEB_SERVER_LOGS) if self.port is not None else []
        return [FleetLogFile(path=f.path, name=f.name, error_pattern=f.error_pattern) for f in self.log_files]


class FileSystemMount(Strict):
    file_system: StoreName = Field(description="A data.file_systems entry.")
    access_point: StoreName
    container_path: Annotated[str, Field(pattern=r"^/[A-Za-z0-9_./-]+$")]


class HealthCheck(Strict):
    """A service container's own health check, run by ECS inside the task (seed 002's task definition:
    `wget -q --spider http://127.0.0.1:6000/health`). Unlike the target group's check (health_check_path) it
    also covers services the load balancer never reaches, and ECS replaces a task whose check keeps failing.
    The command runs in the image's shell with what the image has: Alpine has wget, not curl, and resolves
    localhost to ::1 (use 127.0.0.1)."""

    command: str = Field(description="Shell command (CMD-SHELL) that exits 0 when the app works; hit an endpoint "
                         "that touches its dependencies, not only the open port (seed 002).")
    interval_seconds: int = Field(default=30, description="Seconds between checks (ECS: 5 to 300).")
    timeout_seconds: int = Field(default=5, description="Seconds a check may take, below the interval (ECS: 2 to 60).")
    retries: int = Field(default=3, description="Failures in a row that make the container unhealthy (ECS: 1 to 10).")
    start_period_seconds: int = Field(default=60, description="Boot time whose failures do not count (ECS: 0 to "
                                      "300); too short and a slow start is killed before it serves.")

    @model_validator(mode="after")
    def _accepted_by_ecs(self) -> HealthCheck:
        from modules.containers.health_check import health_check_problem  # ECS's ranges, kept once

        problem = health_check_problem(
            self.command, interval_seconds=self.interval_seconds, timeout_seconds=self.timeout_seconds,
            retries=self.retries, start_period_seconds=self.start_period_seconds)
        if problem:
            raise ValueError(problem)
        return self


class Stickiness(Strict):
    """Sticky sessions on a load-balanced service's target group: a client goes back to the task that served
    it. Socket.IO's HTTP long-polling needs it once a service runs two or more tasks (seed 002: sticky sessions
    for WebSocket); stateless services are better balanced request by request, so it is off unless set."""

    type: Literal["lb_cookie", "app_cookie"] = Field(
        default="lb_cookie", description="lb_cookie: the load balancer's AWSALB cookie; app_cookie: the "
        "application's own cookie (cookie_name).")
    duration_seconds: int = Field(default=86400, description="How long a client stays with its task (1 s to 7 "
                                  "days); ELB's default is a day.")
    cookie_name: str | None = Field(default=None, description="The application's cookie, for app_cookie only.")

    @model_validator(mode="after")
    def _accepted_by_elb(self) -> Stickiness:
        from modules.load_balancer.stickiness import stickiness_problem  # ELB's rules, kept once

        problem = stickiness_problem(self.type, self.duration_seconds, self.cookie_name)
        if problem:
            raise ValueError(problem)
        return self


class Tracing(Strict):
    """Distributed tracing for the Fargate services (seed 002: "When a request touches 5 services, which one is
    slow?"): an AWS Distro for OpenTelemetry collector beside each service's container sends the spans the
    application makes to AWS X-Ray, and the application's container is told where it listens (OTLP on
    127.0.0.1:4318, X-Ray segments on 127.0.0.1:2000). One switch for every service, because a trace is only
    whole when every service it crosses takes part; a service whose image nobody instruments opts out with
    tracing: false. Off unless set: spans appear only once the application's code is instrumented (an
    OpenTelemetry or X-Ray SDK), while the collector's share of every task is taken from the start
    (rules: modules/containers/tracing.py)."""

    sample_percent: float = Field(
        default=5, description="Percent of requests arriving without a trace that start one (5: X-Ray's own default "
        "rate). Applied by OpenTelemetry SDKs, parent-based: a call made while serving a sampled request is always "
        "traced, so a trace stays whole across services. X-Ray SDKs follow the account's X-Ray sampling rules.")
    collector_cpu: int = Field(
        default=64, description="CPU units (1024 = one vCPU) each task gives its collector; the application's "
        "container gets the rest of the task's. At most half the task.")
    collector_memory: int = Field(
        default=128, description="MiB the collector may use at most (its hard limit), within the task's memory; "
        "it idles at about 50. At most half the task.")

    @model_validator(mode="after")
    def _workable(self) -> Tracing:
        from modules.containers.tracing import collector_problem  # the collector's rules, kept once

        problem = collector_problem(sample_percent=self.sample_percent, collector_cpu=self.collector_cpu,
                                    collector_memory=self.collector_memory)
        if problem:
            raise ValueError(problem)
        return self


class Service(Capacity):
    """An ECS Fargate service in the private-app subnets, with its ECR repository."""

    image_tag: Annotated[str, Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")] = Field(
        default="initial", description="Tag deployed from the service's repository (tags are immutable).")
    image: str | None = Field(default=None, description="A full image reference instead of the service's repository.")
    port: Annotated[int, Field(ge=1, le=65535)] | None = Field(
        default=None, description="Container port; None for a worker that listens on nothing.")
    load_balanced: bool = Field(default=True, description="With a port: reachable through the load balancer.")
    health_check_path: str = "/health"
    health_check_grace_seconds: Annotated[int, Field(ge=0, le=2147483647)] = 60
    health_check: HealthCheck | None = Field(
        default=None, description="The container's own check, run by ECS in the task. Default none: ECS only "
        "sees the process run (behind the load balancer its target group still checks health_check_path).")
    stickiness: Stickiness | None = Field(
        default=None, description="Sticky sessions on the service's target group (load-balanced services only). "
        "Default none: every request is balanced on its own.")
    cpu: Literal[256, 512, 1024, 2048, 4096] = 256
    memory: int = 512
    architecture: Literal["arm64", "x86_64"] = Field(default="arm64", description="arm64 runs on Graviton.")
    spot: bool = Field(default=False, description="Run on Fargate Spot (interruptible queue workers).")
    secrets: dict[Annotated[str, Field(pattern=r"^[A-Z_][A-Z0-9_]*$")], str] = Field(
        default_factory=dict, description="Environment variable -> secret:<data.secrets name> or "
        "database:<data.databases/aurora name>; injected by ECS, never written in plain text.")
    environment: dict[Annotated[str, Field(pattern=r"^[A-Z_][A-Z0-9_]*$")], str] = Field(default_factory=dict)
    read_only_root_filesystem: bool = True
    user: Annotated[str, Field(pattern=r"^[0-9]+(:[0-9]+)?$")] = Field(
        default="1000", description="Numeric uid[:gid] the container runs as; never root.")
    callers: list[WorkloadName] = Field(default_factory=list, description="Services that may call this one.")
    file_system: FileSystemMount | None = None
    log_retention_days: int = 365
    keep_images: Annotated[int, Field(ge=1, le=1000)] = 20
    scaling: Scaling = Field(default_factory=Scaling)
    tracing: bool | None = Field(
        default=None, description="Whether the service's tasks run compute.tracing's collector. Default (null): "
        "they do when compute.tracing is set; false leaves this service out (an image nobody instruments, such as a "
        "third-party database); true insists, and needs compute.tracing.")

    @model_validator(mode="after")
    def _task(self) -> Service:
        from modules.containers.sizes import FARGATE_MEMORY  # Fargate's table, kept once

        if self.memory not in FARGATE_MEMORY[self.cpu]:
            choices = FARGATE_MEMORY[self.cpu]
            raise ValueError(f"memory {self.memory} MiB is not valid with cpu {self.cpu} on Fargate; "
                             f"fix: use one of {choices[0]}..{choices[-1]} ({list(choices)[:6]}...)")
        if self.user.split(":")[0] == "0":
            raise ValueError("user 0 runs the container as root; fix: use the image's non-root uid, e.g. 1000")
        for name, reference in self.secrets.items():
            if not SECRET_REFERENCE.match(reference):
                raise ValueError(f"secret {name}={reference!r} is not secret:<name> or database:<name>; "
                                 "fix: e.g. secret:jwt-signing-key")
        if self.stickiness and not self.behind_load_balancer:
            raise ValueError("stickiness is set on a service the load balancer does not reach (no port, or "
                             "load_balanced: false); fix: remove stickiness, or give the service a port behind "
                             "the load balancer")
        leaked = [name for name in self.environment if SECRET_LOOKING_NAME.search(name)]
        if leaked:
            raise ValueError(f"environment variable(s) {leaked} look like secrets; fix: move them to secrets "
                             "(secret:<data.secrets name>), which ECS injects from Secrets Manager")
        return self

    @property
    def behind_load_balancer(self) -> bool:
        return self.port is not None and self.load_balanced


class Bastion(Strict):
    """An SSH jump host in a public subnet (seeds 000, 003). Session Manager needs none: opt in."""

    allowed_cidrs: list[str] = Field(min_length=1, description="Only these ranges may reach port 22.")
    key_name: str = Field(min_length=1, description="EC2 key pair holding the operators' public key.")
    image: WorkloadName = Field(description="A compute.images entry.")
    instance_type: str = "t3.micro"

    @field_validator("allowed_cidrs")
    @classmethod
    def _narrow(cls, values: list[str]) -> list[str]:
        for value in values:
            try:
                network = ipaddress.ip_network(value, strict=True)
            except ValueError as error:
                raise ValueError(f"bastion allowed_cidrs entry {value!r} is not a CIDR ({error}); "
                                 "fix: write e.g. 203.0.113.0/24") from None
            if network.prefixlen < 16:
                raise ValueError(f"bastion allowed_cidrs entry {value!r} opens SSH to {network.num_addresses} "
                                 "addresses; fix: list your office or VPN ranges (/16 or narrower)")
        return values


class Compute(Strict):
    load_balancer: LoadBalancer | None = None
    waf: Waf | None = Field(default_factory=Waf, description="Web ACL on the load balancer; null turns it off.")
    images: dict[WorkloadName, Image] = Field(default_factory=dict)
    fleets: dict[WorkloadName, Fleet] = Field(default_factory=dict)
    services: dict[WorkloadName, Service] = Field(default_factory=dict)
    bastion: Bastion | None = None
    http_egress: bool = Field(default=False, description="Let workloads reach port 80 on the internet as well as "
                              "443 (package mirrors without TLS). DNS goes to the VPC resolver only.")
    container_insights: Literal["enabled", "enhanced"] = "enhanced"
    tracing: Tracing | None = Field(
        default=None, description="Traces of the services' requests in AWS X-Ray, through a collector in every "
        "task (compute.services.<name>.tracing opts one out). Default none: tracing costs each task the "
        "collector's share and is worth it once the application is instrumented.")

    @model_validator(mode="after")
    def _references(self) -> Compute:
        both = set(self.fleets) & set(self.services)
        if both:
            raise ValueError(f"{sorted(both)} name both a fleet and a service; fix: rename one (routes name workloads)")
        for name, fleet in self.fleets.items():
            if fleet.image not in self.images:
                raise ValueError(f"compute.fleets.{name}.image {fleet.image!r} is not under compute.images "
                                 f"{sorted(self.images)}; fix: add it there or use one of those")
        if self.bastion and self.bastion.image not in self.images:
            raise ValueError(f"compute.bastion.image {self.bastion.image!r} is not under compute.images; fix: add it")
        balanced = self.load_balanced_workloads
        lb = self.load_balancer
        if lb is None:
            if balanced:
                raise ValueError(f"workloads {sorted(balanced)} expect a load balancer; fix: add compute.load_balancer "
                                 "or set their port to null (fleets) / load_balanced: false (services)")
        else:
            for target in [lb.default_target, *(r.target for r in lb.routes)]:
                if target not in balanced:
                    raise ValueError(f"load balancer target {target!r} is not a load-balanced fleet or service "
                                     f"{sorted(balanced)}; fix: name one of those, or give it a port")
            if lb.certificate:
                uncovered = [h for r in lb.routes for h in r.hosts if not lb.certificate.covers(h)]
                if uncovered:
                    raise ValueError(f"route hosts {uncovered} are not on the certificate {lb.certificate.names}; "
                                     "HTTPS clients would be refused; fix: add them to certificate.alternative_names")
        for name, service in self.services.items():
            unknown = [c for c in service.callers if c not in self.services]
            if unknown or (service.callers and service.port is None):
                raise ValueError(f"compute.services.{name}.callers {service.callers} need a port on {name} and "
                                 f"must name services {sorted(self.services)}; fix: correct the list")
        self._tracing_fits()
        return self

    def _tracing_fits(self) -> None:
        from modules.containers.tracing import task_share_problem  # the collector's rules, kept once

        tracing = self.tracing
        if tracing is not None and not self.services:
            raise ValueError("compute.tracing is set, but there are no compute.services: the collector runs in "
                             "Fargate tasks only (fleets get none); fix: remove compute.tracing")
        for name, service in self.services.items():
            if service.tracing and tracing is None:
                raise ValueError(f"compute.services.{name}.tracing is true, but compute.tracing is not set; fix: add "
                                 "compute.tracing: {} (or remove tracing: true from the service)")
            if tracing is None or name not in self.traced_services:
                continue
            problem = task_share_problem(name, task_cpu=service.cpu, task_memory=service.memory,
                                         collector_cpu=tracing.collector_cpu, collector_memory=tracing.collector_memory)
            if problem:
                raise ValueError(f"compute.services.{name}: {problem}")

    @property
    def traced_services(self) -> list[str]:
        """Services whose tasks run the trace collector: all of them with compute.tracing, but those set to false."""
        if self.tracing is None:
            return []
        return [name for name, service in self.services.items() if service.tracing is not False]

    @property
    def load_balanced_workloads(self) -> dict[str, int]:
        """Workloads the load balancer sends traffic to, with their ports."""
        ports = {n: f.port for n, f in self.fleets.items() if f.port is not None}
        ports.update({n: s.port for n, s in self.services.items() if s.behind_load_balancer and s.port})
        return ports

    @property
    def is_empty(self) -> bool:
        return not (self.load_balancer or self.fleets or self.services or self.bastion)


def blueprint_file(config: BlueprintConfig, relative: str) -> Path:
    """A file named in the configuration: relative paths are resolved against the blueprint's folder."""
    from configuration.loader import BLUEPRINTS_DIR

    path = Path(relative)
    return path if path.is_absolute() else BLUEPRINTS_DIR / config.blueprint / path


def compute_rules(config: BlueprintConfig) -> None:
    """Rules that tie the compute section to production, the data stores and files on disk."""
    compute, data = config.compute, config.data
    queues_needed = {f"compute.{kind}.{name}": w.scaling.queue
                     for kind, workloads in (("fleets", compute.fleets), ("services", compute.services))
                     for name, w in workloads.items() if w.scaling.queue}
    for key, queue in queues_needed.items():
        if queue not in data.queues:
            raise ValueError(f"{key}.scaling.queue {queue!r} is not under data.queues {sorted(data.queues)}; "
                             "fix: add the queue or name an existing one")
    for name, service in compute.services.items():
        for variable, reference in service.secrets.items():
            kind, store = reference.split(":")
            stores = data.secrets if kind == "secret" else {**data.databases, **data.aurora}
            if store not in stores:
                raise ValueError(f"compute.services.{name}.secrets.{variable} refers to {reference!r}, but there is "
                                 f"no such {'data.secrets' if kind == 'secret' else 'database'} entry "
                                 f"{sorted(stores)}; fix: add it under data or correct the name")
        mount = service.file_system
        if mount:
            system = data.file_systems.get(mount.file_system)
            if system is None or mount.access_point not in system.access_points:
                raise ValueError(f"compute.services.{name}.file_system names {mount.file_system}/{mount.access_point}, "
                                 "which is not a data.file_systems entry with that access point; fix: add it under "
                                 "data.file_systems")
    files = [(f"compute.fleets.{n}.user_data", f.user_data) for n, f in compute.fleets.items() if f.user_data]
    files += [(f"compute.images.{n}.pipeline.component", i.pipeline.component)
              for n, i in compute.images.items() if i.pipeline]
    for key, relative in files:
        path = blueprint_file(config, relative)
        if not path.is_file():
            raise ValueError(f"{key} {relative!r} does not exist (looked for {path}); fix: create the file or "
                             "correct the path (relative to the blueprint's folder)")
        if key.endswith("user_data") and path.stat().st_size > USER_DATA_LIMIT - CLOUDWATCH_AGENT_RESERVE:
            raise ValueError(f"{key} {relative!r} is {path.stat().st_size} bytes; EC2 accepts 16 KB of user data, "
                             f"{CLOUDWATCH_AGENT_RESERVE} bytes of which start the CloudWatch agent; fix: bake the "
                             "software into the image (compute.images) and keep the script short")
    from configuration.schema import LOG_RETENTION_DAYS

    retentions = {f"compute.services.{n}.log_retention_days": s.log_retention_days for n, s in compute.services.items()}
    retentions.update({f"compute.fleets.{n}.log_retention_days": f.log_retention_days
                       for n, f in compute.fleets.items()})
    if compute.waf is not None:
        retentions["compute.waf.log_retention_days"] = compute.waf.log_retention_days
    for key, days in retentions.items():
        if days not in LOG_RETENTION_DAYS:
            raise ValueError(f"{key} {days} is not a CloudWatch retention period; fix: use one of {LOG_RETENTION_DAYS}")
    for name, fleet in compute.fleets.items() if not config.is_production else ():  # production: no off_hours
        if fleet.off_hours and fleet.patching and fleet.patching.schedule == Patching().schedule:
            raise ValueError(f"compute.fleets.{name}.patching.schedule {fleet.patching.schedule!r} is Sunday night, "
                             "when off_hours has the fleet at zero: no instance would ever be patched; fix: a time "
                             "within its hours, e.g. patching: {schedule: 'cron(0 12 ? * WED *)'}")
    if not config.is_production:
        return
    lb = compute.load_balancer
    if lb is not None and lb.certificate is None:
        raise ValueError("compute.load_balancer serves plain HTTP in production; fix: add certificate "
                         "{domain_name, hosted_zone_id} and remove plain_http")
    if lb is not None and compute.waf is None:
        raise ValueError("compute.waf is off in production; fix: remove 'waf: null' (the managed rules and rate "
                         "limit are the production default)")
    for kind, workloads in (("fleets", compute.fleets), ("services", compute.services)):
        for name, workload in workloads.items():
            if workload.off_hours:
                raise ValueError(f"compute.{kind}.{name}.off_hours scales production to zero; fix: remove it "
                                 "(off_hours is a cost option for non-production environments)")
            if name in compute.load_balanced_workloads and workload.min_size < 2:
                raise ValueError(f"compute.{kind}.{name}.min_size is {workload.min_size} in production: one AZ "
                                 "outage would take it down; fix: min_size: 2 or more")
