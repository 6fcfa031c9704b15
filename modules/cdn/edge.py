"""What every CloudFront distribution of the platform shares: TLS towards viewers, security headers,
standard logs, WAF, price class and geo restriction. The distributions are in static_site.py (a
private S3 bucket) and alb_origin.py (the load balancer).

TLS: with aliases the viewer certificate is an ACM certificate from us-east-1 (the only region
CloudFront takes certificates from) and the minimum protocol is TLSv1.2_2021. Without aliases the
distribution answers on its *.cloudfront.net name with CloudFront's default certificate, for which
AWS fixes the minimum at TLSv1 whatever is configured: a development setting (checkov CKV_AWS_174
and CKV2_AWS_42 fail on it).

Logs: standard logging v2, which CloudFront delivers through CloudWatch Logs' vended-log delivery
(a delivery source for the distribution, a destination, a delivery joining them) into an S3 bucket.
The legacy `logging_config` writes through an ACL grant to CloudFront's log account, so it needs
ACLs enabled on the bucket, which SecureBucket disables (BucketOwnerEnforced). v2 writes as
delivery.logs.amazonaws.com under a bucket-policy statement (added here to the log bucket's one
policy, scoped to this account and to this distribution's delivery source), which works with a
BucketOwnerEnforced, SSE-S3 bucket such as the access-log bucket. S3 rather than a log group: a log
group would have to live in us-east-1 with a us-east-1 key, the bucket stays in the stack's region.
The three delivery objects belong to CloudFront's control-plane region and are created with the
us-east-1 provider. An SSE-KMS log bucket would also need a key grant for the delivery service;
use an SSE-S3 one. Checkov's CKV_AWS_86 looks only at `logging_config` and does not see v2.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import TerraformProvider, Token
from cdktf_cdktf_provider_aws.cloudfront_distribution import (
    CloudfrontDistribution,
    CloudfrontDistributionRestrictions,
    CloudfrontDistributionRestrictionsGeoRestriction,
    CloudfrontDistributionViewerCertificate,
)
from cdktf_cdktf_provider_aws.cloudfront_response_headers_policy import (
    CloudfrontResponseHeadersPolicy,
    CloudfrontResponseHeadersPolicySecurityHeadersConfig,
    CloudfrontResponseHeadersPolicySecurityHeadersConfigContentSecurityPolicy,
    CloudfrontResponseHeadersPolicySecurityHeadersConfigContentTypeOptions,
    CloudfrontResponseHeadersPolicySecurityHeadersConfigFrameOptions,
    CloudfrontResponseHeadersPolicySecurityHeadersConfigReferrerPolicy,
    CloudfrontResponseHeadersPolicySecurityHeadersConfigStrictTransportSecurity,
)
from cdktf_cdktf_provider_aws.cloudwatch_log_delivery import CloudwatchLogDelivery
from cdktf_cdktf_provider_aws.cloudwatch_log_delivery_destination import (
    CloudwatchLogDeliveryDestination,
    CloudwatchLogDeliveryDestinationDeliveryDestinationConfiguration,
)
from cdktf_cdktf_provider_aws.cloudwatch_log_delivery_source import CloudwatchLogDeliverySource
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from constructs import Construct

from modules.certificate import DnsValidatedCertificate, DnsValidatedCertificateProps
from modules.certificate.certificate import DOMAIN
from modules.kms import ServiceGrant
from modules.s3_bucket import SecureBucket

EDGE_REGION = "us-east-1"
"""CloudFront's control-plane region: its certificates, CLOUDFRONT-scope WAF ACLs and log delivery live there."""
CLOUDFRONT_HOSTED_ZONE_ID = "Z2FDTNDATAQYW2"
"""Route 53 zone of every distribution's domain name (alias records)."""
# AWS managed policies, referenced by id (they exist in every account, no lookup needed).
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
MINIMUM_TLS = "TLSv1.2_2021"
HSTS_MAX_AGE = 63072000  # two years, what the HSTS preload list asks for
PRICE_CLASSES = ("PriceClass_100", "PriceClass_200", "PriceClass_All")
LOG_FORMATS = ("w3c", "json", "plain", "parquet")
GEO_RESTRICTIONS = ("whitelist", "blacklist")
MAX_CSP_LENGTH = 1783  # CloudFront's limit for the Content-Security-Policy value


@dataclass(frozen=True)
class GeoRestriction:
    """Serve only viewers in (whitelist) or everyone except viewers in (blacklist) these countries."""

    restriction_type: str
    locations: Sequence[str]
    """ISO 3166-1 alpha-2 codes, e.g. ('DE', 'FR')."""

    def __post_init__(self) -> None:
        if self.restriction_type not in GEO_RESTRICTIONS:
            raise ValueError(f"geo restriction_type {self.restriction_type!r}; fix: one of {GEO_RESTRICTIONS} "
                             "(no GeoRestriction at all serves every country)")
        bad = [c for c in self.locations if not re.fullmatch(r"[A-Z]{2}", c)]
        if bad or not self.locations:
            raise ValueError(f"geo restriction locations {list(self.locations)}; fix: one or more ISO 3166-1 "
                             "alpha-2 codes such as 'DE'")


@dataclass(frozen=True, kw_only=True)
class DistributionProps:
    """Settings every distribution has; StaticSiteDistributionProps and AlbOriginDistributionProps add theirs."""

    name: str
    """Names the distribution's policies and log delivery objects: 1-40 lower-case letters, digits and
    hyphens, e.g. 'shop-prod-site'."""
    account_id: str
    """Account of the distribution: log delivery into log_bucket is admitted for this account only."""
    edge_provider: TerraformProvider
    """Provider aliased to us-east-1: the certificate and the log delivery objects are created with it."""
    log_bucket: SecureBucket
    """Bucket receiving the standard logs (v2) under AWSLogs/<account_id>/: SSE-S3, e.g. the access-log
    bucket (see the module docstring for why not legacy logging, and why not SSE-KMS)."""
    partition: str = "aws"
    """Partition of the ARNs spelled out here (log delivery source, certificate check)."""
    aliases: Sequence[str] = ()
    """Names the distribution answers to, e.g. ('example.com', 'www.example.com'). Empty: only its
    *.cloudfront.net name, with the default certificate and TLSv1 (development only)."""
    hosted_zone_id: str | None = None
    """Zone where the certificate for the aliases is validated (a DnsValidatedCertificate in us-east-1
    is created). Not needed with certificate_arn."""
    certificate_arn: str | None = None
    """An existing us-east-1 ACM certificate covering every alias, instead of creating one."""
    web_acl_arn: str | None = None
    """ARN of a CLOUDFRONT-scope WAF ACL (WebAcl with scope 'CLOUDFRONT'); None needs without_web_acl_reason."""
    without_web_acl_reason: str | None = None
    """Why no WAF filters this distribution (e.g. 'development, no public name'); checkov CKV_AWS_68 and
    CKV2_AWS_47 then need acceptances."""
    price_class: str = "PriceClass_100"
    """Edge locations used: PriceClass_100 (North America, Europe, Israel) is the cheapest; viewers
    elsewhere are served from the nearest of those."""
    geo_restriction: GeoRestriction | None = None
    """Countries served or refused; None serves all (checkov CKV_AWS_374 then needs an acceptance)."""
    content_security_policy: str | None = "default-src 'self'"
    """Content-Security-Policy sent with every response; None sends none (an API answering JSON only)."""
    log_format: str = "w3c"
    """Standard log format: w3c (the legacy layout, existing Athena tables read it), json, plain or
    parquet (parquet conversion is billed)."""

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?", self.name):
            raise ValueError(f"distribution name {self.name!r}; fix: 1-40 lower-case letters, digits and hyphens "
                             "(it names the log delivery objects, limited to 60 characters with a suffix)")
        region = getattr(self.edge_provider, "region", None)
        if region and not Token.is_unresolved(region) and region != EDGE_REGION:
            raise ValueError(f"distribution {self.name!r}: edge_provider region {region!r}; fix: pass a provider "
                             f"aliased to {EDGE_REGION}, where CloudFront keeps certificates and log delivery")
        for alias in self.aliases:
            if not Token.is_unresolved(alias) and not DOMAIN.fullmatch(alias):
                raise ValueError(f"distribution {self.name!r}: alias {alias!r} is not a domain name; fix: lower-case "
                                 "names such as 'www.example.com', without a trailing dot")
        if self.aliases and not (self.certificate_arn or self.hosted_zone_id):
            raise ValueError(f"distribution {self.name!r} has aliases {list(self.aliases)} but no certificate; fix: "
                             "pass hosted_zone_id (a certificate is created and validated there) or certificate_arn")
        if not self.aliases and (self.certificate_arn or self.hosted_zone_id):
            raise ValueError(f"distribution {self.name!r} has a certificate or hosted_zone_id but no aliases; fix: "
                             "list the names it serves in aliases, or drop the certificate settings")
        arn = self.certificate_arn
        if arn and not Token.is_unresolved(arn) and not arn.startswith(f"arn:{self.partition}:acm:{EDGE_REGION}:"):
            raise ValueError(f"distribution {self.name!r}: certificate_arn {arn!r} is not an ACM certificate of "
                             f"{EDGE_REGION}; fix: CloudFront only uses certificates from {EDGE_REGION}")
        acl = self.web_acl_arn
        if acl is None and not self.without_web_acl_reason:
            raise ValueError(f"distribution {self.name!r} has no web_acl_arn; fix: pass a CLOUDFRONT-scope WebAcl's "
                             "arn, or record why none is needed in without_web_acl_reason")
        if acl is not None and self.without_web_acl_reason:
            raise ValueError(f"distribution {self.name!r} has web_acl_arn and without_web_acl_reason "
                             f"{self.without_web_acl_reason!r}; fix: drop one of them")
        if acl and not Token.is_unresolved(acl) and ":global/webacl/" not in acl:
            raise ValueError(f"distribution {self.name!r}: web_acl_arn {acl!r} is not a CLOUDFRONT-scope ACL; fix: "
                             "create it with WebAclProps(scope='CLOUDFRONT', provider=<us-east-1>) "
                             "(its ARN has ':global/webacl/')")
        if self.price_class not in PRICE_CLASSES:
            raise ValueError(f"distribution {self.name!r}: price_class {self.price_class!r}; fix: one of "
                             f"{PRICE_CLASSES}")
        if self.log_format not in LOG_FORMATS:
            raise ValueError(f"distribution {self.name!r}: log_format {self.log_format!r}; fix: one of {LOG_FORMATS}")
        csp = self.content_security_policy
        if csp is not None and (not csp.strip() or len(csp) > MAX_CSP_LENGTH or "\n" in csp):
            raise ValueError(f"distribution {self.name!r}: content_security_policy {csp!r}; fix: one line of 1 to "
                             f"{MAX_CSP_LENGTH} characters, or None for no header")


def cloudfront_reader_key_grant(account_id: str, distribution_arns: Sequence[str] = (),
                                partition: str = "aws") -> ServiceGrant:
    """What a bucket's key must grant when a StaticSiteDistribution reads its SSE-KMS objects: decrypt
    for CloudFront, on behalf of the given distributions (default any of this account: the key usually
    exists before the distribution; the bucket policy names the one distribution anyway)."""
    sources = list(distribution_arns) or [f"arn:{partition}:cloudfront::{account_id}:distribution/*"]
    return ServiceGrant(service="cloudfront.amazonaws.com", actions=("kms:Decrypt",), conditions=[
        ("StringEquals", "aws:SourceAccount", [account_id]), ("ArnLike", "AWS:SourceArn", sources)])


class EdgeDistribution(Construct):
    """Base of the distributions: builds the shared parts; a subclass adds origins and behaviours and
    calls _distribution. Construct ids 'security-headers', 'certificate', 'distribution',
    'log-delivery-source', 'log-delivery-destination' and 'log-delivery' are public."""

    def __init__(self, scope: Construct, id: str, props: DistributionProps) -> None:
        super().__init__(scope, id)
        self.props = props
        self.headers_policy = CloudfrontResponseHeadersPolicy(
            self, "security-headers", name=f"{props.name}-security-headers",
            comment=f"Security headers of {props.name}",
            security_headers_config=_security_headers(props.content_security_policy))
        self.certificate: DnsValidatedCertificate | None = None
        if props.aliases and not props.certificate_arn:
            self.certificate = DnsValidatedCertificate(self, "certificate", DnsValidatedCertificateProps(
                domain_name=props.aliases[0], alternative_names=props.aliases[1:],
                hosted_zone_id=props.hosted_zone_id or "", provider=props.edge_provider))

    def _distribution(self, **settings) -> CloudfrontDistribution:
        props = self.props
        geo = props.geo_restriction
        self.distribution = CloudfrontDistribution(
            self, "distribution", enabled=True, comment=props.name, aliases=list(props.aliases) or None,
            http_version="http2and3", is_ipv6_enabled=True, price_class=props.price_class,
            web_acl_id=props.web_acl_arn, viewer_certificate=self._viewer_certificate(),
            restrictions=CloudfrontDistributionRestrictions(
                geo_restriction=CloudfrontDistributionRestrictionsGeoRestriction(
                    restriction_type=geo.restriction_type if geo else "none",
                    locations=list(geo.locations) if geo else None)),
            **settings)
        self._standard_logs()
        return self.distribution

    def _viewer_certificate(self) -> CloudfrontDistributionViewerCertificate:
        if not self.props.aliases:
            # AWS fixes TLSv1 as the minimum with the default certificate; a configured value is ignored.
            return CloudfrontDistributionViewerCertificate(cloudfront_default_certificate=True)
        arn = self.props.certificate_arn or (self.certificate.arn if self.certificate else None)
        return CloudfrontDistributionViewerCertificate(
            acm_certificate_arn=arn, ssl_support_method="sni-only", minimum_protocol_version=MINIMUM_TLS)

    def _standard_logs(self) -> None:
        props = self.props
        where = {"provider": props.edge_provider}
        source_name = f"{props.name}-access-logs"
        source = CloudwatchLogDeliverySource(
            self, "log-delivery-source", name=source_name, log_type="ACCESS_LOGS",
            resource_arn=self.distribution.arn, **where)
        destination = CloudwatchLogDeliveryDestination(
            self, "log-delivery-destination", name=source_name, output_format=props.log_format,
            delivery_destination_configuration=[CloudwatchLogDeliveryDestinationDeliveryDestinationConfiguration(
                destination_resource_arn=props.log_bucket.arn)], **where)
        # The source's ARN is spelled out rather than referenced: the log bucket may be the load balancer's,
        # which the distribution's origin depends on, and a reference would close a cycle.
        source_arn = f"arn:{props.partition}:logs:{EDGE_REGION}:{props.account_id}:delivery-source:{source_name}"
        props.log_bucket.add_policy_statements(DataAwsIamPolicyDocumentStatement(
            sid=f"CloudFrontLogs{sid_suffix(props.name)}",
            principals=[DataAwsIamPolicyDocumentStatementPrincipals(
                type="Service", identifiers=["delivery.logs.amazonaws.com"])],
            actions=["s3:PutObject"], resources=[f"{props.log_bucket.arn}/AWSLogs/{props.account_id}/*"],
            condition=[
                DataAwsIamPolicyDocumentStatementCondition(test="StringEquals", variable="aws:SourceAccount",
                                                           values=[props.account_id]),
                DataAwsIamPolicyDocumentStatementCondition(test="ArnLike", variable="aws:SourceArn",
                                                           values=[source_arn]),
                DataAwsIamPolicyDocumentStatementCondition(test="StringEquals", variable="s3:x-amz-acl",
                                                           values=["bucket-owner-full-control"])]))
        self.log_delivery = CloudwatchLogDelivery(
            self, "log-delivery", delivery_source_name=source.name, delivery_destination_arn=destination.arn,
            depends_on=[props.log_bucket.policy], **where)  # the delivery test-writes when it is created

    @property
    def arn(self) -> str:
        return self.distribution.arn

    @property
    def distribution_id(self) -> str:
        return self.distribution.id

    @property
    def domain_name(self) -> str:
        """The distribution's *.cloudfront.net name (alias records point here)."""
        return self.distribution.domain_name

    @property
    def hosted_zone_id(self) -> str:
        return self.distribution.hosted_zone_id


def _security_headers(content_security_policy: str | None) -> CloudfrontResponseHeadersPolicySecurityHeadersConfig:
    """HSTS for two years with subdomains and preload, no MIME sniffing, no framing, origin-only referrers
    across sites, and the CSP; `override` so an origin cannot weaken them."""
    return CloudfrontResponseHeadersPolicySecurityHeadersConfig(
        strict_transport_security=CloudfrontResponseHeadersPolicySecurityHeadersConfigStrictTransportSecurity(
            access_control_max_age_sec=HSTS_MAX_AGE, include_subdomains=True, preload=True, override=True),
        content_type_options=CloudfrontResponseHeadersPolicySecurityHeadersConfigContentTypeOptions(override=True),
        frame_options=CloudfrontResponseHeadersPolicySecurityHeadersConfigFrameOptions(
            frame_option="DENY", override=True),
        referrer_policy=CloudfrontResponseHeadersPolicySecurityHeadersConfigReferrerPolicy(
            referrer_policy="strict-origin-when-cross-origin", override=True),
        content_security_policy=CloudfrontResponseHeadersPolicySecurityHeadersConfigContentSecurityPolicy(
            content_security_policy=content_security_policy, override=True) if content_security_policy else None)


def sid_suffix(name: str) -> str:
    """'shop-prod-site' -> 'ShopProdSite': statement ids per distribution, so several share a bucket."""
    return "".join(word.capitalize() for word in re.split(r"[-_]", name))
