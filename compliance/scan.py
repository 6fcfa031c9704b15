"""Run checkov on synthesized stacks and fail on anything not accepted, with a reason, in one file.

    python -m compliance.scan cdktf.out [more output folders ...] [--sarif checkov.sarif]

Terraform JSON has no inline suppression comments, so acceptances live in accepted_findings.yaml,
each scoped to one check, a resource pattern and a stack pattern. `--framework terraform_json` is
essential: `terraform` finds no checks in cdk.tf.json and would pass silently, so a scan that
passed zero checks is itself a failure. `--sarif` also writes what the scan fails on as SARIF
(compliance/sarif.py) for GitHub code scanning: the same verdict, accepted findings applied.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ACCEPTED_FILE = Path(__file__).with_name("accepted_findings.yaml")


@dataclass(frozen=True)
class Acceptance:
    check: str
    resource: str
    stacks: str
    reason: str

    def covers(self, finding: Finding) -> bool:
        return (finding.check == self.check and fnmatch.fnmatchcase(finding.resource, self.resource)
                and fnmatch.fnmatchcase(finding.stack, self.stacks))


@dataclass(frozen=True)
class Finding:
    check: str
    resource: str
    stack: str
    name: str
    path: str = ""
    """The scanned file (checkov's file_abs_path)."""
    lines: tuple[int, int] = (1, 1)
    """First and last line of the resource in that file."""


@dataclass
class ScanResult:
    passed: int = 0
    failed: list[Finding] = field(default_factory=list)
    accepted: list[tuple[Finding, Acceptance]] = field(default_factory=list)
    unused: list[Acceptance] = field(default_factory=list)
    parsing_errors: list[str] = field(default_factory=list)
    checkov_version: str = ""

    @property
    def ok(self) -> bool:
        return self.passed > 0 and not self.failed and not self.parsing_errors


def load_acceptances(path: Path = ACCEPTED_FILE) -> list[Acceptance]:
    entries = yaml.safe_load(path.read_text()) or []
    acceptances = []
    for index, entry in enumerate(entries):
        missing = {"check", "resource", "stacks", "reason"} - set(entry)
        if missing or not str(entry.get("reason", "")).strip():
            raise ValueError(f"{path} entry {index + 1} ({entry.get('check')}) lacks {sorted(missing) or ['reason']}; "
                             "fix: every acceptance names check, resource, stacks and a reason")
        acceptances.append(Acceptance(**{k: str(entry[k]) for k in ("check", "resource", "stacks", "reason")}))
    return acceptances


def run_checkov(stacks_root: Path) -> list[dict]:
    """checkov's JSON report for every cdk.tf.json under `stacks_root` (no network: --skip-download)."""
    command = [sys.executable, "-m", "checkov.main", "-d", str(stacks_root), "--framework", "terraform_json",
               "--output", "json", "--compact", "--skip-download"]
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "LOG_LEVEL": "WARNING"}
    completed = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if completed.returncode not in (0, 1) or not completed.stdout.strip():
        raise RuntimeError(f"checkov failed (exit {completed.returncode}): {completed.stderr[-3000:]}")
    report = json.loads(completed.stdout)
    return report if isinstance(report, list) else [report]


def scan(output_dirs: list[Path], acceptances: list[Acceptance] | None = None) -> ScanResult:
    acceptances = load_acceptances() if acceptances is None else acceptances
    result = ScanResult()
    used: set[int] = set()
    for output_dir in output_dirs:
        stacks_root = Path(output_dir) / "stacks"
        if not stacks_root.is_dir():
            raise FileNotFoundError(f"{stacks_root} does not exist; fix: synthesize first (python main.py)")
        for report in run_checkov(stacks_root):
            summary = report.get("summary", {})
            result.passed += summary.get("passed", 0)
            result.checkov_version = summary.get("checkov_version", result.checkov_version)
            result.parsing_errors += report.get("results", {}).get("parsing_errors", [])
            for raw in report.get("results", {}).get("failed_checks", []):
                first, last = (raw.get("file_line_range") or [1, 1])[:2]
                finding = Finding(check=raw["check_id"], resource=raw["resource"],
                                  stack=Path(raw["file_path"]).parent.name, name=raw.get("check_name", ""),
                                  path=raw.get("file_abs_path") or raw["file_path"], lines=(first, last))
                match = next((i for i, a in enumerate(acceptances) if a.covers(finding)), None)
                if match is None:
                    result.failed.append(finding)
                else:
                    used.add(match)
                    result.accepted.append((finding, acceptances[match]))
    result.unused = [a for i, a in enumerate(acceptances) if i not in used]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outputs", nargs="+", type=Path, help="synthesized output folders (cdktf.out)")
    parser.add_argument("--sarif", type=Path, metavar="FILE",
                        help="also write the findings the scan fails on as SARIF 2.1.0 (GitHub code scanning)")
    args = parser.parse_args(argv)
    result = scan(args.outputs)
    if args.sarif:
        from compliance.sarif import write_sarif  # here: compliance.sarif imports this module

        write_sarif(result, args.sarif)
        print(f"SARIF: {len(result.failed)} results in {args.sarif}")
    for finding in result.failed:
        print(f"FAILED {finding.check} {finding.stack}/{finding.resource}: {finding.name}")
    for error in result.parsing_errors:
        print(f"PARSE ERROR {error}")
    print(f"checkov: {result.passed} passed, {len(result.failed)} failed, {len(result.accepted)} accepted "
          f"(reasons in {ACCEPTED_FILE.name})")
    if result.passed == 0:
        print("checkov passed no checks: it parsed nothing (wrong framework or empty folder)")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
