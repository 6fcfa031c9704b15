from modules.tags.name_tags import NameTags

__all__ = ["NameTags"]
