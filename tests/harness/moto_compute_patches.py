"""moto patches the compute tier needs (load balancer, WAF, Auto Scaling, ECS, Route 53, ACM).

Same rules as moto_patches: one function per gap, a docstring saying what moto gets wrong and why
patching it is safe; `moto_patches.apply_all` runs these too.
"""

from __future__ import annotations

from collections.abc import Callable

COMPUTE_PATCHES: list[Callable[[], None]] = []


def route53_zone_ids_like_aws() -> None:
    """Real hosted zone ids start with 'Z' (e.g. Z1RWWTK7Y8UDDQ) and our configuration checks that;
    moto 5.2.5 draws all 22 characters at random. The patch keeps moto's id and makes it start with Z."""
    from moto.route53.models import HostedZoneIdentifier

    original = HostedZoneIdentifier.generate

    def generate(self, existing_ids=None, tags=None):  # type: ignore[no-untyped-def]
        zone_id = original(self, existing_ids=existing_ids, tags=tags)
        return zone_id if zone_id.startswith("Z") else f"Z{zone_id[1:]}"

    HostedZoneIdentifier.generate = generate  # type: ignore[method-assign]


COMPUTE_PATCHES.append(route53_zone_ids_like_aws)


# ECS service settings moto 5.2.5 accepts but neither stores nor returns (CreateService/UpdateService).
ECS_SERVICE_SETTINGS = {"capacityProviderStrategy": "capacity_provider_strategy",
                        "enableECSManagedTags": "enable_ecs_managed_tags",
                        "healthCheckGracePeriodSeconds": "health_check_grace_period_seconds",
                        "deploymentConfiguration": "deployment_configuration",
                        "availabilityZoneRebalancing": "availability_zone_rebalancing",
                        "enableExecuteCommand": "enable_execute_command"}


def ecs_service_settings() -> None:
    """moto 5.2.5 drops a service's capacity provider strategy, managed tags, health-check grace period
    and deployment configuration (the circuit breaker), and reports launchType EC2 for a service
    placed by a capacity-provider strategy; the provider then replaces every service on each plan.
    The patch stores what the request said and, like ECS, reports no launch type with a strategy."""
    from moto.ecs.responses import EC2ContainerServiceResponse

    def remember(response: EC2ContainerServiceResponse, result):  # type: ignore[no-untyped-def]
        service = result.result["service"] if hasattr(result, "result") else None
        if service is None:
            return result
        for key, attribute in ECS_SERVICE_SETTINGS.items():
            value = response._get_param(key)
            if value is not None:
                setattr(service, attribute, value)
        if getattr(service, "capacity_provider_strategy", None):
            service.launch_type = None
            for deployment in service.deployments:
                deployment["launchType"] = None
        return result

    for name in ("create_service", "update_service"):
        original = getattr(EC2ContainerServiceResponse, name)

        def wrapper(self, _original=original):  # type: ignore[no-untyped-def]
            return remember(self, _original(self))

        setattr(EC2ContainerServiceResponse, name, wrapper)


COMPUTE_PATCHES.append(ecs_service_settings)


def launch_template_tags_stay_on_the_template() -> None:
    """moto 5.2.5 copies the tags of the launch template itself (request TagSpecifications of type
    'launch-template') into the template's LaunchTemplateData, where AWS does not even accept that
    resource type; the provider then plans to remove them on every run. The patch keeps them on the
    template only."""
    from moto.ec2.models.launch_templates import LaunchTemplateVersion

    original = LaunchTemplateVersion.__init__

    def __init__(self, template, number, data, description):  # type: ignore[no-untyped-def]
        specs = data.get("TagSpecifications") if isinstance(data, dict) else None
        if specs:
            data = {**data, "TagSpecifications": [s for s in specs if s.get("ResourceType") != "launch-template"]}
        original(self, template, number, data, description)

    LaunchTemplateVersion.__init__ = __init__  # type: ignore[method-assign]


COMPUTE_PATCHES.append(launch_template_tags_stay_on_the_template)


def autoscaling_settings() -> None:
    """moto 5.2.5 neither stores an Auto Scaling group's DefaultInstanceWarmup nor reports a scaling
    policy's Enabled flag (AWS reports true unless it was switched off), and it reports an empty
    PredictiveScalingConfiguration on every policy, so every plan would update the group and each
    policy. The patch stores the warm-up and the flag as requested, and keeps a predictive
    configuration on predictive policies only."""
    from moto.autoscaling.models import FakeScalingPolicy
    from moto.autoscaling.responses import AutoScalingResponse

    FakeScalingPolicy.enabled = True  # type: ignore[attr-defined]

    def wrap(name: str, remember) -> None:  # type: ignore[no-untyped-def]
        original = getattr(AutoScalingResponse, name)

        def wrapper(self):  # type: ignore[no-untyped-def]
            result = original(self)
            remember(self)
            return result

        setattr(AutoScalingResponse, name, wrapper)

    def group_warmup(response: AutoScalingResponse) -> None:
        warmup = response._get_int_param("DefaultInstanceWarmup")
        group = response.autoscaling_backend.autoscaling_groups.get(response._get_param("AutoScalingGroupName"))
        if group is not None and warmup is not None:
            group.default_instance_warmup = warmup

    def policy_enabled(response: AutoScalingResponse) -> None:
        policy = response.autoscaling_backend.policies.get(response._get_param("PolicyName"))
        if policy is not None:
            policy.enabled = response._get_bool_param("Enabled", True)
            if policy.policy_type != "PredictiveScaling":
                policy.predictive_scaling_configuration = None

    wrap("create_auto_scaling_group", group_warmup)
    wrap("update_auto_scaling_group", group_warmup)
    wrap("put_scaling_policy", policy_enabled)


COMPUTE_PATCHES.append(autoscaling_settings)


def ssm_associations() -> None:
    """State Manager associations (aws_ssm_association: each fleet's AWS-RunPatchBaseline schedule). AWS:
    CreateAssociation checks that the document exists (AWS-owned documents such as AWS-RunPatchBaseline always
    do), returns an AssociationDescription with a new AssociationId, AssociationVersion "1", DocumentVersion
    "$DEFAULT" unless one was given, and the request's schedule, targets, parameters and limits; DescribeAssociation
    and UpdateAssociation (which raises AssociationVersion) name it by id and answer AssociationDoesNotExist for an
    unknown one, as DeleteAssociation does; ListAssociations lists them, filtered by Name or AssociationName; its
    tags are those of resource type Association. moto 5.2.5 implements
    none of these actions (HTTP 500) and refuses the resource type Association in the tag actions. The patch keeps
    the associations on the region's SSM backend (so /moto-api/reset forgets them) and runs nothing: no instance is
    patched, the status stays Pending."""
    import datetime
    import uuid

    from moto.core.responses import ActionResult, EmptyResult
    from moto.ssm.exceptions import InvalidDocument, SSMException
    from moto.ssm.models import SimpleSystemManagerBackend
    from moto.ssm.responses import SimpleSystemManagerResponse

    class AssociationDoesNotExist(SSMException):
        def __init__(self, association_id: str) -> None:
            super().__init__("AssociationDoesNotExist", f"Association {association_id} does not exist")

    settings = ("Name", "DocumentVersion", "Parameters", "Targets", "ScheduleExpression", "OutputLocation",
                "AssociationName", "AutomationTargetParameterName", "MaxErrors", "MaxConcurrency",
                "ComplianceSeverity", "SyncCompliance", "ApplyOnlyAtCronInterval", "CalendarNames",
                "TargetLocations", "ScheduleOffset", "Duration", "TargetMaps", "InstanceId")

    def associations(backend: SimpleSystemManagerBackend) -> dict[str, dict]:
        return backend.__dict__.setdefault("state_manager_associations", {})

    def found(self: SimpleSystemManagerResponse) -> dict:
        association_id = self._get_param("AssociationId")
        association = associations(self.ssm_backend).get(association_id)
        if association is None:
            raise AssociationDoesNotExist(association_id)
        return association

    def requested(self: SimpleSystemManagerResponse) -> dict:
        return {key: value for key in settings if (value := self._get_param(key)) is not None}

    def create_association(self: SimpleSystemManagerResponse) -> ActionResult:
        name = self._get_param("Name")
        if not name.startswith("AWS-") and name not in self.ssm_backend._documents:
            raise InvalidDocument(f"Document {name} does not exist")
        now = datetime.datetime.now(datetime.timezone.utc)
        association = {"DocumentVersion": "$DEFAULT", **requested(self), "AssociationId": str(uuid.uuid4()),
                       "AssociationVersion": "1", "Date": now, "LastUpdateAssociationDate": now,
                       "Overview": {"Status": "Pending", "DetailedStatus": "Creating"}}
        associations(self.ssm_backend)[association["AssociationId"]] = association
        tags = {t["Key"]: t["Value"] for t in self._get_param("Tags") or []}
        if tags:
            self.ssm_backend.add_tags_to_resource("Association", association["AssociationId"], tags)
        return ActionResult({"AssociationDescription": association})

    def describe_association(self: SimpleSystemManagerResponse) -> ActionResult:
        return ActionResult({"AssociationDescription": found(self)})

    def update_association(self: SimpleSystemManagerResponse) -> ActionResult:
        association = found(self)
        association.update(requested(self))
        association["AssociationVersion"] = str(int(association["AssociationVersion"]) + 1)
        association["LastUpdateAssociationDate"] = datetime.datetime.now(datetime.timezone.utc)
        return ActionResult({"AssociationDescription": association})

    def delete_association(self: SimpleSystemManagerResponse) -> EmptyResult:
        association_id = found(self)["AssociationId"]
        del associations(self.ssm_backend)[association_id]
        self.ssm_backend._resource_tags.get("Association", {}).pop(association_id, None)
        return EmptyResult()

    def list_associations(self: SimpleSystemManagerResponse) -> ActionResult:
        wanted = {f["key"]: f["value"] for f in self._get_param("AssociationFilterList") or []}
        listed = ("Name", "AssociationId", "AssociationVersion", "DocumentVersion", "Targets", "Overview",
                  "ScheduleExpression", "AssociationName", "ScheduleOffset", "Duration", "TargetMaps")
        return ActionResult({"Associations": [
            {key: association[key] for key in listed if key in association}
            for association in associations(self.ssm_backend).values()
            if all(association.get(key) == value for key, value in wanted.items())]})

    for method in (create_association, describe_association, update_association, delete_association,
                   list_associations):
        setattr(SimpleSystemManagerResponse, method.__name__, method)

    original = SimpleSystemManagerBackend._validate_resource_type_and_id

    def validate(self: SimpleSystemManagerBackend, resource_type: str, resource_id: str) -> str:
        if resource_type == "Association":
            if resource_id not in associations(self):
                raise AssociationDoesNotExist(resource_id)
            return resource_id
        return original(self, resource_type, resource_id)

    SimpleSystemManagerBackend._validate_resource_type_and_id = validate  # type: ignore[method-assign]


COMPUTE_PATCHES.append(ssm_associations)
