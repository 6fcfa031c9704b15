"""The `network` module: modules.network.Network with a variable CIDR and three variable AZs."""

from __future__ import annotations

from publishing.modules.common import ACCOUNT_ID, NAME, log_retention, region_and_partition
from publishing.modules.spec import ModuleOutput, ModuleSpec, ModuleVariable, Validation

ZONES = 3

VARIABLES = [
    NAME,
    ACCOUNT_ID,
    ModuleVariable(
        "vpc_cidr", "string",
        "IPv4 range of the VPC, a private /16 (RFC 1918). Subnets are carved from it: per AZ a /24 public, a /20 "
        "app and a /24 data subnet; four AZ slots are reserved per tier so adding a zone never renumbers one.",
        validations=[
            Validation("can(cidrhost(var.vpc_cidr, 0)) && try(split(\"/\", var.vpc_cidr)[1] == \"16\", false)",
                       "vpc_cidr must be an IPv4 /16 such as \"10.20.0.0/16\"; fix: give a /16."),
            Validation("can(regex(\"^(10\\\\.|172\\\\.(1[6-9]|2[0-9]|3[01])\\\\.|192\\\\.168\\\\.)\", var.vpc_cidr))",
                       "vpc_cidr must be private (10/8, 172.16/12 or 192.168/16); fix: pick a private range "
                       "that does not overlap your other networks.")]),
    ModuleVariable(
        "availability_zones", "list(string)",
        f"Exactly {ZONES} distinct AZ names of the provider's region, e.g. [\"eu-west-1a\", \"eu-west-1b\", "
        "\"eu-west-1c\"]: every tier gets a subnet in each, and each AZ its own NAT gateway and app route table.",
        validations=[
            Validation(f"length(var.availability_zones) == {ZONES}",
                       f"availability_zones must list exactly {ZONES} zones (this generated variant); fix: list "
                       f"{ZONES}, or compose modules.network.Network from Python for 2 or 4."),
            Validation("length(distinct(var.availability_zones)) == length(var.availability_zones)",
                       "availability_zones repeats a zone; fix: list distinct zones.")]),
    log_retention("flow_log_retention_days",
                  "Days the VPC flow logs (all traffic) are kept; default a year, long enough for an incident "
                  "investigation or an audit.", 365),
]


def build(scope, inputs):
    from modules.network import Network, NetworkProps

    region, partition = region_and_partition(scope)
    network = Network(scope, "network", NetworkProps(
        name_prefix=inputs["name"], vpc_cidr=inputs["vpc_cidr"],
        availability_zones=inputs.items("availability_zones", ZONES), region=region,
        account_id=inputs["account_id"], partition=partition,
        flow_log_retention_days=inputs["flow_log_retention_days"]))
    return {
        "vpc_id": ModuleOutput(network.vpc.id, "ID of the VPC"),
        "vpc_cidr": ModuleOutput(network.vpc.cidr_block, "IPv4 range of the VPC"),
        "availability_zones": ModuleOutput(inputs["availability_zones"], "AZs, in subnet order"),
        "public_subnet_ids": ModuleOutput(network.public_subnet_ids, "Public subnets (load balancers, NAT)"),
        "app_subnet_ids": ModuleOutput(network.app_subnet_ids, "Private application subnets, one per AZ"),
        "data_subnet_ids": ModuleOutput(network.data_subnet_ids, "Private data subnets with no internet route"),
        "app_route_table_ids": ModuleOutput([t.id for t in network.app_route_tables], "App-tier route tables"),
        "data_route_table_ids": ModuleOutput([t.id for t in network.data_route_tables], "Data-tier route table"),
        "app_security_group_id": ModuleOutput(
            network.app_security_group.id,
            "Security group of app-tier workloads; data stores admit its members only"),
        "flow_log_group_name": ModuleOutput(network.flow_log_group.name, "CloudWatch log group of the flow logs"),
    }


SPEC = ModuleSpec(
    name="network",
    construct="modules.network.Network",
    summary=(
        "A three-tier VPC over three AZs: public subnets (load balancers, NAT), private app subnets (a NAT "
        "gateway per AZ) and private data subnets with no internet route at all. Per-tier NACLs (the data tier "
        "admits only the app subnets on the database ports), the default security group and NACL stripped of "
        "every rule, flow logs of all traffic to a KMS-encrypted log group, S3 and DynamoDB gateway endpoints, "
        "and an empty app-tier security group that data stores admit."),
    variables=VARIABLES,
    build=build,
    fixed=(
        f"{ZONES} AZs (the Python construct takes 2 to 4).",
        "A NAT gateway per AZ (the construct's `nat_gateways=\"single\"` is a non-production cost setting).",
        "The data-tier NACL admits the MySQL and PostgreSQL ports (3306, 5432) from the app subnets.",
        "No interface endpoints (the construct's `interface_endpoints` adds them).",
    ),
)
