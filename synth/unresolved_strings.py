"""`Token.is_unresolved` answers for a plain string in Python, without a call into the jsii kernel.

Constructs ask whether a prop is a Terraform expression before treating it as a literal (zone letters,
CIDRs, names: ~1,500 kernel calls in `main.py --all`). For a string, cdktf's answer is whether it holds
a string token, `${TfToken[<key>]}` (tokens/private/encoding.js, `unresolved`): a string without that
marker is never one. Such strings are answered here; everything else (a string with the marker, numbers,
lists, maps, objects) goes to the kernel as before.
"""

from __future__ import annotations

from typing import Any

from cdktf import Token

STRING_TOKEN_MARKER = "${TfToken["
"""cdktf 0.21's BEGIN_STRING_TOKEN_MARKER: every string token starts with it."""


def install() -> None:
    stock = Token.is_unresolved
    if getattr(stock, "__platform_strings__", False):
        return

    def is_unresolved(obj: Any) -> bool:
        if type(obj) is str and STRING_TOKEN_MARKER not in obj:
            return False
        return stock(obj)

    is_unresolved.__platform_strings__ = True  # type: ignore[attr-defined]
    is_unresolved.__doc__ = stock.__doc__
    Token.is_unresolved = staticmethod(is_unresolved)  # type: ignore[method-assign]
