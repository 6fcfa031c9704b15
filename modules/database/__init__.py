"""Relational databases: RDS instances and their cross-region replicas, RDS Proxy, Aurora clusters and the
secondary clusters of Aurora global databases, and their monitoring role."""

from modules.database.aurora import AuroraDatabase, AuroraDatabaseProps
from modules.database.aurora_secondary import AuroraSecondaryCluster, AuroraSecondaryClusterProps
from modules.database.instance import DatabaseInstance, DatabaseInstanceProps
from modules.database.monitoring import EnhancedMonitoringRole, EnhancedMonitoringRoleProps
from modules.database.proxy import DatabaseProxy, DatabaseProxyProps
from modules.database.replica import DatabaseReplica, DatabaseReplicaProps

__all__ = ["AuroraDatabase", "AuroraDatabaseProps", "AuroraSecondaryCluster", "AuroraSecondaryClusterProps",
           "DatabaseInstance", "DatabaseInstanceProps", "DatabaseProxy", "DatabaseProxyProps", "DatabaseReplica",
           "DatabaseReplicaProps", "EnhancedMonitoringRole", "EnhancedMonitoringRoleProps"]
