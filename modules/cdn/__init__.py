from modules.cdn.alb_origin import (
    CLOUDFRONT_ORIGIN_FACING_PREFIX_LIST,
    ORIGIN_VERIFY_HEADER,
    AlbOriginDistribution,
    AlbOriginDistributionProps,
    RemoteLoadBalancer,
)
from modules.cdn.edge import (
    CLOUDFRONT_HOSTED_ZONE_ID,
    EDGE_REGION,
    DistributionProps,
    EdgeDistribution,
    GeoRestriction,
    cloudfront_reader_key_grant,
)
from modules.cdn.static_site import (
    ErrorResponse,
    RemoteBucket,
    StaticSiteDistribution,
    StaticSiteDistributionProps,
    cloudfront_read_statement,
)

__all__ = [
    "CLOUDFRONT_HOSTED_ZONE_ID",
    "CLOUDFRONT_ORIGIN_FACING_PREFIX_LIST",
    "EDGE_REGION",
    "ORIGIN_VERIFY_HEADER",
    "AlbOriginDistribution",
    "AlbOriginDistributionProps",
    "DistributionProps",
    "EdgeDistribution",
    "ErrorResponse",
    "GeoRestriction",
    "RemoteBucket",
    "RemoteLoadBalancer",
    "StaticSiteDistribution",
    "StaticSiteDistributionProps",
    "cloudfront_read_statement",
    "cloudfront_reader_key_grant",
]
