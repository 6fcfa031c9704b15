from modules.cdn.alb_origin import (
    CLOUDFRONT_ORIGIN_FACING_PREFIX_LIST,
    ORIGIN_VERIFY_HEADER,
    AlbOriginDistribution,
    AlbOriginDistributionProps,
)
from modules.cdn.edge import (
    CLOUDFRONT_HOSTED_ZONE_ID,
    EDGE_REGION,
    DistributionProps,
    EdgeDistribution,
    GeoRestriction,
    cloudfront_reader_key_grant,
)
from modules.cdn.static_site import ErrorResponse, StaticSiteDistribution, StaticSiteDistributionProps

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
    "StaticSiteDistribution",
    "StaticSiteDistributionProps",
    "cloudfront_reader_key_grant",
]
