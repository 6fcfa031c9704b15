"""The `ecs-service` module: a modules.containers ContainerCluster, ImageRepository and FargateService with CPU
target tracking, behind a load balancer, as the compute stack builds one service."""

from __future__ import annotations

from configuration.compute import Service
from modules.containers.sizes import FARGATE_MEMORY
from publishing.modules.common import (
    ACCOUNT_ID,
    NAME,
    VPC_ID,
    log_retention,
    matches,
    one_of,
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

TAG_PATTERN = Service.model_fields["image_tag"].metadata[0].pattern.strip("^$")
MEMORY_BY_CPU = "{" + ", ".join(f"\"{cpu}\" = [{', '.join(map(str, memory))}]"
                                for cpu, memory in FARGATE_MEMORY.items()) + "}"
"""Fargate's task sizes as a Terraform map literal (keys are strings in HCL): cpu -> the memory sizes it admits."""

VARIABLES = [
    NAME,
    ACCOUNT_ID,
    VPC_ID,
    VPC_CIDR,
    APP_SUBNETS,
    APP_SECURITY_GROUP,
    LOAD_BALANCER_SECURITY_GROUP,
    ModuleVariable(
        "target_group_arn", "string",
        "Target group the tasks register in (the alb module's `target_group_arn`, created with target_type "
        "\"ip\"); ECS starts the tasks' health-check grace period from there.",
        validations=[Validation(matches("var.target_group_arn", TARGET_GROUP_ARN),
                                "target_group_arn must be a target group ARN, arn:aws:elasticloadbalancing:<region>:"
                                "<account>:targetgroup/<name>/<id>; fix: pass module.alb.target_group_arn.")]),
    PORT,
    ModuleVariable(
        "service_name", "string",
        "Name of the service and its container, e.g. \"web\"; roles, task family and log group are "
        "<name>-<service_name>, the repository <name>/<service_name>. Default \"app\".", default="app",
        validations=[Validation(matches("var.service_name", r"[a-z][a-z0-9-]{0,19}"),
                                "service_name must be 1-20 lower-case letters, digits or hyphens, starting with a "
                                "letter (IAM role names derived from it have 64 characters at most); fix: e.g. "
                                "\"web\".")]),
    ModuleVariable(
        "image_tag", "string",
        "Tag of the image in the module's repository the service runs; tags are immutable, so a deployment is a "
        "new tag. Push it before the tasks can start. Default \"initial\".", default="initial",
        validations=[Validation(matches("var.image_tag", TAG_PATTERN),
                                "image_tag must be an image tag: letters, digits, _ . and -, at most 128, not "
                                "starting with . or -; fix: e.g. \"v1.4.2\" or a commit hash.")]),
    ModuleVariable(
        "cpu", "number", "CPU units of a task (1024 = one vCPU); default 256.", default=256,
        validations=[Validation(f"contains({sorted(FARGATE_MEMORY)}, var.cpu)",
                                f"cpu must be one of Fargate's sizes {', '.join(map(str, sorted(FARGATE_MEMORY)))}; "
                                "fix: pick one of them.")]),
    ModuleVariable(
        "memory", "number", "Memory of a task in MiB, one Fargate admits with cpu (256: 512-2048; 512: 1024-4096; "
                            "1024: 2048-8192; ...); default 512.", default=512,
        validations=[Validation("var.memory >= 512 && var.memory <= 30720 && var.memory % 512 == 0",
                                "memory must be a Fargate memory size in MiB (512 to 30720); fix: e.g. 512, 1024 or "
                                "2048, matching cpu.")]),
    one_of("architecture", "CPU architecture of the image: ARM64 (Graviton, cheaper per vCPU; the default) or "
                           "X86_64.", ("ARM64", "X86_64"), default="ARM64"),
    ModuleVariable(
        "user", "string",
        "Numeric user (or user:group) the container runs as; never root. Default 1000.", default="1000",
        validations=[Validation(f"{matches('var.user', r'[0-9]+(:[0-9]+)?')} && split(\":\", var.user)[0] != \"0\"",
                                "user must be a numeric, non-root uid (optionally :gid); fix: e.g. \"1000\".")]),
    *sizes("min_count", "max_count", "tasks"),
    target_cpu_percent(),
    whole_number("health_check_grace_seconds", "Seconds a new task may start before failed load balancer health "
                                               "checks replace it; default 60.", 0, 2147483647, default=60,
                 unit=" seconds"),
    whole_number("keep_images", "Images kept in the repository (older ones expire); a rollback can reach any of "
                                "them. Default 20.", 1, 10000, default=20),
    log_retention("log_retention_days", "Days the containers' logs (KMS-encrypted) are kept; default 90.", 90),
    one_of("container_insights", "Container Insights level of the cluster: \"enhanced\" (per-task and per-container "
                                 "metrics; the default) or \"enabled\" (per service, cheaper).",
           ("enhanced", "enabled"), default="enhanced"),
]


def build(scope, inputs):
    from modules.containers import (
        ContainerCluster,
        ContainerClusterProps,
        FargateService,
        FargateServiceProps,
        ImageRepository,
        ImageRepositoryProps,
    )
    from modules.kms import EncryptionKey, EncryptionKeyProps, ServiceGrant
    from modules.scaling import ScalingRule

    region, partition = region_and_partition(scope)
    name, account_id, service_name = inputs["name"], inputs["account_id"], inputs["service_name"]
    logs = f"arn:{partition}:logs:{region}:{account_id}:log-group:/ecs/{name}/*"
    key = EncryptionKey(scope, "key", EncryptionKeyProps(
        alias=f"{name}-containers", description=f"Container logs and images of {name}", account_id=account_id,
        partition=partition, service_grants=(ServiceGrant(service=f"logs.{region}.amazonaws.com", conditions=[
            ("ArnLike", "kms:EncryptionContext:aws:logs:arn", [logs])]),)))
    cluster = ContainerCluster(scope, "cluster", ContainerClusterProps(
        name=name, vpc_id=inputs["vpc_id"], namespace=f"{name}.internal",
        container_insights=inputs["container_insights"]))
    repository = ImageRepository(scope, "repository", ImageRepositoryProps(
        name=f"{name}/{service_name}", encryption_key_arn=key.arn, keep_images=inputs["keep_images"]))
    group = workload_security_group(scope, inputs, f"{name}-{service_name}",
                                    f"Service {service_name} of {name}: HTTPS and DNS out")
    service = FargateService(scope, "service", FargateServiceProps(
        name=service_name, name_prefix=name, cluster=cluster, image=f"{repository.url}:{inputs['image_tag']}",
        subnet_ids=inputs["subnet_ids"], security_group_ids=[group.id, inputs["app_security_group_id"]],
        account_id=account_id, region=region, log_encryption_key_arn=key.arn, partition=partition,
        cpu=inputs["cpu"], memory=inputs["memory"], architecture=inputs["architecture"], port=inputs["port"],
        target_group_arn=inputs["target_group_arn"], health_check_grace_seconds=inputs["health_check_grace_seconds"],
        min_count=inputs["min_count"], max_count=inputs["max_count"], user=inputs["user"],
        log_retention_days=inputs["log_retention_days"],
        scaling=ScalingRule(target_cpu_percent=inputs["target_cpu_percent"])))
    preconditions(service.task_definition, Validation(
        f"contains(lookup({MEMORY_BY_CPU}, tostring(var.cpu), []), var.memory)",
        "memory is not a size Fargate admits with cpu (256: 512, 1024, 2048; 512: 1024-4096; 1024: 2048-8192; "
        "2048: 4096-16384; 4096: 8192-30720, in steps of 1024); fix: change memory or cpu."))
    preconditions(service.scaling_target, ordered("min_count", "max_count"))
    return {
        "cluster_name": ModuleOutput(cluster.name, "ECS cluster (CloudWatch dimension ClusterName)"),
        "cluster_arn": ModuleOutput(cluster.arn, "ARN of the ECS cluster"),
        "service_name": ModuleOutput(service.name, "ECS service (CloudWatch dimension ServiceName)"),
        "repository_url": ModuleOutput(repository.url, "ECR repository: push <url>:<image_tag>, then apply"),
        "task_role_name": ModuleOutput(service.task_role.name, "Role of the application's tasks: attach the "
                                                               "policies it needs (e.g. the cache module's "
                                                               "connect_policy_json)"),
        "task_role_arn": ModuleOutput(service.task_role.arn, "ARN of the tasks' role"),
        "execution_role_arn": ModuleOutput(service.execution_role.arn, "Role ECS pulls the image and writes the "
                                                                       "logs with"),
        "log_group_name": ModuleOutput(service.log_group.name, "Log group of the containers"),
        "security_group_id": ModuleOutput(group.id, "The service's own security group (admit callers here)"),
        "kms_key_arn": ModuleOutput(key.arn, "Key of the log group and the repository"),
    }


SPEC = ModuleSpec(
    name="ecs-service",
    construct="modules.containers.FargateService",
    summary=(
        "A Fargate service behind a load balancer, with its ECS cluster (Container Insights, Fargate and Fargate "
        "Spot capacity, a private service-discovery namespace) and its ECR repository (immutable tags, scan on "
        "push, KMS-encrypted, old images expired). Tasks run in the private app subnets with no public IP, as a "
        "non-root user with a read-only root filesystem (a scratch /tmp is mounted), log to a KMS-encrypted log "
        "group, and roll back by themselves when a deployment fails (circuit breaker); Application Auto Scaling "
        "tracks a CPU target. The service's own security group admits the load balancer on the port only and "
        "sends only HTTPS out and DNS to the VPC resolver."),
    variables=VARIABLES,
    build=build,
    fixed=(
        "One service per cluster, running its own repository's image (the compute stack puts several services, "
        "or public images, in one cluster).",
        "No environment variables, injected secrets or EFS volume (the construct's `environment`, `secrets` and "
        "`file_system`): the application reads its settings with its task role, e.g. from SSM Parameter Store.",
        "On-demand Fargate, not registered in the namespace (the construct's `spot` and `discoverable`), target "
        "tracking on CPU (its `scaling` also takes step scaling on CPU or queue depth), no off-hours schedule.",
    ),
    notes=(
        "Each ecs-service module makes its own cluster, key and repository named after `name`: give every one a "
        "name of its own.",
        "Push the image tag to `repository_url` before the tasks can start; until then the deployment's circuit "
        "breaker reports the failure.",
        "Application Auto Scaling owns the desired count after creation: Terraform starts the service at "
        "min_count and then ignores it.",
    ),
)
