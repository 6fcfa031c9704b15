"""Layer 1: the edge constructs (DNS-validated certificate, CloudFront in front of S3 and of the load
balancer, CLOUDFRONT-scope WAF, hosted zone, alias records, health checks) synthesized in a small stack
with a default provider in eu-west-1 and one aliased to us-east-1, and their refusal of bad props."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from cdktf import TerraformLocal, TerraformStack, TerraformVariable
from cdktf import Testing as CdktfTesting
from cdktf_cdktf_provider_aws.acm_certificate import AcmCertificate
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import DataAwsIamPolicyDocumentStatement
from cdktf_cdktf_provider_aws.provider import AwsProvider
from constructs import Construct

from modules.cdn import (
    CLOUDFRONT_HOSTED_ZONE_ID,
    AlbOriginDistribution,
    AlbOriginDistributionProps,
    ErrorResponse,
    GeoRestriction,
    StaticSiteDistribution,
    StaticSiteDistributionProps,
    cloudfront_reader_key_grant,
)
from modules.cdn.edge import ALL_VIEWER_EXCEPT_HOST_HEADER, CACHING_DISABLED, CACHING_OPTIMIZED
from modules.certificate import DnsValidatedCertificateProps
from modules.dns import (
    AliasRecords,
    AliasRecordsProps,
    AliasTarget,
    EndpointHealthCheck,
    EndpointHealthCheckProps,
    HostedZone,
    HostedZoneProps,
    QueryLogging,
    query_log_key_grant,
)
from modules.kms import EncryptionKey, EncryptionKeyProps
from modules.load_balancer import CertificateSpec, LoadBalancedTarget, PublicLoadBalancer, PublicLoadBalancerProps
from modules.s3_bucket import SecureBucket, SecureBucketProps
from modules.waf import WebAcl, WebAclProps
from tests.construct_paths import ConstructPaths, synth_with_paths
from tests.support import policy_document, policy_statement, statement_conditions

STACK, REGION, EDGE, ACCOUNT = "edge-test", "eu-west-1", "us-east-1", "123456789012"
EDGE_PROVIDER = "aws.us-east-1"
ELB_ACCOUNT = "arn:aws:iam::156460612806:root"
DOMAIN = "shop.example.com"
PLACEHOLDER = object()  # props validation never touches the referenced buckets


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory):
    """One stack with every edge construct and its variants, synthesized once: (document, constructs, folder)."""
    app = CdktfTesting.app()
    stack = TerraformStack(app, STACK)
    AwsProvider(stack, "aws", region=REGION)
    edge = AwsProvider(stack, "aws-us-east-1", region=EDGE, alias="us-east-1")
    built = SimpleNamespace(edge=edge)
    built.key = EncryptionKey(stack, "site-key", EncryptionKeyProps(
        alias="shop-prod-site", description="site objects", account_id=ACCOUNT,
        service_grants=[cloudfront_reader_key_grant(ACCOUNT)]))
    built.edge_key = EncryptionKey(stack, "edge-key", EncryptionKeyProps(
        alias="shop-prod-edge", description="edge logs", account_id=ACCOUNT, provider=edge,
        service_grants=[query_log_key_grant(ACCOUNT, other_log_groups=["aws-waf-logs-shop-prod-edge"])]))
    built.access_logs = SecureBucket(stack, "access-logs", SecureBucketProps(
        bucket_name="shop-prod-access-logs", encryption_key=None, access_logs_to=None, receives_access_logs=True,
        account_id=ACCOUNT))
    built.site_bucket = SecureBucket(stack, "site-bucket", SecureBucketProps(
        bucket_name="shop-prod-site", encryption_key=built.key, access_logs_to=built.access_logs))
    built.plain_bucket = SecureBucket(stack, "plain-bucket", SecureBucketProps(
        bucket_name="shop-prod-plain", encryption_key=built.key, access_logs_to=built.access_logs))
    lb_logs = SecureBucket(stack, "lb-logs", SecureBucketProps(
        bucket_name="shop-prod-lb-logs", encryption_key=None, access_logs_to=None, account_id=ACCOUNT,
        load_balancer_log_writer=ELB_ACCOUNT))
    built.zone = HostedZone(stack, "zone", HostedZoneProps(domain_name=DOMAIN, query_logging=QueryLogging(
        account_id=ACCOUNT, encryption_key_arn=built.edge_key.arn, provider=edge)))
    built.reused_zone = HostedZone(stack, "reused-zone", HostedZoneProps(
        domain_name="example.org", existing_zone_id="Z0EXAMPLEORG", query_logging_off_reason="logged by its owner"))
    zone_id = built.zone.zone_id
    built.lb = PublicLoadBalancer(stack, "load-balancer", PublicLoadBalancerProps(
        name="shop-prod", vpc_id="vpc-1", subnet_ids=["subnet-a", "subnet-b"], default_target="web",
        targets={"web": LoadBalancedTarget(port=8080)}, log_bucket=lb_logs,
        certificate=CertificateSpec(domain_name=DOMAIN, alternative_names=[f"origin.{DOMAIN}"],
                                    hosted_zone_id=zone_id)))
    built.dev_lb = PublicLoadBalancer(stack, "dev-load-balancer", PublicLoadBalancerProps(
        name="shop-dev", vpc_id="vpc-1", subnet_ids=["subnet-a", "subnet-b"], default_target="web",
        targets={"web": LoadBalancedTarget(port=8080)}, log_bucket=lb_logs, plain_http_reason="development"))
    built.edge_acl = WebAcl(stack, "edge-acl", WebAclProps(
        name="shop-prod-edge", resource_arn=None, log_encryption_key_arn=built.edge_key.arn, scope="CLOUDFRONT",
        provider=edge))
    built.regional_acl = WebAcl(stack, "regional-acl", WebAclProps(
        name="shop-prod", resource_arn=built.lb.arn, log_encryption_key_arn=built.key.arn))
    common = dict(account_id=ACCOUNT, edge_provider=edge, log_bucket=built.access_logs)
    built.site = StaticSiteDistribution(stack, "site", StaticSiteDistributionProps(
        name="shop-prod-site", bucket=built.site_bucket, aliases=[DOMAIN, f"www.{DOMAIN}"], hosted_zone_id=zone_id,
        web_acl_arn=built.edge_acl.arn, geo_restriction=GeoRestriction("blacklist", ["KP", "IR"]),
        content_security_policy="default-src 'self'; img-src 'self' data:",
        error_responses=[ErrorResponse(403, "/index.html", 200), ErrorResponse(404, "/index.html", 200)], **common))
    built.dev_site = StaticSiteDistribution(stack, "dev-site", StaticSiteDistributionProps(
        name="shop-dev-site", bucket=built.plain_bucket, without_web_acl_reason="development, no public name",
        price_class="PriceClass_All", log_format="json", **common))
    secret = TerraformVariable(stack, "origin_verify_secret", type="string", sensitive=True).string_value
    built.app = AlbOriginDistribution(stack, "app", AlbOriginDistributionProps(
        name="shop-prod-app", load_balancer=built.lb, origin_domain_name=f"origin.{DOMAIN}",
        aliases=[f"app.{DOMAIN}"], hosted_zone_id=zone_id, web_acl_arn=built.edge_acl.arn,
        static_paths=["/static/*", "/assets/*"], origin_verify_secret=secret, content_security_policy=None,
        **common))
    built.dev_app = AlbOriginDistribution(stack, "dev-app", AlbOriginDistributionProps(
        name="shop-dev-app", load_balancer=built.dev_lb, plain_http_reason="development ALB without a certificate",
        without_web_acl_reason="development", **common))
    built.site_records = AliasRecords(stack, "site-records", AliasRecordsProps(
        zone_id=zone_id, domain_name=DOMAIN, target=built.site))
    built.app_records = AliasRecords(stack, "app-records", AliasRecordsProps(
        zone_id=zone_id, domain_name=f"app.{DOMAIN}", target=built.app, subdomains=()))
    built.origin_records = AliasRecords(stack, "origin-records", AliasRecordsProps(
        zone_id=zone_id, domain_name=f"origin.{DOMAIN}", target=built.lb, subdomains=()))
    built.org_records = AliasRecords(stack, "org-records", AliasRecordsProps(
        zone_id=built.reused_zone.zone_id, domain_name="example.org", subdomains=("www", "shop"),
        target=(CLOUDFRONT_HOSTED_ZONE_ID, "d111111abcdef8.cloudfront.net")))
    built.health = EndpointHealthCheck(stack, "site-health", EndpointHealthCheckProps(
        fqdn=DOMAIN, resource_path="/index.html"))
    built.app_health = EndpointHealthCheck(stack, "app-health", EndpointHealthCheckProps(
        fqdn=f"app.{DOMAIN}", search_string="ok", regions=("us-east-1", "us-west-2", "eu-west-1", "sa-east-1")))
    TerraformLocal(stack, "exposed", {  # what the constructs hand to a stack, as Terraform sees it
        "site_arn": built.site.arn, "site_id": built.site.distribution_id, "site_domain": built.site.domain_name,
        "site_zone": built.site.hosted_zone_id, "zone_id": built.zone.zone_id,
        "name_servers": built.zone.name_servers, "health_check_id": built.health.id,
        "edge_acl": built.edge_acl.arn, "certificate": built.site.certificate.arn})
    folder = tmp_path_factory.mktemp("edge-stack")
    return synth_with_paths(stack, folder), built, folder


@pytest.fixture(scope="module")
def document(synthesized):
    return synthesized[0]


@pytest.fixture(scope="module")
def built(synthesized):
    return synthesized[1]


def _paths(document) -> ConstructPaths:
    """Reads `document` by construct path below the test stack."""
    return ConstructPaths(document, STACK)


def _all(document, resource_type) -> dict[str, dict]:
    return document["resource"].get(resource_type, {})


def _distribution(document, path: str) -> dict:
    return _paths(document).at("aws_cloudfront_distribution", f"{path}/distribution")


def _bucket_policy(document, bucket: str) -> dict:
    return policy_document(document, _paths(document).at("aws_s3_bucket_policy", f"{bucket}/policy")["policy"])


# -- static site: private bucket behind Origin Access Control --------------------------------------------


def test_site_reads_the_private_bucket_through_origin_access_control_signing_always(document):
    control = _paths(document).at("aws_cloudfront_origin_access_control", "site/origin-access-control")
    assert control["origin_access_control_origin_type"] == "s3"
    assert (control["signing_behavior"], control["signing_protocol"]) == ("always", "sigv4")
    (origin,) = _distribution(document, "site")["origin"]
    assert origin["origin_access_control_id"] == _paths(document).ref("aws_cloudfront_origin_access_control",
                                                                      "site/origin-access-control")
    assert origin["domain_name"] == _paths(document).ref("aws_s3_bucket", "site-bucket/bucket",
                                                         "bucket_regional_domain_name")
    assert "s3_origin_config" not in origin and "custom_origin_config" not in origin  # no legacy OAI, no website


def test_site_bucket_admits_only_this_distribution_to_get_objects(document):
    policy = _bucket_policy(document, "site-bucket")
    read = policy_statement(policy, "CloudFrontReadShopProdSite")
    assert read["principals"] == [{"type": "Service", "identifiers": ["cloudfront.amazonaws.com"]}]
    assert read["actions"] == ["s3:GetObject"]
    assert read["resources"] == [_paths(document).ref("aws_s3_bucket", "site-bucket/bucket", "arn") + "/*"]
    assert statement_conditions(read) == {("StringEquals", "AWS:SourceArn", (
        _paths(document).ref("aws_cloudfront_distribution", "site/distribution", "arn"),))}
    # The bucket's own statements stay, and nothing admits a public principal.
    assert [s["sid"] for s in policy["statement"]] == ["DenyInsecureTransport", "DenyOutdatedTls",
                                                       "CloudFrontReadShopProdSite"]
    for statement in policy["statement"]:
        public = any("*" in p["identifiers"] or p["type"] == "*" for p in statement.get("principals", []))
        assert not public or statement["effect"] == "Deny", statement["sid"]
    public_access = _paths(document).at("aws_s3_bucket_public_access_block", "site-bucket/public-access-block")
    assert all(public_access[k] is True for k in ("block_public_acls", "block_public_policy", "ignore_public_acls",
                                                  "restrict_public_buckets"))


def test_a_bucket_without_added_statements_keeps_its_policy_unchanged(document):
    assert [s["sid"] for s in _bucket_policy(document, "lb-logs")["statement"]] == [
        "DenyInsecureTransport", "DenyOutdatedTls", "AllowLoadBalancerLogDelivery"]


def test_reader_key_grant_lets_cloudfront_only_decrypt_for_this_account(document):
    key = _paths(document).at("aws_kms_key", "site-key/key")
    grant = policy_statement(policy_document(document, key["policy"]), "AllowCloudfront")
    assert grant["principals"] == [{"type": "Service", "identifiers": ["cloudfront.amazonaws.com"]}]
    assert grant["actions"] == ["kms:Decrypt"]
    assert statement_conditions(grant) == {("StringEquals", "aws:SourceAccount", (ACCOUNT,)), (
        "ArnLike", "AWS:SourceArn", (f"arn:aws:cloudfront::{ACCOUNT}:distribution/*",))}


def test_site_serves_index_html_and_maps_errors_to_the_app(document):
    site = _distribution(document, "site")
    assert site["default_root_object"] == "index.html"
    assert sorted((r["error_code"], r["response_page_path"], r["response_code"], r["error_caching_min_ttl"])
                  for r in site["custom_error_response"]) == [(403, "/index.html", 200, 10),
                                                               (404, "/index.html", 200, 10)]
    assert "custom_error_response" not in _distribution(document, "dev-site")  # default: none


def test_site_caches_with_the_managed_optimized_policy_and_compresses(document):
    behaviour = _distribution(document, "site")["default_cache_behavior"]
    assert behaviour["cache_policy_id"] == CACHING_OPTIMIZED
    assert behaviour["allowed_methods"] == behaviour["cached_methods"] == ["GET", "HEAD"]
    assert behaviour["compress"] is True and "forwarded_values" not in behaviour


# -- every distribution ---------------------------------------------------------------------------------


DISTRIBUTIONS = ("site", "dev-site", "app", "dev-app")


@pytest.mark.parametrize("path", DISTRIBUTIONS)
def test_viewers_are_redirected_to_https_everywhere(document, path):
    distribution = _distribution(document, path)
    behaviours = [distribution["default_cache_behavior"], *distribution.get("ordered_cache_behavior", [])]
    assert {b["viewer_protocol_policy"] for b in behaviours} == {"redirect-to-https"}
    assert {b["response_headers_policy_id"] for b in behaviours} == {
        _paths(document).ref("aws_cloudfront_response_headers_policy", f"{path}/security-headers")}


@pytest.mark.parametrize("path", DISTRIBUTIONS)
def test_distributions_speak_http3_over_ipv6_and_are_enabled(document, path):
    distribution = _distribution(document, path)
    assert distribution["enabled"] is True and distribution["is_ipv6_enabled"] is True
    assert distribution["http_version"] == "http2and3"
    assert "logging_config" not in distribution  # legacy logging needs bucket ACLs: standard logging v2 instead


def test_price_class_defaults_to_the_cheapest_and_is_configurable(document):
    assert _distribution(document, "site")["price_class"] == "PriceClass_100"
    assert _distribution(document, "dev-site")["price_class"] == "PriceClass_All"


def test_aliases_get_a_us_east_1_certificate_and_tls_1_2_at_least(document):
    site = _distribution(document, "site")
    assert site["aliases"] == [DOMAIN, f"www.{DOMAIN}"]
    validated = _paths(document).ref("aws_acm_certificate_validation", "site/certificate/certificate-validation",
                                     "certificate_arn")
    assert site["viewer_certificate"] == {"acm_certificate_arn": validated, "ssl_support_method": "sni-only",
                                          "minimum_protocol_version": "TLSv1.2_2021"}
    certificate = _paths(document).at("aws_acm_certificate", "site/certificate/certificate")
    assert certificate["provider"] == EDGE_PROVIDER
    assert certificate["domain_name"] == DOMAIN and certificate["subject_alternative_names"] == [f"www.{DOMAIN}"]
    records = _paths(document).at("aws_route53_record", "site/certificate/certificate-validation-record")
    validation = _paths(document).at("aws_acm_certificate_validation", "site/certificate/certificate-validation")
    assert records["provider"] == validation["provider"] == EDGE_PROVIDER
    assert records["zone_id"] == _paths(document).ref("aws_route53_zone", "zone/zone", "zone_id")
    assert "domain_validation_options : option.domain_name => option" in records["for_each"]


def test_without_aliases_the_default_certificate_is_used_and_aws_fixes_its_tls_floor(document):
    dev = _distribution(document, "dev-site")
    assert "aliases" not in dev
    assert dev["viewer_certificate"] == {"cloudfront_default_certificate": True}  # TLSv1, forced by AWS
    assert not [path for path in document["__paths__"] if path.startswith(f"{STACK}/dev-site/certificate")]


def test_security_headers_policy_values(document):
    config = _paths(document).at("aws_cloudfront_response_headers_policy", "site/security-headers")
    assert config["name"] == "shop-prod-site-security-headers"
    headers = config["security_headers_config"]
    assert headers["strict_transport_security"] == {"access_control_max_age_sec": 63072000,
                                                    "include_subdomains": True, "preload": True, "override": True}
    assert headers["content_type_options"] == {"override": True}
    assert headers["frame_options"] == {"frame_option": "DENY", "override": True}
    assert headers["referrer_policy"] == {"referrer_policy": "strict-origin-when-cross-origin", "override": True}
    assert headers["content_security_policy"] == {
        "content_security_policy": "default-src 'self'; img-src 'self' data:", "override": True}
    default_csp = _paths(document).at("aws_cloudfront_response_headers_policy", "dev-site/security-headers")
    assert default_csp["security_headers_config"]["content_security_policy"]["content_security_policy"] == (
        "default-src 'self'")
    api = _paths(document).at("aws_cloudfront_response_headers_policy",
                              "app/security-headers")["security_headers_config"]
    assert "content_security_policy" not in api and api["frame_options"]["frame_option"] == "DENY"


def test_geo_restriction_is_off_by_default_and_configurable(document):
    assert _distribution(document, "site")["restrictions"] == {
        "geo_restriction": {"restriction_type": "blacklist", "locations": ["KP", "IR"]}}
    assert _distribution(document, "dev-site")["restrictions"] == {"geo_restriction": {"restriction_type": "none"}}


@pytest.mark.parametrize("path, name, log_format", [("site", "shop-prod-site", "w3c"),
                                                    ("dev-site", "shop-dev-site", "json"),
                                                    ("app", "shop-prod-app", "w3c")])
def test_standard_logs_v2_are_delivered_from_us_east_1_to_the_log_bucket(document, path, name, log_format):
    paths = _paths(document)
    source = paths.at("aws_cloudwatch_log_delivery_source", f"{path}/log-delivery-source")
    assert source == {"name": f"{name}-access-logs", "log_type": "ACCESS_LOGS", "provider": EDGE_PROVIDER,
                      "resource_arn": paths.ref("aws_cloudfront_distribution", f"{path}/distribution", "arn")}
    destination = paths.at("aws_cloudwatch_log_delivery_destination", f"{path}/log-delivery-destination")
    assert destination["provider"] == EDGE_PROVIDER and destination["output_format"] == log_format
    assert destination["delivery_destination_configuration"] == [{
        "destination_resource_arn": paths.ref("aws_s3_bucket", "access-logs/bucket", "arn")}]
    delivery = paths.at("aws_cloudwatch_log_delivery", f"{path}/log-delivery")
    assert delivery["provider"] == EDGE_PROVIDER
    assert delivery["delivery_source_name"] == paths.ref("aws_cloudwatch_log_delivery_source",
                                                         f"{path}/log-delivery-source", "name")
    assert delivery["delivery_destination_arn"] == paths.ref("aws_cloudwatch_log_delivery_destination",
                                                             f"{path}/log-delivery-destination", "arn")
    assert "aws_s3_bucket_policy.%s" % paths.logical_at("aws_s3_bucket_policy", "access-logs/policy") in (
        delivery["depends_on"])
    sid = "CloudFrontLogs" + "".join(part.capitalize() for part in name.split("-"))
    write = policy_statement(_bucket_policy(document, "access-logs"), sid)
    assert write["principals"] == [{"type": "Service", "identifiers": ["delivery.logs.amazonaws.com"]}]
    assert write["actions"] == ["s3:PutObject"]
    assert write["resources"] == [paths.ref("aws_s3_bucket", "access-logs/bucket", "arn") + f"/AWSLogs/{ACCOUNT}/*"]
    assert statement_conditions(write) == {
        ("StringEquals", "aws:SourceAccount", (ACCOUNT,)),
        ("ArnLike", "aws:SourceArn", (f"arn:aws:logs:{EDGE}:{ACCOUNT}:delivery-source:{name}-access-logs",)),
        ("StringEquals", "s3:x-amz-acl", ("bucket-owner-full-control",))}


def test_log_bucket_keeps_its_server_access_log_statement_and_ownership(document):
    policy = _bucket_policy(document, "access-logs")
    assert [s["sid"] for s in policy["statement"]][:3] == ["DenyInsecureTransport", "DenyOutdatedTls",
                                                           "AllowServerAccessLogDelivery"]
    ownership = _paths(document).at("aws_s3_bucket_ownership_controls", "access-logs/ownership")
    assert ownership["rule"] == {"object_ownership": "BucketOwnerEnforced"}  # what v2 delivery works with
    encryption = _paths(document).at("aws_s3_bucket_server_side_encryption_configuration", "access-logs/encryption")
    assert encryption["rule"][0]["apply_server_side_encryption_by_default"]["sse_algorithm"] == "AES256"


# -- WAF ------------------------------------------------------------------------------------------------


def test_cloudfront_acl_lives_in_us_east_1_and_is_named_by_the_distributions(document):
    acl = _paths(document).at("aws_wafv2_web_acl", "edge-acl/web-acl")
    assert acl["scope"] == "CLOUDFRONT" and acl["provider"] == EDGE_PROVIDER
    groups = {r["statement"]["managed_rule_group_statement"]["name"] for r in acl["rule"]
              if "managed_rule_group_statement" in r["statement"]}
    assert {"AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesAnonymousIpList"} <= groups  # Log4j (CKV2_AWS_47)
    log_group = _paths(document).at("aws_cloudwatch_log_group", "edge-acl/log-group")
    assert log_group["provider"] == EDGE_PROVIDER and log_group["name"] == "aws-waf-logs-shop-prod-edge"
    assert log_group["kms_key_id"] == _paths(document).ref("aws_kms_key", "edge-key/key", "arn")
    waf_logging = _paths(document).at("aws_wafv2_web_acl_logging_configuration", "edge-acl/logging")
    assert waf_logging["provider"] == EDGE_PROVIDER
    arn = _paths(document).ref("aws_wafv2_web_acl", "edge-acl/web-acl", "arn")
    assert _distribution(document, "site")["web_acl_id"] == _distribution(document, "app")["web_acl_id"] == arn
    assert "web_acl_id" not in _distribution(document, "dev-site")


def test_cloudfront_acl_has_no_association_and_the_regional_one_is_unchanged(document):
    associations = _all(document, "aws_wafv2_web_acl_association")
    assert list(associations.values()) == [{
        "resource_arn": _paths(document).ref("aws_lb", "load-balancer/load-balancer", "arn"),
        "web_acl_arn": _paths(document).ref("aws_wafv2_web_acl", "regional-acl/web-acl", "arn")}]
    regional = _paths(document).at("aws_wafv2_web_acl", "regional-acl/web-acl")
    assert regional["scope"] == "REGIONAL" and "provider" not in regional
    assert "provider" not in _paths(document).at("aws_cloudwatch_log_group", "regional-acl/log-group")


def test_acls_are_exposed_to_the_stack(built):
    assert built.edge_acl.association is None and built.regional_acl.association is not None


# -- load balancer origin -------------------------------------------------------------------------------


def test_alb_origin_is_reached_over_https_only_with_tls_1_2_on_a_covered_name(document):
    (origin,) = _distribution(document, "app")["origin"]
    assert origin["domain_name"] == f"origin.{DOMAIN}"
    assert origin["custom_origin_config"] == {
        "http_port": 80, "https_port": 443, "origin_protocol_policy": "https-only",
        "origin_ssl_protocols": ["TLSv1.2"], "origin_read_timeout": 30, "origin_keepalive_timeout": 5}
    assert origin["custom_header"] == [{"name": "X-Origin-Verify", "value": "${var.origin_verify_secret}"}]
    assert "origin_access_control_id" not in origin


def test_alb_origin_passes_requests_uncached_except_static_paths(document):
    app = _distribution(document, "app")
    default = app["default_cache_behavior"]
    assert default["cache_policy_id"] == CACHING_DISABLED
    assert default["origin_request_policy_id"] == ALL_VIEWER_EXCEPT_HOST_HEADER
    assert set(default["allowed_methods"]) == {"GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"}
    assert [(b["path_pattern"], b["cache_policy_id"], b["allowed_methods"]) for b in app["ordered_cache_behavior"]] == [
        ("/static/*", CACHING_OPTIMIZED, ["GET", "HEAD"]), ("/assets/*", CACHING_OPTIMIZED, ["GET", "HEAD"])]
    assert "default_root_object" not in app


def test_development_alb_origin_is_plain_http_to_its_own_name(document):
    (origin,) = _distribution(document, "dev-app")["origin"]
    assert origin["custom_origin_config"]["origin_protocol_policy"] == "http-only"
    assert origin["domain_name"] == _paths(document).ref("aws_lb", "dev-load-balancer/load-balancer", "dns_name")
    assert "custom_header" not in origin


# -- certificate construct and the load balancer ----------------------------------------------------------


def test_load_balancer_certificate_keeps_its_resource_addresses(document):
    """The certificate moved into DnsValidatedCertificate (as the 'Default' child): same logical ids as a
    certificate created directly under the load balancer, so no state moves."""
    stack = TerraformStack(CdktfTesting.app(), "addresses")
    owner = Construct(stack, "load-balancer")
    expected = {name: AcmCertificate(owner, name, domain_name=DOMAIN).friendly_unique_id
                for name in ("certificate", "certificate-validation-record", "certificate-validation")}
    actual = {name: document["__paths__"][f"{STACK}/load-balancer/Default/{name}"] for name in expected}
    assert actual == expected
    certificate = document["resource"]["aws_acm_certificate"][expected["certificate"]]
    assert "provider" not in certificate and certificate["lifecycle"] == {"create_before_destroy": True}
    listener = _paths(document).at("aws_lb_listener", "load-balancer/https-listener")
    assert listener["certificate_arn"] == "${aws_acm_certificate_validation.%s.certificate_arn}" % (
        expected["certificate-validation"])


# -- DNS ------------------------------------------------------------------------------------------------


def test_site_names_alias_the_distribution_with_a_and_aaaa_records(document):
    records = {(r["name"], r["type"]): r for r in (
        _paths(document).at("aws_route53_record", f"site-records/{label}-{kind}")
        for label in ("apex", "www") for kind in ("a", "aaaa"))}
    assert set(records) == {(DOMAIN, "A"), (DOMAIN, "AAAA"), (f"www.{DOMAIN}", "A"), (f"www.{DOMAIN}", "AAAA")}
    for record in records.values():
        assert record["zone_id"] == _paths(document).ref("aws_route53_zone", "zone/zone", "zone_id")
        assert record["alias"] == {
            "name": _paths(document).ref("aws_cloudfront_distribution", "site/distribution", "domain_name"),
            "zone_id": CLOUDFRONT_HOSTED_ZONE_ID, "evaluate_target_health": False}  # Route 53 refuses True here
        assert "records" not in record and "ttl" not in record


def test_origin_name_aliases_the_load_balancer_and_inherits_its_health(document):
    (record,) = [r for path, r in _all(document, "aws_route53_record").items()
                 if path.startswith("origin-records")]
    assert record["name"] == f"origin.{DOMAIN}" and record["type"] == "A"  # the ALB is IPv4 only: no AAAA
    paths = _paths(document)
    assert record["alias"] == {"name": paths.ref("aws_lb", "load-balancer/load-balancer", "dns_name"),
                               "zone_id": paths.ref("aws_lb", "load-balancer/load-balancer", "zone_id"),
                               "evaluate_target_health": True}


def test_a_zone_and_dns_name_pair_is_a_target_too(document):
    names = sorted((r["name"], r["type"], r["alias"]["evaluate_target_health"], r["zone_id"])
                   for path, r in _all(document, "aws_route53_record").items() if path.startswith("org-records"))
    assert names == sorted((n, t, False, "Z0EXAMPLEORG") for n in ("example.org", "www.example.org",
                                                                   "shop.example.org") for t in ("A", "AAAA"))


def test_created_zone_logs_queries_to_us_east_1(document):
    paths = _paths(document)
    zone = paths.at("aws_route53_zone", "zone/zone")
    assert zone["name"] == DOMAIN and zone["force_destroy"] is False and "vpc" not in zone  # public
    group = paths.at("aws_cloudwatch_log_group", "zone/query-log-group")
    assert group["name"] == f"/aws/route53/{DOMAIN}" and group["provider"] == EDGE_PROVIDER
    assert group["kms_key_id"] == paths.ref("aws_kms_key", "edge-key/key", "arn")
    assert group["retention_in_days"] == 365
    policy = paths.at("aws_cloudwatch_log_resource_policy", "zone/query-log-policy")
    assert policy["provider"] == EDGE_PROVIDER
    statement = policy_statement(policy_document(document, policy["policy_document"]), "Route53QueryLogs")
    assert statement["principals"] == [{"type": "Service", "identifiers": ["route53.amazonaws.com"]}]
    assert statement["actions"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert statement["resources"] == [paths.ref("aws_cloudwatch_log_group", "zone/query-log-group", "arn") + ":*"]
    zone_id = paths.ref("aws_route53_zone", "zone/zone", "zone_id")
    assert statement_conditions(statement) == {
        ("StringEquals", "aws:SourceAccount", (ACCOUNT,)),
        ("ArnLike", "aws:SourceArn", (f"arn:aws:route53:::hostedzone/{zone_id}",))}
    query_log = paths.at("aws_route53_query_log", "zone/query-log")
    assert query_log["zone_id"] == zone_id and query_log["provider"] == EDGE_PROVIDER
    assert query_log["cloudwatch_log_group_arn"] == paths.ref("aws_cloudwatch_log_group", "zone/query-log-group", "arn")
    assert query_log["depends_on"] == ["aws_cloudwatch_log_resource_policy.%s" % paths.logical_at(
        "aws_cloudwatch_log_resource_policy", "zone/query-log-policy")]


def test_query_log_key_grant_admits_us_east_1_logs_for_route53_groups_only(document):
    key = _paths(document).at("aws_kms_key", "edge-key/key")
    assert key["provider"] == EDGE_PROVIDER
    statement = policy_statement(policy_document(document, key["policy"]), "AllowLogs")
    assert statement["principals"] == [{"type": "Service", "identifiers": [f"logs.{EDGE}.amazonaws.com"]}]
    assert statement_conditions(statement) == {("ArnLike", "kms:EncryptionContext:aws:logs:arn", (
        f"arn:aws:logs:{EDGE}:{ACCOUNT}:log-group:/aws/route53/*",
        f"arn:aws:logs:{EDGE}:{ACCOUNT}:log-group:aws-waf-logs-shop-prod-edge"))}


def test_reused_zone_creates_nothing(document, built):
    assert len(_all(document, "aws_route53_zone")) == 1 and len(_all(document, "aws_route53_query_log")) == 1
    assert built.reused_zone.zone_id == "Z0EXAMPLEORG" and built.reused_zone.name_servers is None


def test_health_checks_probe_https_from_three_or_more_regions(document):
    check = _paths(document).at("aws_route53_health_check", "site-health/health-check")
    assert check == {"type": "HTTPS", "fqdn": DOMAIN, "port": 443, "resource_path": "/index.html",
                     "enable_sni": True, "failure_threshold": 3, "request_interval": 30, "measure_latency": True,
                     "regions": ["us-east-1", "eu-west-1", "ap-southeast-1"]}
    matching = _paths(document).at("aws_route53_health_check", "app-health/health-check")
    assert matching["type"] == "HTTPS_STR_MATCH" and matching["search_string"] == "ok"
    assert len(matching["regions"]) == 4


def test_constructs_expose_what_a_stack_wires(document):
    exposed, paths = document["locals"]["exposed"], _paths(document)
    assert exposed["health_check_id"] == paths.ref("aws_route53_health_check", "site-health/health-check")
    assert exposed["site_arn"] == paths.ref("aws_cloudfront_distribution", "site/distribution", "arn")
    assert exposed["site_zone"] == paths.ref("aws_cloudfront_distribution", "site/distribution", "hosted_zone_id")
    assert exposed["name_servers"] == paths.ref("aws_route53_zone", "zone/zone", "name_servers")
    assert exposed["certificate"] == paths.ref("aws_acm_certificate_validation",
                                               "site/certificate/certificate-validation", "certificate_arn")


def test_no_construct_sets_a_name_tag_or_a_literal_secret(document):
    for instances in document["resource"].values():
        assert not any("Name" in r.get("tags", {}) for r in instances.values())
    assert document["variable"]["origin_verify_secret"]["sensitive"] is True


# -- bad props ------------------------------------------------------------------------------------------


def _site(**overrides) -> StaticSiteDistributionProps:
    values = dict(name="shop-prod-site", account_id=ACCOUNT, edge_provider=PLACEHOLDER, log_bucket=PLACEHOLDER,
                  bucket=PLACEHOLDER, aliases=[DOMAIN], hosted_zone_id="Z0SHOP",
                  web_acl_arn=f"arn:aws:wafv2:{EDGE}:{ACCOUNT}:global/webacl/shop/1")
    return StaticSiteDistributionProps(**{**values, **overrides})


def _lb(certificate: CertificateSpec | None):
    return SimpleNamespace(props=SimpleNamespace(certificate=certificate))


COVERED = CertificateSpec(domain_name=DOMAIN, alternative_names=[f"*.{DOMAIN}"], hosted_zone_id="Z0SHOP")


def _app(**overrides) -> AlbOriginDistributionProps:
    values = dict(name="shop-prod-app", account_id=ACCOUNT, edge_provider=PLACEHOLDER, log_bucket=PLACEHOLDER,
                  load_balancer=_lb(COVERED), origin_domain_name=f"origin.{DOMAIN}",
                  without_web_acl_reason="tested elsewhere")
    return AlbOriginDistributionProps(**{**values, **overrides})


def _web_acl(**overrides) -> WebAclProps:
    values = dict(name="shop-prod-edge", resource_arn=None, log_encryption_key_arn="arn:key", scope="CLOUDFRONT",
                  provider=SimpleNamespace(region=EDGE))
    return WebAclProps(**{**values, **overrides})


def _zone(**overrides) -> HostedZoneProps:
    values = dict(domain_name="example.com", query_logging_off_reason="tested elsewhere")
    return HostedZoneProps(**{**values, **overrides})


def _health(**overrides) -> EndpointHealthCheckProps:
    return EndpointHealthCheckProps(**{**dict(fqdn=DOMAIN), **overrides})


def _certificate(**overrides) -> DnsValidatedCertificateProps:
    return DnsValidatedCertificateProps(**{**dict(domain_name=DOMAIN, hosted_zone_id="Z0SHOP"), **overrides})


EU_PROVIDER = SimpleNamespace(region=REGION)
# case -> (build the props, the value the message must name, the text after "fix:")
BAD_PROPS = {
    "site-aliases-without-certificate": (lambda: _site(hosted_zone_id=None), f"aliases ['{DOMAIN}']",
                                         "pass hosted_zone_id"),
    "site-certificate-without-aliases": (lambda: _site(aliases=()), "has a certificate or hosted_zone_id",
                                         "list the names"),
    "site-certificate-not-us-east-1": (
        lambda: _site(certificate_arn=f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/1", hosted_zone_id=None),
        f"'arn:aws:acm:{REGION}:{ACCOUNT}:certificate/1'", "only uses certificates from us-east-1"),
    "site-edge-provider-region": (lambda: _site(edge_provider=EU_PROVIDER), f"edge_provider region '{REGION}'",
                                  "aliased to us-east-1"),
    "site-no-waf-no-reason": (lambda: _site(web_acl_arn=None), "has no web_acl_arn", "without_web_acl_reason"),
    "site-waf-and-reason": (lambda: _site(without_web_acl_reason="cheap"), "without_web_acl_reason 'cheap'",
                            "drop one"),
    "site-regional-waf": (lambda: _site(web_acl_arn=f"arn:aws:wafv2:{REGION}:{ACCOUNT}:regional/webacl/shop/1"),
                          f"'arn:aws:wafv2:{REGION}:{ACCOUNT}:regional/webacl/shop/1'", "scope='CLOUDFRONT'"),
    "site-price-class": (lambda: _site(price_class="PriceClass_50"), "'PriceClass_50'", "PriceClass_100"),
    "site-name": (lambda: _site(name="Shop_Site"), "'Shop_Site'", "lower-case"),
    "site-alias-trailing-dot": (lambda: _site(aliases=[f"{DOMAIN}."]), f"'{DOMAIN}.'", "without a trailing dot"),
    "site-root-object": (lambda: _site(default_root_object="/index.html"), "'/index.html'", "without a leading '/'"),
    "site-log-format": (lambda: _site(log_format="csv"), "log_format 'csv'", "'w3c'"),
    "site-csp-multi-line": (lambda: _site(content_security_policy="default-src 'self'\nimg-src *"),
                            "content_security_policy", "one line"),
    "site-error-code": (lambda: ErrorResponse(401, "/index.html", 200), "error response for 401",
                        "CloudFront's codes"),
    "site-error-page": (lambda: ErrorResponse(404, "404.html", 404), "'404.html'", "'/404.html'"),
    "site-geo": (lambda: GeoRestriction("deny", ["RU"]), "'deny'", "'whitelist'"),
    "site-geo-lower-case": (lambda: GeoRestriction("blacklist", ["ru"]), "['ru']", "alpha-2"),
    "app-elb-name": (lambda: _app(origin_domain_name="shop-prod-1.eu-west-1.elb.amazonaws.com"),
                     "'shop-prod-1.eu-west-1.elb.amazonaws.com' is the load balancer's own name", "alias record"),
    "app-name-not-covered": (lambda: _app(origin_domain_name="origin.example.net"), "'origin.example.net'",
                             "alternative names"),
    "app-no-origin-name": (lambda: _app(origin_domain_name=None), "has no origin_domain_name",
                           "certificate covers"),
    "app-https-to-a-plain-alb": (lambda: _app(load_balancer=_lb(None)), "the load balancer has no certificate",
                                 "plain_http_reason"),
    "app-plain-http-to-an-https-alb": (lambda: _app(plain_http_reason="dev"), f"serves HTTPS for '{DOMAIN}'",
                                       "drop plain_http_reason"),
    "app-literal-secret": (lambda: _app(origin_verify_secret="hunter2"), "origin_verify_secret is a literal",
                           "pass a token"),
    "app-static-catch-all": (lambda: _app(static_paths=["/*"]), "static path '/*'", "'/static/*'"),
    "app-read-timeout": (lambda: _app(origin_read_timeout_seconds=90), "origin_read_timeout_seconds=90",
                         "1 to 60"),
    "waf-cloudfront-with-resource": (lambda: _web_acl(resource_arn="arn:lb"), "resource_arn='arn:lb'",
                                     "resource_arn=None"),
    "waf-cloudfront-without-provider": (lambda: _web_acl(provider=None), "CLOUDFRONT with no provider",
                                        "aliased to us-east-1"),
    "waf-cloudfront-in-eu": (lambda: _web_acl(provider=EU_PROVIDER), f"provider region '{REGION}'",
                             "aliased to us-east-1"),
    "waf-regional-without-resource": (lambda: _web_acl(scope="REGIONAL", provider=None),
                                      "scope REGIONAL with resource_arn=None", "load balancer's ARN"),
    "waf-scope": (lambda: _web_acl(scope="GLOBAL"), "scope 'GLOBAL'", "'CLOUDFRONT'"),
    "zone-no-logging-no-reason": (lambda: _zone(query_logging_off_reason=None), "has no query_logging",
                                  "query_logging_off_reason"),
    "zone-existing-id": (lambda: _zone(existing_zone_id="example.com"), "existing_zone_id 'example.com'",
                         "Route 53 zone id"),
    "zone-query-logs-in-eu": (lambda: QueryLogging(account_id=ACCOUNT, encryption_key_arn="k", provider=EU_PROVIDER),
                              f"provider region '{REGION}'", "aliased to us-east-1"),
    "zone-retention": (lambda: QueryLogging(account_id=ACCOUNT, encryption_key_arn="k",
                                            provider=SimpleNamespace(region=EDGE), retention_days=100),
                       "retention_days=100", "365"),
    "records-unknown-target": (lambda: AliasRecordsProps(zone_id="Z0SHOP", domain_name=DOMAIN, target="shop-lb"),
                               "alias target 'shop-lb'", "(zone_id, dns_name)"),
    "records-cloudfront-health": (lambda: AliasTarget(zone_id=CLOUDFRONT_HOSTED_ZONE_ID, dns_name="d1.cloudfront.net"),
                                  "evaluate_target_health=True", "False"),
    "records-subdomain-with-domain": (
        lambda: AliasRecordsProps(zone_id="Z0SHOP", domain_name=DOMAIN, target=("Z0", "x.example.net"),
                                  subdomains=[f"www.{DOMAIN}."]), f"['www.{DOMAIN}.']", "without the domain"),
    "health-two-regions": (lambda: _health(regions=("us-east-1", "eu-west-1")), "['us-east-1', 'eu-west-1']",
                           "at least three"),
    "health-unknown-region": (lambda: _health(regions=("us-east-1", "eu-west-1", "eu-central-1")),
                              "'eu-central-1'", "checker regions"),
    "health-interval": (lambda: _health(request_interval_seconds=60), "request_interval_seconds=60", "10 or 30"),
    "health-threshold": (lambda: _health(failure_threshold=0), "failure_threshold=0", "1 to 10"),
    "health-path": (lambda: _health(resource_path="health"), "'health'", "/health"),
    "certificate-repeated-name": (lambda: _certificate(alternative_names=[DOMAIN]), f"['{DOMAIN}'] more than once",
                                  "list each name once"),
    "certificate-no-zone": (lambda: _certificate(hosted_zone_id=""), "has no hosted_zone_id", "Route 53 zone"),
    "certificate-upper-case": (lambda: _certificate(domain_name="Shop.Example.com"), "'Shop.Example.com'",
                               "lower-case"),
}


@pytest.mark.parametrize("case", sorted(BAD_PROPS))
def test_bad_props_fail_early_naming_the_value_and_the_fix(case):
    build, value, fix = BAD_PROPS[case]
    with pytest.raises(ValueError) as error:
        build()
    message = str(error.value)
    assert value in message and "fix:" in message and fix in message.split("fix:", 1)[1], message


def test_alias_records_must_be_aliases_of_the_distribution(built):
    with pytest.raises(ValueError, match=r"\['shop.example.com'\] point to distribution 'shop-prod-app'.*fix: add"):
        AliasRecordsProps(zone_id="Z0SHOP", domain_name=DOMAIN, target=built.app, subdomains=())


def test_a_bucket_refuses_a_second_statement_with_a_used_sid(built):
    with pytest.raises(ValueError, match=r"sid 'DenyOutdatedTls' is missing or already used.*fix: give"):
        built.plain_bucket.add_policy_statements(DataAwsIamPolicyDocumentStatement(sid="DenyOutdatedTls"))


def test_good_variants_are_accepted():
    assert _app(origin_domain_name=f"api.{DOMAIN}").https_to_origin  # covered by the wildcard
    assert not _app(load_balancer=_lb(None), plain_http_reason="dev", origin_domain_name=None).https_to_origin
    assert _web_acl(scope="REGIONAL", resource_arn="arn:lb", provider=None).scope == "REGIONAL"
    assert _certificate(domain_name=f"*.{DOMAIN}", alternative_names=[DOMAIN]).domain_name == f"*.{DOMAIN}"


@pytest.mark.terraform
def test_synthesized_constructs_pass_terraform_validate(synthesized, tmp_path):
    from tests.harness.terraform import TerraformWorkdir

    workdir = TerraformWorkdir(synthesized[2], tmp_path / "wd")
    workdir.init(backend=False)
    workdir.validate()
