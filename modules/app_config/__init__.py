from modules.app_config.parameters import ParameterHierarchy, ParameterHierarchyProps
from modules.app_config.secrets import AppSecret, AppSecretProps

__all__ = ["AppSecret", "AppSecretProps", "ParameterHierarchy", "ParameterHierarchyProps"]
