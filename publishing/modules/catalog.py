"""Every generated module, in the order the README lists them."""

from __future__ import annotations

from publishing.modules.spec import ModuleSpec


def module_specs() -> list[ModuleSpec]:
    from publishing.modules.specs import network

    return [network.SPEC]
