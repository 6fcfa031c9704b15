from modules.file_system.efs import SharedFileSystem, SharedFileSystemProps
from modules.file_system.replication import FileSystemReplication, FileSystemReplicationProps

__all__ = ["FileSystemReplication", "FileSystemReplicationProps", "SharedFileSystem", "SharedFileSystemProps"]
