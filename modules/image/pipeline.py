"""An EC2 Image Builder pipeline baking a golden image (seed 000: an AMI before anything else).

The pipeline starts from the latest Amazon Linux 2023, applies the AWS update component, the AWS
CloudWatch agent component (fleets then only configure and start the agent at boot, see
`modules/fleet/agent.py`) and the blueprint's component (e.g. Apache and PHP for the café's LAMP
app), runs the image tests, and
distributes the image to the primary region and, for disaster recovery, the secondary one. Each
new image id is written to an SSM parameter: fleets launch `resolve:ssm:<parameter>`, so a new
golden image reaches them on the next launch or instance refresh. The parameter is created with
the configured starting AMI, so fleets can launch before the first build finishes.

Image Builder versions are immutable: the component and recipe versions derive from a hash of
their content, so a changed document becomes a new version instead of a conflict.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.imagebuilder_component import ImagebuilderComponent
from cdktf_cdktf_provider_aws.imagebuilder_distribution_configuration import (
    ImagebuilderDistributionConfiguration,
    ImagebuilderDistributionConfigurationDistribution,
    ImagebuilderDistributionConfigurationDistributionAmiDistributionConfiguration,
    ImagebuilderDistributionConfigurationDistributionSsmParameterConfiguration,
)
from cdktf_cdktf_provider_aws.imagebuilder_image_pipeline import (
    ImagebuilderImagePipeline,
    ImagebuilderImagePipelineImageScanningConfiguration,
    ImagebuilderImagePipelineImageTestsConfiguration,
    ImagebuilderImagePipelineSchedule,
)
from cdktf_cdktf_provider_aws.imagebuilder_image_recipe import (
    ImagebuilderImageRecipe,
    ImagebuilderImageRecipeBlockDeviceMapping,
    ImagebuilderImageRecipeBlockDeviceMappingEbs,
    ImagebuilderImageRecipeComponent,
)
from cdktf_cdktf_provider_aws.imagebuilder_infrastructure_configuration import (
    ImagebuilderInfrastructureConfiguration,
    ImagebuilderInfrastructureConfigurationInstanceMetadataOptions,
)
from cdktf_cdktf_provider_aws.ssm_parameter import SsmParameter
from constructs import Construct

from modules.iam import ServiceRole, ServiceRoleProps

BUILDER_POLICIES = ("EC2InstanceProfileForImageBuilder", "AmazonSSMManagedInstanceCore")


@dataclass(frozen=True)
class GoldenImagePipelineProps:
    name: str
    """Pipeline name, e.g. 'cafe-nimbus-prod-lamp'; the image, recipe and role derive from it."""
    component_document: str
    """Image Builder component (YAML) installing the software."""
    starting_ami_id: str
    """Value of the AMI parameter until the first golden image replaces it."""
    parameter_name: str
    """SSM parameter receiving each new image id, e.g. /cafe-nimbus/prod/compute/ami/lamp."""
    subnet_id: str
    """Private-app subnet the build instance runs in (internet through NAT, no public IP)."""
    security_group_ids: Sequence[str]
    account_id: str
    region: str
    partition: str = "aws"
    secondary_region: str | None = None
    """Also copy each image there (disaster recovery)."""
    instance_types: Sequence[str] = ("t3.medium",)
    schedule: str = "cron(0 3 ? * SUN *)"
    root_volume_gb: int = 20
    architecture: str = "x86"
    """'x86' or 'arm64': which Amazon Linux 2023 image to start from."""
    cloudwatch_agent: bool = True
    """Bake in the CloudWatch agent (AWS's amazon-cloudwatch-agent-linux component), installed but not started:
    fleets start it with their own configuration."""

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9-]{1,100}", self.name):
            raise ValueError(f"image pipeline name {self.name!r}; fix: lower-case letters, digits and hyphens")
        if not self.parameter_name.startswith("/"):
            raise ValueError(f"parameter_name {self.parameter_name!r}; "
                             "fix: a path such as /project/env/compute/ami/web")
        if not re.fullmatch(r"ami-[0-9a-f]{8,17}", self.starting_ami_id):
            raise ValueError(f"starting_ami_id {self.starting_ami_id!r}; fix: an AMI id such as ami-0abcdef1234567890")
        if self.architecture not in ("x86", "arm64"):
            raise ValueError(f"architecture {self.architecture!r}; fix: 'x86' or 'arm64'")
        if "phases:" not in self.component_document:
            raise ValueError(f"component of {self.name!r} has no 'phases:'; fix: an Image Builder component "
                             "document (schemaVersion: 1.0, phases: [build: ...])")


def content_version(*parts: str) -> str:
    """A semantic version that changes whenever the content does (Image Builder versions are immutable)."""
    digest = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    return f"1.0.{int(digest[:7], 16)}"


class GoldenImagePipeline(Construct):
    def __init__(self, scope: Construct, id: str, props: GoldenImagePipelineProps) -> None:
        super().__init__(scope, id)
        arn_prefix = f"arn:{props.partition}:imagebuilder:{props.region}"
        self.role = ServiceRole(self, "builder-role", ServiceRoleProps(
            role_name=f"{props.name}-builder", service="ec2.amazonaws.com", account_id=props.account_id,
            description=f"Build instances of the {props.name} image pipeline",
            managed_policy_arns=tuple(f"arn:{props.partition}:iam::aws:policy/{p}" for p in BUILDER_POLICIES),
            instance_profile=True))
        component_version = content_version(props.component_document)
        self.component = ImagebuilderComponent(
            self, "component", name=props.name, platform="Linux", version=component_version,
            data=props.component_document, description=f"Software of the {props.name} golden image",
            lifecycle={"create_before_destroy": True})
        parent = f"{arn_prefix}:aws:image/amazon-linux-2023-{props.architecture}/x.x.x"
        managed = [f"{arn_prefix}:aws:component/{name}/x.x.x" for name in (
            "update-linux", *(["amazon-cloudwatch-agent-linux"] if props.cloudwatch_agent else []))]
        self.recipe = ImagebuilderImageRecipe(
            self, "recipe", name=props.name, parent_image=parent,
            # the component list is content too: a recipe version is immutable
            version=content_version(component_version, parent, str(props.root_volume_gb), *managed),
            component=[*(ImagebuilderImageRecipeComponent(component_arn=arn) for arn in managed),
                       ImagebuilderImageRecipeComponent(component_arn=self.component.arn)],
            block_device_mapping=[ImagebuilderImageRecipeBlockDeviceMapping(
                device_name="/dev/xvda", ebs=ImagebuilderImageRecipeBlockDeviceMappingEbs(
                    volume_size=props.root_volume_gb, volume_type="gp3", encrypted="true",
                    delete_on_termination="true"))],
            lifecycle={"create_before_destroy": True})
        self.infrastructure = ImagebuilderInfrastructureConfiguration(
            self, "infrastructure", name=props.name, instance_profile_name=self.role.name,
            instance_types=list(props.instance_types), subnet_id=props.subnet_id,
            security_group_ids=list(props.security_group_ids), terminate_instance_on_failure=True,
            instance_metadata_options=ImagebuilderInfrastructureConfigurationInstanceMetadataOptions(
                http_tokens="required", http_put_response_hop_limit=1),
            depends_on=[self.role.instance_profile])  # type: ignore[list-item]
        self.parameter = SsmParameter(
            self, "ami-parameter", name=props.parameter_name, type="String", data_type="aws:ec2:image",
            value=props.starting_ami_id, description=f"Current golden image of {props.name}",
            lifecycle={"ignore_changes": ["value"]})  # Image Builder writes each new image id here
        regions = [props.region, *([props.secondary_region] if props.secondary_region else [])]
        self.distribution = ImagebuilderDistributionConfiguration(
            self, "distribution", name=props.name, distribution=[
                ImagebuilderDistributionConfigurationDistribution(
                    region=region, ami_distribution_configuration=(
                        ImagebuilderDistributionConfigurationDistributionAmiDistributionConfiguration(
                            name=f"{props.name}-{{{{ imagebuilder:buildDate }}}}")),
                    ssm_parameter_configuration=[
                        ImagebuilderDistributionConfigurationDistributionSsmParameterConfiguration(
                            parameter_name=props.parameter_name, data_type="aws:ec2:image")])
                for region in regions])
        self.pipeline = ImagebuilderImagePipeline(
            self, "pipeline", name=props.name, image_recipe_arn=self.recipe.arn,
            infrastructure_configuration_arn=self.infrastructure.arn,
            distribution_configuration_arn=self.distribution.arn, enhanced_image_metadata_enabled=True,
            image_tests_configuration=ImagebuilderImagePipelineImageTestsConfiguration(image_tests_enabled=True),
            image_scanning_configuration=ImagebuilderImagePipelineImageScanningConfiguration(
                image_scanning_enabled=True),
            schedule=ImagebuilderImagePipelineSchedule(
                schedule_expression=props.schedule,
                pipeline_execution_start_condition="EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE"))

    @property
    def launch_image_id(self) -> str:
        """What a launch template names: the parameter, resolved by EC2 at each launch."""
        return f"resolve:ssm:{self.parameter.name}"
