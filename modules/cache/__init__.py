from modules.cache.valkey import ValkeyCache, ValkeyCacheProps, valkey_key_grants

__all__ = ["ValkeyCache", "ValkeyCacheProps", "valkey_key_grants"]
