"""The alarms each kind of resource gets, as `AlarmSpec`s, with the seeds' thresholds as arguments.

Every alarm states why its missing data means what it says:
- notBreaching: the metric is only published when something happens (requests, errors, messages,
  evictions) or when instances run (a fleet scaled to zero at night), so no data is healthy.
- breaching: the metric is always published while the resource exists (RDS CPU and storage, cache
  CPU, Auto Scaling group metrics, Container Insights task counts); silence means it is gone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from cdktf import Fn, Op, Token

from modules.monitoring.alarms import AlarmSpec, Metric
from modules.monitoring.limits import GIB, max_connections
from modules.tokens import number_text

NO_DATA_IS_HEALTHY = "notBreaching"
NO_DATA_IS_DOWN = "breaching"


class PublishedMetric(Protocol):
    """Where a publisher's own metric lives, as the publisher describes it (e.g. `modules.fleet.disk_used_metric`
    for the CloudWatch agent), so the alarm does not repeat its namespace and name."""

    @property
    def namespace(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def dimensions(self) -> Mapping[str, str]: ...


def load_balancer_alarms(arn_suffix: str, target_groups: Mapping[str, str], http_5xx_percent: float,
                         latency_p95_seconds: float) -> list[AlarmSpec]:
    """5xx rate (metric math over the load balancer's and the targets' 5xx), p95 latency, and
    unhealthy hosts per target group. `target_groups`: workload name -> target group ARN suffix."""
    lb = {"LoadBalancer": arn_suffix}
    percent, latency = number_text(http_5xx_percent, "g"), number_text(latency_p95_seconds, "g")

    def count(name: str) -> Metric:
        return Metric("AWS/ApplicationELB", name, lb, "Sum")

    alarms = [
        AlarmSpec(
            key="alb-5xx-rate", threshold=http_5xx_percent, comparison="GreaterThanThreshold",
            description=f"More than {percent} % of requests answered 5xx (load balancer or targets) in 3 "
                        "of 5 minutes. Look at target health, the latest deployment and the application logs.",
            expression="100 * (FILL(elb5xx, 0) + FILL(target5xx, 0)) / requests",
            metrics={"requests": count("RequestCount"), "elb5xx": count("HTTPCode_ELB_5XX_Count"),
                     "target5xx": count("HTTPCode_Target_5XX_Count")},
            evaluation_periods=5, datapoints_to_alarm=3, treat_missing_data=NO_DATA_IS_HEALTHY),
        AlarmSpec(
            key="alb-latency-p95", threshold=latency_p95_seconds, comparison="GreaterThanThreshold",
            description=f"95th percentile response time above {latency} s in 3 of 5 minutes. Look at "
                        "database load, CPU of the workloads and slow queries.",
            metric=Metric("AWS/ApplicationELB", "TargetResponseTime", lb, "p95"),
            evaluation_periods=5, datapoints_to_alarm=3, treat_missing_data=NO_DATA_IS_HEALTHY),
    ]
    for name, suffix in sorted(target_groups.items()):
        alarms.append(AlarmSpec(
            key=f"{name}-unhealthy-hosts", threshold=0, comparison="GreaterThanThreshold",
            description=f"Targets of {name} failing the load balancer's health check for 3 minutes. Instances or "
                        "tasks are being replaced; look at their logs and the health endpoint.",
            metric=Metric("AWS/ApplicationELB", "UnHealthyHostCount", {**lb, "TargetGroup": suffix}, "Maximum"),
            evaluation_periods=3, treat_missing_data=NO_DATA_IS_HEALTHY))
    return alarms


def fleet_alarms(name: str, group_name: str, cpu_percent: int) -> list[AlarmSpec]:
    """In-service instances below the group's own minimum (metric math, so a night-time schedule that
    lowers the minimum does not fire it) and sustained high CPU."""
    group = {"AutoScalingGroupName": group_name}
    return [
        AlarmSpec(
            key=f"{name}-below-minimum", threshold=0, comparison="GreaterThanThreshold",
            description=f"Fleet {name} has had fewer in-service instances than its minimum for 10 minutes: "
                        "launches are failing (capacity, AMI, quota) or instances fail their health check.",
            expression="minimum - in_service",
            metrics={"in_service": Metric("AWS/AutoScaling", "GroupInServiceInstances", group),
                     "minimum": Metric("AWS/AutoScaling", "GroupMinSize", group)},
            evaluation_periods=10, treat_missing_data=NO_DATA_IS_DOWN),
        AlarmSpec(
            key=f"{name}-cpu-high", threshold=cpu_percent, comparison="GreaterThanThreshold",
            description=f"Fleet {name} averaged above {cpu_percent} % CPU for 10 minutes although it scales on "
                        "CPU: it is at its maximum size, or scaling cannot keep up.",
            metric=Metric("AWS/EC2", "CPUUtilization", group), period_seconds=300, evaluation_periods=2,
            treat_missing_data=NO_DATA_IS_HEALTHY),
    ]


def fleet_disk_alarm(name: str, disk_used: PublishedMetric, used_percent: int) -> AlarmSpec:
    """The fullest root filesystem of a fleet: the CloudWatch agent's per-group `disk_used_percent`, read by its
    Maximum (every instance contributes its own value to the group's metric).

    Missing data is healthy (notBreaching): the agent publishes only while instances run, and a fleet that
    off-hours schedules scale to zero publishes nothing at night; instances that should run and do not are
    the below-minimum alarm's business. (An alarm in ALARM whose fleet scales to zero returns to OK: the
    full disks are gone with their instances.)"""
    metric = Metric(disk_used.namespace, disk_used.name, dict(disk_used.dimensions), "Maximum")
    return AlarmSpec(
        key=f"{name}-disk-high", threshold=used_percent, comparison="GreaterThanThreshold",
        description=f"An instance of fleet {name} has used more than {used_percent} % of its root filesystem for "
                    f"10 minutes ({metric.namespace} {metric.name}; the per-instance metric's InstanceId names it). "
                    "Look for growing logs, caches and temporary files; replace the instance, or raise the "
                    "fleet's root_volume_gb.",
        metric=metric, period_seconds=300, evaluation_periods=2, treat_missing_data=NO_DATA_IS_HEALTHY)


def service_alarms(name: str, cluster_name: str, service_name: str, cpu_percent: int) -> list[AlarmSpec]:
    """Running tasks below desired (Container Insights) and sustained high CPU of an ECS service."""
    service = {"ClusterName": cluster_name, "ServiceName": service_name}
    return [
        AlarmSpec(
            key=f"{name}-tasks-below-desired", threshold=0, comparison="GreaterThanThreshold",
            description=f"Service {name} has run fewer tasks than desired for 5 minutes: tasks fail to start "
                        "(image, secrets, health check) or Spot capacity was reclaimed.",
            expression="desired - running",
            metrics={"running": Metric("ECS/ContainerInsights", "RunningTaskCount", service),
                     "desired": Metric("ECS/ContainerInsights", "DesiredTaskCount", service)},
            evaluation_periods=5, treat_missing_data=NO_DATA_IS_DOWN),
        AlarmSpec(
            key=f"{name}-cpu-high", threshold=cpu_percent, comparison="GreaterThanThreshold",
            description=f"Service {name} averaged above {cpu_percent} % CPU for 10 minutes although it scales on "
                        "CPU: it is at its maximum task count.",
            metric=Metric("AWS/ECS", "CPUUtilization", service), period_seconds=300, evaluation_periods=2,
            treat_missing_data=NO_DATA_IS_HEALTHY),
    ]


def database_alarms(name: str, identifier: str, engine: str, instance_class: str, allocated_storage_gb: int, *,
                    cpu_percent: int, free_storage_percent: int, connections_percent: int,
                    limit: int | None = None) -> list[AlarmSpec]:
    """CPU, free storage below a share of the allocation, connections near the class's limit (RDS).

    `limit`: the engine's max_connections on the class, by default looked up (`max_connections`). The numbers may
    be Terraform expressions (a generated module's variables): the thresholds are then computed by Terraform."""
    db = {"DBInstanceIdentifier": identifier}
    limit = max_connections(engine, instance_class) if limit is None else limit
    numbers = (limit, connections_percent, allocated_storage_gb, free_storage_percent)
    if any(Token.is_unresolved(number) for number in numbers):
        connections = Token.as_number(Fn.max([1, Fn.floor(Op.div(Op.mul(limit, connections_percent), 100))]))
        free_bytes = Token.as_number(Op.div(Op.mul(Op.mul(allocated_storage_gb, GIB), free_storage_percent), 100))
    else:
        connections = max(1, int(limit * connections_percent / 100))
        free_bytes = allocated_storage_gb * GIB * free_storage_percent / 100
    cpu, free, allocated = (number_text(n) for n in (cpu_percent, free_storage_percent, allocated_storage_gb))
    share, most, ceiling = (number_text(n) for n in (connections_percent, connections, limit))
    return [
        AlarmSpec(
            key=f"{name}-db-cpu-high", threshold=cpu_percent, comparison="GreaterThanThreshold",
            description=f"Database {name} above {cpu} % CPU for 15 minutes. Look at Performance Insights "
                        "for the top queries.",
            metric=Metric("AWS/RDS", "CPUUtilization", db), period_seconds=300, evaluation_periods=3,
            treat_missing_data=NO_DATA_IS_DOWN),
        AlarmSpec(
            key=f"{name}-db-storage-low", threshold=free_bytes, comparison="LessThanThreshold",
            description=f"Database {name} has less than {free} % of its {allocated} GiB "
                        "free. Storage autoscaling should add space; if it cannot (ceiling reached), raise "
                        "max_allocated_storage_gb before the database stops accepting writes.",
            metric=Metric("AWS/RDS", "FreeStorageSpace", db, "Minimum"), period_seconds=300, evaluation_periods=1,
            treat_missing_data=NO_DATA_IS_DOWN),
        AlarmSpec(
            key=f"{name}-db-connections-high", threshold=connections, comparison="GreaterThanThreshold",
            description=f"Database {name} above {most} connections ({share} % of "
                        f"{ceiling}, the {engine} limit on {instance_class}) for 10 minutes: a connection leak, or "
                        "time for a proxy or a larger class.",
            metric=Metric("AWS/RDS", "DatabaseConnections", db, "Maximum"), period_seconds=300,
            evaluation_periods=2, treat_missing_data=NO_DATA_IS_HEALTHY),
    ]


def aurora_alarms(name: str, cluster_identifier: str, engine: str, instance_class: str,
                  serverless_max_acu: float | None, *, cpu_percent: int,
                  connections_percent: int) -> list[AlarmSpec]:
    """CPU and connections of an Aurora cluster's writer (storage grows by itself in Aurora)."""
    writer = {"DBClusterIdentifier": cluster_identifier, "Role": "WRITER"}
    limit = max_connections(engine, instance_class, serverless_max_acu)
    connections = max(1, int(limit * connections_percent / 100))
    return [
        AlarmSpec(
            key=f"{name}-db-cpu-high", threshold=cpu_percent, comparison="GreaterThanThreshold",
            description=f"Aurora {name} writer above {cpu_percent} % CPU for 15 minutes. Look at Performance "
                        "Insights; move reads to the reader endpoint.",
            metric=Metric("AWS/RDS", "CPUUtilization", writer), period_seconds=300, evaluation_periods=3,
            treat_missing_data=NO_DATA_IS_DOWN),
        AlarmSpec(
            key=f"{name}-db-connections-high", threshold=connections, comparison="GreaterThanThreshold",
            description=f"Aurora {name} writer above {connections} connections ({connections_percent} % of "
                        f"{limit}) for 10 minutes.",
            metric=Metric("AWS/RDS", "DatabaseConnections", writer, "Maximum"), period_seconds=300,
            evaluation_periods=2, treat_missing_data=NO_DATA_IS_HEALTHY),
    ]


def cache_alarms(name: str, replication_group_id: str, nodes: int, *, cpu_percent: int,
                 evictions: int) -> list[AlarmSpec]:
    """Engine CPU and evictions per node (ElastiCache names a group's nodes <group>-001, -002, ...)."""
    alarms = []
    for number in range(1, nodes + 1):
        node = {"CacheClusterId": f"{replication_group_id}-{number:03d}"}
        alarms += [
            AlarmSpec(
                key=f"{name}-cache-{number:03d}-cpu-high", threshold=cpu_percent, comparison="GreaterThanThreshold",
                description=f"Cache {name} node {number} engine CPU above {cpu_percent} % for 10 minutes (Valkey "
                            "runs commands on one thread): look for expensive commands in the slow log.",
                metric=Metric("AWS/ElastiCache", "EngineCPUUtilization", node), period_seconds=300,
                evaluation_periods=2, treat_missing_data=NO_DATA_IS_DOWN),
            AlarmSpec(
                key=f"{name}-cache-{number:03d}-evictions", threshold=evictions, comparison="GreaterThanThreshold",
                description=f"Cache {name} node {number} evicted more than {evictions} keys in 5 minutes: the "
                            "working set no longer fits; use a larger node type.",
                metric=Metric("AWS/ElastiCache", "Evictions", node, "Sum"), period_seconds=300,
                evaluation_periods=1, treat_missing_data=NO_DATA_IS_HEALTHY),
        ]
    return alarms


def dead_letter_alarm(name: str, dead_letter_queue_name: str) -> AlarmSpec:
    """Any message in a dead-letter queue: work failed max_receive_count times and waits for a person."""
    return AlarmSpec(
        key=f"{name}-dead-letters", threshold=0, comparison="GreaterThanThreshold",
        description=f"Messages in the dead-letter queue of {name}: they failed repeatedly. Inspect them, fix the "
                    "consumer, then redrive them to the queue.",
        metric=Metric("AWS/SQS", "ApproximateNumberOfMessagesVisible", {"QueueName": dead_letter_queue_name},
                      "Maximum"),
        period_seconds=300, evaluation_periods=1,
        treat_missing_data=NO_DATA_IS_HEALTHY)  # SQS stops publishing for queues idle for hours


def function_alarms(name: str, function_name: str) -> list[AlarmSpec]:
    """Errors and throttles of a Lambda function."""
    function = {"FunctionName": function_name}
    return [
        AlarmSpec(
            key=f"{name}-errors", threshold=0, comparison="GreaterThanThreshold",
            description=f"Function {name} failed. Its log group has the error; failed events are in its DLQ.",
            metric=Metric("AWS/Lambda", "Errors", function, "Sum"), period_seconds=300, evaluation_periods=1,
            treat_missing_data=NO_DATA_IS_HEALTHY),
        AlarmSpec(
            key=f"{name}-throttles", threshold=0, comparison="GreaterThanThreshold",
            description=f"Function {name} was throttled: its reserved concurrency is too small for its load.",
            metric=Metric("AWS/Lambda", "Throttles", function, "Sum"), period_seconds=300, evaluation_periods=1,
            treat_missing_data=NO_DATA_IS_HEALTHY),
    ]


def log_errors_alarm(name: str, namespace: str, metric_name: str, pattern: str = "ERROR") -> AlarmSpec:
    """Error lines counted by a log metric filter (seed 004); the description tells on-call what to search for
    (Apache writes its levels in lower case, so a fleet's pattern is not always ERROR)."""
    what = "ERROR lines" if pattern == "ERROR" else f"lines matching {pattern}"
    return AlarmSpec(
        key=f"{name}-log-errors", threshold=0, comparison="GreaterThanThreshold",
        description=f"{name} logged {what} in the last 5 minutes. Search its log group for "
                    f"{pattern if pattern == 'ERROR' else 'that filter pattern'}.",
        metric=Metric(namespace, metric_name, {}, "Sum"), period_seconds=300, evaluation_periods=1,
        treat_missing_data=NO_DATA_IS_HEALTHY)  # the filter publishes only when a line matches


def endpoint_health_alarm(health_check_id: str) -> AlarmSpec:
    """The public endpoint failing Route 53's checkers (metric in us-east-1, whatever the region)."""
    return AlarmSpec(
        key="endpoint-down", threshold=1, comparison="LessThanThreshold",
        description="Route 53's health checkers cannot reach the public endpoint (2 of 3 minutes): users cannot "
                    "either. Look at the load balancer's targets, the distribution and DNS.",
        metric=Metric("AWS/Route53", "HealthCheckStatus", {"HealthCheckId": health_check_id}, "Minimum"),
        evaluation_periods=3, datapoints_to_alarm=2,
        treat_missing_data=NO_DATA_IS_DOWN)  # a health check always reports; silence means it is gone
