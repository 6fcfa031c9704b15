"""The three-tier VPC construct. Exports resolve lazily so `modules.network.cidr` (pure Python,
used by configuration validation) can be imported without loading cdktf and the provider."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from modules.network.network import Network, NetworkProps

__all__ = ["Network", "NetworkProps"]


def __getattr__(name: str):
    if name in __all__:
        from modules.network import network

        return getattr(network, name)
    raise AttributeError(f"module 'modules.network' has no attribute {name!r}")
