"""Session fixtures: every blueprint environment synthesized once, shared by all layers."""

from __future__ import annotations

from synth.runtime import prepare_runtime

prepare_runtime()  # before any test module imports provider bindings: the lazy import, not the 15 s one

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from configuration import load  # noqa: E402
from tests.support import CREATED_ZONE_CONFIG, TESTED_ENVIRONMENTS, load_environment  # noqa: E402


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """(blueprint, environment) -> output folder, synthesized in this process through the real app path:
    every shipped environment and every option one offers (tests/support.OPTION_CONFIGS)."""
    from synth.app import synthesize

    root = tmp_path_factory.mktemp("synth")
    outputs = {}
    for blueprint, environment in TESTED_ENVIRONMENTS:
        outdir = root / f"{blueprint}-{environment}"
        synthesize(load_environment(blueprint, environment), outdir)
        outputs[(blueprint, environment)] = outdir
    return outputs


@pytest.fixture(scope="session")
def notebookly_dev(synthesized: dict[tuple[str, str], Path]) -> Path:
    return synthesized[("notebookly", "dev")]


@pytest.fixture(scope="session")
def notebookly_prod(synthesized: dict[tuple[str, str], Path]) -> Path:
    return synthesized[("notebookly", "prod")]


@pytest.fixture(scope="session")
def created_zone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """CREATED_ZONE_CONFIG synthesized once (output folder): the only environment whose edge creates its zone."""
    from synth.app import synthesize

    outdir = tmp_path_factory.mktemp("created-zone") / "out"
    synthesize(load(config_file=CREATED_ZONE_CONFIG), outdir)
    return outdir
