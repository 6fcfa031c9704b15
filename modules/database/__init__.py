"""Relational databases: RDS instances, RDS Proxy, Aurora clusters and their monitoring role."""

from modules.database.aurora import AuroraDatabase, AuroraDatabaseProps
from modules.database.instance import DatabaseInstance, DatabaseInstanceProps
from modules.database.monitoring import EnhancedMonitoringRole, EnhancedMonitoringRoleProps
from modules.database.proxy import DatabaseProxy, DatabaseProxyProps
from modules.database.replica import DatabaseReplica, DatabaseReplicaProps

__all__ = ["AuroraDatabase", "AuroraDatabaseProps", "DatabaseInstance", "DatabaseInstanceProps", "DatabaseProxy",
           "DatabaseProxyProps", "DatabaseReplica", "DatabaseReplicaProps", "EnhancedMonitoringRole",
           "EnhancedMonitoringRoleProps"]
