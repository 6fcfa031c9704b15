"""moto 5.2.5 gaps met by the disaster-recovery drill (tests/emulator/test_dr_drill.py): one function per
gap, saying what AWS does and what moto did, applied inside the moto server process (moto_entry)."""

from __future__ import annotations

from collections.abc import Callable

DR_PATCHES: list[Callable[[], None]] = []
