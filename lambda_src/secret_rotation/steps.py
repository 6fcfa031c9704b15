"""The four steps Secrets Manager calls, for a secret that is only a value (no database or service holds a copy
to change): each is idempotent, because Secrets Manager retries a step that failed or timed out.

The version being made is the one Secrets Manager staged AWSPENDING under the rotation's ClientRequestToken;
AWSCURRENT moves to it only in the last step (finishSecret), so until then every reader keeps the old value.
Each step returns a short outcome for the log; none logs or returns a value.
"""

from __future__ import annotations

from typing import Any

from . import RotationError
from .settings import GeneratedSecret

CURRENT, PENDING = "AWSCURRENT", "AWSPENDING"


def make_pending_value(client: Any, arn: str, token: str, spec: GeneratedSecret) -> str:
    """Put a new random value into the AWSPENDING version, unless an earlier attempt of this rotation did."""
    try:
        client.get_secret_value(SecretId=arn, VersionId=token, VersionStage=PENDING)
        return "pending value already made"
    except client.exceptions.ResourceNotFoundException:
        pass  # the staged version has no value yet (Secrets Manager creates it empty)
    value = client.get_random_password(PasswordLength=spec.length, ExcludePunctuation=True, IncludeSpace=False,
                                       RequireEachIncludedType=True)["RandomPassword"]
    client.put_secret_value(SecretId=arn, ClientRequestToken=token, SecretString=value, VersionStages=[PENDING])
    return "pending value made"


def set_in_service(client: Any, arn: str, token: str, spec: GeneratedSecret) -> str:
    """Nothing to do: no database or service holds the value; the application reads it from Secrets Manager."""
    return "nothing holds a copy to set"


def check_pending_value(client: Any, arn: str, token: str, spec: GeneratedSecret) -> str:
    """The pending value has the configured length, only letters and digits, and is not the current value."""
    pending = client.get_secret_value(SecretId=arn, VersionId=token, VersionStage=PENDING).get("SecretString")
    if not isinstance(pending, str) or len(pending) != spec.length:
        raise RotationError(f"{spec.name}: the pending value is not a string of {spec.length} characters; the "
                            "rotation stops before AWSCURRENT moves (a later rotation makes a new one)")
    if not (pending.isascii() and pending.isalnum()):
        raise RotationError(f"{spec.name}: the pending value has characters other than letters and digits")
    current = current_version(client, arn)
    if current is not None and current != token:
        value = client.get_secret_value(SecretId=arn, VersionId=current, VersionStage=CURRENT).get("SecretString")
        if value == pending:
            raise RotationError(f"{spec.name}: the pending value equals the current one; nothing would rotate")
    return "pending value tested"


def make_pending_current(client: Any, arn: str, token: str, spec: GeneratedSecret) -> str:
    """Move AWSCURRENT to the new version; Secrets Manager moves AWSPREVIOUS to the one it leaves."""
    current = current_version(client, arn)
    if current == token:
        return "already current"
    moved = {"RemoveFromVersionId": current} if current is not None else {}  # a secret's first value has none
    client.update_secret_version_stage(SecretId=arn, VersionStage=CURRENT, MoveToVersionId=token, **moved)
    return "now current"


def current_version(client: Any, arn: str) -> str | None:
    """The version holding AWSCURRENT, or None while the secret has no value yet."""
    versions = client.describe_secret(SecretId=arn).get("VersionIdsToStages", {})
    return next((version for version, stages in versions.items() if CURRENT in stages), None)


STEPS = {"createSecret": make_pending_value, "setSecret": set_in_service, "testSecret": check_pending_value,
         "finishSecret": make_pending_current}
"""Secrets Manager's step names (the event's Step), in the order it calls them."""
