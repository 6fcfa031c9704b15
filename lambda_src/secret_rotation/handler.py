"""Lambda entry point ``secret_rotation.handler.handler``: Secrets Manager's rotation event in, one step done.

Event: ``{"Step": "createSecret" | "setSecret" | "testSecret" | "finishSecret", "SecretId": <ARN>,
"ClientRequestToken": <the version being made>}``. Before any step it applies the guards of AWS's rotation
templates (the secret has rotation on, the token is a version staged AWSPENDING, a version already AWSCURRENT
needs nothing) and one of its own: only the secrets listed in GENERATED_SECRETS are rotated, so a secret whose
value comes from a vendor is never overwritten with a random one. A refusal or failure raises: Secrets Manager
then marks the rotation failed, the value in use stays AWSCURRENT, and the function's Errors alarm fires.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

import boto3

from . import RotationError, log_event
from .settings import GeneratedSecret, load
from .steps import CURRENT, PENDING, STEPS


def parse_event(event: Any) -> tuple[str, str, str]:
    """``(step, secret ARN, token)`` from Secrets Manager's event; anything else is a RotationError."""
    if not isinstance(event, Mapping):
        raise RotationError(f"the event must be Secrets Manager's rotation request (a JSON object), got "
                            f"{type(event).__name__}")
    missing = [key for key in ("Step", "SecretId", "ClientRequestToken") if not isinstance(event.get(key), str)]
    if missing:
        raise RotationError(f"the event lacks {missing}: it is not a rotation request from Secrets Manager")
    step = event["Step"]
    if step not in STEPS:
        raise RotationError(f"unknown step {step!r}; Secrets Manager sends one of {list(STEPS)}")
    return step, event["SecretId"], event["ClientRequestToken"]


def rotate(step: str, arn: str, token: str, client: Any, generated: Mapping[str, GeneratedSecret]) -> str:
    """Guard, then run one step on the secret; returns its outcome (also logged)."""
    metadata = client.describe_secret(SecretId=arn)
    name = metadata["Name"]
    spec = generated.get(name)
    if spec is None:
        raise RotationError(f"secret {name!r} is not a generated secret of this function ({sorted(generated)}): its "
                            "value comes from outside and cannot be made up; fix: remove its rotation (a vendor's "
                            "key is rotated at the vendor), or configure it as data.secrets.<name>.generated")
    if not metadata.get("RotationEnabled"):
        raise RotationError(f"secret {name!r} does not have rotation enabled")
    stages = metadata.get("VersionIdsToStages", {}).get(token)
    if stages is None:
        raise RotationError(f"secret {name!r} has no version {token} staged for rotation")
    if CURRENT in stages:
        outcome = "already current"
    elif PENDING not in stages:
        raise RotationError(f"version {token} of secret {name!r} is not staged AWSPENDING ({stages})")
    else:
        outcome = STEPS[step](client, arn, token, spec)
    log_event(logging.INFO, "rotation_step", secret=name, step=step, version=token, outcome=outcome)
    return outcome


def handler(event: Any, context: Any) -> str:
    """Lambda's entry: the client of the function's own region, the allow-list from its environment."""
    try:
        step, arn, token = parse_event(event)
        return rotate(step, arn, token, boto3.client("secretsmanager"), load(os.environ))
    except Exception as error:
        log_event(logging.ERROR, "rotation_failed", error_type=type(error).__name__, error=str(error))
        raise
