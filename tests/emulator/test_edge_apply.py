"""Layer 5 for the edge stacks: real `terraform apply` against moto of notebookly's prod edge (the apex
and www alias the load balancer in Route 53, health-checked), cafe-nimbus's prod edge (the static
site through CloudFront with origin access control, its us-east-1 certificate validated in the zone,
the CLOUDFRONT-scope WAF and its logs, standard logging v2 into the CloudFront log bucket, the apex,
www and app alias records, the health check of the front page) and saas's prod edge (CloudFront in
front of the load balancer over HTTPS to origin.<domain>, adding the compute stack's secret header,
static paths cached, api. and origin. straight to the load balancer). test_edge_apply_more.py has
levels (a distribution per asset class) and cafe-dr (the zone created by the stack).

The edge stack needs no network. The data and compute exports it reads are seeded into the S3 remote
state with realistic values (a load balancer DNS name, the served buckets, which are created in moto,
and their regional domain names, the origin-verify header and its secret), because the platform
scenarios already apply those stacks. As an operator does before the first apply, the domain's
Route 53 zone is created and its id put in the configuration (unless the stack creates it). Each
stack must apply, re-plan with no changes, show in AWS what it declares, and destroy. Every scenario
has its own moto server, so a failed one leaves nothing behind for the next.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

from configuration import BlueprintConfig, load
from stacks.base import variable
from tests.emulator.environments import EmulatedEnvironment, bucket_location, outputs_of
from tests.emulator.runbook import empty_named_buckets, stop_access_logging
from tests.harness.moto_server import MotoServer, start_moto_server
from tests.harness.terraform import TerraformWorkdir

pytestmark = [pytest.mark.emulator, pytest.mark.xdist_group("emulator-edge")]
EDGE_REGION = "us-east-1"
CLOUDFRONT_ZONE = "Z2FDTNDATAQYW2"
ALB_ZONES = {"ap-south-1": "ZP97RAFLXTNZK", "eu-west-1": "Z32O12XQLNTSW2", "us-east-1": "Z35SXDOTRQ7X7K"}
"""Route 53 zones of application load balancers per region (AWS's published table, as the provider has it)."""
ORIGIN_VERIFY_HEADER = "X-Origin-Verify"
# CloudFront's managed policies (the same ids in every account, from AWS's documentation).
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"


@dataclass
class EdgeEnvironment(EmulatedEnvironment):
    zone_id: str = ""
    """The domain's zone: created before the apply, or (edge.create_zone) read from the stack's output after it."""
    origin_secret: str = ""
    """The compute stack's origin_verify_secret as seeded (a fresh uuid, as compute's uuid() draws)."""

    @property
    def load_balancer_dns_name(self) -> str:
        return f"{self.config.name_prefix}-alb-1234567890.{self.config.regions.primary}.elb.amazonaws.com"

    def records(self) -> dict[tuple[str, str], dict]:
        """(name without the trailing dot, type) -> record set of the domain's zone."""
        answer = self.client("route53").list_resource_record_sets(HostedZoneId=self.zone_id)["ResourceRecordSets"]
        return {(r["Name"].rstrip("."), r["Type"]): r for r in answer}


def with_edge_zone(config: BlueprintConfig, route53: object) -> tuple[BlueprintConfig, str]:
    """What an operator does before the first apply: create the domain's public zone and list its id
    under edge.hosted_zone_id (and as the load balancer certificate's zone, when that named the same
    placeholder: app.<domain> is validated in the domain's zone). With edge.create_zone the stack
    creates the zone itself: nothing to do, and its id is known only after the apply ('')."""
    edge = config.edge
    assert edge is not None and edge.domain
    if edge.create_zone:
        return config, ""
    assert edge.hosted_zone_id
    zone = route53.create_hosted_zone(Name=edge.domain, CallerReference=f"{config.name_prefix}-edge")
    zone_id = zone["HostedZone"]["Id"].split("/")[-1]
    document = config.model_dump(by_alias=True)
    document["edge"]["hosted_zone_id"] = zone_id
    certificate = (document["compute"].get("load_balancer") or {}).get("certificate")
    if certificate and certificate.get("hosted_zone_id") == edge.hosted_zone_id:
        certificate["hosted_zone_id"] = zone_id
    return BlueprintConfig.model_validate(document), zone_id


def prepare_edge(blueprint: str, root: Path, moto: MotoServer, config_file: Path | None = None) -> EdgeEnvironment:
    """Create the zone (unless the stack does), synthesize prod (or `config_file`), create the state bucket
    (and the served buckets), seed the data and compute outputs the edge stack reads."""
    base = load(config_file=config_file) if config_file else load(blueprint, "prod")
    route53 = boto3.client("route53", region_name="us-east-1", endpoint_url=moto.endpoint_url,
                           aws_access_key_id="testing", aws_secret_access_key="testing")
    config, zone_id = with_edge_zone(base, route53)
    env = EdgeEnvironment(config=config, root=root, moto=moto, zone_id=zone_id, origin_secret=str(uuid.uuid4()))
    env.synthesize()
    primary = config.regions.primary
    served = {}
    for name in config.edge.cdn_buckets:
        bucket = config.data_bucket_name(name)
        env.client("s3").create_bucket(Bucket=bucket, **bucket_location(primary))
        served[f"bucket_{variable(name)}_name"] = bucket
        served[f"bucket_{variable(name)}_regional_domain_name"] = f"{bucket}.s3.{primary}.amazonaws.com"
    realistic = {**served, "load_balancer_dns_name": env.load_balancer_dns_name,
                 "load_balancer_zone_id": ALB_ZONES[primary], "origin_verify_header": ORIGIN_VERIFY_HEADER,
                 "origin_verify_secret": env.origin_secret}
    for layer in env.producers_of("edge"):
        env.seed(layer, realistic)
    return env


def edge_moto(tmp_path_factory: pytest.TempPathFactory, scenario: str) -> Iterator[MotoServer]:
    """A moto server of one scenario's own (a failed scenario leaves nothing behind for the next)."""
    server = start_moto_server(log_path=tmp_path_factory.mktemp(f"edge-moto-{scenario}") / "moto.log")
    yield server
    server.stop()


def distribution_of(env: EdgeEnvironment, outputs: dict, prefix: str = "static_site") -> dict:
    """GetDistribution of the distribution the stack published as <prefix>_distribution_id."""
    return env.client("cloudfront").get_distribution(Id=outputs[f"{prefix}_distribution_id"])["Distribution"]


def assert_issued_us_east_1_certificate(env: EdgeEnvironment, settings: dict, names: list[str]) -> None:
    """The distribution answers `names` with an issued us-east-1 certificate for them (TLS 1.2 2021, SNI),
    validated in the domain's zone."""
    assert sorted(settings["Aliases"]["Items"]) == sorted(names)
    viewer = settings["ViewerCertificate"]
    assert viewer["ACMCertificateArn"].startswith(f"arn:aws:acm:{EDGE_REGION}:")
    assert (viewer["SSLSupportMethod"], viewer["MinimumProtocolVersion"]) == ("sni-only", "TLSv1.2_2021")
    assert not viewer["CloudFrontDefaultCertificate"]
    certificate = env.client("acm", EDGE_REGION).describe_certificate(
        CertificateArn=viewer["ACMCertificateArn"])["Certificate"]
    assert certificate["Status"] == "ISSUED"
    assert sorted(certificate["SubjectAlternativeNames"]) == sorted(names)
    records = env.records()
    for option in certificate["DomainValidationOptions"]:  # validated in the domain's own zone
        record = option["ResourceRecord"]
        assert records[(record["Name"].rstrip("."), "CNAME")]["ResourceRecords"] == [{"Value": record["Value"]}]


def assert_private_bucket_origin(env: EdgeEnvironment, settings: dict, bucket: str) -> None:
    """The distribution's only origin is the bucket's regional name, signed with origin access control."""
    (origin,) = settings["Origins"]["Items"]
    assert origin["DomainName"] == f"{bucket}.s3.{env.config.regions.primary}.amazonaws.com"
    control = env.client("cloudfront").get_origin_access_control(Id=origin["OriginAccessControlId"])
    control = control["OriginAccessControl"]["OriginAccessControlConfig"]
    assert (control["OriginAccessControlOriginType"], control["SigningBehavior"], control["SigningProtocol"]) == (
        "s3", "always", "sigv4")
    assert settings["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"


def assert_aliases(env: EdgeEnvironment, names: list[str], dns_name: str, *, cloudfront: bool) -> None:
    """`names` alias a distribution (A and AAAA, no target health) or the load balancer (A only, its health)."""
    records = env.records()
    for name in names:
        alias = records[(name, "A")]["AliasTarget"]
        assert alias["DNSName"].rstrip(".") == dns_name
        if cloudfront:
            assert alias["HostedZoneId"] == CLOUDFRONT_ZONE and alias["EvaluateTargetHealth"] is False
            assert records[(name, "AAAA")]["AliasTarget"] == alias  # the distribution answers over IPv6 too
        else:
            assert alias["HostedZoneId"] == ALB_ZONES[env.config.regions.primary]  # the provider's table
            assert alias["EvaluateTargetHealth"] is True
            assert (name, "AAAA") not in records  # the load balancer is IPv4 only


def assert_health_check(env: EdgeEnvironment, outputs: dict, fqdn: str) -> None:
    declared = env.config.edge.health_check
    check = env.client("route53").get_health_check(
        HealthCheckId=outputs["health_check_id"])["HealthCheck"]["HealthCheckConfig"]
    assert (check["Type"], check["FullyQualifiedDomainName"]) == ("HTTPS", fqdn)
    assert (check["ResourcePath"], check["Port"], check["FailureThreshold"]) == (
        declared.path, declared.port, declared.failure_threshold)
    assert check["RequestInterval"] == declared.request_interval_seconds and check["EnableSNI"] is True


def assert_cloudfront_waf(env: EdgeEnvironment, outputs: dict, distributions: list[dict]) -> None:
    """One CLOUDFRONT-scope web ACL in us-east-1, on every distribution: the rate rule first, then the managed
    groups, logging to a KMS-encrypted aws-waf-logs- group there."""
    waf = env.config.edge.waf
    assert ":global/webacl/" in outputs["web_acl_arn"]
    assert [d["DistributionConfig"]["WebACLId"] for d in distributions] == [outputs["web_acl_arn"]] * len(distributions)
    wafv2 = env.client("wafv2", EDGE_REGION)
    (summary,) = wafv2.list_web_acls(Scope="CLOUDFRONT")["WebACLs"]
    assert summary["ARN"] == outputs["web_acl_arn"]
    acl = wafv2.get_web_acl(Scope="CLOUDFRONT", Id=summary["Id"], Name=summary["Name"])["WebACL"]
    rules = sorted(acl["Rules"], key=lambda rule: rule["Priority"])
    rate = rules[0]["Statement"]["RateBasedStatement"]
    assert (rate["Limit"], rate["EvaluationWindowSec"], rate["AggregateKeyType"]) == (
        waf.rate_limit.requests, waf.rate_limit.window_seconds, "IP")
    assert [rule["Name"] for rule in rules[1:]] == waf.managed_rule_groups
    (destination,) = wafv2.get_logging_configuration(ResourceArn=acl["ARN"])["LoggingConfiguration"][
        "LogDestinationConfigs"]
    assert destination.startswith(f"arn:aws:logs:{EDGE_REGION}:") and ":log-group:aws-waf-logs-" in destination
    (group,) = env.client("logs", EDGE_REGION).describe_log_groups(
        logGroupNamePrefix=destination.split(":log-group:")[1])["logGroups"]
    assert group["kmsKeyId"] == outputs["edge_kms_key_arn"] and group["retentionInDays"] == waf.log_retention_days


def destroy_edge(env: EdgeEnvironment, workdir: TerraformWorkdir) -> dict:
    """The teardown runbook (stop access logging, empty the CloudFront log bucket), then destroy; returns
    the outputs the stack had."""
    outputs = outputs_of(workdir)
    stop_access_logging(workdir)
    empty_named_buckets(env.client("s3"), [outputs["cloudfront_log_bucket_name"]])
    workdir.destroy()
    return outputs


def assert_no_distributions_left(env: EdgeEnvironment, outputs: dict) -> None:
    """Nothing of the CloudFront side survives destroy: distributions, their OACs and header policies,
    the us-east-1 certificates, the WAF, every us-east-1 log group, the log delivery objects, the log
    bucket; the edge key is scheduled for deletion."""
    cloudfront = env.client("cloudfront")
    assert not cloudfront.list_distributions()["DistributionList"].get("Items")
    assert not cloudfront.list_origin_access_controls()["OriginAccessControlList"].get("Items")
    assert not cloudfront.list_response_headers_policies()["ResponseHeadersPolicyList"].get("Items")
    assert not env.client("acm", EDGE_REGION).list_certificates()["CertificateSummaryList"]
    assert not env.client("wafv2", EDGE_REGION).list_web_acls(Scope="CLOUDFRONT")["WebACLs"]
    logs = env.client("logs", EDGE_REGION)
    assert not logs.describe_log_groups()["logGroups"]
    assert not logs.describe_deliveries()["deliveries"] and not logs.describe_delivery_sources()["deliverySources"]
    assert not logs.describe_delivery_destinations()["deliveryDestinations"]
    assert outputs["cloudfront_log_bucket_name"] not in {b["Name"] for b in env.client("s3").list_buckets()["Buckets"]}
    key = env.client("kms", EDGE_REGION).describe_key(KeyId=outputs["edge_kms_key_arn"])["KeyMetadata"]
    assert key["KeyState"] == "PendingDeletion"  # KMS keeps a deleted key for its waiting period


@pytest.fixture(scope="module")
def moto(tmp_path_factory) -> Iterator[MotoServer]:
    yield from edge_moto(tmp_path_factory, "notebookly-cafe-nimbus")


@pytest.fixture(scope="module")
def saas_moto(tmp_path_factory) -> Iterator[MotoServer]:
    yield from edge_moto(tmp_path_factory, "saas")


@pytest.fixture(scope="module")
def notebookly(moto, tmp_path_factory) -> EdgeEnvironment:
    return prepare_edge("notebookly", tmp_path_factory.mktemp("edge-notebookly"), moto)


@pytest.fixture(scope="module")
def cafe(moto, tmp_path_factory) -> EdgeEnvironment:
    return prepare_edge("cafe-nimbus", tmp_path_factory.mktemp("edge-cafe-nimbus"), moto)


@pytest.fixture(scope="module")
def saas(saas_moto, tmp_path_factory) -> EdgeEnvironment:
    return prepare_edge("saas", tmp_path_factory.mktemp("edge-saas"), saas_moto)


@pytest.fixture(scope="module")
def notebookly_edge(notebookly) -> TerraformWorkdir:
    return notebookly.workdir("edge")


@pytest.fixture(scope="module")
def cafe_edge(cafe) -> TerraformWorkdir:
    return cafe.workdir("edge")


@pytest.fixture(scope="module")
def saas_edge(saas) -> TerraformWorkdir:
    return saas.workdir("edge")


# -- notebookly: the apex and www alias the load balancer --------------------------------------------------


def test_notebookly_edge_applies_and_plans_clean(notebookly_edge):
    assert notebookly_edge.apply_then_plan() == 0, notebookly_edge.last_plan_output


def test_the_apex_and_www_alias_the_load_balancer(notebookly, notebookly_edge):
    outputs, domain = outputs_of(notebookly_edge), notebookly.config.edge.domain
    assert outputs["hosted_zone_id"] == notebookly.zone_id
    records = notebookly.records()
    for name in (domain, f"www.{domain}"):
        alias = records[(name, "A")]["AliasTarget"]
        assert alias["DNSName"].rstrip(".") == notebookly.load_balancer_dns_name
        assert alias["HostedZoneId"] == ALB_ZONES[notebookly.config.regions.primary]  # the provider's table
        assert alias["EvaluateTargetHealth"] is True
        assert (name, "AAAA") not in records  # the load balancer is IPv4 only
    assert {key for key in records if key[1] in ("A", "AAAA")} == {(domain, "A"), (f"www.{domain}", "A")}


def test_the_apex_is_health_checked_over_https(notebookly, notebookly_edge):
    declared = notebookly.config.edge.health_check
    check = notebookly.client("route53").get_health_check(
        HealthCheckId=outputs_of(notebookly_edge)["health_check_id"])["HealthCheck"]["HealthCheckConfig"]
    assert check["Type"] == "HTTPS" and check["FullyQualifiedDomainName"] == notebookly.config.edge.domain
    assert (check["ResourcePath"], check["Port"]) == (declared.path, declared.port)
    assert check["FailureThreshold"] == declared.failure_threshold
    assert check["RequestInterval"] == declared.request_interval_seconds
    assert check["EnableSNI"] is True


def test_notebookly_edge_destroys_cleanly(notebookly, notebookly_edge):
    notebookly_edge.destroy()
    assert not [key for key in notebookly.records() if key[1] in ("A", "AAAA")]
    assert not notebookly.client("route53").list_health_checks()["HealthChecks"]


# -- cafe-nimbus: the static site through CloudFront -------------------------------------------------------


def test_cafe_edge_applies_and_plans_clean(cafe_edge):
    assert cafe_edge.apply_then_plan() == 0, cafe_edge.last_plan_output


def test_the_site_is_served_from_its_private_bucket_through_origin_access_control(cafe, cafe_edge):
    outputs, config = outputs_of(cafe_edge), cafe.config
    distribution = distribution_of(cafe, outputs)
    settings = distribution["DistributionConfig"]
    assert distribution["DomainName"] == outputs["static_site_domain_name"]
    assert_private_bucket_origin(cafe, settings, config.data_bucket_name(config.edge.static_site.bucket))
    assert settings["DefaultRootObject"] == config.edge.static_site.default_root_object
    assert settings["PriceClass"] == config.edge.price_class
    behavior = settings["DefaultCacheBehavior"]
    assert sorted(behavior["AllowedMethods"]["Items"]) == ["GET", "HEAD"]
    headers = cafe.client("cloudfront").get_response_headers_policy(Id=behavior["ResponseHeadersPolicyId"])
    security = headers["ResponseHeadersPolicy"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    hsts = security["StrictTransportSecurity"]
    assert hsts["AccessControlMaxAgeSec"] >= 31536000 and hsts["IncludeSubdomains"] and hsts["Override"]
    assert security["FrameOptions"]["FrameOption"] == "DENY"


def test_the_site_answers_its_names_with_an_issued_us_east_1_certificate(cafe, cafe_edge):
    domain = cafe.config.edge.domain
    settings = distribution_of(cafe, outputs_of(cafe_edge))["DistributionConfig"]
    assert_issued_us_east_1_certificate(cafe, settings, [domain, f"www.{domain}"])


def test_the_apex_and_www_alias_the_distribution_and_app_the_load_balancer(cafe, cafe_edge):
    outputs, domain = outputs_of(cafe_edge), cafe.config.edge.domain
    assert outputs["hosted_zone_id"] == cafe.zone_id
    assert_aliases(cafe, [domain, f"www.{domain}"], outputs["static_site_domain_name"], cloudfront=True)
    assert_aliases(cafe, [f"app.{domain}"], cafe.load_balancer_dns_name, cloudfront=False)
    assert_health_check(cafe, outputs, domain)


def test_the_cloudfront_waf_lives_in_us_east_1_and_logs_encrypted(cafe, cafe_edge):
    outputs = outputs_of(cafe_edge)
    assert_cloudfront_waf(cafe, outputs, [distribution_of(cafe, outputs)])


def test_standard_logs_v2_are_delivered_into_the_log_bucket(cafe, cafe_edge):
    outputs = outputs_of(cafe_edge)
    logs = cafe.client("logs", EDGE_REGION)
    distribution_arn = distribution_of(cafe, outputs)["ARN"]
    (source,) = logs.describe_delivery_sources()["deliverySources"]
    assert (source["resourceArns"], source["logType"]) == ([distribution_arn], "ACCESS_LOGS")
    (destination,) = logs.describe_delivery_destinations()["deliveryDestinations"]
    bucket_arn = f"arn:aws:s3:::{outputs['cloudfront_log_bucket_name']}"
    assert destination["deliveryDestinationConfiguration"]["destinationResourceArn"] == bucket_arn
    (delivery,) = logs.describe_deliveries()["deliveries"]
    assert (delivery["deliverySourceName"], delivery["deliveryDestinationArn"]) == (
        source["name"], destination["arn"])
    policy = json.loads(cafe.client("s3").get_bucket_policy(Bucket=outputs["cloudfront_log_bucket_name"])["Policy"])
    (admitted,) = [s for s in policy["Statement"] if s.get("Principal") == {"Service": "delivery.logs.amazonaws.com"}]
    assert admitted["Condition"]["ArnLike"]["aws:SourceArn"] == source["arn"]


def test_cafe_edge_destroys_cleanly(cafe, cafe_edge):
    outputs = destroy_edge(cafe, cafe_edge)
    assert_no_distributions_left(cafe, outputs)
    assert {kind for _, kind in cafe.records()} == {"NS", "SOA"}
    assert not cafe.client("route53").list_health_checks()["HealthChecks"]


# -- saas: CloudFront in front of the load balancer ---------------------------------------------------------


def test_saas_edge_applies_and_plans_clean(saas_edge):
    assert saas_edge.apply_then_plan() == 0, saas_edge.last_plan_output


def test_cloudfront_reaches_the_load_balancer_over_tls_with_the_compute_secret(saas, saas_edge):
    outputs, domain = outputs_of(saas_edge), saas.config.edge.domain
    distribution = distribution_of(saas, outputs, "load_balancer_cdn")
    assert distribution["DomainName"] == outputs["load_balancer_cdn_domain_name"]
    (origin,) = distribution["DistributionConfig"]["Origins"]["Items"]
    assert origin["DomainName"] == f"origin.{domain}"  # on the load balancer's certificate, not *.elb.amazonaws.com
    custom = origin["CustomOriginConfig"]
    assert (custom["OriginProtocolPolicy"], custom["OriginSslProtocols"]["Items"]) == ("https-only", ["TLSv1.2"])
    assert custom["HTTPSPort"] == 443
    assert origin["CustomHeaders"]["Items"] == [{"HeaderName": ORIGIN_VERIFY_HEADER, "HeaderValue": saas.origin_secret}]
    assert not origin.get("OriginAccessControlId")


def test_only_the_static_paths_are_cached_at_the_edge(saas, saas_edge):
    settings = distribution_of(saas, outputs_of(saas_edge), "load_balancer_cdn")["DistributionConfig"]
    default = settings["DefaultCacheBehavior"]
    assert (default["CachePolicyId"], default["OriginRequestPolicyId"]) == (
        CACHING_DISABLED, ALL_VIEWER_EXCEPT_HOST_HEADER)  # every viewer header but Host reaches the origin
    assert sorted(default["AllowedMethods"]["Items"]) == sorted(
        ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"])
    assert default["ViewerProtocolPolicy"] == "redirect-to-https" and "ForwardedValues" not in default
    behaviours = settings["CacheBehaviors"]["Items"]
    assert [b["PathPattern"] for b in behaviours] == saas.config.edge.load_balancer_cdn.static_paths
    for behaviour in behaviours:
        assert behaviour["CachePolicyId"] == CACHING_OPTIMIZED
        assert sorted(behaviour["AllowedMethods"]["Items"]) == ["GET", "HEAD"]
        assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https"
        assert behaviour["ResponseHeadersPolicyId"] == default["ResponseHeadersPolicyId"]


def test_saas_answers_its_names_with_an_issued_us_east_1_certificate(saas, saas_edge):
    domain = saas.config.edge.domain
    settings = distribution_of(saas, outputs_of(saas_edge), "load_balancer_cdn")["DistributionConfig"]
    assert_issued_us_east_1_certificate(saas, settings, [domain, f"www.{domain}"])


def test_the_apex_and_www_alias_cloudfront_api_and_origin_the_load_balancer(saas, saas_edge):
    outputs, domain = outputs_of(saas_edge), saas.config.edge.domain
    assert outputs["hosted_zone_id"] == saas.zone_id
    assert_aliases(saas, [domain, f"www.{domain}"], outputs["load_balancer_cdn_domain_name"], cloudfront=True)
    assert_aliases(saas, [f"api.{domain}", f"origin.{domain}"], saas.load_balancer_dns_name, cloudfront=False)
    aliased = {name for name, kind in saas.records() if kind in ("A", "AAAA")}
    assert aliased == {domain, f"www.{domain}", f"api.{domain}", f"origin.{domain}"}
    assert_health_check(saas, outputs, domain)


def test_the_saas_cloudfront_waf_limits_100_requests_per_ip_per_minute(saas, saas_edge):
    outputs = outputs_of(saas_edge)
    assert (saas.config.edge.waf.rate_limit.requests, saas.config.edge.waf.rate_limit.window_seconds) == (100, 60)
    assert_cloudfront_waf(saas, outputs, [distribution_of(saas, outputs, "load_balancer_cdn")])


def test_saas_edge_destroys_cleanly(saas, saas_edge):
    outputs = destroy_edge(saas, saas_edge)
    assert_no_distributions_left(saas, outputs)
    assert {kind for _, kind in saas.records()} == {"NS", "SOA"}
    assert not saas.client("route53").list_health_checks()["HealthChecks"]
