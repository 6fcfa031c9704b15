"""What differs between database engines, in one table: ports, parameter families, the parameter that
forces TLS, log exports, proxy engine families."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Engine:
    port: int
    tls_parameter: tuple[str, str]
    """The parameter (name, value) that refuses unencrypted connections."""
    log_exports: tuple[str, ...]
    """CloudWatch log exports RDS supports for the engine without extra option groups."""
    proxy_family: str
    extra_parameters: tuple[tuple[str, str], ...] = ()
    """Logging parameters: queries slower than 1 s, DDL statements and connections are recorded."""

    def family(self, version: str) -> str:
        raise NotImplementedError


class _MySql(Engine):
    def family(self, version: str) -> str:
        return f"mysql{'.'.join(version.split('.')[:2])}"


class _Postgres(Engine):
    def family(self, version: str) -> str:
        return f"postgres{version.split('.')[0]}"


class _AuroraMySql(Engine):
    def family(self, version: str) -> str:
        return f"aurora-mysql{version.split('.mysql_aurora')[0]}"


class _AuroraPostgres(Engine):
    def family(self, version: str) -> str:
        return f"aurora-postgresql{version.split('.')[0]}"


_MYSQL_LOGGING = (("slow_query_log", "1"), ("long_query_time", "1"), ("log_output", "FILE"))
_POSTGRES_LOGGING = (("log_statement", "ddl"), ("log_min_duration_statement", "1000"), ("log_connections", "1"))

ENGINES: dict[str, Engine] = {
    "mysql": _MySql(3306, ("require_secure_transport", "1"), ("error", "general", "slowquery"), "MYSQL",
                    _MYSQL_LOGGING),
    "postgres": _Postgres(5432, ("rds.force_ssl", "1"), ("postgresql", "upgrade"), "POSTGRESQL", _POSTGRES_LOGGING),
    "aurora-mysql": _AuroraMySql(3306, ("require_secure_transport", "ON"), ("audit", "error", "general", "slowquery"),
                                 "MYSQL", (*_MYSQL_LOGGING, ("server_audit_logging", "1"),
                                           ("server_audit_events", "CONNECT,QUERY_DCL,QUERY_DDL"))),
    "aurora-postgresql": _AuroraPostgres(5432, ("rds.force_ssl", "1"), ("postgresql",), "POSTGRESQL",
                                         _POSTGRES_LOGGING),
}


def engine(name: str) -> Engine:
    if name not in ENGINES:
        raise ValueError(f"engine {name!r} is not supported; fix: use one of {sorted(ENGINES)}")
    return ENGINES[name]
