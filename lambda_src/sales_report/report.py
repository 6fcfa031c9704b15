"""SalesAnalysisReport Lambda: turns the DataExtractor's aggregates into a readable report and publishes it.

Input: the extractor's output as the event itself, or wrapped as ``{"responsePayload": {...}}`` (Lambda
destinations) or ``{"Payload": {...}}`` (Step Functions' ``lambda:invoke`` task result).

Environment: ``REPORT_TOPIC_ARN`` (SNS topic), optional ``REPORT_CURRENCY`` (ISO 4217 code, default USD;
amounts are rendered with two decimals) and ``REPORT_BRAND`` (shown in the subject and heading).

The plain-text report is published as the SNS message (email subscribers read it as-is). ``render_html`` builds
an HTML version, with every value escaped, for a future SES or S3 delivery.
"""

from __future__ import annotations

import html
import logging
import os
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from . import ReportError, log_error, log_event

FUNCTION_NAME = "report"
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}
SUBJECT_MAX_CHARS = 99  # SNS: subject "less than 100 characters", no line breaks or control characters
DEFAULT_BRAND = "Daily"
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
_REQUIRED_INT_FIELDS = ("orders", "gross_revenue_cents", "net_revenue_cents", "average_order_cents")


class InvalidReportInputError(ReportError):
    """The event is not (a wrapper around) the DataExtractor's output."""


class ReportConfigurationError(ReportError):
    """An environment variable is missing or malformed."""


class PublishError(ReportError):
    """SNS refused the report (missing topic, permissions, throttling)."""


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def unwrap_event(event: Any) -> dict[str, Any]:
    """The extractor's aggregates, from the event itself or a Lambda-destination / Step Functions wrapper."""
    if isinstance(event, Mapping):
        for wrapper in ("responsePayload", "Payload"):
            if wrapper in event and "report_date" not in event:
                event = event[wrapper]
                break
    if not isinstance(event, Mapping):
        raise InvalidReportInputError(f"event must be the extractor's JSON object, got {type(event).__name__}")
    if "errorMessage" in event:  # an on-failure destination pointed here: the extractor failed
        raise InvalidReportInputError(f"the extractor failed: {event.get('errorType')}: {event['errorMessage']}")
    missing = [key for key in ("report_date", *_REQUIRED_INT_FIELDS) if key not in event]
    if missing:
        raise InvalidReportInputError(f"event lacks {', '.join(missing)}: is it the DataExtractor's output?")
    bad = [key for key in _REQUIRED_INT_FIELDS if not _is_int(event[key])]
    if bad:
        raise InvalidReportInputError(f"{', '.join(bad)} must be integers (cents / counts)")
    try:
        date.fromisoformat(str(event["report_date"]))
    except ValueError as exc:
        raise InvalidReportInputError(f"report_date={event['report_date']!r} is not a YYYY-MM-DD date") from exc
    return dict(event)


def format_money(cents: int, currency: str) -> str:
    """Integer cents -> '£1,234.56' (symbol for USD/EUR/GBP, else 'CHF 1,234.56'); no float on the way."""
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(cents), 100)
    amount = f"{units:,}.{rest:02d}"
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{sign}{symbol}{amount}" if symbol else f"{sign}{currency} {amount}"


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def _long_date(report_date: str) -> str:
    day = date.fromisoformat(report_date)
    return f"{day:%A} {day.day} {day:%B %Y}"


def _refunds(summary: Mapping[str, Any]) -> tuple[int, int]:
    refunds = summary.get("refunds") or {}
    return int(refunds.get("count", 0)), int(refunds.get("amount_cents", 0))


def render_subject(summary: Mapping[str, Any], currency: str, brand: str = DEFAULT_BRAND) -> str:
    """'Cafe Nimbus sales 2026-11-21: 42 orders, £1,234.56', the brand shortened to fit SNS's limit."""
    tail = (
        f" sales {summary['report_date']}: {_plural(summary['orders'], 'order')}, "
        f"{format_money(summary['net_revenue_cents'], currency)}"
    )
    brand = _CONTROL_CHARS.sub(" ", brand).strip()
    room = SUBJECT_MAX_CHARS - len(tail)
    if len(brand) > room:
        brand = brand[: max(room - 3, 0)].rstrip() + "..."
    return (brand + tail).strip()[:SUBJECT_MAX_CHARS]


def render_text(summary: Mapping[str, Any], currency: str, brand: str = DEFAULT_BRAND) -> str:
    """The plain-text report sent as the SNS message."""
    money = lambda cents: format_money(cents, currency)  # noqa: E731
    day = _long_date(summary["report_date"])
    zone = summary.get("time_zone", "")
    refund_count, refund_cents = _refunds(summary)
    lines = [f"{brand} sales report for {day} ({zone})", ""]
    if summary["orders"] == 0:
        lines.append(f"No orders were placed on {day}.")
        if refund_count:
            lines.append(f"Refunds: {refund_count:,} ({money(refund_cents)})")
        return "\n".join(lines) + "\n"

    lines += [
        f"Orders:          {summary['orders']:,}",
        f"Gross revenue:   {money(summary['gross_revenue_cents'])}",
        f"Refunds:         {refund_count:,} ({money(refund_cents)})",
        f"Net revenue:     {money(summary['net_revenue_cents'])}",
        f"Average order:   {money(summary['average_order_cents'])}",
    ]
    items = summary.get("top_items") or []
    if items:
        width = min(max(len(str(item["name"])) for item in items), 40)
        lines += ["", "Top items by revenue"]
        for rank, item in enumerate(items, start=1):
            name = _CONTROL_CHARS.sub(" ", str(item["name"]))[:40]
            lines.append(f"  {rank}. {name:<{width}}  {item['quantity']:>5,} sold  {money(item['revenue_cents']):>12}")
    busy = [hour for hour in summary.get("by_hour") or [] if hour["orders"]]
    if busy:
        lines += ["", "Orders by hour (local time)"]
        for hour in busy:
            start = int(hour["hour"])
            lines.append(
                f"  {start:02d}:00-{(start + 1) % 24:02d}:00  {_plural(hour['orders'], 'order'):>11}"
                f"  {money(hour['revenue_cents']):>12}"
            )
    return "\n".join(lines) + "\n"


def render_html(summary: Mapping[str, Any], currency: str, brand: str = DEFAULT_BRAND) -> str:
    """An HTML version of the report; every value from the database or environment is escaped."""
    esc = html.escape
    money = lambda cents: esc(format_money(cents, currency))  # noqa: E731
    day = esc(_long_date(summary["report_date"]))
    title = f"{esc(brand)} sales report for {day} ({esc(str(summary.get('time_zone', '')))})"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{title}</title></head><body>",
        f"<h1>{title}</h1>",
    ]
    refund_count, refund_cents = _refunds(summary)
    if summary["orders"] == 0:
        parts.append(f"<p>No orders were placed on {day}.</p>")
        if refund_count:
            parts.append(f"<p>Refunds: {refund_count:,} ({money(refund_cents)})</p>")
        parts.append("</body></html>")
        return "\n".join(parts) + "\n"
    parts += [
        "<table>",
        f"<tr><th>Orders</th><td>{summary['orders']:,}</td></tr>",
        f"<tr><th>Gross revenue</th><td>{money(summary['gross_revenue_cents'])}</td></tr>",
        f"<tr><th>Refunds</th><td>{refund_count:,} ({money(refund_cents)})</td></tr>",
        f"<tr><th>Net revenue</th><td>{money(summary['net_revenue_cents'])}</td></tr>",
        f"<tr><th>Average order</th><td>{money(summary['average_order_cents'])}</td></tr>",
        "</table>",
    ]
    items = summary.get("top_items") or []
    if items:
        parts += ["<h2>Top items by revenue</h2>", "<table>", "<tr><th>Item</th><th>Sold</th><th>Revenue</th></tr>"]
        parts += [
            f"<tr><td>{esc(str(item['name']))}</td><td>{item['quantity']:,}</td>"
            f"<td>{money(item['revenue_cents'])}</td></tr>"
            for item in items
        ]
        parts.append("</table>")
    busy = [hour for hour in summary.get("by_hour") or [] if hour["orders"]]
    if busy:
        parts += [
            "<h2>Orders by hour (local time)</h2>",
            "<table>",
            "<tr><th>Hour</th><th>Orders</th><th>Revenue</th></tr>",
        ]
        parts += [
            f"<tr><td>{int(hour['hour']):02d}:00</td><td>{hour['orders']:,}</td><td>{money(hour['revenue_cents'])}</td></tr>"
            for hour in busy
        ]
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _settings(env: Mapping[str, str]) -> tuple[str, str, str]:
    topic_arn = env.get("REPORT_TOPIC_ARN", "").strip()
    if not topic_arn:
        raise ReportConfigurationError("environment variable REPORT_TOPIC_ARN is not set")
    currency = (env.get("REPORT_CURRENCY", "").strip() or "USD").upper()
    if not _CURRENCY_RE.match(currency):
        raise ReportConfigurationError(f"REPORT_CURRENCY={currency!r} is not an ISO 4217 code such as USD")
    brand = env.get("REPORT_BRAND", "").strip() or DEFAULT_BRAND
    return topic_arn, currency, brand


def publish(summary: Mapping[str, Any], topic_arn: str, currency: str, brand: str, client: Any = None) -> str:
    """Publish the plain-text report to SNS; returns the MessageId."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    client = client if client is not None else boto3.client("sns")
    try:
        response = client.publish(
            TopicArn=topic_arn,
            Subject=render_subject(summary, currency, brand),
            Message=render_text(summary, currency, brand),
        )
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "ClientError")
        raise PublishError(f"cannot publish the {summary['report_date']} report to {topic_arn}: {code}") from exc
    except BotoCoreError as exc:
        raise PublishError(f"cannot publish the {summary['report_date']} report to {topic_arn}: {exc}") from exc
    return str(response["MessageId"])


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Lambda entry point (``sales_report.report.handler``)."""
    try:
        topic_arn, currency, brand = _settings(os.environ)
        summary = unwrap_event(event)
        message_id = publish(summary, topic_arn, currency, brand)
    except Exception as error:  # logged as one JSON line, then re-raised: Lambda records the failure
        log_error(FUNCTION_NAME, error)
        raise
    log_event(logging.INFO, "sales_report_published", report_date=summary["report_date"], message_id=message_id)
    return {"message_id": message_id, "report_date": summary["report_date"]}
