"""CloudFront in front of a private S3 bucket (a static site): the bucket stays private, with every
public access block on, and CloudFront reads it through Origin Access Control, signing every request
(sigv4, always). The bucket's policy admits cloudfront.amazonaws.com for s3:GetObject only, and only
on behalf of this distribution (AWS:SourceArn). Without s3:ListBucket a missing object answers 403,
not 404: map 403 in error_responses when the site has its own not-found page (or its index, for a
single-page app).

Objects encrypted with the bucket's KMS key also need the key to admit CloudFront: the stack adds
cloudfront_reader_key_grant to the key's service grants. Viewer traffic is redirected to HTTPS, and
CloudFront then reaches S3 over HTTPS too, which the bucket's deny-insecure-transport statement needs.

The bucket may belong to another stack (read through its remote state): pass a RemoteBucket (its
regional domain name) instead of the SecureBucket. Its policy is then the owning stack's, which adds
cloudfront_read_statement itself; that stack exists before the distribution, so its statement admits
this account's distributions (aws:SourceAccount plus a distribution/* source ARN), not this one only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.cloudfront_distribution import (
    CloudfrontDistributionCustomErrorResponse,
    CloudfrontDistributionDefaultCacheBehavior,
    CloudfrontDistributionOrigin,
)
from cdktf_cdktf_provider_aws.cloudfront_origin_access_control import CloudfrontOriginAccessControl
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from constructs import Construct

from modules.cdn.edge import CACHING_OPTIMIZED, DistributionProps, EdgeDistribution, sid_suffix
from modules.s3_bucket import SecureBucket

ORIGIN_ID = "site-bucket"
ERROR_CODES = (400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504)


@dataclass(frozen=True)
class ErrorResponse:
    """What viewers get instead of an error of the origin, e.g. ErrorResponse(403, '/index.html', 200) for a
    single-page app, or ErrorResponse(403, '/404.html', 404) for a site with a not-found page."""

    error_code: int
    """The origin's status that is replaced (403 is what S3 answers for a missing object here)."""
    response_page_path: str
    """Object served instead, e.g. '/index.html'."""
    response_code: int
    """Status viewers get with it: 200 for a single-page app's routes, 404 for a not-found page."""
    caching_min_ttl_seconds: int = 10
    """How long CloudFront caches the error before asking the origin again."""

    def __post_init__(self) -> None:
        if self.error_code not in ERROR_CODES:
            raise ValueError(f"error response for {self.error_code}; fix: one of CloudFront's codes {ERROR_CODES}")
        if not self.response_page_path.startswith("/"):
            raise ValueError(f"error response page {self.response_page_path!r}; fix: a path such as '/404.html'")
        if not 200 <= self.response_code <= 599:
            raise ValueError(f"error response code {self.response_code}; fix: an HTTP status such as 200 or 404")
        if self.caching_min_ttl_seconds < 0:
            raise ValueError(f"caching_min_ttl_seconds={self.caching_min_ttl_seconds}; fix: 0 or more")


@dataclass(frozen=True)
class RemoteBucket:
    """A private bucket of another stack, e.g. read from the data stack's remote state."""

    name: str
    """The bucket's name (for descriptions)."""
    regional_domain_name: str
    """Its <name>.s3.<region>.amazonaws.com name, CloudFront's origin (the global name redirects)."""

    def __post_init__(self) -> None:
        if not self.regional_domain_name:
            raise ValueError(f"remote bucket {self.name!r} has no regional_domain_name; fix: pass the bucket's "
                             "bucket_regional_domain_name (an output of the stack that owns it)")


def cloudfront_read_statement(bucket_arn: str, sid: str, account_id: str, distribution_arns: Sequence[str] = (),
                              partition: str = "aws") -> DataAwsIamPolicyDocumentStatement:
    """The bucket-policy statement letting CloudFront (Origin Access Control) get objects: only on behalf of
    the given distributions, or of any distribution of `account_id` when they do not exist yet."""
    conditions = [DataAwsIamPolicyDocumentStatementCondition(
        test="StringEquals", variable="AWS:SourceArn", values=list(distribution_arns))] if distribution_arns else [
        DataAwsIamPolicyDocumentStatementCondition(test="StringEquals", variable="aws:SourceAccount",
                                                   values=[account_id]),
        DataAwsIamPolicyDocumentStatementCondition(
            test="ArnLike", variable="AWS:SourceArn",
            values=[f"arn:{partition}:cloudfront::{account_id}:distribution/*"])]
    return DataAwsIamPolicyDocumentStatement(
        sid=sid, principals=[DataAwsIamPolicyDocumentStatementPrincipals(
            type="Service", identifiers=["cloudfront.amazonaws.com"])],
        actions=["s3:GetObject"], resources=[f"{bucket_arn}/*"], condition=conditions)


@dataclass(frozen=True, kw_only=True)
class StaticSiteDistributionProps(DistributionProps):
    bucket: SecureBucket | RemoteBucket
    """The private bucket holding the site. A SecureBucket's policy gains the CloudFront read statement
    for this distribution; a RemoteBucket's owning stack adds cloudfront_read_statement itself."""
    default_root_object: str = "index.html"
    """Object served for '/' (the bucket is not listed, so '/' would otherwise answer 403)."""
    error_responses: Sequence[ErrorResponse] = ()
    """Error pages per origin error code; default none, viewers see S3's error."""

    def __post_init__(self) -> None:
        super().__post_init__()
        root = self.default_root_object
        if not root or root.startswith("/") or len(root) > 255:
            raise ValueError(f"distribution {self.name!r}: default_root_object {root!r}; fix: an object key without "
                             "a leading '/', such as 'index.html'")
        codes = [r.error_code for r in self.error_responses]
        repeated = sorted({c for c in codes if codes.count(c) > 1})
        if repeated:
            raise ValueError(f"distribution {self.name!r}: error responses for {repeated} repeat; fix: one per code")


class StaticSiteDistribution(EdgeDistribution):
    """Construct ids (public): 'origin-access-control' plus EdgeDistribution's."""

    def __init__(self, scope: Construct, id: str, props: StaticSiteDistributionProps) -> None:
        super().__init__(scope, id, props)
        self.origin_access_control = CloudfrontOriginAccessControl(
            self, "origin-access-control", name=props.name, description=f"CloudFront reads {props.name} from S3",
            origin_access_control_origin_type="s3", signing_behavior="always", signing_protocol="sigv4")
        self._distribution(
            default_root_object=props.default_root_object,
            origin=[CloudfrontDistributionOrigin(
                origin_id=ORIGIN_ID, domain_name=_regional_domain_name(props.bucket),
                origin_access_control_id=self.origin_access_control.id)],
            default_cache_behavior=CloudfrontDistributionDefaultCacheBehavior(
                target_origin_id=ORIGIN_ID, viewer_protocol_policy="redirect-to-https",
                allowed_methods=["GET", "HEAD"], cached_methods=["GET", "HEAD"], compress=True,
                cache_policy_id=CACHING_OPTIMIZED, response_headers_policy_id=self.headers_policy.id),
            custom_error_response=[CloudfrontDistributionCustomErrorResponse(
                error_code=r.error_code, response_page_path=r.response_page_path, response_code=r.response_code,
                error_caching_min_ttl=r.caching_min_ttl_seconds) for r in props.error_responses] or None)
        if not isinstance(props.bucket, RemoteBucket):
            props.bucket.add_policy_statements(cloudfront_read_statement(
                props.bucket.arn, f"CloudFrontRead{sid_suffix(props.name)}", props.account_id,
                [self.distribution.arn], props.partition))


def _regional_domain_name(bucket: SecureBucket | RemoteBucket) -> str:
    if isinstance(bucket, RemoteBucket):
        return bucket.regional_domain_name
    return bucket.bucket.bucket_regional_domain_name
