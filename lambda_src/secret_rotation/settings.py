"""What the rotation function may rotate, from its environment (set by modules/app_config/rotation.py).

``GENERATED_SECRETS``: a JSON object, secret name -> ``{"length": <characters>}``. It is an allow-list too: a
secret that names this function as its rotator but is not listed is refused, so a misconfigured vendor key is
never overwritten with a random value.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from . import RotationError

VARIABLE = "GENERATED_SECRETS"
MIN_LENGTH, MAX_LENGTH = 32, 4096


@dataclass(frozen=True)
class GeneratedSecret:
    name: str
    length: int


def load(environment: Mapping[str, str]) -> dict[str, GeneratedSecret]:
    """The generated secrets by name; a missing or malformed variable is a RotationError naming the fix."""
    raw = environment.get(VARIABLE)
    if not raw:
        raise RotationError(f"{VARIABLE} is not set; fix: deploy the function through modules/app_config/rotation.py, "
                            "which lists the secrets it rotates")
    try:
        listed = json.loads(raw)
    except json.JSONDecodeError as error:
        raise RotationError(f"{VARIABLE} is not JSON ({error}); fix: a JSON object of secret name -> "
                            '{"length": 64}') from error
    if not isinstance(listed, dict) or not listed:
        raise RotationError(f"{VARIABLE} must be a non-empty JSON object of secret name -> {{\"length\": 64}}")
    secrets = {}
    for name, spec in listed.items():
        length = spec.get("length") if isinstance(spec, dict) else None
        if not isinstance(length, int) or isinstance(length, bool) or not MIN_LENGTH <= length <= MAX_LENGTH:
            raise RotationError(f"{VARIABLE}: {name!r} has length {length!r}; fix: an integer from {MIN_LENGTH} "
                                f"to {MAX_LENGTH}")
        secrets[name] = GeneratedSecret(name=name, length=length)
    return secrets
