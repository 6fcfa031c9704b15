"""The one error type for bad configuration: every problem found, each naming key, value and fix."""

from __future__ import annotations


class ConfigError(ValueError):
    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid configuration in {source} ({len(problems)} problem(s)):\n{lines}")
