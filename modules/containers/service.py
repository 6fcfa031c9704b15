"""A Fargate service: its task definition, roles, logs, placement, deployment and scaling.

Secure settings are not options: tasks run in the private-app subnets with no public IP, as a
non-root user, with a read-only root filesystem (a scratch /tmp volume is mounted), secrets are
injected by ECS from Secrets Manager (never plain environment variables), logs go to a
KMS-encrypted log group with retention. Deployments stop and roll back by themselves when new
tasks fail (circuit breaker), and with a container health check when they never turn healthy;
Application Auto Scaling owns the desired count after creation. With tracing, a trace collector runs
beside the application (modules/containers/tracing.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cdktf import ITerraformDependable, Token
from cdktf_cdktf_provider_aws.appautoscaling_policy import (
    AppautoscalingPolicy,
    AppautoscalingPolicyStepScalingPolicyConfiguration,
    AppautoscalingPolicyStepScalingPolicyConfigurationStepAdjustment,
    AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration,
    AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification,
)
from cdktf_cdktf_provider_aws.appautoscaling_scheduled_action import (
    AppautoscalingScheduledAction,
    AppautoscalingScheduledActionScalableTargetAction,
)
from cdktf_cdktf_provider_aws.appautoscaling_target import AppautoscalingTarget
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
)
from cdktf_cdktf_provider_aws.ecs_service import (
    EcsService,
    EcsServiceCapacityProviderStrategy,
    EcsServiceDeploymentCircuitBreaker,
    EcsServiceLoadBalancer,
    EcsServiceNetworkConfiguration,
    EcsServiceServiceRegistries,
)
from cdktf_cdktf_provider_aws.ecs_task_definition import (
    EcsTaskDefinition,
    EcsTaskDefinitionRuntimePlatform,
    EcsTaskDefinitionVolume,
    EcsTaskDefinitionVolumeEfsVolumeConfiguration,
    EcsTaskDefinitionVolumeEfsVolumeConfigurationAuthorizationConfig,
)
from cdktf_cdktf_provider_aws.service_discovery_service import (
    ServiceDiscoveryService,
    ServiceDiscoveryServiceDnsConfig,
    ServiceDiscoveryServiceDnsConfigDnsRecords,
)
from constructs import Construct

from modules.containers.cluster import ContainerCluster
from modules.containers.health_check import ContainerHealthCheck
from modules.containers.sizes import FARGATE_MEMORY
from modules.containers.tracing import XRAY_WRITE_ACTIONS, TraceCollector
from modules.iam import ServiceRole, ServiceRoleProps
from modules.scaling import AlarmMetric, OffHoursSchedule, ScalingRule, ThresholdAlarms, ThresholdAlarmsProps, aws_cron
from modules.tokens import json_text, number_text

TASK_EXECUTION_POLICY = "service-role/AmazonECSTaskExecutionRolePolicy"


@dataclass(frozen=True)
class FileSystemVolume:
    """An EFS access point mounted in the task, over TLS and with the task role's IAM identity."""

    file_system_id: str
    file_system_arn: str
    access_point_id: str
    access_point_arn: str
    container_path: str


@dataclass(frozen=True)
class FargateServiceProps:
    name: str
    """Service name, e.g. 'backend'; resources are named <name_prefix>-<name>."""
    name_prefix: str
    cluster: ContainerCluster
    image: str
    """Full image reference (repository URL and tag)."""
    subnet_ids: Sequence[str]
    security_group_ids: Sequence[str]
    account_id: str
    region: str
    log_encryption_key_arn: str
    partition: str = "aws"
    cpu: int = 256
    memory: int = 512
    architecture: str = "ARM64"
    """'ARM64' (Graviton, cheaper per vCPU) or 'X86_64'."""
    port: int | None = None
    target_group_arn: str | None = None
    health_check_grace_seconds: int = 60
    health_check: ContainerHealthCheck | None = None
    """The container's own check, run by ECS in the task (the target group's is the load balancer's); an
    unhealthy container's task is replaced, and a deployment whose tasks never turn healthy rolls back.
    Default None: ECS watches only that the process runs."""
    min_count: int = 2
    max_count: int = 4
    desired_count: int | None = None
    spot: bool = False
    """Run on Fargate Spot: for interruptible queue workers whose work returns to the queue."""
    secrets: Mapping[str, str] = field(default_factory=dict)
    """Environment variable -> Secrets Manager secret ARN, read by the execution role only."""
    secret_key_arns: Sequence[str] = ()
    """KMS keys of those secrets (decrypt through Secrets Manager only)."""
    environment: Mapping[str, str] = field(default_factory=dict)
    read_only_root_filesystem: bool = True
    user: str = "1000"
    log_retention_days: int = 90
    file_system: FileSystemVolume | None = None
    managed_policy_arns: Sequence[str] = ()
    """Policies for the task role (what the application may do), e.g. the app-data-access policy."""
    discoverable: bool = False
    """Register in the cluster's namespace so callers reach it at <name>.<namespace>."""
    tracing: TraceCollector | None = None
    """An OpenTelemetry collector beside the application, sending its traces to X-Ray (modules/containers/tracing.py).
    Default None: no collector, no X-Ray permission, the task definition as it always was."""
    scaling: ScalingRule = field(default_factory=ScalingRule)
    off_hours: OffHoursSchedule | None = None
    standby: bool = False
    """A DR standby service: Terraform creates its scaling target at min_count, the failover orchestrator
    raises the minimum to serve, and no later apply may lower it (min_capacity is then ignored, like
    desired_count always is). Changing a standby's minimum afterwards is done on the target itself."""
    depends_on: Sequence[ITerraformDependable] = ()
    """The listener: a target group must belong to a load balancer before a service registers in it."""

    def __post_init__(self) -> None:
        """Checks literal values only: a Terraform variable (a generated module's) is checked by its validation."""
        if not Token.is_unresolved(self.name) and not re.fullmatch(r"[a-z][a-z0-9-]{0,30}", self.name):
            raise ValueError(f"service name {self.name!r}; fix: lower-case letters, digits and hyphens")
        size_known = not (Token.is_unresolved(self.cpu) or Token.is_unresolved(self.memory))
        if size_known and self.memory not in FARGATE_MEMORY.get(self.cpu, ()):
            raise ValueError(f"service {self.name!r}: cpu {self.cpu} / memory {self.memory} is not a Fargate size; "
                             f"fix: cpu one of {sorted(FARGATE_MEMORY)} with a matching memory")
        if not Token.is_unresolved(self.architecture) and self.architecture not in ("ARM64", "X86_64"):
            raise ValueError(f"service {self.name!r}: architecture {self.architecture!r}; fix: ARM64 or X86_64")
        if not Token.is_unresolved(self.user) and self.user.split(":")[0] in ("0", "root"):
            raise ValueError(f"service {self.name!r} runs as root; fix: a numeric non-root uid such as 1000")
        if self.target_group_arn and self.port is None:
            raise ValueError(f"service {self.name!r} has a target group but no port; fix: set port")
        counts_known = not (Token.is_unresolved(self.min_count) or Token.is_unresolved(self.max_count))
        if counts_known and not 0 <= self.min_count <= self.max_count:
            raise ValueError(f"service {self.name!r}: min_count {self.min_count} / max_count {self.max_count}; "
                             "fix: 0 <= min_count <= max_count")
        if self.tracing is not None:
            if Token.is_unresolved(self.cpu):
                raise ValueError(f"service {self.name!r}: tracing carves the collector's CPU from the task's, which "
                                 "is a Terraform variable here; fix: a literal cpu, or no tracing")
            problem = self.tracing.problem(self.name, self.cpu, self.memory)
            if problem:
                raise ValueError(f"service {self.name!r}: {problem}")
        overlap = set(self.secrets) & set(self.environment)
        if overlap:
            raise ValueError(f"service {self.name!r}: {sorted(overlap)} are both secrets and plain environment; "
                             "fix: keep them in secrets only")


class FargateService(Construct):
    def __init__(self, scope: Construct, id: str, props: FargateServiceProps) -> None:
        super().__init__(scope, id)
        self.props = props
        full_name = f"{props.name_prefix}-{props.name}"
        self.log_group = CloudwatchLogGroup(
            self, "log-group", name=self.log_group_name,
            retention_in_days=props.log_retention_days, kms_key_id=props.log_encryption_key_arn)
        self.execution_role = ServiceRole(self, "execution-role", ServiceRoleProps(
            role_name=f"{full_name}-execution", service="ecs-tasks.amazonaws.com", account_id=props.account_id,
            description=f"ECS pulls the image, writes logs and reads the secrets of {full_name}",
            managed_policy_arns=(f"arn:{props.partition}:iam::aws:policy/{TASK_EXECUTION_POLICY}",),
            statements=self._secret_statements(props)))
        self.task_role = ServiceRole(self, "task-role", ServiceRoleProps(
            role_name=f"{full_name}-task", service="ecs-tasks.amazonaws.com", account_id=props.account_id,
            description=f"What the {full_name} application may do", managed_policy_arns=props.managed_policy_arns,
            statements=[*self._mount_statements(props.file_system), *self._tracing_statements(props.tracing)]))
        volumes = [EcsTaskDefinitionVolume(name="tmp")]
        if props.file_system:
            fs = props.file_system
            volumes.append(EcsTaskDefinitionVolume(name="data", efs_volume_configuration=(
                EcsTaskDefinitionVolumeEfsVolumeConfiguration(
                    file_system_id=fs.file_system_id, transit_encryption="ENABLED",
                    authorization_config=EcsTaskDefinitionVolumeEfsVolumeConfigurationAuthorizationConfig(
                        access_point_id=fs.access_point_id, iam="ENABLED")))))
        self.task_definition = EcsTaskDefinition(
            self, "task-definition", family=full_name, requires_compatibilities=["FARGATE"], network_mode="awsvpc",
            cpu=number_text(props.cpu), memory=number_text(props.memory), execution_role_arn=self.execution_role.arn,
            task_role_arn=self.task_role.arn, container_definitions=self._container_definitions(props),
            runtime_platform=EcsTaskDefinitionRuntimePlatform(
                operating_system_family="LINUX", cpu_architecture=props.architecture),
            volume=volumes)
        self.discovery = ServiceDiscoveryService(
            self, "discovery", name=props.name, dns_config=ServiceDiscoveryServiceDnsConfig(
                namespace_id=props.cluster.namespace.id, routing_policy="MULTIVALUE",
                dns_records=[ServiceDiscoveryServiceDnsConfigDnsRecords(type="A", ttl=10)]),
            health_check_custom_config={"failure_threshold": 1}) if props.discoverable else None
        provider = "FARGATE_SPOT" if props.spot else "FARGATE"
        self.service = EcsService(
            self, "service", name=props.name, cluster=props.cluster.arn, task_definition=self.task_definition.arn,
            desired_count=props.desired_count if props.desired_count is not None else props.min_count,
            capacity_provider_strategy=[EcsServiceCapacityProviderStrategy(capacity_provider=provider, weight=1)],
            platform_version="LATEST", propagate_tags="SERVICE", enable_ecs_managed_tags=True,
            network_configuration=EcsServiceNetworkConfiguration(
                subnets=list(props.subnet_ids), security_groups=list(props.security_group_ids), assign_public_ip=False),
            deployment_circuit_breaker=EcsServiceDeploymentCircuitBreaker(enable=True, rollback=True),
            deployment_minimum_healthy_percent=100, deployment_maximum_percent=200,
            health_check_grace_period_seconds=props.health_check_grace_seconds if props.target_group_arn else None,
            load_balancer=[EcsServiceLoadBalancer(target_group_arn=props.target_group_arn, container_name=props.name,
                                                  container_port=props.port)] if props.target_group_arn else None,
            service_registries=EcsServiceServiceRegistries(registry_arn=self.discovery.arn) if self.discovery else None,
            depends_on=[*props.depends_on, props.cluster.capacity_providers],
            lifecycle={"ignore_changes": ["desired_count"]})
        self.scaling_target = AppautoscalingTarget(
            self, "scaling-target", service_namespace="ecs", scalable_dimension="ecs:service:DesiredCount",
            resource_id=f"service/{props.cluster.name}/{self.service.name}",
            min_capacity=props.min_count, max_capacity=props.max_count,
            lifecycle={"ignore_changes": ["min_capacity"]} if props.standby else None)
        self._scaling(full_name, props.scaling)
        if props.off_hours:
            self._off_hours(full_name, props.off_hours)

    @property
    def name(self) -> str:
        return self.service.name

    @property
    def log_group_name(self) -> str:
        """The log group's name as written (not the resource's attribute): container definitions name it."""
        return f"/ecs/{self.props.name_prefix}/{self.props.name}"

    def _container_definitions(self, props: FargateServiceProps) -> str:
        container: dict[str, object] = {
            "name": props.name, "image": props.image, "essential": True,
            "readonlyRootFilesystem": props.read_only_root_filesystem, "user": props.user,
            "linuxParameters": {"initProcessEnabled": True},
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": self.log_group_name, "awslogs-region": props.region,
                "awslogs-stream-prefix": props.name}},
            "mountPoints": [{"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False}],
        }
        if props.file_system:
            container["mountPoints"].append(  # type: ignore[attr-defined]
                {"sourceVolume": "data", "containerPath": props.file_system.container_path, "readOnly": False})
        if props.port is not None:
            container["portMappings"] = [{"containerPort": props.port, "hostPort": props.port, "protocol": "tcp"}]
        if props.health_check:
            container["healthCheck"] = props.health_check.container_definition()
        environment = dict(props.environment)
        if props.tracing:  # the service's own settings win: the collector's are defaults
            defaults = props.tracing.application_environment(f"{props.name_prefix}-{props.name}")
            environment |= {k: v for k, v in defaults.items() if k not in environment and k not in props.secrets}
        if environment:
            container["environment"] = [{"name": k, "value": v} for k, v in sorted(environment.items())]
        if props.secrets:
            container["secrets"] = [{"name": k, "valueFrom": v} for k, v in sorted(props.secrets.items())]
        if props.tracing is None:
            return json_text([container], separators=(",", ":"))
        container["cpu"] = props.cpu - props.tracing.cpu  # shares in proportion: the collector never outweighs the app
        collector = props.tracing.container_definition(log_group_name=self.log_group_name, region=props.region)
        return json_text([container, collector], separators=(",", ":"))

    @staticmethod
    def _secret_statements(props: FargateServiceProps) -> list[DataAwsIamPolicyDocumentStatement]:
        if not props.secrets:
            return []
        statements = [DataAwsIamPolicyDocumentStatement(
            sid="ReadInjectedSecrets", actions=["secretsmanager:GetSecretValue"],
            resources=sorted(set(props.secrets.values())))]
        if props.secret_key_arns:
            statements.append(DataAwsIamPolicyDocumentStatement(
                sid="DecryptThroughSecretsManager", actions=["kms:Decrypt"], resources=list(props.secret_key_arns),
                condition=[DataAwsIamPolicyDocumentStatementCondition(
                    test="StringEquals", variable="kms:ViaService",
                    values=[f"secretsmanager.{props.region}.amazonaws.com"])]))
        return statements

    @staticmethod
    def _tracing_statements(tracing: TraceCollector | None) -> list[DataAwsIamPolicyDocumentStatement]:
        if tracing is None:
            return []
        return [DataAwsIamPolicyDocumentStatement(  # X-Ray has no resource types for these: "*" is all IAM accepts
            sid="SendTracesToXRay", actions=list(XRAY_WRITE_ACTIONS), resources=["*"])]

    @staticmethod
    def _mount_statements(volume: FileSystemVolume | None) -> list[DataAwsIamPolicyDocumentStatement]:
        if volume is None:
            return []
        return [DataAwsIamPolicyDocumentStatement(
            sid="MountThroughAccessPoint", resources=[volume.file_system_arn],
            actions=["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
            condition=[DataAwsIamPolicyDocumentStatementCondition(
                test="StringEquals", variable="elasticfilesystem:AccessPointArn", values=[volume.access_point_arn])])]

    def _scaling(self, full_name: str, rule: ScalingRule) -> None:
        target = self.scaling_target
        common = {"service_namespace": target.service_namespace, "resource_id": target.resource_id,
                  "scalable_dimension": target.scalable_dimension}
        if rule.policy == "target_tracking":
            AppautoscalingPolicy(
                self, "cpu-target-tracking", name=f"{full_name}-cpu-target", policy_type="TargetTrackingScaling",
                target_tracking_scaling_policy_configuration=AppautoscalingPolicyTargetTrackingScalingPolicyConfiguration(
                    target_value=rule.target_cpu_percent, scale_out_cooldown=rule.scale_out_cooldown_seconds,
                    scale_in_cooldown=rule.scale_in_cooldown_seconds,
                    predefined_metric_specification=(
                        AppautoscalingPolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecification(
                            predefined_metric_type="ECSServiceAverageCPUUtilization"))), **common)
            return
        policies = {}
        for direction, change, cooldown in (("out", 1, rule.scale_out_cooldown_seconds),
                                            ("in", -1, rule.scale_in_cooldown_seconds)):
            bound = {"metric_interval_lower_bound": "0"} if change > 0 else {"metric_interval_upper_bound": "0"}
            policies[direction] = AppautoscalingPolicy(
                self, f"scale-{direction}", name=f"{full_name}-scale-{direction}", policy_type="StepScaling",
                step_scaling_policy_configuration=AppautoscalingPolicyStepScalingPolicyConfiguration(
                    adjustment_type="ChangeInCapacity", cooldown=cooldown, metric_aggregation_type="Average",
                    step_adjustment=[AppautoscalingPolicyStepScalingPolicyConfigurationStepAdjustment(
                        scaling_adjustment=change, **bound)]), **common)
        if rule.metric == "cpu":
            metric = AlarmMetric("AWS/ECS", "CPUUtilization",
                                 {"ClusterName": self.props.cluster.name, "ServiceName": self.service.name})
        else:
            metric = AlarmMetric("AWS/SQS", "ApproximateNumberOfMessagesVisible", {"QueueName": rule.queue_name or ""},
                                 statistic="Maximum")
        ThresholdAlarms(self, "alarms", ThresholdAlarmsProps(
            name=full_name, rule=rule, metric=metric, scale_out_action_arn=policies["out"].arn,
            scale_in_action_arn=policies["in"].arn))

    def _off_hours(self, full_name: str, schedule: OffHoursSchedule) -> None:
        target, props = self.scaling_target, self.props
        for moment, cron, low, high in (("stop", schedule.stop, 0, 0),
                                        ("start", schedule.start, props.min_count, props.max_count)):
            AppautoscalingScheduledAction(
                self, f"off-hours-{moment}", name=f"{full_name}-off-hours-{moment}",
                service_namespace=target.service_namespace, resource_id=target.resource_id,
                scalable_dimension=target.scalable_dimension, schedule=aws_cron(cron), timezone=schedule.time_zone,
                scalable_target_action=AppautoscalingScheduledActionScalableTargetAction(
                    min_capacity=str(low), max_capacity=str(high)))
