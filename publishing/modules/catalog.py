"""Every generated module: one spec file each under publishing/modules/specs/, found by listing the package
(files starting with `_` are skipped: a spec under construction breaks nobody else's generation)."""

from __future__ import annotations

import importlib
import pkgutil

from publishing.modules import specs
from publishing.modules.spec import ModuleSpec

REQUIRED_MODULES = ("network", "alb", "asg-fleet", "ecs-service", "rds", "aurora", "cache", "s3-bucket", "alarms",
                    "cloudtrail", "report", "dr-failover")
"""What the project promises HCL users (and the README's order); more may exist."""


def module_specs() -> list[ModuleSpec]:
    found = {}
    for info in pkgutil.iter_modules(specs.__path__):
        if info.name.startswith("_"):
            continue  # work in progress (or a private helper): not published
        module = importlib.import_module(f"{specs.__name__}.{info.name}")
        spec = getattr(module, "SPEC", None)
        if not isinstance(spec, ModuleSpec):
            raise TypeError(f"{module.__name__} defines no SPEC = ModuleSpec(...); fix: add one or move the file")
        found[spec.name] = spec
    order = {name: index for index, name in enumerate(REQUIRED_MODULES)}
    return sorted(found.values(), key=lambda spec: (order.get(spec.name, len(order)), spec.name))
