"""An AWS WAFv2 web ACL in front of a regional resource (the load balancer) or of CloudFront.

Rules, in order: optional geo blocking, a per-IP rate limit (seed 002: 100 requests per minute,
evaluated over a 60-second window rather than WAF's default five minutes), then AWS managed rule
groups (common, known bad inputs incl. Log4j, SQL injection, IP reputation, anonymizers such as
Tor and VPN exits; hosting-provider ranges are only counted so customers' servers still reach the API). Every request is
logged to a KMS-encrypted log group whose name WAF requires to start with aws-waf-logs-, with the
Authorization header and cookies redacted.

Scope CLOUDFRONT: WAF keeps CloudFront ACLs in us-east-1 only, so the ACL, its log group and its
logging are created with the us-east-1 provider passed in the props (the log group's key must be
in us-east-1 too). There is no association resource: the distribution names the ACL's ARN in its
`web_acl_id`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import Fn, TerraformProvider, Token
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

from modules.load_balancer.origin_verify import OriginSecret

RATE_WINDOWS = (60, 120, 300, 600)
SCOPES = ("REGIONAL", "CLOUDFRONT")
CLOUDFRONT_REGION = "us-east-1"
# Rules of managed groups that only count: the anonymous-IP group would otherwise block every request
# from a cloud provider's address range, which includes customers' servers calling the API (webhooks).
COUNT_ONLY = {"AWSManagedRulesAnonymousIpList": ("HostingProviderIPList",)}


@dataclass(frozen=True)
class WebAclProps:
    name: str
    """Web ACL name; metric names derive from it."""
    resource_arn: str | None
    """The regional resource protected (an ALB's ARN); None with scope CLOUDFRONT, where the
    distribution refers to the ACL instead (its web_acl_id)."""
    log_encryption_key_arn: str
    """KMS key of the log group, in the ACL's region (us-east-1 for CLOUDFRONT); its policy must admit
    CloudWatch Logs for this log group."""
    managed_rule_groups: Sequence[str] = ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet",
                                          "AWSManagedRulesSQLiRuleSet", "AWSManagedRulesAmazonIpReputationList",
                                          "AWSManagedRulesAnonymousIpList")
    rate_limit: int | None = 100
    """Requests one client IP may make per window before it is blocked; None: no rate rule."""
    rate_window_seconds: int = 60
    rate_limit_exempt: OriginSecret | None = None
    """The secret header of requests that reach the resource through CloudFront, which a CloudFront-scope
    ACL rate-limits per viewer: counted here they would pool every viewer behind one CloudFront address.
    A secret, not the origin's Host name, which anyone could send. Default None: every request counts."""
    blocked_countries: Sequence[str] = ()
    log_retention_days: int = 365
    scope: str = "REGIONAL"
    """'REGIONAL' (default: an ALB, associated here) or 'CLOUDFRONT' (a distribution's web_acl_id)."""
    provider: TerraformProvider | None = None
    """Provider (region) of the ACL, its log group and logging. Required for CLOUDFRONT and aliased to
    us-east-1, the only region WAF serves CloudFront from; default the stack's default AWS provider."""

    def __post_init__(self) -> None:
        """Checks literal values only: a Terraform variable (a generated module's) is checked by its validation."""
        if not Token.is_unresolved(self.name) and not re.fullmatch(r"[\w-]{1,100}", self.name):
            raise ValueError(f"web ACL name {self.name!r}; fix: 1-100 letters, digits, _ or -")
        if self.scope not in SCOPES:
            raise ValueError(f"web ACL {self.name!r}: scope {self.scope!r}; fix: one of {SCOPES}")
        if self.scope == "REGIONAL" and not self.resource_arn:
            raise ValueError(f"web ACL {self.name!r}: scope REGIONAL with resource_arn={self.resource_arn!r}; "
                             "fix: pass the load balancer's ARN (or use scope CLOUDFRONT for a distribution)")
        if self.scope == "CLOUDFRONT":
            if self.resource_arn is not None:
                raise ValueError(f"web ACL {self.name!r}: scope CLOUDFRONT with resource_arn={self.resource_arn!r}; "
                                 "fix: resource_arn=None and pass the ACL's arn as the distribution's web_acl_arn "
                                 "(CloudFront is not associated, it names its ACL)")
            region = getattr(self.provider, "region", None)
            if self.provider is None or (region and not Token.is_unresolved(region) and region != CLOUDFRONT_REGION):
                where = f"provider region {region!r}" if self.provider is not None else "no provider"
                raise ValueError(f"web ACL {self.name!r}: scope CLOUDFRONT with {where}; fix: pass a provider "
                                 f"aliased to {CLOUDFRONT_REGION}, where WAF keeps CloudFront ACLs")
        if self.rate_limit is not None and not Token.is_unresolved(self.rate_limit) and self.rate_limit < 10:
            raise ValueError(f"web ACL {self.name!r}: rate_limit {self.rate_limit}; WAF's minimum is 10; "
                             "fix: 10 or more, or None for no rate rule")
        if not Token.is_unresolved(self.rate_window_seconds) and self.rate_window_seconds not in RATE_WINDOWS:
            raise ValueError(f"web ACL {self.name!r}: rate_window_seconds {self.rate_window_seconds}; "
                             f"fix: one of {RATE_WINDOWS}")
        bad = [c for c in self.blocked_countries if not re.fullmatch(r"[A-Z]{2}", c)]
        if bad:
            raise ValueError(f"web ACL {self.name!r}: country codes {bad}; fix: ISO 3166 alpha-2 such as RU")


class WebAcl(Construct):
    def __init__(self, scope: Construct, id: str, props: WebAclProps) -> None:
        super().__init__(scope, id)
        metric = _metric_prefix(props.name)
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
            rate: dict = {"limit": props.rate_limit, "aggregate_key_type": "IP",
                          "evaluation_window_sec": props.rate_window_seconds}
            exempt = props.rate_limit_exempt
            if exempt is not None:
                rate["scope_down_statement"] = {"not_statement": {"statement": {"byte_match_statement": {
                    "field_to_match": {"single_header": {"name": exempt.header_name.lower()}},
                    "positional_constraint": "EXACTLY", "search_string": exempt.value,
                    "text_transformation": [{"priority": 0, "type": "NONE"}]}}}}
            block("RateLimitPerIp", {"rate_based_statement": rate})
        for group in props.managed_rule_groups:
            rules.append(Wafv2WebAclRule(
                name=group, priority=len(rules), visibility_config=visibility(group),
                override_action=Wafv2WebAclRuleOverrideAction(none=Wafv2WebAclRuleOverrideActionNone()),
                statement={"managed_rule_group_statement": {
                    "name": group, "vendor_name": "AWS",
                    "rule_action_override": [{"name": rule, "action_to_use": {"count": {}}}
                                             for rule in COUNT_ONLY.get(group, ())] or None}}))
        where = {"provider": props.provider}
        self.web_acl = Wafv2WebAcl(
            self, "web-acl", name=props.name, scope=props.scope, description=f"Protects {props.name}",
            default_action=Wafv2WebAclDefaultAction(allow=Wafv2WebAclDefaultActionAllow()), rule=rules,
            visibility_config=Wafv2WebAclVisibilityConfig(
                cloudwatch_metrics_enabled=True, sampled_requests_enabled=True, metric_name=metric), **where)
        self.association: Wafv2WebAclAssociation | None = None
        if props.scope == "REGIONAL":
            self.association = Wafv2WebAclAssociation(self, "association", resource_arn=props.resource_arn,
                                                      web_acl_arn=self.web_acl.arn, **where)
        redacted_secret = (props.rate_limit_exempt.header_name.lower(),) if props.rate_limit_exempt else ()
        self.log_group = CloudwatchLogGroup(
            self, "log-group", name=f"aws-waf-logs-{props.name}", retention_in_days=props.log_retention_days,
            kms_key_id=props.log_encryption_key_arn, **where)
        Wafv2WebAclLoggingConfiguration(
            self, "logging", resource_arn=self.web_acl.arn, log_destination_configs=[self.log_group.arn],
            redacted_fields=[
                Wafv2WebAclLoggingConfigurationRedactedFields(
                    single_header=Wafv2WebAclLoggingConfigurationRedactedFieldsSingleHeader(name=header))
                for header in ("authorization", "cookie", *redacted_secret)], **where)

    @property
    def arn(self) -> str:
        return self.web_acl.arn


def _metric_prefix(name: str) -> str:
    """'shop-prod' -> 'ShopProd': the start of the CloudWatch metric names of the ACL and its rules."""
    if Token.is_unresolved(name):  # a Terraform variable (a generated module's): Terraform spells it the same way
        return Fn.replace(Fn.title(name), "/[^A-Za-z0-9]/", "")
    return re.sub(r"[^A-Za-z0-9]", "", name.title())
