"""SalesAnalysisReport: formatting, and publishing through moto's SNS to a subscribed SQS queue."""

from __future__ import annotations

import copy
import json
import logging
from typing import Any

import boto3
import pytest

from lambda_src.sales_report import report
from lambda_src.sales_report.report import (
    InvalidReportInputError,
    PublishError,
    ReportConfigurationError,
    format_money,
    render_html,
    render_subject,
    render_text,
)


def by_hour(**buckets: tuple[int, int]) -> list[dict[str, int]]:
    result = [{"hour": hour, "orders": 0, "revenue_cents": 0} for hour in range(24)]
    for key, (orders, revenue) in buckets.items():
        result[int(key[1:])].update(orders=orders, revenue_cents=revenue)
    return result


# The DataExtractor's output shape (see test_extractor for how it is computed from real data).
SUMMARY: dict[str, Any] = {
    "report_date": "2026-11-21",
    "time_zone": "Europe/London",
    "window_start_utc": "2026-11-21T00:00:00+00:00",
    "window_end_utc": "2026-11-22T00:00:00+00:00",
    "orders": 42,
    "refunds": {"count": 2, "amount_cents": 6544},
    "gross_revenue_cents": 130000,
    "net_revenue_cents": 123456,
    "average_order_cents": 2939,
    "top_items": [
        {"name": "Flat white", "quantity": 120, "revenue_cents": 40800},
        {"name": "Avocado toast", "quantity": 20, "revenue_cents": 17000},
    ],
    "by_hour": by_hour(h7=(30, 100000), h23=(12, 23456)),
}

EMPTY: dict[str, Any] = {
    **SUMMARY,
    "orders": 0,
    "refunds": {"count": 0, "amount_cents": 0},
    "gross_revenue_cents": 0,
    "net_revenue_cents": 0,
    "average_order_cents": 0,
    "top_items": [],
    "by_hour": by_hour(),
}


@pytest.fixture
def topic(aws: None, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """An SNS topic with an SQS queue subscribed, so the test reads back exactly what was published."""
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    topic_arn = sns.create_topic(Name="sales-report")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="sales-report-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    monkeypatch.setenv("REPORT_TOPIC_ARN", topic_arn)
    monkeypatch.setenv("REPORT_CURRENCY", "GBP")
    monkeypatch.setenv("REPORT_BRAND", "Cafe Nimbus")
    return {"topic_arn": topic_arn, "queue_url": queue_url}


def delivered(queue_url: str) -> list[dict[str, Any]]:
    messages = boto3.client("sqs").receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(message["Body"]) for message in messages]


def test_publishes_subject_and_plain_text(topic: dict[str, str]) -> None:
    result = report.handler(copy.deepcopy(SUMMARY), None)

    [envelope] = delivered(topic["queue_url"])
    assert result == {"message_id": envelope["MessageId"], "report_date": "2026-11-21"}
    assert envelope["TopicArn"] == topic["topic_arn"]
    assert envelope["Subject"] == "Cafe Nimbus sales 2026-11-21: 42 orders, £1,234.56"
    text = envelope["Message"]
    assert text.startswith("Cafe Nimbus sales report for Saturday 21 November 2026 (Europe/London)\n")
    for line in (
        "Orders:          42",
        "Gross revenue:   £1,300.00",
        "Refunds:         2 (£65.44)",
        "Net revenue:     £1,234.56",
        "Average order:   £29.39",
        "  1. Flat white       120 sold       £408.00",
        "  2. Avocado toast     20 sold       £170.00",
        "  07:00-08:00    30 orders     £1,000.00",
        "  23:00-00:00    12 orders       £234.56",
    ):
        assert line in text.splitlines(), line
    assert "00:00-01:00" not in text  # quiet hours are left out


@pytest.mark.parametrize(
    "wrap",
    [
        pytest.param(lambda summary: summary, id="plain"),
        pytest.param(
            lambda summary: {
                "version": "1.0",
                "requestContext": {"condition": "Success", "functionArn": "arn:aws:lambda:eu-west-2:1:function:x"},
                "requestPayload": {"report_date": "2026-11-21"},
                "responseContext": {"statusCode": 200},
                "responsePayload": summary,
            },
            id="lambda-destination",
        ),
        pytest.param(lambda summary: {"StatusCode": 200, "Payload": summary}, id="step-functions-invoke"),
    ],
)
def test_accepts_the_extractor_output_in_each_shape(topic: dict[str, str], wrap: Any) -> None:
    result = report.handler(wrap(copy.deepcopy(SUMMARY)), None)
    [envelope] = delivered(topic["queue_url"])
    assert result["report_date"] == "2026-11-21"
    assert envelope["Subject"] == "Cafe Nimbus sales 2026-11-21: 42 orders, £1,234.56"


def test_empty_day_is_a_report_not_an_error(topic: dict[str, str]) -> None:
    report.handler(copy.deepcopy(EMPTY), None)
    [envelope] = delivered(topic["queue_url"])
    assert envelope["Subject"] == "Cafe Nimbus sales 2026-11-21: 0 orders, £0.00"
    assert "No orders were placed on Saturday 21 November 2026." in envelope["Message"]
    assert "Top items" not in envelope["Message"]


def test_day_with_only_refunds_still_shows_them() -> None:
    text = render_text({**EMPTY, "refunds": {"count": 1, "amount_cents": 450}}, "EUR")
    assert "No orders were placed" in text
    assert "Refunds: 1 (€4.50)" in text


def test_missing_topic_raises_and_logs(
    aws: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    missing = "arn:aws:sns:eu-west-2:123456789012:no-such-topic"
    monkeypatch.setenv("REPORT_TOPIC_ARN", missing)
    with pytest.raises(PublishError) as raised:
        report.handler(copy.deepcopy(SUMMARY), None)
    assert missing in str(raised.value)
    assert raised.value.__cause__ is not None
    [line] = [json.loads(r.getMessage()) for r in caplog.records if r.levelno == logging.ERROR]
    assert (line["function"], line["error_type"]) == ("report", "PublishError")


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"orders": 3}, "lacks report_date"),
        ({**SUMMARY, "net_revenue_cents": 12.5}, "must be integers"),
        ({**SUMMARY, "report_date": "21/11/2026"}, "not a YYYY-MM-DD date"),
        ({"responsePayload": {"errorType": "DatabaseConnectionError", "errorMessage": "boom"}}, "extractor failed"),
        ("2026-11-21", "JSON object"),
    ],
)
def test_invalid_input_is_rejected(topic: dict[str, str], event: Any, message: str) -> None:
    with pytest.raises(InvalidReportInputError, match=message):
        report.handler(event, None)
    assert delivered(topic["queue_url"]) == []


@pytest.mark.parametrize(
    ("env", "message"),
    [({"REPORT_TOPIC_ARN": ""}, "REPORT_TOPIC_ARN is not set"), ({"REPORT_CURRENCY": "pounds"}, "ISO 4217")],
)
def test_bad_configuration(
    topic: dict[str, str], monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ReportConfigurationError, match=message):
        report.handler(copy.deepcopy(SUMMARY), None)


def test_currency_defaults_to_usd(topic: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REPORT_CURRENCY")
    monkeypatch.delenv("REPORT_BRAND")
    report.handler(copy.deepcopy(SUMMARY), None)
    [envelope] = delivered(topic["queue_url"])
    assert envelope["Subject"] == "Daily sales 2026-11-21: 42 orders, $1,234.56"


@pytest.mark.parametrize(
    ("cents", "currency", "expected"),
    [
        (0, "USD", "$0.00"),
        (5, "EUR", "€0.05"),
        (123456, "GBP", "£1,234.56"),
        (100000000, "USD", "$1,000,000.00"),
        (-1999, "GBP", "-£19.99"),
        (123456, "CHF", "CHF 1,234.56"),
    ],
)
def test_format_money(cents: int, currency: str, expected: str) -> None:
    assert format_money(cents, currency) == expected


def test_subject_fits_sns_limit_and_uses_singular() -> None:
    subject = render_subject({**SUMMARY, "orders": 1}, "GBP", "The Very Long Name Of A Café\nChain " * 5)
    assert len(subject) < 100
    assert "\n" not in subject
    assert subject.endswith(" sales 2026-11-21: 1 order, £1,234.56")


def test_render_html_escapes_every_value() -> None:
    hostile = {
        **SUMMARY,
        "top_items": [{"name": '<script>alert("x")</script> & Co', "quantity": 1, "revenue_cents": 99}],
    }
    page = render_html(hostile, "GBP", brand="Bob's <b>Café</b>")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in page
    assert "Bob&#x27;s &lt;b&gt;Café&lt;/b&gt;" in page
    assert "<td>£1,234.56</td>" in page
    assert "<tr><td>07:00</td><td>30</td><td>£1,000.00</td></tr>" in page
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")


def test_render_html_empty_day() -> None:
    page = render_html(EMPTY, "USD")
    assert "<p>No orders were placed on Saturday 21 November 2026.</p>" in page
    assert "<table>" not in page
