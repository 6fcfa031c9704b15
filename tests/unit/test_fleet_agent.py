"""Layer 1: every EC2 fleet runs the CloudWatch agent: its configuration parameter (which the agent's inline
policy lets the fleet's instances read, disk and memory of "/" per instance and per group), the launch template's
user data (the agent's start script before the fleet's own, as cloud-init reads it), the switch that
turns it off (the bastion), the 16 KB limit, and the golden image that carries the agent."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from email import message_from_string
from email.policy import default as mime_policy
from fnmatch import fnmatch

import pytest
from cdktf import TerraformStack
from cdktf import Testing as CdktfTesting
from cdktf_cdktf_provider_aws.provider import AwsProvider

from configuration import ConfigError, load
from configuration.compute import CLOUDWATCH_AGENT_RESERVE
from modules.bastion import Bastion, BastionProps
from modules.fleet import Ec2Fleet, Ec2FleetProps, GroupMetric, disk_used_metric, memory_used_metric
from modules.fleet.agent import USER_DATA_LIMIT, agent_config_json, parameter_name, start_script, with_agent
from modules.image import GoldenImagePipeline, GoldenImagePipelineProps
from tests.support import resources, user_config_file

ACCOUNT, REGION = "123456789012", "eu-west-1"
NAME = "shop-prod-web"
SCRIPT = "#!/bin/bash\nset -euo pipefail\nsystemctl enable --now httpd\n"
START = "amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c ssm:AmazonCloudWatch-shop-prod-web"
# CloudWatchAgentServerPolicy's Parameter Store statement (AWS managed policy, version v6 and earlier):
# ssm:GetParameter on arn:aws:ssm:*:*:parameter/AmazonCloudWatch-*; the name keeps to it, for golden images and
# tools that expect it, though the fleets now get an inline policy naming their own parameter instead
MANAGED_POLICY_PARAMETERS = "arn:aws:ssm:*:*:parameter/AmazonCloudWatch-*"
AGENT_POLICY = "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"


def _props(**overrides) -> Ec2FleetProps:
    values = dict(name=NAME, image_id="ami-0123456789abcdef0", subnet_ids=["subnet-a", "subnet-b"],
                  security_group_ids=["sg-1"], account_id=ACCOUNT, user_data=SCRIPT)
    return Ec2FleetProps(**{**values, **overrides})


def _synth(**overrides) -> tuple[dict, Ec2Fleet]:
    stack = TerraformStack(CdktfTesting.app(), "fleet-agent-test")
    AwsProvider(stack, "aws", region=REGION)
    fleet = Ec2Fleet(stack, "web", _props(**overrides))
    return json.loads(CdktfTesting.synth(stack)), fleet


@pytest.fixture(scope="module")
def synthesized() -> tuple[dict, Ec2Fleet]:
    return _synth()


def _user_data(document: dict) -> str | None:
    (template,) = resources(document, "aws_launch_template").values()
    encoded = template.get("user_data")
    return base64.b64decode(encoded).decode() if encoded else None


def _terraform_value(text: str) -> str:
    """A string as Terraform stores it: `$${` is a literal `${`."""
    return text.replace("$${", "${").replace("%%{", "%{")


def _managed_policies(document: dict) -> set[str]:
    return {a["policy_arn"] for a in resources(document, "aws_iam_role_policy_attachment").values()}


def _agent_statements(document: dict) -> list[dict]:
    return [statement for key, policy in document.get("data", {}).get("aws_iam_policy_document", {}).items()
            if "cloudwatch-agent-document" in key for statement in policy["statement"]]


# -- the configuration parameter ----------------------------------------------------------------------


def test_parameter_is_named_for_the_managed_policy_and_holds_plain_json(synthesized):
    document, fleet = synthesized
    (parameter,) = resources(document, "aws_ssm_parameter").values()
    assert parameter["name"] == "AmazonCloudWatch-shop-prod-web" == parameter_name(NAME)
    arn = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/{parameter['name']}"
    assert fnmatch(arn, MANAGED_POLICY_PARAMETERS)  # what CloudWatchAgentServerPolicy lets instances read
    assert (parameter["type"], parameter["tier"]) == ("String", "Standard")
    assert len(parameter["value"]) < 4096  # a Standard parameter's limit
    assert AGENT_POLICY not in _managed_policies(document)  # it would let instances write any log group
    (inline,) = resources(document, "aws_iam_role_policy").values()
    (statement,) = [s for s in _agent_statements(document) if s["sid"] == "AgentConfiguration"]
    assert statement["actions"] == ["ssm:GetParameter"]
    (key,) = resources(document, "aws_ssm_parameter")
    assert statement["resources"] == [f"${{aws_ssm_parameter.{key}.arn}}"]  # this fleet's parameter, no other
    assert "cloudwatch-agent-document" in inline["policy"]
    assert fleet.agent_parameter is not None and fleet.agent_parameter.name_input == parameter["name"]


def test_agent_collects_root_disk_and_memory_every_minute_per_instance_and_per_group(synthesized):
    document, _ = synthesized
    (parameter,) = resources(document, "aws_ssm_parameter").values()
    # the agent's ${aws:...} placeholders are escaped, or Terraform would read them as its own interpolation
    assert "$${aws:AutoScalingGroupName}" in parameter["value"]
    assert "${aws:" not in parameter["value"].replace("$${aws:", "")
    config = json.loads(_terraform_value(parameter["value"]))
    assert config["agent"]["metrics_collection_interval"] == 60 and config["agent"]["run_as_user"] == "cwagent"
    metrics = config["metrics"]
    assert metrics["namespace"] == "CWAgent"
    assert metrics["append_dimensions"]["AutoScalingGroupName"] == "${aws:AutoScalingGroupName}"
    assert metrics["append_dimensions"]["InstanceId"] == "${aws:InstanceId}"
    assert metrics["aggregation_dimensions"] == [["AutoScalingGroupName"]]
    collected = metrics["metrics_collected"]
    assert set(collected) == {"disk", "mem"}
    assert collected["disk"]["resources"] == ["/"] and collected["disk"]["measurement"] == ["disk_used_percent"]
    assert collected["disk"]["drop_device"] is True
    assert collected["mem"]["measurement"] == ["mem_used_percent"]
    assert {c["metrics_collection_interval"] for c in collected.values()} == {60}


def test_the_fleet_describes_the_metric_the_ops_stack_alarms_on(synthesized):
    document, fleet = synthesized
    (group,) = resources(document, "aws_autoscaling_group").values()
    assert fleet.disk_used is not None
    assert (fleet.disk_used.namespace, fleet.disk_used.name) == ("CWAgent", "disk_used_percent")
    assert set(fleet.disk_used.dimensions) == {"AutoScalingGroupName"}
    assert group["name"] == NAME
    assert disk_used_metric("levels-prod-api") == GroupMetric("CWAgent", "disk_used_percent",
                                                              {"AutoScalingGroupName": "levels-prod-api"})
    assert memory_used_metric("levels-prod-api").name == "mem_used_percent"


# -- user data ----------------------------------------------------------------------------------------


def test_user_data_starts_the_agent_then_runs_the_fleets_own_script(synthesized):
    document, _ = synthesized
    user_data = _user_data(document)
    assert user_data is not None and user_data.startswith("MIME-Version: 1.0\n")  # cloud-init's MIME test
    message = message_from_string(user_data, policy=mime_policy)
    assert message.get_content_type() == "multipart/mixed"
    agent, own = message.iter_parts()
    assert (agent.get_content_type(), own.get_content_type()) == ("text/x-shellscript", "text/x-shellscript")
    assert START in agent.get_content() and "dnf install -y amazon-cloudwatch-agent" in agent.get_content()
    assert own.get_content() == SCRIPT
    # cloud-init runs shell-script parts in the order of their file names
    assert sorted([agent.get_filename(), own.get_filename()]) == [agent.get_filename(), own.get_filename()]


def test_the_start_script_is_valid_bash_and_skips_systems_without_dnf_or_yum():
    script = start_script(parameter_name(NAME))
    assert script.startswith("#!/bin/bash\n") and START in script
    assert "yum install -y amazon-cloudwatch-agent" in script and "bake it into the image" in script
    bash = shutil.which("bash")
    if bash:
        subprocess.run([bash, "-n"], input=script, text=True, check=True)


def test_a_fleet_without_user_data_gets_the_start_script_alone():
    document, _ = _synth(user_data=None)
    assert _user_data(document) == start_script(parameter_name(NAME)) == start_script(
        parameter_name(NAME), agent_config_json())  # the metrics-only configuration by default


def test_cloud_config_and_mime_user_data_keep_their_kind():
    parameter = parameter_name(NAME)
    cloud_config = "#cloud-config\npackages: [httpd]\n"
    parts = list(message_from_string(with_agent(cloud_config, parameter), policy=mime_policy).iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/x-shellscript", "text/cloud-config"]
    assert parts[1].get_content() == cloud_config
    mime = ("MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"own\"\n\n--own\n"
            "Content-Type: text/cloud-config\n\n#cloud-config\nruncmd: [date]\n"
            "\n--own\nContent-Type: text/x-shellscript\n\n#!/bin/sh\necho ok\n\n--own--\n")
    parts = list(message_from_string(with_agent(mime, parameter), policy=mime_policy).iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/x-shellscript", "text/cloud-config", "text/x-shellscript"]
    assert parts[2].get_content() == "#!/bin/sh\necho ok\n"
    assert with_agent(SCRIPT, parameter) == with_agent(SCRIPT, parameter)  # no random boundary: stable plans
    # cloud-init reads the document as text (str): raw 8-bit bytes would come out garbled, an encoding does not
    unicode = "#!/bin/bash\necho 'café ☕'\n"
    (_, own) = message_from_string(with_agent(unicode, parameter), policy=mime_policy).iter_parts()
    assert own["Content-Transfer-Encoding"] == "quoted-printable"
    assert own.get_payload(decode=True).decode("utf-8") == own.get_content() == unicode  # as cloud-init decodes it


# -- the switch ---------------------------------------------------------------------------------------


def test_agent_off_leaves_user_data_role_and_parameters_as_they_were():
    document, fleet = _synth(cloudwatch_agent=False)
    assert not resources(document, "aws_ssm_parameter")
    assert _user_data(document) == SCRIPT
    assert AGENT_POLICY not in _managed_policies(document) and not _agent_statements(document)
    assert fleet.agent_parameter is None and fleet.disk_used is None
    assert _props().cloudwatch_agent is True  # on unless asked


def test_the_bastion_runs_no_agent():
    stack = TerraformStack(CdktfTesting.app(), "bastion-test")
    AwsProvider(stack, "aws", region=REGION)
    Bastion(stack, "bastion", BastionProps(
        name="shop-prod-bastion", vpc_id="vpc-1", vpc_cidr="10.0.0.0/16", public_subnet_ids=["a", "b"],
        allowed_cidrs=["203.0.113.0/24"], key_name="ops", image_id="ami-0123456789abcdef0", account_id=ACCOUNT))
    document = json.loads(CdktfTesting.synth(stack))
    assert not resources(document, "aws_ssm_parameter")
    assert _user_data(document) is None
    assert _managed_policies(document) == {"arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"}


# -- the 16 KB limit ----------------------------------------------------------------------------------


def test_user_data_that_fits_alone_but_not_with_the_agent_is_refused_naming_both_sizes():
    own = "#!/bin/bash\n" + "#" * (USER_DATA_LIMIT - 500)
    with pytest.raises(ValueError) as error:
        _props(user_data=own)
    message = str(error.value)
    launched = len(with_agent(own, parameter_name(NAME)).encode())
    assert f"user data is {launched} bytes with the CloudWatch agent's start script ({len(own)} of its own)" in message
    assert "fix: bake software into the image" in message
    assert _props(user_data=own, cloudwatch_agent=False).user_data == own  # fits without the agent
    with pytest.raises(ValueError, match="user data is 16385 bytes; EC2 takes 16 KB"):
        _props(user_data="#" * (USER_DATA_LIMIT + 1))


def test_the_configuration_reserves_room_for_the_agent_and_refuses_a_script_that_leaves_none(tmp_path):
    longest = "a" * 51  # the longest fleet name
    for own in (SCRIPT, "#cloud-config\nruncmd: [date]\n", "#!/bin/sh\r\n" + "x" * 12000 + "\r\n"):
        overhead = len(with_agent(own, parameter_name(longest)).encode()) - len(own.encode())
        assert overhead <= CLOUDWATCH_AGENT_RESERVE, overhead
    # non-ASCII text grows by its transfer encoding: the fleet measures what it launches, whatever the file size
    with pytest.raises(ValueError, match="with the CloudWatch agent's start script"):
        _props(user_data="#!/bin/bash\n# " + "é" * 5000 + "\n")
    script = tmp_path / "big.sh"
    script.write_text("#!/bin/bash\n" + "#" * (USER_DATA_LIMIT - 1000))
    body = f"compute:\n  fleets:\n    api: {{user_data: {script}}}\n"
    with pytest.raises(ConfigError) as error:
        load(config_file=user_config_file(tmp_path, "levels/prod", body))
    text = str(error.value)
    assert f"compute.fleets.api.user_data '{script}' is {script.stat().st_size} bytes" in text
    assert f"{CLOUDWATCH_AGENT_RESERVE} bytes of which start the CloudWatch agent" in text and "fix:" in text


# -- the golden image ---------------------------------------------------------------------------------


def test_golden_images_carry_the_agent_component_and_the_recipe_version_follows_it():
    stack = TerraformStack(CdktfTesting.app(), "image-agent-test")
    AwsProvider(stack, "aws", region=REGION)
    values = dict(component_document="schemaVersion: 1.0\nphases:\n  - name: build\n    steps: []\n",
                  starting_ami_id="ami-0123456789abcdef0", parameter_name="/shop/prod/compute/ami/lamp",
                  subnet_id="subnet-a", security_group_ids=["sg-1"], account_id=ACCOUNT, region=REGION)
    GoldenImagePipeline(stack, "with", GoldenImagePipelineProps(name="shop-prod-with", **values))
    GoldenImagePipeline(stack, "without", GoldenImagePipelineProps(name="shop-prod-without", cloudwatch_agent=False,
                                                                   **values))
    recipes = {r["name"]: r for r in json.loads(CdktfTesting.synth(stack))["resource"][
        "aws_imagebuilder_image_recipe"].values()}
    arns = [c["component_arn"] for c in recipes["shop-prod-with"]["component"]]
    assert arns[:2] == [f"arn:aws:imagebuilder:{REGION}:aws:component/update-linux/x.x.x",
                        f"arn:aws:imagebuilder:{REGION}:aws:component/amazon-cloudwatch-agent-linux/x.x.x"]
    assert arns[2].startswith("${aws_imagebuilder_component.")  # the blueprint's software last
    assert len(recipes["shop-prod-without"]["component"]) == 2
    assert recipes["shop-prod-with"]["version"] != recipes["shop-prod-without"]["version"]  # versions are immutable


def test_shipped_fleets_keep_their_user_data_within_the_limit():
    for blueprint, environment in (("notebookly", "prod"), ("cafe-nimbus", "prod"), ("levels", "prod")):
        config = load(blueprint, environment)
        from configuration.compute import blueprint_file

        for name, fleet in config.compute.fleets.items():
            own = blueprint_file(config, fleet.user_data).read_text() if fleet.user_data else None
            launched = with_agent(own, parameter_name(f"{config.name_prefix}-{name}"))
            assert len(launched.encode()) <= USER_DATA_LIMIT, (blueprint, name)


def test_the_mime_boundary_does_not_depend_on_token_numbers():
    """A generated module's user data is a variable token, numbered by whatever the process made before it;
    the boundary must not change with that number, or the committed module would differ run to run."""
    from modules.fleet.agent import with_agent

    def boundary(document: str) -> str:
        return re.search(r'boundary="([^"]+)"', document)[1]

    first = boundary(with_agent("${TfToken[TOKEN.12]}", "AmazonCloudWatch-web"))
    assert first == boundary(with_agent("${TfToken[TOKEN.345]}", "AmazonCloudWatch-web"))
    assert first != boundary(with_agent("${TfToken[TOKEN.12]}", "AmazonCloudWatch-api"))  # still content-based
