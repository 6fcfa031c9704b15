"""Layer 4 for the standby site on its own: cafe-dr prod's standby stacks (dr-network, dr-data, dr-compute,
dr-failover) pass checkov without the primary's stacks beside them, which shows checks ran on them. Layers
2 and 3 reach them through the parametrized cases of test_validate and test_plan (keys 'dr-*'), and the
whole environment is part of test_compliance's scan."""

from __future__ import annotations

import shutil

import pytest

from compliance.scan import scan
from tests.support import platform_manifest, stack_cases

pytestmark = pytest.mark.terraform


def test_the_parametrized_layers_reach_every_standby_stack():
    keys = {key for blueprint, environment, key in stack_cases() if (blueprint, environment) == ("cafe-dr", "prod")}
    assert keys >= {"network", "dr-network", "data", "dr-data", "compute", "dr-compute", "edge", "dr-failover"}


def test_standby_stacks_pass_checkov(synthesized, tmp_path):
    outdir = synthesized[("cafe-dr", "prod")]
    names = [s["name"] for s in platform_manifest(outdir)["stacks"] if s["site"] == "standby"]
    assert names == ["cafe-dr-prod-dr-network", "cafe-dr-prod-dr-data", "cafe-dr-prod-dr-compute",
                     "cafe-dr-prod-dr-failover"]
    only_standby = tmp_path / "standby-only"
    for name in names:
        shutil.copytree(outdir / "stacks" / name, only_standby / "stacks" / name)
    alone = scan([only_standby])
    failures = [f"{f.check} {f.stack}/{f.resource}: {f.name}" for f in alone.failed]
    assert failures == [] and alone.parsing_errors == []
    assert alone.passed > 50, alone.passed
