"""Layer 5: real `terraform apply` of the data and compute stacks against moto, for the blueprints
that together use every kind of store and workload: cafe-dr (RDS MySQL Multi-AZ, Valkey, EFS,
parameters, backup with a cross-region copy), saas (PostgreSQL behind RDS Proxy, Valkey, secrets,
queues; five Fargate services and a Spot worker behind an HTTPS load balancer with WAF) and levels
(Aurora with readers and reader autoscaling, a bucket per asset class with replication and
notifications; API and queue-worker EC2 fleets, a bastion), plus notebookly (seed 004: RDS MySQL, the
assets bucket, a step-scaled fleet) and cafe-nimbus (seed 000: the orders database, the replicated static
site bucket, a golden-image fleet and the bastion), so that every blueprint's prod applies here.

Each blueprint is one scenario on its own moto server and xdist worker group: the network is applied
first, then the data stack, then compute (each reads the exports below it through the real S3 remote
state); every second plan must show no changes; what AWS reports is checked with boto3; the layers are
destroyed top down, following the runbook (deletion protection lifted deliberately, buckets emptied).
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

from configuration import BlueprintConfig
from stacks.compute import ComputeStack
from synth.app import synthesize
from tests.emulator.environments import EmulatedEnvironment
from tests.emulator.runbook import (
    empty_named_buckets,
    lift_load_balancer_deletion_protection,
    stop_access_logging,
    with_hosted_zone,
)
from tests.harness.moto_server import MotoServer, start_moto_server
from tests.harness.terraform import TerraformWorkdir
from tests.support import load_environment
from tests.workdirs import emulator_workdir

pytestmark = pytest.mark.emulator
SCENARIOS = ("cafe-dr", "saas", "levels", "notebookly", "cafe-nimbus")
ENVIRONMENTS = {"cafe-dr": "prod", "saas": "prod+warm-standby", "levels": "prod+warm-standby",
                "notebookly": "prod", "cafe-nimbus": "prod"}
"""What each scenario applies: the shipped prod, or prod with the option it offers on (the warm standbys of
levels and saas, supersets of what they ship: levels' primary then founds an Aurora global database, saas's
replicates its secrets and file system)."""
STANDBY_LAYERS = ("network", "data", "compute")
STANDBY_APPLIED_HERE = {"levels", "saas"}
"""Scenarios whose standby stacks this module applies, after the primary's compute (the standby's load
balancer takes the primary's origin secret from its state) and destroyed before it; cafe-dr's are applied,
failed over and checked by the drill (test_dr_drill.py)."""


@dataclass
class Scenario:
    config: BlueprintConfig
    moto: MotoServer
    network: TerraformWorkdir
    data: TerraformWorkdir
    compute: TerraformWorkdir | None
    ops: TerraformWorkdir
    root: Path
    standby: dict[str, TerraformWorkdir]
    """dr-network, dr-data, dr-compute by layer, for STANDBY_APPLIED_HERE; empty otherwise."""

    def client(self, service: str, region: str | None = None) -> object:
        return boto3.client(service, region_name=region or self.config.regions.primary,
                            endpoint_url=self.moto.endpoint_url, aws_access_key_id="testing",
                            aws_secret_access_key="testing")


@pytest.fixture(scope="module", params=[pytest.param(b, marks=pytest.mark.xdist_group(f"emulator-platform-{b}"))
                                        for b in SCENARIOS])
def scenario(request, tmp_path_factory) -> Iterator[Scenario]:
    blueprint = request.param
    root = tmp_path_factory.mktemp(f"platform-{blueprint}")
    moto = start_moto_server(log_path=root / "moto.log")
    try:
        route53 = boto3.client("route53", region_name="us-east-1", endpoint_url=moto.endpoint_url,
                               aws_access_key_id="testing", aws_secret_access_key="testing")
        config = with_hosted_zone(load_environment(blueprint, ENVIRONMENTS[blueprint]), route53)
        synthesize(config, root / "out")
        s3 = boto3.client("s3", region_name=config.state_region, endpoint_url=moto.endpoint_url,
                          aws_access_key_id="testing", aws_secret_access_key="testing")
        location = {} if config.state_region == "us-east-1" else {
            "CreateBucketConfiguration": {"LocationConstraint": config.state_region}}
        s3.create_bucket(Bucket=config.state_bucket, **location)  # what the state stack's test proves it builds
        workdirs = {layer: emulator_workdir(root / "out", f"{config.name_prefix}-{layer}", root / layer,
                                            moto.endpoint_url) for layer in ("network", "data", "compute", "ops")
                    if layer != "compute" or ComputeStack.applies_to(config)}
        standby = {layer: emulator_workdir(root / "out", f"{config.name_prefix}-dr-{layer}", root / f"dr-{layer}",
                                           moto.endpoint_url) for layer in STANDBY_LAYERS
                   if blueprint in STANDBY_APPLIED_HERE}
        workdirs["network"].init()
        workdirs["network"].apply()
        yield Scenario(config=config, moto=moto, network=workdirs["network"], data=workdirs["data"],
                       compute=workdirs.get("compute"), ops=workdirs["ops"], root=root, standby=standby)
    finally:
        moto.stop()


def test_data_stack_applies_and_plans_clean(scenario):
    assert scenario.data.apply_then_plan() == 0, scenario.data.last_plan_output


def _outputs(workdir: TerraformWorkdir) -> dict[str, object]:
    return {name: value["value"] for name, value in workdir.output().items()}


def test_what_aws_reports_matches_the_data_tier(scenario):
    outputs = _outputs(scenario.data)
    CHECKS[scenario.config.blueprint](scenario, outputs)
    if "restore_testing_plan_name" in outputs:  # production's default (data.backup.restore_testing)
        _restore_tests_cover_the_backups(scenario, outputs)


def _restore_tests_cover_the_backups(scenario: Scenario, outputs: dict) -> None:
    """Seed 004 L71, "test disaster recovery by restoring from a backup": each store the backup plan protects is
    restored from the environment's vault on schedule; a database into its own subnet group and security groups."""
    backup, name = scenario.client("backup"), outputs["restore_testing_plan_name"]
    plan = backup.get_restore_testing_plan(RestoreTestingPlanName=name)["RestoreTestingPlan"]
    vault = backup.describe_backup_vault(BackupVaultName=outputs["backup_vault_name"])["BackupVaultArn"]
    assert plan["RecoveryPointSelection"]["IncludeVaults"] == [vault]
    plan_id = backup.list_backup_plans()["BackupPlansList"][0]["BackupPlanId"]
    (protected,) = backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]
    backed_up = backup.get_backup_selection(BackupPlanId=plan_id, SelectionId=protected["SelectionId"])[
        "BackupSelection"]["Resources"]
    databases = {db["DBInstanceArn"]: db for db in scenario.client("rds").describe_db_instances()["DBInstances"]}
    tested = []
    for listed in backup.list_restore_testing_selections(RestoreTestingPlanName=name)["RestoreTestingSelections"]:
        selection = backup.get_restore_testing_selection(
            RestoreTestingPlanName=name, RestoreTestingSelectionName=listed["RestoreTestingSelectionName"])[
            "RestoreTestingSelection"]
        (arn,) = selection["ProtectedResourceArns"]
        tested.append(arn)
        if selection["ProtectedResourceType"] == "RDS":
            db, overrides = databases[arn], selection["RestoreMetadataOverrides"]
            assert overrides["dbSubnetGroupName"] == db["DBSubnetGroup"]["DBSubnetGroupName"]
            assert json.loads(overrides["vpcSecurityGroupIds"]) == [g["VpcSecurityGroupId"]
                                                                    for g in db["VpcSecurityGroups"]]
            assert overrides["publiclyAccessible"] == "false"
    assert sorted(tested) == sorted(backed_up)


def _compute(scenario: Scenario) -> TerraformWorkdir:
    if scenario.compute is None:
        pytest.skip(f"{scenario.config.blueprint} has no compute section")
    return scenario.compute


def test_compute_stack_applies_and_plans_clean(scenario):
    compute = _compute(scenario)
    assert compute.apply_then_plan() == 0, compute.last_plan_output


def test_what_aws_reports_matches_the_compute_tier(scenario):
    outputs = _outputs(_compute(scenario))  # skips first where there is no compute tier
    COMPUTE_CHECKS[scenario.config.blueprint](scenario, outputs)


def _standby(scenario: Scenario) -> dict[str, TerraformWorkdir]:
    if not scenario.standby:
        reason = ("its standby is applied, failed over and checked by the drill (test_dr_drill.py)"
                  if scenario.config.dr.enabled else "its prod has no standby (dr.strategy: none)")
        pytest.skip(f"{scenario.config.blueprint}: {reason}")
    return scenario.standby


def test_standby_applies_and_plans_clean(scenario):
    """The standby site after the primary's data: its network, the secondary cluster joining the global
    database the primary founded, its queues, and its fleets at warm capacity reading them."""
    for layer, workdir in _standby(scenario).items():
        assert workdir.apply_then_plan() == 0, f"dr-{layer}:\n{workdir.last_plan_output}"


def test_what_aws_reports_matches_the_standby(scenario):
    standby = _standby(scenario)
    STANDBY_CHECKS[scenario.config.blueprint](scenario, _outputs(standby["data"]), _outputs(standby["compute"]))


def _standby_parameter(scenario: Scenario, name: str) -> str:
    """A parameter of the standby region's hierarchy (the same names as the primary's)."""
    ssm = scenario.client("ssm", scenario.config.regions.secondary)
    return ssm.get_parameter(Name=f"{scenario.config.parameter_prefix}/data/{name}", WithDecryption=True)[
        "Parameter"]["Value"]


def _check_levels_standby(scenario: Scenario, data: dict, compute: dict) -> None:
    config, region = scenario.config, scenario.config.regions.secondary
    rds = scenario.client("rds", region)
    (cluster,) = rds.describe_db_clusters(DBClusterIdentifier=data["database_main_identifier"])["DBClusters"]
    assert cluster["DBClusterArn"] == data["database_main_arn"] and cluster["StorageEncrypted"] is True
    assert cluster["KmsKeyId"] == data["kms_key_databases_arn"] and len(cluster["DBClusterMembers"]) == 2
    (global_cluster,) = scenario.client("rds").describe_global_clusters(
        GlobalClusterIdentifier=data["database_main_global_cluster_identifier"])["GlobalClusters"]
    members = {m["DBClusterArn"]: m["IsWriter"] for m in global_cluster["GlobalClusterMembers"]}
    primary_cluster = scenario.client("rds").describe_db_clusters()["DBClusters"][0]
    assert members == {primary_cluster["DBClusterArn"]: True, data["database_main_arn"]: False}
    assert _standby_parameter(scenario, "database/main/endpoint") == cluster["Endpoint"]
    assert _standby_parameter(scenario, "dr/active_region") == config.regions.primary
    assert _standby_parameter(scenario, "bucket/uploads") == config.data_bucket_name("uploads", region)
    sqs = scenario.client("sqs", region)
    jobs = sqs.get_queue_attributes(QueueUrl=data["queue_jobs_url"], AttributeNames=["All"])["Attributes"]
    assert jobs["KmsMasterKeyId"] == data["kms_key_messaging_arn"] and "deadLetterTargetArn" in jobs["RedrivePolicy"]
    groups = {g["AutoScalingGroupName"]: g for g in scenario.client("autoscaling", region)
              .describe_auto_scaling_groups()["AutoScalingGroups"]}
    api, worker = groups[compute["fleet_api_group_name"]], groups[compute["fleet_worker_group_name"]]
    assert (api["MinSize"], api["DesiredCapacity"], worker["MinSize"]) == (1, 1, 1)  # warm: half of 2, and of 1
    alarm = scenario.client("cloudwatch", region).describe_alarms(
        AlarmNames=["levels-prod-dr-worker-scale-out"])["MetricAlarms"][0]
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": data["queue_jobs_name"]}]


def _check_saas_standby(scenario: Scenario, data: dict, compute: dict) -> None:
    config, region = scenario.config, scenario.config.regions.secondary
    rds = scenario.client("rds", region)
    (replica,) = rds.describe_db_instances(DBInstanceIdentifier=data["database_main_identifier"])["DBInstances"]
    primary_arn = scenario.client("rds").describe_db_instances(DBInstanceIdentifier="saas-prod-main")[
        "DBInstances"][0]["DBInstanceArn"]
    assert replica["ReadReplicaSourceDBInstanceIdentifier"] == primary_arn
    assert (replica["StorageEncrypted"], replica["KmsKeyId"], replica["MultiAZ"]) == (
        True, data["kms_key_databases_arn"], True)
    assert _standby_parameter(scenario, "database/main/endpoint") == replica["Endpoint"]["Address"]
    # every secret has its replica here, under the key the primary's data stack made for them
    secrets = scenario.client("secretsmanager", region)
    for arn in [data["database_main_secret_arn"], *data["secret_arns"].values()]:
        described = secrets.describe_secret(SecretId=arn)
        assert (described["PrimaryRegion"], described["KmsKeyId"]) == (
            config.regions.primary, data["kms_key_secrets_replica_arn"]), arn
    assert _standby_parameter(scenario, "secret/llm-api-key") == data["secret_arns"]["llm-api-key"]
    assert _standby_parameter(scenario, "database/main/secret_arn") == data["database_main_secret_arn"]
    (cache,) = scenario.client("elasticache", region).describe_replication_groups(
        ReplicationGroupId=data["cache_valkey_replication_group_id"])["ReplicationGroups"]
    assert cache["AtRestEncryptionEnabled"] is True and cache["TransitEncryptionEnabled"] is True
    assert _standby_parameter(scenario, "cache/valkey/endpoint") == data["cache_valkey_endpoint"]
    efs = scenario.client("efs", region)  # Weaviate's index: the replica, read-only until a failover
    (replica_system,) = efs.describe_file_systems(FileSystemId=data["file_system_vectors_id"])["FileSystems"]
    assert replica_system["FileSystemProtection"]["ReplicationOverwriteProtection"] == "REPLICATING"
    assert replica_system["Encrypted"] is True
    (replication,) = efs.describe_replication_configurations(FileSystemId=data["file_system_vectors_id"])[
        "Replications"]
    assert replication["SourceFileSystemRegion"] == config.regions.primary
    assert len(efs.describe_mount_targets(FileSystemId=data["file_system_vectors_id"])["MountTargets"]) == 2
    assert _standby_parameter(scenario, "file_system/vectors/id") == data["file_system_vectors_id"]
    ecs = scenario.client("ecs", region)
    names = ["frontend", "backend", "chatbot-api", "admin", "weaviate", "ai-worker"]
    services = {s["serviceName"]: s["desiredCount"] for s in ecs.describe_services(
        cluster=compute["cluster_name"], services=names)["services"]}
    assert services == {"frontend": 1, "backend": 1, "chatbot-api": 1, "admin": 1, "weaviate": 1, "ai-worker": 1}
    # CloudFront's origin name fails over to this load balancer, which takes the primary's origin secret
    assert scenario.compute is not None
    primary_secret = _outputs(scenario.compute)["origin_verify_secret"]
    elbv2 = scenario.client("elbv2", region)
    (balancer,) = elbv2.describe_load_balancers()["LoadBalancers"]
    (https,) = [listener["ListenerArn"] for listener in elbv2.describe_listeners(
        LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"] if listener["Port"] == 443]
    headers = {tuple(condition["HttpHeaderConfig"]["Values"]) for rule in elbv2.describe_rules(ListenerArn=https)[
        "Rules"] for condition in rule["Conditions"] if condition["Field"] == "http-header"}
    assert headers == {(primary_secret,)} and compute["origin_verify_secret"] == primary_secret


STANDBY_CHECKS: dict[str, Callable[[Scenario, dict, dict], None]] = {
    "levels": _check_levels_standby, "saas": _check_saas_standby}


def _file_systems(data: dict) -> list[str]:
    """The standby's file-system replicas (file_system_<name>_id outputs), what FILE_SYSTEMS lists."""
    return [value for name, value in data.items() if name.startswith("file_system_") and name.endswith("_id")
            and "_access_point_" not in name]


def _levels_database(scenario: Scenario, data: dict) -> tuple[dict, Callable[[], None]]:
    """levels: the secondary cluster leaves the Aurora global database."""
    def detached() -> None:
        (global_cluster,) = scenario.client("rds").describe_global_clusters(
            GlobalClusterIdentifier=data["database_main_global_cluster_identifier"])["GlobalClusters"]
        assert data["database_main_arn"] not in {m["DBClusterArn"] for m in global_cluster["GlobalClusterMembers"]}
    return {"kind": "aurora-global", "global_cluster": data["database_main_global_cluster_identifier"],
            "cluster_arn": data["database_main_arn"]}, detached


def _saas_database(scenario: Scenario, data: dict) -> tuple[dict, Callable[[], None]]:
    """saas: the cross-region read replica is promoted to a standalone instance."""
    def promoted() -> None:
        (replica,) = scenario.client("rds", scenario.config.regions.secondary).describe_db_instances(
            DBInstanceIdentifier=data["database_main_identifier"])["DBInstances"]
        assert not replica.get("ReadReplicaSourceDBInstanceIdentifier") and replica["MultiAZ"] is True
    return {"kind": "instance", "identifier": data["database_main_identifier"], "multi_az": True}, promoted


FAILOVER_DATABASES: dict[str, Callable[[Scenario, dict], tuple[dict, Callable[[], None]]]] = {
    "levels": _levels_database, "saas": _saas_database}
"""The orchestrator's DATABASE for a scenario's standby (as the failover stack sets it), and the check that the
database step did its work."""


def test_the_orchestrator_makes_the_standby_writable_and_terraform_leaves_it(scenario):
    """The failover's database step (lambda_src/dr_failover) against the standby Terraform built: levels'
    secondary cluster leaves the global database, saas's replica is promoted; then dr-data plans no change
    (what a failover changes is Terraform's at creation only), so an apply mid-failover undoes nothing."""
    from lambda_src.dr_failover.aws import AwsClients
    from lambda_src.dr_failover.clock import Clock
    from lambda_src.dr_failover.config import Config
    from lambda_src.dr_failover.steps import DONE, SKIPPED, Run, detach_file_systems, promote_database

    standby = _standby(scenario)
    config, data = scenario.config, _outputs(standby["data"])
    region = config.regions.secondary
    account = config.account_id
    database, check = FAILOVER_DATABASES[config.blueprint](scenario, data)
    environment = {  # the steps read DATABASE; the rest is what Config requires of a deployment
        "PRIMARY_REGION": config.regions.primary, "STANDBY_REGION": region, "HEALTH_ALARM_NAME": "unused",
        "DATABASE": json.dumps(database),
        "PARAMETERS": json.dumps({"active_region": data["active_region_parameter_name"],
                                  "database_endpoint": f"{config.parameter_prefix}/data/database/main/endpoint"}),
        "FLEETS": "[]", "TARGET_GROUP_ARNS": "[]", "POLL_SECONDS": "1", "WAIT_TIMEOUT_SECONDS": "60",
        "FILE_SYSTEMS": json.dumps(_file_systems(data)),
        "DNS": json.dumps({"zone_id": "Z0UNUSED", "record_name": "api.example.com",
                           "standby_dns_name": "unused.elb.amazonaws.com", "gate_health_check_id": "unused"}),
        "TOPIC_ARN": f"arn:aws:sns:{region}:{account}:unused"}
    run = Run(config=Config.from_env(environment), aws=AwsClients(lambda service, region_name: scenario.client(
        service, region_name)), clock=Clock())
    first = promote_database(run)
    assert first.status == DONE, first.detail
    assert promote_database(run).status == SKIPPED  # idempotent: a retried run moves on
    check()
    assert run.database_endpoint == data["database_main_endpoint"]  # the parameter's name already points there
    if _file_systems(data):  # saas: Weaviate's replica leaves the replication and is writable
        detached = detach_file_systems(run)
        assert detached.status == DONE, detached.detail
        assert detach_file_systems(run).status == SKIPPED
        efs = scenario.client("efs", region)
        for file_system in _file_systems(data):
            (found,) = efs.describe_file_systems(FileSystemId=file_system)["FileSystems"]
            assert found["FileSystemProtection"]["ReplicationOverwriteProtection"] == "ENABLED"
    assert standby["data"].plan(detailed_exitcode=True) == 0, standby["data"].last_plan_output


def test_standby_destroys_cleanly(scenario):
    standby = _standby(scenario)
    region = scenario.config.regions.secondary
    lift_load_balancer_deletion_protection(scenario.client("elbv2", region))
    empty_named_buckets(scenario.client("s3", region), [_outputs(standby["compute"])["load_balancer_log_bucket_name"]])
    standby["compute"].destroy()
    rds = scenario.client("rds", region)
    for cluster in rds.describe_db_clusters()["DBClusters"]:  # the runbook: protection lifted deliberately
        rds.modify_db_cluster(DBClusterIdentifier=cluster["DBClusterIdentifier"], DeletionProtection=False,
                              ApplyImmediately=True)
    for db in rds.describe_db_instances()["DBInstances"]:
        if db["DeletionProtection"] and not db.get("DBClusterIdentifier"):
            rds.modify_db_instance(DBInstanceIdentifier=db["DBInstanceIdentifier"], DeletionProtection=False,
                                   ApplyImmediately=True)
    replicas = _file_systems(_outputs(standby["data"]))
    standby["data"].destroy()
    assert not rds.describe_db_clusters()["DBClusters"] and not rds.describe_db_instances()["DBInstances"]
    efs = scenario.client("efs", region)
    for file_system in replicas:  # the runbook: the replica outlives its replication; deleted by hand
        efs.delete_file_system(FileSystemId=file_system)
    assert not efs.describe_file_systems()["FileSystems"]
    standby["network"].destroy()
    assert not scenario.client("ec2", region).describe_vpcs(Filters=[{"Name": "tag:Site", "Values": ["standby"]}])[
        "Vpcs"]


def _seed_edge(scenario: Scenario) -> None:
    """The ops stack reads the edge stack's health check; edge is applied in its own scenario
    (tests/emulator/test_edge_apply.py), so its outputs are seeded here."""
    environment = EmulatedEnvironment(config=scenario.config, root=scenario.root, moto=scenario.moto)
    if "edge" in environment.contracts:
        environment.seed("edge")


def test_ops_stack_applies_and_plans_clean(scenario):
    _seed_edge(scenario)
    assert scenario.ops.apply_then_plan() == 0, scenario.ops.last_plan_output


def test_what_aws_reports_matches_the_ops_tier(scenario):
    config, outputs = scenario.config, _outputs(scenario.ops)
    topic_arn = outputs["alarm_topic_arn"]
    sns = scenario.client("sns")
    attributes = sns.get_topic_attributes(TopicArn=topic_arn)["Attributes"]
    assert attributes["KmsMasterKeyId"] == outputs["kms_key_arn"]
    subscribed = {s["Endpoint"] for s in sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]}
    expected = {*config.ops.alarm_subscribers.emails, *config.ops.alarm_subscribers.https_endpoints}
    assert expected and subscribed == expected
    declared = _declared_alarms(scenario.ops)
    alarms = [a for a in scenario.client("cloudwatch").describe_alarms(AlarmNamePrefix=config.name_prefix)[
        "MetricAlarms"] if a["AlarmName"] in declared]  # scaling alarms of the compute stack share the prefix
    names = {a["AlarmName"] for a in alarms}
    assert names == declared
    for alarm in alarms:  # every alarm reaches people, and tells them when it is over
        assert alarm["AlarmActions"] == [topic_arn] and alarm["OKActions"] == [topic_arn], alarm["AlarmName"]
        assert alarm["TreatMissingData"] in ("breaching", "notBreaching"), alarm["AlarmName"]
    for name in config.data.queues:
        assert f"{config.name_prefix}-{name}-dead-letters" in names
    for name in [*config.data.databases, *config.data.aurora]:
        assert f"{config.name_prefix}-{name}-db-cpu-high" in names
    if config.compute.load_balancer:
        rate = next(a for a in alarms if a["AlarmName"] == f"{config.name_prefix}-alb-5xx-rate")
        assert rate["Threshold"] == config.ops.alarms.http_5xx_percent
        assert {m["Id"] for m in rate["Metrics"]} == {"requests", "elb5xx", "target5xx", "result"}
    for name in config.compute.fleets:
        assert f"{config.name_prefix}-{name}-below-minimum" in names
    for name in config.compute.services:
        assert f"{config.name_prefix}-{name}-tasks-below-desired" in names
    _check_fleet_log_filters(scenario, names)
    dashboards = scenario.client("cloudwatch").list_dashboards()["DashboardEntries"]
    assert [d["DashboardName"] for d in dashboards] == [outputs["dashboard_name"]]
    _guardduty_findings_reach_the_topic(scenario, outputs)
    _failed_backup_jobs_reach_the_topic(scenario, outputs)


def _failed_backup_jobs_reach_the_topic(scenario: Scenario, outputs: dict) -> None:
    """Every scenario backs up a store: failed backup, copy and restore jobs are ruled onto the alarm topic."""
    events, prefix = scenario.client("events"), scenario.config.name_prefix
    for rule, job_types in ((f"{prefix}-backup-job-failures", ["Backup Job State Change", "Copy Job State Change"]),
                            (f"{prefix}-restore-job-failures", ["Restore Job State Change"])):
        pattern = json.loads(events.describe_rule(Name=rule)["EventPattern"])
        assert pattern["source"] == ["aws.backup"] and pattern["detail-type"] == job_types
        (target,) = events.list_targets_by_rule(Rule=rule)["Targets"]
        assert target["Arn"] == outputs["alarm_topic_arn"]
        assert "<message>" in target["InputTransformer"]["InputTemplate"]


def _guardduty_findings_reach_the_topic(scenario: Scenario, outputs: dict) -> None:
    """ops.threat_detection (on by default): the detector is enabled with the decided features, and its findings'
    rule targets the alarm topic, whose policy admits EventBridge."""
    guardduty = scenario.client("guardduty")
    assert guardduty.list_detectors()["DetectorIds"] == [outputs["guardduty_detector_id"]]
    detector = guardduty.get_detector(DetectorId=outputs["guardduty_detector_id"])
    assert (detector["Status"], detector["FindingPublishingFrequency"]) == ("ENABLED", "FIFTEEN_MINUTES")
    assert {f["Name"]: f["Status"] for f in detector["Features"]} == {
        "S3_DATA_EVENTS": "ENABLED", "EBS_MALWARE_PROTECTION": "ENABLED", "EKS_AUDIT_LOGS": "DISABLED"}
    (target,) = scenario.client("events").list_targets_by_rule(
        Rule=f"{scenario.config.name_prefix}-guardduty-findings")["Targets"]
    assert target["Arn"] == outputs["alarm_topic_arn"]
    policy = scenario.client("sns").get_topic_attributes(TopicArn=outputs["alarm_topic_arn"])["Attributes"]["Policy"]
    assert "events.amazonaws.com" in policy


def _check_fleet_log_filters(scenario: Scenario, alarm_names: set[str]) -> None:
    """Each error log a fleet ships is counted by a metric filter with its pattern, and alarmed on."""
    config, logs = scenario.config, scenario.client("logs")
    compute = _outputs(scenario.compute) if scenario.compute else {}
    for name, fleet in config.compute.fleets.items():
        for log in fleet.shipped_logs:
            if log.error_pattern is None:
                continue
            group = compute[f"fleet_{name.replace('-', '_')}_log_{log.name.replace('-', '_')}_group_name"]
            (metric_filter,) = logs.describe_metric_filters(logGroupName=group)["metricFilters"]
            assert metric_filter["filterPattern"] == log.error_pattern, group
            assert f"{config.name_prefix}-{name}-{log.name}-log-errors" in alarm_names


def _declared_alarms(workdir: TerraformWorkdir) -> set[str]:
    """Alarms of the stack's own region (those on billing or Route 53 metrics live in us-east-1)."""
    return {a["alarm_name"] for a in workdir.stack_json["resource"]["aws_cloudwatch_metric_alarm"].values()
            if a.get("provider", "aws") == "aws"}


def test_ops_destroys_cleanly(scenario):
    outputs = _outputs(scenario.ops)
    stop_access_logging(scenario.ops)
    empty_named_buckets(scenario.client("s3"), [outputs[name] for name in ("trail_bucket_name",
                                                                           "trail_access_log_bucket_name")
                                                if name in outputs])
    scenario.ops.destroy()
    left = {a["AlarmName"] for a in scenario.client("cloudwatch").describe_alarms()["MetricAlarms"]}
    assert not left & _declared_alarms(scenario.ops)
    assert not scenario.client("sns").list_topics()["Topics"]


def test_compute_destroys_cleanly(scenario):
    compute = _compute(scenario)
    lift_load_balancer_deletion_protection(scenario.client("elbv2"))
    outputs = _outputs(compute)
    empty_named_buckets(scenario.client("s3"), [outputs["load_balancer_log_bucket_name"]])
    compute.destroy()
    assert not scenario.client("elbv2").describe_load_balancers()["LoadBalancers"]
    assert not scenario.client("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"]


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
    # the source of the standby's replica: RDS may not manage its password (the operator's, write-only), and
    # clients sign in with the operator's credentials secret, replicated to the standby region
    assert "MasterUserSecret" not in db
    credentials = scenario.client("secretsmanager").describe_secret(SecretId=outputs["database_cafe_secret_arn"])
    assert credentials["Name"] == "cafe-dr/prod/database/cafe"
    assert [r["Region"] for r in credentials["ReplicationStatus"]] == [scenario.config.regions.secondary]
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
    assert db["DBInstanceClass"] == "db.t4g.small"  # seed 002: RDS on Graviton
    proxy = rds.describe_db_proxies()["DBProxies"][0]
    assert proxy["RequireTLS"] is True and proxy["Endpoint"] == outputs["database_main_endpoint"]
    secrets = scenario.client("secretsmanager").list_secrets()["SecretList"]
    names = {s["Name"] for s in secrets}
    assert {"saas/prod/jwt-signing-key", "saas/prod/llm-api-key"} <= names
    if scenario.config.dr.enabled:  # the proxy signs in with the operator's credentials secret, replicated
        (auth,) = proxy["Auth"]
        assert auth["SecretArn"] == outputs["database_main_secret_arn"]
        assert "saas/prod/database/main" in names
        client = scenario.client("secretsmanager")
        for secret in secrets:
            status = client.describe_secret(SecretId=secret["ARN"])["ReplicationStatus"]
            assert [(r["Region"], r["Status"]) for r in status] == [
                (scenario.config.regions.secondary, "InSync")], secret["Name"]
    sqs = scenario.client("sqs")
    attributes = sqs.get_queue_attributes(QueueUrl=outputs["queue_ai_jobs_url"], AttributeNames=["All"])["Attributes"]
    assert attributes["KmsMasterKeyId"] and '"maxReceiveCount":3' in attributes["RedrivePolicy"].replace(" ", "")
    _generated_secret_rotates(scenario, outputs)


def _generated_secret_rotates(scenario: Scenario, outputs: dict) -> None:
    """jwt-signing-key (generated) rotates every 30 days with the environment's function, which gave it its first
    value during the apply (its deployed zip ran the four steps: tests/harness/moto_secrets_patches.py);
    llm-api-key (the vendor's) has no rotation."""
    client = scenario.client("secretsmanager")
    secret = client.describe_secret(SecretId=outputs["secret_jwt_signing_key_arn"])
    assert (secret["RotationEnabled"], secret["RotationRules"]["AutomaticallyAfterDays"]) == (True, 30)
    assert secret["RotationLambdaARN"].endswith(f":function:{outputs['secret_rotation_function_name']}")
    deadline = time.monotonic() + 60  # Secrets Manager rotates asynchronously, after the apply's call returns
    while not any("AWSCURRENT" in stages for stages in client.describe_secret(
            SecretId=outputs["secret_jwt_signing_key_arn"]).get("VersionIdsToStages", {}).values()):
        assert time.monotonic() < deadline, f"no AWSCURRENT value; moto log:\n{scenario.moto.log_tail()}"
        time.sleep(1)
    value = client.get_secret_value(SecretId=outputs["secret_jwt_signing_key_arn"], VersionStage="AWSCURRENT")
    assert len(value["SecretString"]) == 64 and value["SecretString"].isalnum()
    assert not client.describe_secret(SecretId=outputs["secret_llm_api_key_arn"]).get("RotationEnabled")


def _check_levels(scenario: Scenario, outputs: dict) -> None:
    rds = scenario.client("rds")
    cluster = rds.describe_db_clusters()["DBClusters"][0]
    assert cluster["Engine"] == "aurora-mysql" and cluster["StorageEncrypted"] is True
    assert len(cluster["DBClusterMembers"]) == 3
    assert sum(m["IsClusterWriter"] for m in cluster["DBClusterMembers"]) == 1
    s3 = scenario.client("s3")
    uploads = outputs["bucket_uploads_name"]
    rules = {r["ID"]: r for r in s3.get_bucket_replication(Bucket=uploads)["ReplicationConfiguration"]["Rules"]}
    assert rules["everything-to-replica"]["Destination"]["Bucket"].endswith(f"{uploads}-us-east-2")
    assert rules["everything-to-replica"]["DeleteMarkerReplication"] == {"Status": "Enabled"}
    copy = rules["copy-to-originals-backup"]  # seed: a copy of every original; a deleted upload stays there
    assert copy["Destination"]["Bucket"] == f"arn:aws:s3:::{outputs['bucket_originals_backup_name']}"
    assert copy["DeleteMarkerReplication"] == {"Status": "Disabled"}
    assert copy["Destination"]["EncryptionConfiguration"]["ReplicaKmsKeyID"] == outputs["kms_key_storage_arn"]
    assert sorted(int(r["Priority"]) for r in rules.values()) == [1, 2]
    assert s3.get_bucket_versioning(Bucket=outputs["bucket_originals_backup_name"])["Status"] == "Enabled"
    queues = s3.get_bucket_notification_configuration(Bucket=uploads)["QueueConfigurations"]
    assert queues[0]["QueueArn"] == outputs["queue_image_processing_arn"]
    targets = scenario.client("application-autoscaling").describe_scalable_targets(ServiceNamespace="rds")
    assert (targets["ScalableTargets"][0]["MinCapacity"], targets["ScalableTargets"][0]["MaxCapacity"]) == (2, 5)


def _managed_mysql(scenario: Scenario, outputs: dict, name: str, retention: int) -> dict:
    """A MySQL database with no standby: Multi-AZ, encrypted, private, IAM auth, and the master password
    managed by RDS in Secrets Manager (published for the app), never in state or configuration."""
    db = scenario.client("rds").describe_db_instances()["DBInstances"][0]
    assert db["MultiAZ"] is True and db["StorageEncrypted"] is True and db["Engine"] == "mysql"
    assert db["IAMDatabaseAuthenticationEnabled"] is True and db["PubliclyAccessible"] is False
    assert db["BackupRetentionPeriod"] == retention and db["DeletionProtection"] is True
    assert db["MasterUserSecret"]["SecretArn"] == outputs[f"database_{name}_secret_arn"]
    return db


def _backup_copies_to_the_secondary_region(scenario: Scenario) -> None:
    backup = scenario.client("backup")
    plan_id = backup.list_backup_plans()["BackupPlansList"][0]["BackupPlanId"]
    rule = backup.get_backup_plan(BackupPlanId=plan_id)["BackupPlan"]["Rules"][0]
    assert f":{scenario.config.regions.secondary}:" in rule["CopyActions"][0]["DestinationBackupVaultArn"]


def _check_notebookly(scenario: Scenario, outputs: dict) -> None:
    """Seed 004: RDS MySQL Multi-AZ with 7-day backups; the assets bucket moves objects to Glacier at 90 days."""
    db = _managed_mysql(scenario, outputs, "main", retention=7)
    assert (db["DBInstanceClass"], db["AllocatedStorage"]) == ("db.t4g.medium", 20)
    s3 = scenario.client("s3")
    assets = outputs["bucket_static_assets_name"]
    rules = s3.get_bucket_lifecycle_configuration(Bucket=assets)["Rules"]
    assert {(t["Days"], t["StorageClass"]) for r in rules for t in r.get("Transitions", [])} == {(90, "GLACIER")}
    assert s3.get_bucket_versioning(Bucket=assets)["Status"] == "Enabled"
    assert all(s3.get_public_access_block(Bucket=assets)["PublicAccessBlockConfiguration"].values())
    _backup_copies_to_the_secondary_region(scenario)


def _check_cafe_nimbus(scenario: Scenario, outputs: dict) -> None:
    """Seed 000: the orders database, and the static-site bucket replicated to the second region from day one."""
    _managed_mysql(scenario, outputs, "orders", retention=14)
    s3 = scenario.client("s3")
    site = outputs["bucket_static_site_name"]
    (rule,) = s3.get_bucket_replication(Bucket=site)["ReplicationConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled" and rule["Destination"]["Bucket"].endswith(f"{site}-us-west-2")
    assert all(s3.get_public_access_block(Bucket=site)["PublicAccessBlockConfiguration"].values())
    _backup_copies_to_the_secondary_region(scenario)


CHECKS: dict[str, Callable[[Scenario, dict], None]] = {
    "cafe-dr": _check_cafe_dr, "saas": _check_saas, "levels": _check_levels, "notebookly": _check_notebookly,
    "cafe-nimbus": _check_cafe_nimbus}



# -- per-blueprint checks of the applied compute tier ---------------------------------------------


def _check_load_balancer(scenario: Scenario, outputs: dict) -> str:
    """What every HTTPS blueprint shares: the hardened ALB, a redirect-only port 80, TLS 1.2+, WAF."""
    elbv2 = scenario.client("elbv2")
    arn = outputs["load_balancer_arn"]
    attributes = {a["Key"]: a["Value"] for a in elbv2.describe_load_balancer_attributes(
        LoadBalancerArn=arn)["Attributes"]}
    assert attributes["routing.http.drop_invalid_header_fields.enabled"] == "true"
    assert attributes["routing.http.desync_mitigation_mode"] == "strictest"
    assert attributes["deletion_protection.enabled"] == "true"
    assert attributes["access_logs.s3.enabled"] == "true"
    assert attributes["access_logs.s3.bucket"] == outputs["load_balancer_log_bucket_name"]
    listeners = {listener["Port"]: listener for listener in elbv2.describe_listeners(LoadBalancerArn=arn)["Listeners"]}
    assert sorted(listeners) == [80, 443]
    assert listeners[443]["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    redirect = listeners[80]["DefaultActions"][0]
    assert redirect["Type"] == "redirect" and redirect["RedirectConfig"]["Protocol"] == "HTTPS"
    groups = scenario.client("ec2").describe_security_groups(GroupIds=[outputs["load_balancer_security_group_id"]])
    ingress = groups["SecurityGroups"][0]["IpPermissions"]
    assert sorted((p["FromPort"], p["IpRanges"][0]["CidrIp"]) for p in ingress) == [(80, "0.0.0.0/0"),
                                                                                    (443, "0.0.0.0/0")]
    wafv2 = scenario.client("wafv2")
    acl = wafv2.get_web_acl_for_resource(ResourceArn=arn)["WebACL"]
    assert acl["ARN"] == outputs["web_acl_arn"]
    rules = {rule["Name"]: rule for rule in acl["Rules"]}
    assert {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet",
            "AWSManagedRulesSQLiRuleSet"} <= set(rules)
    return listeners[443]["ListenerArn"]


def _egress(scenario: Scenario, group_id: str) -> list[tuple[str, int, str]]:
    group = scenario.client("ec2").describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    return sorted((p["IpProtocol"], p["FromPort"], r["CidrIp"]) for p in group["IpPermissionsEgress"]
                  for r in p.get("IpRanges", []))


def _check_saas_compute(scenario: Scenario, outputs: dict) -> None:
    https = _check_load_balancer(scenario, outputs)
    elbv2 = scenario.client("elbv2")
    groups = outputs["target_group_arns"]
    secret = outputs["origin_verify_secret"]
    rules = {}
    for rule in elbv2.describe_rules(ListenerArn=https)["Rules"]:
        conditions = {c["Field"]: c for c in rule["Conditions"]}
        values = tuple(conditions.get("path-pattern", {}).get("PathPatternConfig", {}).get("Values")
                       or conditions.get("host-header", {}).get("HostHeaderConfig", {}).get("Values") or ())
        header = conditions.get("http-header", {}).get("HttpHeaderConfig")
        verified = header == {"HttpHeaderName": "X-Origin-Verify", "Values": [secret]}
        assert header is None or verified, header
        (action,) = rule["Actions"]
        rules[rule["Priority"]] = (values, verified, action.get("TargetGroupArn") or action["Type"])
    # through CloudFront only (the secret header), except the API host the edge aliases to the ALB directly
    assert rules["10"] == (("/admin/*",), True, groups["admin"])
    assert rules["20"] == (("/socket.io/*",), True, groups["backend"])
    assert rules["30"] == (("/api/*",), True, groups["backend"])
    assert rules["40"] == (("api.saas.example.com",), False, groups["chatbot-api"])
    assert rules["50000"] == ((), True, groups["frontend"])
    assert rules["default"] == ((), False, "fixed-response")
    if scenario.config.dr.enabled:  # the failover gate's health check asks by the ALB's own name, headerless
        assert rules.pop("49999") == (("/health",), False, groups["frontend"])
        (health_rule,) = [r for r in elbv2.describe_rules(ListenerArn=https)["Rules"] if r["Priority"] == "49999"]
        hosts = [c["HostHeaderConfig"]["Values"] for c in health_rule["Conditions"] if c["Field"] == "host-header"]
        assert hosts == [[outputs["load_balancer_dns_name"]]]
    assert sorted(rules) == ["10", "20", "30", "40", "50000", "default"]
    assert len(secret) == 36  # a uuid() drawn once: the re-plan above found nothing to change
    ecs = scenario.client("ecs")
    names = ["frontend", "backend", "chatbot-api", "admin", "weaviate", "ai-worker"]
    services = {s["serviceName"]: s for s in ecs.describe_services(
        cluster=outputs["cluster_name"], services=names)["services"]}
    assert sorted(services) == sorted(names)
    for name, service in services.items():
        network = service["networkConfiguration"]["awsvpcConfiguration"]
        assert network["assignPublicIp"] == "DISABLED", name
        breaker = service["deploymentConfiguration"]["deploymentCircuitBreaker"]
        assert breaker == {"enable": True, "rollback": True}, name
    assert services["ai-worker"]["capacityProviderStrategy"][0]["capacityProvider"] == "FARGATE_SPOT"
    task = ecs.describe_task_definition(taskDefinition=services["backend"]["taskDefinition"])["taskDefinition"]
    container = task["containerDefinitions"][0]
    assert container["readonlyRootFilesystem"] is True and container["user"] == "1000"
    assert {s["name"] for s in container["secrets"]} == {"DATABASE_CREDENTIALS", "JWT_SIGNING_KEY"}
    assert task["runtimePlatform"]["cpuArchitecture"] == "ARM64"
    # the container's own health check and production mode, as ECS reports them (seed 002's task definition)
    assert container["healthCheck"] == {"command": ["CMD-SHELL", "wget -q --spider http://127.0.0.1:6000/health"],
                                        "interval": 30, "timeout": 5, "retries": 3, "startPeriod": 60}
    own = [v for v in container["environment"] if not v["name"].startswith(("OTEL_", "AWS_XRAY_"))]
    assert own == [{"name": "NODE_ENV", "value": "production"}]  # the rest is tracing's, checked next
    _check_trace_collector(scenario, task)
    worker = ecs.describe_task_definition(taskDefinition=services["ai-worker"]["taskDefinition"])["taskDefinition"]
    assert worker["containerDefinitions"][0]["healthCheck"]["command"][1].startswith("find /tmp/heartbeat ")
    # Socket.IO long-polling: the backend's target group is sticky, the others balance request by request
    stickiness = {}
    for name in ("backend", "frontend"):
        attributes = {a["Key"]: a["Value"] for a in elbv2.describe_target_group_attributes(
            TargetGroupArn=groups[name])["Attributes"]}
        stickiness[name] = (attributes["stickiness.enabled"], attributes["stickiness.type"],
                            attributes.get("stickiness.lb_cookie.duration_seconds"))
    assert stickiness["backend"] == ("true", "lb_cookie", "86400")
    assert stickiness["frontend"][0] == "false"
    policies = scenario.client("application-autoscaling").describe_scaling_policies(ServiceNamespace="ecs")
    steps = {p["PolicyName"]: p["StepScalingPolicyConfiguration"] for p in policies["ScalingPolicies"]
             if p["PolicyType"] == "StepScaling"}
    assert steps["saas-prod-backend-scale-out"]["Cooldown"] == 60
    assert steps["saas-prod-backend-scale-in"]["Cooldown"] == 300
    alarms = {a["AlarmName"]: a for a in scenario.client("cloudwatch").describe_alarms()["MetricAlarms"]}
    assert (alarms["saas-prod-chatbot-api-scale-out"]["Threshold"], alarms["saas-prod-chatbot-api-scale-in"][
        "Threshold"]) == (70, 40)
    assert alarms["saas-prod-ai-worker-scale-out"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
    backend_group = outputs["workload_security_group_ids"]["backend"]
    assert _egress(scenario, backend_group) == [("tcp", 53, "10.31.0.2/32"), ("tcp", 443, "0.0.0.0/0"),
                                                ("udp", 53, "10.31.0.2/32")]


def _check_trace_collector(scenario: Scenario, task: dict) -> None:
    """compute.tracing, as ECS and IAM report it: the task runs the ADOT collector beside the application, not
    essential, its CPU carved from the task's, logging to the service's group under its own prefix; the application
    is told where it listens, and the task role may send traces to X-Ray and nothing more."""
    app, collector = task["containerDefinitions"]
    assert (collector["name"], collector["essential"]) == ("aws-otel-collector", False)
    assert collector["image"].startswith("public.ecr.aws/aws-observability/aws-otel-collector:v")
    assert app["cpu"] + collector["cpu"] == int(task["cpu"]) and collector["memory"] * 2 <= int(task["memory"])
    app_logs, collector_logs = (c["logConfiguration"]["options"] for c in (app, collector))
    assert collector_logs["awslogs-group"] == app_logs["awslogs-group"]
    assert collector_logs["awslogs-stream-prefix"] == "aws-otel-collector"
    environment = {v["name"]: v["value"] for v in app["environment"]}
    assert environment["AWS_XRAY_DAEMON_ADDRESS"] == "127.0.0.1:2000"
    assert environment["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://127.0.0.1:4318"
    iam, role = scenario.client("iam"), task["taskRoleArn"].rsplit("/", 1)[1]
    statements = [statement for policy in iam.list_role_policies(RoleName=role)["PolicyNames"]
                  for statement in iam.get_role_policy(RoleName=role, PolicyName=policy)["PolicyDocument"]["Statement"]
                  if statement.get("Sid") == "SendTracesToXRay"]
    assert [(sorted(s["Action"]), s["Resource"]) for s in statements] == [(
        ["xray:GetSamplingRules", "xray:GetSamplingStatisticSummaries", "xray:GetSamplingTargets",
         "xray:PutTelemetryRecords", "xray:PutTraceSegments"], "*")]


def _check_levels_compute(scenario: Scenario, outputs: dict) -> None:
    _check_load_balancer(scenario, outputs)
    autoscaling = scenario.client("autoscaling")
    groups = {g["AutoScalingGroupName"]: g for g in autoscaling.describe_auto_scaling_groups()["AutoScalingGroups"]}
    api, worker = groups[outputs["fleet_api_group_name"]], groups[outputs["fleet_worker_group_name"]]
    assert api["HealthCheckType"] == "ELB" and api["TargetGroupARNs"] == [outputs["target_group_arns"]["api"]]
    assert len(api["VPCZoneIdentifier"].split(",")) == 4
    assert worker["TargetGroupARNs"] == [] and worker["HealthCheckType"] == "EC2"
    policies = {p["PolicyName"]: p for p in autoscaling.describe_policies()["ScalingPolicies"]}
    assert policies["levels-prod-api-cpu-target"]["PolicyType"] == "TargetTrackingScaling"
    assert policies["levels-prod-worker-scale-out"]["Cooldown"] == 60
    assert policies["levels-prod-worker-scale-in"]["Cooldown"] == 300
    cloudwatch = scenario.client("cloudwatch")
    alarm = cloudwatch.describe_alarms(AlarmNames=["levels-prod-worker-scale-out"])["MetricAlarms"][0]
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible" and alarm["Threshold"] == 100
    assert alarm["Dimensions"] == [{"Name": "QueueName", "Value": "levels-prod-jobs"}]
    for name in ("api", "worker"):  # seed 003: logs leave the instances
        _fleet_logs_and_patching(scenario, outputs, name)
    ec2 = scenario.client("ec2")
    template = ec2.describe_launch_template_versions(LaunchTemplateName="levels-prod-api")["LaunchTemplateVersions"][0]
    data = template["LaunchTemplateData"]
    assert data["MetadataOptions"]["HttpTokens"] == "required"
    assert data["NetworkInterfaces"][0]["AssociatePublicIpAddress"] is False
    bastion = ec2.describe_security_groups(GroupIds=[outputs["bastion_security_group_id"]])["SecurityGroups"][0]
    assert [(p["FromPort"], [r["CidrIp"] for r in p["IpRanges"]]) for p in bastion["IpPermissions"]] == [
        (22, ["198.51.100.0/24"])]


def _check_cafe_dr_compute(scenario: Scenario, outputs: dict) -> None:
    """Seed 001's app tier: servers on the app image across both AZs behind the HTTPS load balancer, reading
    their database endpoint from Parameter Store at boot (the same names the standby publishes)."""
    https = _check_load_balancer(scenario, outputs)
    elbv2 = scenario.client("elbv2")
    (default,) = elbv2.describe_listeners(ListenerArns=[https])["Listeners"][0]["DefaultActions"]
    assert default["TargetGroupArn"] == outputs["target_group_arns"]["web"]
    (group,) = elbv2.describe_target_groups(TargetGroupArns=[outputs["target_group_arns"]["web"]])["TargetGroups"]
    assert (group["HealthCheckPath"], group["Port"]) == ("/health", 80)
    autoscaling = scenario.client("autoscaling")
    (fleet,) = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[outputs["fleet_web_group_name"]])[
        "AutoScalingGroups"]
    assert (fleet["MinSize"], fleet["MaxSize"], fleet["HealthCheckType"]) == (2, 6, "ELB")
    assert fleet["TargetGroupARNs"] == [outputs["target_group_arns"]["web"]]
    assert len(fleet["VPCZoneIdentifier"].split(",")) == 2
    template = scenario.client("ec2").describe_launch_template_versions(LaunchTemplateName="cafe-dr-prod-web")
    data = template["LaunchTemplateVersions"][0]["LaunchTemplateData"]
    assert data["ImageId"] == scenario.config.compute.images["web"].ami_id
    assert data["MetadataOptions"]["HttpTokens"] == "required"
    boot = base64.b64decode(data["UserData"]).decode()
    assert "data/database/cafe/endpoint" in boot and "amazon-cloudwatch-agent-ctl" in boot


def _web_fleet(scenario: Scenario, outputs: dict, sizes: tuple[int, int]) -> dict:
    """The web fleet behind the HTTPS load balancer's default action, across both AZs, ELB-health-checked."""
    https = _check_load_balancer(scenario, outputs)
    elbv2 = scenario.client("elbv2")
    (default,) = elbv2.describe_listeners(ListenerArns=[https])["Listeners"][0]["DefaultActions"]
    assert default["TargetGroupArn"] == outputs["target_group_arns"]["web"]
    (fleet,) = scenario.client("autoscaling").describe_auto_scaling_groups(
        AutoScalingGroupNames=[outputs["fleet_web_group_name"]])["AutoScalingGroups"]
    assert (fleet["MinSize"], fleet["MaxSize"], fleet["HealthCheckType"]) == (*sizes, "ELB")
    assert fleet["TargetGroupARNs"] == [outputs["target_group_arns"]["web"]]
    assert len(fleet["VPCZoneIdentifier"].split(",")) == 2
    return fleet


def _fleet_logs_and_patching(scenario: Scenario, outputs: dict, name: str) -> None:
    """The fleet's shipped logs have their KMS-encrypted log groups, which alone its role may write (no managed
    agent policy), and Patch Manager's association patches the group's instances on the configured schedule."""
    config, spec = scenario.config, scenario.config.compute.fleets[name]
    variable = name.replace("-", "_")
    groups = {g["logGroupName"]: g for g in scenario.client("logs").describe_log_groups(
        logGroupNamePrefix=f"/ec2/{config.name_prefix}/{name}/")["logGroups"]}
    assert set(groups) == {outputs[f"fleet_{variable}_log_{log.name.replace('-', '_')}_group_name"]
                           for log in spec.shipped_logs}
    for group in groups.values():
        assert (group["kmsKeyId"], group["retentionInDays"]) == (outputs["kms_key_arn"], spec.log_retention_days)
    iam, role = scenario.client("iam"), outputs[f"fleet_{variable}_role_name"]
    managed = {p["PolicyName"] for p in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]}
    assert "CloudWatchAgentServerPolicy" not in managed and "AmazonSSMManagedInstanceCore" in managed
    written = {arn for policy in iam.list_role_policies(RoleName=role)["PolicyNames"]
               for statement in iam.get_role_policy(RoleName=role, PolicyName=policy)["PolicyDocument"]["Statement"]
               if "logs:PutLogEvents" in statement["Action"] for arn in statement["Resource"]}
    assert {arn.split(":log-group:")[1].removesuffix(":*") for arn in written} == set(groups)
    group_name = outputs[f"fleet_{variable}_group_name"]
    ssm = scenario.client("ssm")
    (listed,) = ssm.list_associations(AssociationFilterList=[
        {"key": "AssociationName", "value": f"{group_name}-patching"}])["Associations"]
    association = ssm.describe_association(AssociationId=listed["AssociationId"])["AssociationDescription"]
    assert association["Name"] == "AWS-RunPatchBaseline" and association["ApplyOnlyAtCronInterval"] is True
    assert association["Targets"] == [{"Key": "tag:aws:autoscaling:groupName", "Values": [group_name]}]
    assert spec.patching is not None and association["ScheduleExpression"] == spec.patching.schedule
    assert association["Parameters"] == {"Operation": ["Install"], "RebootOption": ["RebootIfNeeded"]}


def _check_notebookly_compute(scenario: Scenario, outputs: dict) -> None:
    """Seed 004: ASG 2-10 adding an instance at CPU > 70 % for 5 minutes and removing one below 30 % for 15, each
    direction with its own cooldown (simple scaling: the policy type that has one); the web servers' logs go to
    CloudWatch Logs and Patch Manager patches them weekly."""
    fleet = _web_fleet(scenario, outputs, (2, 10))
    _fleet_logs_and_patching(scenario, outputs, "web")
    policies = scenario.client("autoscaling").describe_policies(AutoScalingGroupName=fleet["AutoScalingGroupName"])
    assert sorted((p["PolicyType"], p["ScalingAdjustment"], p["Cooldown"]) for p in policies["ScalingPolicies"]) == [
        ("SimpleScaling", -1, 600), ("SimpleScaling", 1, 300)]
    alarms = {a["AlarmName"]: a for a in scenario.client("cloudwatch").describe_alarms(
        AlarmNamePrefix="notebookly-prod-web")["MetricAlarms"] if a["MetricName"] == "CPUUtilization"}
    thresholds = sorted((a["Threshold"], a["Period"] * a["EvaluationPeriods"]) for a in alarms.values())
    assert thresholds == [(30.0, 900), (70.0, 300)]


def _check_cafe_nimbus_compute(scenario: Scenario, outputs: dict) -> None:
    """Seed 000: a CPU-tracking fleet of 2-6 on the golden LAMP image, and a bastion reachable only from the
    office range (Session Manager first; SSH from the allow-list)."""
    fleet = _web_fleet(scenario, outputs, (2, 6))
    (policy,) = scenario.client("autoscaling").describe_policies(
        AutoScalingGroupName=fleet["AutoScalingGroupName"])["ScalingPolicies"]
    assert policy["PolicyType"] == "TargetTrackingScaling"
    assert policy["TargetTrackingConfiguration"]["TargetValue"] == 60.0
    bastions = scenario.client("ec2").describe_instances(Filters=[
        {"Name": "tag:Name", "Values": ["cafe-nimbus-prod-bastion*"]},
        {"Name": "instance-state-name", "Values": ["running", "pending"]}])["Reservations"]
    assert len(bastions) == 1


COMPUTE_CHECKS: dict[str, Callable[[Scenario, dict], None]] = {
    "cafe-dr": _check_cafe_dr_compute, "saas": _check_saas_compute, "levels": _check_levels_compute,
    "notebookly": _check_notebookly_compute, "cafe-nimbus": _check_cafe_nimbus_compute}
