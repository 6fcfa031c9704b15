"""Synthesize a blueprint environment to Terraform JSON.

    python main.py                                  # notebookly, dev -> cdktf.out/
    python main.py --blueprint notebookly --env prod [--config FILE] [--out DIR]
    python main.py --list

The same choices can come from PLATFORM_BLUEPRINT, PLATFORM_ENV, PLATFORM_CONFIG and PLATFORM_OUT
(or CDKTF_OUTDIR, which `cdktf synth` sets), so `cdktf synth` selects blueprints too.
Configuration is validated before anything is built; on any error nothing is written.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from configuration import DEFAULT_BLUEPRINT, DEFAULT_ENVIRONMENT, ConfigError, list_blueprints, load


def parse_args(argv: list[str]) -> argparse.Namespace:
    env = os.environ
    parser = argparse.ArgumentParser(description="Synthesize a blueprint environment to Terraform JSON.")
    parser.add_argument("--blueprint", default=env.get("PLATFORM_BLUEPRINT", DEFAULT_BLUEPRINT),
                        help="blueprint name (default: %(default)s; env PLATFORM_BLUEPRINT)")
    parser.add_argument("--env", dest="environment", default=env.get("PLATFORM_ENV", DEFAULT_ENVIRONMENT),
                        help="environment (default: %(default)s; env PLATFORM_ENV)")
    parser.add_argument("--config", type=Path, default=env.get("PLATFORM_CONFIG") or None,
                        help="your own YAML/TOML file, may `extends: notebookly/prod` (env PLATFORM_CONFIG)")
    parser.add_argument("--out", type=Path,
                        default=env.get("PLATFORM_OUT") or env.get("CDKTF_OUTDIR") or "cdktf.out",
                        help="output folder (default: %(default)s; env PLATFORM_OUT or CDKTF_OUTDIR)")
    parser.add_argument("--list", action="store_true", help="list blueprints and their environments")
    return parser.parse_args(argv)


def print_blueprints() -> None:
    for info in list_blueprints():
        print(f"{info.name:14} {', '.join(info.environments):20} {info.description}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.list:
        print_blueprints()
        return 0
    started = time.perf_counter()
    try:
        config = load(args.blueprint, args.environment, args.config)
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    from synth.app import synthesize  # imported only once the configuration is known to be good

    summaries = synthesize(config, args.out)
    print(f"Synthesized {config.blueprint}/{config.environment} into {args.out}/ "
          f"in {time.perf_counter() - started:.1f} s:")
    for summary in summaries:
        print(f"  {summary.name:32} {summary.resources:4} resources  {summary.directory}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
