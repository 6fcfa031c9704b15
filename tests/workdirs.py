"""Terraform working copies of synthesized stacks, wired for the offline-plan and emulator layers.

The stack's own JSON is never edited: Terraform override files supply fake credentials, endpoints,
the backend and the remote-state sources, so what is tested is exactly what a user applies.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from tests.harness.terraform import (
    TerraformWorkdir,
    emulator_provider_overrides,
    emulator_s3_backend_override,
    local_backend_override,
    offline_provider_overrides,
    remote_state_overrides,
    seeded_state_file,
)
from tests.support import platform_manifest

PLACEHOLDER_LIST_LENGTH = 2
TEST_MASTER_PASSWORD = "TestOnly0Password0Not0For0Real0Use"
"""What an operator would generate (letters and digits) for a required password variable; tests only."""


def _contracts(outdir: Path) -> dict[str, dict]:
    return {s["name"]: s for s in platform_manifest(outdir)["stacks"]}


def seeded_outputs(outputs: dict[str, str], stack: str) -> dict[str, object]:
    """Placeholder values of the declared kinds, standing in for a producer stack's real outputs."""
    values: dict[str, object] = {}
    for name, kind in outputs.items():
        if kind == "list":
            values[name] = [f"{stack}-{name}-{i}" for i in range(PLACEHOLDER_LIST_LENGTH)]
        elif kind == "map":
            values[name] = {"seeded": f"{stack}-{name}"}
        elif name.endswith("_arn"):  # the provider validates ARN syntax at plan time
            values[name] = f"arn:aws:iam::123456789012:policy/{stack}-{name}"
        else:
            values[name] = f"{stack}-{name}"
    return values


def operator_inputs(workdir: TerraformWorkdir) -> None:
    """Pass what an operator passes as TF_VAR_*: every variable without a default (so far only the master
    passwords of Aurora global database members, which RDS cannot manage)."""
    for name, variable in workdir.stack_json.get("variable", {}).items():
        if "default" not in variable:
            workdir.env[f"TF_VAR_{name}"] = TEST_MASTER_PASSWORD


def offline_workdir(outdir: Path, stack: str, workdir: Path) -> TerraformWorkdir:
    """A stack ready for `terraform plan` with no network: local state, seeded remote-state inputs."""
    contracts = _contracts(outdir)
    copy = TerraformWorkdir(outdir / "stacks" / stack, workdir)
    state_files = {}
    site = contracts[stack].get("site", "primary")
    for producer in contracts[stack]["consumes"]:
        layer, producer_site = contracts[producer]["layer"], contracts[producer].get("site", "primary")
        source = layer if producer_site == site else f"{producer_site}-{layer}"  # PlatformStack.remote_state's id
        state_files[source] = seeded_state_file(workdir / "seeded" / f"{producer}.tfstate",
                                               seeded_outputs(contracts[producer]["outputs"], producer))
    copy.write_override(offline_provider_overrides(copy.stack_json),
                        local_backend_override(workdir / "terraform.tfstate"),
                        remote_state_overrides(copy.stack_json, "local", state_files=state_files))
    operator_inputs(copy)
    return copy


def emulator_workdir(outdir: Path, stack: str, workdir: Path, endpoint_url: str) -> TerraformWorkdir:
    """A stack wired to moto: S3 backends keep their real bucket and key in moto; a local backend
    (the state bootstrap stack) gets a state file inside the workdir instead of bootstrap-state/."""
    copy = TerraformWorkdir(outdir / "stacks" / stack, workdir)
    document = copy.stack_json
    backend = document["terraform"]["backend"]
    parts = [emulator_provider_overrides(document, endpoint_url),
             remote_state_overrides(document, "emulator", endpoint_url=endpoint_url)]
    if "s3" in backend:
        parts.append(emulator_s3_backend_override(document, endpoint_url))
    else:
        parts.append(local_backend_override(workdir / "terraform.tfstate"))
    copy.write_override(*parts)
    operator_inputs(copy)
    return copy


EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PROVIDER_ALIAS = re.compile(r'^\s*alias\s*=\s*"([^"]+)"', re.MULTILINE)


def root_providers(example: Path) -> dict:
    """The aws provider configurations of an example's root module: the default one, and the aliased ones it
    declares (dr-failover's us-east-1); the override builders match on those."""
    aliases = PROVIDER_ALIAS.findall((example / "main.tf").read_text())
    return {"provider": {"aws": [{}, *({"alias": alias} for alias in aliases)]}}


def example_workdir(name: str, modules: Path, root: Path, endpoint_url: str | None = None) -> TerraformWorkdir:
    """examples/<name> copied beside a copy of the generated modules (its `source` is the relative
    ../../dist/terraform-modules/<module>), with fake offline credentials, or wired to the emulator."""
    shutil.copytree(modules, root / "dist" / "terraform-modules")
    copy = TerraformWorkdir(EXAMPLES / name, root / "examples" / name)
    if endpoint_url is None:
        copy.write_override(offline_provider_overrides(root_providers(EXAMPLES / name)))
    else:
        copy.write_override(emulator_provider_overrides(root_providers(EXAMPLES / name), endpoint_url))
    return copy
