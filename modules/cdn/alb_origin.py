"""CloudFront in front of the public load balancer (seeds 001/002/003): requests pass through
uncached (CachingDisabled, every viewer header but Host forwarded), static paths may be cached.

CloudFront reaches the ALB over HTTPS only (TLSv1.2) and checks the ALB's certificate against the
origin's domain name (Host is not forwarded, so it is the origin name that counts). The ALB's own
*.elb.amazonaws.com name is in no certificate, so the origin must be a name the ALB's certificate
covers, such as origin.example.com, an alias record to the ALB. Only a development ALB without a
certificate is reached over plain HTTP, with the reason recorded.

Keeping viewers from going around CloudFront is the ALB's side: it forwards only requests carrying
the secret header this distribution adds (modules.load_balancer.OriginSecret; the compute stack makes
one whenever CloudFront fronts its ALB). Admitting only CloudFront's origin-facing addresses (the
managed prefix list named CLOUDFRONT_ORIGIN_FACING_PREFIX_LIST) in the ALB's security group narrows it
further, at ~55 rules of the group's quota and an AWS lookup while planning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import Token
from cdktf_cdktf_provider_aws.cloudfront_distribution import (
    CloudfrontDistributionDefaultCacheBehavior,
    CloudfrontDistributionOrderedCacheBehavior,
    CloudfrontDistributionOrigin,
    CloudfrontDistributionOriginCustomHeader,
    CloudfrontDistributionOriginCustomOriginConfig,
)
from constructs import Construct

from modules.cdn.edge import (
    ALL_VIEWER_EXCEPT_HOST_HEADER,
    CACHING_DISABLED,
    CACHING_OPTIMIZED,
    DistributionProps,
    EdgeDistribution,
)
from modules.load_balancer import ORIGIN_VERIFY_HEADER, PublicLoadBalancer

ORIGIN_ID = "load-balancer"
CLOUDFRONT_ORIGIN_FACING_PREFIX_LIST = "com.amazonaws.global.cloudfront.origin-facing"
"""AWS-managed prefix list of CloudFront's addresses towards origins (look it up by this name with
data aws_ec2_managed_prefix_list and admit it in the ALB's security group)."""
ALL_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]


@dataclass(frozen=True)
class RemoteLoadBalancer:
    """A load balancer of another stack, e.g. read from the compute stack's remote state."""

    dns_name: str
    """Its *.elb.amazonaws.com name (the origin only over plain HTTP, in development)."""
    certificate_names: Sequence[str] | None
    """Names on its HTTPS certificate (from the configuration: plans run offline); None: it serves
    plain HTTP only."""


@dataclass(frozen=True, kw_only=True)
class AlbOriginDistributionProps(DistributionProps):
    load_balancer: PublicLoadBalancer | RemoteLoadBalancer
    """The ALB behind the distribution: the construct, or a RemoteLoadBalancer of another stack."""
    origin_domain_name: str | None = None
    """Name CloudFront connects to over HTTPS: covered by the ALB's certificate and resolving to the ALB
    (an alias record such as origin.example.com). None only with plain_http_reason: the ALB's own name."""
    plain_http_reason: str | None = None
    """Why CloudFront reaches the ALB over plain HTTP (a development ALB without a certificate)."""
    static_paths: Sequence[str] = ()
    """Path patterns cached at the edge (CachingOptimized), e.g. ('/static/*', '/assets/*'); the rest is not."""
    origin_verify_secret: str | None = None
    """Value of the origin_verify_header sent to the ALB: a token (an OriginSecret's value, read from the
    compute stack's state), never a literal, which would sit in the synthesized JSON. None: no header,
    and the ALB must not require one."""
    origin_verify_header: str = ORIGIN_VERIFY_HEADER
    """Name of that header (the OriginSecret's header_name)."""
    origin_read_timeout_seconds: int = 30
    """How long CloudFront waits for the ALB's response (1-60; more needs a quota increase)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        lb = self.load_balancer
        if isinstance(lb, RemoteLoadBalancer):
            names = list(lb.certificate_names) if lb.certificate_names is not None else None
            known = True
        else:
            certificate = getattr(getattr(lb, "props", None), "certificate", None)
            names = [certificate.domain_name, *certificate.alternative_names] if certificate else None
            known = hasattr(lb, "props")
        if self.plain_http_reason:
            if names is not None:
                raise ValueError(f"distribution {self.name!r}: plain_http_reason given but the load balancer serves "
                                 f"HTTPS for {names[0]!r}; fix: drop plain_http_reason and pass "
                                 "origin_domain_name")
        else:
            if names is None and known:
                raise ValueError(f"distribution {self.name!r}: the load balancer has no certificate, so CloudFront "
                                 "cannot reach it over HTTPS; fix: give it a certificate, or record why plain HTTP "
                                 "is acceptable in plain_http_reason")
            origin = self.origin_domain_name
            if not origin:
                raise ValueError(f"distribution {self.name!r} has no origin_domain_name; fix: pass a name the load "
                                 "balancer's certificate covers (an alias record to it, e.g. origin.example.com)")
            if not Token.is_unresolved(origin):
                if origin.endswith(".elb.amazonaws.com"):
                    raise ValueError(f"distribution {self.name!r}: origin_domain_name {origin!r} is the load "
                                     "balancer's own name, which no certificate covers (CloudFront answers 502); "
                                     "fix: an alias record to it that its certificate covers")
                if names and not _covered(origin, names):
                    raise ValueError(f"distribution {self.name!r}: origin_domain_name {origin!r} is not covered by "
                                     f"the load balancer's certificate {names}; fix: add it to the certificate's "
                                     "alternative names or pick a covered name")
        for path in self.static_paths:
            if not path or path in ("*", "/*") or len(path) > 255:
                raise ValueError(f"distribution {self.name!r}: static path {path!r}; fix: a pattern such as "
                                 "'/static/*' (the default behaviour already covers '*')")
        repeated = sorted({p for p in self.static_paths if list(self.static_paths).count(p) > 1})
        if repeated:
            raise ValueError(f"distribution {self.name!r}: static paths {repeated} repeat; fix: list each once")
        secret = self.origin_verify_secret
        if secret is not None and not Token.is_unresolved(secret):
            raise ValueError(f"distribution {self.name!r}: origin_verify_secret is a literal; fix: pass a token (a "
                             "Secrets Manager secret version, a sensitive variable) so it stays out of the JSON")
        if not 1 <= self.origin_read_timeout_seconds <= 60:
            raise ValueError(f"distribution {self.name!r}: origin_read_timeout_seconds="
                             f"{self.origin_read_timeout_seconds}; fix: 1 to 60")

    @property
    def https_to_origin(self) -> bool:
        return not self.plain_http_reason


class AlbOriginDistribution(EdgeDistribution):
    """Construct ids: EdgeDistribution's."""

    def __init__(self, scope: Construct, id: str, props: AlbOriginDistributionProps) -> None:
        super().__init__(scope, id, props)
        lb = props.load_balancer
        own_name = lb.dns_name if isinstance(lb, RemoteLoadBalancer) else lb.load_balancer.dns_name
        domain = props.origin_domain_name if props.https_to_origin else (props.origin_domain_name or own_name)
        behaviour = dict(target_origin_id=ORIGIN_ID, viewer_protocol_policy="redirect-to-https", compress=True,
                         response_headers_policy_id=self.headers_policy.id)
        self._distribution(
            origin=[CloudfrontDistributionOrigin(
                origin_id=ORIGIN_ID, domain_name=domain,
                custom_origin_config=CloudfrontDistributionOriginCustomOriginConfig(
                    http_port=80, https_port=443,
                    origin_protocol_policy="https-only" if props.https_to_origin else "http-only",
                    origin_ssl_protocols=["TLSv1.2"], origin_read_timeout=props.origin_read_timeout_seconds,
                    origin_keepalive_timeout=5),
                custom_header=[CloudfrontDistributionOriginCustomHeader(
                    name=props.origin_verify_header, value=props.origin_verify_secret)]
                if props.origin_verify_secret else None)],
            default_cache_behavior=CloudfrontDistributionDefaultCacheBehavior(
                allowed_methods=ALL_METHODS, cached_methods=["GET", "HEAD"], cache_policy_id=CACHING_DISABLED,
                origin_request_policy_id=ALL_VIEWER_EXCEPT_HOST_HEADER, **behaviour),
            ordered_cache_behavior=[CloudfrontDistributionOrderedCacheBehavior(
                path_pattern=path, allowed_methods=["GET", "HEAD"], cached_methods=["GET", "HEAD"],
                cache_policy_id=CACHING_OPTIMIZED, **behaviour) for path in props.static_paths] or None)


def _covered(name: str, certificate_names: Sequence[str]) -> bool:
    """Whether a certificate with these names serves `name` (a wildcard covers exactly one label)."""
    for covered in certificate_names:
        if covered == name:
            return True
        if covered.startswith("*.") and "." in name and name.split(".", 1)[1] == covered[2:]:
            return True
    return False
