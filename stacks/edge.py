"""The edge stack: the public face of one blueprint environment - the domain's Route 53 zone (reused
or created), CloudFront distributions (a static site from a private data bucket through Origin
Access Control, CloudFront in front of the load balancer, one per public asset class), the alias
records of the apex, www and the other public names, a Route 53 health check of the public endpoint,
and the CLOUDFRONT-scope WAF shared by the distributions.

Applied after compute: it reads the buckets (name, regional domain name) from the data stack and the
load balancer (DNS name, zone) from the compute stack through remote state. The data stack already
admits CloudFront in the served buckets' policies and key (data.buckets.<name>.cdn), so nothing here
writes to another stack's resources. Certificates, the WAF, its log key and the standard-log
delivery objects live in us-east-1 (CloudFront's control plane) through an aliased provider; the
CloudFront log bucket stays in the primary region.
"""

from __future__ import annotations

from cdktf_cdktf_provider_aws.data_aws_lb_hosted_zone_id import DataAwsLbHostedZoneId
from cdktf_cdktf_provider_aws.provider import AwsProvider
from cdktf_cdktf_provider_aws.shield_protection import ShieldProtection
from cdktf_cdktf_provider_aws.shield_subscription import ShieldSubscription
from constructs import Construct

from configuration import BlueprintConfig
from modules.cdn import (
    EDGE_REGION,
    AlbOriginDistribution,
    AlbOriginDistributionProps,
    EdgeDistribution,
    ErrorResponse,
    RemoteBucket,
    RemoteLoadBalancer,
    StaticSiteDistribution,
    StaticSiteDistributionProps,
)
from modules.dns import (
    AliasRecords,
    AliasRecordsProps,
    AliasTarget,
    EndpointHealthCheck,
    EndpointHealthCheckProps,
    FailoverAliasRecords,
    FailoverAliasRecordsProps,
    FailoverGate,
    FailoverGateProps,
    HostedZone,
    HostedZoneProps,
    QueryLogging,
    query_log_key_grant,
)
from modules.kms import EncryptionKey, EncryptionKeyProps, ServiceGrant
from modules.s3_bucket import SecureBucket
from modules.waf import WebAcl, WebAclProps
from stacks.base import PlatformStack, variable
from stacks.compute import ComputeStack
from stacks.data import DataStack
from stacks.storage import access_log_bucket

EXISTING_ZONE_LOGGING = ("the zone exists outside this stack (listed as edge.hosted_zone_id); query logging is "
                         "configured by the zone's owner, and a zone takes one query-log configuration")


class EdgeStack(PlatformStack):
    layer = "edge"

    @classmethod
    def applies_to(cls, config: BlueprintConfig) -> bool:
        return config.edge is not None

    def __init__(self, scope: Construct, config: BlueprintConfig) -> None:
        super().__init__(scope, config)
        edge = config.edge
        assert edge is not None
        self.edge = edge
        self.data = self.remote_state(DataStack) if edge.cdn_buckets else None
        self.compute = self.remote_state(ComputeStack) if edge.uses_load_balancer else None
        failover = config.dr.enabled and self.compute is not None
        self.standby_compute = self.remote_state(ComputeStack, site=config.standby()) if failover else None
        self.gate: FailoverGate | None = None
        self._edge_provider: AwsProvider | None = None
        self.zone = self._zone() if edge.domain else None
        self.web_acl = self._web_acl() if edge.has_distributions and edge.waf else None
        self.log_bucket: SecureBucket | None = None
        if edge.has_distributions:
            self.log_bucket = access_log_bucket(self, "cloudfront-logs", config.data_bucket_name("cloudfront-logs"),
                                                config.account_id)
            self.export("cloudfront_log_bucket_name", self.log_bucket.name, "string",
                        "SSE-S3 bucket receiving the distributions' standard logs (v2) under AWSLogs/<account>/")
        self.site = self._static_site() if edge.static_site else None
        self.app = self._load_balancer_cdn() if edge.load_balancer_cdn else None
        self.assets = {name: self._assets(name) for name in edge.asset_distributions}
        if edge.health_check:
            self._health_check()
        if self.zone is not None:
            self._records()
        if edge.shield_advanced:
            self._shield()

    # -- us-east-1 pieces -------------------------------------------------------------------------------

    @property
    def edge_provider(self) -> AwsProvider:
        """The provider aliased to us-east-1 (certificates, WAF, log delivery, query logs), made on first use."""
        if self._edge_provider is None:
            self._edge_provider = self.aws_provider("aws-edge", EDGE_REGION, alias="edge")
        return self._edge_provider

    @property
    def waf_name(self) -> str:
        return f"{self.config.name_prefix}-edge"

    def _edge_key(self) -> EncryptionKey:
        """One us-east-1 key for the edge's log groups there: the WAF's and the created zone's query logs."""
        if not hasattr(self, "_key"):
            config, edge = self.config, self.edge
            waf_groups = [f"aws-waf-logs-{self.waf_name}"] if edge.waf and edge.has_distributions else []
            if edge.create_zone:
                grant = query_log_key_grant(config.account_id, self.partition, other_log_groups=waf_groups)
            else:
                base = f"arn:{self.partition}:logs:{EDGE_REGION}:{config.account_id}:log-group:"
                grant = ServiceGrant(service=f"logs.{EDGE_REGION}.amazonaws.com", conditions=[(
                    "ArnLike", "kms:EncryptionContext:aws:logs:arn", [base + group for group in waf_groups])])
            self._key = EncryptionKey(self, "edge-key", EncryptionKeyProps(
                alias=f"{config.name_prefix}-edge", description=f"Edge logs of {config.name_prefix} in {EDGE_REGION}",
                account_id=config.account_id, partition=self.partition, provider=self.edge_provider,
                service_grants=(grant,)))
            self.export("edge_kms_key_arn", self._key.arn, "string", f"Key of the edge's log groups in {EDGE_REGION}")
        return self._key

    def _web_acl(self) -> WebAcl:
        waf = self.edge.waf
        assert waf is not None
        acl = WebAcl(self, "web-acl", WebAclProps(
            name=self.waf_name, resource_arn=None, log_encryption_key_arn=self._edge_key().arn, scope="CLOUDFRONT",
            provider=self.edge_provider, managed_rule_groups=waf.managed_rule_groups,
            rate_limit=waf.rate_limit.requests if waf.rate_limit else None,
            rate_window_seconds=waf.rate_limit.window_seconds if waf.rate_limit else 60,
            blocked_countries=waf.blocked_countries, log_retention_days=waf.log_retention_days))
        self.export("web_acl_arn", acl.arn, "string", "CLOUDFRONT-scope WAF web ACL of the distributions (us-east-1)")
        return acl

    # -- zone -------------------------------------------------------------------------------------------

    def _zone(self) -> HostedZone:
        config, edge = self.config, self.edge
        assert edge.domain
        logging = QueryLogging(account_id=config.account_id, encryption_key_arn=self._edge_key().arn,
                               provider=self.edge_provider, partition=self.partition) if edge.create_zone else None
        zone = HostedZone(self, "zone", HostedZoneProps(
            domain_name=edge.domain, existing_zone_id=edge.hosted_zone_id, query_logging=logging,
            query_logging_off_reason=None if logging else EXISTING_ZONE_LOGGING))
        self.export("hosted_zone_id", zone.zone_id, "string", f"Public Route 53 zone of {edge.domain}")
        if zone.name_servers is not None:
            self.export("hosted_zone_name_servers", zone.name_servers, "list",
                        f"Name servers to delegate {edge.domain} to (at the registrar or the parent zone)")
        return zone

    # -- distributions ----------------------------------------------------------------------------------

    def _aliases(self, subdomain: str | None) -> list[str]:
        """Names a distribution answers to: its subdomain, or the apex (and www); none without a domain."""
        edge = self.edge
        if not edge.domain:
            return []
        if subdomain:
            return [edge.host(subdomain)]
        return [edge.host(None)] + ([edge.host("www")] if edge.www else [])

    def _common(self, name: str, aliases: list[str]) -> dict:
        config, edge = self.config, self.edge
        assert self.log_bucket is not None
        return dict(
            name=name, account_id=config.account_id, edge_provider=self.edge_provider, log_bucket=self.log_bucket,
            partition=self.partition, aliases=aliases,
            hosted_zone_id=self.zone.zone_id if aliases and self.zone else None,
            web_acl_arn=self.web_acl.arn if self.web_acl else None,
            without_web_acl_reason=edge.waf_off.reason if edge.waf_off and not self.web_acl else None,
            price_class=edge.price_class)

    def _remote_bucket(self, name: str) -> RemoteBucket:
        assert self.data is not None
        return RemoteBucket(name=self.data.get_string(f"bucket_{variable(name)}_name"),
                            regional_domain_name=self.data.get_string(f"bucket_{variable(name)}_regional_domain_name"))

    def _publish(self, prefix: str, distribution: EdgeDistribution, what: str) -> None:
        self.export(f"{prefix}_distribution_id", distribution.distribution_id, "string",
                    f"CloudFront distribution of {what} (invalidations)")
        self.export(f"{prefix}_domain_name", distribution.domain_name, "string",
                    f"*.cloudfront.net name of {what}")

    def _static_site(self) -> StaticSiteDistribution:
        config, site = self.config, self.edge.static_site
        assert site is not None
        page = site.not_found_page
        distribution = StaticSiteDistribution(self, "static-site", StaticSiteDistributionProps(
            bucket=self._remote_bucket(site.bucket), default_root_object=site.default_root_object,
            error_responses=[ErrorResponse(code, page, 404) for code in (403, 404)] if page else (),
            **self._common(f"{config.name_prefix}-site", self._aliases(site.subdomain))))
        self._publish("static_site", distribution, f"the static site (bucket {site.bucket})")
        return distribution

    def _load_balancer_cdn(self) -> AlbOriginDistribution:
        config, cdn, edge = self.config, self.edge.load_balancer_cdn, self.edge
        lb = config.compute.load_balancer
        assert cdn is not None and lb is not None and self.compute is not None
        https = lb.certificate is not None
        distribution = AlbOriginDistribution(self, "load-balancer-cdn", AlbOriginDistributionProps(
            load_balancer=RemoteLoadBalancer(dns_name=self.compute.get_string("load_balancer_dns_name"),
                                             certificate_names=lb.certificate.names if lb.certificate else None),
            origin_domain_name=edge.host(cdn.origin_subdomain) if https else None,
            plain_http_reason=None if https else (lb.plain_http.reason if lb.plain_http else None),
            static_paths=cdn.static_paths,
            origin_verify_header=self.compute.get_string("origin_verify_header"),
            origin_verify_secret=self.compute.get_string("origin_verify_secret"),
            content_security_policy=None,  # the application sends its own; an override would break its pages
            **self._common(f"{config.name_prefix}-app", self._aliases(cdn.subdomain))))
        self._publish("load_balancer_cdn", distribution, "CloudFront in front of the load balancer")
        return distribution

    def _assets(self, name: str) -> StaticSiteDistribution:
        config, edge = self.config, self.edge
        distribution = StaticSiteDistribution(self, f"assets-{name}", StaticSiteDistributionProps(
            bucket=self._remote_bucket(name), **self._common(
                f"{config.name_prefix}-{name}", self._aliases(edge.asset_subdomain(name)) if edge.domain else [])))
        self._publish(f"assets_{variable(name)}", distribution, f"the {name} bucket's assets")
        return distribution

    # -- DDoS protection ---------------------------------------------------------------------------------

    def _shield(self) -> None:
        """Shield Advanced on every distribution and on the load balancer (the subscription is the account's;
        skip_destroy keeps it when the stack goes: AWS cannot cancel it before its year is over)."""
        config = self.config
        subscription = ShieldSubscription(self, "shield-subscription", auto_renew="ENABLED", skip_destroy=True)
        protected = {name: distribution.arn for name, distribution in (
            ("static-site", self.site), ("load-balancer-cdn", self.app), *self.assets.items()) if distribution}
        if self.compute is not None:
            protected["load-balancer"] = self.compute.get_string("load_balancer_arn")
        for name, arn in protected.items():
            ShieldProtection(self, f"shield-{name}", name=f"{config.name_prefix}-{name}", resource_arn=arn,
                             depends_on=[subscription])

    # -- records and health -----------------------------------------------------------------------------

    def _load_balancer_target(self, standby: bool = False) -> AliasTarget:
        """The ALB (the standby region's with standby=True) as an alias target: IPv4 only, and the records
        follow its targets' health. Its zone is the region's fixed ELB zone (a provider table, no API call),
        not compute's load_balancer_zone_id output: Route 53 validates zone ids while planning, and it is
        the same value."""
        compute = self.standby_compute if standby else self.compute
        assert compute is not None
        id = "standby-load-balancer-zone" if standby else "load-balancer-zone"
        if not hasattr(self, "_elb_zones"):
            self._elb_zones: dict[str, DataAwsLbHostedZoneId] = {}
        if id not in self._elb_zones:
            region = self.config.regions.secondary if standby else None
            self._elb_zones[id] = DataAwsLbHostedZoneId(self, id, load_balancer_type="application", region=region)
        return AliasTarget(zone_id=self._elb_zones[id].id, dns_name=compute.get_string("load_balancer_dns_name"),
                           ipv6=False, evaluate_target_health=True)

    def _load_balancer_alias(self, id: str, host: str, subdomains: tuple[str, ...] = ()) -> None:
        """Alias records of names served by the load balancer: with a standby, a failover pair per name
        (the primary's ALB while the gate passes, the standby's otherwise)."""
        assert self.zone is not None
        if self.gate is None:
            AliasRecords(self, id, AliasRecordsProps(zone_id=self.zone.zone_id, domain_name=host,
                                                     target=self._load_balancer_target(), subdomains=subdomains))
            return
        FailoverAliasRecords(self, f"{id}-failover", FailoverAliasRecordsProps(
            zone_id=self.zone.zone_id, domain_name=host, primary=self._load_balancer_target(),
            standby=self._load_balancer_target(standby=True), gate=self.gate, subdomains=subdomains))

    def _records(self) -> None:
        edge = self.edge
        assert self.zone is not None and edge.domain
        zone_id = self.zone.zone_id

        def alias(id: str, host: str, target, subdomains: tuple[str, ...] = ()) -> None:
            AliasRecords(self, id, AliasRecordsProps(zone_id=zone_id, domain_name=host, target=target,
                                                     subdomains=subdomains))

        apex = {"static_site": self.site, "load_balancer_cdn": self.app}
        www = ("www",) if edge.www else ()
        if edge.apex_target == "load_balancer":
            self._load_balancer_alias("apex-records", edge.domain, www)
        elif edge.apex_target:
            alias("apex-records", edge.domain, apex[edge.apex_target], www)
        for label in edge.load_balancer_names:
            self._load_balancer_alias(f"{label}-records", edge.host(label))
        if edge.static_site and edge.static_site.subdomain and self.site:
            alias(f"{edge.static_site.subdomain}-records", edge.host(edge.static_site.subdomain), self.site)
        cdn = edge.load_balancer_cdn
        if cdn and self.app:
            if cdn.subdomain:
                alias(f"{cdn.subdomain}-records", edge.host(cdn.subdomain), self.app)
            if self.config.compute.load_balancer and self.config.compute.load_balancer.certificate:
                # CloudFront's way to the ALB: with a standby it fails over by DNS like the other load-balanced
                # names (origin groups would retry only GET, HEAD and OPTIONS); both ALBs take the same secret
                self._load_balancer_alias(f"{cdn.origin_subdomain}-records", edge.host(cdn.origin_subdomain))
        for name, distribution in self.assets.items():
            label = edge.asset_subdomain(name)
            alias(f"{label}-records", edge.host(label), distribution)

    def _health_check(self) -> None:
        """The public endpoint's check. With a standby it checks the primary's load balancer by its own
        name (the public name answers from whichever region serves) and feeds the failover gate; behind
        CloudFront that load balancer serves the check's path on that name without the origin secret, which
        Route 53 cannot send (ComputeStack's health_check_path)."""
        edge, check = self.edge, self.edge.health_check
        assert check is not None
        failover = self.standby_compute is not None and self.compute is not None
        fqdn = self.compute.get_string("load_balancer_dns_name") if failover and self.compute else edge.host(
            check.subdomain)
        health = EndpointHealthCheck(self, "health-check", EndpointHealthCheckProps(
            fqdn=fqdn, resource_path=check.path, port=check.port,
            search_string=check.search_string, failure_threshold=check.failure_threshold,
            request_interval_seconds=check.request_interval_seconds))
        what = "the primary load balancer" if failover else f"https://{edge.host(check.subdomain)}"
        self.export("health_check_id", health.id, "string",
                    f"Route 53 health check of {what}{check.path} (metrics in us-east-1)")
        if failover:
            self.gate = FailoverGate(self, "failover-gate", FailoverGateProps(
                name=f"{self.config.name_prefix}-failover-gate", endpoint_health_check_ids=[health.id]))
            self.export("failover_gate_health_check_id", self.gate.id, "string",
                        "CALCULATED check deciding the PRIMARY failover records (the orchestrator closes it)")
            # the apex when the load balancer serves it (cafe-dr), else its first own name (levels' api.)
            record = edge.domain if edge.apex_target == "load_balancer" else edge.host(edge.load_balancer_names[0])
            self.export("failover_record_name", record, "string",
                        "Name whose PRIMARY/SECONDARY records the orchestrator verifies (every load-balanced name "
                        "has a pair on the same gate)")
