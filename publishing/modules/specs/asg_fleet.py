"""The `asg-fleet` module: modules.fleet.Ec2Fleet scaling by modules.scaling's CPU target tracking, behind a load
balancer, with its own security group, as the compute stack builds one fleet."""

from __future__ import annotations

from configuration.compute import CLOUDWATCH_AGENT_RESERVE, USER_DATA_LIMIT
from publishing.modules.common import (
    ACCOUNT_ID,
    NAME,
    VPC_ID,
    matches,
    preconditions,
    region_and_partition,
    whole_number,
)
from publishing.modules.spec import ModuleOutput, ModuleSpec, ModuleVariable, Validation
from publishing.modules.specs._workload import (
    APP_SECURITY_GROUP,
    APP_SUBNETS,
    LOAD_BALANCER_SECURITY_GROUP,
    PORT,
    TARGET_GROUP_ARN,
    VPC_CIDR,
    ordered,
    sizes,
    target_cpu_percent,
    workload_security_group,
)

USER_DATA_BUDGET = USER_DATA_LIMIT - CLOUDWATCH_AGENT_RESERVE
"""What EC2's 16 KB leave the fleet's own user data beside the CloudWatch agent's start script."""

VARIABLES = [
    NAME,
    ACCOUNT_ID,
    VPC_ID,
    VPC_CIDR,
    APP_SUBNETS,
    APP_SECURITY_GROUP,
    LOAD_BALANCER_SECURITY_GROUP,
    ModuleVariable(
        "target_group_arns", "list(string)",
        "Target groups the instances register in (the alb module's `target_group_arn`); the group then replaces "
        "instances that fail the load balancer's health check (ELB health checks).",
        validations=[
            Validation("length(var.target_group_arns) >= 1",
                       "target_group_arns must name at least one target group; fix: pass [module.alb.target_group_arn] "
                       "(a fleet without a load balancer is composed from Python)."),
            Validation(f"alltrue([for arn in var.target_group_arns : {matches('arn', TARGET_GROUP_ARN)}])",
                       "target_group_arns must hold target group ARNs, arn:aws:elasticloadbalancing:<region>:"
                       "<account>:targetgroup/<name>/<id>; fix: pass module.alb.target_group_arn.")]),
    PORT,
    ModuleVariable(
        "image_id", "string",
        "AMI the instances launch (Amazon Linux 2023 or 2, or a golden image built from them; the CloudWatch agent "
        "is installed at boot where missing). Explicit, not looked up, so a new AMI is a reviewed change.",
        validations=[Validation(matches("var.image_id", r"ami-[0-9a-f]{8,17}"),
                                "image_id must look like ami-0123456789abcdef0; fix: `aws ssm get-parameter --name "
                                "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64`.")]),
    ModuleVariable(
        "instance_type", "string", "EC2 instance type; default t3.small.", default="t3.small",
        validations=[Validation(matches("var.instance_type", r"[a-z][a-z0-9-]*\.[a-z0-9]+"),
                                "instance_type must be an EC2 instance type; fix: e.g. \"t3.small\" or "
                                "\"m7g.large\" (with an arm64 image).")]),
    *sizes("min_size", "max_size", "instances"),
    target_cpu_percent(),
    whole_number("root_volume_gb", "Size of the encrypted gp3 root volume; default 20 GiB.", 8, 16384, default=20,
                 unit=" GiB"),
    whole_number("health_check_grace_seconds", "Seconds a new instance may boot before failed health checks "
                                               "replace it (and before scaling counts it); default 300.",
                 0, 7200, default=300, unit=" seconds"),
    ModuleVariable(
        "user_data", "string",
        f"Boot script (#!) or cloud-config (#cloud-config) as plain text, not a MIME document: it runs as the "
        f"second part of one, after the CloudWatch agent's start script. At most "
        f"{USER_DATA_BUDGET} characters (EC2 takes 16 KB with the agent's script). Default none: bake software "
        "into the image.", default="",
        validations=[Validation(f"length(var.user_data) <= {USER_DATA_BUDGET}",
                                f"user_data must be at most {USER_DATA_BUDGET} characters (EC2's 16 KB less the "
                                "CloudWatch agent's start script); fix: bake software into the image.")]),
]


def build(scope, inputs):
    from modules.fleet import Ec2Fleet, Ec2FleetProps
    from modules.scaling import ScalingRule

    _, partition = region_and_partition(scope)
    name = inputs["name"]
    group = workload_security_group(scope, inputs, name, f"Fleet {name}: HTTPS and DNS out")
    fleet = Ec2Fleet(scope, "fleet", Ec2FleetProps(
        name=name, image_id=inputs["image_id"], subnet_ids=inputs["subnet_ids"],
        security_group_ids=[group.id, inputs["app_security_group_id"]], account_id=inputs["account_id"],
        partition=partition, instance_type=inputs["instance_type"], min_size=inputs["min_size"],
        max_size=inputs["max_size"], target_group_arns=inputs["target_group_arns"],
        health_check_grace_seconds=inputs["health_check_grace_seconds"], user_data=inputs["user_data"],
        root_volume_gb=inputs["root_volume_gb"], scaling=ScalingRule(target_cpu_percent=inputs["target_cpu_percent"])))
    preconditions(fleet.group, ordered("min_size", "max_size"))
    return {
        "group_name": ModuleOutput(fleet.name, "Auto Scaling group (CloudWatch dimension AutoScalingGroupName)"),
        "group_arn": ModuleOutput(fleet.group.arn, "ARN of the Auto Scaling group"),
        "launch_template_id": ModuleOutput(fleet.launch_template.id, "Launch template; a change rolls out by "
                                                                     "instance refresh, keeping 90 % healthy"),
        "role_name": ModuleOutput(fleet.role_name, "Instance role: attach the policies the application needs "
                                                   "(e.g. the cache module's connect_policy_json)"),
        "role_arn": ModuleOutput(fleet.role.arn, "ARN of the instance role"),
        "security_group_id": ModuleOutput(group.id, "The fleet's own security group (admit callers here)"),
        "cloudwatch_agent_parameter_name": ModuleOutput(fleet.agent_parameter.name, "SSM parameter holding the "
                                                        "CloudWatch agent's configuration (disk and memory use)"),
    }


SPEC = ModuleSpec(
    name="asg-fleet",
    construct="modules.fleet.Ec2Fleet",
    summary=(
        "An EC2 Auto Scaling group behind a load balancer (seed 003's auto-healing): a launch template with IMDSv2 "
        "only (hop limit 1), no public IP, an encrypted gp3 root volume, detailed monitoring and an instance role "
        "with Session Manager access instead of SSH keys; the group spans the private app subnets of every AZ, "
        "replaces instances failing the load balancer's health check, rolls a new launch template out by "
        "instance refresh (90 % healthy, automatic rollback) and tracks a CPU target. Every instance runs the "
        "CloudWatch agent (root-filesystem and memory use per instance and per group). Its own security group "
        "admits the load balancer on the port only and sends only HTTPS out and DNS to the VPC resolver."),
    variables=VARIABLES,
    build=build,
    fixed=(
        "Load-balanced, with ELB health checks (a worker fleet without target groups is composed from Python).",
        "Target tracking on average CPU (the construct's `scaling` also takes step scaling on CPU or queue depth).",
        "No off-hours schedule (the construct's `off_hours` scales to zero at night) and no SSH key (Session "
        "Manager only; the construct's `key_name` adds one for a bastion).",
        "No plain HTTP egress (the compute stack's `http_egress`) and no managed policies on the role beyond "
        "Session Manager and the CloudWatch agent: attach yours to `role_name`.",
    ),
    notes=(
        "Auto Scaling owns the desired capacity after creation: Terraform starts the group at min_size and then "
        "ignores it.",
    ),
)
