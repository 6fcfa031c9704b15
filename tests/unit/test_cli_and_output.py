"""Layer 1: the command line as a user runs it, and the never-half-written output folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import synth.app
from configuration import load
from synth.app import synthesize

ROOT = Path(__file__).resolve().parents[2]


def _run_main(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=300)


def test_no_arguments_synthesizes_notebookly_dev_into_cdktf_out(tmp_path):
    completed = _run_main(cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr
    out = tmp_path / "cdktf.out"
    assert sorted(p.name for p in (out / "stacks").iterdir()) == [
        "notebookly-dev-compute", "notebookly-dev-data", "notebookly-dev-network", "notebookly-dev-ops",
        "notebookly-dev-state"]
    manifest = json.loads((out / "platform.json").read_text())
    assert [s["layer"] for s in manifest["stacks"]] == ["state", "network", "data", "compute", "ops"]
    assert "Synthesized notebookly/dev into cdktf.out/" in completed.stdout
    assert "notebookly-dev-network" in completed.stdout and "resources" in completed.stdout
    assert "end-of-life" not in completed.stderr  # the jsii Node banner is silenced
    assert [p.name for p in tmp_path.iterdir()] == ["cdktf.out"]


def test_environment_variables_select_blueprint_environment_and_folder(tmp_path):
    completed = _run_main(cwd=tmp_path, env={"PLATFORM_BLUEPRINT": "notebookly", "PLATFORM_ENV": "prod",
                                             "CDKTF_OUTDIR": str(tmp_path / "from-cdktf")})
    assert completed.returncode == 0, completed.stderr
    assert (tmp_path / "from-cdktf" / "stacks" / "notebookly-prod-network" / "cdk.tf.json").is_file()


def test_list_shows_blueprints_and_environments(tmp_path):
    completed = _run_main("--list", cwd=tmp_path)
    assert completed.returncode == 0
    line = next(line for line in completed.stdout.splitlines() if line.startswith("notebookly"))
    assert "dev, prod" in line and "seed 004" in line


def test_a_failing_synth_leaves_the_previous_output_untouched(tmp_path):
    out = tmp_path / "out"
    synthesize(load("notebookly", "dev"), out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    class BrokenStack(synth.app.NetworkStack):
        layer = "broken"

        def __init__(self, scope, config):
            super().__init__(scope, config)
            raise RuntimeError("construct failed half-way")

    with pytest.raises(RuntimeError, match="half-way"):
        synthesize(load("notebookly", "dev"), out, stack_types=(*synth.app.STACK_TYPES, BrokenStack))
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging folder left behind


def test_resynth_keeps_terraform_working_files(tmp_path):
    out = tmp_path / "out"
    synthesize(load("notebookly", "dev"), out)
    stack = out / "stacks" / "notebookly-dev-network"
    (stack / ".terraform").mkdir()
    (stack / ".terraform" / "marker").write_text("provider cache")
    (stack / ".terraform.lock.hcl").write_text("# lock")
    synthesize(load("notebookly", "dev"), out)
    assert (stack / ".terraform" / "marker").read_text() == "provider cache"
    assert (stack / ".terraform.lock.hcl").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
