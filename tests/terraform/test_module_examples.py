"""The generated Terraform modules: committed as generated, shaped like modules, and every example under
examples/ validates and plans offline against them with the real AWS provider."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from publishing.modules.__main__ import write_modules
from publishing.modules.catalog import module_specs
from tests.harness.terraform import TerraformError
from tests.workdirs import EXAMPLES, example_workdir

pytestmark = pytest.mark.terraform
COMMITTED = Path(__file__).resolve().parents[2] / "dist" / "terraform-modules"
NAMES = [spec.name for spec in module_specs()]


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("modules") / "terraform-modules"
    write_modules(out)
    return out


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_committed_modules_are_what_the_generator_writes(generated):
    committed, fresh = _files(COMMITTED), _files(generated)
    assert sorted(committed) == sorted(fresh), "run `make modules` and commit dist/terraform-modules"
    stale = [name for name in fresh if committed[name] != fresh[name]]
    assert not stale, f"{stale} differ from the generator's output; run `make modules` and commit"


def test_every_module_has_an_example_and_every_example_a_module():
    assert sorted(p.name for p in EXAMPLES.iterdir() if (p / "main.tf").is_file()) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_a_module_is_a_module_typed_and_described(generated, name):
    folder = generated / name
    assert sorted(p.name for p in folder.iterdir() if p.name != "assets") == [
        "README.md", "main.tf.json", "outputs.tf.json", "variables.tf.json", "versions.tf.json"]
    # Lambda code a module ships (assets/) is referenced relative to the module, so it works from any caller
    assets = {p.relative_to(folder).as_posix() for p in (folder / "assets").rglob("*") if p.is_file()}
    assert assets == set(re.findall(r"\$\{path\.module\}/(assets/[^\"\\]+)", (folder / "main.tf.json").read_text()))
    main = json.loads((folder / "main.tf.json").read_text())
    assert "provider" not in main and "terraform" not in main and main["resource"]
    versions = json.loads((folder / "versions.tf.json").read_text())["terraform"]
    assert set(versions) == {"required_version", "required_providers"}  # no backend: the caller owns it
    assert versions["required_providers"]["aws"]["version"].startswith(">= 5.100.0")
    variables = json.loads((folder / "variables.tf.json").read_text())["variable"]
    for variable_name, variable in variables.items():
        assert variable["type"] and len(variable["description"]) > 20, variable_name
    outputs = json.loads((folder / "outputs.tf.json").read_text())["output"]
    assert outputs and all(o["description"] for o in outputs.values())
    readme = (folder / "README.md").read_text()
    for item in (*variables, *outputs):
        assert f"| `{item}` |" in readme, f"{item} missing from the README's tables"
    assert f"dist/terraform-modules/{name}?ref=v" in readme  # how to pin it by git tag


def _planned(workdir) -> dict:
    workdir.init()
    workdir.validate()
    workdir.plan(extra_args=["-out=plan.bin"])
    return json.loads(workdir.run("show", "-json", "plan.bin").stdout)


@pytest.mark.parametrize("name", NAMES)
def test_the_example_validates_and_plans_every_resource_of_the_module(generated, tmp_path, name):
    plan = _planned(example_workdir(name, generated, tmp_path))
    call = plan["configuration"]["root_module"]["module_calls"][name.replace("-", "_")]
    declared = json.loads((generated / name / "main.tf.json").read_text())["resource"]
    prefix = f"module.{name.replace('-', '_')}."
    creates = sorted({re.sub(r"\[[^\]]*\]$", "", c["address"]) for c in plan["resource_changes"]
                      if c["mode"] == "managed" and c["address"].startswith(prefix)
                      and c["change"]["actions"] == ["create"]})
    assert creates == sorted(f"{prefix}{kind}.{n}" for kind, items in declared.items() for n in items)
    # the example shows the module with non-default values, not just its required inputs
    variables = json.loads((generated / name / "variables.tf.json").read_text())["variable"]
    set_values = {k: v.get("constant_value") for k, v in call["expressions"].items()}
    changed = [k for k, v in variables.items() if "default" in v and k in set_values and set_values[k] != v["default"]]
    assert changed or not any("default" in v for v in variables.values()), \
        f"examples/{name} sets no optional input to a non-default value"


def test_the_network_example_carves_the_subnets_the_python_construct_would(generated, tmp_path):
    from modules.network.cidr import plan_subnets

    plan = _planned(example_workdir("network", generated, tmp_path))
    subnets = {c["change"]["after"]["tags"]["Name"]: c["change"]["after"]["cidr_block"]
               for c in plan["resource_changes"] if c["type"] == "aws_subnet"}
    layout = plan_subnets(16, {"public": 8, "app": 4, "data": 8})
    zones = ["eu-central-1a", "eu-central-1b", "eu-central-1c"]
    expected = {f"shop-staging-{tier}-{zone}": slot.cidr("10.42.0.0/16")
                for tier, slots in layout.items() for zone, slot in zip(zones, slots, strict=False)}
    assert subnets == expected
    logs = next(c["change"]["after"] for c in plan["resource_changes"] if c["type"] == "aws_cloudwatch_log_group")
    assert logs["retention_in_days"] == 90 and logs["name"] == "/vpc/shop-staging/flow-logs"


def test_the_network_module_refuses_a_bad_cidr_and_a_wrong_zone_count(generated, tmp_path):
    workdir = example_workdir("network", generated, tmp_path)
    workdir.write_override({"module": {"network": {"vpc_cidr": "10.0.0.0/8",
                                                   "availability_zones": ["eu-central-1a", "eu-central-1a"]}}},
                           name="bad_input")
    workdir.init()
    with pytest.raises(TerraformError) as refused:
        workdir.plan()
    message = " ".join(str(refused.value).split())
    assert "vpc_cidr must be an IPv4 /16" in message and "10.0.0.0/8" in message
    assert "must list exactly 3 zones" in message and "repeats a zone" in message


def test_every_promised_module_is_generated():
    from publishing.modules.catalog import REQUIRED_MODULES

    assert set(REQUIRED_MODULES) <= set(NAMES)
