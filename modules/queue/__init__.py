from modules.queue.queue import WorkQueue, WorkQueueProps, redrive_policy, s3_sender_key_grant

__all__ = ["WorkQueue", "WorkQueueProps", "redrive_policy", "s3_sender_key_grant"]
