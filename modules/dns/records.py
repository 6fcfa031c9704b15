"""Public DNS: the hosted zone (created here or an existing one reused), alias records to a CloudFront
distribution or the load balancer, and HTTPS health checks of the public endpoints.

Query logging (optional, with a recorded reason when off): Route 53 writes public zones' query logs
only to log groups in us-east-1 named /aws/route53/..., admitted by a CloudWatch Logs resource
policy; so the log group, the policy and the query log config are created with the us-east-1
provider and the log group's key must be a us-east-1 key granting query_log_key_grant. An account
has at most 10 resource policies per region: one is used per logged zone.

Health checks: Route 53 checks from at least three of its checker regions; its CloudWatch metrics
(AWS/Route53 HealthCheckStatus, ...) exist in us-east-1 only, so alarms on them are created with the
us-east-1 provider. The request interval and latency measurement cannot change after creation
(Terraform replaces the check).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import TerraformProvider, Token
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.cloudwatch_log_resource_policy import CloudwatchLogResourcePolicy
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from cdktf_cdktf_provider_aws.route53_health_check import Route53HealthCheck
from cdktf_cdktf_provider_aws.route53_query_log import Route53QueryLog
from cdktf_cdktf_provider_aws.route53_record import Route53Record, Route53RecordAlias
from cdktf_cdktf_provider_aws.route53_zone import Route53Zone
from constructs import Construct

from modules.cdn import CLOUDFRONT_HOSTED_ZONE_ID, EdgeDistribution
from modules.certificate.certificate import DOMAIN
from modules.kms import ServiceGrant
from modules.load_balancer import PublicLoadBalancer

QUERY_LOG_REGION = "us-east-1"
QUERY_LOG_PREFIX = "/aws/route53"
RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
                  3288, 3653)
HEALTH_CHECK_REGIONS = ("us-east-1", "us-west-1", "us-west-2", "eu-west-1", "ap-southeast-1", "ap-southeast-2",
                        "ap-northeast-1", "sa-east-1")
LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")


def query_log_key_grant(account_id: str, partition: str = "aws",
                        other_log_groups: Sequence[str] = ()) -> ServiceGrant:
    """What the us-east-1 key of query log groups must grant: CloudWatch Logs of us-east-1, for log
    groups under /aws/route53/ of this account only. EncryptionKey writes one statement per service
    (its sid comes from the service), so log groups of other constructs the same key encrypts in
    us-east-1 (e.g. a CLOUDFRONT WAF's 'aws-waf-logs-<name>') are named here, as names or patterns."""
    base = f"arn:{partition}:logs:{QUERY_LOG_REGION}:{account_id}:log-group:"
    return ServiceGrant(service=f"logs.{QUERY_LOG_REGION}.amazonaws.com", conditions=[(
        "ArnLike", "kms:EncryptionContext:aws:logs:arn",
        [f"{base}{QUERY_LOG_PREFIX}/*", *(f"{base}{group}" for group in other_log_groups)])])


def _check_us_east_1(provider: TerraformProvider | None, what: str) -> None:
    region = getattr(provider, "region", None)
    if provider is None or (region and not Token.is_unresolved(region) and region != QUERY_LOG_REGION):
        found = f"provider region {region!r}" if provider is not None else "no provider"
        raise ValueError(f"{what} with {found}; fix: pass a provider aliased to {QUERY_LOG_REGION}")


def _check_domain(name: str, what: str) -> None:
    if not Token.is_unresolved(name) and not DOMAIN.fullmatch(name):
        raise ValueError(f"{what} {name!r} is not a domain name; fix: lower-case labels such as 'example.com', "
                         "without a trailing dot")


# -- hosted zone ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryLogging:
    account_id: str
    """Only this account's hosted zones may write to the log group (the resource policy's conditions)."""
    encryption_key_arn: str
    """A us-east-1 KMS key granting query_log_key_grant."""
    provider: TerraformProvider
    """Provider aliased to us-east-1, the only region Route 53 writes query logs to."""
    retention_days: int = 365
    """A year of queries, like the other logs of the platform."""
    partition: str = "aws"

    def __post_init__(self) -> None:
        _check_us_east_1(self.provider, "query logging")
        if self.retention_days not in RETENTION_DAYS:
            raise ValueError(f"query log retention_days={self.retention_days}; fix: one of CloudWatch's values, "
                             "e.g. 365")


@dataclass(frozen=True)
class HostedZoneProps:
    domain_name: str
    """The zone's name, e.g. 'example.com'."""
    existing_zone_id: str | None = None
    """Reuse this zone (created elsewhere, e.g. with the domain's registration) instead of creating one."""
    query_logging: QueryLogging | None = None
    """Log every DNS query the zone answers; None needs query_logging_off_reason."""
    query_logging_off_reason: str | None = None
    """Why queries are not logged (e.g. 'the zone's owner account logs them'); checkov CKV2_AWS_39 then
    needs an acceptance."""
    force_destroy: bool = False
    """Default false: Terraform refuses to delete a created zone that still holds records."""

    def __post_init__(self) -> None:
        _check_domain(self.domain_name, "hosted zone")
        zone = self.existing_zone_id
        if zone is not None and not Token.is_unresolved(zone) and not re.fullmatch(r"Z[A-Z0-9]{4,32}", zone):
            raise ValueError(f"hosted zone {self.domain_name!r}: existing_zone_id {zone!r}; fix: a Route 53 zone "
                             "id such as 'Z0123456789ABCDEFGHIJ', or None to create the zone")
        if self.query_logging is None and not self.query_logging_off_reason:
            raise ValueError(f"hosted zone {self.domain_name!r} has no query_logging; fix: pass QueryLogging, or "
                             "record why queries are not logged in query_logging_off_reason")
        if self.query_logging is not None and self.query_logging_off_reason:
            raise ValueError(f"hosted zone {self.domain_name!r} has query_logging and query_logging_off_reason; "
                             "fix: drop one of them")


class HostedZone(Construct):
    """Construct ids (public): 'zone', 'query-log-group', 'query-log-policy-document', 'query-log-policy',
    'query-log'."""

    def __init__(self, scope: Construct, id: str, props: HostedZoneProps) -> None:
        super().__init__(scope, id)
        self.props = props
        self.zone: Route53Zone | None = None
        if props.existing_zone_id:
            self.zone_id: str = props.existing_zone_id
        else:
            self.zone = Route53Zone(self, "zone", name=props.domain_name, comment=f"Public zone of {props.domain_name}",
                                    force_destroy=props.force_destroy)
            self.zone_id = self.zone.zone_id
        self.query_log: Route53QueryLog | None = None
        if props.query_logging is not None:
            self._query_logging(props.query_logging)

    @property
    def name_servers(self) -> list[str] | None:
        """The created zone's name servers (to delegate the domain to); None for a reused zone."""
        return self.zone.name_servers if self.zone else None

    def _query_logging(self, logging: QueryLogging) -> None:
        where = {"provider": logging.provider}
        name = self.props.domain_name
        self.query_log_group = CloudwatchLogGroup(
            self, "query-log-group", name=f"{QUERY_LOG_PREFIX}/{name}", retention_in_days=logging.retention_days,
            kms_key_id=logging.encryption_key_arn, **where)
        document = DataAwsIamPolicyDocument(self, "query-log-policy-document", statement=[
            DataAwsIamPolicyDocumentStatement(
                sid="Route53QueryLogs",
                principals=[DataAwsIamPolicyDocumentStatementPrincipals(
                    type="Service", identifiers=["route53.amazonaws.com"])],
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[f"{self.query_log_group.arn}:*"],
                condition=[
                    DataAwsIamPolicyDocumentStatementCondition(test="StringEquals", variable="aws:SourceAccount",
                                                               values=[logging.account_id]),
                    DataAwsIamPolicyDocumentStatementCondition(
                        test="ArnLike", variable="aws:SourceArn",
                        values=[f"arn:{logging.partition}:route53:::hostedzone/{self.zone_id}"])])])
        policy = CloudwatchLogResourcePolicy(
            self, "query-log-policy", policy_name=f"route53-query-logs-{name}", policy_document=document.json,
            **where)
        self.query_log = Route53QueryLog(
            self, "query-log", zone_id=self.zone_id, cloudwatch_log_group_arn=self.query_log_group.arn,
            depends_on=[policy], **where)  # Route 53 checks it may write when the config is created


# -- alias records -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AliasTarget:
    """Where alias records point: a (zone_id, dns_name) of CloudFront, an ALB, ..."""

    zone_id: str
    """The target's own hosted zone (CLOUDFRONT_HOSTED_ZONE_ID, an ALB's zone_id), not ours."""
    dns_name: str
    """The target's DNS name (a distribution's *.cloudfront.net name, an ALB's dns_name)."""
    ipv6: bool = True
    """Also AAAA records: the target answers over IPv6 (CloudFront with IPv6 on, a dual-stack ALB)."""
    evaluate_target_health: bool = True
    """The records inherit the target's health (an ALB without healthy targets), so Route 53 stops answering
    with an unhealthy target; Route 53 refuses it for CloudFront."""

    def __post_init__(self) -> None:
        if self.zone_id == CLOUDFRONT_HOSTED_ZONE_ID and self.evaluate_target_health:
            raise ValueError(f"alias target {self.dns_name!r} is a CloudFront distribution with "
                             "evaluate_target_health=True; fix: False, Route 53 refuses it for CloudFront")


AliasTargetLike = AliasTarget | EdgeDistribution | PublicLoadBalancer | tuple[str, str]


def alias_target(target: AliasTargetLike) -> AliasTarget:
    """The AliasTarget of a distribution, a load balancer or a (zone_id, dns_name) pair."""
    if isinstance(target, AliasTarget):
        return target
    if isinstance(target, EdgeDistribution):
        return AliasTarget(zone_id=CLOUDFRONT_HOSTED_ZONE_ID, dns_name=target.domain_name, ipv6=True,
                           evaluate_target_health=False)
    if isinstance(target, PublicLoadBalancer):
        lb = target.load_balancer
        return AliasTarget(zone_id=lb.zone_id, dns_name=lb.dns_name, evaluate_target_health=True,
                           ipv6=(lb.ip_address_type_input or "ipv4").startswith("dualstack"))
    if isinstance(target, tuple) and len(target) == 2 and all(isinstance(part, str) for part in target):
        zone_id, dns_name = target
        return AliasTarget(zone_id=zone_id, dns_name=dns_name,
                           evaluate_target_health=zone_id != CLOUDFRONT_HOSTED_ZONE_ID)
    raise ValueError(f"alias target {target!r}; fix: pass a StaticSiteDistribution, AlbOriginDistribution, "
                     "PublicLoadBalancer, AliasTarget or a (zone_id, dns_name) pair")


@dataclass(frozen=True)
class AliasRecordsProps:
    zone_id: str
    """Zone the records are written to (HostedZone.zone_id)."""
    domain_name: str
    """The apex (or any name) the records are for, e.g. 'example.com'."""
    target: AliasTargetLike
    """Distribution, load balancer, AliasTarget or (zone_id, dns_name) the names resolve to."""
    subdomains: Sequence[str] = ("www",)
    """Labels under domain_name that alias the same target, e.g. 'www' for www.example.com."""

    def __post_init__(self) -> None:
        _check_domain(self.domain_name, "alias records for")
        bad = [s for s in self.subdomains if not LABEL.fullmatch(s)]
        if bad or len(set(self.subdomains)) != len(self.subdomains):
            raise ValueError(f"alias subdomains {list(self.subdomains)}; fix: distinct lower-case labels such as "
                             "'www', without the domain")
        alias_target(self.target)  # refuses what cannot be pointed to
        aliases = getattr(getattr(self.target, "props", None), "aliases", None)
        if isinstance(self.target, EdgeDistribution) and aliases is not None:
            missing = [n for n in self.names if n not in aliases and not Token.is_unresolved(n)]
            if missing:
                raise ValueError(f"alias records {missing} point to distribution {self.target.props.name!r}, which "
                                 f"answers only for {list(aliases)}; fix: add them to the distribution's aliases")

    @property
    def names(self) -> list[str]:
        return [self.domain_name, *(f"{label}.{self.domain_name}" for label in self.subdomains)]


class AliasRecords(Construct):
    """A (and AAAA, when the target speaks IPv6) alias records for domain_name and each subdomain.
    Construct ids (public): 'apex-a', 'apex-aaaa', '<subdomain>-a', '<subdomain>-aaaa'."""

    def __init__(self, scope: Construct, id: str, props: AliasRecordsProps) -> None:
        super().__init__(scope, id)
        target = alias_target(props.target)
        alias = Route53RecordAlias(name=target.dns_name, zone_id=target.zone_id,
                                   evaluate_target_health=target.evaluate_target_health)
        types = ("A", "AAAA") if target.ipv6 else ("A",)
        self.records: list[Route53Record] = []
        for label, name in zip(["apex", *props.subdomains], props.names, strict=True):
            for record_type in types:
                self.records.append(Route53Record(
                    self, f"{label.replace('.', '-')}-{record_type.lower()}", zone_id=props.zone_id, name=name,
                    type=record_type, alias=alias))


# -- health check --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EndpointHealthCheckProps:
    fqdn: str
    """Host checked over HTTPS (with SNI), e.g. 'www.example.com'."""
    resource_path: str = "/health"
    """A real endpoint that fails when the service cannot serve."""
    port: int = 443
    """The HTTPS port the endpoint serves viewers on."""
    search_string: str | None = None
    """Text the first 5,120 bytes of the response must contain (HTTPS_STR_MATCH); None: the status is enough."""
    failure_threshold: int = 3
    """Consecutive failed checks before the endpoint counts as unhealthy (1-10)."""
    request_interval_seconds: int = 30
    """30 (standard) or 10 (fast, billed extra); fixed at creation."""
    measure_latency: bool = True
    """Latency graphs per checker region in CloudWatch (us-east-1); fixed at creation."""
    regions: Sequence[str] = ("us-east-1", "eu-west-1", "ap-southeast-1")
    """Checker regions, at least three (Route 53's minimum), from HEALTH_CHECK_REGIONS."""

    def __post_init__(self) -> None:
        _check_domain(self.fqdn, "health check fqdn")
        if not self.resource_path.startswith("/") or len(self.resource_path) > 255:
            raise ValueError(f"health check resource_path {self.resource_path!r}; fix: a path such as /health")
        if not 1 <= self.port <= 65535:
            raise ValueError(f"health check port {self.port}; fix: 1 to 65535 (443 for HTTPS)")
        if not 1 <= self.failure_threshold <= 10:
            raise ValueError(f"health check failure_threshold={self.failure_threshold}; fix: 1 to 10")
        if self.request_interval_seconds not in (10, 30):
            raise ValueError(f"health check request_interval_seconds={self.request_interval_seconds}; fix: 10 or 30")
        unknown = [r for r in self.regions if r not in HEALTH_CHECK_REGIONS]
        if unknown or len(set(self.regions)) < 3:
            raise ValueError(f"health check regions {list(self.regions)}; fix: at least three distinct checker "
                             f"regions from {HEALTH_CHECK_REGIONS}")
        if self.search_string is not None and not 1 <= len(self.search_string) <= 255:
            raise ValueError(f"health check search_string of {len(self.search_string)} characters; fix: 1 to 255")


class EndpointHealthCheck(Construct):
    """Construct id 'health-check' is public."""

    def __init__(self, scope: Construct, id: str, props: EndpointHealthCheckProps) -> None:
        super().__init__(scope, id)
        self.health_check = Route53HealthCheck(
            self, "health-check", type="HTTPS_STR_MATCH" if props.search_string else "HTTPS", fqdn=props.fqdn,
            port=props.port, resource_path=props.resource_path, search_string=props.search_string,
            enable_sni=True, failure_threshold=props.failure_threshold,
            request_interval=props.request_interval_seconds, measure_latency=props.measure_latency,
            regions=list(props.regions))

    @property
    def id(self) -> str:
        """The health check's id (failover records, CloudWatch alarms in us-east-1)."""
        return self.health_check.id
