"""Process set-up that must happen before cdktf or the provider bindings are first imported."""

from __future__ import annotations

import os

from synth import provider_import

_import_mode: str | None = None


def prepare_runtime() -> str:
    """Quiet jsii's Node end-of-life banner (noise on every synth) and make provider imports lazy."""
    global _import_mode
    if _import_mode is None:
        os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
        os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "20")
        _import_mode = provider_import.install()
    return _import_mode

