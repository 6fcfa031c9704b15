"""Layer 1: the standby site (dr.strategy set) builds the primary's stacks again in regions.secondary from
the standby view of the configuration: the same construct, the dr range and AZs, '-dr' names, a Site
tag, state beside the primary's under standby/, and the primary's own stacks untouched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from configuration import load
from synth.app import synthesize
from tests.support import platform_manifest, resources

PILOT_LIGHT = Path(__file__).parents[1] / "configs" / "cafe-dr-pilot-light.yaml"


@pytest.fixture(scope="module")
def standby(tmp_path_factory) -> tuple[Path, Path]:
    """cafe-dr prod synthesized with the pilot light on, and without."""
    root = tmp_path_factory.mktemp("standby")
    synthesize(load(config_file=PILOT_LIGHT), root / "dr")
    synthesize(load("cafe-dr", "prod"), root / "plain")
    return root / "dr", root / "plain"


def _document(outdir: Path, name: str) -> dict:
    return json.loads((outdir / "stacks" / name / "cdk.tf.json").read_text())


def test_the_standby_network_follows_the_primarys_in_the_dr_region(standby):
    dr, _ = standby
    stacks = platform_manifest(dr)["stacks"]
    names = [s["name"] for s in stacks]
    assert names[:3] == ["cafe-dr-prod-state", "cafe-dr-prod-network", "cafe-dr-prod-dr-network"]
    contract = next(s for s in stacks if s["name"] == "cafe-dr-prod-dr-network")
    assert (contract["layer"], contract["site"], contract["state_key"]) == (
        "network", "standby", "cafe-dr/prod/standby/network.tfstate")
    assert {s["site"] for s in stacks if s["name"] != "cafe-dr-prod-dr-network"} == {"primary"}
    document = _document(dr, "cafe-dr-prod-dr-network")
    (provider,) = document["provider"]["aws"]
    assert provider["region"] == "eu-central-1" and provider["allowed_account_ids"] == ["123456789012"]
    assert provider["default_tags"][0]["tags"]["Site"] == "standby"
    backend = document["terraform"]["backend"]["s3"]
    assert (backend["bucket"], backend["region"], backend["use_lockfile"]) == (
        "cafe-dr-prod-tfstate-123456789012", "eu-west-1", True)  # one state bucket, in the primary's region
    (vpc,) = resources(document, "aws_vpc").values()
    assert vpc["cidr_block"] == "10.22.0.0/16"
    subnets = resources(document, "aws_subnet").values()
    assert sorted({s["availability_zone"] for s in subnets}) == ["eu-central-1a", "eu-central-1b"]
    assert all(s["tags"]["Name"].startswith("cafe-dr-prod-dr-") for s in subnets)


def test_the_standby_network_is_the_same_construct_as_the_primarys(standby):
    dr, _ = standby
    primary, secondary = _document(dr, "cafe-dr-prod-network"), _document(dr, "cafe-dr-prod-dr-network")
    shape = {kind: len(instances) for kind, instances in primary["resource"].items()}
    assert {kind: len(instances) for kind, instances in secondary["resource"].items()} == shape
    assert set(secondary["output"]) == set(primary["output"])  # the standby's stacks read the same contract
    (endpoints,) = [r for r in resources(secondary, "aws_vpc_endpoint").values() if r["service_name"].endswith(".s3")]
    assert endpoints["service_name"] == "com.amazonaws.eu-central-1.s3"


def test_switching_the_standby_on_leaves_the_primary_stacks_as_they_were(standby):
    dr, plain = standby
    for name in ("cafe-dr-prod-state", "cafe-dr-prod-network", "cafe-dr-prod-data"):
        assert _document(dr, name) == _document(plain, name), name
    assert "cafe-dr-prod-dr-network" not in {s["name"] for s in platform_manifest(plain)["stacks"]}


def test_only_an_environment_with_a_strategy_has_a_standby_view():
    config = load("cafe-dr", "prod")
    with pytest.raises(ValueError, match=r"dr.strategy 'none'; fix: set dr.strategy to pilot-light"):
        config.standby()
    view = load(config_file=PILOT_LIGHT).standby()
    assert (view.site, view.name_prefix, view.regions.primary, view.regions.secondary) == (
        "standby", "cafe-dr-prod-dr", "eu-central-1", "eu-west-1")
    assert (view.parameter_prefix, view.state_bucket, view.state_region) == (
        "/cafe-dr/prod", "cafe-dr-prod-tfstate-123456789012", "eu-west-1")
    assert view.network.avoid_cidrs == ["10.21.0.0/16"]
