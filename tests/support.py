"""Small readers over synthesized Terraform JSON, shared by the test layers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from configuration import list_blueprints

ALL_ENVIRONMENTS: list[tuple[str, str]] = [(b.name, e) for b in list_blueprints() for e in b.environments]
PILOT_LIGHT_CONFIG = Path(__file__).parent / "configs" / "cafe-dr-pilot-light.yaml"
"""cafe-dr prod with the pilot-light standby on: the standby stacks, tested before a blueprint ships them."""
CREATED_ZONE_CONFIG = Path(__file__).parent / "configs" / "cafe-dr-created-zone.yaml"
"""cafe-dr dev with the zone created by the edge stack (no shipped environment creates its zone)."""


def stack_cases() -> list[tuple[str, str, str]]:
    """(blueprint, environment, layer) for every stack an environment synthesizes (compute only where configured)."""
    from configuration import load
    from synth.app import STACK_TYPES

    return [(b, e, t.layer) for b, e in ALL_ENVIRONMENTS for t in STACK_TYPES if t.applies_to(load(b, e))]


def user_config_file(tmp_path: Path, extends: str, body: str) -> Path:
    """A user's own configuration file that extends a shipped environment (what --config reads)."""
    path = tmp_path / "my-env.yaml"
    path.write_text(f"extends: {extends}\n{body}")
    return path


def platform_manifest(outdir: Path) -> dict[str, Any]:
    return json.loads((outdir / "platform.json").read_text())


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

