"""moto patches the edge tier needs (CloudFront, Route 53, CloudWatch Logs delivery, ...).

Same rules as moto_patches: one function per gap, a docstring saying what moto gets wrong and why
patching it is safe; `moto_patches.apply_all` runs these too.
"""

from __future__ import annotations

from collections.abc import Callable

EDGE_PATCHES: list[Callable[[], None]] = []


def cloudfront_response_headers_policies() -> None:
    """moto 5.2.5 has no CloudFront response headers policies at all: the paths are not routed
    (CreateResponseHeadersPolicy answers an HTML 404 the provider cannot even parse), so no
    distribution with security headers can be created. The patch routes the paths and keeps the
    policies per account: Create/Get/GetConfig/Update/Delete/List answer what was sent with a fresh
    id and ETag, as CloudFront does; a repeated name answers ResponseHeadersPolicyAlreadyExists and
    a stale If-Match answers PreconditionFailed (the checks the provider relies on)."""
    from datetime import datetime, timezone

    from moto.cloudfront import urls
    from moto.cloudfront.exceptions import CloudFrontException
    from moto.cloudfront.models import random_id
    from moto.cloudfront.responses import CloudFrontResponse
    from moto.core.responses import ActionResult, EmptyResult

    base = "{0}/2020-05-31/response-headers-policy"
    for path in (f"{base}$", f"{base}/(?P<policy_id>[^/]+)$", f"{base}/(?P<policy_id>[^/]+)/config$"):
        urls.url_paths[path] = CloudFrontResponse.dispatch

    def stored(self: CloudFrontResponse) -> dict[str, dict]:
        # Kept on the account's backend, so /moto-api/reset forgets them with everything else.
        return self.backend.__dict__.setdefault("response_headers_policies", {})

    def found(self: CloudFrontResponse) -> dict:
        policy_id = self._get_param("Id")
        if policy_id not in stored(self):
            raise CloudFrontException("NoSuchResponseHeadersPolicy",
                                      f"The response headers policy {policy_id} does not exist.")
        return stored(self)[policy_id]

    def unique_name(self: CloudFrontResponse, config: dict, policy_id: str | None = None) -> None:
        if any(p["config"]["Name"] == config["Name"] and i != policy_id for i, p in stored(self).items()):
            raise CloudFrontException("ResponseHeadersPolicyAlreadyExists",
                                      f"A response headers policy named {config['Name']} already exists.")

    def matches(self: CloudFrontResponse, policy: dict) -> None:
        if self._get_param("IfMatch") != policy["etag"]:
            raise CloudFrontException("PreconditionFailed", "The If-Match version is missing or not valid.")

    def answer(policy: dict) -> dict:
        return {"Id": policy["id"], "LastModifiedTime": policy["modified"],
                "ResponseHeadersPolicyConfig": policy["config"]}

    def create_response_headers_policy(self: CloudFrontResponse) -> ActionResult:
        config = self._get_param("ResponseHeadersPolicyConfig", {})
        unique_name(self, config)
        policy = {"id": random_id(), "etag": random_id(), "config": config, "modified": datetime.now(timezone.utc)}
        stored(self)[policy["id"]] = policy
        return ActionResult({"ResponseHeadersPolicy": answer(policy), "ETag": policy["etag"],
                             "Location": f"https://cloudfront.amazonaws.com/2020-05-31/response-headers-policy/"
                                         f"{policy['id']}"})

    def get_response_headers_policy(self: CloudFrontResponse) -> ActionResult:
        policy = found(self)
        return ActionResult({"ResponseHeadersPolicy": answer(policy), "ETag": policy["etag"]})

    def get_response_headers_policy_config(self: CloudFrontResponse) -> ActionResult:
        policy = found(self)
        return ActionResult({"ResponseHeadersPolicyConfig": policy["config"], "ETag": policy["etag"]})

    def update_response_headers_policy(self: CloudFrontResponse) -> ActionResult:
        policy = found(self)
        matches(self, policy)
        config = self._get_param("ResponseHeadersPolicyConfig", {})
        unique_name(self, config, policy["id"])
        policy.update(config=config, etag=random_id(), modified=datetime.now(timezone.utc))
        return ActionResult({"ResponseHeadersPolicy": answer(policy), "ETag": policy["etag"]})

    def delete_response_headers_policy(self: CloudFrontResponse) -> EmptyResult:
        policy = found(self)
        matches(self, policy)
        del stored(self)[policy["id"]]
        return EmptyResult()

    def list_response_headers_policies(self: CloudFrontResponse) -> ActionResult:
        items = [{"Type": "custom", "ResponseHeadersPolicy": answer(p)} for p in stored(self).values()]
        wanted = self._get_param("Type")
        items = [item for item in items if wanted in (None, "custom")]
        return ActionResult({"ResponseHeadersPolicyList": {"MaxItems": 100, "Quantity": len(items),
                                                           "Items": items or None}})

    for method in (create_response_headers_policy, get_response_headers_policy, get_response_headers_policy_config,
                   update_response_headers_policy, delete_response_headers_policy, list_response_headers_policies):
        setattr(CloudFrontResponse, method.__name__, method)


EDGE_PATCHES.append(cloudfront_response_headers_policies)


def cloudfront_origin_access_control_on_origins() -> None:
    """moto 5.2.5 stores origin access controls but drops an origin's OriginAccessControlId, so a
    distribution reads back without it and Terraform re-attaches the OAC on every plan. The patch
    keeps the id on the origin and answers it, as CloudFront does ('' when none, like moto's other
    empty settings)."""
    from moto.cloudfront.models import Origin

    original = Origin.__init__

    def init(self: Origin, origin: dict) -> None:
        original(self, origin)
        self.origin_access_control_id = origin.get("OriginAccessControlId") or ""

    Origin.__init__ = init  # type: ignore[method-assign]


EDGE_PATCHES.append(cloudfront_origin_access_control_on_origins)


def cloudfront_viewer_certificate_default_only_without_a_certificate() -> None:
    """moto 5.2.5 answers CloudFrontDefaultCertificate true whenever the request did not say
    otherwise, even beside an ACM certificate; CloudFront answers false then (the ACM certificate is
    what viewers get, CertificateSource 'acm'). Terraform then plans to drop the default certificate
    on every plan. The patch derives both from the certificate that was sent, as CloudFront does."""
    from moto.cloudfront.models import ViewerCertificate

    original = ViewerCertificate.__init__

    def init(self: ViewerCertificate, config: dict) -> None:
        original(self, config)
        if "CloudFrontDefaultCertificate" not in config and (self.acm_certificate_arn or self.iam_certificate_id):
            self.cloud_front_default_certificate = False
        if self.acm_certificate_arn:
            self.certificate_source = "acm"
            self.certificate = self.acm_certificate_arn

    ViewerCertificate.__init__ = init  # type: ignore[method-assign]


EDGE_PATCHES.append(cloudfront_viewer_certificate_default_only_without_a_certificate)


def cloudfront_no_legacy_forwarded_values_beside_a_cache_policy() -> None:
    """moto 5.2.5 answers a legacy ForwardedValues block (query string off, no cookies) for every
    cache behavior, also one that names a cache policy, where CloudFront answers none (the two are
    mutually exclusive). Terraform then plans to remove forwarded_values on every plan. The patch
    answers ForwardedValues only when the behavior was given one."""
    from moto.cloudfront.models import DefaultCacheBehaviour

    original = DefaultCacheBehaviour.__init__

    def init(self: DefaultCacheBehaviour, config: dict) -> None:
        original(self, config)
        if "ForwardedValues" not in config:
            self.forwarded_values = None

    DefaultCacheBehaviour.__init__ = init  # type: ignore[method-assign]


EDGE_PATCHES.append(cloudfront_no_legacy_forwarded_values_beside_a_cache_policy)


def route53_query_logging_to_a_plain_log_group_arn() -> None:
    """moto 5.2.5's CreateQueryLoggingConfig finds the log group only when its ARN is sent with a ':*'
    suffix and answers NoSuchCloudWatchLogsLogGroup (404) for the plain
    arn:aws:logs:us-east-1:<account>:log-group:<name>, the format Route 53 documents and the one the
    provider sends (aws_cloudwatch_log_group.arn), so no created zone could be query-logged. Route 53
    accepts the group's ARN with or without ':*' and answers it as it was sent (Terraform compares the
    two; the attribute forces replacement). The patch looks the group up by its ':*' form, as moto
    does, and keeps the ARN as sent."""
    from moto.route53.models import QueryLoggingConfig, Route53Backend

    original = Route53Backend.create_query_logging_config

    def create_query_logging_config(self: Route53Backend, hosted_zone_id: str,
                                    log_group_arn: str) -> QueryLoggingConfig:
        if not log_group_arn or log_group_arn.endswith(":*"):
            return original(self, hosted_zone_id, log_group_arn)
        config = original(self, hosted_zone_id, f"{log_group_arn}:*")
        config.cloud_watch_logs_log_group_arn = log_group_arn
        return config

    Route53Backend.create_query_logging_config = create_query_logging_config  # type: ignore[method-assign]


EDGE_PATCHES.append(route53_query_logging_to_a_plain_log_group_arn)
