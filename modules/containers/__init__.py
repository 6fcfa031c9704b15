from modules.containers.cluster import ContainerCluster, ContainerClusterProps
from modules.containers.health_check import ContainerHealthCheck
from modules.containers.repository import ImageRepository, ImageRepositoryProps
from modules.containers.service import FargateService, FargateServiceProps, FileSystemVolume
from modules.containers.tracing import TraceCollector

__all__ = ["ContainerCluster", "ContainerClusterProps", "ContainerHealthCheck", "FargateService", "FargateServiceProps",
           "FileSystemVolume", "ImageRepository", "ImageRepositoryProps", "TraceCollector"]
