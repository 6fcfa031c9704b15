from modules.containers.cluster import ContainerCluster, ContainerClusterProps
from modules.containers.repository import ImageRepository, ImageRepositoryProps
from modules.containers.service import FargateService, FargateServiceProps, FileSystemVolume

__all__ = ["ContainerCluster", "ContainerClusterProps", "FargateService", "FargateServiceProps", "FileSystemVolume",
           "ImageRepository", "ImageRepositoryProps"]
