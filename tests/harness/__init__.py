"""Test harness: run the real terraform CLI on synthesized stacks, offline or against moto.

Why a harness: every stack test needs the same plumbing (a CLI config that finds the
provider in the local mirror, credentials that can never reach real AWS, override files
that point providers and backends at 127.0.0.1, and a moto server to apply against).
"""

from .moto_server import MotoServer, start_moto_server
from .terraform import (
    EMULATOR_ENDPOINT_SERVICES,
    TerraformError,
    TerraformWorkdir,
    cli_config_file,
    emulator_provider_overrides,
    emulator_s3_backend_override,
    hold_state_lock,
    local_backend_override,
    merge_overrides,
    offline_provider_overrides,
    remote_state_overrides,
    seeded_state_file,
    terraform_env,
)

__all__ = [
    "EMULATOR_ENDPOINT_SERVICES",
    "MotoServer",
    "TerraformError",
    "TerraformWorkdir",
    "cli_config_file",
    "emulator_provider_overrides",
    "emulator_s3_backend_override",
    "hold_state_lock",
    "local_backend_override",
    "merge_overrides",
    "offline_provider_overrides",
    "remote_state_overrides",
    "seeded_state_file",
    "start_moto_server",
    "terraform_env",
]
