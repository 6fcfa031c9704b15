"""Layer 3: every stack plans offline (fake credentials, local backend, seeded remote-state inputs),
and the plan creates exactly the resources the stack declares."""

from __future__ import annotations

import json

import pytest

from synth.app import STACK_TYPES
from tests.support import ALL_ENVIRONMENTS, platform_manifest
from tests.workdirs import offline_workdir

pytestmark = pytest.mark.terraform
CASES = [(b, e, t.layer) for b, e in ALL_ENVIRONMENTS for t in STACK_TYPES]


@pytest.mark.parametrize("blueprint, environment, layer", CASES, ids=["-".join(c) for c in CASES])
def test_stack_plans_offline(synthesized, tmp_path, blueprint, environment, layer):
    outdir = synthesized[(blueprint, environment)]
    stack = next(s["name"] for s in platform_manifest(outdir)["stacks"] if s["layer"] == layer)
    workdir = offline_workdir(outdir, stack, tmp_path)
    workdir.init()
    workdir.plan(extra_args=["-out=plan.bin"])
    plan = json.loads(workdir.run("show", "-json", "plan.bin").stdout)
    creates = sorted(c["address"] for c in plan["resource_changes"]
                     if c["mode"] == "managed" and c["change"]["actions"] == ["create"])
    declared = json.loads((outdir / "stacks" / stack / "cdk.tf.json").read_text())["resource"]
    assert creates == sorted(f"{t}.{n}" for t, instances in declared.items() for n in instances)
    assert all(c["change"]["actions"] in (["create"], ["read"]) for c in plan["resource_changes"])
