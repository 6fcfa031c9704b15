from modules.dns.failover import FailoverAliasRecords, FailoverAliasRecordsProps, FailoverGate, FailoverGateProps
from modules.dns.records import (
    HEALTH_CHECK_REGIONS,
    AliasRecords,
    AliasRecordsProps,
    AliasTarget,
    EndpointHealthCheck,
    EndpointHealthCheckProps,
    HostedZone,
    HostedZoneProps,
    QueryLogging,
    alias_target,
    query_log_key_grant,
)

__all__ = [
    "HEALTH_CHECK_REGIONS",
    "AliasRecords",
    "AliasRecordsProps",
    "AliasTarget",
    "EndpointHealthCheck",
    "EndpointHealthCheckProps",
    "FailoverAliasRecords",
    "FailoverAliasRecordsProps",
    "FailoverGate",
    "FailoverGateProps",
    "HostedZone",
    "HostedZoneProps",
    "QueryLogging",
    "alias_target",
    "query_log_key_grant",
]
