"""Steps of the teardown runbook the emulator tests follow, as a person would: buckets refuse deletion
while they hold versions (versioning keeps every object), and access logging writes new logs for every
request, so logging stops first, then the buckets are emptied deliberately, then Terraform destroys."""

from __future__ import annotations

from tests.harness.terraform import TerraformWorkdir


def stop_access_logging(workdir: TerraformWorkdir) -> None:
    loggings = workdir.stack_json.get("resource", {}).get("aws_s3_bucket_logging", {})
    if loggings:
        workdir.destroy(extra_args=[f"-target=aws_s3_bucket_logging.{name}" for name in loggings])


def empty_buckets(s3: object, prefix: str) -> list[str]:
    """Empty every bucket whose name starts with `prefix`; returns the names."""
    buckets = [b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"].startswith(prefix)]
    empty_named_buckets(s3, buckets)
    return buckets


def empty_named_buckets(s3: object, names: list[str]) -> None:
    """Delete every version and delete marker of each named bucket (never the state bucket a stack
    still needs: name the buckets, do not match them)."""
    for bucket in names:
        versions = s3.list_object_versions(Bucket=bucket)
        doomed = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                  for v in versions.get("Versions", []) + versions.get("DeleteMarkers", [])]
        if doomed:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": doomed})
