"""The `edge:` section of a blueprint environment: the public DNS zone, CloudFront distributions (a
static site from a private bucket, CloudFront in front of the load balancer, one per public asset
class), the alias records of the domain, a Route 53 health check and the CloudFront WAF.

Defaults are the secure ones: a WAF with the managed common, known-bad-inputs and SQL-injection
groups and a per-IP rate limit, TLS 1.2+ on a domain with an ACM certificate. A non-production
environment may run on the distributions' *.cloudfront.net names (`default_domain.reason`) or
without WAF (`waf: null` plus `waf_off.reason`); production refuses both. Rules that need the rest
of the configuration (buckets, the load balancer and its certificate) live in `edge_rules`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, field_validator, model_validator

from configuration.base import Strict
from configuration.compute import HOST_NAME, RateLimit, Waf
from configuration.data import StoreName

if TYPE_CHECKING:
    from configuration.schema import BlueprintConfig

Label = Annotated[str, Field(pattern=r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")]
ApexTarget = Literal["static_site", "load_balancer", "load_balancer_cdn"]
MAX_DISTRIBUTION_NAME = 40  # modules/cdn: names the log delivery objects


class Reason(Strict):
    """A recorded decision to run below the production default (refused in production)."""

    reason: str = Field(min_length=20, description="Why, for reviewers.")


class StaticSite(Strict):
    """A data bucket (with cdn: true) served by CloudFront through Origin Access Control (seed 000)."""

    bucket: StoreName = Field(description="A data.buckets entry with cdn: true; it stays private.")
    subdomain: Label | None = Field(
        default=None, description="Served at <subdomain>.<domain>; None: at the apex (and www), which needs "
        "apex_target: static_site.")
    default_root_object: str = Field(default="index.html", description="Object served for '/'.")
    not_found_page: str | None = Field(
        default=None, description="Page served with status 404 for objects that do not exist (S3 answers 403 "
        "to CloudFront, which may not list the bucket), e.g. /404.html.")

    @model_validator(mode="after")
    def _objects(self) -> StaticSite:
        root = self.default_root_object
        if not root or root.startswith("/"):
            raise ValueError(f"default_root_object {root!r}; fix: an object key without a leading '/', "
                             "e.g. index.html")
        if self.not_found_page is not None and not self.not_found_page.startswith("/"):
            raise ValueError(f"not_found_page {self.not_found_page!r}; fix: a path such as /404.html")
        return self


class LoadBalancerCdn(Strict):
    """CloudFront in front of the load balancer: uncached except static_paths, HTTPS to the ALB."""

    subdomain: Label | None = Field(
        default=None, description="Served at <subdomain>.<domain>; None: at the apex (and www), which needs "
        "apex_target: load_balancer_cdn.")
    origin_subdomain: Label = Field(
        default="origin", description="CloudFront reaches the ALB at <origin_subdomain>.<domain>, an alias "
        "record to it, which compute.load_balancer.certificate must cover (CloudFront checks the name).")
    static_paths: list[str] = Field(
        default_factory=list, description="Path patterns cached at the edge, e.g. /_next/static/*.")

    @field_validator("static_paths")
    @classmethod
    def _paths(cls, values: list[str]) -> list[str]:
        for path in values:
            if not path.startswith("/") or path in ("/*",) or len(path) > 255:
                raise ValueError(f"static path {path!r}; fix: a pattern such as /static/* (the rest passes "
                                 "through uncached)")
        if len(set(values)) != len(values):
            raise ValueError(f"static_paths lists a path twice: {values}; fix: list each once")
        return values


class AssetDistribution(Strict):
    """CloudFront in front of one asset-class bucket (seed 003: a distribution per class)."""

    subdomain: Label | None = Field(default=None, description="Served at <subdomain>.<domain>; default the "
                                    "bucket's name.")


class HealthCheck(Strict):
    """A Route 53 HTTPS health check of a public endpoint, from three checker regions."""

    subdomain: Label | None = Field(
        default=None, description="Host checked: <subdomain>.<domain>, one the edge serves; None: the apex.")
    path: str = Field(default="/health", description="A real endpoint that fails when the service cannot serve.")
    port: Annotated[int, Field(ge=1, le=65535)] = 443
    failure_threshold: Annotated[int, Field(ge=1, le=10)] = Field(
        default=3, description="Consecutive failures before the endpoint counts as unhealthy.")
    request_interval_seconds: Literal[10, 30] = Field(default=30, description="10 is billed extra.")
    search_string: Annotated[str, Field(min_length=1, max_length=255)] | None = Field(
        default=None, description="Text the response must contain; None: a 2xx/3xx status is enough.")

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        if not value.startswith("/") or len(value) > 255:
            raise ValueError(f"{value!r} is not a path; fix: e.g. /health")
        return value


class EdgeWaf(Waf):
    """A CLOUDFRONT-scope web ACL (kept in us-east-1) shared by the environment's distributions."""

    managed_rule_groups: list[str] = Field(
        default_factory=lambda: ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet",
                                 "AWSManagedRulesSQLiRuleSet"],
        description="AWS managed rule groups, evaluated in this order.")
    rate_limit: RateLimit | None = Field(
        default_factory=lambda: RateLimit(requests=1000, window_seconds=60),
        description="Requests per IP per window, counted before the cache: one page view fetches many assets, "
        "so the edge limit is far above an API's.")


class Edge(Strict):
    domain: str | None = Field(default=None, description="Apex of the public names, e.g. cafe-nimbus.example.com.")
    default_domain: Reason | None = Field(
        default=None, description="No domain: distributions answer on their *.cloudfront.net names with "
        "CloudFront's default certificate (TLSv1 floor). Refused in production.")
    hosted_zone_id: Annotated[str, Field(pattern=r"^Z[A-Z0-9]{4,32}$")] | None = Field(
        default=None, description="Existing public Route 53 zone of the domain (listed, not looked up).")
    create_zone: bool = Field(default=False, description="Create the domain's public zone here (query-logged); "
                              "delegate the domain to its name servers (exported).")
    apex_target: ApexTarget | None = Field(
        default=None, description="What the apex (and www) alias: static_site, load_balancer or "
        "load_balancer_cdn; None: no apex records.")
    www: bool = Field(default=True, description="Alias www.<domain> to the apex target too.")
    load_balancer_names: list[Label] = Field(
        default_factory=list, description="Subdomains aliased straight to the load balancer, e.g. app, api; on "
        "compute.load_balancer.certificate.")
    static_site: StaticSite | None = None
    load_balancer_cdn: LoadBalancerCdn | None = None
    asset_distributions: dict[StoreName, AssetDistribution] = Field(
        default_factory=dict, description="data.buckets (cdn: true) each served by its own distribution.")
    health_check: HealthCheck | None = None
    waf: EdgeWaf | None = Field(default_factory=EdgeWaf, description="Web ACL of the distributions; null turns "
                                "it off (with waf_off.reason, never in production).")
    waf_off: Reason | None = Field(default=None, description="Why the distributions have no WAF.")
    shield_advanced: bool = Field(
        default=False, description="Opt in to AWS Shield Advanced (seed 000): DDoS protection of the distributions "
        "and the load balancer with the Shield Response Team. It subscribes the account for a year at about "
        "3,000 USD a month, which is why it is never on by default.")
    price_class: Literal["PriceClass_100", "PriceClass_200", "PriceClass_All"] = Field(
        default="PriceClass_100", description="Edge locations used; 100 (North America, Europe) is cheapest.")

    @field_validator("domain")
    @classmethod
    def _domain(cls, value: str | None) -> str | None:
        if value is not None and (value.startswith("*.") or not HOST_NAME.match(value)):
            raise ValueError(f"{value!r} is not a domain name; fix: a lower-case name such as example.com")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Edge:
        if (self.domain is None) == (self.default_domain is None):
            raise ValueError("edge needs exactly one of domain and default_domain (found "
                             f"{'both' if self.domain else 'neither'}); fix: set domain: example.com, or record why "
                             "the distributions run on *.cloudfront.net names with default_domain: {reason: ...}")
        if self.domain is None:
            named = [key for key, value in (("hosted_zone_id", self.hosted_zone_id), ("create_zone", self.create_zone),
                                            ("apex_target", self.apex_target),
                                            ("load_balancer_names", self.load_balancer_names),
                                            ("health_check", self.health_check)) if value]
            if named:
                raise ValueError(f"edge sets {named} without a domain; fix: set edge.domain or remove them")
        elif bool(self.hosted_zone_id) == self.create_zone:
            raise ValueError(f"edge.domain {self.domain!r} needs exactly one of hosted_zone_id and create_zone: true "
                             f"(hosted_zone_id={self.hosted_zone_id!r}, create_zone={self.create_zone}); fix: name "
                             "the existing public zone, or create one")
        if self.apex_target in ("static_site", "load_balancer_cdn") and getattr(self, self.apex_target) is None:
            raise ValueError(f"edge.apex_target is {self.apex_target!r} but edge.{self.apex_target} is not set; "
                             f"fix: add edge.{self.apex_target} or pick another apex_target")
        for key, section in (("static_site", self.static_site), ("load_balancer_cdn", self.load_balancer_cdn)):
            if section is None or self.domain is None:
                continue
            if section.subdomain is None and self.apex_target != key:
                raise ValueError(f"edge.{key} has no subdomain and apex_target is {self.apex_target!r}; fix: set "
                                 f"edge.{key}.subdomain, or apex_target: {key}")
            if section.subdomain is not None and self.apex_target == key:
                raise ValueError(f"edge.{key}.subdomain {section.subdomain!r} while apex_target is {key!r}; fix: "
                                 "remove the subdomain (the apex and www serve it)")
        labels = self.served_labels
        repeated = sorted({label for label in labels if labels.count(label) > 1})
        if repeated:
            raise ValueError(f"edge serves {repeated} twice (www, load_balancer_names, origin and the "
                             "distributions' subdomains share the domain); fix: give each its own subdomain")
        check = self.health_check
        if check is not None:
            if check.subdomain is None and self.apex_target is None:
                raise ValueError("edge.health_check checks the apex, which has no apex_target; fix: set "
                                 "health_check.subdomain to a served name or set apex_target")
            if check.subdomain is not None and check.subdomain not in labels:
                raise ValueError(f"edge.health_check.subdomain {check.subdomain!r} is not a name the edge serves "
                                 f"{sorted(labels)}; fix: name one of those")
        if self.waf is not None and self.waf_off is not None:
            raise ValueError("edge has waf and waf_off; fix: remove waf_off, or set waf: null to run without WAF")
        if self.waf is None and self.waf_off is None and self.has_distributions:
            raise ValueError("edge.waf is null without a recorded waf_off.reason; fix: remove 'waf: null', or record "
                             "why with waf_off: {reason: ...}")
        return self

    @property
    def served_labels(self) -> list[str]:
        """Subdomains the edge writes records for (the apex and its www aside from apex_target)."""
        labels = ["www"] if self.www and self.apex_target else []
        labels += self.load_balancer_names
        for section in (self.static_site, self.load_balancer_cdn):
            if section is not None and section.subdomain:
                labels.append(section.subdomain)
        if self.load_balancer_cdn is not None and self.domain:
            labels.append(self.load_balancer_cdn.origin_subdomain)
        if self.domain:
            labels += [self.asset_subdomain(name) for name in self.asset_distributions]
        return labels

    def asset_subdomain(self, bucket: str) -> str:
        return self.asset_distributions[bucket].subdomain or bucket

    @property
    def has_distributions(self) -> bool:
        return bool(self.static_site or self.load_balancer_cdn or self.asset_distributions)

    @property
    def uses_load_balancer(self) -> bool:
        return bool(self.load_balancer_cdn or self.load_balancer_names or self.apex_target == "load_balancer")

    @property
    def cdn_buckets(self) -> dict[str, str]:
        """Bucket name -> the edge key that serves it (static_site, asset_distributions.<name>)."""
        served = {name: f"asset_distributions.{name}" for name in self.asset_distributions}
        if self.static_site is not None:
            served[self.static_site.bucket] = "static_site.bucket"
        return served

    def host(self, label: str | None) -> str:
        assert self.domain
        return f"{label}.{self.domain}" if label else self.domain


def edge_rules(config: BlueprintConfig) -> None:
    """Rules that tie the edge section to the buckets, the load balancer and production."""
    edge, buckets = config.edge, config.data.buckets
    served = edge.cdn_buckets if edge else {}
    for name, key in served.items():
        if name not in buckets:
            raise ValueError(f"edge.{key} names {name!r}, which is not under data.buckets {sorted(buckets)}; fix: "
                             "add the bucket or name an existing one")
        if not buckets[name].cdn:
            raise ValueError(f"edge.{key} names data.buckets.{name}, which does not set cdn: true; fix: set "
                             f"data.buckets.{name}.cdn: true (its policy and key then admit CloudFront)")
    unused = sorted(name for name, bucket in buckets.items() if bucket.cdn and name not in served)
    if unused:
        raise ValueError(f"data.buckets {unused} set cdn: true but no edge distribution serves them; their policy "
                         "would admit CloudFront for nothing; fix: serve them under edge (static_site, "
                         "asset_distributions) or remove cdn")
    if edge is None:
        return
    if edge.static_site and edge.static_site.bucket in edge.asset_distributions:
        raise ValueError(f"bucket {edge.static_site.bucket!r} is both edge.static_site.bucket and under "
                         "edge.asset_distributions; fix: serve it once")
    names = {f"{config.name_prefix}-{suffix}" for suffix in ["site", "app", *edge.asset_distributions]}
    too_long = sorted(name for name in names if len(name) > MAX_DISTRIBUTION_NAME)
    if too_long:
        raise ValueError(f"distribution name(s) {too_long} exceed {MAX_DISTRIBUTION_NAME} characters; fix: shorten "
                         "the bucket's key under data.buckets or the project name")
    lb = config.compute.load_balancer
    if edge.uses_load_balancer:
        if lb is None:
            raise ValueError(f"edge aliases the load balancer (apex_target {edge.apex_target!r}, load_balancer_names "
                             f"{edge.load_balancer_names}, load_balancer_cdn "
                             f"{'set' if edge.load_balancer_cdn else 'unset'}) but compute.load_balancer is not set; "
                             "fix: add compute.load_balancer or point the edge elsewhere")
        hosts = [edge.host(label) for label in edge.load_balancer_names]
        if edge.apex_target == "load_balancer":
            hosts += [edge.host(None)] + ([edge.host("www")] if edge.www else [])
        if edge.load_balancer_cdn and edge.domain:
            hosts.append(edge.host(edge.load_balancer_cdn.origin_subdomain))
        certificate = lb.certificate
        uncovered = [h for h in hosts if certificate is None or not certificate.covers(h)]
        if uncovered:
            names = certificate.names if certificate else "none (plain_http)"
            raise ValueError(f"edge points {uncovered} at the load balancer, whose certificate names are {names}; "
                             "HTTPS clients (and CloudFront) would be refused; fix: add them to "
                             "compute.load_balancer.certificate.alternative_names")
        if edge.load_balancer_cdn and edge.domain is None and certificate is not None:
            raise ValueError("edge.load_balancer_cdn has no edge.domain, so CloudFront has no name on the load "
                             f"balancer's certificate {certificate.names} to reach it by; fix: set edge.domain "
                             "(an origin record is written there)")
    certificate = lb.certificate if lb else None
    if edge.create_zone and edge.domain and certificate is not None and any(
            name == edge.domain or name.endswith(f".{edge.domain}") for name in certificate.names):
        raise ValueError(f"edge.create_zone makes the zone of {edge.domain!r} in the edge stack, which is applied "
                         f"after compute, but compute.load_balancer.certificate {certificate.names} must be validated "
                         "in that zone first; fix: create the zone beforehand (with the domain's registration) and "
                         "list it as edge.hosted_zone_id and the certificate's hosted_zone_id")
    if edge.waf is not None:
        from configuration.schema import LOG_RETENTION_DAYS

        if edge.waf.log_retention_days not in LOG_RETENTION_DAYS:
            raise ValueError(f"edge.waf.log_retention_days {edge.waf.log_retention_days} is not a CloudWatch "
                             f"retention period; fix: use one of {LOG_RETENTION_DAYS}")
    if not config.is_production:
        return
    if edge.has_distributions and edge.domain is None:
        raise ValueError("edge.default_domain in production: CloudFront's default certificate accepts TLSv1; fix: "
                         "set edge.domain with hosted_zone_id (a us-east-1 certificate is created) and remove "
                         "default_domain")
    if edge.has_distributions and edge.waf is None:
        raise ValueError("edge.waf is off in production; fix: remove 'waf: null' and waf_off (the managed rules and "
                         "rate limit are the production default)")
