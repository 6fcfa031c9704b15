"""Layer 1: CloudFront's origin fails over with a standby (saas prod's warm-standby option,
tests/configs/saas-warm-standby.yaml): `origin.<domain>` is a failover pair on the edge's gate, the standby's
load balancer adopts the primary's origin secret (it draws none), and the primary's load balancer serves the
health check's path on its own DNS name without the secret, since Route 53 cannot send it. saas prod as
shipped (strategy none) has none of it. Only the compute, dr-compute and edge stacks are synthesized: they
are the ones involved, through the real app path (platform.json included)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cdktf import TerraformStack, TerraformVariable
from cdktf import Testing as CdktfTesting
from cdktf_cdktf_provider_aws.provider import AwsProvider

from configuration import load
from modules.load_balancer import (
    ORIGIN_VERIFY_HEADER,
    CertificateSpec,
    ListenerRoute,
    LoadBalancedTarget,
    OriginSecret,
    OriginSecretProps,
    PublicLoadBalancerProps,
)
from stacks.compute import ComputeStack
from stacks.edge import EdgeStack
from stacks.standby import StandbyComputeStack
from synth.app import STACK_TYPES, synthesize
from tests.support import CONFIGS, assert_mentions, platform_manifest, resources, stack_document

WARM_STANDBY = CONFIGS / "saas-warm-standby.yaml"
STACKS = (ComputeStack, StandbyComputeStack, EdgeStack)
ORIGIN, API = "origin.saas.example.com", "api.saas.example.com"
REMOTE = "${data.terraform_remote_state.%s.outputs.%s}"
ADOPTED = REMOTE % ("primary-compute", "origin_verify_secret")
HEALTH_PRIORITY = 49999  # just before the catch-all (50000)


@pytest.fixture(scope="module")
def dr(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = tmp_path_factory.mktemp("origin-failover") / "dr"
    synthesize(load(config_file=WARM_STANDBY), outdir, stack_types=STACKS)
    return outdir


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outdir = tmp_path_factory.mktemp("origin-failover") / "shipped"
    synthesize(load("saas", "prod"), outdir, stack_types=STACKS)
    return outdir


def _rules(document: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """priority -> listener rule."""
    return {r["priority"]: r for r in resources(document, "aws_lb_listener_rule").values()}


def _secret_values(document: dict[str, Any]) -> set[str]:
    """Values the listener rules require in the origin header."""
    return {c["http_header"]["values"][0] for r in resources(document, "aws_lb_listener_rule").values()
            for c in r["condition"] if "http_header" in c}


def _alias_records(document: dict[str, Any], name: str) -> dict[str | None, dict[str, Any]]:
    """set_identifier (None for a plain alias) -> the A record of `name`."""
    return {r.get("set_identifier"): r for r in resources(document, "aws_route53_record").values()
            if r["name"] == name and r["type"] == "A"}


def _gate_id(edge: dict[str, Any]) -> str:
    (logical,) = [k for k, c in resources(edge, "aws_route53_health_check").items() if c["type"] == "CALCULATED"]
    return "${aws_route53_health_check.%s.id}" % logical


def _load_balancer_ref(compute: dict[str, Any], attribute: str) -> str:
    (logical,) = resources(compute, "aws_lb")
    return "${aws_lb.%s.%s}" % (logical, attribute)


# -- the origin name fails over ------------------------------------------------------------------------------


def test_the_origin_name_is_a_failover_pair_on_the_gate_like_the_api_name(dr):
    edge = stack_document(dr, "edge")
    gate = _gate_id(edge)
    origin = _alias_records(edge, ORIGIN)
    assert set(origin) == {"primary", "standby"}  # no plain alias beside the pair
    primary, standby = origin["primary"], origin["standby"]
    assert (primary["failover_routing_policy"], primary["health_check_id"]) == ({"type": "PRIMARY"}, gate)
    assert primary["alias"] == {"name": REMOTE % ("compute", "load_balancer_dns_name"),
                                "zone_id": "${data.aws_lb_hosted_zone_id.load-balancer-zone.id}",
                                "evaluate_target_health": True}
    assert standby["failover_routing_policy"] == {"type": "SECONDARY"} and "health_check_id" not in standby
    assert standby["alias"] == {"name": REMOTE % ("standby-compute", "load_balancer_dns_name"),
                                "zone_id": "${data.aws_lb_hosted_zone_id.standby-load-balancer-zone.id}",
                                "evaluate_target_health": True}
    assert edge["data"]["aws_lb_hosted_zone_id"]["standby-load-balancer-zone"]["region"] == "eu-west-2"
    assert _alias_records(edge, API)["primary"]["health_check_id"] == gate  # one gate closes both
    (distribution,) = resources(edge, "aws_cloudfront_distribution").values()
    (origin_config,) = distribution["origin"]
    assert origin_config["domain_name"] == ORIGIN  # CloudFront follows the name, whichever ALB it names
    assert origin_config["custom_header"] == [{"name": REMOTE % ("compute", "origin_verify_header"),
                                               "value": REMOTE % ("compute", "origin_verify_secret")}]


# -- the standby's load balancer accepts the primary's secret ---------------------------------------------------


def test_the_standby_load_balancer_adopts_the_primarys_secret_and_draws_none(dr):
    standby = stack_document(dr, "dr-compute")
    assert "terraform_data" not in standby["resource"]
    state = standby["data"]["terraform_remote_state"]["primary-compute"]["config"]
    assert (state["bucket"], state["key"], state["region"]) == (
        "saas-prod-tfstate-123456789012", "saas/prod/compute.tfstate", "eu-west-1")
    assert sorted(_rules(standby)) == [10, 20, 30, 40, 50000]  # the health path is the primary's only
    assert _secret_values(standby) == {ADOPTED}
    (acl,) = resources(standby, "aws_wafv2_web_acl").values()
    (rate,) = [r["statement"]["rate_based_statement"] for r in acl["rule"] if r["name"] == "RateLimitPerIp"]
    assert rate["scope_down_statement"]["not_statement"]["statement"]["byte_match_statement"]["search_string"] == (
        ADOPTED)
    outputs = standby["output"]
    assert (outputs["origin_verify_secret"]["value"], outputs["origin_verify_secret"]["sensitive"]) == (ADOPTED, True)
    primary = stack_document(dr, "compute")
    assert outputs["origin_verify_header"]["value"] == primary["output"]["origin_verify_header"]["value"] == (
        ORIGIN_VERIFY_HEADER)
    assert {c["http_header"]["http_header_name"] for r in resources(standby, "aws_lb_listener_rule").values()
            for c in r["condition"] if "http_header" in c} == {ORIGIN_VERIFY_HEADER}


def test_primary_compute_is_applied_before_the_standby_compute_that_reads_it(dr):
    manifest = platform_manifest(dr)
    contracts = {s["name"]: s for s in manifest["stacks"]}
    names = list(contracts)
    assert contracts["saas-prod-dr-compute"]["consumes"] == [
        "saas-prod-dr-network", "saas-prod-dr-data", "saas-prod-compute"]
    assert names.index("saas-prod-compute") < names.index("saas-prod-dr-compute") < names.index("saas-prod-edge")
    assert STACK_TYPES.index(ComputeStack) < STACK_TYPES.index(StandbyComputeStack)  # platform.json's order
    assert {"origin_verify_header", "origin_verify_secret"} <= set(contracts["saas-prod-dr-compute"]["outputs"])


def test_the_standby_view_reaches_its_primary_configuration():
    config = load(config_file=WARM_STANDBY)
    view = config.standby()
    assert config.primary() is config and view.primary() is config
    assert (view.primary().site, view.primary().name_prefix) == ("primary", "saas-prod")


# -- the primary's health check passes without the secret --------------------------------------------------


def test_the_primary_load_balancer_serves_the_health_path_on_its_own_name_without_the_secret(dr):
    compute, edge = stack_document(dr, "compute"), stack_document(dr, "edge")
    rules = _rules(compute)
    health = rules[HEALTH_PRIORITY]
    assert health["condition"] == [{"host_header": {"values": [_load_balancer_ref(compute, "dns_name")]}},
                                   {"path_pattern": {"values": ["/health"]}}]  # no http_header: no secret
    catch_all = rules[50000]
    assert health["action"] == catch_all["action"]  # forwarded to the default target (frontend)
    assert catch_all["action"][0]["target_group_arn"].startswith("${aws_lb_target_group.load-balancer_target-frontend")
    # what the edge's health check asks: the same name (the compute output) and path
    assert compute["output"]["load_balancer_dns_name"]["value"] == _load_balancer_ref(compute, "dns_name")
    (check,) = [c for c in resources(edge, "aws_route53_health_check").values() if c["type"] == "HTTPS"]
    assert (check["fqdn"], check["resource_path"], check["port"]) == (
        REMOTE % ("compute", "load_balancer_dns_name"), "/health", 443)


def test_health_check_requests_count_against_the_load_balancers_rate_limit(dr):
    """Only requests carrying the secret are exempt from the per-IP limit; the health path is not."""
    compute = stack_document(dr, "compute")
    (secret,) = _secret_values(compute)
    (acl,) = resources(compute, "aws_wafv2_web_acl").values()
    (rate,) = [r["statement"]["rate_based_statement"] for r in acl["rule"] if r["name"] == "RateLimitPerIp"]
    assert rate["scope_down_statement"] == {"not_statement": {"statement": {"byte_match_statement": {
        "field_to_match": {"single_header": {"name": ORIGIN_VERIFY_HEADER.lower()}}, "positional_constraint": "EXACTLY",
        "search_string": secret, "text_transformation": [{"priority": 0, "type": "NONE"}]}}}}


def test_the_primary_compute_gains_only_the_health_rule(dr, shipped):
    """The warm standby changes nothing else in the primary's compute stack: its secret is still drawn there."""
    with_standby, plain = stack_document(dr, "compute"), stack_document(shipped, "compute")
    rules = resources(with_standby, "aws_lb_listener_rule")
    (health,) = [logical for logical, r in rules.items() if r["priority"] == HEALTH_PRIORITY]
    del rules[health]
    assert with_standby == plain


# -- saas prod as shipped ---------------------------------------------------------------------------------


def test_saas_prod_as_shipped_has_none_of_it(shipped):
    assert [s["name"] for s in platform_manifest(shipped)["stacks"]] == ["saas-prod-compute", "saas-prod-edge"]
    edge, compute = stack_document(shipped, "edge"), stack_document(shipped, "compute")
    (origin,) = _alias_records(edge, ORIGIN).values()
    assert "failover_routing_policy" not in origin and "set_identifier" not in origin
    assert origin["alias"]["name"] == REMOTE % ("compute", "load_balancer_dns_name")
    assert all(c["type"] != "CALCULATED" for c in resources(edge, "aws_route53_health_check").values())
    assert HEALTH_PRIORITY not in _rules(compute)
    assert len(resources(compute, "terraform_data")) == 1
    assert set(compute["data"]["terraform_remote_state"]) == {"network", "data"}


# -- construct validation ----------------------------------------------------------------------------------

SECRET = object()  # props validation never touches the secret


def _load_balancer(**overrides: Any) -> PublicLoadBalancerProps:
    values: dict[str, Any] = dict(
        name="shop-prod", vpc_id="vpc-1", subnet_ids=["subnet-a", "subnet-b"],
        targets={"web": LoadBalancedTarget(port=80)}, default_target="web", log_bucket=object(),
        certificate=CertificateSpec(domain_name="shop.example.com", hosted_zone_id="Z0SHOP"),
        origin_secret=SECRET, health_check_path="/health")
    return PublicLoadBalancerProps(**{**values, **overrides})


@pytest.mark.parametrize("build, fragments", [
    (lambda: _load_balancer(origin_secret=None), ["health_check_path '/health' without origin_secret",
                                                  "fix: drop health_check_path"]),
    (lambda: _load_balancer(health_check_path="health"), ["health_check_path 'health'", "fix: a literal path",
                                                          "starting with '/'"]),
    (lambda: _load_balancer(health_check_path="/health*"), ["health_check_path '/health*'", "without '*' or '?'"]),
    (lambda: _load_balancer(health_check_path="/" + "h" * 128), ["at most 128 characters"]),
    (lambda: _load_balancer(routes=[ListenerRoute(priority=HEALTH_PRIORITY, target="web", paths=["/a/*"])]),
     [f"route priority {HEALTH_PRIORITY} with health_check_path", f"fix: below {HEALTH_PRIORITY}"]),
    (lambda: OriginSecretProps(adopted_value="0d9f6a0e-literal"), ["adopted_value is a literal",
                                                                   "fix: pass a token"]),
], ids=["path-without-secret", "path-not-absolute", "path-wildcard", "path-too-long", "route-takes-its-priority",
        "adopted-literal"])
def test_bad_props_are_refused_naming_the_value_and_the_fix(build, fragments):
    with pytest.raises(ValueError) as error:
        build()
    assert_mentions(str(error.value), fragments)


def test_good_props_pass():
    assert _load_balancer(routes=[ListenerRoute(priority=HEALTH_PRIORITY - 1, target="web", paths=["/a/*"])])
    assert _load_balancer(health_check_path=None, routes=[ListenerRoute(priority=49999, target="web", paths=["/a"])])


def test_an_adopted_secret_draws_no_terraform_data():
    stack = TerraformStack(CdktfTesting.app(), "adopting")
    AwsProvider(stack, "aws", region="eu-west-1")
    adopted = TerraformVariable(stack, "origin_verify_secret", type="string", sensitive=True).string_value
    secret = OriginSecret(stack, "adopted", OriginSecretProps(adopted_value=adopted))
    OriginSecret(stack, "drawn")
    assert (secret.value, secret.header_name, secret.holder) == (adopted, ORIGIN_VERIFY_HEADER, None)
    document = json.loads(CdktfTesting.synth(stack))
    (drawn,) = document["resource"]["terraform_data"]  # Testing.synth keeps logical ids, not paths
    assert drawn.startswith("drawn_value_")
