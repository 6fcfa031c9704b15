"""Assemble the stacks a blueprint environment needs and synthesize them: one environment, or many
into one output folder in one process (`synthesize_all`), sharing the jsii runtime and the imports."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from synth.runtime import prepare_runtime

prepare_runtime()

from cdktf import App  # noqa: E402  (after the runtime is prepared)

from configuration import BlueprintConfig  # noqa: E402
from stacks.account import AccountStack  # noqa: E402
from stacks.base import NAME_TAGS_BY_SYNTH, PlatformStack  # noqa: E402
from stacks.compute import ComputeStack  # noqa: E402
from stacks.data import DataStack  # noqa: E402
from stacks.edge import EdgeStack  # noqa: E402
from stacks.failover import FailoverStack  # noqa: E402
from stacks.network import NetworkStack  # noqa: E402
from stacks.ops import OpsStack  # noqa: E402
from stacks.reports import ReportsStack  # noqa: E402
from stacks.standby import StandbyComputeStack, StandbyDataStack, StandbyNetworkStack  # noqa: E402
from stacks.state import StateStack  # noqa: E402
from synth import known_constructs  # noqa: E402
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
        return _synthesize_into(config, staging, Path(outdir), stack_types)


@dataclass(frozen=True)
class EnvironmentSummary:
    blueprint: str
    environment: str
    directory: str
    seconds: float
    stacks: list[StackSummary]


def environment_folder(config: BlueprintConfig) -> Path:
    """Where `synthesize_all` puts an environment, relative to its output folder."""
    return Path(config.blueprint) / config.environment


def synthesize_all(configs: Sequence[BlueprintConfig], outdir: Path,
                   stack_types: Sequence[type[PlatformStack]] = STACK_TYPES) -> list[EnvironmentSummary]:
    """Each configuration into `outdir/<blueprint>/<environment>/`, exactly as `synthesize` would write it
    alone; atomically as a whole, so on any error none of them is written."""
    folders = [environment_folder(config) for config in configs]
    if len(set(folders)) != len(folders):
        repeated = sorted({str(f) for f in folders if folders.count(f) > 1})
        raise ValueError(f"environments {repeated} are given more than once; fix: list each environment once")
    summaries = []
    with staged_output(Path(outdir)) as staging:
        for config, folder in zip(configs, folders, strict=True):
            started = time.perf_counter()
            stacks = _synthesize_into(config, staging / folder, Path(outdir) / folder, stack_types)
            summaries.append(EnvironmentSummary(config.blueprint, config.environment, str(Path(outdir) / folder),
                                                time.perf_counter() - started, stacks))
    return summaries


def _synthesize_into(config: BlueprintConfig, staging: Path, outdir: Path,
                     stack_types: Sequence[type[PlatformStack]]) -> list[StackSummary]:
    """Synthesize into `staging` (an empty or missing folder); summaries name the final `outdir`."""
    staging.mkdir(parents=True, exist_ok=True)
    app = App(outdir=str(staging), context={NAME_TAGS_BY_SYNTH: True})
    stacks = [stack_type(app, config) for stack_type in stack_types if stack_type.applies_to(config)]
    for stack in stacks:
        stack.name_tags.tag_all(stack, known_constructs)
    app.synth()
    manifest = {"blueprint": config.blueprint, "environment": config.environment, "name_prefix": config.name_prefix,
                "stacks": [asdict(s.contract) for s in stacks]}
    (staging / PLATFORM_MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return [_summary(staging, outdir, s.contract.name) for s in stacks]


def _summary(staging: Path, outdir: Path, name: str) -> StackSummary:
    document = json.loads((staging / "stacks" / name / "cdk.tf.json").read_text())
    count = sum(len(instances) for instances in document.get("resource", {}).values())
    return StackSummary(name=name, resources=count, directory=str(outdir / "stacks" / name))
