"""Layer 5 for the generated modules: the network example (examples/network, HCL calling
dist/terraform-modules/network) applies on moto, re-plans clean, and destroys."""

from __future__ import annotations

import pytest

from publishing.modules.__main__ import write_modules
from tests.workdirs import example_workdir

pytestmark = [pytest.mark.emulator, pytest.mark.xdist_group("module-example")]


@pytest.fixture(scope="module")
def network(moto, tmp_path_factory):
    modules = tmp_path_factory.mktemp("modules") / "terraform-modules"
    write_modules(modules, ["network"])
    return example_workdir("network", modules, tmp_path_factory.mktemp("example"), moto.endpoint_url)


def test_the_network_example_applies_and_plans_clean(network):
    assert network.apply_then_plan() == 0, network.last_plan_output


def test_what_aws_reports_is_what_the_example_asked_for(network, emulator_client):
    ec2 = emulator_client("ec2", "eu-central-1")
    outputs = network.output()
    vpc = ec2.describe_vpcs(VpcIds=[outputs["vpc_id"]["value"]])["Vpcs"][0]
    assert vpc["CidrBlock"] == "10.42.0.0/16"
    assert {t["Key"]: t["Value"] for t in vpc["Tags"]}["Environment"] == "staging"  # the caller's default_tags
    subnets = ec2.describe_subnets(SubnetIds=outputs["data_subnet_ids"]["value"])["Subnets"]
    assert sorted(s["AvailabilityZone"] for s in subnets) == ["eu-central-1a", "eu-central-1b", "eu-central-1c"]
    nats = ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["NatGateways"]
    assert len([n for n in nats if n["State"] == "available"]) == 3  # one per AZ
    logs = emulator_client("logs", "eu-central-1").describe_log_groups(logGroupNamePrefix="/vpc/shop-staging")
    assert [g["retentionInDays"] for g in logs["logGroups"]] == [90]


def test_the_network_example_destroys(network, emulator_client):
    network.destroy()
    ec2 = emulator_client("ec2", "eu-central-1")
    assert not [v for v in ec2.describe_vpcs()["Vpcs"] if v["CidrBlock"] == "10.42.0.0/16"]
