"""Layers 2-4 for the standby site, on cafe-dr prod with the pilot light switched on (tests/configs): every
stack of that environment (the standby's, and the primary's edge with its failover records) validates
and plans offline creating exactly what it declares; the standby stacks pass checkov on their own (the
whole environment is in test_compliance's scan). The shipped blueprints enable no standby yet, so the
parametrized layers do not reach these stacks."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from compliance.scan import scan
from tests.harness.terraform import TerraformWorkdir
from tests.support import platform_manifest
from tests.workdirs import offline_workdir

pytestmark = pytest.mark.terraform


@pytest.fixture(scope="module")
def outdir(pilot_light) -> Path:
    return pilot_light


def _standby_stacks(outdir: Path) -> list[str]:
    names = [s["name"] for s in platform_manifest(outdir)["stacks"] if s["site"] == "standby"]
    assert names, "the pilot-light configuration synthesized no standby stack"
    return names


def _stacks_changed_by_the_standby(outdir: Path) -> list[str]:
    """The standby's stacks and the primary's that read them (the edge's failover records)."""
    stacks = platform_manifest(outdir)["stacks"]
    standby = {s["name"] for s in stacks if s["site"] == "standby"}
    return [s["name"] for s in stacks if s["name"] in standby or set(s["consumes"]) & standby]


def test_standby_stacks_validate(outdir, tmp_path):
    for name in _stacks_changed_by_the_standby(outdir):
        workdir = TerraformWorkdir(outdir / "stacks" / name, tmp_path / name)
        workdir.init(backend=False)
        workdir.validate()


def test_standby_stacks_plan_offline_creating_what_they_declare(outdir, tmp_path):
    names = _stacks_changed_by_the_standby(outdir)
    assert "cafe-dr-prod-edge" in names
    for name in names:
        workdir = offline_workdir(outdir, name, tmp_path / name)
        workdir.init()
        workdir.plan(extra_args=["-out=plan.bin"])
        plan = json.loads(workdir.run("show", "-json", "plan.bin").stdout)
        creates = sorted({re.sub(r"\[[^\]]*\]$", "", c["address"]) for c in plan["resource_changes"]
                          if c["mode"] == "managed" and c["change"]["actions"] == ["create"]})
        declared = json.loads((outdir / "stacks" / name / "cdk.tf.json").read_text())["resource"]
        assert creates == sorted(f"{t}.{n}" for t, instances in declared.items() for n in instances), name


def test_standby_stacks_pass_checkov(outdir, tmp_path):
    """The whole pilot-light environment is part of tests/terraform/test_compliance.py's scan; here the
    standby stacks alone, to show checks ran on them."""
    only_standby = tmp_path / "standby-only"
    for name in _standby_stacks(outdir):
        shutil.copytree(outdir / "stacks" / name, only_standby / "stacks" / name)
    alone = scan([only_standby])
    failures = [f"{f.check} {f.stack}/{f.resource}: {f.name}" for f in alone.failed]
    assert failures == [] and alone.parsing_errors == []
    assert alone.passed > 50, alone.passed
