"""Layer 2: every synthesized stack of every blueprint and environment passes `terraform validate`
against the real AWS provider 5.100.0, and every taggable resource (by the provider's schema) has a Name."""

from __future__ import annotations

import json

import pytest

from tests.harness.terraform import TerraformWorkdir, local_backend_override
from tests.support import ALL_ENVIRONMENTS, platform_manifest, stack_cases, stack_dir

pytestmark = pytest.mark.terraform
CASES = stack_cases()


@pytest.mark.parametrize("blueprint, environment, stack", CASES, ids=["-".join(c) for c in CASES])
def test_stack_is_valid_terraform(synthesized, tmp_path, blueprint, environment, stack):
    workdir = TerraformWorkdir(stack_dir(synthesized[(blueprint, environment)], stack), tmp_path / "wd")
    workdir.init(backend=False)
    workdir.validate()


def test_every_taggable_resource_has_a_name_tag(synthesized, tmp_path):
    """The provider's own schema decides what is taggable, independently of our NameTags aspect."""
    some_stack = stack_dir(synthesized[ALL_ENVIRONMENTS[0]], "network")
    workdir = TerraformWorkdir(some_stack, tmp_path / "schema")
    workdir.write_override(local_backend_override(tmp_path / "unused.tfstate"))  # schema needs an initialized backend
    workdir.init()
    schema = json.loads(workdir.run("providers", "schema", "-json").stdout)
    aws = next(v for k, v in schema["provider_schemas"].items() if k.endswith("hashicorp/aws"))
    taggable = {t for t, s in aws["resource_schemas"].items() if "tags" in s["block"].get("attributes", {})}
    checked = 0
    for outdir in synthesized.values():
        for stack in platform_manifest(outdir)["stacks"]:
            document = json.loads((outdir / "stacks" / stack["name"] / "cdk.tf.json").read_text())
            for resource_type, instances in document.get("resource", {}).items():
                if resource_type not in taggable:
                    continue
                for name, resource in instances.items():
                    assert resource.get("tags", {}).get("Name"), f"{stack['name']}: {resource_type}.{name} has no Name"
                    checked += 1
    assert checked > 20
