"""Layer 1: the Network construct with props no shipped blueprint uses (4 AZs, a variable CIDR, bad props)."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from cdktf import TerraformStack, TerraformVariable
from cdktf import Testing as CdktfTesting
from cdktf_cdktf_provider_aws.provider import AwsProvider

from modules.network import Network, NetworkProps
from modules.network.cidr import plan_subnets
from modules.tags import NameTags

ZONES = ["eu-west-1a", "eu-west-1b", "eu-west-1c", "eu-west-1d"]


def _synth(props_overrides: dict, with_variable: bool = False) -> dict:
    app = CdktfTesting.app()
    stack = TerraformStack(app, "test")
    AwsProvider(stack, "aws", region="eu-west-1")
    cidr = "10.20.0.0/16"
    if with_variable:
        cidr = TerraformVariable(stack, "vpc_cidr", type="string", default="10.20.0.0/16").string_value
    props = dict(name_prefix="shop-test", vpc_cidr=cidr, availability_zones=ZONES, region="eu-west-1",
                 account_id="123456789012")
    Network(stack, "net", NetworkProps(**{**props, **props_overrides}))
    from cdktf import Aspects

    Aspects.of(stack).add(NameTags("shop-test"))
    return json.loads(CdktfTesting.synth(stack))


def test_four_zones_get_four_nat_gateways_and_route_tables():
    document = _synth({})
    assert len(document["resource"]["aws_nat_gateway"]) == 4
    assert len(document["resource"]["aws_eip"]) == 4
    app_tables = [t for t in document["resource"]["aws_route_table"].values() if "-app-" in t["tags"]["Name"]]
    assert len(app_tables) == 4
    data_acl = next(a for a in document["resource"]["aws_network_acl"].values() if a["tags"]["Name"].endswith("-data"))
    assert len(data_acl["ingress"]) == 4 * 2  # four app subnets x (3306, 5432)


def test_default_app_subnets_are_20s_and_nothing_overlaps():
    cidrs = sorted(s["cidr_block"] for s in _synth({})["resource"]["aws_subnet"].values())
    import ipaddress

    networks = [ipaddress.ip_network(c) for c in cidrs]
    assert sum(n.prefixlen == 20 for n in networks) == 4 and sum(n.prefixlen == 24 for n in networks) == 8
    assert not any(a.overlaps(b) for i, a in enumerate(networks) for b in networks[i + 1:])


def test_a_variable_vpc_cidr_becomes_cidrsubnet_expressions():
    subnets = _synth({}, with_variable=True)["resource"]["aws_subnet"]
    expressions = sorted(s["cidr_block"] for s in subnets.values())
    assert all(re.fullmatch(r"\$\{cidrsubnet\(var\.vpc_cidr, \d+, \d+\)\}", e) for e in expressions), expressions


@pytest.mark.terraform
def test_terraform_computes_the_same_subnets_as_python():
    """The HCL-module path (cidrsubnet on a variable) and the literal path must agree, slot for slot."""
    layout = plan_subnets(16, {"public": 8, "app": 4, "data": 8})
    slots = [slot for tier in layout.values() for slot in tier]
    expression = "[" + ", ".join(f'cidrsubnet("10.20.0.0/16", {s.newbits}, {s.netnum})' for s in slots) + "]"
    completed = subprocess.run(["terraform", "console"], input=f"jsonencode({expression})\n", capture_output=True,
                               text=True, check=True, timeout=60)
    assert json.loads(json.loads(completed.stdout)) == [s.cidr("10.20.0.0/16") for s in slots]


def test_single_nat_gateway_serves_every_zone():
    document = _synth({"nat_gateways": "single"})
    assert len(document["resource"]["aws_nat_gateway"]) == 1
    targets = {r["nat_gateway_id"] for r in document["resource"]["aws_route"].values() if "nat_gateway_id" in r}
    assert len(targets) == 1


def test_interface_endpoints_sit_in_the_app_subnets():
    document = _synth({"interface_endpoints": ["ssm", "ecr.dkr"]})
    interface = [e for e in document["resource"]["aws_vpc_endpoint"].values() if e["vpc_endpoint_type"] == "Interface"]
    assert sorted(e["service_name"] for e in interface) == ["com.amazonaws.eu-west-1.ecr.dkr",
                                                            "com.amazonaws.eu-west-1.ssm"]
    assert all(len(e["subnet_ids"]) == 4 for e in interface)


def test_every_taggable_resource_gets_a_name():
    document = _synth({})
    flow_log = next(iter(document["resource"]["aws_flow_log"].values()))
    assert flow_log["tags"]["Name"] == "shop-test-net-flow-log"
    kms = next(iter(document["resource"]["aws_kms_key"].values()))
    assert kms["tags"]["Name"] == "shop-test-net-flow-log-key"  # repeated words collapsed
    vpc = next(iter(document["resource"]["aws_vpc"].values()))
    assert vpc["tags"]["Name"] == "shop-test-vpc"  # explicit names win


@pytest.mark.parametrize("overrides, message", [
    ({"availability_zones": ["eu-west-1a"]}, "give 2 to 4 zones"),
    ({"nat_gateways": "none"}, "use 'per_az' or 'single'"),
    ({"availability_zones": ["eu-west-1a", "eu-west-1a"]}, "repeat a zone letter"),
    ({"database_ports": [3306, 5432, 6379, 2049, 1521]}, "exceed the 20 rules"),
])
def test_bad_props_fail_before_anything_is_built(overrides, message):
    props = dict(name_prefix="x", vpc_cidr="10.0.0.0/16", availability_zones=ZONES, region="eu-west-1",
                 account_id="123456789012")
    with pytest.raises(ValueError, match=message):
        NetworkProps(**{**props, **overrides})
