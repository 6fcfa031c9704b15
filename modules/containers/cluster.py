"""An ECS cluster for Fargate services: Container Insights on, Fargate and Fargate Spot capacity,
and a private Cloud Map namespace through which services find the ones they call."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdktf import Token
from cdktf_cdktf_provider_aws.ecs_cluster import EcsCluster, EcsClusterSetting
from cdktf_cdktf_provider_aws.ecs_cluster_capacity_providers import (
    EcsClusterCapacityProviders,
    EcsClusterCapacityProvidersDefaultCapacityProviderStrategy,
)
from cdktf_cdktf_provider_aws.service_discovery_private_dns_namespace import ServiceDiscoveryPrivateDnsNamespace
from constructs import Construct


@dataclass(frozen=True)
class ContainerClusterProps:
    name: str
    vpc_id: str
    namespace: str
    """Private DNS namespace, e.g. 'saas-prod.internal': service 'weaviate' answers at weaviate.saas-prod.internal."""
    container_insights: str = "enhanced"
    """'enhanced' (per-container metrics) or 'enabled'."""

    def __post_init__(self) -> None:
        """Checks literal values only: a Terraform variable (a generated module's) is checked by its validation."""
        if not Token.is_unresolved(self.name) and not re.fullmatch(r"[a-zA-Z0-9_-]{1,255}", self.name):
            raise ValueError(f"cluster name {self.name!r}; fix: letters, digits, _ and - only")
        if not Token.is_unresolved(self.container_insights) and self.container_insights not in ("enabled", "enhanced"):
            raise ValueError(f"container_insights {self.container_insights!r}; fix: 'enabled' or 'enhanced'")


class ContainerCluster(Construct):
    def __init__(self, scope: Construct, id: str, props: ContainerClusterProps) -> None:
        super().__init__(scope, id)
        self.cluster = EcsCluster(self, "cluster", name=props.name, setting=[
            EcsClusterSetting(name="containerInsights", value=props.container_insights)])
        self.capacity_providers = EcsClusterCapacityProviders(
            self, "capacity-providers", cluster_name=self.cluster.name, capacity_providers=["FARGATE", "FARGATE_SPOT"],
            default_capacity_provider_strategy=[EcsClusterCapacityProvidersDefaultCapacityProviderStrategy(
                capacity_provider="FARGATE", base=1, weight=1)])
        self.namespace = ServiceDiscoveryPrivateDnsNamespace(
            self, "namespace", name=props.namespace, vpc=props.vpc_id,
            description=f"Service-to-service names in {props.name}")

    @property
    def name(self) -> str:
        return self.cluster.name

    @property
    def arn(self) -> str:
        return self.cluster.arn
