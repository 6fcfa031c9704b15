"""Process set-up that must happen before cdktf or the provider bindings are first imported."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from synth import binding_checks, kernel_process, provider_import

# Scripts the jsii Node process preloads (why: see each file's header).
NODE_PRELOADS = (provider_import.NODE_INDEX_PRELOAD, Path(__file__).with_name("archive_memo.js"),
                 Path(__file__).with_name("lazy_creation_stacks.js"))

_import_mode: str | None = None


def prepare_runtime() -> str:
    """Quiet jsii's Node end-of-life banner (noise on every synth), make provider imports lazy and the
    bindings' argument checks cheaper, start the jsii kernel (directly, with its preloads), and answer
    construct paths, tags and plain strings' token checks in Python. Returns the provider import mode."""
    global _import_mode
    if _import_mode is None:
        os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
        os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "20")
        _import_mode = provider_import.install()
        binding_checks.install()
        kernel_process.install()
        preloads = NODE_PRELOADS if _import_mode == "lazy" else NODE_PRELOADS[1:]
        with node_preload(*preloads):
            import constructs  # noqa: F401, PLC0415  (its assembly load starts the jsii Node process)
        from synth import known_constructs, unresolved_strings  # noqa: PLC0415  (import cdktf: once the kernel runs)

        known_constructs.install()
        unresolved_strings.install()
    return _import_mode


@contextmanager
def node_preload(*scripts: Path) -> Iterator[None]:
    """Node processes started inside the block (the jsii runtime, and the zip processes it starts) preload
    `scripts`; the environment is restored afterwards, so later subprocesses do not inherit them."""
    previous = os.environ.get("NODE_OPTIONS")
    os.environ["NODE_OPTIONS"] = " ".join(filter(None, [previous, *(f"--require {_quoted(s)}" for s in scripts)]))
    try:
        yield
    finally:
        if previous is None:
            del os.environ["NODE_OPTIONS"]
        else:
            os.environ["NODE_OPTIONS"] = previous


def _quoted(path: Path) -> str:
    """A NODE_OPTIONS value in double quotes, as the path may hold spaces."""
    escaped = str(path).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
