"""Turn module specs into Terraform JSON modules laid out like terraform-aws-modules.

Each spec is built into its own cdktf stack (one App for all, one synth), then the stack's JSON is
made into a module: no provider configuration and no backend (the caller owns both), a version range
for the AWS provider instead of the exact pin, cdktf's `//` metadata dropped, and the blocks split into
main / variables / outputs / versions files. Assets the stack ships (Lambda code zips) are copied into the
module's assets/ folder, rebuilt byte-for-byte reproducibly, and referenced relative to the module.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
import zipfile
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from publishing.modules.spec import REQUIRED, Inputs, ModuleSpec

PROVIDER_RANGE = ">= 5.100.0, < 6.0.0"
"""The provider versions the modules are tested with (5.100.0) up to the next major, which renames things."""
TERRAFORM_RANGE = ">= 1.5.0"
"""`check`-free HCL with variable validation and optional object attributes: any Terraform from 1.5."""
MAIN_BLOCKS = ("data", "locals", "resource")
ASSETS = "assets"
"""Where cdktf puts a stack's assets (assets/<construct>/<content hash>/...) and where the module keeps them."""
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
"""The earliest time a zip entry can hold: a rebuilt archive carries no build time."""

Json = dict[str, Any]


def synthesize_modules(specs: Sequence[ModuleSpec]) -> dict[str, dict[str, Json | bytes]]:
    """{module name: {file name: JSON document, or an asset's bytes}} for every spec, synthesized in one cdktf App."""
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
        modules: dict[str, dict[str, Json | bytes]] = {}
        for spec in specs:
            folder = Path(outdir) / "stacks" / spec.name
            assets = stack_assets(folder)
            modules[spec.name] = {**module_files(json.loads((folder / "cdk.tf.json").read_text()), spec, list(assets)),
                                  **assets}
        return modules


def stack_assets(stack_folder: Path) -> dict[str, bytes]:
    """The files cdktf copied into the stack's assets/ folder, by their path relative to the stack (the path its
    JSON names them by); archives rebuilt reproducibly, since the committed modules are compared byte for byte."""
    return {path.relative_to(stack_folder).as_posix(): reproducible_zip(path.read_bytes())
            if path.suffix == ".zip" else path.read_bytes()
            for path in sorted((stack_folder / ASSETS).rglob("*")) if path.is_file()}


def reproducible_zip(archive: bytes) -> bytes:
    """The same entries, sorted, stored uncompressed with a fixed time and permissions: the same code gives the
    same bytes on every machine (a compressor's output may differ between zlib builds and CPUs; git compresses
    the committed file anyway)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target:
        for entry in sorted(source.infolist(), key=lambda e: e.filename):
            info = zipfile.ZipInfo(entry.filename, date_time=ZIP_TIME)
            info.create_system = 3  # Unix, so that the permissions below are read
            info.external_attr = ((0o40755 << 16) | 0x10) if entry.is_dir() else (0o100644 << 16)
            target.writestr(info, b"" if entry.is_dir() else source.read(entry))
    return out.getvalue()


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


def module_files(stack: Json, spec: ModuleSpec, assets: Collection[str] = ()) -> dict[str, Json]:
    """Split a synthesized stack into the module's files, stripped of what only a root module may hold; references
    to `assets` (paths relative to the stack) made relative to the module."""
    document = _in_module(stack, assets)
    configurations = document.pop("provider", {}).get("aws", [])
    terraform = document.pop("terraform", {})
    providers = terraform.get("required_providers", {})
    if set(providers) - {"aws"}:
        raise ValueError(f"module {spec.name!r} needs providers {sorted(providers)}; only aws is available")
    variables = document.pop("variable", {})
    _check_variables(spec, variables)
    aws = {"source": "hashicorp/aws", "version": PROVIDER_RANGE}
    aliases = sorted(f"aws.{c['alias']}" for c in ([configurations] if isinstance(configurations, dict)
                                                   else configurations) if "alias" in c)
    if aliases:  # a second region (e.g. us-east-1 for Route 53 metrics): the caller passes its provider for it
        aws["configuration_aliases"] = aliases
    files = {
        "versions.tf.json": {"terraform": {"required_version": TERRAFORM_RANGE, "required_providers": {"aws": aws}}},
        "variables.tf.json": {"variable": variables},
        "outputs.tf.json": {"output": document.pop("output", {})},
        "main.tf.json": {block: document.pop(block) for block in MAIN_BLOCKS if block in document},
    }
    if document:
        raise ValueError(f"module {spec.name!r} synthesized unexpected top-level blocks {sorted(document)}")
    return files


def _rewritten(value: Any, on_string: Callable[[str], str] = lambda text: text) -> Any:
    """The JSON with cdktf's `//` metadata (construct paths, stack name, backend kind: nothing to a module user)
    dropped and every string passed through `on_string`."""
    if isinstance(value, Mapping):
        return {k: _rewritten(v, on_string) for k, v in value.items() if k != "//"}
    if isinstance(value, list):
        return [_rewritten(v, on_string) for v in value]
    return on_string(value) if isinstance(value, str) else value


def _in_module(document: Json, assets: Collection[str]) -> Json:
    """Terraform resolves a relative path against the working directory, the caller's root module: an asset is
    named "${path.module}/assets/...", so the module works wherever it is called from."""
    if not assets:
        return _rewritten(document)
    pattern = re.compile("|".join(re.escape(path) for path in sorted(assets, key=len, reverse=True)))
    return _rewritten(document, lambda text: pattern.sub(lambda match: "${path.module}/" + match[0], text))


def _check_variables(spec: ModuleSpec, synthesized: Mapping[str, Json]) -> None:
    """Every declared variable is used and carries its description (cdktf drops unused ones silently)."""
    missing = sorted({v.name for v in spec.variables} - set(synthesized))
    if missing:
        raise ValueError(f"module {spec.name!r} declares {missing} but its JSON lacks them")
    for variable in spec.variables:
        if variable.required and "default" in synthesized[variable.name]:
            raise ValueError(f"module {spec.name!r} variable {variable.name!r} should be required")


__all__ = ["REQUIRED", "module_files", "reproducible_zip", "stack_assets", "synthesize_modules"]
