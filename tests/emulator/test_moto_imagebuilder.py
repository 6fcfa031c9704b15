"""EC2 Image Builder on the harness's moto (moto_imagebuilder_patches): first the rules AWS enforces that a
stack can trip over (checked with boto3), then modules/image's golden-image pipeline - cafe-nimbus's component,
recipe, build infrastructure, distribution to a second region and weekly schedule - applied through Terraform,
read back, re-planned clean, changed to a new component version, and destroyed.

No image is ever built: what is checked is the control plane Terraform and the provider see."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cdktf import App, TerraformOutput, TerraformStack
from cdktf_cdktf_provider_aws.provider import AwsProvider, AwsProviderDefaultTags
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.subnet import Subnet
from cdktf_cdktf_provider_aws.vpc import Vpc

from modules.image import GoldenImagePipeline, GoldenImagePipelineProps
from tests.harness.moto_server import REPO_ROOT
from tests.harness.terraform import TerraformWorkdir, emulator_provider_overrides, local_backend_override

pytestmark = [pytest.mark.emulator, pytest.mark.xdist_group("moto-imagebuilder")]
PRIMARY, SECONDARY, ACCOUNT = "us-east-1", "us-west-2", "123456789012"  # moto's account
NAME, PARAMETER = "ib-test-lamp", "/ib-test/prod/compute/ami/lamp"
COMPONENT = (REPO_ROOT / "blueprints" / "cafe-nimbus" / "files" / "lamp-component.yaml").read_text()
TAGS = {"Project": "ib-test"}
LINUX = f"arn:aws:imagebuilder:{PRIMARY}:aws:image/amazon-linux-2023-x86/x.x.x"

Client = Callable[[str, str], Any]


def _error(call: Callable[[], object]) -> tuple[str, int]:
    """(code, HTTP status) of the error a call must answer."""
    with pytest.raises(ClientError) as raised:
        call()
    return raised.value.response["Error"]["Code"], raised.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_references_must_exist_and_what_is_used_cannot_be_deleted(emulator_client):
    builder = emulator_client("imagebuilder", PRIMARY)
    missing = f"arn:aws:imagebuilder:{PRIMARY}:{ACCOUNT}:component/absent/1.0.0/1"
    assert _error(lambda: builder.create_image_recipe(
        name="orphan", semanticVersion="1.0.0", parentImage=LINUX, components=[{"componentArn": missing}],
        clientToken="orphan")) == ("ResourceNotFoundException", 404)
    component = builder.create_component(name="Rules Check", semanticVersion="1.0.0", platform="Linux",
                                         data=COMPONENT, clientToken="rules-component")["componentBuildVersionArn"]
    assert component == f"arn:aws:imagebuilder:{PRIMARY}:{ACCOUNT}:component/rules-check/1.0.0/1"
    assert _error(lambda: builder.create_component(
        name="Rules Check", semanticVersion="1.0.0", platform="Linux", data=COMPONENT,
        clientToken="rules-again")) == ("ResourceInUseException", 400)  # a version is created once
    recipe = builder.create_image_recipe(  # 'x' parts name the latest version, as AWS's own components do
        name="rules-check", semanticVersion="1.0.0", parentImage=LINUX, clientToken="rules-recipe",
        components=[{"componentArn": component.rsplit("/", 2)[0] + "/1.x.x"}])["imageRecipeArn"]
    assert _error(lambda: builder.delete_component(componentBuildVersionArn=component)) == (
        "ResourceDependencyException", 400)
    builder.delete_image_recipe(imageRecipeArn=recipe)
    builder.delete_component(componentBuildVersionArn=component)
    assert _error(lambda: builder.get_component(componentBuildVersionArn=component)) == (
        "ResourceNotFoundException", 404)


def test_a_component_document_must_be_one(emulator_client):
    builder = emulator_client("imagebuilder", PRIMARY)
    for document in ("phases: [", "schemaVersion: 1.0\n", "just text"):
        assert _error(lambda document=document: builder.create_component(
            name="broken", semanticVersion="1.0.0", platform="Linux", data=document,
            clientToken="broken")) == ("InvalidParameterValueException", 400)


def test_the_build_instance_profile_must_exist(emulator_client):
    builder = emulator_client("imagebuilder", PRIMARY)
    code, _ = _error(lambda: builder.create_infrastructure_configuration(
        name="no-profile", instanceProfileName="absent", clientToken="no-profile"))
    assert code == "InvalidParameterValueException"


# -- through Terraform ---------------------------------------------------------------------------------


def _synthesize(outdir: Path, component: str) -> None:
    """The golden-image pipeline as compute stacks build it, in a one-subnet VPC of its own."""
    app = App(outdir=str(outdir))
    stack = TerraformStack(app, "imagebuilder")
    AwsProvider(stack, "aws", region=PRIMARY, default_tags=[AwsProviderDefaultTags(tags=TAGS)])
    vpc = Vpc(stack, "vpc", cidr_block="10.80.0.0/16")
    subnet = Subnet(stack, "subnet", vpc_id=vpc.id, cidr_block="10.80.1.0/24", availability_zone=f"{PRIMARY}a")
    builds = SecurityGroup(stack, "builds", vpc_id=vpc.id, name="ib-test-builds", description="Image builds")
    golden = GoldenImagePipeline(stack, "image", GoldenImagePipelineProps(
        name=NAME, component_document=component, starting_ami_id="ami-0c101f26f147fa7fd", parameter_name=PARAMETER,
        subnet_id=subnet.id, security_group_ids=[builds.id], account_id=ACCOUNT, region=PRIMARY,
        secondary_region=SECONDARY))
    for name, value in {"pipeline": golden.pipeline.arn, "recipe": golden.recipe.arn,
                        "component": golden.component.arn, "infrastructure": golden.infrastructure.arn,
                        "distribution": golden.distribution.arn, "subnet": subnet.id,
                        "security_group": builds.id}.items():
        TerraformOutput(stack, f"{name}_out", value=value)  # not the construct ids "subnet" and "image"
    app.synth()


def _outputs(workdir: TerraformWorkdir) -> dict[str, str]:
    return {name.removesuffix("_out"): output["value"] for name, output in workdir.output().items()}


@pytest.fixture(scope="module")
def applied(moto, tmp_path_factory) -> SimpleNamespace:
    """The stack applied on the module's moto and planned clean right after."""
    root = tmp_path_factory.mktemp("imagebuilder")
    _synthesize(root / "out", COMPONENT)
    workdir = TerraformWorkdir(root / "out" / "stacks" / "imagebuilder", root / "work")
    workdir.write_override(emulator_provider_overrides(workdir.stack_json, moto.endpoint_url),
                           local_backend_override(root / "work" / "terraform.tfstate"))
    assert workdir.apply_then_plan() == 0, workdir.last_plan_output
    return SimpleNamespace(root=root, workdir=workdir, outputs=_outputs(workdir))


def test_the_pipeline_is_what_the_stack_asked_for(applied, emulator_client):
    builder, outputs = emulator_client("imagebuilder", PRIMARY), applied.outputs
    assert outputs["pipeline"] == f"arn:aws:imagebuilder:{PRIMARY}:{ACCOUNT}:image-pipeline/{NAME}"
    pipeline = builder.get_image_pipeline(imagePipelineArn=outputs["pipeline"])["imagePipeline"]
    assert (pipeline["imageRecipeArn"], pipeline["infrastructureConfigurationArn"],
            pipeline["distributionConfigurationArn"]) == (
        outputs["recipe"], outputs["infrastructure"], outputs["distribution"])
    assert (pipeline["status"], pipeline["platform"], pipeline["schedule"]["scheduleExpression"]) == (
        "ENABLED", "Linux", "cron(0 3 ? * SUN *)")

    recipe = builder.get_image_recipe(imageRecipeArn=outputs["recipe"])["imageRecipe"]
    assert [c["componentArn"] for c in recipe["components"]][-1] == outputs["component"]
    assert recipe["parentImage"] == LINUX
    (device,) = recipe["blockDeviceMappings"]
    assert device["ebs"] == {"encrypted": True, "deleteOnTermination": True, "volumeSize": 20, "volumeType": "gp3"}

    component = builder.get_component(componentBuildVersionArn=outputs["component"])["component"]
    assert (component["data"], component["type"], component["owner"]) == (COMPONENT, "BUILD", ACCOUNT)
    assert outputs["component"].endswith(f"/{component['version']}/1")

    infrastructure = builder.get_infrastructure_configuration(
        infrastructureConfigurationArn=outputs["infrastructure"])["infrastructureConfiguration"]
    assert (infrastructure["instanceProfileName"], infrastructure["subnetId"], infrastructure["securityGroupIds"]) == (
        f"{NAME}-builder", outputs["subnet"], [outputs["security_group"]])
    assert infrastructure["instanceMetadataOptions"] == {"httpTokens": "required", "httpPutResponseHopLimit": 1}

    distribution = builder.get_distribution_configuration(
        distributionConfigurationArn=outputs["distribution"])["distributionConfiguration"]
    assert sorted(d["region"] for d in distribution["distributions"]) == [PRIMARY, SECONDARY]
    for name in ("pipeline", "recipe", "component", "infrastructure", "distribution"):
        assert builder.list_tags_for_resource(resourceArn=outputs[name])["tags"] == TAGS


def test_a_changed_component_becomes_new_versions_and_the_old_ones_go(applied, emulator_client):
    """modules/image versions the component and recipe by content and creates the new ones before destroying
    the old: the pipeline moves to the new recipe, then AWS lets the old recipe and component go."""
    _synthesize(applied.root / "changed", COMPONENT.replace("php -m", "php -m -c /etc/php.ini"))
    stack = applied.root / "changed" / "stacks" / "imagebuilder" / "cdk.tf.json"
    (applied.workdir.path / "cdk.tf.json").write_text(stack.read_text())
    before = applied.outputs
    assert applied.workdir.plan(detailed_exitcode=True) == 2
    applied.workdir.apply()
    assert applied.workdir.plan(detailed_exitcode=True) == 0, applied.workdir.last_plan_output
    after = _outputs(applied.workdir)
    assert (after["pipeline"], after["infrastructure"]) == (before["pipeline"], before["infrastructure"])
    assert after["component"] != before["component"] and after["recipe"] != before["recipe"]
    builder = emulator_client("imagebuilder", PRIMARY)
    pipeline = builder.get_image_pipeline(imagePipelineArn=after["pipeline"])["imagePipeline"]
    assert pipeline["imageRecipeArn"] == after["recipe"]
    assert _error(lambda: builder.get_image_recipe(imageRecipeArn=before["recipe"]))[0] == "ResourceNotFoundException"
    assert _error(lambda: builder.get_component(componentBuildVersionArn=before["component"]))[0] == (
        "ResourceNotFoundException")
    applied.outputs = after


def test_destroy_leaves_no_image_builder_resource(applied, emulator_client):
    applied.workdir.destroy()
    builder = emulator_client("imagebuilder", PRIMARY)
    reads = {"pipeline": lambda arn: builder.get_image_pipeline(imagePipelineArn=arn),
             "recipe": lambda arn: builder.get_image_recipe(imageRecipeArn=arn),
             "component": lambda arn: builder.get_component(componentBuildVersionArn=arn),
             "infrastructure": lambda arn: builder.get_infrastructure_configuration(
                 infrastructureConfigurationArn=arn),
             "distribution": lambda arn: builder.get_distribution_configuration(distributionConfigurationArn=arn)}
    for name, read in reads.items():
        assert _error(lambda read=read, name=name: read(applied.outputs[name])) == ("ResourceNotFoundException", 404)
