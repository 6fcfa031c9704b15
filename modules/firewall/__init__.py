from modules.firewall.service_group import ServiceSecurityGroup, ServiceSecurityGroupProps
from modules.firewall.workload_group import WorkloadSecurityGroup, WorkloadSecurityGroupProps

__all__ = ["ServiceSecurityGroup", "ServiceSecurityGroupProps", "WorkloadSecurityGroup", "WorkloadSecurityGroupProps"]
