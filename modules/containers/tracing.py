"""Distributed tracing for a Fargate service (seed 002: "When a request touches 5 services, which one is slow?"):
an AWS Distro for OpenTelemetry (ADOT) collector runs beside the application's container and sends the spans the
application makes to AWS X-Ray.

Why the ADOT collector and not the X-Ray daemon: AWS put the X-Ray SDKs and daemon in maintenance mode on
25 February 2026 (security fixes only) and points new instrumentation at OpenTelemetry, which is also what
Next.js, Fastify and FastAPI instrument with. This collector accepts both: OpenTelemetry SDKs send OTLP to
127.0.0.1:4318 (or 4317, gRPC), X-Ray SDKs send segments to 127.0.0.1:2000 (UDP) and fetch sampling rules
there (TCP), as they would from the daemon. Every listener binds the task's loopback only: the containers of
a task share it, nothing else in the VPC can feed it spans.

The collector is not essential (its failure stops tracing, never the application), gets its own CPU and memory
carved from the task's fixed Fargate size, logs to the service's log group under its own stream prefix, and the
task role gets exactly X-Ray's write actions. Pure data and checks, shared by the configuration's early check
and the service construct.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cdktf import Token

COLLECTOR_IMAGE = "public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0"
"""AWS's image on public ECR (arm64 and x86_64), pinned: a new collector arrives through a reviewed change. Tasks
in private subnets pull it through their NAT gateway (HTTPS egress, which every workload group allows)."""
COLLECTOR_CONTAINER = "aws-otel-collector"
"""Its container's name in the task, and the stream prefix of its logs (the application's is the service name)."""
COLLECTOR_USER = "4317"
"""The image's own non-root user (aoc)."""
OTLP_HTTP_ENDPOINT = "http://127.0.0.1:4318"
XRAY_DAEMON_ADDRESS = "127.0.0.1:2000"
XRAY_WRITE_ACTIONS = ("xray:GetSamplingRules", "xray:GetSamplingStatisticSummaries", "xray:GetSamplingTargets",
                      "xray:PutTelemetryRecords", "xray:PutTraceSegments")
"""What the collector calls: send segments and telemetry, relay the SDKs' sampling requests. X-Ray defines no
resource types for these actions, so IAM accepts them on "*" only."""
COLLECTOR_CPU_RANGE = (32, 1024)
"""CPU units: 32 is AWS's own figure for a tracing sidecar; a whole vCPU would be a collector for a fleet."""
COLLECTOR_MEMORY_RANGE = (64, 2048)
"""MiB: the collector idles at about 50 MiB, so below 64 it is killed as it starts."""
MEMORY_LIMIT_SHARE, MEMORY_SPIKE_SHARE = 0.8, 0.2
"""Of the collector's memory: where it refuses new spans (limit), and the headroom kept below that (spike). Written
in MiB, not as percentages: the memory limiter does not always see an ECS container's limit."""


def collector_problem(*, sample_percent: float, collector_cpu: int, collector_memory: int) -> str | None:
    """The first collector setting that could not work, as a message naming the value and the fix; None when the
    sampling rate and sizes are sound. A Terraform variable (a generated module's) is left to its own validation."""
    if not Token.is_unresolved(sample_percent) and not 0 < sample_percent <= 100:
        return (f"tracing sample_percent {sample_percent} is not a share of requests; fix: a percentage above 0 and "
                "at most 100, e.g. 5")
    for key, value, (low, high), unit in (("collector_cpu", collector_cpu, COLLECTOR_CPU_RANGE, "CPU units"),
                                          ("collector_memory", collector_memory, COLLECTOR_MEMORY_RANGE, "MiB")):
        if not Token.is_unresolved(value) and not low <= value <= high:
            return f"tracing {key} {value} {unit} is outside what the collector needs; fix: {low} to {high}"
    return None


def task_share_problem(service: str, *, task_cpu: int, task_memory: int, collector_cpu: int,
                       collector_memory: int) -> str | None:
    """Why a service's task cannot hold the collector beside its application, or None (callers name the service).
    Fargate sizes are fixed (modules/containers/sizes.py): the collector's share comes out of the task, at most half."""
    if service == COLLECTOR_CONTAINER:
        return (f"its name {service!r} is the trace collector's container name in the task; fix: rename the service "
                "or set tracing: false on it")
    if any(Token.is_unresolved(size) for size in (task_cpu, task_memory, collector_cpu, collector_memory)):
        return None
    if collector_cpu * 2 > task_cpu or collector_memory * 2 > task_memory:
        return (f"the trace collector's share ({collector_cpu} CPU units, {collector_memory} MiB) would take more "
                f"than half of the task (cpu {task_cpu}, memory {task_memory}); fix: a larger task for the service, "
                "a smaller collector_cpu / collector_memory under compute.tracing, or tracing: false on the service")
    return None


@dataclass(frozen=True)
class TraceCollector:
    """The collector of one service's tasks: how many requests start a trace, and its share of the task."""

    sample_percent: float = 5
    """Share of requests with no trace yet that start one (OpenTelemetry SDKs: parent-based ratio sampling, so a
    call from a sampled request is always traced and traces stay whole across services). X-Ray SDKs follow the
    account's X-Ray sampling rules instead (default: the first request each second and 5 % of the rest)."""
    cpu: int = 64
    """CPU units carved from the task; the application's container gets the rest."""
    memory: int = 128
    """MiB the collector may use at most (its hard limit); the application may use the rest of the task's."""

    def __post_init__(self) -> None:
        problem = collector_problem(sample_percent=self.sample_percent, collector_cpu=self.cpu,
                                    collector_memory=self.memory)
        if problem:
            raise ValueError(problem)

    def problem(self, service: str, task_cpu: int, task_memory: int) -> str | None:
        """Why `service`'s task (cpu units, MiB) cannot hold this collector, or None."""
        return task_share_problem(service, task_cpu=task_cpu, task_memory=task_memory, collector_cpu=self.cpu,
                                  collector_memory=self.memory)

    def application_environment(self, service_name: str) -> dict[str, str]:
        """What points the application's SDK at the collector, names it in X-Ray's service map (with the
        environment's prefix: two environments in one account stay apart) and sets the sampling rate. Metrics and
        logs stay off in the SDK: the collector carries traces only (Container Insights and the log group have
        the rest)."""
        return {
            "AWS_XRAY_DAEMON_ADDRESS": XRAY_DAEMON_ADDRESS, "AWS_XRAY_TRACING_NAME": service_name,
            "OTEL_EXPORTER_OTLP_ENDPOINT": OTLP_HTTP_ENDPOINT, "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
            "OTEL_LOGS_EXPORTER": "none", "OTEL_METRICS_EXPORTER": "none", "OTEL_SERVICE_NAME": service_name,
            "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
            "OTEL_TRACES_SAMPLER_ARG": format(self.sample_percent / 100, "g")}

    def container_definition(self, *, log_group_name: str, region: str) -> dict[str, object]:
        """The collector's container: not essential, read-only, its own user, size and log stream prefix. Its health
        check runs the image's own probe (the image has no shell)."""
        environment = {"AOT_CONFIG_CONTENT": self.configuration(region), "AWS_REGION": region,
                       "GOMEMLIMIT": f"{int(self.memory * MEMORY_LIMIT_SHARE)}MiB"}
        return {
            "name": COLLECTOR_CONTAINER, "image": COLLECTOR_IMAGE, "essential": False, "cpu": self.cpu,
            "memory": self.memory, "readonlyRootFilesystem": True, "user": COLLECTOR_USER,
            "environment": [{"name": k, "value": v} for k, v in sorted(environment.items())],
            "healthCheck": {"command": ["CMD", "/healthcheck"], "interval": 30, "timeout": 5, "retries": 3,
                            "startPeriod": 10},
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": log_group_name, "awslogs-region": region,
                "awslogs-stream-prefix": COLLECTOR_CONTAINER}},
        }

    def configuration(self, region: str) -> str:
        """The collector's configuration (JSON, which YAML reads), passed in AOT_CONFIG_CONTENT: OTLP and X-Ray
        segments in on the loopback, a memory limit, the task's ECS attributes, batches out to X-Ray."""
        limit = int(self.memory * MEMORY_LIMIT_SHARE)
        document = {
            "extensions": {"health_check": {"endpoint": "127.0.0.1:13133"}},
            "receivers": {
                "otlp": {"protocols": {"grpc": {"endpoint": "127.0.0.1:4317"},
                                       "http": {"endpoint": "127.0.0.1:4318"}}},
                "awsxray": {"endpoint": XRAY_DAEMON_ADDRESS, "transport": "udp", "proxy_server": {
                    "endpoint": XRAY_DAEMON_ADDRESS, "region": region, "local_mode": True}}},
            "processors": {
                "memory_limiter": {"check_interval": "1s", "limit_mib": limit,
                                   "spike_limit_mib": int(self.memory * MEMORY_SPIKE_SHARE)},
                "resourcedetection": {"detectors": ["env", "ecs"]},
                "batch/traces": {"timeout": "1s", "send_batch_size": 50}},
            "exporters": {"awsxray": {"region": region, "local_mode": True}},
            "service": {"extensions": ["health_check"], "pipelines": {"traces": {
                "receivers": ["otlp", "awsxray"], "processors": ["memory_limiter", "resourcedetection", "batch/traces"],
                "exporters": ["awsxray"]}}},
        }
        return json.dumps(document, separators=(",", ":"))
