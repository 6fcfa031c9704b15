"""`python -m publishing.modules OUT [name ...]`: write the generated Terraform modules into OUT/<name>/.

All modules or none: they are synthesized first, then written to a staging folder that replaces OUT
(`make modules` writes dist/terraform-modules/, which is committed so users can pin a git tag).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from importlib.metadata import version as package_version
from pathlib import Path

from publishing.modules.catalog import module_specs
from publishing.modules.readme import module_readme
from publishing.modules.render import synthesize_modules
from synth.output import staged_output


def write_modules(out: Path, names: list[str] | None = None) -> list[str]:
    specs = module_specs()
    known = [spec.name for spec in specs]
    unknown = sorted(set(names or []) - set(known))
    if unknown:
        raise SystemExit(f"error: unknown module(s) {unknown}; fix: choose from {known}")
    chosen = [spec for spec in specs if not names or spec.name in names]
    modules = synthesize_modules(chosen)
    version = package_version("aws-platform-blueprints")
    with staged_output(out) as staging:
        for spec in chosen:
            folder = staging / spec.name
            folder.mkdir()
            for filename, document in modules[spec.name].items():
                path = folder / filename
                if isinstance(document, bytes):  # an asset, assets/...
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(document)
                else:
                    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
            (folder / "README.md").write_text(module_readme(spec, modules[spec.name], version))
    return [spec.name for spec in chosen]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="output folder, replaced as a whole")
    parser.add_argument("names", nargs="*", help="modules to write (default: all)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    written = write_modules(args.out, args.names)
    print(f"Wrote {len(written)} Terraform modules into {args.out}/ in {time.perf_counter() - started:.1f} s: "
          f"{', '.join(written)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
