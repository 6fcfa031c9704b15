"""Layer 1: the edge stack of the real blueprints (public zone, CloudFront, alias records, health check,
CloudFront WAF) carries each seed's wiring, exists only where `edge:` is configured, and a bad `edge:`
section fails with the key, the value and a fix, writing nothing."""

from __future__ import annotations

import json

import pytest
from cdktf import Testing as CdktfTesting

import main
from configuration import list_blueprints, load
from modules.cdn.edge import CACHING_DISABLED, CACHING_OPTIMIZED, CLOUDFRONT_HOSTED_ZONE_ID
from stacks.compute import ComputeStack
from stacks.data import DataStack
from stacks.edge import EdgeStack
from stacks.ops import OpsStack
from synth.app import STACK_TYPES
from tests.support import CREATED_ZONE_CONFIG, assert_refused, only, resources, user_config_file

ENVIRONMENTS = [("cafe-nimbus", "prod"), ("cafe-nimbus", "dev"), ("notebookly", "prod"), ("saas", "prod"),
                ("levels", "prod"), ("levels", "dev"), ("cafe-dr", "prod")]
REMOTE = "${data.terraform_remote_state.%s.outputs.%s}"
ELB_ZONE = "${data.aws_lb_hosted_zone_id.load-balancer-zone.id}"  # the region's application load balancer zone
EDGE_PROVIDER = "aws.edge"


@pytest.fixture(scope="module")
def edge():
    """(blueprint, environment) -> the edge stack's Terraform JSON, synthesized on its own."""
    return {(b, e): json.loads(CdktfTesting.synth(EdgeStack(CdktfTesting.app(), load(b, e))))
            for b, e in ENVIRONMENTS}


def _ref(document, resource_type: str, predicate, attribute: str) -> str:
    (logical,) = [k for k, v in resources(document, resource_type).items() if predicate(v)]
    return "${%s.%s.%s}" % (resource_type, logical, attribute)


def _distributions(document) -> dict[str, dict]:
    """comment (the distribution's name) -> distribution."""
    return {d["comment"]: d for d in resources(document, "aws_cloudfront_distribution").values()}


def _records(document) -> dict[tuple[str, str], dict]:
    return {(r["name"], r["type"]): r for r in resources(document, "aws_route53_record").values()
            if "alias" in r}


def _acl_ref(document) -> str:
    return _ref(document, "aws_wafv2_web_acl", lambda _: True, "arn")


# -- where the stack exists -----------------------------------------------------------------------------


def test_the_stack_exists_only_where_edge_is_configured_and_runs_after_compute_before_ops():
    environments = {(b.name, e) for b in list_blueprints() for e in b.environments}
    configured = {env for env in environments if EdgeStack.applies_to(load(*env))}
    assert configured == set(ENVIRONMENTS)
    assert {("notebookly", "dev"), ("saas", "dev"), ("cafe-dr", "dev")} <= environments - configured
    order = list(STACK_TYPES)
    assert order.index(ComputeStack) < order.index(EdgeStack) < order.index(OpsStack)


def test_it_reads_only_the_stacks_it_needs(edge):
    consumed = {env: set(document.get("data", {}).get("terraform_remote_state", {})) for env, document in edge.items()}
    assert consumed[("cafe-nimbus", "prod")] == {"data", "compute"}  # the site bucket and app.<domain> -> ALB
    assert consumed[("notebookly", "prod")] == {"compute"}
    assert consumed[("saas", "prod")] == {"compute"}
    assert consumed[("levels", "dev")] == {"data"}
    assert consumed[("cafe-dr", "prod")] == {"data", "compute", "standby-compute"}  # media; apex -> both ALBs


# -- cafe-nimbus: the static site through CloudFront at the apex and www (seed 000) ------------------------


def test_cafe_nimbus_site_reads_the_private_bucket_through_origin_access_control(edge):
    document = edge[("cafe-nimbus", "prod")]
    site = _distributions(document)["cafe-nimbus-prod-site"]
    (origin,) = site["origin"]
    assert origin["domain_name"] == REMOTE % ("data", "bucket_static_site_regional_domain_name")
    assert origin["origin_access_control_id"] == _ref(document, "aws_cloudfront_origin_access_control",
                                                      lambda _: True, "id")
    control = only(document, "aws_cloudfront_origin_access_control")
    assert (control["origin_access_control_origin_type"], control["signing_behavior"],
            control["signing_protocol"]) == ("s3", "always", "sigv4")
    assert site["default_root_object"] == "index.html"
    assert site["default_cache_behavior"]["viewer_protocol_policy"] == "redirect-to-https"


def test_cafe_nimbus_site_answers_for_apex_and_www_with_a_us_east_1_certificate(edge):
    document = edge[("cafe-nimbus", "prod")]
    site = _distributions(document)["cafe-nimbus-prod-site"]
    assert site["aliases"] == ["cafe-nimbus.example.com", "www.cafe-nimbus.example.com"]
    certificate = only(document, "aws_acm_certificate")
    assert certificate["provider"] == EDGE_PROVIDER and certificate["validation_method"] == "DNS"
    assert (certificate["domain_name"], certificate["subject_alternative_names"]) == (
        "cafe-nimbus.example.com", ["www.cafe-nimbus.example.com"])
    assert only(document, "aws_acm_certificate_validation")["provider"] == EDGE_PROVIDER
    assert site["viewer_certificate"] == {
        "acm_certificate_arn": _ref(document, "aws_acm_certificate_validation", lambda _: True, "certificate_arn"),
        "minimum_protocol_version": "TLSv1.2_2021", "ssl_support_method": "sni-only"}
    assert document["provider"]["aws"][1] | {"default_tags": None} == {
        "alias": "edge", "region": "us-east-1", "allowed_account_ids": ["123456789012"], "default_tags": None}


def test_cafe_nimbus_apex_and_www_alias_cloudfront_and_app_aliases_the_load_balancer(edge):
    document = edge[("cafe-nimbus", "prod")]
    records = _records(document)
    site = _ref(document, "aws_cloudfront_distribution", lambda _: True, "domain_name")
    for name in ("cafe-nimbus.example.com", "www.cafe-nimbus.example.com"):
        for record_type in ("A", "AAAA"):
            record = records[(name, record_type)]
            assert record["zone_id"] == "Z0CAFENIMBUS0EXAMPLE"
            assert record["alias"] == {"name": site, "zone_id": CLOUDFRONT_HOSTED_ZONE_ID,
                                       "evaluate_target_health": False}
    app = records[("app.cafe-nimbus.example.com", "A")]
    assert app["alias"] == {"name": REMOTE % ("compute", "load_balancer_dns_name"),
                            "zone_id": ELB_ZONE, "evaluate_target_health": True}
    assert ("app.cafe-nimbus.example.com", "AAAA") not in records  # the ALB is IPv4 only
    assert set(records) == {("cafe-nimbus.example.com", "A"), ("cafe-nimbus.example.com", "AAAA"),
                            ("www.cafe-nimbus.example.com", "A"), ("www.cafe-nimbus.example.com", "AAAA"),
                            ("app.cafe-nimbus.example.com", "A")}


def test_cafe_nimbus_load_balancer_certificate_moved_to_app():
    certificate = load("cafe-nimbus", "prod").compute.load_balancer.certificate
    assert certificate.names == ["app.cafe-nimbus.example.com"]
    assert certificate.hosted_zone_id == "Z0CAFENIMBUS0EXAMPLE"


def test_cafe_nimbus_data_stack_admits_cloudfront_to_the_site_bucket_and_its_key():
    document = json.loads(CdktfTesting.synth(DataStack(CdktfTesting.app(), load("cafe-nimbus", "prod"))))
    documents = document["data"]["aws_iam_policy_document"]
    site_policy = next(p for k, p in documents.items() if k.startswith("bucket-static-site_policy-document"))
    (read,) = [s for s in site_policy["statement"] if s.get("sid") == "CloudFrontRead"]
    assert read["principals"] == [{"type": "Service", "identifiers": ["cloudfront.amazonaws.com"]}]
    assert read["actions"] == ["s3:GetObject"] and read["resources"][0].endswith(".arn}/*")
    assert {(c["test"], c["variable"], tuple(c["values"])) for c in read["condition"]} == {
        ("StringEquals", "aws:SourceAccount", ("123456789012",)),
        ("ArnLike", "AWS:SourceArn", ("arn:aws:cloudfront::123456789012:distribution/*",))}
    key_policy = next(p for k, p in documents.items() if k.startswith("storage-key_policy"))
    grant = next(s for s in key_policy["statement"]
                 if s.get("principals", [{}])[0].get("identifiers") == ["cloudfront.amazonaws.com"])
    assert grant["actions"] == ["kms:Decrypt"]
    assert "bucket_static_site_regional_domain_name" in document["output"]
    # the replica in the DR region is not served: no CloudFront statement there
    replica_policy = next(p for k, p in documents.items() if k.startswith("bucket-static-site-replica_policy"))
    assert all(s.get("sid") != "CloudFrontRead" for s in replica_policy["statement"])


def test_buckets_not_served_by_cloudfront_keep_their_policy():
    document = json.loads(CdktfTesting.synth(DataStack(CdktfTesting.app(), load("notebookly", "prod"))))
    text = json.dumps(document)
    assert "cloudfront" not in text.lower()
    assert not [o for o in document["output"] if o.endswith("_regional_domain_name")]


def test_cafe_nimbus_dev_serves_the_site_on_its_cloudfront_name_with_waf(edge):
    document = edge[("cafe-nimbus", "dev")]
    site = _distributions(document)["cafe-nimbus-dev-site"]
    assert "aliases" not in site and site["viewer_certificate"] == {"cloudfront_default_certificate": True}
    assert site["web_acl_id"] == _acl_ref(document)
    assert not resources(document, "aws_route53_record") and not resources(document, "aws_acm_certificate")
    assert not resources(document, "aws_route53_zone") and not resources(document, "aws_route53_health_check")


# -- the WAF and the logs shared by every distribution -------------------------------------------------


@pytest.mark.parametrize("environment", [("cafe-nimbus", "prod"), ("saas", "prod"), ("levels", "prod")],
                         ids="-".join)
def test_distributions_are_filtered_by_a_cloudfront_acl_in_us_east_1(edge, environment):
    document = edge[environment]
    acl = only(document, "aws_wafv2_web_acl")
    assert acl["scope"] == "CLOUDFRONT" and acl["provider"] == EDGE_PROVIDER
    assert acl["name"] == f"{'-'.join(environment)}-edge"
    rules = {r["name"]: r for r in acl["rule"]}
    # saas adds the IP lists: behind CloudFront its load balancer's WAF sees only CloudFront's addresses
    ip_lists = ["AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesAnonymousIpList"]
    assert list(rules) == ["RateLimitPerIp", "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet",
                           "AWSManagedRulesSQLiRuleSet", *(ip_lists if environment[0] == "saas" else [])]
    rate = rules["RateLimitPerIp"]["statement"]["rate_based_statement"]
    # saas: seed 002's 100 per IP per minute acts here, where viewers' own addresses are seen
    limit = 100 if environment[0] == "saas" else 1000
    assert (rate["limit"], rate["evaluation_window_sec"], rate["aggregate_key_type"]) == (limit, 60, "IP")
    for distribution in _distributions(document).values():
        assert distribution["web_acl_id"] == _acl_ref(document)
    log_group = only(document, "aws_cloudwatch_log_group")
    assert log_group["provider"] == EDGE_PROVIDER and log_group["name"] == f"aws-waf-logs-{acl['name']}"
    key = only(document, "aws_kms_key")
    assert key["provider"] == EDGE_PROVIDER and log_group["kms_key_id"] == _ref(
        document, "aws_kms_key", lambda _: True, "arn")


@pytest.mark.parametrize("environment", [e for e in ENVIRONMENTS if e not in (("notebookly", "prod"),
                                                                              ("cafe-dr", "prod"))], ids="-".join)
def test_standard_logs_v2_go_from_us_east_1_to_an_sse_s3_bucket_in_the_primary_region(edge, environment):
    document = edge[environment]
    bucket = only(document, "aws_s3_bucket")
    assert bucket["bucket"] == f"{'-'.join(environment)}-cloudfront-logs-123456789012" and "provider" not in bucket
    encryption = only(document, "aws_s3_bucket_server_side_encryption_configuration")
    assert encryption["rule"][0]["apply_server_side_encryption_by_default"]["sse_algorithm"] == "AES256"
    distributions = resources(document, "aws_cloudfront_distribution")
    for kind in ("aws_cloudwatch_log_delivery_source", "aws_cloudwatch_log_delivery_destination",
                 "aws_cloudwatch_log_delivery"):
        assert len(resources(document, kind)) == len(distributions)
        assert all(r["provider"] == EDGE_PROVIDER for r in resources(document, kind).values())
    bucket_arn = _ref(document, "aws_s3_bucket", lambda _: True, "arn")
    for destination in resources(document, "aws_cloudwatch_log_delivery_destination").values():
        assert destination["delivery_destination_configuration"] == [{"destination_resource_arn": bucket_arn}]


def test_levels_dev_runs_without_waf_as_recorded(edge):
    document = edge[("levels", "dev")]
    assert load("levels", "dev").edge.waf_off.reason.startswith("explicit non-production cost setting")
    assert not resources(document, "aws_wafv2_web_acl") and not resources(document, "aws_kms_key")
    assert all("web_acl_id" not in d for d in _distributions(document).values())


# -- notebookly: apex and www alias the load balancer, health-checked (seed 004) --------------------------


def test_notebookly_apex_and_www_are_a_records_aliasing_the_load_balancer(edge):
    document = edge[("notebookly", "prod")]
    records = _records(document)
    assert set(records) == {("notebookly.com", "A"), ("www.notebookly.com", "A")}
    for record in records.values():
        assert record["zone_id"] == "Z0NOTEBOOKLY0COM"
        assert record["alias"] == {"name": REMOTE % ("compute", "load_balancer_dns_name"),
                                   "zone_id": ELB_ZONE, "evaluate_target_health": True}
    assert not resources(document, "aws_cloudfront_distribution") and not resources(document, "aws_s3_bucket")
    assert len(document["provider"]["aws"]) == 1  # nothing needs us-east-1


def test_notebookly_health_check_probes_https_health_from_three_regions(edge):
    document = edge[("notebookly", "prod")]
    check = only(document, "aws_route53_health_check")
    assert (check["type"], check["fqdn"], check["port"], check["resource_path"]) == (
        "HTTPS", "notebookly.com", 443, "/health")
    assert (check["failure_threshold"], check["request_interval"], check["enable_sni"]) == (3, 30, True)
    assert len(set(check["regions"])) >= 3
    assert document["output"]["health_check_id"]["value"] == _ref(document, "aws_route53_health_check",
                                                                  lambda _: True, "id")


# -- saas: CloudFront in front of the load balancer, with WAF (seed 002) --------------------------------


def test_saas_reaches_the_load_balancer_over_https_only_on_a_name_its_certificate_covers(edge):
    document = edge[("saas", "prod")]
    app = _distributions(document)["saas-prod-app"]
    (origin,) = app["origin"]
    assert origin["domain_name"] == "origin.saas.example.com"
    assert origin["custom_origin_config"]["origin_protocol_policy"] == "https-only"
    assert origin["custom_origin_config"]["origin_ssl_protocols"] == ["TLSv1.2"]
    assert "origin.saas.example.com" in load("saas", "prod").compute.load_balancer.certificate.names
    records = _records(document)
    for name in ("origin.saas.example.com", "api.saas.example.com"):
        assert records[(name, "A")]["alias"]["name"] == REMOTE % ("compute", "load_balancer_dns_name")
    assert app["aliases"] == ["saas.example.com", "www.saas.example.com"]
    assert records[("saas.example.com", "A")]["alias"]["zone_id"] == CLOUDFRONT_HOSTED_ZONE_ID


def test_saas_sends_the_compute_stacks_origin_secret_that_the_load_balancer_requires(edge):
    """The secret comes from compute's state (never a literal in the JSON); without it the ALB answers 403."""
    (origin,) = _distributions(edge[("saas", "prod")])["saas-prod-app"]["origin"]
    assert origin["custom_header"] == [{"name": REMOTE % ("compute", "origin_verify_header"),
                                        "value": REMOTE % ("compute", "origin_verify_secret")}]


def test_saas_passes_requests_uncached_except_the_static_build(edge):
    app = _distributions(edge[("saas", "prod")])["saas-prod-app"]
    assert app["default_cache_behavior"]["cache_policy_id"] == CACHING_DISABLED
    (static,) = app["ordered_cache_behavior"]
    assert (static["path_pattern"], static["cache_policy_id"]) == ("/_next/static/*", CACHING_OPTIMIZED)
    headers = only(edge[("saas", "prod")], "aws_cloudfront_response_headers_policy")
    assert "content_security_policy" not in headers["security_headers_config"]  # the app sends its own


# -- levels: a distribution per public asset class (seed 003) ------------------------------------------


def test_levels_serves_each_public_asset_class_from_its_own_distribution(edge):
    document = edge[("levels", "prod")]
    distributions = _distributions(document)
    assert set(distributions) == {"levels-prod-web-assets", "levels-prod-content"}
    for bucket, host in (("web_assets", "assets.levels.example.com"), ("content", "media.levels.example.com")):
        distribution = distributions[f"levels-prod-{bucket.replace('_', '-')}"]
        assert distribution["aliases"] == [host]
        assert distribution["origin"][0]["domain_name"] == REMOTE % ("data", f"bucket_{bucket}_regional_domain_name")
        assert "origin_access_control_id" in distribution["origin"][0]
        assert _records(document)[(host, "AAAA")]["alias"]["zone_id"] == CLOUDFRONT_HOSTED_ZONE_ID
    assert len(resources(document, "aws_cloudfront_origin_access_control")) == 2
    served = {n for n, b in load("levels", "prod").data.buckets.items() if b.cdn}
    assert served == {"web-assets", "content"}  # uploads, backups, configuration, bundles stay private


def test_levels_checks_the_api_behind_the_load_balancer(edge):
    document = edge[("levels", "prod")]
    check = only(document, "aws_route53_health_check")
    assert (check["fqdn"], check["resource_path"], check["port"]) == ("api.levels.example.com", "/health", 443)
    assert _records(document)[("api.levels.example.com", "A")]["alias"]["evaluate_target_health"] is True
    assert ("levels.example.com", "A") not in _records(document)  # no apex target configured


# -- cafe-dr: the public zone only, for the DR records to come -----------------------------------------


def test_a_created_zone_is_query_logged_and_exports_its_name_servers():
    document = json.loads(CdktfTesting.synth(EdgeStack(CdktfTesting.app(), load(config_file=CREATED_ZONE_CONFIG))))
    zone = only(document, "aws_route53_zone")
    assert zone["name"] == "cafe-dr.example.com" and zone.get("force_destroy") is False
    query_log = only(document, "aws_route53_query_log")
    assert query_log["provider"] == EDGE_PROVIDER
    groups = {g["name"]: g for g in resources(document, "aws_cloudwatch_log_group").values()}
    assert set(groups) == {"/aws/route53/cafe-dr.example.com", "aws-waf-logs-cafe-dr-dev-edge"}
    assert all(g["provider"] == EDGE_PROVIDER for g in groups.values())  # both in us-east-1, on the edge key
    assert {"hosted_zone_id", "hosted_zone_name_servers", "edge_kms_key_arn"} <= set(document["output"])


def test_cafe_dr_serves_its_media_bucket_at_static_through_cloudfront(edge):
    """Seed 001: CloudFront delivers menus, images and website assets; the bucket stays private."""
    document = edge[("cafe-dr", "prod")]
    media = _distributions(document)["cafe-dr-prod-media"]
    assert media["aliases"] == ["static.cafe-dr.example.com"]
    (origin,) = media["origin"]
    assert origin["domain_name"] == REMOTE % ("data", "bucket_media_regional_domain_name")
    assert "origin_access_control_id" in origin and media["web_acl_id"]
    (certificate,) = resources(document, "aws_acm_certificate").values()
    assert certificate["provider"] == EDGE_PROVIDER and certificate["domain_name"] == "static.cafe-dr.example.com"


def test_exports_are_the_contract_ops_and_operators_read(edge):
    outputs = {env: set(document["output"]) for env, document in edge.items()}
    assert outputs[("cafe-nimbus", "prod")] >= {"static_site_distribution_id", "static_site_domain_name",
                                                 "hosted_zone_id", "health_check_id", "web_acl_arn",
                                                 "cloudfront_log_bucket_name"}
    assert outputs[("saas", "prod")] >= {"load_balancer_cdn_distribution_id", "load_balancer_cdn_domain_name"}
    assert outputs[("levels", "prod")] >= {"assets_web_assets_distribution_id", "assets_content_domain_name"}
    assert outputs[("notebookly", "prod")] == {"hosted_zone_id", "health_check_id"}


# -- bad configuration ----------------------------------------------------------------------------------

REASON = "reason: a recorded reason long enough to judge"
# case -> (the environment extended, the YAML merged over it, fragments the error must contain)
HOSTILE = {
    "bucket-without-cdn": (
        "levels/prod", "edge:\n  asset_distributions: {uploads: {}}\n",
        ["edge.asset_distributions.uploads names data.buckets.uploads, which does not set cdn: true",
         "fix: set data.buckets.uploads.cdn: true"]),
    "unknown-bucket": (
        "cafe-nimbus/prod", "edge:\n  static_site: {bucket: site}\n",
        ["edge.static_site.bucket names 'site', which is not under data.buckets", "fix: add the bucket"]),
    "cdn-bucket-served-nowhere": (
        "notebookly/prod", "data:\n  buckets:\n    static-assets: {cdn: true}\n",
        ["data.buckets ['static-assets'] set cdn: true but no edge distribution serves them", "fix: serve them"]),
    "load-balancer-target-without-load-balancer": (
        "cafe-dr/prod",
        "compute: {load_balancer: null, fleets: {web: {port: null}}}\nedge:\n  apex_target: load_balancer\n",
        ["apex_target 'load_balancer'", "compute.load_balancer is not set", "fix: add compute.load_balancer"]),
    "domain-without-zone": (
        "cafe-dr/prod", "edge:\n  hosted_zone_id: null\n",
        ["edge.domain 'cafe-dr.example.com' needs exactly one of hosted_zone_id and create_zone",
         "create_zone=False", "fix: name the existing public zone"]),
    "created-zone-after-the-certificate-needs-it": (
        "cafe-dr/prod", "edge:\n  hosted_zone_id: null\n  create_zone: true\n",
        ["edge.create_zone makes the zone of 'cafe-dr.example.com' in the edge stack, which is applied after compute",
         "['cafe-dr.example.com', 'www.cafe-dr.example.com'] must be validated in that zone first",
         "fix: create the zone beforehand"]),
    "production-on-the-default-domain": (
        "levels/prod", f"edge:\n  domain: null\n  hosted_zone_id: null\n  load_balancer_names: []\n"
        f"  health_check: null\n  default_domain: {{{REASON}}}\n",
        ["edge.default_domain in production", "TLSv1", "fix: set edge.domain"]),
    "production-without-waf": (
        "saas/prod", f"edge:\n  waf: null\n  waf_off: {{{REASON}}}\n",
        ["edge.waf is off in production", "fix: remove 'waf: null'"]),
    "waf-off-without-reason": (
        "levels/dev", "edge:\n  waf_off: null\n",
        ["edge.waf is null without a recorded waf_off.reason", "fix: remove 'waf: null', or record why"]),
    "origin-not-on-the-certificate": (
        "saas/prod", "compute:\n  load_balancer:\n    certificate: {alternative_names: [api.saas.example.com]}\n",
        ["edge points ['origin.saas.example.com'] at the load balancer", "['saas.example.com', "
         "'api.saas.example.com']", "fix: add them to compute.load_balancer.certificate.alternative_names"]),
    "apex-target-without-its-section": (
        "notebookly/prod", "edge:\n  apex_target: static_site\n",
        ["edge.apex_target is 'static_site' but edge.static_site is not set", "fix: add edge.static_site"]),
    "health-check-of-an-unserved-name": (
        "levels/prod", "edge:\n  health_check: {subdomain: shop}\n",
        ["edge.health_check.subdomain 'shop' is not a name the edge serves", "fix: name one of those"]),
    "a-name-served-twice": (
        "levels/prod", "edge:\n  asset_distributions: {content: {subdomain: api}}\n",
        ["edge serves ['api'] twice", "fix: give each its own subdomain"]),
    "bad-domain": (
        "notebookly/prod", "edge:\n  domain: Notebookly.COM\n",
        ["edge.domain", "'Notebookly.COM' is not a domain name", "fix: a lower-case name"]),
    "bad-static-path": (
        "saas/prod", "edge:\n  load_balancer_cdn: {static_paths: ['/*']}\n",
        ["edge.load_balancer_cdn.static_paths", "static path '/*'", "fix: a pattern such as /static/*"]),
    "typo-under-edge": (
        "notebookly/prod", "edge:\n  health_chek: {path: /health}\n",
        ["edge.health_chek: unknown key", "did you mean 'health_check'"]),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_edge_configuration_fails_with_key_value_and_fix(case, tmp_path):
    extends, body, expected = HOSTILE[case]
    assert_refused(tmp_path, extends, body, expected)


@pytest.mark.parametrize("case", ["production-without-waf", "bucket-without-cdn"])
def test_a_bad_edge_section_writes_nothing(case, tmp_path, capsys):
    extends, body, expected = HOSTILE[case]
    out = tmp_path / "out"
    code = main.main(["--config", str(user_config_file(tmp_path, extends, body)), "--out", str(out)])
    stderr = capsys.readouterr().err
    assert code == 2, stderr
    assert expected[0] in stderr and "fix:" in stderr
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["my-env.yaml"]


def test_shield_advanced_is_an_opt_in_that_protects_every_distribution_and_the_load_balancer(tmp_path):
    path = tmp_path / "cafe.yaml"
    path.write_text("extends: cafe-nimbus/prod\nedge:\n  shield_advanced: true\n")
    document = json.loads(CdktfTesting.synth(EdgeStack(CdktfTesting.app(), load(config_file=path))))
    subscription = only(document, "aws_shield_subscription")
    assert subscription["auto_renew"] == "ENABLED" and subscription["skip_destroy"] is True
    protected = {p["resource_arn"] for p in resources(document, "aws_shield_protection").values()}
    site = next(k for k, d in resources(document, "aws_cloudfront_distribution").items() if "static-site" in k)
    assert protected == {"${aws_cloudfront_distribution.%s.arn}" % site,
                         "${data.terraform_remote_state.compute.outputs.load_balancer_arn}"}


def test_shield_advanced_is_off_by_default_for_its_yearly_commitment():
    document = json.loads(CdktfTesting.synth(EdgeStack(CdktfTesting.app(), load("cafe-nimbus", "prod"))))
    assert not resources(document, "aws_shield_subscription")
