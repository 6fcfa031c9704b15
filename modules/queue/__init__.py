from modules.queue.queue import WorkQueue, WorkQueueProps, s3_sender_key_grant

__all__ = ["WorkQueue", "WorkQueueProps", "s3_sender_key_grant"]
