"""Steps of the teardown runbook the emulator tests follow, as a person would: buckets refuse deletion
while they hold versions (versioning keeps every object), and access logging writes new logs for every
request, so logging stops first, then the buckets are emptied deliberately, then Terraform destroys."""

from __future__ import annotations

from configuration import BlueprintConfig
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


def with_hosted_zone(config: BlueprintConfig, route53: object) -> BlueprintConfig:
    """What an operator does before the first apply of an HTTPS environment: create (or delegate) the
    Route 53 zone of the certificate's domain and put its id in the configuration."""
    balancer = config.compute.load_balancer
    if balancer is None or balancer.certificate is None:
        return config
    zone = route53.create_hosted_zone(Name=balancer.certificate.domain_name, CallerReference=config.name_prefix)
    document = config.model_dump(by_alias=True)
    document["compute"]["load_balancer"]["certificate"]["hosted_zone_id"] = zone["HostedZone"]["Id"].split("/")[-1]
    return BlueprintConfig.model_validate(document)


def lift_load_balancer_deletion_protection(elbv2: object) -> None:
    """Production load balancers are protected; tearing one down is a deliberate step outside Terraform."""
    for balancer in elbv2.describe_load_balancers()["LoadBalancers"]:
        elbv2.modify_load_balancer_attributes(LoadBalancerArn=balancer["LoadBalancerArn"], Attributes=[
            {"Key": "deletion_protection.enabled", "Value": "false"}])
