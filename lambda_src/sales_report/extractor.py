"""DataExtractor Lambda: aggregates yesterday's sales (in the shop's time zone) from the orders database.

Expected schema (``schema/postgres.sql`` and ``schema/mysql.sql`` are the exact DDL)::

    orders(id, placed_at, status, total_cents)
        placed_at    TIMESTAMP WITH TIME ZONE (PostgreSQL) / DATETIME holding UTC (MySQL, MariaDB)
        status       'paid' = a sale, 'refunded' = a sale later refunded, anything else is ignored
        total_cents  BIGINT, integer minor units
    order_items(order_id, item_name, quantity, unit_price_cents)

Environment: ``DB_ENGINE`` (postgres | mysql), ``DB_HOST``, ``DB_PORT`` (default 5432 / 3306), ``DB_NAME``,
``DB_SECRET_ARN`` (Secrets Manager JSON ``{"username", "password"}``, the RDS-managed master secret format),
``REPORT_TIME_ZONE`` (IANA name), optional ``DB_TLS`` (default true; verified TLS, never a silent
plaintext fallback), ``DB_CA_BUNDLE`` (PEM path for TLS, e.g. the RDS CA bundle shipped in the zip; default:
system trust store, which does not include the RDS CAs) and ``DB_TIMEOUT_SECONDS`` (default 20).

The event may carry ``{"report_date": "YYYY-MM-DD"}`` to re-run a given day; otherwise the report is for
yesterday in ``REPORT_TIME_ZONE``. The local day [00:00, next 00:00) is converted to a UTC window, so a
DST-change day is 23 or 25 hours long and every order lands on the local day and hour it was placed.

Definitions (all money in integer cents):
    orders               paid orders of the day
    refunds              orders of the day now 'refunded': count and amount
    gross_revenue_cents  paid + refunded totals (what was taken at the till)
    net_revenue_cents    gross minus refunds (= paid totals)
    average_order_cents  net / orders, rounded half up (0 on an empty day)
    top_items            up to 5 items of paid orders by revenue (ties: quantity, then name)
    by_hour              24 entries, local hour -> paid orders and their revenue (sums to net)
"""

from __future__ import annotations

import json
import logging
import os
import re
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import ReportError, log_error, log_event

FUNCTION_NAME = "extractor"
ENGINES = {"postgres": 5432, "mysql": 3306}
TOP_ITEMS = 5
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}

# Both drivers use the "format" paramstyle, so one parameterised SQL text serves both engines.
ORDERS_SQL = (
    "SELECT id, placed_at, status, total_cents FROM orders"
    " WHERE placed_at >= %s AND placed_at < %s AND status IN (%s, %s)"
    " ORDER BY placed_at, id"
)
TOP_ITEMS_SQL = (
    "SELECT oi.item_name, SUM(oi.quantity) AS item_quantity,"
    " SUM(oi.quantity * oi.unit_price_cents) AS item_revenue"
    " FROM order_items oi JOIN orders o ON o.id = oi.order_id"
    " WHERE o.placed_at >= %s AND o.placed_at < %s AND o.status = %s"
    " GROUP BY oi.item_name"
    " ORDER BY item_revenue DESC, item_quantity DESC, oi.item_name"
    " LIMIT %s"
)


class ConfigurationError(ReportError):
    """An environment variable or the event is missing or malformed."""


class SecretError(ReportError):
    """The database credentials secret cannot be read or is not ``{"username", "password"}`` JSON."""


class DatabaseConnectionError(ReportError):
    """The database refused or never answered the connection (network, TLS, authentication)."""


class QueryError(ReportError):
    """A query failed or returned something that is not integer money."""


@dataclass(frozen=True)
class Settings:
    """Everything the handler reads from the environment, validated once."""

    engine: str
    host: str
    port: int
    database: str
    secret_arn: str
    time_zone: ZoneInfo
    tls: bool = True
    ca_bundle: str | None = None
    timeout_seconds: float = 20.0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        def required(name: str) -> str:
            value = env.get(name, "").strip()
            if not value:
                raise ConfigurationError(f"environment variable {name} is not set")
            return value

        engine = required("DB_ENGINE").lower()
        if engine not in ENGINES:
            raise ConfigurationError(f"DB_ENGINE={engine!r} is not supported: use one of {sorted(ENGINES)}")
        port_text = env.get("DB_PORT", "").strip() or str(ENGINES[engine])
        try:
            port = int(port_text)
        except ValueError as exc:
            raise ConfigurationError(f"DB_PORT={port_text!r} is not a port number") from exc
        zone_name = required("REPORT_TIME_ZONE")
        try:
            zone = ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigurationError(f"REPORT_TIME_ZONE={zone_name!r} is not an IANA time zone") from exc
        tls_text = env.get("DB_TLS", "true").strip().lower()
        if tls_text not in _TRUE | _FALSE:
            raise ConfigurationError(f"DB_TLS={tls_text!r} must be true or false")
        timeout_text = env.get("DB_TIMEOUT_SECONDS", "").strip() or "20"
        try:
            timeout = float(timeout_text)
        except ValueError as exc:
            raise ConfigurationError(f"DB_TIMEOUT_SECONDS={timeout_text!r} is not a number") from exc
        return cls(
            engine=engine,
            host=required("DB_HOST"),
            port=port,
            database=required("DB_NAME"),
            secret_arn=required("DB_SECRET_ARN"),
            time_zone=zone,
            tls=tls_text in _TRUE,
            ca_bundle=env.get("DB_CA_BUNDLE", "").strip() or None,
            timeout_seconds=timeout,
        )

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str

    def __repr__(self) -> str:  # never print the password, even in a traceback's locals
        return f"Credentials(username={self.username!r}, password='***')"


class Cursor(Protocol):
    def execute(self, operation: str, args: Any = ...) -> Any: ...

    def fetchall(self) -> Any: ...


def yesterday(zone: ZoneInfo, now: datetime | None = None) -> date:
    """The calendar day before today *in the shop's zone* (not UTC's: a 01:00 run in Auckland differs)."""
    current = now if now is not None else datetime.now(timezone.utc)
    return current.astimezone(zone).date() - timedelta(days=1)


def day_window(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC [start, end) of the local calendar day; 23 h or 25 h long on DST-change days."""
    start = datetime.combine(day, time.min, tzinfo=zone).astimezone(timezone.utc)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone).astimezone(timezone.utc)
    return start, end


def report_date_from_event(event: Any, zone: ZoneInfo, now: datetime | None = None) -> date:
    """``event["report_date"]`` if given (re-runs), else yesterday in the report zone."""
    value = event.get("report_date") if isinstance(event, Mapping) else None
    if value is None:
        return yesterday(zone, now)
    if not isinstance(value, str) or not _DATE_RE.match(value):
        raise ConfigurationError(f"event report_date={value!r} is not a YYYY-MM-DD date")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ConfigurationError(f"event report_date={value!r} is not a valid date") from exc


def read_credentials(secret_arn: str, client: Any = None) -> Credentials:
    """Username and password from the Secrets Manager secret; errors name the secret, never its content."""
    import boto3  # provided by the Lambda runtime; imported here so pure helpers need no AWS SDK
    from botocore.exceptions import BotoCoreError, ClientError

    client = client if client is not None else boto3.client("secretsmanager")
    try:
        response = client.get_secret_value(SecretId=secret_arn)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "ClientError")
        if code == "ResourceNotFoundException":
            raise SecretError(f"database secret {secret_arn} does not exist") from exc
        raise SecretError(f"cannot read database secret {secret_arn}: {code}") from exc
    except BotoCoreError as exc:
        raise SecretError(f"cannot read database secret {secret_arn}: {exc}") from exc
    text = response.get("SecretString")
    if not text:
        raise SecretError(f"database secret {secret_arn} has no SecretString (binary secrets are not supported)")
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:  # its message has a position, not the secret text
        raise SecretError(f"database secret {secret_arn} is not JSON: {exc.msg}") from exc
    if not isinstance(payload, dict):
        raise SecretError(f"database secret {secret_arn} must be a JSON object with username and password")
    missing = [key for key in ("username", "password") if not isinstance(payload.get(key), str) or not payload[key]]
    if missing:
        raise SecretError(f"database secret {secret_arn} lacks {' and '.join(missing)}")
    return Credentials(username=payload["username"], password=payload["password"])


def _tls_context(settings: Settings) -> ssl.SSLContext | None:
    if not settings.tls:
        return None
    try:
        return ssl.create_default_context(cafile=settings.ca_bundle)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigurationError(f"DB_CA_BUNDLE={settings.ca_bundle!r} cannot be loaded: {exc}") from exc


def _driver_errors(engine: str) -> tuple[type[BaseException], ...]:
    """The driver's exception base (network failures surface as OSError from either driver too)."""
    if engine == "postgres":
        import pg8000.dbapi

        return (OSError, pg8000.dbapi.Error)
    import pymysql

    return (OSError, pymysql.MySQLError)


def describe_driver_error(error: BaseException) -> str:
    """pg8000 errors carry the server's fields as a dict; render them as 'message (SQLSTATE code)'."""
    fields = error.args[0] if error.args else None
    if isinstance(fields, dict) and "M" in fields:
        return f"{fields['M']} (SQLSTATE {fields.get('C', '?')})"
    return str(error)


def connect(settings: Settings, credentials: Credentials) -> Any:
    """A DB-API connection. Drivers are imported lazily: the report function's zip does not need them."""
    context = _tls_context(settings)
    where = f"{settings.engine} database {settings.database!r} at {settings.address} as {credentials.username!r}"
    errors = _driver_errors(settings.engine)
    try:
        if settings.engine == "postgres":
            import pg8000.dbapi

            return pg8000.dbapi.connect(
                user=credentials.username,
                password=credentials.password,
                host=settings.host,
                port=settings.port,
                database=settings.database,
                ssl_context=context,
                timeout=settings.timeout_seconds,
                application_name="sales-report-extractor",
            )
        import pymysql

        # An SSLContext makes PyMySQL *require* TLS; with no TLS options it would prefer TLS and fall back.
        tls_options: dict[str, Any] = {"ssl": context} if context is not None else {"ssl_disabled": True}
        return pymysql.connect(
            host=settings.host,
            port=settings.port,
            user=credentials.username,
            password=credentials.password,
            database=settings.database,
            connect_timeout=settings.timeout_seconds,
            read_timeout=settings.timeout_seconds,
            write_timeout=settings.timeout_seconds,
            charset="utf8mb4",
            init_command="SET time_zone = '+00:00'",
            **tls_options,
        )
    except errors as exc:
        raise DatabaseConnectionError(f"cannot connect to {where}: {describe_driver_error(exc)}") from exc


@contextmanager
def _cursor(connection: Any) -> Iterator[Cursor]:
    cursor = connection.cursor()
    try:
        yield cursor
    finally:
        cursor.close()


def _cents(value: Any, what: str) -> int:
    """Integer money from a driver value: int, or an integral Decimal (SUM() on MySQL/NUMERIC)."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise QueryError(f"{what} is {value!r}, expected an integer")
    if isinstance(value, Decimal) and value != value.to_integral_value():
        raise QueryError(f"{what} is {value}, expected whole cents")
    return int(value)


def _as_utc(value: Any) -> datetime:
    """timestamptz arrives aware; MySQL DATETIME arrives naive and, by the schema contract, is UTC."""
    if not isinstance(value, datetime):
        raise QueryError(f"orders.placed_at is {value!r}, expected a timestamp")
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def aggregate(cursor: Cursor, settings: Settings, report_date: date) -> dict[str, Any]:
    """Run the two queries for the day's UTC window and build the JSON-ready aggregates."""
    start, end = day_window(report_date, settings.time_zone)
    # MySQL DATETIME compares as naive wall-clock time in UTC; timestamptz takes the aware instant.
    bounds = (start, end) if settings.engine == "postgres" else (start.replace(tzinfo=None), end.replace(tzinfo=None))

    cursor.execute(ORDERS_SQL, (*bounds, "paid", "refunded"))
    rows = cursor.fetchall()
    cursor.execute(TOP_ITEMS_SQL, (*bounds, "paid", TOP_ITEMS))
    item_rows = cursor.fetchall()

    by_hour = [{"hour": hour, "orders": 0, "revenue_cents": 0} for hour in range(24)]
    paid_count = refund_count = paid_cents = refund_cents = 0
    for order_id, placed_at, status, total in rows:
        total_cents = _cents(total, f"orders.total_cents of order {order_id}")
        if status == "refunded":
            refund_count += 1
            refund_cents += total_cents
            continue
        paid_count += 1
        paid_cents += total_cents
        bucket = by_hour[_as_utc(placed_at).astimezone(settings.time_zone).hour]
        bucket["orders"] += 1
        bucket["revenue_cents"] += total_cents

    top_items = [
        {
            "name": str(name),
            "quantity": _cents(quantity, f"quantity of {name!r}"),
            "revenue_cents": _cents(revenue, f"revenue of {name!r}"),
        }
        for name, quantity, revenue in item_rows
    ]
    return {
        "report_date": report_date.isoformat(),
        "time_zone": settings.time_zone.key,
        "window_start_utc": start.isoformat(),
        "window_end_utc": end.isoformat(),
        "orders": paid_count,
        "refunds": {"count": refund_count, "amount_cents": refund_cents},
        "gross_revenue_cents": paid_cents + refund_cents,
        "net_revenue_cents": paid_cents,
        "average_order_cents": (paid_cents * 2 + paid_count) // (paid_count * 2) if paid_count else 0,
        "top_items": top_items,
        "by_hour": by_hour,
    }


def extract(settings: Settings, report_date: date, secrets_client: Any = None) -> dict[str, Any]:
    """Credentials -> connection -> aggregates; the connection is always closed."""
    credentials = read_credentials(settings.secret_arn, secrets_client)
    connection = connect(settings, credentials)
    try:
        with _cursor(connection) as cursor:
            try:
                return aggregate(cursor, settings, report_date)
            except _driver_errors(settings.engine) as exc:
                raise QueryError(
                    f"query for {report_date} on {settings.address} failed: {describe_driver_error(exc)}"
                ) from exc
    finally:
        try:
            connection.close()
        except _driver_errors(settings.engine) as exc:  # secondary: must not mask the result or the first error
            log_event(logging.WARNING, "sales_report_close_failed", error=describe_driver_error(exc))


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Lambda entry point (``sales_report.extractor.handler``)."""
    try:
        settings = Settings.from_env(os.environ)
        report_date = report_date_from_event(event, settings.time_zone)
        result = extract(settings, report_date)
    except Exception as error:  # logged as one JSON line, then re-raised: Lambda records the failure
        log_error(FUNCTION_NAME, error)
        raise
    log_event(
        logging.INFO,
        "sales_report_extracted",
        report_date=result["report_date"],
        time_zone=result["time_zone"],
        orders=result["orders"],
        net_revenue_cents=result["net_revenue_cents"],
    )
    return result
