"""What a generated Terraform module is: its typed inputs, what it builds from them, and what it outputs.

A spec feeds a construct the same props a stack would, except that every value an HCL user sets is a
Terraform variable token instead of a literal. Options that change the module's shape (how many AZs,
which optional parts exist) stay fixed per generated module and are listed in `fixed`, so the README
says what the module is and is not, instead of pretending to be configurable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # importing constructs starts jsii; the runtime must be prepared first (synth.runtime)
    from constructs import Construct

REQUIRED: Any = object()
"""Marker: the variable has no default, a caller must set it."""


@dataclass(frozen=True)
class Validation:
    condition: str
    """A Terraform expression over `var.<name>`, true for good values."""
    error_message: str
    """Names the rule and the fix; Terraform shows it with the bad value's location."""


@dataclass(frozen=True)
class ModuleVariable:
    name: str
    type: str
    """A Terraform type expression: string, number, bool, list(string), map(string), ..."""
    description: str
    default: Any = REQUIRED
    validations: Sequence[Validation] = ()
    sensitive: bool = False

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


@dataclass(frozen=True)
class ModuleOutput:
    value: Any
    """A token (an attribute of something the module built) or a list/map of them."""
    description: str
    sensitive: bool = False


class Inputs:
    """The module's variables as tokens, by name: what a spec's build function feeds its construct."""

    def __init__(self, values: Mapping[str, Any], variables: Mapping[str, ModuleVariable]) -> None:
        self._values = dict(values)
        self._variables = dict(variables)

    def __getitem__(self, name: str) -> Any:
        if name not in self._values:
            raise KeyError(f"variable {name!r} is not declared by this module; declared: {sorted(self._values)}")
        return self._values[name]

    def items(self, name: str, count: int) -> list[str]:
        """A list variable's first `count` elements as separate tokens, for a construct that loops in Python
        (the variable's validation pins its length to `count`)."""
        from cdktf import Fn

        return [Fn.element(self[name], index) for index in range(count)]


Build = Callable[["Construct", Inputs], Mapping[str, ModuleOutput]]


@dataclass(frozen=True)
class ModuleSpec:
    name: str
    """Folder name under dist/terraform-modules/ and the example's name: a public contract."""
    summary: str
    """One paragraph for the README: what the module builds and its secure defaults."""
    variables: Sequence[ModuleVariable]
    build: Build
    fixed: Sequence[str] = ()
    """Shape decisions fixed in this generated module (and how to get another shape from Python)."""
    construct: str = ""
    """The Python construct it is generated from, e.g. modules.network.Network."""
    notes: Sequence[str] = field(default_factory=tuple)
    """Anything a consumer must know before applying (prerequisites, what to wire onward)."""

    def __post_init__(self) -> None:
        names = [v.name for v in self.variables]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"module {self.name!r} declares variables {duplicates} twice; fix: rename one")
        for variable in self.variables:
            if not variable.description.strip():
                raise ValueError(f"module {self.name!r} variable {variable.name!r} has no description; "
                                 "fix: say what it is and its secure default")
