"""Layer 5 for the edge stacks, continued (its own xdist group, so it runs beside test_edge_apply.py):
real `terraform apply` against moto of levels's prod edge (a CloudFront distribution per public asset
class, each reading its private bucket through origin access control under its own us-east-1
certificate, alias records per asset subdomain, api. straight to the load balancer and health-checked)
and cafe-dr's edge with the zone created by the stack (tests/configs/cafe-dr-created-zone.yaml: its
queries logged to a KMS-encrypted us-east-1 log group, the media distribution at static.<domain> with a
certificate validated in that created zone, health-checked).

As in test_edge_apply.py, the data and compute outputs the stack reads are seeded into the remote state,
the served buckets are created in moto, and each scenario has its own moto server. Each stack must apply,
re-plan with no changes, show in AWS what it declares, and destroy leaving nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from stacks.base import variable
from tests.emulator.environments import outputs_of
from tests.emulator.test_edge_apply import (
    EDGE_REGION,
    EdgeEnvironment,
    assert_aliases,
    assert_cloudfront_waf,
    assert_health_check,
    assert_issued_us_east_1_certificate,
    assert_no_distributions_left,
    assert_private_bucket_origin,
    destroy_edge,
    distribution_of,
    edge_moto,
    prepare_edge,
)
from tests.harness.moto_server import MotoServer
from tests.harness.terraform import TerraformWorkdir
from tests.support import CREATED_ZONE_CONFIG

pytestmark = [pytest.mark.emulator, pytest.mark.xdist_group("emulator-edge-more")]


@pytest.fixture(scope="module")
def levels_moto(tmp_path_factory) -> Iterator[MotoServer]:
    yield from edge_moto(tmp_path_factory, "levels")


@pytest.fixture(scope="module")
def cafe_dr_moto(tmp_path_factory) -> Iterator[MotoServer]:
    yield from edge_moto(tmp_path_factory, "cafe-dr")


@pytest.fixture(scope="module")
def levels(levels_moto, tmp_path_factory) -> EdgeEnvironment:
    return prepare_edge("levels", tmp_path_factory.mktemp("edge-levels"), levels_moto)


@pytest.fixture(scope="module")
def cafe_dr(cafe_dr_moto, tmp_path_factory) -> EdgeEnvironment:
    return prepare_edge("cafe-dr", tmp_path_factory.mktemp("edge-cafe-dr"), cafe_dr_moto,
                        config_file=CREATED_ZONE_CONFIG)


@pytest.fixture(scope="module")
def levels_edge(levels) -> TerraformWorkdir:
    return levels.workdir("edge")


@pytest.fixture(scope="module")
def cafe_dr_edge(cafe_dr) -> TerraformWorkdir:
    return cafe_dr.workdir("edge")


def asset_distributions(env: EdgeEnvironment, outputs: dict) -> dict[str, dict]:
    """Asset class -> GetDistribution of its distribution."""
    return {name: distribution_of(env, outputs, f"assets_{variable(name)}")
            for name in env.config.edge.asset_distributions}


def asset_host(env: EdgeEnvironment, name: str) -> str:
    edge = env.config.edge
    return edge.host(edge.asset_subdomain(name))


# -- levels: a distribution per public asset class ---------------------------------------------------------


def test_levels_edge_applies_and_plans_clean(levels_edge):
    assert levels_edge.apply_then_plan() == 0, levels_edge.last_plan_output


def test_levels_each_asset_class_is_served_from_its_private_bucket(levels, levels_edge):
    outputs, config = outputs_of(levels_edge), levels.config
    distributions = asset_distributions(levels, outputs)
    assert sorted(distributions) == ["content", "web-assets"]
    controls = set()
    for name, distribution in distributions.items():
        settings = distribution["DistributionConfig"]
        assert distribution["DomainName"] == outputs[f"assets_{variable(name)}_domain_name"]
        assert_private_bucket_origin(levels, settings, config.data_bucket_name(name))
        assert settings["PriceClass"] == config.edge.price_class
        controls.add(settings["Origins"]["Items"][0]["OriginAccessControlId"])
    assert len(controls) == len(distributions)  # an origin access control per bucket


def test_levels_each_asset_class_answers_its_subdomain_with_its_own_certificate(levels, levels_edge):
    for name, distribution in asset_distributions(levels, outputs_of(levels_edge)).items():
        assert_issued_us_east_1_certificate(levels, distribution["DistributionConfig"], [asset_host(levels, name)])


def test_levels_asset_subdomains_alias_their_distributions_and_api_the_load_balancer(levels, levels_edge):
    outputs, domain = outputs_of(levels_edge), levels.config.edge.domain
    assert outputs["hosted_zone_id"] == levels.zone_id
    for name in levels.config.edge.asset_distributions:
        assert_aliases(levels, [asset_host(levels, name)], outputs[f"assets_{variable(name)}_domain_name"],
                       cloudfront=True)
    assert_aliases(levels, [f"api.{domain}"], levels.load_balancer_dns_name, cloudfront=False)
    aliased = {name for name, kind in levels.records() if kind in ("A", "AAAA")}
    assert aliased == {f"assets.{domain}", f"media.{domain}", f"api.{domain}"}  # nothing at the apex
    assert_health_check(levels, outputs, f"api.{domain}")


def test_levels_cloudfront_waf_is_on_every_distribution(levels, levels_edge):
    outputs = outputs_of(levels_edge)
    assert_cloudfront_waf(levels, outputs, list(asset_distributions(levels, outputs).values()))


def test_levels_each_distribution_logs_into_the_log_bucket(levels, levels_edge):
    outputs = outputs_of(levels_edge)
    logs = levels.client("logs", EDGE_REGION)
    sources = {tuple(s["resourceArns"]): s for s in logs.describe_delivery_sources()["deliverySources"]}
    arns = {(d["ARN"],) for d in asset_distributions(levels, outputs).values()}
    assert set(sources) == arns and {s["logType"] for s in sources.values()} == {"ACCESS_LOGS"}
    bucket_arn = f"arn:aws:s3:::{outputs['cloudfront_log_bucket_name']}"
    destinations = {d["arn"]: d for d in logs.describe_delivery_destinations()["deliveryDestinations"]}
    assert {d["deliveryDestinationConfiguration"]["destinationResourceArn"] for d in destinations.values()} == {
        bucket_arn}
    deliveries = logs.describe_deliveries()["deliveries"]
    assert sorted(d["deliverySourceName"] for d in deliveries) == sorted(s["name"] for s in sources.values())
    assert {d["deliveryDestinationArn"] for d in deliveries} <= set(destinations)


def test_levels_edge_destroys_cleanly(levels, levels_edge):
    outputs = destroy_edge(levels, levels_edge)
    assert_no_distributions_left(levels, outputs)
    assert {kind for _, kind in levels.records()} == {"NS", "SOA"}
    assert not levels.client("route53").list_health_checks()["HealthChecks"]


# -- cafe-dr: the zone created by the stack, the media distribution ----------------------------------------


def test_cafe_dr_edge_applies_and_plans_clean(cafe_dr, cafe_dr_edge):
    assert not cafe_dr.client("route53").list_hosted_zones()["HostedZones"]  # nobody created it beforehand
    assert cafe_dr_edge.apply_then_plan() == 0, cafe_dr_edge.last_plan_output
    cafe_dr.zone_id = outputs_of(cafe_dr_edge)["hosted_zone_id"]


def test_cafe_dr_the_stack_created_the_public_zone_and_publishes_its_name_servers(cafe_dr, cafe_dr_edge):
    outputs, domain = outputs_of(cafe_dr_edge), cafe_dr.config.edge.domain
    (zone,) = cafe_dr.client("route53").list_hosted_zones()["HostedZones"]
    assert zone["Id"].split("/")[-1] == outputs["hosted_zone_id"] == cafe_dr.zone_id
    assert zone["Name"] == f"{domain}." and zone["Config"]["PrivateZone"] is False
    answer = cafe_dr.client("route53").get_hosted_zone(Id=cafe_dr.zone_id)
    assert outputs["hosted_zone_name_servers"]
    assert sorted(outputs["hosted_zone_name_servers"]) == sorted(answer["DelegationSet"]["NameServers"])


def test_cafe_dr_queries_are_logged_to_an_encrypted_us_east_1_group(cafe_dr, cafe_dr_edge):
    outputs, domain = outputs_of(cafe_dr_edge), cafe_dr.config.edge.domain
    (config,) = cafe_dr.client("route53").list_query_logging_configs()["QueryLoggingConfigs"]  # the account's only
    assert config["HostedZoneId"] == cafe_dr.zone_id
    group_arn = config["CloudWatchLogsLogGroupArn"]
    assert group_arn.startswith(f"arn:aws:logs:{EDGE_REGION}:")  # Route 53 writes query logs to us-east-1 only
    assert group_arn.split(":log-group:")[1].removesuffix(":*") == f"/aws/route53/{domain}"
    logs = cafe_dr.client("logs", EDGE_REGION)
    (group,) = logs.describe_log_groups(logGroupNamePrefix=f"/aws/route53/{domain}")["logGroups"]
    assert group["kmsKeyId"] == outputs["edge_kms_key_arn"] and group["retentionInDays"] == 365
    assert outputs["edge_kms_key_arn"].startswith(f"arn:aws:kms:{EDGE_REGION}:")
    (policy,) = [p for p in logs.describe_resource_policies()["resourcePolicies"]
                 if p["policyName"] == f"route53-query-logs-{domain}"]
    (statement,) = json.loads(policy["policyDocument"])["Statement"]
    assert statement["Principal"] == {"Service": "route53.amazonaws.com"}
    assert statement["Condition"]["ArnLike"]["aws:SourceArn"] == f"arn:aws:route53:::hostedzone/{cafe_dr.zone_id}"
    key_policy = json.loads(cafe_dr.client("kms", EDGE_REGION).get_key_policy(
        KeyId=outputs["edge_kms_key_arn"], PolicyName="default")["Policy"])
    (grant,) = [s for s in key_policy["Statement"]
                if s.get("Principal") == {"Service": f"logs.{EDGE_REGION}.amazonaws.com"}]
    assert any(arn.endswith(":log-group:/aws/route53/*")
               for arn in grant["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"])


def test_cafe_dr_media_is_served_at_static_with_a_certificate_validated_in_the_created_zone(cafe_dr, cafe_dr_edge):
    outputs, config = outputs_of(cafe_dr_edge), cafe_dr.config
    (name,) = config.edge.asset_distributions
    distribution = distribution_of(cafe_dr, outputs, f"assets_{variable(name)}")
    settings = distribution["DistributionConfig"]
    assert asset_host(cafe_dr, name) == f"static.{config.edge.domain}"
    assert_private_bucket_origin(cafe_dr, settings, config.data_bucket_name(name))
    assert_issued_us_east_1_certificate(cafe_dr, settings, [asset_host(cafe_dr, name)])  # records of the new zone
    assert_aliases(cafe_dr, [asset_host(cafe_dr, name)], distribution["DomainName"], cloudfront=True)
    assert_cloudfront_waf(cafe_dr, outputs, [distribution])


def test_cafe_dr_only_static_is_aliased_and_health_checked(cafe_dr, cafe_dr_edge):
    outputs, domain = outputs_of(cafe_dr_edge), cafe_dr.config.edge.domain
    aliased = {name for name, kind in cafe_dr.records() if kind in ("A", "AAAA")}
    assert aliased == {f"static.{domain}"}
    assert_health_check(cafe_dr, outputs, f"static.{domain}")


def test_cafe_dr_edge_destroys_cleanly_zone_included(cafe_dr, cafe_dr_edge):
    outputs = destroy_edge(cafe_dr, cafe_dr_edge)
    assert_no_distributions_left(cafe_dr, outputs)
    route53 = cafe_dr.client("route53")
    assert not route53.list_hosted_zones()["HostedZones"]
    assert not route53.list_query_logging_configs()["QueryLoggingConfigs"]
    assert not cafe_dr.client("logs", EDGE_REGION).describe_resource_policies()["resourcePolicies"]
    assert not route53.list_health_checks()["HealthChecks"]
