from modules.firewall.service_group import ServiceSecurityGroup, ServiceSecurityGroupProps

__all__ = ["ServiceSecurityGroup", "ServiceSecurityGroupProps"]
