"""Where a construct turns props into text, a prop may be a Terraform expression (a generated module's variable)
instead of a literal: these helpers write what Python cannot."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from cdktf import Fn, Token


def json_text(value: Any, **dumps: Any) -> str:
    """`value` as JSON text (`dumps` are json.dumps' options). A number that is a Terraform variable would be
    written as its placeholder number, so with one inside, Terraform writes the document (jsonencode)."""
    return Fn.jsonencode(value) if _holds_number_token(value) else json.dumps(value, **dumps)


def _holds_number_token(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_holds_number_token(item) for item in value.values())
    if isinstance(value, (list, tuple)):
        return any(_holds_number_token(item) for item in value)
    return isinstance(value, (int, float)) and not isinstance(value, bool) and Token.is_unresolved(value)


def number_text(value: float, spec: str = "") -> str:
    """`format(value, spec)`, or the Terraform variable's value in a string (its placeholder number otherwise)."""
    return Token.as_string(value) if Token.is_unresolved(value) else format(value, spec)


def is_list_variable(values: Sequence[Any]) -> bool:
    """Whether a sequence prop is a Terraform list variable: one token standing for all its elements, which Python
    can neither count nor loop over (tuples, a common literal, are never one and jsii cannot check them)."""
    return isinstance(values, list) and Token.is_unresolved(values)
