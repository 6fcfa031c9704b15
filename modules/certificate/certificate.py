"""An ACM certificate validated through Route 53: the certificate, one validation record per domain
name, and the wait for ACM to issue it, so whatever uses `arn` gets an issued certificate.

CloudFront only accepts certificates from us-east-1: pass a provider aliased to that region there.
A load balancer uses one from its own region (the default provider).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import TerraformIterator, TerraformProvider, Token
from cdktf_cdktf_provider_aws.acm_certificate import AcmCertificate
from cdktf_cdktf_provider_aws.acm_certificate_validation import AcmCertificateValidation
from cdktf_cdktf_provider_aws.route53_record import Route53Record
from constructs import Construct

from modules.tokens import is_list_variable

DOMAIN = re.compile(r"(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}")
MAX_NAMES = 10
"""ACM's default quota of domain names per certificate (the name plus its alternative names)."""


@dataclass(frozen=True)
class DnsValidatedCertificateProps:
    domain_name: str
    """The certificate's name, e.g. 'shop.example.com' (lower case, no trailing dot; '*.' allowed)."""
    hosted_zone_id: str
    """Route 53 zone the validation records are written to; it must be authoritative for every name."""
    alternative_names: Sequence[str] = ()
    """Further names (SANs), e.g. ('www.shop.example.com',); named rather than a wildcard, so the
    certificate serves exactly the hosts we run."""
    provider: TerraformProvider | None = None
    """Provider (region) of the certificate and its records; a us-east-1 alias for CloudFront.
    Default the stack's default AWS provider (a load balancer's region)."""

    def __post_init__(self) -> None:
        # a Terraform list variable (a generated module's) is checked by its validation, not here
        alternatives = [] if is_list_variable(self.alternative_names) else list(self.alternative_names)
        names = [self.domain_name, *alternatives]
        for name in names:
            if not Token.is_unresolved(name) and not DOMAIN.fullmatch(name):
                raise ValueError(f"certificate name {name!r} is not a domain name; fix: lower-case labels such as "
                                 "'shop.example.com' or '*.shop.example.com', without a trailing dot")
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"certificate {self.domain_name!r} names {repeated} more than once; fix: list each "
                             "name once (alternative_names must not repeat domain_name)")
        if len(names) > MAX_NAMES:
            raise ValueError(f"certificate {self.domain_name!r} has {len(names)} names; fix: at most {MAX_NAMES} "
                             "(ACM's default quota), or split it")
        if not self.hosted_zone_id:
            raise ValueError(f"certificate {self.domain_name!r} has no hosted_zone_id; fix: pass the Route 53 zone "
                             "that serves its names, where the validation records go")


class DnsValidatedCertificate(Construct):
    """Construct ids 'certificate', 'certificate-validation-record' and 'certificate-validation' are
    public: PublicLoadBalancer creates this construct as its 'Default' child so the resource addresses
    it had before this construct existed stay the same."""

    def __init__(self, scope: Construct, id: str, props: DnsValidatedCertificateProps) -> None:
        super().__init__(scope, id)
        self.props = props
        where = {"provider": props.provider}
        self.certificate = AcmCertificate(
            self, "certificate", domain_name=props.domain_name,
            subject_alternative_names=list(props.alternative_names) or None, validation_method="DNS",
            lifecycle={"create_before_destroy": True}, **where)
        options = TerraformIterator.from_complex_list(self.certificate.domain_validation_options, "domain_name")
        self.validation_records = Route53Record(
            self, "certificate-validation-record", for_each=options, zone_id=props.hosted_zone_id,
            name=options.get_string("resource_record_name"), type=options.get_string("resource_record_type"),
            records=[options.get_string("resource_record_value")], ttl=300, allow_overwrite=True, **where)
        # Iterate the set itself: tolist() over a set of partly unknown objects hides the keys until apply,
        # while the domain names (the keys) are known at plan time.
        self.validation_records.add_override(
            "for_each", "${{ for option in %s.domain_validation_options : "
                        "option.domain_name => option }}" % self.certificate.fqn)
        self.validation = AcmCertificateValidation(
            self, "certificate-validation", certificate_arn=self.certificate.arn,
            depends_on=[self.validation_records], **where)

    @property
    def arn(self) -> str:
        """ARN of the certificate once ACM has issued it (read through the validation, so users wait)."""
        return self.validation.certificate_arn
