"""`terraform fmt -check` over folders of generated Terraform (the pre-commit hook terraform-fmt).

    python -m scripts.terraform_fmt_check dist/terraform-modules examples

A folder that does not exist yet, or holds no .tf file, passes: the folders are generated (and dist/ is not
in git), so a fresh clone has neither, and the hook must not fail there or need terraform for nothing.
Unformatted files are listed with their diff and the command that fixes them.
Standard library only: the hook runs without the project's virtualenv.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path


def terraform_files(folder: Path) -> list[Path]:
    """The .tf files terraform fmt -recursive reads (it skips hidden folders such as .terraform/)."""
    return [path for path in folder.rglob("*.tf")
            if not any(part.startswith(".") for part in path.relative_to(folder).parts)]


def check(folders: list[Path]) -> int:
    present = [folder for folder in folders if folder.is_dir()]
    for folder in folders:
        if folder not in present:
            print(f"{folder}: not there (not generated yet), nothing to check")
    if not any(terraform_files(folder) for folder in present):
        print("no .tf files to check")
        return 0
    terraform = os.environ.get("TERRAFORM") or shutil.which("terraform")
    if not terraform:
        print("error: terraform is not on PATH; fix: install Terraform (the generated modules are checked with "
              "terraform fmt)", file=sys.stderr)
        return 2
    completed = subprocess.run([terraform, "fmt", "-check", "-recursive", "-diff", "-no-color",
                                *map(str, present)], capture_output=True, text=True, check=False)
    if completed.returncode == 0:
        return 0
    print(completed.stdout + completed.stderr)
    print(f"terraform fmt: files above are not formatted; fix: terraform fmt -recursive "
          f"{' '.join(map(str, present))} (or regenerate them: make modules)")
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path, help="folders of Terraform to check, recursively")
    return check(parser.parse_args(argv).folders)


if __name__ == "__main__":
    sys.exit(main())
