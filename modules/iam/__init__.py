from modules.iam.service_role import ServiceRole, ServiceRoleProps

__all__ = ["ServiceRole", "ServiceRoleProps"]
