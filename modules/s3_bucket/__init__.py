from modules.s3_bucket.bucket import LifecycleRule, SecureBucket, SecureBucketProps

__all__ = ["LifecycleRule", "SecureBucket", "SecureBucketProps"]
