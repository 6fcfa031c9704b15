"""Typed, validated blueprint configuration (data in blueprints/, rules in schema.py)."""

from configuration.errors import ConfigError
from configuration.loader import DEFAULT_BLUEPRINT, DEFAULT_ENVIRONMENT, list_blueprints, load
from configuration.schema import BlueprintConfig

__all__ = ["BlueprintConfig", "ConfigError", "DEFAULT_BLUEPRINT", "DEFAULT_ENVIRONMENT", "list_blueprints", "load"]
