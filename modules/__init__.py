"""Reusable constructs. Importing this package prepares the runtime (lazy provider import) first."""

from synth.runtime import prepare_runtime

prepare_runtime()
