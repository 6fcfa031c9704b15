"""What differs between database engines, in one table: ports, parameter families, the parameter that
forces TLS, logging parameters, CloudWatch log exports, RDS Proxy settings, and where Performance
Insights is available. Every construct of this package reads engine facts from here only."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdktf import Fn, Token

IDENTIFIER = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
"""RDS identifiers and group names: lower-case letters, digits and single hyphens, starting with a letter."""
SQL_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
MONITORING_INTERVALS = (1, 5, 10, 15, 30, 60)
STATIC_PARAMETERS = frozenset({"rds.force_ssl"})
"""Parameters applied with 'pending-reboot'. rds.force_ssl was static before PostgreSQL 15 and RDS
refuses 'immediate' for a static parameter, while 'pending-reboot' is accepted for dynamic ones too;
the group is attached at creation, so the value is in force from the first boot either way."""
_NO_PERFORMANCE_INSIGHTS = {
    # AWS: RDS for MySQL/MariaDB and Aurora MySQL refuse Performance Insights on these classes
    # ("InvalidParameterCombination"); PostgreSQL supports every class.
    "mysql": re.compile(r"^db\.(t2|t3|t4g)\.(micro|small)$"),
    "aurora-mysql": re.compile(r"^db\.(t2\.|t3\.|t4g\.(micro|small)$)"),
}


@dataclass(frozen=True)
class Engine:
    name: str
    port: int
    family_prefix: str
    family_version_parts: int
    """How many dot-separated leading parts of the version name the parameter family (8.0 -> mysql8.0)."""
    tls_parameter: tuple[str, str]
    """The parameter (name, value) that refuses unencrypted connections."""
    log_exports: tuple[str, ...]
    """CloudWatch log exports RDS supports for the engine without an extra option group."""
    proxy_family: str | None
    """RDS Proxy engine family; None where RDS Proxy cannot front the engine."""
    proxy_client_auth: str | None
    """How clients authenticate to the proxy: the engine's strongest scheme (also AWS's default)."""
    logging_parameters: tuple[tuple[str, str], ...] = ()
    """Slow queries (over 1 s) always; DDL and connections where the engine can log them cheaply."""

    def family(self, version: str) -> str:
        """Parameter group family of an engine version: mysql8.0, postgres16, aurora-mysql8.0, aurora-postgresql16.
        A Terraform variable's version (the generated HCL modules) is split the same way by Terraform."""
        if Token.is_unresolved(version):
            leading = Token.as_list(Fn.slice(Fn.split(".", version), 0, self.family_version_parts))
            return self.family_prefix + Fn.join(".", leading)
        base = version.split(".mysql_aurora")[0]
        return self.family_prefix + ".".join(base.split(".")[: self.family_version_parts])

    @property
    def parameters(self) -> tuple[tuple[str, str], ...]:
        return (self.tls_parameter, *self.logging_parameters)

    def supports_performance_insights(self, instance_class: str) -> bool:
        pattern = _NO_PERFORMANCE_INSIGHTS.get(self.name)
        return not (pattern and pattern.match(instance_class))


def parameter_group_name(identifier: str, family: str) -> str:
    """'<identifier>-<family>' with the family's dots as hyphens (group names allow none): a major upgrade's new
    family gets a new group. A Terraform expression's family (the generated HCL modules) is rewritten by Terraform."""
    suffix = Fn.replace(family, ".", "-") if Token.is_unresolved(family) else family.replace(".", "-")
    return f"{identifier}-{suffix}"


def apply_method(parameter: str) -> str:
    return "pending-reboot" if parameter in STATIC_PARAMETERS else "immediate"


_MYSQL_LOGGING = (("slow_query_log", "1"), ("long_query_time", "1"), ("log_output", "FILE"))
"""log_output FILE is what RDS exports to CloudWatch; general_log stays off (it records every statement):
the 'general' export then carries nothing until an operator turns general_log on to debug."""
_POSTGRES_LOGGING = (("log_statement", "ddl"), ("log_min_duration_statement", "1000"), ("log_connections", "1"),
                     ("log_disconnections", "1"))
"""checkov CKV2_AWS_30 / CKV2_AWS_27 want log_statement and log_min_duration_statement set. 'ddl' records
schema changes (who dropped the table) without the cost and data exposure of 'all'."""
_AURORA_MYSQL_AUDIT = (("server_audit_logging", "1"), ("server_audit_events", "CONNECT,QUERY_DCL,QUERY_DDL"))
"""Aurora MySQL Advanced Auditing: logins, grants and schema changes, exported as the 'audit' log."""

ENGINES: dict[str, Engine] = {e.name: e for e in (
    Engine("mysql", 3306, "mysql", 2, ("require_secure_transport", "1"), ("error", "general", "slowquery"),
           "MYSQL", "MYSQL_CACHING_SHA2_PASSWORD", _MYSQL_LOGGING),
    Engine("postgres", 5432, "postgres", 1, ("rds.force_ssl", "1"), ("postgresql", "upgrade"),
           "POSTGRESQL", "POSTGRES_SCRAM_SHA_256", _POSTGRES_LOGGING),
    Engine("aurora-mysql", 3306, "aurora-mysql", 2, ("require_secure_transport", "ON"),
           ("audit", "error", "general", "slowquery"), "MYSQL", "MYSQL_CACHING_SHA2_PASSWORD",
           (*_MYSQL_LOGGING, *_AURORA_MYSQL_AUDIT)),
    Engine("aurora-postgresql", 5432, "aurora-postgresql", 1, ("rds.force_ssl", "1"), ("postgresql",),
           "POSTGRESQL", "POSTGRES_SCRAM_SHA_256", _POSTGRES_LOGGING),
)}


def engine(name: str) -> Engine:
    if name not in ENGINES:
        raise ValueError(f"engine {name!r} is not supported; fix: use one of {sorted(ENGINES)}")
    return ENGINES[name]


def check_identifier(kind: str, value: str, max_length: int = 63) -> None:
    """RDS naming rules, checked before AWS refuses the name minutes into an apply. A Terraform variable's
    value (the generated HCL modules) is checked by the variable's validation instead, as in every check here."""
    if Token.is_unresolved(value):
        return
    if not (IDENTIFIER.match(value) and len(value) <= max_length):
        raise ValueError(f"{kind} {value!r} is not a valid RDS identifier; fix: 1-{max_length} lower-case letters, "
                         "digits and single hyphens, starting with a letter and not ending with a hyphen")


def check_sql_name(kind: str, owner: str, value: str, max_length: int) -> None:
    if Token.is_unresolved(value):
        return
    if not (SQL_NAME.match(value) and len(value) <= max_length):
        raise ValueError(f"{owner!r}: {kind} {value!r}; fix: 1-{max_length} letters, digits or underscores, "
                         "starting with a letter")


def check_monitoring(owner: str, interval: int, retention_days: int) -> None:
    if not Token.is_unresolved(interval) and interval not in MONITORING_INTERVALS:
        raise ValueError(f"{owner!r}: monitoring_interval_seconds={interval}; fix: use one of {MONITORING_INTERVALS} "
                         "(enhanced monitoring stays on)")
    if Token.is_unresolved(retention_days):
        return
    if retention_days != 7 and (retention_days % 31 or not 31 <= retention_days <= 731):
        raise ValueError(f"{owner!r}: performance_insights_retention_days={retention_days}; fix: 7 (free tier) or a "
                         "multiple of 31 up to 731")


def check_backup_retention(owner: str, days: int) -> None:
    if Token.is_unresolved(days):
        return
    if not 7 <= days <= 35:
        raise ValueError(f"{owner!r}: backup_retention_days={days}; fix: use 7 to 35 (a week of point-in-time "
                         "recovery at least; AWS allows at most 35)")
