"""The shared secret that proves a request came through our CloudFront distribution.

CloudFront adds it as a custom origin header; the load balancer forwards only requests carrying it
(everything else gets 403), and its WAF exempts only those requests from the per-IP rate limit, which
the edge's WAF applies to the real viewers. Without it the load balancer's public name is a way
around the edge WAF, and a forged Host header was enough to skip the rate limit.

The value is drawn once by Terraform's uuid() (122 random bits) and held in a built-in
`terraform_data` resource that ignores later draws: no extra provider, nothing literal in the JSON,
stable across plans. It lives in the (encrypted) state, as any CloudFront origin header does in the
distribution's configuration. Rotate it with `terraform apply -replace=<address>` on the compute
stack, then apply the edge stack at once: requests through CloudFront get 403 in between.

A load balancer that CloudFront may reach by the same origin name (a DR standby, where the origin's
DNS record fails over) must accept the same value: it adopts the drawing stack's secret
(OriginSecretProps.adopted_value, read from that stack's state) instead of drawing its own. Rotating
then means: replace on the drawing stack, apply each adopting stack, then the edge stack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdktf import DataResource, Fn, TerraformResourceLifecycle, Token
from constructs import Construct

ORIGIN_VERIFY_HEADER = "X-Origin-Verify"
"""Header carrying the secret from CloudFront to the load balancer."""
_HEADER_NAME = re.compile(r"^[A-Za-z0-9-]{1,40}$")


@dataclass(frozen=True)
class OriginSecretProps:
    header_name: str = ORIGIN_VERIFY_HEADER
    """Header CloudFront adds and the load balancer requires; not one CloudFront reserves (Host, X-Forwarded-*...)."""
    adopted_value: str | None = None
    """The value another stack drew, as a token (e.g. the primary compute stack's origin_verify_secret read
    through remote state), for a load balancer CloudFront may reach by the same origin name (a DR standby):
    no terraform_data is drawn then. Never a literal, which would sit in the synthesized JSON. Default None:
    draw a secret of this construct's own."""

    def __post_init__(self) -> None:
        if not _HEADER_NAME.fullmatch(self.header_name) or self.header_name.lower().startswith(
                ("x-forwarded-", "x-amz-", "x-edge-", "host")):
            raise ValueError(f"header_name {self.header_name!r}; fix: a custom header such as {ORIGIN_VERIFY_HEADER} "
                             "(letters, digits and '-'; not Host, X-Forwarded-*, X-Amz-* or X-Edge-*)")
        if self.adopted_value is not None and not Token.is_unresolved(self.adopted_value):
            raise ValueError("adopted_value is a literal; fix: pass a token (the drawing stack's origin_verify_secret "
                             "read through remote state) so the secret stays out of the synthesized JSON")


class OriginSecret(Construct):
    """Construct ids: 'value' (the terraform_data holding the secret; replace it to rotate), absent with
    an adopted_value."""

    def __init__(self, scope: Construct, id: str, props: OriginSecretProps | None = None) -> None:
        super().__init__(scope, id)
        self.props = props or OriginSecretProps()
        self.holder: DataResource | None = None
        if self.props.adopted_value is None:
            self.holder = DataResource(self, "value", input={"secret": "${uuid()}"},
                                       lifecycle=TerraformResourceLifecycle(ignore_changes=["input"]))

    @property
    def header_name(self) -> str:
        return self.props.header_name

    @property
    def value(self) -> str:
        """The secret (a token): the header's required value, drawn here or adopted."""
        if self.holder is None:
            assert self.props.adopted_value is not None
            return self.props.adopted_value
        return Fn.lookup(self.holder.output, "secret")
