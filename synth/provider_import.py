"""Import only the AWS provider bindings a synth uses, not all 2,135 of them, in Python and in Node.

`cdktf_cdktf_provider_aws/__init__.py` does nothing but `from . import <each resource>`, which costs
~15 s here while our own work is under a second. Registering a light package object (same name,
same `__path__`) before the first import lets Python load `cdktf_cdktf_provider_aws.vpc` and the
shared `_jsii` assembly on demand, with the stock classes unchanged, so the emitted JSON is identical.

The jsii Node process has the same problem: the provider's `lib/index.js` requires every resource
module (~2.5 s). synth.runtime has that process preload NODE_INDEX_PRELOAD, which turns the index into
on-demand getters, again with the modules themselves unchanged.

Safety: the shortcut is taken only when the installed package still has the layout it relies on
(the pinned version, an `_jsii` module, an `__init__` made only of submodule imports; in Node, an index
made only of submodule requires). Otherwise, or with PLATFORM_STOCK_PROVIDER_IMPORT=1, the stock import
runs and a warning says why.
"""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import importlib.util
import os
import sys
import types
import warnings
from pathlib import Path

PACKAGE = "cdktf_cdktf_provider_aws"
DISTRIBUTION = "cdktf-cdktf-provider-aws"
EXPECTED_VERSION = "20.1.0"
STOCK_SWITCH = "PLATFORM_STOCK_PROVIDER_IMPORT"
NODE_INDEX_PRELOAD = Path(__file__).with_name("lazy_provider_index.js")
# Statement kinds the stock __init__ may hold for the shortcut to be equivalent.
_HARMLESS = (ast.Import, ast.ImportFrom, ast.Expr, ast.Assign, ast.If, ast.FunctionDef)


class LayoutChanged(RuntimeError):
    """The installed provider package no longer looks like the one this shortcut was written for."""


def install() -> str:
    """Make provider imports lazy if safe; returns 'lazy', 'stock' or 'already-imported'."""
    current = sys.modules.get(PACKAGE)
    if current is not None:
        return "lazy" if getattr(current, "__platform_lazy__", False) else "already-imported"
    if os.environ.get(STOCK_SWITCH) == "1":
        return "stock"
    try:
        spec = _checked_spec()
    except LayoutChanged as reason:
        warnings.warn(f"fast provider import disabled, using the stock import (slower): {reason}", stacklevel=2)
        return "stock"
    sys.modules[PACKAGE] = _lazy_package(spec)
    return "lazy"


def _checked_spec() -> importlib.machinery.ModuleSpec:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations or spec.origin is None:
        raise LayoutChanged(f"{PACKAGE} is not an installed package")
    version = importlib.metadata.version(DISTRIBUTION)
    if version != EXPECTED_VERSION:
        raise LayoutChanged(f"{DISTRIBUTION} is {version}, the shortcut was verified on {EXPECTED_VERSION}")
    root = Path(next(iter(spec.submodule_search_locations)))
    if not (root / "_jsii" / "__init__.py").is_file():
        raise LayoutChanged(f"{root}/_jsii/__init__.py is missing")
    verify_init_only_imports(Path(spec.origin))
    return spec


def verify_init_only_imports(init_file: Path) -> None:
    """The package __init__ must define no classes and bind no names beyond its submodules."""
    tree = ast.parse(init_file.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.ClassDef) or not isinstance(node, _HARMLESS):
            raise LayoutChanged(f"{init_file} line {node.lineno} defines {type(node).__name__}, "
                                "which the lazy package would not provide")
        if isinstance(node, ast.FunctionDef) and node.name != "check_type":
            raise LayoutChanged(f"{init_file} line {node.lineno} defines function {node.name}()")


def _lazy_package(spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
    package = types.ModuleType(PACKAGE, "AWS provider bindings, imported per submodule on first use.")
    package.__spec__ = spec
    package.__path__ = list(spec.submodule_search_locations or [])
    package.__file__ = spec.origin
    package.__package__ = PACKAGE
    package.__platform_lazy__ = True  # type: ignore[attr-defined]

    def __getattr__(name: str) -> types.ModuleType:  # PEP 562: `cdktf_cdktf_provider_aws.vpc` on demand
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return importlib.import_module(f"{PACKAGE}.{name}")
        except ModuleNotFoundError:
            raise AttributeError(f"module {PACKAGE!r} has no attribute {name!r}") from None

    package.__getattr__ = __getattr__  # type: ignore[method-assign]
    return package
