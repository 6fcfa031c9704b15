"""Layer 1: docs/runbooks/security-incident.md names what the stacks really build: every `out <stack> <output>`
is an output of that stack in saas prod, and every `$P-...` name it gives a rule, alarm, group, log group or
role exists there (the EC2 fleet's example in notebookly prod), apart from the names the runbook itself makes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.support import stack_document

RUNBOOK = Path(__file__).resolve().parents[2] / "docs" / "runbooks" / "security-incident.md"
STACKS = ("network", "data", "compute", "ops", "account")
MADE_BY_THE_RUNBOOK = {"-quarantine", "-main-incident-", "-main-restored"}
"""The quarantine group, the incident snapshot and the restored instance."""
EC2_EXAMPLES = {"-web"}
"""The EC2 fleet of the instance steps (saas runs Fargate only): notebookly prod's."""
NAMES = sorted(set(re.findall(r"\$P(-[a-z0-9-]+)", RUNBOOK.read_text())) - MADE_BY_THE_RUNBOOK)


def _everything(outdir: Path, prefix: str) -> str:
    return json.dumps({key: stack_document(outdir, key) for key in STACKS
                       if (outdir / "stacks" / f"{prefix}-{key}").is_dir()})


def test_every_output_the_runbook_reads_exists(synthesized):
    outdir = synthesized[("saas", "prod")]
    wanted = set(re.findall(rf"\bout ({'|'.join(STACKS)}) (\w+)", RUNBOOK.read_text()))
    assert {("ops", "guardduty_detector_id"), ("data", "backup_vault_name")} <= wanted
    for stack, output in sorted(wanted):
        assert output in stack_document(outdir, stack).get("output", {}), f"{stack} has no output {output}"


@pytest.mark.parametrize("name", NAMES)
def test_every_resource_name_the_runbook_uses_exists(synthesized, name):
    blueprint, prefix = ("notebookly", "notebookly-prod") if name in EC2_EXAMPLES else ("saas", "saas-prod")
    everything = _everything(synthesized[(blueprint, "prod")], prefix)
    assert f'"{prefix}{name}"' in everything or f"/{prefix}{name}\"" in everything, (
        f"{prefix}{name} is not a name in {prefix}'s stacks")
