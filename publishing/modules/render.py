"""Turn module specs into Terraform JSON modules laid out like terraform-aws-modules.

Each spec is built into its own cdktf stack (one App for all, one synth), then the stack's JSON is
made into a module: no provider configuration and no backend (the caller owns both), a version range
for the AWS provider instead of the exact pin, cdktf's `//` metadata dropped, and the blocks split into
main / variables / outputs / versions files.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from publishing.modules.spec import REQUIRED, Inputs, ModuleSpec

PROVIDER_RANGE = ">= 5.100.0, < 6.0.0"
"""The provider versions the modules are tested with (5.100.0) up to the next major, which renames things."""
TERRAFORM_RANGE = ">= 1.5.0"
"""`check`-free HCL with variable validation and optional object attributes: any Terraform from 1.5."""
MAIN_BLOCKS = ("data", "locals", "resource")

Json = dict[str, Any]


def synthesize_modules(specs: Sequence[ModuleSpec]) -> dict[str, dict[str, Json]]:
    """{module name: {file name: JSON document}} for every spec, synthesized in one cdktf App."""
    from synth.runtime import prepare_runtime

    prepare_runtime()
    from cdktf import App, Aspects, TerraformOutput, TerraformStack, TerraformVariable
    from cdktf import TerraformVariableValidationConfig as Rule
    from cdktf_cdktf_provider_aws.provider import AwsProvider

    from modules.tags import NameTags

    with tempfile.TemporaryDirectory(prefix="modules-synth-") as outdir:
        app = App(outdir=outdir)
        for spec in specs:
            stack = TerraformStack(app, spec.name)
            AwsProvider(stack, "aws")  # cdktf refuses resources without one; removed from the module below
            values = {}
            for variable in spec.variables:
                declared = TerraformVariable(
                    stack, f"variable-{variable.name}", type=variable.type, description=variable.description,
                    sensitive=variable.sensitive or None, nullable=False,
                    default=None if variable.required else variable.default,
                    validation=[Rule(condition=f"${{{v.condition}}}", error_message=v.error_message)  # JSON: a template
                                for v in variable.validations] or None)
                declared.override_logical_id(variable.name)  # construct ids of variables and outputs must differ
                values[variable.name] = _value_of(declared, variable.type)
            inputs = Inputs(values, {v.name: v for v in spec.variables})
            outputs = spec.build(stack, inputs)
            for name, output in outputs.items():
                TerraformOutput(stack, f"output-{name}", value=output.value, description=output.description,
                                sensitive=output.sensitive or None).override_logical_id(name)
            Aspects.of(stack).add(NameTags(values["name"]) if "name" in values else NameTags(spec.name))
        app.synth()
        return {spec.name: module_files(json.loads((Path(outdir) / "stacks" / spec.name / "cdk.tf.json")
                                                   .read_text()), spec) for spec in specs}


def _value_of(variable: Any, type_: str) -> Any:
    if type_ == "string":
        return variable.string_value
    if type_ == "number":
        return variable.number_value
    if type_ == "bool":
        return variable.boolean_value
    if type_.startswith(("list(", "set(")):
        return variable.list_value
    return variable.value


def module_files(stack: Json, spec: ModuleSpec) -> dict[str, Json]:
    """Split a synthesized stack into the module's files, stripped of what only a root module may hold."""
    document = _without_comments(stack)
    document.pop("provider", None)
    terraform = document.pop("terraform", {})
    providers = terraform.get("required_providers", {})
    if set(providers) - {"aws"}:
        raise ValueError(f"module {spec.name!r} needs providers {sorted(providers)}; only aws is available")
    variables = document.pop("variable", {})
    _check_variables(spec, variables)
    files = {
        "versions.tf.json": {"terraform": {
            "required_version": TERRAFORM_RANGE,
            "required_providers": {"aws": {"source": "hashicorp/aws", "version": PROVIDER_RANGE}}}},
        "variables.tf.json": {"variable": variables},
        "outputs.tf.json": {"output": document.pop("output", {})},
        "main.tf.json": {block: document.pop(block) for block in MAIN_BLOCKS if block in document},
    }
    if document:
        raise ValueError(f"module {spec.name!r} synthesized unexpected top-level blocks {sorted(document)}")
    return files


def _without_comments(value: Any) -> Any:
    """cdktf's `//` metadata (construct paths, stack name, backend kind) means nothing to a module user."""
    if isinstance(value, Mapping):
        return {k: _without_comments(v) for k, v in value.items() if k != "//"}
    if isinstance(value, list):
        return [_without_comments(v) for v in value]
    return value


def _check_variables(spec: ModuleSpec, synthesized: Mapping[str, Json]) -> None:
    """Every declared variable is used and carries its description (cdktf drops unused ones silently)."""
    missing = sorted({v.name for v in spec.variables} - set(synthesized))
    if missing:
        raise ValueError(f"module {spec.name!r} declares {missing} but its JSON lacks them")
    for variable in spec.variables:
        if variable.required and "default" in synthesized[variable.name]:
            raise ValueError(f"module {spec.name!r} variable {variable.name!r} should be required")


def is_required(variable: Json) -> bool:
    return "default" not in variable


__all__ = ["REQUIRED", "module_files", "synthesize_modules", "is_required"]
