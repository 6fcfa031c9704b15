from modules.file_system.efs import SharedFileSystem, SharedFileSystemProps

__all__ = ["SharedFileSystem", "SharedFileSystemProps"]
