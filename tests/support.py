"""Small readers over synthesized Terraform JSON, shared by the test layers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from configuration import list_blueprints

ALL_ENVIRONMENTS: list[tuple[str, str]] = [(b.name, e) for b in list_blueprints() for e in b.environments]


def platform_manifest(outdir: Path) -> dict[str, Any]:
    return json.loads((outdir / "platform.json").read_text())


def stack_dirs(outdir: Path) -> list[Path]:
    """Stack folders in dependency order (platform.json order)."""
    return [outdir / "stacks" / s["name"] for s in platform_manifest(outdir)["stacks"]]


def stack_document(outdir: Path, layer: str) -> dict[str, Any]:
    manifest = platform_manifest(outdir)
    name = next(s["name"] for s in manifest["stacks"] if s["layer"] == layer)
    return json.loads((outdir / "stacks" / name / "cdk.tf.json").read_text())


def resources(document: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return document.get("resource", {}).get(resource_type, {})


def only(document: dict[str, Any], resource_type: str) -> dict[str, Any]:
    found = list(resources(document, resource_type).values())
    assert len(found) == 1, f"expected one {resource_type}, found {len(found)}"
    return found[0]


def address_of(document: dict[str, Any], resource_type: str, predicate) -> str:
    """`${type.name}` reference text of the single resource matching predicate."""
    names = [n for n, r in resources(document, resource_type).items() if predicate(r)]
    assert len(names) == 1, f"expected one matching {resource_type}, found {names}"
    return f"{resource_type}.{names[0]}"
