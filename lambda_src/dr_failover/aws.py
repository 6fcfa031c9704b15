"""boto3 clients per service and region, created on first use and reused for the rest of the run.

Clients are plain ``boto3.client(service, region_name=...)``: ``AWS_ENDPOINT_URL`` (an emulator) and the
Lambda role's credentials apply as usual. Route 53 is global; its API is served from us-east-1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

ROUTE53_REGION = "us-east-1"

# Error codes that say "this does not exist / you may not": retrying as things are cannot succeed.
NOT_RETRIABLE_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "AuthorizationError",
        "InvalidClientTokenId",
        "DBInstanceNotFound",
        "DBInstanceNotFoundFault",
        "DBClusterNotFoundFault",
        "GlobalClusterNotFoundFault",
        "ParameterNotFound",
        "NoSuchHealthCheck",
        "NoSuchHostedZone",
        "TargetGroupNotFound",
        "TargetGroupNotFoundException",
        "ClusterNotFoundException",
        "ServiceNotFoundException",
        "ServiceNotActiveException",
        "NotFound",
        "InvalidParameterValue",
        "InvalidParameterCombination",
        "InvalidInput",
        "ValidationError",
        "ValidationException",
    }
)


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", "ClientError"))


def is_retriable(error: BaseException) -> bool:
    """Throttling, 5xx, timeouts and connection errors are worth retrying; missing things and denials are not."""
    if isinstance(error, ClientError):
        return error_code(error) not in NOT_RETRIABLE_CODES
    return isinstance(error, BotoCoreError)


def describe_error(error: BaseException) -> str:
    """``RDS DescribeDBInstances: DBInstanceNotFound: DBInstance x not found.`` for a timeline line."""
    if isinstance(error, ClientError):
        message = error.response.get("Error", {}).get("Message", "")
        return f"{error.operation_name}: {error_code(error)}: {message}".rstrip(": ")
    return f"{type(error).__name__}: {error}"


class AwsClients:
    """Lazily created clients keyed by (service, region)."""

    def __init__(self, factory: Callable[..., Any] | None = None) -> None:
        if factory is None:
            import boto3

            factory = boto3.client
        self._factory = factory
        self._clients: dict[tuple[str, str], Any] = {}

    def get(self, service: str, region: str) -> Any:
        key = (service, region)
        if key not in self._clients:
            self._clients[key] = self._factory(service, region_name=region)
        return self._clients[key]

    def route53(self) -> Any:
        return self.get("route53", ROUTE53_REGION)
