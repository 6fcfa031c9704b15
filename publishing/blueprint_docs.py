"""Fill the generated sections of docs/blueprints/<name>.md from the configuration and the synthesized stacks.

The prose of a blueprint's page is written by people; two parts of it would rot if they were: how dev and prod
differ (read from the two configurations) and which stacks to apply in which order (read from the synthesized
platform.json). Each lives between `<!-- BEGIN GENERATED: <part> -->` and `<!-- END GENERATED: <part> -->`;
`python -m publishing.blueprint_docs DIR` rewrites only what is between them.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

PARTS = ("environments", "stacks")
MISSING = "—"


def marker_pattern(part: str) -> re.Pattern[str]:
    return re.compile(rf"(<!-- BEGIN GENERATED: {part} -->\n)(.*?)(<!-- END GENERATED: {part} -->)", re.DOTALL)


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """{"a.b.c": leaf}; lists are leaves (a changed list is one difference)."""
    if isinstance(value, Mapping):
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(flatten(item, f"{prefix}{key}."))
        return flat
    return {prefix[:-1]: value}


def _shown(value: Any) -> str:
    if value is None:
        return MISSING
    text = json.dumps(value) if not isinstance(value, str) else value
    text = text if len(text) <= 70 else text[:67] + "..."
    return "`" + text.replace("|", "\\|").replace("`", "'") + "`"


def environments_table(blueprint: str) -> str:
    """Every setting whose value differs between the blueprint's environments, one row each."""
    from configuration import list_blueprints, load

    environments = next(b.environments for b in list_blueprints() if b.name == blueprint)
    flat = {env: flatten(load(blueprint, env).model_dump(mode="json")) for env in environments}
    keys = sorted({key for values in flat.values() for key in values})
    differing = [key for key in keys if len({json.dumps(flat[env].get(key)) for env in environments}) > 1]
    lines = [f"| setting | {' | '.join(environments)} |", f"|---|{'---|' * len(environments)}"]
    lines += [f"| `{key}` | {' | '.join(_shown(flat[env].get(key)) for env in environments)} |" for key in differing]
    return "\n".join(lines) + f"\n\n{len(differing)} settings differ; everything else is shared (`_base.yaml`).\n"


def stacks_section(blueprint: str, manifests: Mapping[str, Mapping[str, Any]]) -> str:
    """The stacks in apply order per environment, what each reads, and the commands."""
    lines = []
    for env, manifest in manifests.items():
        stacks = manifest["stacks"]
        lines += [f"**{env}** ({len(stacks)} stacks, in apply order):", "",
                  "| # | stack | site | state | reads |", "|---|---|---|---|---|"]
        for index, stack in enumerate(stacks, start=1):
            state = f"`{stack['state_key']}`" if stack["state_key"] else "local, then migrated (bootstrap)"
            reads = ", ".join(f"`{name}`" for name in stack["consumes"]) or MISSING
            lines.append(f"| {index} | `{stack['name']}` | {stack['site']} | {state} | {reads} |")
        lines += ["", "```sh", f"make synth BLUEPRINT={blueprint} ENV={env}"]
        lines += [f"(cd cdktf.out/stacks/{stack['name']} && terraform init && terraform apply)"
                  for stack in stacks]
        lines += ["```", ""]
    return "\n".join(lines)


def manifests_of(blueprint: str) -> dict[str, dict[str, Any]]:
    from configuration import list_blueprints, load
    from synth.app import PLATFORM_MANIFEST, environment_folder, synthesize_all

    environments = next(b.environments for b in list_blueprints() if b.name == blueprint)
    configs = [load(blueprint, env) for env in environments]
    with tempfile.TemporaryDirectory(prefix="blueprint-docs-") as out:
        synthesize_all(configs, Path(out))
        return {config.environment: json.loads((Path(out) / environment_folder(config) / PLATFORM_MANIFEST)
                                               .read_text()) for config in configs}


def render(page: str, parts: Mapping[str, Callable[[], str]], path: Path) -> str:
    """The page with each generated part replaced; an error if a page lacks a part's markers."""
    for part, content in parts.items():
        pattern = marker_pattern(part)
        if not pattern.search(page):
            raise ValueError(f"{path} has no <!-- BEGIN GENERATED: {part} --> ... <!-- END GENERATED: {part} --> "
                             "markers; fix: add both lines (empty between them) where the part belongs")
        text = content()
        page = pattern.sub(lambda match, text=text: match.group(1) + text + match.group(3), page, count=1)
    return page


def generated_pages(directory: Path, blueprints: list[str]) -> dict[Path, str]:
    pages = {}
    for blueprint in blueprints:
        path = directory / f"{blueprint}.md"
        if not path.is_file():
            raise ValueError(f"{path} does not exist; fix: write the blueprint's page with the generated markers")
        pages[path] = render(path.read_text(), {
            "environments": lambda blueprint=blueprint: environments_table(blueprint),
            "stacks": lambda blueprint=blueprint: stacks_section(blueprint, manifests_of(blueprint)),
        }, path)
    return pages


def main(argv: list[str] | None = None) -> int:
    from synth.runtime import prepare_runtime

    prepare_runtime()
    from configuration import list_blueprints

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("blueprints", nargs="*", help="default: every blueprint")
    args = parser.parse_args(argv)
    known = [b.name for b in list_blueprints()]
    unknown = sorted(set(args.blueprints) - set(known))
    if unknown:
        print(f"error: unknown blueprint(s) {unknown}; fix: choose from {known}", file=sys.stderr)
        return 2
    try:
        pages = generated_pages(args.directory, args.blueprints or known)  # all computed before any is written
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for path, text in pages.items():
        if path.read_text() != text:
            path.write_text(text)
            print(f"updated {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
