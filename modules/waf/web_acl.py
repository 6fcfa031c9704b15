"""An AWS WAFv2 web ACL in front of a regional resource (the load balancer).

Rules, in order: optional geo blocking, a per-IP rate limit (seed 002: 100 requests per minute,
evaluated over a 60-second window rather than WAF's default five minutes), then AWS managed rule
groups (common, known bad inputs incl. Log4j, SQL injection, IP reputation, anonymizers such as
Tor and VPN exits; hosting-provider ranges are only counted so customers' servers still reach the API). Every request is
logged to a KMS-encrypted log group whose name WAF requires to start with aws-waf-logs-, with the
Authorization header and cookies redacted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.wafv2_web_acl import (
    Wafv2WebAcl,
    Wafv2WebAclDefaultAction,
    Wafv2WebAclDefaultActionAllow,
    Wafv2WebAclRule,
    Wafv2WebAclRuleAction,
    Wafv2WebAclRuleActionBlock,
    Wafv2WebAclRuleOverrideAction,
    Wafv2WebAclRuleOverrideActionNone,
    Wafv2WebAclRuleVisibilityConfig,
    Wafv2WebAclVisibilityConfig,
)
from cdktf_cdktf_provider_aws.wafv2_web_acl_association import Wafv2WebAclAssociation
from cdktf_cdktf_provider_aws.wafv2_web_acl_logging_configuration import (
    Wafv2WebAclLoggingConfiguration,
    Wafv2WebAclLoggingConfigurationRedactedFields,
    Wafv2WebAclLoggingConfigurationRedactedFieldsSingleHeader,
)
from constructs import Construct

RATE_WINDOWS = (60, 120, 300, 600)
# Rules of managed groups that only count: the anonymous-IP group would otherwise block every request
# from a cloud provider's address range, which includes customers' servers calling the API (webhooks).
COUNT_ONLY = {"AWSManagedRulesAnonymousIpList": ("HostingProviderIPList",)}


@dataclass(frozen=True)
class WebAclProps:
    name: str
    """Web ACL name; metric names derive from it."""
    resource_arn: str
    """The regional resource protected (an ALB's ARN)."""
    log_encryption_key_arn: str
    """KMS key of the log group; its policy must admit CloudWatch Logs for this log group."""
    managed_rule_groups: Sequence[str] = ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet",
                                          "AWSManagedRulesSQLiRuleSet", "AWSManagedRulesAmazonIpReputationList",
                                          "AWSManagedRulesAnonymousIpList")
    rate_limit: int | None = 100
    """Requests one client IP may make per window before it is blocked; None: no rate rule."""
    rate_window_seconds: int = 60
    blocked_countries: Sequence[str] = ()
    log_retention_days: int = 365

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[\w-]{1,100}", self.name):
            raise ValueError(f"web ACL name {self.name!r}; fix: 1-100 letters, digits, _ or -")
        if self.rate_limit is not None and self.rate_limit < 10:
            raise ValueError(f"web ACL {self.name!r}: rate_limit {self.rate_limit}; WAF's minimum is 10; "
                             "fix: 10 or more, or None for no rate rule")
        if self.rate_window_seconds not in RATE_WINDOWS:
            raise ValueError(f"web ACL {self.name!r}: rate_window_seconds {self.rate_window_seconds}; "
                             f"fix: one of {RATE_WINDOWS}")
        bad = [c for c in self.blocked_countries if not re.fullmatch(r"[A-Z]{2}", c)]
        if bad:
            raise ValueError(f"web ACL {self.name!r}: country codes {bad}; fix: ISO 3166 alpha-2 such as RU")


class WebAcl(Construct):
    def __init__(self, scope: Construct, id: str, props: WebAclProps) -> None:
        super().__init__(scope, id)
        metric = re.sub(r"[^A-Za-z0-9]", "", props.name.title())
        rules: list[Wafv2WebAclRule] = []

        def visibility(name: str) -> Wafv2WebAclRuleVisibilityConfig:
            return Wafv2WebAclRuleVisibilityConfig(cloudwatch_metrics_enabled=True, sampled_requests_enabled=True,
                                                   metric_name=f"{metric}{name}")

        def block(name: str, statement: dict) -> None:
            rules.append(Wafv2WebAclRule(
                name=name, priority=len(rules), statement=statement, visibility_config=visibility(name),
                action=Wafv2WebAclRuleAction(block=Wafv2WebAclRuleActionBlock())))

        if props.blocked_countries:
            block("GeoBlock", {"geo_match_statement": {"country_codes": list(props.blocked_countries)}})
        if props.rate_limit is not None:
            block("RateLimitPerIp", {"rate_based_statement": {
                "limit": props.rate_limit, "aggregate_key_type": "IP",
                "evaluation_window_sec": props.rate_window_seconds}})
        for group in props.managed_rule_groups:
            rules.append(Wafv2WebAclRule(
                name=group, priority=len(rules), visibility_config=visibility(group),
                override_action=Wafv2WebAclRuleOverrideAction(none=Wafv2WebAclRuleOverrideActionNone()),
                statement={"managed_rule_group_statement": {
                    "name": group, "vendor_name": "AWS",
                    "rule_action_override": [{"name": rule, "action_to_use": {"count": {}}}
                                             for rule in COUNT_ONLY.get(group, ())] or None}}))
        self.web_acl = Wafv2WebAcl(
            self, "web-acl", name=props.name, scope="REGIONAL", description=f"Protects {props.name}",
            default_action=Wafv2WebAclDefaultAction(allow=Wafv2WebAclDefaultActionAllow()), rule=rules,
            visibility_config=Wafv2WebAclVisibilityConfig(
                cloudwatch_metrics_enabled=True, sampled_requests_enabled=True, metric_name=metric))
        self.association = Wafv2WebAclAssociation(self, "association", resource_arn=props.resource_arn,
                                                  web_acl_arn=self.web_acl.arn)
        self.log_group = CloudwatchLogGroup(
            self, "log-group", name=f"aws-waf-logs-{props.name}", retention_in_days=props.log_retention_days,
            kms_key_id=props.log_encryption_key_arn)
        Wafv2WebAclLoggingConfiguration(
            self, "logging", resource_arn=self.web_acl.arn, log_destination_configs=[self.log_group.arn],
            redacted_fields=[
                Wafv2WebAclLoggingConfigurationRedactedFields(
                    single_header=Wafv2WebAclLoggingConfigurationRedactedFieldsSingleHeader(name=header))
                for header in ("authorization", "cookie")])

    @property
    def arn(self) -> str:
        return self.web_acl.arn
