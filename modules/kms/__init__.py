from modules.kms.key import EncryptionKey, EncryptionKeyProps, ServiceGrant

__all__ = ["EncryptionKey", "EncryptionKeyProps", "ServiceGrant"]
