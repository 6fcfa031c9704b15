"""terraform init + plan (+ apply) of synthesized stacks, each plan written to the CI job's summary.

    python -m scripts.terraform_stack plan NAME [--out cdktf.out]
    python -m scripts.terraform_stack apply NAME [--out cdktf.out] [--expect-env ENV]
    python -m scripts.terraform_stack apply-all [--out cdktf.out] [--expect-env ENV]

`plan` is a pull request's look at what would change: it takes no state lock, because the role a pull
request runs as reads state and cannot write lock files (and a plan changes nothing). `apply` plans
into a file, with the lock, and applies exactly that file, so the plan in the summary is what was applied.
`apply-all` applies scripts.stack_order's list in platform.json's order and stops at the first failure:
every later stack reads the outputs of the earlier ones.

Every plan is printed as it runs (the job log) and appended to $GITHUB_STEP_SUMMARY when that is set.
Standard library only: the plan jobs run it without the project's virtualenv.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from scripts.stack_order import ManifestError, Selection, ci_stacks

PLAN_FILE = "tfplan"
SUMMARY_PLAN_CHARS = 60_000
"""Plan text per stack in the summary. GitHub takes 1 MiB of summary per step; the job log has it all."""
PLAN_LINE = re.compile(r"^(Plan: .*|No changes\..*)$", re.MULTILINE)


class TerraformError(RuntimeError):
    """terraform is missing, or one of its commands failed."""


@dataclass(frozen=True)
class Plan:
    stack: str
    status: str
    """'changes', 'no changes' or 'failed'."""
    output: str


def terraform_binary() -> str:
    found = os.environ.get("TERRAFORM") or shutil.which("terraform")
    if not found:
        raise TerraformError("terraform is not on PATH; fix: install Terraform >= 1.10 (the S3 backends use "
                             "use_lockfile), e.g. hashicorp/setup-terraform in a workflow")
    return found


def stack_directory(out_dir: Path, name: str, selection: Selection) -> Path:
    """The folder of the stack `name`, refused with the reason when CI does not run it."""
    if not name:
        raise ManifestError(f"no stack named; fix: STACK=<name>, one of {selection.names}")
    if name not in selection.names:
        reason = next((why for stack, why in selection.skipped if stack.name == name), None)
        if reason:
            raise ManifestError(f"{name} is not run from CI: {reason}")
        raise ManifestError(f"stack {name!r} is not in {out_dir}/platform.json; fix: one of {selection.names}")
    return out_dir / "stacks" / name


def run(command: list[str], cwd: Path) -> tuple[int, str]:
    """Run a command, echoing its output as it comes (the job log) and returning it too (the summary)."""
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"}
    print(f"$ {' '.join(command)}  (in {cwd})", flush=True)
    lines = []
    with subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True) as process:
        assert process.stdout is not None
        for line in process.stdout:
            sys.stdout.write(line)
            lines.append(line)
    sys.stdout.flush()
    return process.returncode, "".join(lines)


def plan(directory: Path, lock: bool, out_file: str | None = None) -> Plan:
    terraform = terraform_binary()
    code, output = run([terraform, "init", "-input=false", "-no-color"], directory)
    if code != 0:
        return Plan(directory.name, "failed", output)
    command = [terraform, "plan", "-input=false", "-no-color", "-detailed-exitcode", f"-lock={str(lock).lower()}"]
    if out_file:
        command.append(f"-out={out_file}")
    code, output = run(command, directory)
    return Plan(directory.name, {0: "no changes", 2: "changes"}.get(code, "failed"), output)


def summary_markdown(result: Plan, purpose: str) -> str:
    """A heading with the plan's one-line total, and the plan itself in a collapsed code block."""
    totals = PLAN_LINE.findall(result.output)
    headline = totals[-1] if totals and result.status != "failed" else result.status
    text = result.output
    if len(text) > SUMMARY_PLAN_CHARS:
        text = (text[:SUMMARY_PLAN_CHARS] + f"\n... {len(text) - SUMMARY_PLAN_CHARS} more characters: "
                "the full output is in the job's log\n")
    longest = max((len(ticks) for ticks in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return (f"### {purpose} `{result.stack}`: {headline}\n\n<details><summary>terraform {purpose} output"
            f"</summary>\n\n{fence}text\n{text.rstrip()}\n{fence}\n\n</details>\n\n")


def write_summary(markdown: str) -> None:
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if path:
        with open(path, "a", encoding="utf-8") as summary:
            summary.write(markdown)


def plan_stack(out_dir: Path, name: str) -> int:
    directory = stack_directory(out_dir, name, ci_stacks(out_dir, "plan"))
    result = plan(directory, lock=False)
    write_summary(summary_markdown(result, "plan"))
    return 1 if result.status == "failed" else 0


def apply_stack(out_dir: Path, name: str, selection: Selection) -> bool:
    directory = stack_directory(out_dir, name, selection)
    result = plan(directory, lock=True, out_file=PLAN_FILE)
    write_summary(summary_markdown(result, "apply plan"))
    if result.status == "failed":
        return False
    if result.status == "no changes":
        return True
    code, _ = run([terraform_binary(), "apply", "-input=false", "-no-color", PLAN_FILE], directory)
    write_summary(f"{'Applied' if code == 0 else f'**Apply failed** (exit {code}): see the job log'}.\n\n")
    return code == 0


def apply_all(out_dir: Path, expect_env: str | None) -> int:
    selection = ci_stacks(out_dir, "apply", expect_env)
    skipped = "".join(f"- `{stack.name}`: {reason}\n" for stack, reason in selection.skipped)
    write_summary(f"## Apply {selection.environment}: {len(selection.stacks)} stacks in order\n\n"
                  + "".join(f"{i}. `{name}`\n" for i, name in enumerate(selection.names, 1))
                  + (f"\nNot applied from CI:\n{skipped}" if skipped else "") + "\n")
    for index, name in enumerate(selection.names):
        if not apply_stack(out_dir, name, selection):
            rest = selection.names[index + 1:]
            message = f"{name} failed; not applied (they read its outputs): {', '.join(rest) or 'none'}"
            write_summary(f"**Stopped:** {message}\n")
            print(f"error: {message}", file=sys.stderr)
            return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("plan", "apply", "apply-all"))
    parser.add_argument("stack", nargs="?", default="", help="stack name (plan, apply)")
    parser.add_argument("--out", type=Path, default=Path("cdktf.out"), help="synthesized output folder")
    parser.add_argument("--expect-env", help="apply only if platform.json is this environment")
    args = parser.parse_args(argv)
    try:
        if args.command == "plan":
            return plan_stack(args.out, args.stack)
        if args.command == "apply":
            return 0 if apply_stack(args.out, args.stack, ci_stacks(args.out, "apply", args.expect_env)) else 1
        return apply_all(args.out, args.expect_env)
    except (ManifestError, TerraformError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
