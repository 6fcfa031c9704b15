"""Cheaper argument checks in the jsii bindings, accepting and rejecting exactly what they did.

Every call into a binding (each resource, struct, property) checks its arguments: it evaluates the type
hints of a stub function and hands each value to typeguard 2's `check_type`. Both are written for
generality, not for the ~130,000 checks of `main.py --all`; here they keep their results and take the
common cases directly (about a third of a synth's Python time).
"""

from __future__ import annotations

import functools
import importlib.metadata
import sys
import types
import typing
from typing import Any

# jsii-pacmak names the functions whose annotations its bindings check arguments against like this.
_TYPE_CHECKING_STUB = "_typecheckingstub__"


def install() -> None:
    _memoize_binding_type_hints()
    _fast_path_binding_type_checks()


def _memoize_binding_type_hints() -> None:
    """jsii bindings check arguments with `typing.get_type_hints(<stub>)` on every call, evaluating the stub's
    string annotations each time (a third of the Python time of a synth). A stub's hints never change, so
    they are computed once per stub, read-only; every other call goes to the stock function unchanged."""
    stock = typing.get_type_hints
    if getattr(stock, "__platform_memo__", False):
        return
    hints_by_stub: dict[object, types.MappingProxyType[str, typing.Any]] = {}

    @functools.wraps(stock)
    def get_type_hints(obj, globalns=None, localns=None, include_extras=False):  # type: ignore[no-untyped-def]
        if (globalns is None and localns is None and not include_extras
                and getattr(obj, "__name__", "").startswith(_TYPE_CHECKING_STUB)):
            hints = hints_by_stub.get(obj)
            if hints is None:
                hints = hints_by_stub[obj] = types.MappingProxyType(stock(obj))
            return hints
        return stock(obj, globalns, localns, include_extras)

    get_type_hints.__platform_memo__ = True  # type: ignore[attr-defined]
    typing.get_type_hints = get_type_hints


def _fast_path_binding_type_checks() -> None:
    """jsii bindings check every argument with typeguard 2's `check_type`, whose set-up (frame inspection,
    forward-reference resolution, one exception per rejected Union member) costs more than the check.
    The common cases it would certainly accept, a str/int/float/bool exactly of the expected type or of
    an Optional/Union naming that type, or None for an Optional, return at once; everything else, and
    every rejection, goes to typeguard unchanged."""
    import typeguard  # noqa: PLC0415  (a dependency of the bindings, imported with them anyway)

    stock = typeguard.check_type
    if getattr(stock, "__platform_fast_path__", False) or not importlib.metadata.version("typeguard").startswith("2."):
        return  # typeguard 3/4 have another signature: leave them alone
    plain = frozenset({str, int, float, bool})
    union = type(typing.Optional[str])  # noqa: UP007  (the typing.Union alias class the bindings use)

    @functools.wraps(stock)
    def check_type(argname: str, value: Any, expected_type: Any, memo: Any = None, **options: Any) -> None:
        if memo is None:
            value_type = type(value)
            if expected_type is value_type and value_type in plain:
                return
            if type(expected_type) is union and (value_type in plain or value is None):
                if value_type in expected_type.__args__:
                    return
            caller = sys._getframe(1)  # typeguard resolves forward references in its caller's namespace
            options.setdefault("globals", caller.f_globals)
            options.setdefault("locals", caller.f_locals)
        return stock(argname, value, expected_type, memo, **options)

    check_type.__platform_fast_path__ = True  # type: ignore[attr-defined]
    typeguard.check_type = check_type
