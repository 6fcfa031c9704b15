"""An EC2 fleet: a launch template and an Auto Scaling group across the private-app subnets of every AZ.

Secure settings are not options: IMDSv2 only (hop limit 1), no public IP, an encrypted gp3 root
volume, detailed monitoring, and an instance role with Session Manager access instead of SSH keys.
With a target group the group uses ELB health checks (a failing /health replaces the instance, seed
003's auto-healing) and rolls a new launch template out by instance refresh, keeping 90 % healthy.
Auto Scaling owns desired capacity after creation, so Terraform ignores it. Every fleet runs the
CloudWatch agent (`modules/fleet/agent.py`: root-filesystem and memory use per instance and per group, and
the fleet's log files into log groups of its own) unless `cloudwatch_agent` is off, and Patch Manager
installs security updates on a weekly schedule (`modules/fleet/patching.py`) unless `patching` is None.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cdktf import Fn, TerraformLocal, Token
from cdktf_cdktf_provider_aws.autoscaling_group import (
    AutoscalingGroup,
    AutoscalingGroupInstanceRefresh,
    AutoscalingGroupInstanceRefreshPreferences,
    AutoscalingGroupLaunchTemplate,
    AutoscalingGroupTag,
)
from cdktf_cdktf_provider_aws.autoscaling_policy import (
    AutoscalingPolicy,
    AutoscalingPolicyTargetTrackingConfiguration,
    AutoscalingPolicyTargetTrackingConfigurationPredefinedMetricSpecification,
)
from cdktf_cdktf_provider_aws.autoscaling_schedule import AutoscalingSchedule
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import DataAwsIamPolicyDocumentStatement
from cdktf_cdktf_provider_aws.launch_template import (
    LaunchTemplate,
    LaunchTemplateBlockDeviceMappings,
    LaunchTemplateBlockDeviceMappingsEbs,
    LaunchTemplateIamInstanceProfile,
    LaunchTemplateMetadataOptions,
    LaunchTemplateMonitoring,
    LaunchTemplateNetworkInterfaces,
    LaunchTemplateTagSpecifications,
)
from cdktf_cdktf_provider_aws.ssm_parameter import SsmParameter
from constructs import Construct

from modules.fleet.agent import (
    USER_DATA_LIMIT,
    CloudWatchAgent,
    CloudWatchAgentProps,
    GroupMetric,
    agent_config_json,
    collected_logs,
    parameter_name,
    with_agent,
)
from modules.fleet.logs import FleetLogFile, duplicate_problem
from modules.fleet.patching import FleetPatching, FleetPatchingProps, PatchSchedule
from modules.iam import ServiceRole, ServiceRoleProps
from modules.scaling import AlarmMetric, OffHoursSchedule, ScalingRule, ThresholdAlarms, ThresholdAlarmsProps

SESSION_MANAGER_POLICY = "AmazonSSMManagedInstanceCore"
ENABLED_METRICS = ("GroupMinSize", "GroupMaxSize", "GroupDesiredCapacity", "GroupInServiceInstances",
                   "GroupPendingInstances", "GroupTerminatingInstances", "GroupTotalInstances")


@dataclass(frozen=True)
class Ec2FleetProps:
    name: str
    """Fleet name, e.g. 'levels-prod-api': the group, template, role and alarms derive from it."""
    image_id: str
    """AMI id, or 'resolve:ssm:<parameter>' to launch whatever golden image the parameter names."""
    subnet_ids: Sequence[str]
    """Private-app subnets, one per AZ."""
    security_group_ids: Sequence[str]
    """The fleet's own group and the network's app-tier group (its route to the data stores)."""
    account_id: str
    partition: str = "aws"
    instance_type: str = "t3.small"
    min_size: int = 2
    max_size: int = 4
    desired_capacity: int | None = None
    target_group_arns: Sequence[str] = ()
    """Load-balanced fleets register here and use ELB health checks; workers pass none."""
    health_check_grace_seconds: int = 300
    user_data: str | None = None
    """Boot script or cloud-config (text); with the CloudWatch agent's start script before it, at most 16 KB."""
    root_volume_gb: int = 20
    scaling: ScalingRule | None = field(default_factory=ScalingRule)
    """None: the group keeps its size (a bastion)."""
    off_hours: OffHoursSchedule | None = None
    managed_policy_arns: Sequence[str] = ()
    """More managed policies for the instance role (e.g. the data stack's app-data-access policy)."""
    statements: Sequence[DataAwsIamPolicyDocumentStatement] = ()
    key_name: str | None = None
    """EC2 key pair for SSH through a bastion; None (the default) leaves SSH to Session Manager."""
    instance_tags: Mapping[str, str] = field(default_factory=dict)
    """Tags for instances and volumes (provider default_tags do not reach what Auto Scaling launches)."""
    public_ip: bool = False
    """Give instances a public IP: only a bastion in public subnets, never an application fleet."""
    standby: bool = False
    """A DR standby fleet: Terraform creates it at min_size, the failover orchestrator raises min_size to
    serve, and no later apply may shrink a fleet that serves (min_size is then ignored, like
    desired_capacity always is). Changing a standby's size afterwards is done on the group itself."""
    cloudwatch_agent: bool = True
    """Run the CloudWatch agent (disk and memory use, configured from the SSM parameter AmazonCloudWatch-<name>),
    with the agent's inline policy on the instance role. Default True; turn it off only where nothing reads the
    metrics (the bastion): without it the role does not get the agent's policy either."""
    log_files: Sequence[FleetLogFile] = ()
    """Files the agent ships, each into the log group <log_group_prefix>/<name> (needs the agent)."""
    log_group_prefix: str | None = None
    """Default /ec2/<name>; the compute stack passes /ec2/<name prefix>/<workload>, which its key's policy covers."""
    log_retention_days: int = 365
    log_encryption_key_arn: str | None = None
    """KMS key of the log groups; required with log files."""
    patching: PatchSchedule | None = field(default_factory=PatchSchedule)
    """Patch Manager's schedule for the instances (default: install security updates weekly, rebooting where an
    update needs it); None leaves patching to the image pipeline alone."""

    def __post_init__(self) -> None:
        """Checks literal values only: a Terraform variable (a generated module's) is checked by its validation."""
        if not Token.is_unresolved(self.name) and not re.fullmatch(r"[a-z][a-z0-9-]{1,50}", self.name):
            raise ValueError(f"fleet name {self.name!r}; fix: 2-51 lower-case letters, digits or hyphens")
        sizes = (self.min_size, self.max_size, self.desired_capacity)
        if not any(Token.is_unresolved(size) for size in sizes):
            self._check_sizes()
        if not Token.is_unresolved(self.image_id) and not (
                re.fullmatch(r"ami-[0-9a-f]{8,17}", self.image_id) or self.image_id.startswith("resolve:ssm:")):
            raise ValueError(f"fleet {self.name!r}: image_id {self.image_id!r}; fix: an AMI id or resolve:ssm:<name>")
        own = len(self.user_data.encode()) if self.user_data is not None else 0
        if own > USER_DATA_LIMIT:
            raise ValueError(f"fleet {self.name!r}: user data is {own} bytes; EC2 takes "
                             "16 KB; fix: bake software into the image")
        launched = len((self.launch_user_data or "").encode())
        if launched > USER_DATA_LIMIT:
            raise ValueError(f"fleet {self.name!r}: user data is {launched} bytes with the CloudWatch agent's start "
                             f"script ({own} of its own); EC2 takes 16 KB; fix: bake software into the image")
        if self.public_ip and (self.target_group_arns or self.max_size > 1):
            raise ValueError(f"fleet {self.name!r} asks for public IPs; only a single bastion instance may have one; "
                             "fix: put application fleets behind the load balancer in private subnets")
        if not Token.is_unresolved(self.subnet_ids) and len(self.subnet_ids) < 2 and self.min_size > 0:
            raise ValueError(f"fleet {self.name!r} spans {len(self.subnet_ids)} subnet(s); "
                             "fix: one per AZ, two or more")
        self._check_log_files()

    def _check_log_files(self) -> None:
        if not self.log_files:
            return
        if not self.cloudwatch_agent:
            raise ValueError(f"fleet {self.name!r} lists log files but runs no CloudWatch agent to ship them; "
                             "fix: remove log_files or leave cloudwatch_agent on")
        if Token.is_unresolved(self.name):  # the agent's JSON is stored escaped: no Terraform expression inside
            raise ValueError("a fleet named by a Terraform expression cannot ship log files; fix: a literal name")
        problem = duplicate_problem(list(self.log_files))
        if problem:
            raise ValueError(f"fleet {self.name!r}: {problem}")
        if not self.log_encryption_key_arn:
            raise ValueError(f"fleet {self.name!r} ships log files without a KMS key for their log groups; "
                             "fix: pass log_encryption_key_arn (the compute stack's key)")

    def _check_sizes(self) -> None:
        if not 0 <= self.min_size <= self.max_size:
            raise ValueError(f"fleet {self.name!r}: min_size {self.min_size} / max_size {self.max_size}; "
                             "fix: 0 <= min_size <= max_size")
        desired = self.desired_capacity
        if desired is not None and not self.min_size <= desired <= self.max_size:
            raise ValueError(f"fleet {self.name!r}: desired_capacity {desired} outside "
                             f"{self.min_size}..{self.max_size}; fix: a value in that range, or None")

    @property
    def logs_prefix(self) -> str:
        return self.log_group_prefix or f"/ec2/{self.name}"

    @property
    def log_directories(self) -> list[str]:
        """Directories the agent reads from, each once, in the order of the files."""
        return list(dict.fromkeys(log.directory for log in self.log_files))

    @property
    def launch_user_data(self) -> str | None:
        """What the launch template runs: the agent's start script (when on), then `user_data`, then (with log
        files) the agent's restart."""
        if not self.cloudwatch_agent:
            return self.user_data
        configuration = agent_config_json(collected_logs(self.logs_prefix, self.log_files))
        return with_agent(self.user_data, parameter_name(self.name), configuration, self.log_directories)


class Ec2Fleet(Construct):
    def __init__(self, scope: Construct, id: str, props: Ec2FleetProps) -> None:
        super().__init__(scope, id)
        self.props = props
        uses = "Session Manager, CloudWatch agent" if props.cloudwatch_agent else "Session Manager"
        self.role = ServiceRole(self, "instance-role", ServiceRoleProps(
            role_name=f"{props.name}-instance", service="ec2.amazonaws.com", account_id=props.account_id,
            description=f"Instances of {props.name}: {uses}, the app's data",
            managed_policy_arns=(f"arn:{props.partition}:iam::aws:policy/{SESSION_MANAGER_POLICY}",),
            statements=props.statements, instance_profile=True))
        # The app's policies keep the ids they had when CloudWatchAgentServerPolicy was managed-1 (the agent now has
        # an inline policy): a new id would detach and re-attach each of them on every fleet.
        first = 2 if props.cloudwatch_agent else 1
        for index, arn in enumerate(props.managed_policy_arns, start=first):
            self.role.attach(f"managed-{index}", arn)
        tags = {**props.instance_tags, "Name": props.name}
        user_data = props.launch_user_data
        self.launch_template = LaunchTemplate(
            self, "launch-template", name=props.name, image_id=props.image_id, instance_type=props.instance_type,
            update_default_version=True, ebs_optimized="true", key_name=props.key_name,
            user_data=self._base64(user_data) if user_data else None,
            iam_instance_profile=LaunchTemplateIamInstanceProfile(arn=self.role.instance_profile.arn),  # type: ignore[union-attr]
            metadata_options=LaunchTemplateMetadataOptions(
                http_endpoint="enabled", http_tokens="required", http_put_response_hop_limit=1,
                instance_metadata_tags="enabled"),
            monitoring=LaunchTemplateMonitoring(enabled=True),
            network_interfaces=[LaunchTemplateNetworkInterfaces(
                device_index=0, associate_public_ip_address=str(props.public_ip).lower(), delete_on_termination="true",
                security_groups=list(props.security_group_ids))],
            block_device_mappings=[LaunchTemplateBlockDeviceMappings(
                device_name="/dev/xvda", ebs=LaunchTemplateBlockDeviceMappingsEbs(
                    volume_size=props.root_volume_gb, volume_type="gp3", encrypted="true",
                    delete_on_termination="true"))],
            tag_specifications=[LaunchTemplateTagSpecifications(resource_type=kind, tags=tags)
                                for kind in ("instance", "volume")])
        balanced = bool(props.target_group_arns)
        self.group = AutoscalingGroup(
            self, "group", name=props.name, min_size=props.min_size, max_size=props.max_size,
            desired_capacity=props.desired_capacity if props.desired_capacity is not None else props.min_size,
            vpc_zone_identifier=list(props.subnet_ids), target_group_arns=list(props.target_group_arns) or None,
            health_check_type="ELB" if balanced else "EC2", health_check_grace_period=props.health_check_grace_seconds,
            default_instance_warmup=props.health_check_grace_seconds,
            # The latest version by number (not "$Latest"): a new template version is then a change of
            # the group, which starts the instance refresh that rolls it out.
            launch_template=AutoscalingGroupLaunchTemplate(
                id=self.launch_template.id, version=Token.as_string(self.launch_template.latest_version)),
            instance_refresh=AutoscalingGroupInstanceRefresh(
                strategy="Rolling", preferences=AutoscalingGroupInstanceRefreshPreferences(
                    min_healthy_percentage=90, auto_rollback=True)),
            enabled_metrics=list(ENABLED_METRICS), metrics_granularity="1Minute",
            termination_policies=["OldestLaunchTemplate", "Default"],
            tag=[AutoscalingGroupTag(key="Name", value=props.name, propagate_at_launch=True)],
            lifecycle={"ignore_changes": ["desired_capacity", *(["min_size"] if props.standby else [])]})
        self.agent = CloudWatchAgent(self, "cloudwatch-agent", CloudWatchAgentProps(
            fleet_name=props.name, group_name=self.group.name, log_files=props.log_files,
            log_group_prefix=props.logs_prefix, log_retention_days=props.log_retention_days,
            log_encryption_key_arn=props.log_encryption_key_arn)) if props.cloudwatch_agent else None
        if self.agent:
            self.role.add_statements("cloudwatch-agent", self.agent.statements)
        self.patching = FleetPatching(self, "patching", FleetPatchingProps(
            fleet_name=props.name, schedule=props.patching)) if props.patching else None
        self.scaling_policies = self._scaling(props.scaling) if props.scaling else []
        if props.off_hours:
            self._off_hours(props.off_hours)

    @property
    def name(self) -> str:
        return self.group.name

    def _base64(self, text: str) -> str:
        """User data as EC2 takes it. With Terraform variables inside (a generated module's), Terraform encodes it,
        from a local: function arguments cannot hold the document's quotes."""
        if not Token.is_unresolved(text):
            return base64.b64encode(text.encode()).decode()
        return Fn.base64encode(TerraformLocal(self, "user-data", text).as_string)

    @property
    def role_name(self) -> str:
        return self.role.name

    @property
    def agent_parameter(self) -> SsmParameter | None:
        """The SSM parameter holding the CloudWatch agent's configuration (None with the agent off)."""
        return self.agent.parameter if self.agent else None

    @property
    def log_group_names(self) -> dict[str, str]:
        """Each shipped log's group name, by the log's short name (empty without log files)."""
        return {name: group.name for name, group in self.agent.log_groups.items()} if self.agent else {}

    @property
    def disk_used(self) -> GroupMetric | None:
        """The group's root-filesystem use as the agent publishes it (None with the agent off)."""
        return self.agent.disk_used if self.agent else None

    def _scaling(self, rule: ScalingRule) -> list[AutoscalingPolicy]:
        name = self.props.name
        if rule.policy == "target_tracking":
            return [AutoscalingPolicy(
                self, "cpu-target-tracking", name=f"{name}-cpu-target", autoscaling_group_name=self.group.name,
                policy_type="TargetTrackingScaling", estimated_instance_warmup=self.props.health_check_grace_seconds,
                target_tracking_configuration=AutoscalingPolicyTargetTrackingConfiguration(
                    target_value=rule.target_cpu_percent,
                    predefined_metric_specification=AutoscalingPolicyTargetTrackingConfigurationPredefinedMetricSpecification(
                        predefined_metric_type="ASGAverageCPUUtilization")))]
        # Simple scaling honours a cooldown per policy: the asymmetric cooldowns of the step rule.
        out, in_ = (AutoscalingPolicy(
            self, f"scale-{direction}", name=f"{name}-scale-{direction}", autoscaling_group_name=self.group.name,
            policy_type="SimpleScaling", adjustment_type="ChangeInCapacity", scaling_adjustment=change,
            cooldown=cooldown) for direction, change, cooldown in (
                ("out", 1, rule.scale_out_cooldown_seconds), ("in", -1, rule.scale_in_cooldown_seconds)))
        if rule.metric == "cpu":
            metric = AlarmMetric("AWS/EC2", "CPUUtilization", {"AutoScalingGroupName": self.group.name})
        else:
            metric = AlarmMetric("AWS/SQS", "ApproximateNumberOfMessagesVisible",
                                 {"QueueName": rule.queue_name or ""}, statistic="Maximum")
        ThresholdAlarms(self, "alarms", ThresholdAlarmsProps(
            name=name, rule=rule, metric=metric, scale_out_action_arn=out.arn, scale_in_action_arn=in_.arn))
        return [out, in_]

    def _off_hours(self, schedule: OffHoursSchedule) -> None:
        props = self.props
        AutoscalingSchedule(self, "off-hours-stop", scheduled_action_name=f"{props.name}-off-hours-stop",
                            autoscaling_group_name=self.group.name, recurrence=schedule.stop,
                            time_zone=schedule.time_zone, min_size=0, max_size=0, desired_capacity=0)
        AutoscalingSchedule(self, "off-hours-start", scheduled_action_name=f"{props.name}-off-hours-start",
                            autoscaling_group_name=self.group.name, recurrence=schedule.start,
                            time_zone=schedule.time_zone, min_size=props.min_size, max_size=props.max_size,
                            desired_capacity=props.desired_capacity if props.desired_capacity is not None
                            else props.min_size)
