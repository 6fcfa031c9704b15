"""The synthesized stacks a CI pipeline plans and applies, in platform.json's apply order.

    python -m scripts.stack_order [cdktf.out] [--purpose plan|apply] [--expect-env prod] [--skipped]

Prints the stack names as a JSON list: the pull-request workflow's plan matrix, and the order in which
the main workflow applies. platform.json is the one source of that order (a stack only reads the exports of
stacks before it); this module only leaves out what a pipeline must not run:

- a stack on a local backend (the state bootstrap before its migration to S3): its state is a file on the
  operator's machine, so a runner would see no state and plan to create the state bucket again;
- on apply, the stacks the deploy role is denied (modules/account): the account stack manages that very
  role, and the state stack the state bucket and key, which the role may only read and write state in;
  an administrator applies both.

Standard library only: the plan jobs run it without the project's virtualenv.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

MANIFEST = "platform.json"  # synth.app.PLATFORM_MANIFEST (not imported: that module starts jsii)
PURPOSES = ("plan", "apply")
ADMINISTRATOR_LAYERS = {
    "state": "the state bucket and key, which the deploy role may only read and write state in: an administrator "
             "applies it",
    "account": "manages the deploy role CI runs as (the role is denied changing itself): an administrator applies it",
}
LOCAL_STATE_REASON = ("local backend (state bootstrap): its state is on the operator's machine; migrate it to S3 "
                      "(state.bootstrap_backend: s3) for CI to plan it")


class ManifestError(ValueError):
    """platform.json is missing, unreadable, or not the environment the caller expected."""


@dataclass(frozen=True)
class Stack:
    name: str
    layer: str
    backend: str


@dataclass(frozen=True)
class Selection:
    environment: str
    stacks: list[Stack]
    """What CI runs, in apply order."""
    skipped: list[tuple[Stack, str]]
    """What it leaves out, each with the reason."""

    @property
    def names(self) -> list[str]:
        return [stack.name for stack in self.stacks]


def load_manifest(out_dir: Path) -> dict:
    path = Path(out_dir) / MANIFEST
    if not path.is_file():
        raise ManifestError(f"{path} does not exist; fix: synthesize first (make synth, or python main.py "
                            f"--out {out_dir})")
    try:
        manifest = json.loads(path.read_text())
        stacks = manifest["stacks"]
        if not isinstance(stacks, list) or not all({"name", "layer", "backend"} <= set(s) for s in stacks):
            raise TypeError("every entry of 'stacks' needs name, layer and backend")
    except (json.JSONDecodeError, KeyError, TypeError) as error:
        raise ManifestError(f"{path} is not a platform manifest ({error}); fix: synthesize again") from None
    return manifest


def select(manifest: dict, purpose: str) -> Selection:
    """The stacks CI runs for `purpose`, in the manifest's order, and the ones it skips with why."""
    if purpose not in PURPOSES:
        raise ValueError(f"purpose {purpose!r}; fix: one of {list(PURPOSES)}")
    chosen: list[Stack] = []
    skipped: list[tuple[Stack, str]] = []
    for entry in manifest["stacks"]:
        stack = Stack(name=entry["name"], layer=entry["layer"], backend=entry["backend"])
        if stack.backend != "s3":
            skipped.append((stack, LOCAL_STATE_REASON))
        elif purpose == "apply" and stack.layer in ADMINISTRATOR_LAYERS:
            skipped.append((stack, ADMINISTRATOR_LAYERS[stack.layer]))
        else:
            chosen.append(stack)
    return Selection(environment=manifest.get("environment", ""), stacks=chosen, skipped=skipped)


def ci_stacks(out_dir: Path, purpose: str, expect_env: str | None = None) -> Selection:
    manifest = load_manifest(out_dir)
    environment = manifest.get("environment")
    if expect_env and environment != expect_env:
        raise ManifestError(f"{Path(out_dir) / MANIFEST} is environment {environment!r}, expected {expect_env!r}; "
                            f"fix: synthesize {expect_env!r} (make synth ENV={expect_env}; with PLATFORM_CONFIG "
                            "set, that environment's file)")
    return select(manifest, purpose)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", nargs="?", type=Path, default=Path("cdktf.out"),
                        help="synthesized output folder (default: %(default)s)")
    parser.add_argument("--purpose", choices=PURPOSES, default="plan")
    parser.add_argument("--expect-env", help="fail unless platform.json is this environment")
    parser.add_argument("--skipped", action="store_true", help="print the left-out stacks and why, not the list")
    args = parser.parse_args(argv)
    try:
        selection = ci_stacks(args.out_dir, args.purpose, args.expect_env)
    except ManifestError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.skipped:
        for stack, reason in selection.skipped:
            print(f"{stack.name}: {reason}")
    else:
        print(json.dumps(selection.names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
