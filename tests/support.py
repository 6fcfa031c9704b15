"""Small readers over synthesized Terraform JSON, shared by the test layers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from configuration import list_blueprints

ALL_ENVIRONMENTS: list[tuple[str, str]] = [(b.name, e) for b in list_blueprints() for e in b.environments]
"""Every shipped (blueprint, environment)."""
CONFIGS = Path(__file__).parent / "configs"
CREATED_ZONE_CONFIG = CONFIGS / "cafe-dr-created-zone.yaml"
"""cafe-dr dev with the zone created by the edge stack (no shipped environment creates its zone)."""
OPTION_CONFIGS: dict[tuple[str, str], Path] = {
    ("levels", "prod+warm-standby"): CONFIGS / "levels-warm-standby.yaml",
    ("saas", "prod+warm-standby"): CONFIGS / "saas-warm-standby.yaml",
}
"""Options a shipped environment offers switched off (the warm standbys of levels prod, seed 003: "an option
in the future", and of saas prod), switched on: each goes through every layer beside the shipped
environments."""
TESTED_ENVIRONMENTS: list[tuple[str, str]] = ALL_ENVIRONMENTS + list(OPTION_CONFIGS)
"""What the parametrized layers cover: the shipped environments and the options they offer."""


def load_environment(blueprint: str, environment: str):
    """A tested environment's configuration: shipped, or a shipped one with an option switched on."""
    from configuration import load

    option = OPTION_CONFIGS.get((blueprint, environment))
    return load(config_file=option) if option else load(blueprint, environment)


def stack_cases() -> list[tuple[str, str, str]]:
    """(blueprint, environment, stack key) for every stack an environment synthesizes (compute only where
    configured; 'dr-data' and the like for the standby site's)."""
    from synth.app import STACK_TYPES

    cases = []
    for blueprint, environment in TESTED_ENVIRONMENTS:
        config = load_environment(blueprint, environment)
        cases += [(blueprint, environment, t.stack_key(config)) for t in STACK_TYPES if t.applies_to(config)]
    return cases


def assert_mentions(text: str, fragments: Sequence[str]) -> None:
    """An error message names every fragment (the key, the bad value, the fix)."""
    for fragment in fragments:
        assert fragment in text, f"{fragment!r} missing from:\n{text}"


def assert_refused(tmp_path: Path, extends: str, body: str, fragments: Sequence[str]) -> None:
    """A user's configuration extending `extends` with `body` is refused with exactly one problem, whose
    message names every fragment and says how to fix it."""
    from configuration import ConfigError, load

    with pytest.raises(ConfigError) as error:
        load(config_file=user_config_file(tmp_path, extends, body))
    text = str(error.value)
    assert len(error.value.problems) == 1, text
    assert_mentions(text, [*fragments, "fix:"])


def user_config_file(tmp_path: Path, extends: str, body: str) -> Path:
    """A user's own configuration file that extends a shipped environment (what --config reads)."""
    path = tmp_path / "my-env.yaml"
    path.write_text(f"extends: {extends}\n{body}")
    return path


def platform_manifest(outdir: Path) -> dict[str, Any]:
    return json.loads((outdir / "platform.json").read_text())


def stack_key(manifest: dict[str, Any], stack: dict[str, Any]) -> str:
    """A platform.json stack's name without the environment's prefix: 'data', or 'dr-data' in the standby."""
    return str(stack["name"]).removeprefix(f"{manifest['name_prefix']}-")


def stack_name(outdir: Path, key: str) -> str:
    """The full name of the stack `key` ('network', 'dr-compute', ...) of a synthesized environment."""
    manifest = platform_manifest(outdir)
    names = [s["name"] for s in manifest["stacks"] if stack_key(manifest, s) == key]
    assert names, f"{outdir} has no stack {key!r}: {[stack_key(manifest, s) for s in manifest['stacks']]}"
    return str(names[0])


def stack_dir(outdir: Path, key: str) -> Path:
    return outdir / "stacks" / stack_name(outdir, key)


def stack_document(outdir: Path, key: str) -> dict[str, Any]:
    return json.loads((stack_dir(outdir, key) / "cdk.tf.json").read_text())


def resources(document: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return document.get("resource", {}).get(resource_type, {})


def only(document: dict[str, Any], resource_type: str) -> dict[str, Any]:
    found = list(resources(document, resource_type).values())
    assert len(found) == 1, f"expected one {resource_type}, found {len(found)}"
    return found[0]


def policy_document(document: dict[str, Any], reference: str) -> dict[str, Any]:
    """The aws_iam_policy_document a `${data.aws_iam_policy_document.X.json}` reference points to."""
    return document["data"]["aws_iam_policy_document"][reference.split(".")[2]]


def policy_statement(policy: dict[str, Any], sid: str) -> dict[str, Any]:
    """The one statement of a policy document whose sid is `sid`."""
    found = [s for s in policy["statement"] if s.get("sid") == sid]
    assert len(found) == 1, f"{len(found)} statements {sid!r}"
    return found[0]


def statement_conditions(statement: dict[str, Any]) -> set[tuple[str, str, tuple[str, ...]]]:
    """A statement's conditions as (test, variable, values) triples, none when it has none."""
    return {(c["test"], c["variable"], tuple(c["values"])) for c in statement.get("condition", [])}
