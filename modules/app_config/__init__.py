from modules.app_config.parameters import ParameterHierarchy, ParameterHierarchyProps
from modules.app_config.secrets import AppSecret, AppSecretProps, SecretReplica, replica_arn

__all__ = ["AppSecret", "AppSecretProps", "ParameterHierarchy", "ParameterHierarchyProps", "SecretReplica",
           "replica_arn"]
