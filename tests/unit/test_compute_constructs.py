"""Layer 1: the compute constructs refuse bad props before anything is built, naming the value and
(where the construct offers one) the fix; golden-image versions follow their content."""

from __future__ import annotations

import json

import pytest
from cdktf import TerraformStack
from cdktf import Testing as CdktfTesting
from cdktf_cdktf_provider_aws.provider import AwsProvider

from modules.bastion import BastionProps
from modules.containers import ContainerClusterProps, FargateServiceProps, ImageRepositoryProps
from modules.firewall import WorkloadSecurityGroupProps
from modules.fleet import Ec2FleetProps
from modules.iam import ServiceRoleProps
from modules.image import GoldenImagePipeline, GoldenImagePipelineProps
from modules.image.pipeline import content_version
from modules.load_balancer import (
    CertificateSpec,
    ListenerRoute,
    LoadBalancedTarget,
    OriginSecretProps,
    PublicLoadBalancerProps,
)
from modules.scaling import ScalingRule, aws_cron
from modules.waf import WebAclProps

ACCOUNT, REGION = "123456789012", "eu-west-1"
PLACEHOLDER = object()  # props validation never touches the referenced constructs (bucket, cluster)
COMPONENT = "schemaVersion: 1.0\nphases:\n  - name: build\n    steps: []\n"


def _load_balancer(**overrides) -> PublicLoadBalancerProps:
    values = dict(name="shop-prod", vpc_id="vpc-1", subnet_ids=["subnet-a", "subnet-b"],
                  targets={"web": LoadBalancedTarget(port=80), "api": LoadBalancedTarget(port=8080, target_type="ip")},
                  default_target="web", log_bucket=PLACEHOLDER,
                  certificate=CertificateSpec(domain_name="shop.example.com", hosted_zone_id="Z0SHOP"))
    return PublicLoadBalancerProps(**{**values, **overrides})


def _fleet(**overrides) -> Ec2FleetProps:
    values = dict(name="shop-prod-web", image_id="ami-0123456789abcdef0", subnet_ids=["subnet-a", "subnet-b"],
                  security_group_ids=["sg-1"], account_id=ACCOUNT)
    return Ec2FleetProps(**{**values, **overrides})


def _service(**overrides) -> FargateServiceProps:
    values = dict(name="api", name_prefix="shop-prod", cluster=PLACEHOLDER, image="repo/api:1", subnet_ids=["a", "b"],
                  security_group_ids=["sg-1"], account_id=ACCOUNT, region=REGION, log_encryption_key_arn="arn:key")
    return FargateServiceProps(**{**values, **overrides})


def _web_acl(**overrides) -> WebAclProps:
    values = dict(name="shop-prod", resource_arn="arn:lb", log_encryption_key_arn="arn:key")
    return WebAclProps(**{**values, **overrides})


def _bastion(**overrides) -> BastionProps:
    values = dict(name="shop-prod-bastion", vpc_id="vpc-1", vpc_cidr="10.0.0.0/16", public_subnet_ids=["a", "b"],
                  allowed_cidrs=["203.0.113.0/24"], key_name="ops", image_id="ami-0123456789abcdef0",
                  account_id=ACCOUNT)
    return BastionProps(**{**values, **overrides})


def _pipeline(**overrides) -> GoldenImagePipelineProps:
    values = dict(name="shop-prod-lamp", component_document=COMPONENT, starting_ami_id="ami-0123456789abcdef0",
                  parameter_name="/shop/prod/compute/ami/lamp", subnet_id="subnet-a", security_group_ids=["sg-1"],
                  account_id=ACCOUNT, region=REGION)
    return GoldenImagePipelineProps(**{**values, **overrides})


# case -> (build the props, the value the message must name, the text after "fix:" or None where the
# construct's message offers no fix)
BAD_PROPS = {
    "lb-without-certificate-or-reason": (
        lambda: _load_balancer(certificate=None), "load balancer 'shop-prod' has no certificate", "plain_http_reason"),
    "lb-empty-reason-is-no-reason": (
        lambda: _load_balancer(certificate=None, plain_http_reason=""), "'shop-prod' has no certificate",
        "pass certificate"),
    "lb-default-target-unknown": (
        lambda: _load_balancer(default_target="admin"), "default_target 'admin' is not among targets ['api', 'web']",
        None),
    "lb-route-target-unknown": (
        lambda: _load_balancer(routes=[ListenerRoute(priority=10, target="admin", paths=["/admin/*"])]),
        "route 10 targets 'admin'", None),
    "lb-name-too-long-for-target-groups": (
        lambda: _load_balancer(name="shop-production-eu-west-1-abc"),
        "'shop-production-eu-west-1-abc' with target names ['api', 'web'] exceeds ELB's 32", "shorten"),
    "lb-name-with-underscore": (lambda: _load_balancer(name="shop_prod"), "'shop_prod'", "shorten"),
    "lb-single-subnet": (lambda: _load_balancer(subnet_ids=["subnet-a"]), "got ['subnet-a']", None),
    "lb-target-type": (lambda: LoadBalancedTarget(port=80, target_type="lambda"), "target_type 'lambda'",
                       "'instance' (EC2) or 'ip' (Fargate)"),
    "lb-health-check-path": (lambda: LoadBalancedTarget(port=80, health_check_path="health"),
                             "health_check_path 'health'", "/health"),
    "lb-direct-hosts-without-secret": (
        lambda: _load_balancer(direct_hosts=["api.shop.example.com"]), "direct_hosts ['api.shop.example.com'] "
        "without origin_secret", "drop direct_hosts"),
    "lb-route-mixes-direct-and-cloudfront-hosts": (
        lambda: _load_balancer(origin_secret=PLACEHOLDER, direct_hosts=["api.shop.example.com"], routes=[
            ListenerRoute(priority=10, target="api", hosts=["api.shop.example.com", "shop.example.com"])]),
        "route 10 mixes direct hosts ['api.shop.example.com'] with hosts reached through CloudFront "
        "['shop.example.com']", "one route for each kind"),
    "lb-route-too-many-values-with-the-secret": (
        lambda: _load_balancer(origin_secret=PLACEHOLDER, routes=[
            ListenerRoute(priority=10, target="api", paths=["/a/*", "/b/*", "/c/*", "/d/*", "/e/*"])]),
        "route 10 has 6 condition values", "split it"),
    "lb-route-takes-the-catch-all-priority": (
        lambda: _load_balancer(routes=[ListenerRoute(priority=50000, target="api", paths=["/a/*"])]),
        "route priority 50000", "below 50000"),
    "origin-secret-reserved-header": (lambda: OriginSecretProps(header_name="X-Forwarded-For"),
                                      "header_name 'X-Forwarded-For'", "X-Origin-Verify"),
    "fleet-public-ip-behind-load-balancer": (
        lambda: _fleet(public_ip=True, max_size=1, min_size=1, target_group_arns=["arn:tg"]),
        "fleet 'shop-prod-web' asks for public IPs", "private subnets"),
    "fleet-public-ip-many-instances": (
        lambda: _fleet(public_ip=True), "fleet 'shop-prod-web' asks for public IPs", "behind the load balancer"),
    "fleet-min-above-max": (lambda: _fleet(min_size=5, max_size=2), "min_size 5 / max_size 2",
                            "0 <= min_size <= max_size"),
    "fleet-image-not-an-ami": (lambda: _fleet(image_id="ubuntu-22.04"), "image_id 'ubuntu-22.04'",
                               "resolve:ssm:<name>"),
    "fleet-image-ami-upper-case": (lambda: _fleet(image_id="ami-0123456789ABCDEF0"),
                                   "image_id 'ami-0123456789ABCDEF0'", "an AMI id"),
    "fleet-user-data-too-large": (lambda: _fleet(user_data="#" * (16 * 1024 + 1)), "user data is 16385 bytes",
                                  "bake software into the image"),
    "fleet-single-subnet": (lambda: _fleet(subnet_ids=["subnet-a"]), "spans 1 subnet(s)", "two or more"),
    "fleet-name": (lambda: _fleet(name="Shop_Web"), "fleet name 'Shop_Web'", "lower-case"),
    "service-fargate-size": (lambda: _service(cpu=256, memory=4096), "cpu 256 / memory 4096 is not a Fargate size",
                             "matching memory"),
    "service-fargate-cpu": (lambda: _service(cpu=300, memory=512), "cpu 300 / memory 512", "[256, 512, 1024"),
    "service-root-uid": (lambda: _service(user="0"), "service 'api' runs as root", "non-root uid"),
    "service-root-name": (lambda: _service(user="root:root"), "service 'api' runs as root", "such as 1000"),
    "service-architecture": (lambda: _service(architecture="arm64"), "architecture 'arm64'", "ARM64 or X86_64"),
    "service-target-group-without-port": (lambda: _service(target_group_arn="arn:tg"),
                                          "service 'api' has a target group but no port", "set port"),
    "service-secret-also-plain": (
        lambda: _service(secrets={"TOKEN": "arn:secret"}, environment={"TOKEN": "x"}),
        "['TOKEN'] are both secrets and plain environment", None),
    "waf-rate-limit-below-minimum": (lambda: _web_acl(rate_limit=5), "rate_limit 5; WAF's minimum is 10", None),
    "waf-window": (lambda: _web_acl(rate_window_seconds=90), "rate_window_seconds 90", "(60, 120, 300, 600)"),
    "waf-country-lower-case": (lambda: _web_acl(blocked_countries=["RU", "cn"]), "country codes ['cn']",
                               "ISO 3166 alpha-2"),
    "waf-name": (lambda: _web_acl(name="shop prod"), "web ACL name 'shop prod'", "letters, digits"),
    "scaling-step-without-thresholds": (lambda: ScalingRule(policy="step", scale_out_above=70),
                                        "needs scale_out_above and scale_in_below", "e.g. 70 and 30"),
    "scaling-step-inverted": (lambda: ScalingRule(policy="step", scale_out_above=30, scale_in_below=70),
                              "scale_in_below 70 must be below scale_out_above 30", "leave a gap"),
    "scaling-duration": (lambda: ScalingRule(scale_in_after_seconds=90), "alarm duration 90 s", "a multiple of 60"),
    "scaling-duration-too-short": (lambda: ScalingRule(scale_out_after_seconds=0), "alarm duration 0 s",
                                   "multiple of 60"),
    "scaling-policy": (lambda: ScalingRule(policy="predictive"), "scaling policy 'predictive'", "'step'"),
    "scaling-queue-without-name": (lambda: ScalingRule(policy="step", metric="queue_depth", scale_out_above=10,
                                                       scale_in_below=1), "queue_name None",
                                   "policy 'step' and the queue's name"),
    "cron-four-fields": (lambda: aws_cron("0 20 * MON-FRI"), "'0 20 * MON-FRI' is not a five-field",
                         "0 20 * * MON-FRI"),
    "repository-upper-case": (lambda: ImageRepositoryProps(name="Shop-Prod/Backend", encryption_key_arn="arn:key"),
                              "repository name 'Shop-Prod/Backend'", "lower-case"),
    "repository-keep-images": (lambda: ImageRepositoryProps(name="shop-prod/api", encryption_key_arn="k",
                                                            keep_images=0), "keep_images 0", "1-10000"),
    "cluster-insights": (lambda: ContainerClusterProps(name="shop", vpc_id="v", namespace="shop.internal",
                                                       container_insights="on"), "container_insights 'on'",
                         "'enabled' or 'enhanced'"),
    "bastion-slash-8": (lambda: _bastion(allowed_cidrs=["203.0.113.0/24", "10.0.0.0/8"]),
                        "allowed CIDR 10.0.0.0/8 is too wide", "/16 or narrower"),
    "bastion-anywhere": (lambda: _bastion(allowed_cidrs=["0.0.0.0/0"]), "allowed CIDR 0.0.0.0/0", "/16"),
    "bastion-no-cidrs": (lambda: _bastion(allowed_cidrs=[]), "bastion 'shop-prod-bastion' has no allowed_cidrs",
                         "list the ranges"),
    "pipeline-no-phases": (lambda: _pipeline(component_document="name: x\n"), "component of 'shop-prod-lamp'",
                           "phases"),
    "pipeline-starting-ami": (lambda: _pipeline(starting_ami_id="resolve:ssm:/x"), "starting_ami_id 'resolve:ssm:/x'",
                              "ami-0abcdef1234567890"),
    "pipeline-parameter-name": (lambda: _pipeline(parameter_name="shop/ami"), "parameter_name 'shop/ami'",
                                "/project/env/compute/ami/web"),
    "pipeline-architecture": (lambda: _pipeline(architecture="arm"), "architecture 'arm'", "'x86' or 'arm64'"),
    "security-group-cidr": (lambda: WorkloadSecurityGroupProps(name="g", description="d", vpc_id="v",
                                                               vpc_cidr="10.0.0.1/16"), "vpc_cidr '10.0.0.1/16'",
                            "10.0.0.0/16"),
    "role-name-too-long": (lambda: ServiceRoleProps(role_name="r" * 65, service="ecs-tasks.amazonaws.com",
                                                    account_id=ACCOUNT, description="d"), "r" * 65,
                           "shorten the workload name"),
    "role-service-not-a-principal": (lambda: ServiceRoleProps(role_name="r", service="ecs-tasks", account_id=ACCOUNT,
                                                              description="d"), "service 'ecs-tasks'",
                                     "ec2.amazonaws.com"),
}


@pytest.mark.parametrize("case", sorted(BAD_PROPS))
def test_bad_props_fail_early_naming_the_value_and_the_fix(case):
    build, value, fix = BAD_PROPS[case]
    with pytest.raises(ValueError) as error:
        build()
    message = str(error.value)
    assert value in message, message
    if fix is not None:
        assert "fix:" in message and fix in message.split("fix:", 1)[1], message


def test_good_props_of_each_kind_are_accepted():
    """The defaults the bad cases start from are valid, so each failure above is the override's doing."""
    assert _load_balancer().default_target == "web"
    assert _load_balancer(certificate=None, plain_http_reason="dev without a domain").certificate is None
    assert _load_balancer(name="a" * 28).name == "a" * 28  # 28 + '-' + 'web' = 32: exactly ELB's limit
    assert _load_balancer(origin_secret=PLACEHOLDER, routes=[  # 4 paths + the secret: exactly ELB's 5 values
        ListenerRoute(priority=10, target="api", paths=["/a/*", "/b/*", "/c/*", "/d/*"])]).origin_secret
    assert _load_balancer(origin_secret=PLACEHOLDER, direct_hosts=["api.shop.example.com"], routes=[
        ListenerRoute(priority=10, target="api", hosts=["api.shop.example.com"], paths=[
            "/a/*", "/b/*", "/c/*", "/d/*"])]).direct_hosts  # a direct route carries no secret condition
    assert _fleet(image_id="resolve:ssm:/shop/prod/compute/ami/web").image_id.startswith("resolve:ssm:")
    assert _fleet(public_ip=True, min_size=1, max_size=1).public_ip  # the bastion's shape
    assert _fleet(subnet_ids=["subnet-a"], min_size=0).min_size == 0  # nothing to spread
    assert _service(cpu=4096, memory=30720).memory == 30720 and _service(user="1000:1000").user == "1000:1000"
    assert _web_acl(rate_limit=10, rate_window_seconds=600).rate_limit == 10
    assert ScalingRule(policy="step", scale_out_above=70, scale_in_below=30).policy == "step"
    assert _bastion(allowed_cidrs=["172.16.0.0/16"]).allowed_cidrs == ["172.16.0.0/16"]
    assert ImageRepositoryProps(name="shop-prod/chatbot-api", encryption_key_arn="k").name == "shop-prod/chatbot-api"
    assert WorkloadSecurityGroupProps(name="g", description="d", vpc_id="v",
                                      vpc_cidr="10.31.0.0/16").resolver_cidr == "10.31.0.2/32"


def test_aws_cron_puts_the_question_mark_where_aws_needs_it():
    assert aws_cron("0 20 * * MON-FRI") == "cron(0 20 ? * MON-FRI *)"
    assert aws_cron("0 7 * * MON-FRI") == "cron(0 7 ? * MON-FRI *)"
    assert aws_cron("30 3 1 * *") == "cron(30 3 1 * ? *)"  # a day of the month: '?' goes to the weekday
    assert aws_cron("  0   20 * *   SAT ") == "cron(0 20 ? * SAT *)"


def test_content_version_changes_with_the_document_and_only_then():
    first, again = content_version(COMPONENT), content_version(COMPONENT)
    changed = content_version(COMPONENT + "      - name: extra\n")
    assert first == again and first != changed
    assert all(v.startswith("1.0.") and v.split(".")[2].isdigit() for v in (first, changed))
    assert content_version(COMPONENT, "20") != content_version(COMPONENT, "30")  # every part counts


def test_pipeline_component_and_recipe_versions_follow_the_document():
    """Synthesized: a changed component document becomes a new component and recipe version (Image Builder
    versions are immutable), while the same document keeps its versions."""
    app = CdktfTesting.app()
    stack = TerraformStack(app, "image-test")
    AwsProvider(stack, "aws", region=REGION)
    GoldenImagePipeline(stack, "old", _pipeline(name="shop-prod-old"))
    GoldenImagePipeline(stack, "same", _pipeline(name="shop-prod-same"))
    GoldenImagePipeline(stack, "new", _pipeline(name="shop-prod-new", component_document=COMPONENT.replace(
        "steps: []", "steps: [{name: Patch, action: UpdateOS}]")))
    document = json.loads(CdktfTesting.synth(stack))["resource"]
    components = {c["name"]: c["version"] for c in document["aws_imagebuilder_component"].values()}
    recipes = {r["name"]: r["version"] for r in document["aws_imagebuilder_image_recipe"].values()}
    assert components["shop-prod-old"] == components["shop-prod-same"] == content_version(COMPONENT)
    assert components["shop-prod-new"] != components["shop-prod-old"]
    assert recipes["shop-prod-old"] == recipes["shop-prod-same"] != recipes["shop-prod-new"]
    assert all(c["lifecycle"] == {"create_before_destroy": True}
               for c in document["aws_imagebuilder_component"].values())
