"""Daily sales report: DataExtractor (``extractor.handler``) and SalesAnalysisReport (``report.handler``).

Both functions are deployed from the same staged package (``lambda_src.packaging.stage_function``), so the
error base class and the structured-log helper shared by both live here. Imports inside the package are
relative: the code runs as ``lambda_src.sales_report`` in tests and as top-level ``sales_report`` in Lambda.
"""

from __future__ import annotations

import json
import logging
from typing import Any

LOGGER = logging.getLogger("sales_report")
LOGGER.setLevel(logging.INFO)


class ReportError(Exception):
    """Base of every failure the sales report raises on purpose; the cause is always chained (``from``)."""


def log_event(level: int, event: str, **fields: Any) -> None:
    """Write one JSON log line (CloudWatch Logs Insights can filter on its keys)."""
    LOGGER.log(level, json.dumps({"event": event, **fields}, default=str, sort_keys=True))


def log_error(function: str, error: BaseException) -> None:
    """Structured line for a failure about to be raised: its type, message and the chained cause."""
    cause = error.__cause__
    log_event(
        logging.ERROR,
        "sales_report_error",
        function=function,
        error_type=type(error).__name__,
        error=str(error),
        cause_type=type(cause).__name__ if cause is not None else None,
        cause=str(cause) if cause is not None else None,
    )
