"""Synthesize into a staging folder beside the target, then swap: never a half-written cdktf.out/.

Terraform's working files in the old output (`.terraform/`, `.terraform.lock.hcl`) are carried over
to the matching stack folders so a re-synth does not force a fresh `terraform init`: `stacks/<name>/`
for one environment, `<blueprint>/<environment>/stacks/<name>/` for `main.py --all`.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

KEPT_PER_STACK = (".terraform", ".terraform.lock.hcl")


@contextmanager
def staged_output(target: Path) -> Iterator[Path]:
    """Yields an empty staging folder; on success it replaces `target`, on failure it disappears."""
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-", dir=target.parent))
    try:
        yield staging
        _carry_over_terraform_files(target, staging)
        retired = None
        if target.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            target.rename(retired / "out")
        staging.rename(target)
        if retired is not None:
            shutil.rmtree(retired, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _carry_over_terraform_files(old: Path, new: Path) -> None:
    for stack in (*new.glob("stacks/*/"), *new.glob("*/*/stacks/*/")):
        relative = stack.relative_to(new)
        for name in KEPT_PER_STACK:
            source = old / relative / name
            if source.exists() and not (stack / name).exists():
                source.rename(stack / name)
