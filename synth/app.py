"""Assemble the stacks a blueprint environment needs and synthesize them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from synth.runtime import prepare_runtime

prepare_runtime()

from cdktf import App  # noqa: E402  (after the runtime is prepared)

from configuration import BlueprintConfig  # noqa: E402
from stacks.account import AccountStack  # noqa: E402
from stacks.base import PlatformStack  # noqa: E402
from stacks.compute import ComputeStack  # noqa: E402
from stacks.data import DataStack  # noqa: E402
from stacks.edge import EdgeStack  # noqa: E402
from stacks.failover import FailoverStack  # noqa: E402
from stacks.network import NetworkStack  # noqa: E402
from stacks.ops import OpsStack  # noqa: E402
from stacks.reports import ReportsStack  # noqa: E402
from stacks.standby import StandbyComputeStack, StandbyDataStack, StandbyNetworkStack  # noqa: E402
from stacks.state import StateStack  # noqa: E402
from synth.output import staged_output  # noqa: E402

# Dependency order: a stack only reads the exports of stacks before it.
STACK_TYPES: tuple[type[PlatformStack], ...] = (StateStack, NetworkStack, StandbyNetworkStack, DataStack,
                                                  StandbyDataStack, ComputeStack, StandbyComputeStack, EdgeStack,
                                                  OpsStack, FailoverStack, ReportsStack, AccountStack)
PLATFORM_MANIFEST = "platform.json"


@dataclass(frozen=True)
class StackSummary:
    name: str
    resources: int
    directory: str


def synthesize(config: BlueprintConfig, outdir: Path,
               stack_types: Sequence[type[PlatformStack]] = STACK_TYPES) -> list[StackSummary]:
    """Write every stack of `config` to `outdir` atomically, plus platform.json (order and contracts)."""
    with staged_output(Path(outdir)) as staging:
        app = App(outdir=str(staging))
        stacks = [stack_type(app, config) for stack_type in stack_types if stack_type.applies_to(config)]
        app.synth()
        manifest = {"blueprint": config.blueprint, "environment": config.environment, "name_prefix": config.name_prefix,
                    "stacks": [asdict(s.contract) for s in stacks]}
        (staging / PLATFORM_MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        summaries = [_summary(staging, Path(outdir), s.contract.name) for s in stacks]
    return summaries


def _summary(staging: Path, outdir: Path, name: str) -> StackSummary:
    document = json.loads((staging / "stacks" / name / "cdk.tf.json").read_text())
    count = sum(len(instances) for instances in document.get("resource", {}).values())
    return StackSummary(name=name, resources=count, directory=str(outdir / "stacks" / name))
