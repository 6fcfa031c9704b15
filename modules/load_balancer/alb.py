"""The internet-facing Application Load Balancer: HTTPS with a DNS-validated certificate, HTTP only
redirecting to it, a target group per workload and listener rules by path and host (seed 002).

Secure settings are not options: invalid header fields are dropped, desync mitigation is
`strictest`, access logs go to an SSE-S3 bucket (the only encryption ALB log delivery supports),
the security group admits 80/443 from the internet and sends only to the workloads' ports.
Serving plain HTTP needs a recorded reason and is a development setting. Behind CloudFront
(origin_secret) the listener forwards only requests carrying CloudFront's secret header and answers
403 to the rest, so nobody goes around the edge's WAF by the load balancer's public name; only a
health-check path (health_check_path), asked by the load balancer's own DNS name as Route 53 does,
is served without it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cdktf import Token
from cdktf_cdktf_provider_aws.acm_certificate_validation import AcmCertificateValidation
from cdktf_cdktf_provider_aws.lb import Lb, LbAccessLogs
from cdktf_cdktf_provider_aws.lb_listener import (
    LbListener,
    LbListenerDefaultAction,
    LbListenerDefaultActionFixedResponse,
    LbListenerDefaultActionRedirect,
)
from cdktf_cdktf_provider_aws.lb_listener_rule import (
    LbListenerRule,
    LbListenerRuleAction,
    LbListenerRuleCondition,
    LbListenerRuleConditionHostHeader,
    LbListenerRuleConditionHttpHeader,
    LbListenerRuleConditionPathPattern,
)
from cdktf_cdktf_provider_aws.lb_target_group import LbTargetGroup, LbTargetGroupHealthCheck, LbTargetGroupStickiness
from cdktf_cdktf_provider_aws.security_group import SecurityGroup
from cdktf_cdktf_provider_aws.vpc_security_group_ingress_rule import VpcSecurityGroupIngressRule
from constructs import Construct

from modules.certificate import DnsValidatedCertificate, DnsValidatedCertificateProps
from modules.load_balancer.origin_verify import OriginSecret
from modules.load_balancer.stickiness import TargetStickiness
from modules.s3_bucket import SecureBucket

ANYWHERE = "0.0.0.0/0"
MAX_CONDITION_VALUES = 5  # ELB quota: condition values per listener rule
CATCH_ALL_PRIORITY = 50000  # the lowest priority ELB allows: evaluated after every route
HEALTH_CHECK_PRIORITY = CATCH_ALL_PRIORITY - 1
"""Of the health_check_path rule. No route can match its requests (they carry no secret, and their Host is the
load balancer's own name, never a direct host), so its place among the routes is irrelevant; only its number
must be free. Just before the catch-all it is, as long as routes stay below it (refused otherwise)."""


@dataclass(frozen=True)
class CertificateSpec:
    domain_name: str
    alternative_names: Sequence[str] = ()
    hosted_zone_id: str = ""
    """Route 53 zone the DNS validation records are written to."""


@dataclass(frozen=True)
class LoadBalancedTarget:
    port: int
    """Port of the workload (instances or tasks) behind the target group."""
    health_check_path: str = "/health"
    """A real endpoint that fails when the workload cannot serve (seed 002: touch the database)."""
    target_type: str = "instance"
    """'instance' for EC2 fleets, 'ip' for Fargate tasks."""
    stickiness: TargetStickiness | None = None
    """Send a client back to the target that served it (Socket.IO long-polling over several tasks). Default
    None: every request is balanced on its own, which spreads load best and suits stateless workloads."""

    def __post_init__(self) -> None:
        """Checks literal values only: a Terraform variable (a generated module's) is checked by its validation."""
        if not Token.is_unresolved(self.target_type) and self.target_type not in ("instance", "ip"):
            raise ValueError(f"target_type {self.target_type!r}; fix: 'instance' (EC2) or 'ip' (Fargate)")
        if not Token.is_unresolved(self.health_check_path) and not self.health_check_path.startswith("/"):
            raise ValueError(f"health_check_path {self.health_check_path!r}; fix: a path such as /health")


@dataclass(frozen=True)
class ListenerRoute:
    priority: int
    target: str
    paths: Sequence[str] = ()
    hosts: Sequence[str] = ()


@dataclass(frozen=True)
class PublicLoadBalancerProps:
    name: str
    """Load balancer name (at most 32 characters); target groups are named <name>-<target>."""
    vpc_id: str
    subnet_ids: Sequence[str]
    """Public subnets, one per AZ (at least two)."""
    targets: Mapping[str, LoadBalancedTarget]
    default_target: str
    log_bucket: SecureBucket
    """Bucket receiving access logs (see SecureBucketProps.load_balancer_log_writer)."""
    routes: Sequence[ListenerRoute] = ()
    certificate: CertificateSpec | None = None
    """None serves plain HTTP, which needs plain_http_reason."""
    plain_http_reason: str | None = None
    tls_policy: str = "ELBSecurityPolicy-TLS13-1-2-2021-06"
    idle_timeout_seconds: int = 60
    deletion_protection: bool = True
    deregistration_delay_seconds: int = 30
    origin_secret: OriginSecret | None = None
    """CloudFront in front: forward only requests carrying this secret header, answer 403 to the rest
    (default None: every request is served, the load balancer is the public endpoint)."""
    direct_hosts: Sequence[str] = ()
    """With origin_secret: host names served straight from the load balancer, not through CloudFront
    (e.g. an API host); the routes naming them need no secret. Only those routes serve them."""
    health_check_path: str | None = None
    """With origin_secret: a path also served without the secret (by default_target), for requests whose
    Host is the load balancer's own DNS name: what a Route 53 health check of it asks, and Route 53 cannot
    send custom headers (a DR failover gate checks the primary's load balancer by that name). A literal
    path such as /health; nothing else on that name is served. Default None: no such path."""
    tags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not Token.is_unresolved(self.name) and (len(self.name) > 32 - 1 - max(
                (len(t) for t in self.targets), default=0) or not re.fullmatch(r"[a-zA-Z0-9-]+", self.name)):
            raise ValueError(f"load balancer name {self.name!r} with target names {sorted(self.targets)} exceeds "
                             "ELB's 32 characters for target groups; fix: shorten the project or workload names")
        if self.default_target not in self.targets:
            raise ValueError(f"default_target {self.default_target!r} is not among targets {sorted(self.targets)}; "
                             "fix: name one of them")
        for route in self.routes:
            if route.target not in self.targets:
                raise ValueError(f"route {route.priority} targets {route.target!r}, not among "
                                 f"{sorted(self.targets)}; fix: add the target or correct the route")
        if self.certificate is None and not self.plain_http_reason:
            raise ValueError(f"load balancer {self.name!r} has no certificate; fix: pass certificate, or record "
                             "why plain HTTP is acceptable in plain_http_reason")
        if self.direct_hosts and self.origin_secret is None:
            raise ValueError(f"load balancer {self.name!r}: direct_hosts {list(self.direct_hosts)} without "
                             "origin_secret; fix: drop direct_hosts (every host is served directly) or pass the secret")
        self._check_health_check_path()
        direct = set(self.direct_hosts)
        for route in self.routes:
            if direct & set(route.hosts) and not set(route.hosts) <= direct:
                raise ValueError(f"route {route.priority} mixes direct hosts {sorted(direct & set(route.hosts))} with "
                                 f"hosts reached through CloudFront {sorted(set(route.hosts) - direct)}; fix: one "
                                 "route for each kind")
            needs_secret = self.origin_secret is not None and not (route.hosts and set(route.hosts) <= direct)
            values = len(route.paths) + len(route.hosts) + (1 if needs_secret else 0)
            if values > MAX_CONDITION_VALUES:
                raise ValueError(f"route {route.priority} has {values} condition values (paths {list(route.paths)}, "
                                 f"hosts {list(route.hosts)}{', the origin secret' if needs_secret else ''}); ELB "
                                 f"allows {MAX_CONDITION_VALUES}; fix: split it into routes with fewer values")
            if route.priority >= CATCH_ALL_PRIORITY:
                raise ValueError(f"route priority {route.priority}; fix: below {CATCH_ALL_PRIORITY}, which the "
                                 "catch-all rule takes")
            if self.health_check_path is not None and route.priority >= HEALTH_CHECK_PRIORITY:
                raise ValueError(f"route priority {route.priority} with health_check_path; fix: below "
                                 f"{HEALTH_CHECK_PRIORITY}, which the health-check rule takes")
        if not Token.is_unresolved(self.subnet_ids) and len(self.subnet_ids) < 2:
            raise ValueError(f"load balancer {self.name!r} needs subnets in at least two AZs; got {self.subnet_ids}; "
                             "fix: pass the public subnet of every AZ")

    def _check_health_check_path(self) -> None:
        """Served without the secret, the path must be exactly one: literal, as ELB's path patterns go."""
        path = self.health_check_path
        if path is None:
            return
        if self.origin_secret is None:
            raise ValueError(f"load balancer {self.name!r}: health_check_path {path!r} without origin_secret; fix: "
                             "drop health_check_path (without the secret every path is served already)")
        if not path.startswith("/") or len(path) > 128 or any(c in path for c in "*?"):
            raise ValueError(f"load balancer {self.name!r}: health_check_path {path!r}; fix: a literal path such as "
                             "/health, starting with '/', at most 128 characters, without '*' or '?' (ELB reads them "
                             "as wildcards, which would serve more than the one path without the secret)")


class PublicLoadBalancer(Construct):
    def __init__(self, scope: Construct, id: str, props: PublicLoadBalancerProps) -> None:
        super().__init__(scope, id)
        self.props = props
        self.security_group = SecurityGroup(
            self, "security-group", name=f"{props.name}-lb", vpc_id=props.vpc_id, revoke_rules_on_delete=True,
            description="Internet-facing load balancer: 80/443 in, workload ports out")
        listen_ports = (443, 80) if props.certificate else (80,)
        for port in listen_ports:
            VpcSecurityGroupIngressRule(
                self, f"ingress-{port}", security_group_id=self.security_group.id, ip_protocol="tcp",
                from_port=port, to_port=port, cidr_ipv4=ANYWHERE,
                description="HTTPS from the internet" if port == 443 else
                ("HTTP from the internet, redirected to HTTPS" if props.certificate else "HTTP from the internet"))
        self.load_balancer = Lb(
            self, "load-balancer", name=props.name, internal=False, load_balancer_type="application",
            security_groups=[self.security_group.id], subnets=list(props.subnet_ids),
            drop_invalid_header_fields=True, desync_mitigation_mode="strictest",
            enable_deletion_protection=props.deletion_protection, idle_timeout=props.idle_timeout_seconds,
            enable_http2=True,
            access_logs=LbAccessLogs(bucket=props.log_bucket.name, prefix="", enabled=True),
            depends_on=[props.log_bucket.policy])  # ELB tests delivery when logging is switched on
        self.target_groups = {name: self._target_group(name, target) for name, target in props.targets.items()}
        default_group = self.target_groups[props.default_target]
        forward = [LbListenerDefaultAction(type="forward", target_group_arn=default_group.arn)]
        secret = props.origin_secret
        if secret is not None:  # the default target is reached through the catch-all rule, with the secret
            forward = [LbListenerDefaultAction(type="fixed-response", fixed_response=(
                LbListenerDefaultActionFixedResponse(content_type="text/plain", status_code="403",
                                                     message_body="Forbidden")))]
        self.certificate_validation: AcmCertificateValidation | None = None
        if props.certificate:
            certificate_arn = self._certificate(props.certificate)
            self.listener = LbListener(
                self, "https-listener", load_balancer_arn=self.load_balancer.arn, port=443, protocol="HTTPS",
                ssl_policy=props.tls_policy, certificate_arn=certificate_arn, default_action=forward)
            self.http_listener = LbListener(
                self, "http-redirect-listener", load_balancer_arn=self.load_balancer.arn, port=80, protocol="HTTP",
                default_action=[LbListenerDefaultAction(type="redirect", redirect=LbListenerDefaultActionRedirect(
                    port="443", protocol="HTTPS", status_code="HTTP_301"))])
        else:
            self.listener = LbListener(self, "http-listener", load_balancer_arn=self.load_balancer.arn, port=80,
                                       protocol="HTTP", default_action=forward)
            self.http_listener = self.listener
        for route in sorted(props.routes, key=lambda r: r.priority):
            conditions = []
            if route.paths:
                conditions.append(LbListenerRuleCondition(
                    path_pattern=LbListenerRuleConditionPathPattern(values=list(route.paths))))
            if route.hosts:
                conditions.append(LbListenerRuleCondition(
                    host_header=LbListenerRuleConditionHostHeader(values=list(route.hosts))))
            if secret is not None and not (route.hosts and set(route.hosts) <= set(props.direct_hosts)):
                conditions.append(self._secret_condition(secret))
            LbListenerRule(self, f"route-{route.priority}", listener_arn=self.listener.arn, priority=route.priority,
                           condition=conditions, action=[LbListenerRuleAction(
                               type="forward", target_group_arn=self.target_groups[route.target].arn)])
        if secret is not None and props.health_check_path is not None:
            LbListenerRule(self, "health-check-path", listener_arn=self.listener.arn, priority=HEALTH_CHECK_PRIORITY,
                           condition=[
                               LbListenerRuleCondition(host_header=LbListenerRuleConditionHostHeader(
                                   values=[self.load_balancer.dns_name])),
                               LbListenerRuleCondition(path_pattern=LbListenerRuleConditionPathPattern(
                                   values=[props.health_check_path]))],
                           action=[LbListenerRuleAction(type="forward", target_group_arn=default_group.arn)])
        if secret is not None:
            LbListenerRule(self, "through-cloudfront", listener_arn=self.listener.arn, priority=CATCH_ALL_PRIORITY,
                           condition=[self._secret_condition(secret)], action=[LbListenerRuleAction(
                               type="forward", target_group_arn=default_group.arn)])

    @staticmethod
    def _secret_condition(secret: OriginSecret) -> LbListenerRuleCondition:
        return LbListenerRuleCondition(http_header=LbListenerRuleConditionHttpHeader(
            http_header_name=secret.header_name, values=[secret.value]))

    def _target_group(self, name: str, target: LoadBalancedTarget) -> LbTargetGroup:
        return LbTargetGroup(
            self, f"target-{name}", name=f"{self.props.name}-{name}", port=target.port, protocol="HTTP",
            vpc_id=self.props.vpc_id, target_type=target.target_type,
            deregistration_delay=str(self.props.deregistration_delay_seconds),
            health_check=LbTargetGroupHealthCheck(
                enabled=True, path=target.health_check_path, protocol="HTTP", port="traffic-port", matcher="200",
                interval=15, timeout=5, healthy_threshold=2, unhealthy_threshold=3),
            stickiness=self._stickiness(target.stickiness))

    @staticmethod
    def _stickiness(spec: TargetStickiness | None) -> LbTargetGroupStickiness | None:
        if spec is None:
            return None
        return LbTargetGroupStickiness(enabled=True, type=spec.type, cookie_duration=spec.duration_seconds,
                                       cookie_name=spec.cookie_name)

    def _certificate(self, spec: CertificateSpec) -> str:
        # 'Default' is left out of resource addresses: the certificate, its records and its validation keep
        # the addresses they had when this construct created them itself (no state moves).
        certificate = DnsValidatedCertificate(self, "Default", DnsValidatedCertificateProps(
            domain_name=spec.domain_name, alternative_names=spec.alternative_names,
            hosted_zone_id=spec.hosted_zone_id))
        self.certificate_validation = certificate.validation
        return certificate.arn

    @property
    def security_group_id(self) -> str:
        return self.security_group.id

    @property
    def arn(self) -> str:
        return self.load_balancer.arn

    def target_port(self, target: str) -> int:
        return self.props.targets[target].port
