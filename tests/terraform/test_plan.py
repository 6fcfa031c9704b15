"""Layer 3: every stack plans offline (fake credentials, local backend, seeded remote-state inputs),
and the plan creates exactly the resources the stack declares."""

from __future__ import annotations

import json
import re

import pytest

from configuration import load
from synth.app import STACK_TYPES, synthesize
from tests.consumer_stack import NetworkConsumerStack
from tests.support import stack_cases, stack_name
from tests.workdirs import offline_workdir

pytestmark = pytest.mark.terraform
CASES = stack_cases()


@pytest.mark.parametrize("blueprint, environment, key", CASES, ids=["-".join(c) for c in CASES])
def test_stack_plans_offline(synthesized, tmp_path, blueprint, environment, key):
    outdir = synthesized[(blueprint, environment)]
    stack = stack_name(outdir, key)
    workdir = offline_workdir(outdir, stack, tmp_path)
    workdir.init()
    workdir.plan(extra_args=["-out=plan.bin"])
    plan = json.loads(workdir.run("show", "-json", "plan.bin").stdout)
    # count and for_each instances count once: the declared resource
    creates = sorted({re.sub(r"\[[^\]]*\]$", "", c["address"]) for c in plan["resource_changes"]
                      if c["mode"] == "managed" and c["change"]["actions"] == ["create"]})
    declared = json.loads((outdir / "stacks" / stack / "cdk.tf.json").read_text())["resource"]
    assert creates == sorted(f"{t}.{n}" for t, instances in declared.items() for n in instances)
    assert all(c["change"]["actions"] in (["create"], ["read"]) for c in plan["resource_changes"])


def test_a_consumer_stack_plans_against_seeded_network_outputs(tmp_path):
    """Cross-stack wiring offline: the remote state reads a seeded local state with the network's contract."""
    outdir = tmp_path / "out"
    synthesize(load("notebookly", "dev"), outdir, stack_types=(*STACK_TYPES, NetworkConsumerStack))
    document = json.loads((outdir / "stacks" / "notebookly-dev-consumer" / "cdk.tf.json").read_text())
    assert document["data"]["terraform_remote_state"]["network"] == {"backend": "s3", "config": {
        "bucket": "notebookly-dev-tfstate-123456789012", "key": "notebookly/dev/network.tfstate",
        "region": "ap-south-1"}}
    workdir = offline_workdir(outdir, "notebookly-dev-consumer", tmp_path / "wd")
    workdir.init()
    workdir.plan(extra_args=["-out=plan.bin"])
    plan = json.loads(workdir.run("show", "-json", "plan.bin").stdout)
    group = next(c for c in plan["resource_changes"] if c["type"] == "aws_security_group")
    assert group["change"]["after"]["vpc_id"] == "notebookly-dev-network-vpc_id"
    assert plan["output_changes"]["seen_app_subnet_ids"]["after"] == [
        "notebookly-dev-network-app_subnet_ids-0", "notebookly-dev-network-app_subnet_ids-1"]
