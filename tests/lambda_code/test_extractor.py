"""DataExtractor against real PostgreSQL and MariaDB servers, with its secret in moto's Secrets Manager."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest

from lambda_src.sales_report import ReportError, extractor
from lambda_src.sales_report.extractor import (
    ConfigurationError,
    DatabaseConnectionError,
    QueryError,
    SecretError,
    Settings,
)
from tests.lambda_code.conftest import EMPTY_DATABASE, ENGINES, Database, free_port

# Both servers on one xdist worker: each extra worker would otherwise start its own pair.
pytestmark = pytest.mark.xdist_group("lambda-code-databases")

LONDON = "Europe/London"

Run = Callable[..., dict[str, Any]]


def hours(**buckets: tuple[int, int]) -> list[dict[str, int]]:
    """by_hour with the given ``h<hour>=(orders, revenue_cents)`` buckets and zeros elsewhere."""
    result = [{"hour": hour, "orders": 0, "revenue_cents": 0} for hour in range(24)]
    for key, (orders, revenue) in buckets.items():
        result[int(key[1:])].update(orders=orders, revenue_cents=revenue)
    return result


def item(name: str, quantity: int, revenue_cents: int) -> dict[str, Any]:
    return {"name": name, "quantity": quantity, "revenue_cents": revenue_cents}


def error_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [
        json.loads(record.getMessage())
        for record in caplog.records
        if record.name == "sales_report" and record.levelno == logging.ERROR
    ]


@pytest.fixture
def secret_arn(aws: None) -> str:
    return secret_for(username="unused", password="unused")


def secret_for(**payload: str) -> str:
    name = f"rds-db-{uuid.uuid4().hex[:8]}"  # RDS-managed secrets are named rds!db-<id>; '!' is reserved
    return str(boto3.client("secretsmanager").create_secret(Name=name, SecretString=json.dumps(payload))["ARN"])


@pytest.fixture
def run(database: Database, aws: None, monkeypatch: pytest.MonkeyPatch) -> Run:
    """Call the real handler with the environment Terraform would set, pointing at the seeded server."""
    arn = secret_for(username=database.username, password=database.password)
    monkeypatch.setenv("DB_ENGINE", database.engine)
    monkeypatch.setenv("DB_HOST", database.host)
    monkeypatch.setenv("DB_PORT", str(database.port))
    monkeypatch.setenv("DB_NAME", database.name)
    monkeypatch.setenv("DB_SECRET_ARN", arn)
    monkeypatch.setenv("REPORT_TIME_ZONE", LONDON)
    monkeypatch.setenv("DB_TLS", "false")
    monkeypatch.setenv("DB_TIMEOUT_SECONDS", "10")

    def invoke(report_date: str, **env: str) -> dict[str, Any]:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return extractor.handler({"report_date": report_date}, None)

    return invoke


# ------------------------------------------------------------------ aggregates on real data


def test_normal_day_exact_aggregates(run: Run) -> None:
    """The 00:30 local order (23:30 UTC the day before) counts; the day before's 23:30 order does not."""
    assert run("2026-07-15") == {
        "report_date": "2026-07-15",
        "time_zone": LONDON,
        "window_start_utc": "2026-07-14T23:00:00+00:00",
        "window_end_utc": "2026-07-15T23:00:00+00:00",
        "orders": 7,
        "refunds": {"count": 0, "amount_cents": 0},
        "gross_revenue_cents": 6930,
        "net_revenue_cents": 6930,
        "average_order_cents": 990,
        "top_items": [
            item("Flat white", 6, 2040),
            item("Avocado toast", 2, 1700),
            item("Latte", 3, 1080),
            item("Croissant", 3, 825),
            item("Hot chocolate", 1, 400),
        ],  # Banana bread 325, Cortado 310 and Tea 250 fall outside the top 5
        "by_hour": hours(h0=(1, 680), h7=(2, 1575), h8=(1, 1295), h12=(1, 2420), h15=(1, 560), h23=(1, 400)),
    }


def test_refund_day(run: Run) -> None:
    """Refunded orders count as refunds only; cancelled and pending orders are ignored; revenue ties by quantity."""
    result = run("2026-07-16")
    assert result["orders"] == 3
    assert result["refunds"] == {"count": 2, "amount_cents": 1210 + 340}
    assert result["gross_revenue_cents"] == 2215 + 1550
    assert result["net_revenue_cents"] == 2215
    assert result["average_order_cents"] == 738  # 2215 / 3 = 738.33
    assert result["top_items"] == [
        item("Scone", 4, 720),
        item("Latte", 2, 720),
        item("Espresso", 2, 500),
        item("Croissant", 1, 275),
    ]  # the refunded order's Avocado toast and the cancelled/pending Cake are not sales
    assert result["by_hour"] == hours(h0=(1, 500), h9=(1, 995), h10=(1, 720))


def test_empty_day_is_zeros_not_an_error(run: Run) -> None:
    result = run("2026-07-20")
    assert result["orders"] == 0
    assert result["refunds"] == {"count": 0, "amount_cents": 0}
    assert (result["gross_revenue_cents"], result["net_revenue_cents"], result["average_order_cents"]) == (0, 0, 0)
    assert result["top_items"] == []
    assert result["by_hour"] == hours()


@pytest.mark.parametrize(
    ("report_date", "expected_hour"),
    [
        ("2026-07-19", 23),  # 23:59:59 local, one second before the empty day starts
        ("2026-07-21", 0),  # exactly 00:00:00 local: the window start is inclusive
        ("2026-07-14", 23),  # 23:30 local, 22:30 UTC
    ],
)
def test_orders_at_day_boundaries_land_on_their_local_day(run: Run, report_date: str, expected_hour: int) -> None:
    result = run(report_date)
    assert result["orders"] == 1
    busy = [bucket["hour"] for bucket in result["by_hour"] if bucket["orders"]]
    assert busy == [expected_hour]


def test_same_data_in_utc_moves_the_late_orders(run: Run) -> None:
    """The zone decides the day: in UTC the 15 July window loses 00:30 BST and gains 16 July 00:30 BST."""
    result = run("2026-07-15", REPORT_TIME_ZONE="UTC")
    assert result["window_start_utc"] == "2026-07-15T00:00:00+00:00"
    assert result["orders"] == 7
    assert result["net_revenue_cents"] == 6930 - 680 + 500
    assert [bucket["hour"] for bucket in result["by_hour"] if bucket["orders"]] == [6, 7, 11, 14, 22, 23]


def test_dst_fall_back_day_has_25_hours_and_two_local_one_oclocks(run: Run) -> None:
    result = run("2026-10-25")
    assert (result["window_start_utc"], result["window_end_utc"]) == (
        "2026-10-24T23:00:00+00:00",
        "2026-10-26T00:00:00+00:00",
    )
    assert result["orders"] == 4
    assert result["net_revenue_cents"] == 340 + 360 + 360 + 250
    assert result["average_order_cents"] == 328  # 1310 / 4 = 327.5, rounded half up
    assert result["by_hour"] == hours(h0=(1, 340), h1=(2, 720), h23=(1, 250))


def test_dst_spring_forward_day_has_23_hours_and_no_local_one_oclock(run: Run) -> None:
    result = run("2026-03-29")
    assert (result["window_start_utc"], result["window_end_utc"]) == (
        "2026-03-29T00:00:00+00:00",
        "2026-03-29T23:00:00+00:00",
    )
    assert result["orders"] == 3
    assert result["net_revenue_cents"] == 250 + 360 + 250
    assert result["by_hour"] == hours(h0=(1, 250), h2=(1, 360), h23=(1, 250))


def test_result_is_json_with_integer_money_only(run: Run) -> None:
    result = run("2026-07-16")

    def walk(value: Any) -> None:
        assert not isinstance(value, float), value
        if isinstance(value, dict):
            for child in value.values():
                walk(child)
        elif isinstance(value, list):
            for child in value:
                walk(child)

    walk(result)
    assert json.loads(json.dumps(result)) == result


def test_success_is_logged_as_json(run: Run, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="sales_report")
    run("2026-07-15")
    lines = [json.loads(record.getMessage()) for record in caplog.records if record.name == "sales_report"]
    assert {"event": "sales_report_extracted", "report_date": "2026-07-15", "orders": 7}.items() <= lines[-1].items()


# ------------------------------------------------------------------ failures against real servers


def test_wrong_password_raises_connection_error(
    database: Database, run: Run, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DB_SECRET_ARN", secret_for(username=database.username, password="not-the-password"))
    with pytest.raises(DatabaseConnectionError) as raised:
        run("2026-07-15")
    assert f"{database.host}:{database.port}" in str(raised.value)
    assert "not-the-password" not in str(raised.value)
    assert raised.value.__cause__ is not None
    [line] = error_lines(caplog)
    assert line["error_type"] == "DatabaseConnectionError"
    assert line["function"] == "extractor"


def test_tls_required_but_not_offered_fails_instead_of_falling_back(run: Run) -> None:
    """The test servers have no TLS: with DB_TLS=true the drivers must refuse, not silently go plaintext."""
    with pytest.raises(DatabaseConnectionError, match="SSL"):
        run("2026-07-15", DB_TLS="true")


def test_missing_tables_raise_query_error(database: Database, run: Run, caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(QueryError) as raised:
        run("2026-07-15", DB_NAME=EMPTY_DATABASE)
    assert "orders" in str(raised.value)
    assert "{'S'" not in str(raised.value)  # pg8000's raw field dict is rendered as a sentence
    assert [line["error_type"] for line in error_lines(caplog)] == ["QueryError"]


# ------------------------------------------------------------------ failures before any query


def base_env(monkeypatch: pytest.MonkeyPatch, engine: str, port: int, arn: str) -> None:
    for name, value in {
        "DB_ENGINE": engine,
        "DB_HOST": "127.0.0.1",
        "DB_PORT": str(port),
        "DB_NAME": "cafe",
        "DB_SECRET_ARN": arn,
        "REPORT_TIME_ZONE": LONDON,
        "DB_TLS": "false",
        "DB_TIMEOUT_SECONDS": "5",
    }.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("engine", ENGINES)
def test_unreachable_database_names_host_and_port(
    engine: str, secret_arn: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()  # nothing listens there
    base_env(monkeypatch, engine, port, secret_arn)
    with pytest.raises(DatabaseConnectionError) as raised:
        extractor.handler({"report_date": "2026-07-15"}, None)
    assert f"127.0.0.1:{port}" in str(raised.value)
    assert isinstance(raised.value, ReportError)
    assert raised.value.__cause__ is not None
    [line] = error_lines(caplog)
    assert line["error_type"] == "DatabaseConnectionError"
    assert f"127.0.0.1:{port}" in line["error"]
    assert line["cause"]


def test_missing_secret_names_the_arn(
    aws: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    arn = "arn:aws:secretsmanager:eu-west-2:123456789012:secret:rds!db-missing-AbCdEf"
    base_env(monkeypatch, "postgres", free_port(), arn)
    with pytest.raises(SecretError, match="does not exist") as raised:
        extractor.handler({}, None)
    assert arn in str(raised.value)
    assert type(raised.value.__cause__).__name__ == "ResourceNotFoundException"
    [line] = error_lines(caplog)
    assert line["error_type"] == "SecretError"
    assert arn in line["error"]


@pytest.mark.parametrize(
    ("secret_string", "message"),
    [
        ("password=hunter2", "is not JSON"),
        ('["hunter2"]', "must be a JSON object"),
        ('{"username": "reader"}', "lacks password"),
        ('{"password": "hunter2", "username": ""}', "lacks username"),
    ],
)
def test_bad_secret_content_is_reported_without_leaking_it(
    aws: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, secret_string: str, message: str
) -> None:
    arn = boto3.client("secretsmanager").create_secret(Name="rds-db-bad", SecretString=secret_string)["ARN"]
    base_env(monkeypatch, "postgres", free_port(), arn)
    with pytest.raises(SecretError, match=message) as raised:
        extractor.handler({}, None)
    assert arn in str(raised.value)
    assert "hunter2" not in str(raised.value)
    assert "hunter2" not in caplog.text


# ------------------------------------------------------------------ pure helpers


def test_yesterday_is_taken_in_the_report_zone() -> None:
    """At 23:30 UTC on 21 Nov it is already 22 Nov in Auckland (UTC+13): yesterday there is 21 Nov, not 20 Nov."""
    now = datetime(2026, 11, 21, 23, 30, tzinfo=timezone.utc)
    assert extractor.yesterday(ZoneInfo("Pacific/Auckland"), now) == date(2026, 11, 21)
    assert extractor.yesterday(ZoneInfo("UTC"), now) == date(2026, 11, 20)
    assert extractor.yesterday(ZoneInfo("America/Los_Angeles"), now) == date(2026, 11, 20)


def test_event_without_date_defaults_to_yesterday_and_ignores_other_keys() -> None:
    zone = ZoneInfo(LONDON)
    now = datetime(2026, 7, 15, 23, 30, tzinfo=timezone.utc)  # 16 July 00:30 BST
    scheduler_event = {"source": "aws.scheduler", "detail": {}}
    assert extractor.report_date_from_event(scheduler_event, zone, now) == date(2026, 7, 15)
    assert extractor.report_date_from_event(None, zone, now) == date(2026, 7, 15)
    assert extractor.report_date_from_event({"report_date": "2026-02-03"}, zone, now) == date(2026, 2, 3)


@pytest.mark.parametrize("value", ["2026-13-01", "20260715", "yesterday", 20260715, "2026-07-15T00:00"])
def test_bad_report_date_is_a_configuration_error(value: Any) -> None:
    with pytest.raises(ConfigurationError, match="report_date"):
        extractor.report_date_from_event({"report_date": value}, ZoneInfo(LONDON))


def test_day_window_when_local_midnight_does_not_exist() -> None:
    """Chile skips 00:00-01:00 on its DST start (6 Sep 2026): the day starts at the transition, 23 h long."""
    start, end = extractor.day_window(date(2026, 9, 6), ZoneInfo("America/Santiago"))
    assert start == datetime(2026, 9, 6, 4, 0, tzinfo=timezone.utc)
    assert end - start == timedelta(hours=23)


BASE_ENV = {
    "DB_ENGINE": "postgres",
    "DB_HOST": "db.internal",
    "DB_NAME": "cafe",
    "DB_SECRET_ARN": "arn:aws:secretsmanager:eu-west-2:123456789012:secret:x",
    "REPORT_TIME_ZONE": LONDON,
}


def test_settings_defaults_port_and_tls() -> None:
    settings = Settings.from_env(BASE_ENV)
    assert (settings.port, settings.tls, settings.address) == (5432, True, "db.internal:5432")
    assert Settings.from_env({**BASE_ENV, "DB_ENGINE": "mysql", "DB_TLS": "False"}).port == 3306
    assert Settings.from_env({**BASE_ENV, "DB_ENGINE": "mysql", "DB_TLS": "False"}).tls is False


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"DB_ENGINE": "oracle"}, "DB_ENGINE"),
        ({"DB_HOST": ""}, "DB_HOST is not set"),
        ({"DB_PORT": "five"}, "DB_PORT"),
        ({"REPORT_TIME_ZONE": "Mars/Olympus_Mons"}, "REPORT_TIME_ZONE"),
        ({"DB_TLS": "maybe"}, "DB_TLS"),
    ],
)
def test_settings_errors_name_the_variable(override: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Settings.from_env({**BASE_ENV, **override})
