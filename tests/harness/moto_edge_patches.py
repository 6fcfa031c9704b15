"""moto patches the edge tier needs (CloudFront, Route 53, CloudWatch Logs delivery, ...).

Same rules as moto_patches: one function per gap, a docstring saying what moto gets wrong and why
patching it is safe; `moto_patches.apply_all` runs these too.
"""

from __future__ import annotations

from collections.abc import Callable

EDGE_PATCHES: list[Callable[[], None]] = []
