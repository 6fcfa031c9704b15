"""Synthesize a blueprint environment to Terraform JSON.

    python main.py                                  # notebookly, dev -> cdktf.out/
    python main.py --blueprint notebookly --env prod [--config FILE] [--out DIR]
    python main.py --all [--out DIR]                # every blueprint and environment -> DIR/<blueprint>/<env>/
    python main.py --list

The same choices can come from PLATFORM_BLUEPRINT, PLATFORM_ENV, PLATFORM_CONFIG and PLATFORM_OUT
(or CDKTF_OUTDIR, which `cdktf synth` sets), so `cdktf synth` selects blueprints too.
Configuration is validated before anything is built; on any error nothing is written.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from configuration import DEFAULT_BLUEPRINT, DEFAULT_ENVIRONMENT, BlueprintConfig, ConfigError, list_blueprints, load

if TYPE_CHECKING:
    from synth.app import EnvironmentSummary, StackSummary

SELECTION_FLAGS = ("--blueprint", "--env", "--config")


def parse_args(argv: list[str]) -> argparse.Namespace:
    env = os.environ
    parser = argparse.ArgumentParser(description="Synthesize a blueprint environment to Terraform JSON.")
    parser.add_argument("--blueprint", help=f"blueprint name (default: {DEFAULT_BLUEPRINT}; env PLATFORM_BLUEPRINT)")
    parser.add_argument("--env", dest="environment",
                        help=f"environment (default: {DEFAULT_ENVIRONMENT}; env PLATFORM_ENV)")
    parser.add_argument("--config", type=Path,
                        help="your own YAML/TOML file, may `extends: notebookly/prod` (env PLATFORM_CONFIG)")
    parser.add_argument("--out", type=Path,
                        default=env.get("PLATFORM_OUT") or env.get("CDKTF_OUTDIR") or "cdktf.out",
                        help="output folder (default: %(default)s; env PLATFORM_OUT or CDKTF_OUTDIR)")
    parser.add_argument("--all", action="store_true",
                        help="every blueprint and environment, each into OUT/<blueprint>/<env>/, in one process "
                             f"(not combinable with {', '.join(SELECTION_FLAGS)}; ignores PLATFORM_BLUEPRINT, "
                             "PLATFORM_ENV and PLATFORM_CONFIG)")
    parser.add_argument("--list", action="store_true", help="list blueprints and their environments")
    args = parser.parse_args(argv)
    if args.all:
        given = [flag for flag, value in zip(SELECTION_FLAGS, (args.blueprint, args.environment, args.config),
                                             strict=True) if value is not None]
        if given:
            parser.error(f"--all synthesizes every blueprint and environment, so it cannot be combined with "
                         f"{', '.join(given)}; fix: drop {' and '.join(given)}, or drop --all")
    else:
        args.blueprint = args.blueprint or env.get("PLATFORM_BLUEPRINT", DEFAULT_BLUEPRINT)
        args.environment = args.environment or env.get("PLATFORM_ENV", DEFAULT_ENVIRONMENT)
        args.config = args.config or (Path(env["PLATFORM_CONFIG"]) if env.get("PLATFORM_CONFIG") else None)
    return args


def print_blueprints() -> None:
    for info in list_blueprints():
        print(f"{info.name:14} {', '.join(info.environments):20} {info.description}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.list:
        print_blueprints()
        return 0
    collecting = gc.isenabled()
    gc.disable()  # a synth makes few reference cycles (peak RSS 96 MB without the collector, 94 MB with it),
    try:          # while the collector's walks over the bindings and jsii objects cost ~0.1 s per environment
        return synthesize_selected(args)
    finally:
        if collecting:
            gc.enable()


def synthesize_selected(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    configs, errors = load_all() if args.all else load_one(args.blueprint, args.environment, args.config)
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    if errors:
        return 2
    from synth.app import synthesize, synthesize_all  # imported only once the configuration is known to be good

    if args.all:
        print_environments(synthesize_all(configs, args.out), args.out, started)
    else:
        print_stacks(configs[0], synthesize(configs[0], args.out), args.out, started)
    return 0


def print_stacks(config: BlueprintConfig, stacks: list[StackSummary], out: Path, started: float) -> None:
    print(f"Synthesized {config.blueprint}/{config.environment} into {out}/ in {time.perf_counter() - started:.1f} s:")
    for stack in stacks:
        print(f"  {stack.name:32} {stack.resources:4} resources  {stack.directory}")


def print_environments(environments: list[EnvironmentSummary], out: Path, started: float) -> None:
    for env in environments:
        print(f"  {env.blueprint + '/' + env.environment:24} {len(env.stacks):3} stacks "
              f"{sum(s.resources for s in env.stacks):5} resources {env.seconds:5.1f} s  {env.directory}")
    print(f"Synthesized {len(environments)} environments into {out}/ in {time.perf_counter() - started:.1f} s")


def load_one(blueprint: str, environment: str, config_file: Path | None
             ) -> tuple[list[BlueprintConfig], list[ConfigError]]:
    try:
        return [load(blueprint, environment, config_file)], []
    except ConfigError as error:
        return [], [error]


def load_all() -> tuple[list[BlueprintConfig], list[ConfigError]]:
    """Every blueprint environment, all validated before any is built, with the errors of all of them."""
    configs, errors = [], []
    for info in list_blueprints():
        for environment in info.environments:
            loaded, failed = load_one(info.name, environment, None)
            configs += loaded
            errors += failed
    return configs, errors


if __name__ == "__main__":
    code = main()
    gc.freeze()  # exiting: spare the interpreter's final collection a walk over every object (~0.4 s)
    sys.exit(code)
