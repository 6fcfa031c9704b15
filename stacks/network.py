"""The network stack: the three-tier VPC of one blueprint environment, exported for the stacks above it."""

from __future__ import annotations

from constructs import Construct

from configuration import BlueprintConfig
from modules.network import Network, NetworkProps
from stacks.base import PlatformStack


def bastion_cidrs(config: BlueprintConfig) -> list[str]:
    """The bastion's allow-list, which the public NACL must admit on port 22 too (or SSH never arrives)."""
    bastion = config.compute.bastion if config.compute else None
    return list(bastion.allowed_cidrs) if bastion else []


class NetworkStack(PlatformStack):
    layer = "network"

    def __init__(self, scope: Construct, config: BlueprintConfig) -> None:
        super().__init__(scope, config)
        net = config.network
        self.network = Network(self, "network", NetworkProps(
            name_prefix=config.name_prefix, vpc_cidr=net.vpc_cidr,
            availability_zones=config.regions.availability_zones, region=config.regions.primary,
            account_id=config.account_id, partition=self.partition,
            subnet_newbits=net.subnet_newbits.model_dump(), nat_gateways=net.nat_gateways,
            database_ports=net.database_ports,
            ephemeral_ports=(net.ephemeral_ports.from_port, net.ephemeral_ports.to_port),
            flow_log_retention_days=net.flow_log_retention_days, interface_endpoints=net.interface_endpoints,
            ssh_cidrs=bastion_cidrs(config)))
        n = self.network
        self.export("vpc_id", n.vpc.id, "string", "ID of the VPC")
        self.export("vpc_cidr", n.vpc.cidr_block, "string", "IPv4 range of the VPC")
        self.export("availability_zones", list(config.regions.availability_zones), "list", "AZs, in subnet order")
        self.export("public_subnet_ids", n.public_subnet_ids, "list", "Public subnets (load balancers, NAT)")
        self.export("app_subnet_ids", n.app_subnet_ids, "list", "Private application subnets, one per AZ")
        self.export("data_subnet_ids", n.data_subnet_ids, "list", "Private data subnets with no internet route")
        self.export("app_route_table_ids", [t.id for t in n.app_route_tables], "list", "App-tier route tables")
        self.export("data_route_table_ids", [t.id for t in n.data_route_tables], "list", "Data-tier route tables")
        self.export("app_security_group_id", n.app_security_group.id, "string",
                    "Security group of app-tier workloads; data stores admit its members only")
        self.export("flow_log_group_name", n.flow_log_group.name, "string", "CloudWatch log group of flow logs")
