"""A three-tier VPC over 2-4 AZs: public (ALB, NAT), private-app, and private-data with no internet route.

Defence in depth: security groups (later tiers) are the first layer, the per-tier NACLs here the
stateless second one, so one wrong security group is not an open door. Everything the VPC does is
visible: flow logs of all traffic go to a KMS-encrypted log group.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from cdktf import Fn, TerraformResourceLifecycle, Token
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from cdktf_cdktf_provider_aws.default_network_acl import DefaultNetworkAcl
from cdktf_cdktf_provider_aws.default_security_group import DefaultSecurityGroup
from cdktf_cdktf_provider_aws.eip import Eip
from cdktf_cdktf_provider_aws.flow_log import FlowLog
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from cdktf_cdktf_provider_aws.internet_gateway import InternetGateway
from cdktf_cdktf_provider_aws.nat_gateway import NatGateway
from cdktf_cdktf_provider_aws.network_acl import NetworkAcl
from cdktf_cdktf_provider_aws.route import Route
from cdktf_cdktf_provider_aws.route_table import RouteTable
from cdktf_cdktf_provider_aws.route_table_association import RouteTableAssociation
from cdktf_cdktf_provider_aws.security_group import SecurityGroup, SecurityGroupEgress, SecurityGroupIngress
from cdktf_cdktf_provider_aws.subnet import Subnet
from cdktf_cdktf_provider_aws.vpc import Vpc
from cdktf_cdktf_provider_aws.vpc_endpoint import VpcEndpoint
from constructs import Construct

from modules.kms import EncryptionKey, EncryptionKeyProps, ServiceGrant
from modules.network.cidr import plan_subnets
from modules.network.nacl_rules import TierAcl, tier_acls

GATEWAY_ENDPOINTS = ("s3", "dynamodb")


@dataclass(frozen=True)
class NetworkProps:
    name_prefix: str
    """Prefix of every resource name, e.g. 'notebookly-prod'."""
    vpc_cidr: str
    """A literal private CIDR, or a Terraform token (a variable) when emitted as an HCL module."""
    availability_zones: Sequence[str]
    """Two to four AZ names; subnets, NAT gateways and route tables follow this list."""
    region: str
    account_id: str
    partition: str = "aws"
    subnet_newbits: Mapping[str, int] = field(default_factory=lambda: {"public": 8, "app": 4, "data": 8})
    """Extra prefix bits per tier (public/app/data); each tier reserves four AZ slots."""
    nat_gateways: Literal["per_az", "single"] = "per_az"
    """per_az (default) survives an AZ outage; single is a cost setting for non-production."""
    database_ports: Sequence[int] = (3306, 5432)
    """Ports the data tier admits, and only from the app subnets."""
    ephemeral_ports: tuple[int, int] = (1024, 65535)
    """Return-traffic ports the NACLs admit (NAT and ELB use 1024-65535)."""
    flow_log_retention_days: int = 365
    """Default a year: long enough for an incident investigation or an audit."""
    interface_endpoints: Sequence[str] = ()
    """Interface endpoint services (ssm, logs, ...) placed in the app tier, reachable from the VPC on 443."""
    ssh_cidrs: Sequence[str] = ()
    """Ranges the public tier's NACL admits on port 22: a bastion's allow-list. Default none: no SSH at all
    (Session Manager needs no inbound port); the bastion's security group is the first layer."""

    def __post_init__(self) -> None:
        if not 2 <= len(self.availability_zones) <= 4:
            raise ValueError(f"availability_zones={list(self.availability_zones)}; fix: give 2 to 4 zones")
        if len(set(zone_keys(self.availability_zones))) != len(self.availability_zones):
            raise ValueError(f"availability_zones={list(self.availability_zones)} repeat a zone letter, which names "
                             "the subnets; fix: list distinct zones such as eu-west-1a, eu-west-1b")
        if self.nat_gateways not in ("per_az", "single"):
            raise ValueError(f"nat_gateways={self.nat_gateways!r}; fix: use 'per_az' or 'single'")
        if len(self.availability_zones) * len(self.database_ports) > 18:
            raise ValueError(f"{len(self.availability_zones)} AZs x {len(self.database_ports)} database ports "
                             "exceed the 20 rules an AWS NACL direction allows; fix: list fewer database_ports")
        if len(self.ssh_cidrs) > 14:
            raise ValueError(f"ssh_cidrs={list(self.ssh_cidrs)}: {len(self.ssh_cidrs)} ranges and the public tier's 6 "
                             "other rules exceed the 20 an AWS NACL direction allows; fix: list 14 ranges or fewer")


class Network(Construct):
    """Exposes ids per tier (`public_subnet_ids`, `app_subnet_ids`, `data_subnet_ids`) for other stacks."""

    def __init__(self, scope: Construct, id: str, props: NetworkProps) -> None:
        super().__init__(scope, id)
        self.props = props
        zones = list(props.availability_zones)
        self.vpc = Vpc(self, "vpc", cidr_block=props.vpc_cidr, enable_dns_hostnames=True, enable_dns_support=True,
                       tags={"Name": f"{props.name_prefix}-vpc"})
        self.vpc_id = self.vpc.id  # read once: each read is a call into the jsii kernel
        DefaultSecurityGroup(self, "default-security-group", vpc_id=self.vpc_id,
                             tags={"Name": f"{props.name_prefix}-default-unused"})  # no rules: denies everything
        self.subnets = self._subnets(zones)
        self._internet_routes(zones)
        self._nacls()
        self._flow_logs()
        self._endpoints()
        self.app_security_group = SecurityGroup(
            self, "app-security-group", name=f"{props.name_prefix}-app", vpc_id=self.vpc_id,
            description="App-tier workloads: members reach the data tier; stacks granting access add the rules",
            revoke_rules_on_delete=True, tags={"Name": f"{props.name_prefix}-app"})  # no rules: no egress until granted

    # -- outputs ---------------------------------------------------------------------------------
    # Subnets do not change once built; their ids are read from the kernel once.
    @cached_property
    def public_subnet_ids(self) -> list[str]:
        return [s.id for s in self.subnets["public"]]

    @cached_property
    def app_subnet_ids(self) -> list[str]:
        return [s.id for s in self.subnets["app"]]

    @cached_property
    def data_subnet_ids(self) -> list[str]:
        return [s.id for s in self.subnets["data"]]

    def _subnet_ids(self, tier: str) -> list[str]:
        return {"public": self.public_subnet_ids, "app": self.app_subnet_ids, "data": self.data_subnet_ids}[tier]

    # -- parts -----------------------------------------------------------------------------------
    def _subnets(self, zones: list[str]) -> dict[str, list[Subnet]]:
        layout = plan_subnets(_prefix_length(self.props.vpc_cidr), dict(self.props.subnet_newbits))
        subnets: dict[str, list[Subnet]] = {}
        for tier, slots in layout.items():
            subnets[tier] = [
                Subnet(self, f"{tier}-subnet-{key}", vpc_id=self.vpc_id, availability_zone=zone,
                       cidr_block=self._subnet_cidr(slot.newbits, slot.netnum, slot.cidr),
                       map_public_ip_on_launch=False,  # even public: only ALB and NAT live there, with their own IPs
                       tags={"Name": f"{self.props.name_prefix}-{tier}-{zone}", "Tier": tier})
                for zone, key, slot in zip(zones, zone_keys(zones), slots, strict=False)]  # 4 slots, len(zones) used
        return subnets

    def _subnet_cidr(self, newbits: int, netnum: int, literal: Callable[[str], str]) -> str:
        cidr = self.props.vpc_cidr
        return Fn.cidrsubnet(cidr, newbits, netnum) if Token.is_unresolved(cidr) else literal(cidr)

    def _internet_routes(self, zones: list[str]) -> None:
        prefix = self.props.name_prefix
        igw = InternetGateway(self, "internet-gateway", vpc_id=self.vpc_id, tags={"Name": f"{prefix}-igw"})
        public = RouteTable(self, "public-routes", vpc_id=self.vpc_id, tags={"Name": f"{prefix}-public"})
        Route(self, "public-default-route", route_table_id=public.id, destination_cidr_block="0.0.0.0/0",
              gateway_id=igw.id)
        nat_zones = zones if self.props.nat_gateways == "per_az" else zones[:1]
        nats = []
        for zone, key, subnet_id in zip(nat_zones, zone_keys(zones), self.public_subnet_ids, strict=False):
            eip = Eip(self, f"nat-ip-{key}", domain="vpc", tags={"Name": f"{prefix}-nat-{zone}"},
                      depends_on=[igw])
            nats.append(NatGateway(self, f"nat-{key}", allocation_id=eip.allocation_id, subnet_id=subnet_id,
                                   tags={"Name": f"{prefix}-nat-{zone}"}, depends_on=[igw]))
        self.app_route_tables: list[RouteTable] = []
        data = RouteTable(self, "data-routes", vpc_id=self.vpc_id, tags={"Name": f"{prefix}-data-isolated"})
        self.data_route_tables = [data]  # no default route at all: the data tier cannot reach the internet
        for index, (zone, key) in enumerate(zip(zones, zone_keys(zones), strict=True)):
            app = RouteTable(self, f"app-routes-{key}", vpc_id=self.vpc_id, tags={"Name": f"{prefix}-app-{zone}"})
            nat = nats[index] if self.props.nat_gateways == "per_az" else nats[0]
            Route(self, f"app-default-route-{key}", route_table_id=app.id,
                  destination_cidr_block="0.0.0.0/0", nat_gateway_id=nat.id)
            self.app_route_tables.append(app)
            for tier, table in (("public", public), ("app", app), ("data", data)):
                RouteTableAssociation(self, f"{tier}-subnet-{key}-association", route_table_id=table.id,
                                      subnet_id=self._subnet_ids(tier)[index])

    def _nacls(self) -> None:
        # The default NACL keeps no rules (denies everything); every subnet is associated with a tier NACL.
        DefaultNetworkAcl(self, "default-nacl", default_network_acl_id=self.vpc.default_network_acl_id,
                          tags={"Name": f"{self.props.name_prefix}-default-unused"},
                          lifecycle=TerraformResourceLifecycle(ignore_changes=["subnet_ids"]))
        acls: Mapping[str, TierAcl] = tier_acls(
            vpc_cidr=self.vpc.cidr_block, app_subnet_cidrs=[s.cidr_block for s in self.subnets["app"]],
            database_ports=self.props.database_ports, ephemeral=self.props.ephemeral_ports,
            ssh_cidrs=self.props.ssh_cidrs)
        self.nacls = {tier: NetworkAcl(self, f"{tier}-nacl", vpc_id=self.vpc_id,
                                       subnet_ids=self._subnet_ids(tier),
                                       ingress=acl.ingress, egress=acl.egress,
                                       tags={"Name": f"{self.props.name_prefix}-{tier}"})
                      for tier, acl in acls.items()}

    def _flow_logs(self) -> None:
        props = self.props
        group_name = f"/vpc/{props.name_prefix}/flow-logs"
        group_arn = f"arn:{props.partition}:logs:{props.region}:{props.account_id}:log-group:{group_name}"
        key = EncryptionKey(self, "flow-log-key", EncryptionKeyProps(
            alias=f"{props.name_prefix}-flow-logs", description=f"VPC flow logs of {props.name_prefix}",
            account_id=props.account_id, partition=props.partition,
            service_grants=[ServiceGrant(service=f"logs.{props.region}.amazonaws.com", conditions=[
                ("ArnEquals", "kms:EncryptionContext:aws:logs:arn", [group_arn])])]))
        self.flow_log_group = CloudwatchLogGroup(self, "flow-log-group", name=group_name, kms_key_id=key.arn,
                                                 retention_in_days=props.flow_log_retention_days)
        trust = DataAwsIamPolicyDocument(self, "flow-log-trust", statement=[DataAwsIamPolicyDocumentStatement(
            actions=["sts:AssumeRole"],
            principals=[DataAwsIamPolicyDocumentStatementPrincipals(
                type="Service", identifiers=["vpc-flow-logs.amazonaws.com"])],
            condition=[DataAwsIamPolicyDocumentStatementCondition(
                test="StringEquals", variable="aws:SourceAccount", values=[props.account_id])])])
        role = IamRole(self, "flow-log-role", name=f"{props.name_prefix}-vpc-flow-logs",
                       assume_role_policy=trust.json)
        write = DataAwsIamPolicyDocument(self, "flow-log-write", statement=[DataAwsIamPolicyDocumentStatement(
            actions=["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            resources=[f"{self.flow_log_group.arn}:*"])])
        IamRolePolicy(self, "flow-log-role-policy", name="write-flow-logs", role=role.id, policy=write.json)
        FlowLog(self, "flow-log", vpc_id=self.vpc_id, traffic_type="ALL", log_destination_type="cloud-watch-logs",
                log_destination=self.flow_log_group.arn, iam_role_arn=role.arn, max_aggregation_interval=60)

    def _endpoints(self) -> None:
        props = self.props
        tables = [t.id for t in (*self.app_route_tables, *self.data_route_tables)]
        for service in GATEWAY_ENDPOINTS:  # free, and keeps S3/DynamoDB traffic off the NAT gateways
            VpcEndpoint(self, f"{service}-gateway-endpoint", vpc_id=self.vpc_id, vpc_endpoint_type="Gateway",
                        service_name=f"com.amazonaws.{props.region}.{service}", route_table_ids=tables,
                        tags={"Name": f"{props.name_prefix}-{service}"})
        if not props.interface_endpoints:
            self.endpoint_security_group = None
            return
        self.endpoint_security_group = SecurityGroup(
            self, "endpoint-security-group", name=f"{props.name_prefix}-vpc-endpoints", vpc_id=self.vpc_id,
            description="HTTPS from inside the VPC to the interface endpoints",
            ingress=[SecurityGroupIngress(description="HTTPS from the VPC", protocol="tcp", from_port=443,
                                          to_port=443, cidr_blocks=[self.vpc.cidr_block])],
            egress=[SecurityGroupEgress(description="Replies stay inside the VPC", protocol="tcp", from_port=443,
                                        to_port=443, cidr_blocks=[self.vpc.cidr_block])],
            tags={"Name": f"{props.name_prefix}-vpc-endpoints"})
        for service in props.interface_endpoints:
            VpcEndpoint(self, f"{service.replace('.', '-')}-interface-endpoint", vpc_id=self.vpc_id,
                        vpc_endpoint_type="Interface", service_name=f"com.amazonaws.{props.region}.{service}",
                        subnet_ids=self.app_subnet_ids, private_dns_enabled=True,
                        security_group_ids=[self.endpoint_security_group.id],
                        tags={"Name": f"{props.name_prefix}-{service}"})


def zone_keys(zones: Sequence[str]) -> list[str]:
    """What names a zone's resources: its letter (eu-west-1a -> a), or its position (az1, az2, ...) when the
    zones are Terraform tokens, as in the generated HCL module, where the names are not known at synth."""
    return [f"az{index}" if Token.is_unresolved(zone) else zone[-1] for index, zone in enumerate(zones, start=1)]


def _prefix_length(vpc_cidr: str) -> int:
    """The VPC's prefix length; a variable CIDR is assumed to be a /16 (the module variable's rule)."""
    return 16 if Token.is_unresolved(vpc_cidr) else int(vpc_cidr.split("/")[1])

