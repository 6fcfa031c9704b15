"""Layer 1: `main.py --all`, every blueprint environment in one process, as the single synth writes each."""

from __future__ import annotations

import functools
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import main
import synth.app
from configuration import list_blueprints, load
from synth.app import synthesize_all
from tests.support import ALL_ENVIRONMENTS

ROOT = Path(__file__).resolve().parents[2]


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_all_writes_every_environment_as_its_single_synth_does(synthesized, tmp_path):
    completed = subprocess.run([sys.executable, str(ROOT / "main.py"), "--all", "--out", "every"], cwd=tmp_path,
                               capture_output=True, text=True, timeout=900)
    assert completed.returncode == 0, completed.stderr
    out = tmp_path / "every"
    assert sorted(str(p.relative_to(out)) for p in out.glob("*/*")) == sorted(f"{b}/{e}" for b, e in ALL_ENVIRONMENTS)
    for blueprint, environment in ALL_ENVIRONMENTS:
        assert f"{blueprint}/{environment}" in completed.stdout  # one summary line per environment
        written = _files(out / blueprint / environment)
        assert "platform.json" in written and any(name.endswith("cdk.tf.json") for name in written)
        # Byte for byte what `synthesize` wrote for the environment alone, Lambda zips and manifests included.
        assert written == _files(synthesized[(blueprint, environment)]), f"{blueprint}/{environment} differs"
    assert f"Synthesized {len(ALL_ENVIRONMENTS)} environments into every/" in completed.stdout
    assert [p.name for p in tmp_path.iterdir()] == ["every"]  # no staging folder left behind


@pytest.mark.parametrize("flags", [["--env", "prod"], ["--blueprint", "saas"], ["--config", "mine.yaml"],
                                   ["--blueprint", "saas", "--env", "dev"]])
def test_all_refuses_a_selection(flags, capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        main.main(["--all", *flags, "--out", str(tmp_path / "out")])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert "--all" in error and all(flag in error for flag in flags if flag.startswith("--"))
    assert not (tmp_path / "out").exists()


def test_an_invalid_environment_stops_all_before_anything_is_built(tmp_path, monkeypatch, capsys):
    blueprints = tmp_path / "blueprints"
    shutil.copytree(ROOT / "blueprints" / "notebookly", blueprints / "notebookly")
    prod = blueprints / "notebookly" / "prod.yaml"
    prod.write_text(prod.read_text().replace("vpc_cidr: 10.1.0.0/16", "vpc_cidr: not-a-cidr", 1))
    monkeypatch.setattr(main, "list_blueprints", functools.partial(list_blueprints, blueprints))
    monkeypatch.setattr(main, "load", functools.partial(load, root=blueprints))
    built = []
    monkeypatch.setattr(synth.app, "_synthesize_into", lambda *args: built.append(args))
    out = tmp_path / "out"
    assert main.main(["--all", "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert "prod.yaml" in error and "not-a-cidr" in error
    assert built == [] and not out.exists()  # dev was valid, yet nothing was built or written


def test_a_failing_environment_leaves_the_previous_output_untouched(tmp_path):
    out = tmp_path / "out"
    dev, prod = load("notebookly", "dev"), load("notebookly", "prod")
    synthesize_all([dev], out)
    before = _files(out)

    class BrokenInProd(synth.app.NetworkStack):
        layer = "broken"

        @classmethod
        def applies_to(cls, config):
            return config.environment == "prod"

        def __init__(self, scope, config):
            super().__init__(scope, config)
            raise RuntimeError("construct failed half-way")

    with pytest.raises(RuntimeError, match="half-way"):
        synthesize_all([dev, prod], out, stack_types=(*synth.app.STACK_TYPES, BrokenInProd))
    assert _files(out) == before  # dev, synthesized first this time, did not replace the old dev either
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging folder left behind


def test_an_environment_given_twice_is_refused(tmp_path):
    dev = load("notebookly", "dev")
    with pytest.raises(ValueError, match="notebookly/dev"):
        synthesize_all([dev, dev], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_resynth_all_keeps_terraform_working_files(tmp_path):
    out = tmp_path / "out"
    configs = [load("notebookly", "dev")]
    [summary] = synthesize_all(configs, out)
    assert summary.directory == str(out / "notebookly" / "dev")
    stack = out / "notebookly" / "dev" / "stacks" / "notebookly-dev-network"
    (stack / ".terraform").mkdir()
    (stack / ".terraform" / "marker").write_text("provider cache")
    (stack / ".terraform.lock.hcl").write_text("# lock")
    synthesize_all(configs, out)
    assert (stack / ".terraform" / "marker").read_text() == "provider cache"
    assert (stack / ".terraform.lock.hcl").is_file()
