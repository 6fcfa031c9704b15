"""Rotation function of the generated application secrets (`data.secrets.<name>.generated`): Secrets Manager calls
it with each of its four steps, and it gives the secret a new random value every `rotation_days`.

Deployed as ``secret_rotation.handler.handler`` from a staged copy of this folder (no dependencies beyond the
boto3 the Lambda runtime provides). Imports inside the package are relative: the code runs as
``lambda_src.secret_rotation`` in tests and as top-level ``secret_rotation`` in Lambda.

Modules: ``settings`` (environment -> which secrets it may rotate, and how long a value is), ``steps`` (the four
steps, each idempotent) and ``handler`` (the event, the guards AWS's rotation templates apply, the dispatch).
"""

from __future__ import annotations

import json
import logging
from typing import Any

LOGGER = logging.getLogger("secret_rotation")
LOGGER.setLevel(logging.INFO)


class RotationError(Exception):
    """A rotation step refused or failed on purpose; Secrets Manager marks the rotation failed and keeps the
    current value (AWSCURRENT never moves before finishSecret)."""


def log_event(level: int, event: str, **fields: Any) -> None:
    """One JSON log line (CloudWatch Logs Insights filters on its keys). Never pass a secret value here."""
    LOGGER.log(level, json.dumps({"event": event, **fields}, default=str, sort_keys=True))
