from modules.app_config.parameters import ParameterHierarchy, ParameterHierarchyProps
from modules.app_config.rotation import RotatedSecret, SecretRotation, SecretRotationProps, rotation_failure_alarm
from modules.app_config.secrets import AppSecret, AppSecretProps, SecretReplica, replica_arn

__all__ = ["AppSecret", "AppSecretProps", "ParameterHierarchy", "ParameterHierarchyProps", "RotatedSecret",
           "SecretReplica", "SecretRotation", "SecretRotationProps", "replica_arn", "rotation_failure_alarm"]
