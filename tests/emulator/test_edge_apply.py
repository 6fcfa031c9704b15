"""Layer 5 for the edge stacks: real `terraform apply` against moto of notebookly's prod edge (the apex
and www alias the load balancer in Route 53, health-checked) and cafe-nimbus's prod edge (the static
site through CloudFront with origin access control, its us-east-1 certificate validated in the zone,
the CLOUDFRONT-scope WAF and its logs, standard logging v2 into the CloudFront log bucket, the apex,
www and app alias records, the health check of the front page).

The edge stack needs no network. The data and compute exports it reads are seeded into the S3 remote
state with realistic values (a load balancer DNS name, the site bucket, which is created in moto, and
its regional domain name), because the platform scenarios already apply those stacks. As an operator
does before the first apply, the domain's Route 53 zone is created and its id put in the
configuration. Each stack must apply, re-plan with no changes, show in AWS what it declares, and
destroy.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

from configuration import BlueprintConfig, load
from stacks.compute import variable
from tests.emulator.environments import EmulatedEnvironment, bucket_location, outputs_of
from tests.emulator.runbook import empty_named_buckets, stop_access_logging
from tests.harness.moto_server import MotoServer, start_moto_server
from tests.harness.terraform import TerraformWorkdir

pytestmark = [pytest.mark.emulator, pytest.mark.xdist_group("emulator-edge")]
EDGE_REGION = "us-east-1"
CLOUDFRONT_ZONE = "Z2FDTNDATAQYW2"
ALB_ZONES = {"ap-south-1": "ZP97RAFLXTNZK", "us-east-1": "Z35SXDOTRQ7X7K"}
"""Route 53 zones of application load balancers per region (AWS's published table, as the provider has it)."""


@dataclass
class EdgeEnvironment(EmulatedEnvironment):
    zone_id: str = ""

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
    placeholder: app.<domain> is validated in the domain's zone)."""
    edge = config.edge
    assert edge is not None and edge.domain and edge.hosted_zone_id
    zone = route53.create_hosted_zone(Name=edge.domain, CallerReference=f"{config.name_prefix}-edge")
    zone_id = zone["HostedZone"]["Id"].split("/")[-1]
    document = config.model_dump(by_alias=True)
    document["edge"]["hosted_zone_id"] = zone_id
    certificate = (document["compute"].get("load_balancer") or {}).get("certificate")
    if certificate and certificate.get("hosted_zone_id") == edge.hosted_zone_id:
        certificate["hosted_zone_id"] = zone_id
    return BlueprintConfig.model_validate(document), zone_id


def _prepare(blueprint: str, root: Path, moto: MotoServer) -> EdgeEnvironment:
    """Create the zone, synthesize prod, create the state bucket (and the served buckets), seed the
    data and compute outputs the edge stack reads."""
    base = load(blueprint, "prod")
    route53 = boto3.client("route53", region_name="us-east-1", endpoint_url=moto.endpoint_url,
                           aws_access_key_id="testing", aws_secret_access_key="testing")
    config, zone_id = with_edge_zone(base, route53)
    env = EdgeEnvironment(config=config, root=root, moto=moto, zone_id=zone_id)
    env.synthesize()
    primary = config.regions.primary
    served = {}
    for name in config.edge.cdn_buckets:
        bucket = config.data_bucket_name(name)
        env.client("s3").create_bucket(Bucket=bucket, **bucket_location(primary))
        served[f"bucket_{variable(name)}_name"] = bucket
        served[f"bucket_{variable(name)}_regional_domain_name"] = f"{bucket}.s3.{primary}.amazonaws.com"
    realistic = {**served, "load_balancer_dns_name": env.load_balancer_dns_name,
                 "load_balancer_zone_id": ALB_ZONES[primary]}
    for layer in env.producers_of("edge"):
        env.seed(layer, realistic)
    return env



@pytest.fixture(scope="module")
def moto(tmp_path_factory) -> Iterator[MotoServer]:
    server = start_moto_server(log_path=tmp_path_factory.mktemp("edge-moto") / "moto.log")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def notebookly(moto, tmp_path_factory) -> EdgeEnvironment:
    return _prepare("notebookly", tmp_path_factory.mktemp("edge-notebookly"), moto)


@pytest.fixture(scope="module")
def cafe(moto, tmp_path_factory) -> EdgeEnvironment:
    return _prepare("cafe-nimbus", tmp_path_factory.mktemp("edge-cafe-nimbus"), moto)


@pytest.fixture(scope="module")
def notebookly_edge(notebookly) -> TerraformWorkdir:
    return notebookly.workdir("edge")


@pytest.fixture(scope="module")
def cafe_edge(cafe) -> TerraformWorkdir:
    return cafe.workdir("edge")


# -- notebookly: the apex and www alias the load balancer --------------------------------------------------


def test_notebookly_edge_applies_and_plans_clean(notebookly_edge):
    notebookly_edge.init()
    notebookly_edge.apply()
    assert notebookly_edge.plan(detailed_exitcode=True) == 0, notebookly_edge.last_plan_output


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
    cafe_edge.init()
    cafe_edge.apply()
    assert cafe_edge.plan(detailed_exitcode=True) == 0, cafe_edge.last_plan_output


def _distribution(cafe: EdgeEnvironment, outputs: dict) -> dict:
    return cafe.client("cloudfront").get_distribution(Id=outputs["static_site_distribution_id"])["Distribution"]


def test_the_site_is_served_from_its_private_bucket_through_origin_access_control(cafe, cafe_edge):
    outputs, config = outputs_of(cafe_edge), cafe.config
    distribution = _distribution(cafe, outputs)
    settings = distribution["DistributionConfig"]
    assert distribution["DomainName"] == outputs["static_site_domain_name"]
    (origin,) = settings["Origins"]["Items"]
    bucket = config.data_bucket_name(config.edge.static_site.bucket)
    assert origin["DomainName"] == f"{bucket}.s3.{config.regions.primary}.amazonaws.com"
    control = cafe.client("cloudfront").get_origin_access_control(Id=origin["OriginAccessControlId"])
    control = control["OriginAccessControl"]["OriginAccessControlConfig"]
    assert (control["OriginAccessControlOriginType"], control["SigningBehavior"], control["SigningProtocol"]) == (
        "s3", "always", "sigv4")
    assert settings["DefaultRootObject"] == config.edge.static_site.default_root_object
    assert settings["PriceClass"] == config.edge.price_class
    behavior = settings["DefaultCacheBehavior"]
    assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
    assert sorted(behavior["AllowedMethods"]["Items"]) == ["GET", "HEAD"]
    headers = cafe.client("cloudfront").get_response_headers_policy(Id=behavior["ResponseHeadersPolicyId"])
    security = headers["ResponseHeadersPolicy"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    hsts = security["StrictTransportSecurity"]
    assert hsts["AccessControlMaxAgeSec"] >= 31536000 and hsts["IncludeSubdomains"] and hsts["Override"]
    assert security["FrameOptions"]["FrameOption"] == "DENY"


def test_the_site_answers_its_names_with_an_issued_us_east_1_certificate(cafe, cafe_edge):
    outputs, domain = outputs_of(cafe_edge), cafe.config.edge.domain
    settings = _distribution(cafe, outputs)["DistributionConfig"]
    assert sorted(settings["Aliases"]["Items"]) == sorted([domain, f"www.{domain}"])
    viewer = settings["ViewerCertificate"]
    assert viewer["ACMCertificateArn"].startswith(f"arn:aws:acm:{EDGE_REGION}:")
    assert (viewer["SSLSupportMethod"], viewer["MinimumProtocolVersion"]) == ("sni-only", "TLSv1.2_2021")
    assert not viewer["CloudFrontDefaultCertificate"]
    certificate = cafe.client("acm", EDGE_REGION).describe_certificate(
        CertificateArn=viewer["ACMCertificateArn"])["Certificate"]
    assert certificate["Status"] == "ISSUED"
    assert sorted(certificate["SubjectAlternativeNames"]) == sorted([domain, f"www.{domain}"])
    records = cafe.records()
    for option in certificate["DomainValidationOptions"]:  # validated in the domain's own zone
        record = option["ResourceRecord"]
        assert records[(record["Name"].rstrip("."), "CNAME")]["ResourceRecords"] == [{"Value": record["Value"]}]


def test_the_apex_and_www_alias_the_distribution_and_app_the_load_balancer(cafe, cafe_edge):
    outputs, domain = outputs_of(cafe_edge), cafe.config.edge.domain
    assert outputs["hosted_zone_id"] == cafe.zone_id
    records = cafe.records()
    for name in (domain, f"www.{domain}"):
        for kind in ("A", "AAAA"):  # the distribution answers over IPv6 too
            alias = records[(name, kind)]["AliasTarget"]
            assert alias["DNSName"].rstrip(".") == outputs["static_site_domain_name"]
            assert alias["HostedZoneId"] == CLOUDFRONT_ZONE and alias["EvaluateTargetHealth"] is False
    app = records[(f"app.{domain}", "A")]["AliasTarget"]
    assert app["DNSName"].rstrip(".") == cafe.load_balancer_dns_name
    assert app["HostedZoneId"] == ALB_ZONES[cafe.config.regions.primary] and app["EvaluateTargetHealth"] is True
    assert (f"app.{domain}", "AAAA") not in records
    check = cafe.client("route53").get_health_check(
        HealthCheckId=outputs["health_check_id"])["HealthCheck"]["HealthCheckConfig"]
    declared = cafe.config.edge.health_check
    assert (check["Type"], check["FullyQualifiedDomainName"]) == ("HTTPS", domain)
    assert (check["ResourcePath"], check["Port"], check["FailureThreshold"]) == (
        declared.path, declared.port, declared.failure_threshold)


def test_the_cloudfront_waf_lives_in_us_east_1_and_logs_encrypted(cafe, cafe_edge):
    outputs, waf = outputs_of(cafe_edge), cafe.config.edge.waf
    assert _distribution(cafe, outputs)["DistributionConfig"]["WebACLId"] == outputs["web_acl_arn"]
    assert ":global/webacl/" in outputs["web_acl_arn"]
    wafv2 = cafe.client("wafv2", EDGE_REGION)
    (summary,) = wafv2.list_web_acls(Scope="CLOUDFRONT")["WebACLs"]
    assert summary["ARN"] == outputs["web_acl_arn"]
    acl = wafv2.get_web_acl(Scope="CLOUDFRONT", Id=summary["Id"], Name=summary["Name"])["WebACL"]
    rules = sorted(acl["Rules"], key=lambda rule: rule["Priority"])
    rate = rules[0]["Statement"]["RateBasedStatement"]
    assert (rate["Limit"], rate["EvaluationWindowSec"]) == (waf.rate_limit.requests, waf.rate_limit.window_seconds)
    assert [rule["Name"] for rule in rules[1:]] == waf.managed_rule_groups
    (destination,) = wafv2.get_logging_configuration(ResourceArn=acl["ARN"])["LoggingConfiguration"][
        "LogDestinationConfigs"]
    assert destination.startswith(f"arn:aws:logs:{EDGE_REGION}:") and ":log-group:aws-waf-logs-" in destination
    (group,) = cafe.client("logs", EDGE_REGION).describe_log_groups(
        logGroupNamePrefix=destination.split(":log-group:")[1])["logGroups"]
    assert group["kmsKeyId"] == outputs["edge_kms_key_arn"] and group["retentionInDays"] == waf.log_retention_days


def test_standard_logs_v2_are_delivered_into_the_log_bucket(cafe, cafe_edge):
    outputs = outputs_of(cafe_edge)
    logs = cafe.client("logs", EDGE_REGION)
    distribution_arn = _distribution(cafe, outputs)["ARN"]
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
    outputs = outputs_of(cafe_edge)
    stop_access_logging(cafe_edge)
    empty_named_buckets(cafe.client("s3"), [outputs["cloudfront_log_bucket_name"]])
    cafe_edge.destroy()
    cloudfront = cafe.client("cloudfront")
    assert not cloudfront.list_distributions()["DistributionList"].get("Items")
    assert not cloudfront.list_origin_access_controls()["OriginAccessControlList"].get("Items")
    assert not cloudfront.list_response_headers_policies()["ResponseHeadersPolicyList"].get("Items")
    assert not cafe.client("acm", EDGE_REGION).list_certificates()["CertificateSummaryList"]
    assert not cafe.client("wafv2", EDGE_REGION).list_web_acls(Scope="CLOUDFRONT")["WebACLs"]
    logs = cafe.client("logs", EDGE_REGION)
    assert not logs.describe_deliveries()["deliveries"] and not logs.describe_delivery_sources()["deliverySources"]
    assert not logs.describe_delivery_destinations()["deliveryDestinations"]
    assert {kind for _, kind in cafe.records()} == {"NS", "SOA"}
    assert not cafe.client("route53").list_health_checks()["HealthChecks"]
    assert outputs["cloudfront_log_bucket_name"] not in {b["Name"] for b in cafe.client("s3").list_buckets()["Buckets"]}
