"""Deployable stacks, one concern each, built from the constructs in modules/."""

from synth.runtime import prepare_runtime

prepare_runtime()
