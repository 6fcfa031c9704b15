"""Layer 5: real `terraform apply` of the data stack against moto, for the blueprints that together
use every kind of store: cafe-dr (RDS MySQL Multi-AZ, Valkey, EFS, parameters, backup with a
cross-region copy), saas (PostgreSQL behind RDS Proxy, Valkey, secrets, queues) and levels (Aurora
with readers and reader autoscaling, a bucket per asset class with replication, notifications to SQS).

Each blueprint is one scenario on its own moto server and xdist worker group: the network is applied
first (the data stack reads its exports through the real S3 remote state), then the data stack; a
second plan must show no changes; what AWS reports is checked with boto3; both are destroyed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import boto3
import pytest

from configuration import BlueprintConfig, load
from synth.app import synthesize
from tests.emulator.runbook import empty_named_buckets, stop_access_logging
from tests.harness.moto_server import MotoServer, start_moto_server
from tests.harness.terraform import TerraformWorkdir
from tests.workdirs import emulator_workdir

pytestmark = pytest.mark.emulator
SCENARIOS = ("cafe-dr", "saas", "levels")


@dataclass
class Scenario:
    config: BlueprintConfig
    moto: MotoServer
    network: TerraformWorkdir
    data: TerraformWorkdir

    def client(self, service: str, region: str | None = None) -> object:
        return boto3.client(service, region_name=region or self.config.regions.primary,
                            endpoint_url=self.moto.endpoint_url, aws_access_key_id="testing",
                            aws_secret_access_key="testing")


@pytest.fixture(scope="module", params=[pytest.param(b, marks=pytest.mark.xdist_group(f"emulator-data-{b}"))
                                        for b in SCENARIOS])
def scenario(request, tmp_path_factory) -> Iterator[Scenario]:
    blueprint = request.param
    config = load(blueprint, "prod")
    root = tmp_path_factory.mktemp(f"data-{blueprint}")
    synthesize(config, root / "out")
    moto = start_moto_server(log_path=root / "moto.log")
    try:
        s3 = boto3.client("s3", region_name=config.state_region, endpoint_url=moto.endpoint_url,
                          aws_access_key_id="testing", aws_secret_access_key="testing")
        location = {} if config.state_region == "us-east-1" else {
            "CreateBucketConfiguration": {"LocationConstraint": config.state_region}}
        s3.create_bucket(Bucket=config.state_bucket, **location)  # what the state stack's test proves it builds
        workdirs = {layer: emulator_workdir(root / "out", f"{config.name_prefix}-{layer}", root / layer,
                                            moto.endpoint_url) for layer in ("network", "data")}
        workdirs["network"].init()
        workdirs["network"].apply()
        yield Scenario(config=config, moto=moto, network=workdirs["network"], data=workdirs["data"])
    finally:
        moto.stop()


def test_data_stack_applies_and_plans_clean(scenario):
    scenario.data.init()
    scenario.data.apply()
    assert scenario.data.plan(detailed_exitcode=True) == 0, scenario.data.last_plan_output


def _outputs(scenario) -> dict[str, object]:
    return {name: value["value"] for name, value in scenario.data.output().items()}


def test_what_aws_reports_matches_the_blueprint(scenario):
    CHECKS[scenario.config.blueprint](scenario, _outputs(scenario))


def test_data_and_network_destroy_cleanly(scenario):
    # The runbook for production data: deletion protection is lifted deliberately, outside Terraform,
    # by someone who means it; Terraform then takes the final snapshots on the way out.
    rds = scenario.client("rds")
    for db in rds.describe_db_instances()["DBInstances"]:
        if db["DeletionProtection"] and not db.get("DBClusterIdentifier"):
            rds.modify_db_instance(DBInstanceIdentifier=db["DBInstanceIdentifier"], DeletionProtection=False,
                                   ApplyImmediately=True)
    for cluster in rds.describe_db_clusters()["DBClusters"]:
        if cluster["DeletionProtection"]:
            rds.modify_db_cluster(DBClusterIdentifier=cluster["DBClusterIdentifier"], DeletionProtection=False,
                                  ApplyImmediately=True)
    stop_access_logging(scenario.data)
    data_buckets = scenario.config.data_bucket_names  # named, so the state bucket destroy still needs is kept
    empty_named_buckets(scenario.client("s3"), data_buckets)
    scenario.data.destroy()
    assert not scenario.client("rds").describe_db_instances()["DBInstances"]
    s3 = scenario.client("s3")
    for bucket in data_buckets:
        with pytest.raises(s3.exceptions.ClientError, match="404|NoSuchBucket|Not Found"):
            s3.head_bucket(Bucket=bucket)
    scenario.network.destroy()


# -- per-blueprint checks of the applied resources ------------------------------------------------


def _check_cafe_dr(scenario: Scenario, outputs: dict) -> None:
    rds = scenario.client("rds")
    db = rds.describe_db_instances()["DBInstances"][0]
    assert db["MultiAZ"] is True and db["StorageEncrypted"] is True and db["Engine"] == "mysql"
    assert db["IAMDatabaseAuthenticationEnabled"] is True and db["PubliclyAccessible"] is False
    assert db["MasterUserSecret"]["SecretArn"] == outputs["database_cafe_secret_arn"]
    cache = scenario.client("elasticache").describe_replication_groups()["ReplicationGroups"][0]
    assert cache["AutomaticFailover"] == "enabled" and cache["TransitEncryptionEnabled"] is True
    assert cache["AtRestEncryptionEnabled"] is True
    efs = scenario.client("efs")
    system = efs.describe_file_systems()["FileSystems"][0]
    assert system["Encrypted"] is True
    assert len(efs.describe_mount_targets(FileSystemId=system["FileSystemId"])["MountTargets"]) == 2
    ssm = scenario.client("ssm")
    parameter = ssm.get_parameter(Name="/cafe-dr/prod/data/database/cafe/endpoint", WithDecryption=True)["Parameter"]
    assert parameter["Type"] == "SecureString" and parameter["Value"] == outputs["database_cafe_endpoint"]
    backup = scenario.client("backup")
    plan_id = backup.list_backup_plans()["BackupPlansList"][0]["BackupPlanId"]
    rule = backup.get_backup_plan(BackupPlanId=plan_id)["BackupPlan"]["Rules"][0]
    assert ":eu-central-1:" in rule["CopyActions"][0]["DestinationBackupVaultArn"]


def _check_saas(scenario: Scenario, outputs: dict) -> None:
    rds = scenario.client("rds")
    db = rds.describe_db_instances()["DBInstances"][0]
    assert db["Engine"] == "postgres" and db["MultiAZ"] is True
    proxy = rds.describe_db_proxies()["DBProxies"][0]
    assert proxy["RequireTLS"] is True and proxy["Endpoint"] == outputs["database_main_endpoint"]
    secrets = scenario.client("secretsmanager").list_secrets()["SecretList"]
    names = {s["Name"] for s in secrets}
    assert {"saas/prod/jwt-signing-key", "saas/prod/llm-api-key"} <= names
    sqs = scenario.client("sqs")
    attributes = sqs.get_queue_attributes(QueueUrl=outputs["queue_ai_jobs_url"], AttributeNames=["All"])["Attributes"]
    assert attributes["KmsMasterKeyId"] and '"maxReceiveCount":3' in attributes["RedrivePolicy"].replace(" ", "")


def _check_levels(scenario: Scenario, outputs: dict) -> None:
    rds = scenario.client("rds")
    cluster = rds.describe_db_clusters()["DBClusters"][0]
    assert cluster["Engine"] == "aurora-mysql" and cluster["StorageEncrypted"] is True
    assert len(cluster["DBClusterMembers"]) == 3
    assert sum(m["IsClusterWriter"] for m in cluster["DBClusterMembers"]) == 1
    s3 = scenario.client("s3")
    uploads = outputs["bucket_uploads_name"]
    rule = s3.get_bucket_replication(Bucket=uploads)["ReplicationConfiguration"]["Rules"][0]
    assert rule["Destination"]["Bucket"].endswith(f"{uploads}-us-east-2")
    queues = s3.get_bucket_notification_configuration(Bucket=uploads)["QueueConfigurations"]
    assert queues[0]["QueueArn"] == outputs["queue_image_processing_arn"]
    targets = scenario.client("application-autoscaling").describe_scalable_targets(ServiceNamespace="rds")
    assert (targets["ScalableTargets"][0]["MinCapacity"], targets["ScalableTargets"][0]["MaxCapacity"]) == (2, 5)


CHECKS: dict[str, Callable[[Scenario, dict], None]] = {
    "cafe-dr": _check_cafe_dr, "saas": _check_saas, "levels": _check_levels}

