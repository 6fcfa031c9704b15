"""The `alb` module: modules.load_balancer.PublicLoadBalancer behind a modules.waf.WebAcl, as the compute stack
builds them for one load-balanced workload."""

from __future__ import annotations

from configuration.compute import TLS_POLICIES
from modules.certificate.certificate import DOMAIN, MAX_NAMES
from modules.waf.web_acl import RATE_WINDOWS
from publishing.modules.common import (
    ACCOUNT_ID,
    NAME,
    VPC_ID,
    log_retention,
    matches,
    one_of,
    region_and_partition,
    subnet_ids,
    whole_number,
)
from publishing.modules.spec import ModuleOutput, ModuleSpec, ModuleVariable, Validation

TARGET = "app"
"""The one target group's key: it is named <name>-app, and ELB caps target group names at 32 characters."""

VARIABLES = [
    NAME,
    ACCOUNT_ID,
    VPC_ID,
    subnet_ids("subnet_ids", "Public subnets, one per AZ (the network module's `public_subnet_ids`): the load "
                             "balancer has a node in each."),
    ModuleVariable(
        "domain_name", "string",
        "Name the HTTPS certificate is issued for, e.g. \"shop.example.com\" (lower case, no trailing dot; "
        "\"*.\" allowed). ACM validates it through DNS records in hosted_zone_id.",
        validations=[Validation(matches("var.domain_name", DOMAIN.pattern),
                                "domain_name must be a lower-case domain name without a trailing dot; fix: e.g. "
                                "\"shop.example.com\" or \"*.shop.example.com\".")]),
    ModuleVariable(
        "alternative_names", "list(string)",
        f"Further names on the certificate (SANs), e.g. [\"www.shop.example.com\"]; named rather than a wildcard, "
        f"so the certificate serves exactly the hosts you run. At most {MAX_NAMES - 1} (ACM's default quota is "
        f"{MAX_NAMES} names with domain_name). Default none.", default=[],
        validations=[
            Validation(f"alltrue([for n in var.alternative_names : {matches('n', DOMAIN.pattern)}])",
                       "alternative_names must be lower-case domain names without a trailing dot; fix: e.g. "
                       "[\"www.shop.example.com\"]."),
            Validation(f"length(var.alternative_names) <= {MAX_NAMES - 1} && "
                       "length(distinct(var.alternative_names)) == length(var.alternative_names)",
                       f"alternative_names must list at most {MAX_NAMES - 1} names, each once; fix: drop "
                       "repeats or use a second certificate.")]),
    ModuleVariable(
        "hosted_zone_id", "string",
        "Route 53 hosted zone authoritative for domain_name and alternative_names: the certificate's DNS "
        "validation records are written there.",
        validations=[Validation(matches("var.hosted_zone_id", r"Z[A-Z0-9]{4,32}"),
                                "hosted_zone_id must look like Z0123456789ABCDEFGHIJ; fix: `aws route53 "
                                "list-hosted-zones --query 'HostedZones[].Id'` (without /hostedzone/).")]),
    whole_number("target_port", "Port the workload listens on (EC2 instances or Fargate tasks): the target group "
                                "sends traffic and health checks there.", 1, 65535),
    one_of("target_type", "How targets register: \"instance\" for an EC2 fleet (the asg-fleet module), \"ip\" for "
                          "Fargate tasks (the ecs-service module).", ("instance", "ip"), default="instance"),
    ModuleVariable(
        "health_check_path", "string",
        "Path the load balancer asks every 15 s, expecting 200; a real endpoint that fails when the workload "
        "cannot serve (seed 002: it touches the database). Default /health.", default="/health",
        validations=[Validation("startswith(var.health_check_path, \"/\") && length(var.health_check_path) <= 1024",
                                "health_check_path must be a path starting with '/', at most 1024 characters; fix: "
                                "e.g. \"/health\".")]),
    one_of("tls_policy", "TLS policy of the HTTPS listener: TLS 1.3 with 1.2 for older clients by default; the "
                         "'-Res-' policy allows fewer 1.2 ciphers, the '-1-3-' one only TLS 1.3.", TLS_POLICIES,
           default=TLS_POLICIES[0]),
    whole_number("idle_timeout_seconds", "Seconds a connection may stay idle; default 60. Raise it for long "
                                         "polling or uploads.", 1, 4000, default=60, unit=" seconds"),
    ModuleVariable(
        "deletion_protection", "bool",
        "Refuse to delete the load balancer (and its DNS name, which users and DNS records point at) until this "
        "is switched off; default true.", default=True),
    whole_number("access_log_retention_days", "Days the access logs are kept in their bucket; default a year.",
                 1, 3650, default=365, unit=" days"),
    whole_number("waf_rate_limit", "Requests one client IP may make per waf_rate_window_seconds before WAF blocks "
                                   "it; default 100 per minute (seed 002).", 10, 2_000_000_000, default=100),
    ModuleVariable(
        "waf_rate_window_seconds", "number",
        "WAF's evaluation window of the rate limit, in seconds; default 60 (WAF's own default is five minutes, "
        "too slow to stop a burst).", default=60,
        validations=[Validation(f"contains({list(RATE_WINDOWS)}, var.waf_rate_window_seconds)",
                                f"waf_rate_window_seconds must be one of {', '.join(map(str, RATE_WINDOWS))}; "
                                "fix: pick one of them.")]),
    log_retention("waf_log_retention_days", "Days WAF's log of every request (Authorization and cookies redacted) "
                                            "is kept; default a year.", 365),
]


def build(scope, inputs):
    from cdktf_cdktf_provider_aws.data_aws_elb_service_account import DataAwsElbServiceAccount

    from modules.kms import EncryptionKey, EncryptionKeyProps, ServiceGrant
    from modules.load_balancer import CertificateSpec, LoadBalancedTarget, PublicLoadBalancer, PublicLoadBalancerProps
    from modules.s3_bucket import LifecycleRule, SecureBucket, SecureBucketProps
    from modules.waf import WebAcl, WebAclProps

    region, partition = region_and_partition(scope)
    name, account_id = inputs["name"], inputs["account_id"]
    log_bucket = SecureBucket(scope, "load-balancer-logs", SecureBucketProps(
        bucket_name=f"{name}-lb-logs-{account_id}", encryption_key=None, access_logs_to=None, account_id=account_id,
        load_balancer_log_writer=DataAwsElbServiceAccount(scope, "elb-account").arn,
        lifecycle_rules=(LifecycleRule(id="expire-load-balancer-logs",
                                       expiration_days=inputs["access_log_retention_days"],
                                       noncurrent_expiration_days=30),)))
    lb = PublicLoadBalancer(scope, "load-balancer", PublicLoadBalancerProps(
        name=name, vpc_id=inputs["vpc_id"], subnet_ids=inputs["subnet_ids"], default_target=TARGET,
        targets={TARGET: LoadBalancedTarget(port=inputs["target_port"], health_check_path=inputs["health_check_path"],
                                            target_type=inputs["target_type"])},
        log_bucket=log_bucket,
        certificate=CertificateSpec(domain_name=inputs["domain_name"], alternative_names=inputs["alternative_names"],
                                    hosted_zone_id=inputs["hosted_zone_id"]),
        tls_policy=inputs["tls_policy"], idle_timeout_seconds=inputs["idle_timeout_seconds"],
        deletion_protection=inputs["deletion_protection"]))
    waf_logs = f"arn:{partition}:logs:{region}:{account_id}:log-group:aws-waf-logs-{name}*"
    key = EncryptionKey(scope, "waf-log-key", EncryptionKeyProps(
        alias=f"{name}-waf-logs", description=f"WAF logs of {name}", account_id=account_id, partition=partition,
        service_grants=(ServiceGrant(service=f"logs.{region}.amazonaws.com", conditions=[
            ("ArnLike", "kms:EncryptionContext:aws:logs:arn", [waf_logs])]),)))
    acl = WebAcl(scope, "web-acl", WebAclProps(
        name=name, resource_arn=lb.arn, log_encryption_key_arn=key.arn, rate_limit=inputs["waf_rate_limit"],
        rate_window_seconds=inputs["waf_rate_window_seconds"], log_retention_days=inputs["waf_log_retention_days"]))
    group = lb.target_groups[TARGET]
    return {
        "load_balancer_arn": ModuleOutput(lb.arn, "ARN of the load balancer"),
        "load_balancer_arn_suffix": ModuleOutput(lb.load_balancer.arn_suffix,
                                                 "ARN suffix of the load balancer (CloudWatch dimension LoadBalancer; "
                                                 "the alarms module's load_balancer_arn_suffix)"),
        "dns_name": ModuleOutput(lb.load_balancer.dns_name, "DNS name of the load balancer"),
        "zone_id": ModuleOutput(lb.load_balancer.zone_id, "Hosted zone of the load balancer, for Route 53 alias "
                                                          "records of domain_name"),
        "security_group_id": ModuleOutput(lb.security_group_id,
                                          "Security group of the load balancer: the workload modules admit it on "
                                          "target_port (and add its egress rule to them)"),
        # read through the HTTPS listener: whoever registers targets waits until the group belongs to the load
        # balancer (ECS refuses a service whose target group has none)
        "target_group_arn": ModuleOutput(lb.listener.default_action.get(0).target_group_arn,
                                         "ARN of the target group, once the HTTPS listener forwards to it (the "
                                         "asg-fleet and ecs-service modules' target group input)"),
        "target_group_arn_suffix": ModuleOutput(group.arn_suffix, "ARN suffix of the target group (CloudWatch "
                                                                  "dimension TargetGroup)"),
        "https_listener_arn": ModuleOutput(lb.listener.arn, "HTTPS listener: add listener rules for more targets"),
        "certificate_arn": ModuleOutput(lb.listener.certificate_arn, "ARN of the issued certificate"),
        "web_acl_arn": ModuleOutput(acl.arn, "WAF web ACL protecting the load balancer"),
        "waf_log_group_name": ModuleOutput(acl.log_group.name, "Log group of WAF's request log"),
        "access_log_bucket_name": ModuleOutput(log_bucket.name, "Bucket of the access logs"),
    }


SPEC = ModuleSpec(
    name="alb",
    construct="modules.load_balancer.PublicLoadBalancer",
    summary=(
        "An internet-facing Application Load Balancer in front of one workload (seed 002), protected by a WAF web "
        "ACL: HTTPS with an ACM certificate validated through Route 53, plain HTTP only redirecting to it, invalid "
        "header fields dropped, desync mitigation `strictest`, a security group admitting 80/443 and sending "
        "nowhere until a workload module admits it, access logs to a private SSE-S3 bucket, and one target group "
        "health-checked every 15 s. The web ACL rate-limits each client IP and applies the AWS managed rule groups "
        "(common, known bad inputs incl. Log4j, SQL injection, IP reputation, anonymizers), logging every request "
        "to a KMS-encrypted log group with the Authorization header and cookies redacted."),
    variables=VARIABLES,
    build=build,
    fixed=(
        f"One target group (`{TARGET}`) as the listener's default action and no path or host routes (the "
        "construct's `targets` and `routes` take any number).",
        "HTTPS (the construct's `plain_http_reason` serves plain HTTP, a development setting).",
        "The load balancer is the public endpoint (the construct's `origin_secret` puts CloudFront in front).",
        "The web ACL's managed rule groups are the project's default five, and no country is blocked (the "
        "construct's `managed_rule_groups` and `blocked_countries`).",
    ),
    notes=(
        "Point domain_name (and the alternative names) at `dns_name` / `zone_id` with Route 53 alias records.",
        "Targets receive traffic only once a workload module (asg-fleet, ecs-service) admits `security_group_id` "
        "on target_port.",
    ),
)
