"""Layer 5, the failover drill (issue 6): cafe-dr prod as shipped, with its pilot light, every stack of
both sites applied on one moto server in platform.json's order,
then the primary region "fails": its health alarm goes to ALARM, and the failover orchestrator
(lambda_src/dr_failover) runs against the emulated AWS with exactly the environment Terraform gave the
deployed function. The drill asserts what a real failover must leave behind (the replica promoted, the
parameters on the standby, the standby fleet serving, the PRIMARY records held down by the gate, one
timeline message), that a second run changes nothing, what Terraform then wants to change, and prints the
RTO budget beside the measured steps. Teardown follows the runbook in reverse order.

The orchestrator runs in this process (moto cannot run Lambda code without Docker), pointed at moto by
AWS_ENDPOINT_URL; only POLL_SECONDS is shortened (15 s -> 1 s). {"force": true} skips only the flap guard's
age check (dr.min_outage_seconds): its duration is part of the printed budget.

Not exercised: the trigger path alarm -> SNS (us-east-1) -> Lambda (moto fires no alarm actions, and could
not run the function); the drill sets the alarm state and invokes the handler as that path would.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest

from configuration import BlueprintConfig, load
from configuration.rto import rto_budget
from synth.app import synthesize
from tests.emulator.environments import bucket_location, outputs_of
from tests.emulator.runbook import (
    empty_named_buckets,
    lift_load_balancer_deletion_protection,
    stop_access_logging,
    with_hosted_zone,
)
from tests.harness.moto_server import MotoServer, start_moto_server
from tests.harness.terraform import TerraformWorkdir
from tests.support import platform_manifest
from tests.workdirs import emulator_workdir

pytestmark = [pytest.mark.emulator, pytest.mark.xdist_group("emulator-dr-drill")]

KEYS = ("network", "dr-network", "data", "dr-data", "compute", "dr-compute", "edge", "dr-failover")
"""The stacks the drill applies, in platform.json's order. Left out: state (its own test), ops (nothing
applied here reads it; its alarms are the ops tier's test)."""
NOT_APPLIED = ("state", "ops", "reports", "account")
PRIMARY, STANDBY, ALARM_REGION = "eu-west-1", "eu-central-1", "us-east-1"
STEPS = ("confirm_primary_down", "promote_database", "detach_file_systems", "update_parameters", "scale_standby",
         "pin_dns", "notify")
POLL_SECONDS = "1"
"""The orchestrator's only shortened setting (15 s in AWS): the emulator's promotion completes at the next
describe, and its instances are in service at once."""


class LambdaContext:
    """What the handler reads of Lambda's context: the function's name and the time left of 900 s."""

    def __init__(self, function_name: str, seconds: float = 900.0) -> None:
        self.function_name = function_name
        self._deadline = time.monotonic() + seconds

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - time.monotonic()) * 1000)


@dataclass
class Drill:
    config: BlueprintConfig
    moto: MotoServer
    root: Path
    workdirs: dict[str, TerraformWorkdir]
    applied: list[str] = field(default_factory=list)
    runs: list[dict[str, Any]] = field(default_factory=list)
    _outputs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def client(self, service: str, region: str = PRIMARY) -> Any:
        return boto3.client(service, region_name=region, endpoint_url=self.moto.endpoint_url,
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def outputs(self, key: str) -> dict[str, Any]:
        if key not in self._outputs:
            self._outputs[key] = outputs_of(self.workdirs[key])
        return self._outputs[key]

    def require(self, *keys: str) -> None:
        missing = [key for key in keys if key not in self.applied]
        if missing:
            pytest.skip(f"stacks {missing} were not applied (an earlier test failed)")

    # -- what the drill looks at ------------------------------------------------------------------------

    def replica(self) -> dict[str, Any]:
        identifier = self.outputs("dr-data")["database_cafe_identifier"]
        return self.client("rds", STANDBY).describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]

    def primary_database(self) -> dict[str, Any]:
        identifier = self.outputs("data")["database_cafe_identifier"]
        return self.client("rds", PRIMARY).describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]

    def parameter(self, name: str) -> dict[str, Any]:
        return self.client("ssm", STANDBY).get_parameter(Name=name, WithDecryption=True)["Parameter"]

    def standby_group(self) -> dict[str, Any]:
        name = self.outputs("dr-compute")["fleet_web_group_name"]
        (group,) = self.client("autoscaling", STANDBY).describe_auto_scaling_groups(
            AutoScalingGroupNames=[name])["AutoScalingGroups"]
        return group

    def gate(self) -> dict[str, Any]:
        gate_id = self.outputs("edge")["failover_gate_health_check_id"]
        return self.client("route53", ALARM_REGION).get_health_check(HealthCheckId=gate_id)["HealthCheck"]

    def failover_records(self) -> list[dict[str, Any]]:
        zone = self.outputs("edge")["hosted_zone_id"]
        records = self.client("route53", ALARM_REGION).list_resource_record_sets(HostedZoneId=zone)
        return [r for r in records["ResourceRecordSets"] if r.get("Failover")]

    def function_environment(self) -> dict[str, str]:
        name = self.outputs("dr-failover")["orchestrator_function_name"]
        configuration = self.client("lambda", STANDBY).get_function_configuration(FunctionName=name)
        return dict(configuration["Environment"]["Variables"])

    def snapshot(self) -> dict[str, Any]:
        """Everything the orchestrator may change, as AWS describes it (versions included)."""
        env = self.function_environment()
        parameters = json.loads(env["PARAMETERS"])
        replica = self.replica()
        group = self.standby_group()
        targets = self.client("elbv2", STANDBY).describe_target_health(
            TargetGroupArn=json.loads(env["TARGET_GROUP_ARNS"])[0])["TargetHealthDescriptions"]
        return {
            "replica": {k: replica.get(k) for k in ("DBInstanceStatus", "ReadReplicaSourceDBInstanceIdentifier",
                                                    "Endpoint", "BackupRetentionPeriod", "DbiResourceId")},
            "parameters": {name: {k: p[k] for k in ("Value", "Version", "Type")}
                           for name, p in ((n, self.parameter(n)) for n in parameters.values())},
            "group": {k: group[k] for k in ("MinSize", "DesiredCapacity", "MaxSize")}
            | {"instances": sorted(i["InstanceId"] for i in group["Instances"])},
            "targets": sorted((t["Target"]["Id"], t["TargetHealth"]["State"]) for t in targets),
            "gate": self.gate(),
            "records": self.failover_records(),
        }


def operator_ready(config: BlueprintConfig, route53: Any) -> BlueprintConfig:
    """What an operator does before the first apply: create the zone of the load balancer's certificate
    (the runbook); when the edge names an existing zone (edge.hosted_zone_id) instead of creating its own,
    that is the same domain's zone, so it points there too."""
    config = with_hosted_zone(config, route53)
    edge = config.edge
    assert edge is not None
    if edge.hosted_zone_id and not edge.create_zone:
        certificate = config.compute.load_balancer.certificate
        assert certificate is not None and certificate.domain_name == edge.domain
        document = config.model_dump(by_alias=True)
        document["edge"]["hosted_zone_id"] = certificate.hosted_zone_id
        config = BlueprintConfig.model_validate(document)
    return config


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Drill]:
    root = tmp_path_factory.mktemp("dr-drill")
    moto = start_moto_server(log_path=root / "moto.log")
    try:
        route53 = boto3.client("route53", region_name=ALARM_REGION, endpoint_url=moto.endpoint_url,
                               aws_access_key_id="testing", aws_secret_access_key="testing")
        config = operator_ready(load("cafe-dr", "prod"), route53)
        synthesize(config, root / "out")
        stacks = [s["name"] for s in platform_manifest(root / "out")["stacks"]]
        prefix = config.name_prefix
        assert [s for s in stacks if s.removeprefix(f"{prefix}-") not in NOT_APPLIED] == [
            f"{prefix}-{key}" for key in KEYS]
        region = config.state_region
        boto3.client("s3", region_name=region, endpoint_url=moto.endpoint_url, aws_access_key_id="testing",
                     aws_secret_access_key="testing").create_bucket(Bucket=config.state_bucket,
                                                                   **bucket_location(region))
        workdirs = {key: emulator_workdir(root / "out", f"{prefix}-{key}", root / key, moto.endpoint_url)
                    for key in KEYS}
        yield Drill(config=config, moto=moto, root=root, workdirs=workdirs)
    finally:
        moto.stop()


# -- 1. every stack applies and re-plans clean ----------------------------------------------------------


@pytest.mark.parametrize("key", KEYS)
def test_stack_applies_and_plans_clean(drill: Drill, key: str) -> None:
    drill.require(*KEYS[: KEYS.index(key)])
    workdir = drill.workdirs[key]
    assert workdir.apply_then_plan() == 0, workdir.last_plan_output
    drill.applied.append(key)


# -- 2. the standby waits -------------------------------------------------------------------------------


def test_the_standby_waits(drill: Drill) -> None:
    drill.require(*KEYS)
    config = drill.config
    # The database: a cross-region replica of the primary, under the standby's own key.
    primary, replica = drill.primary_database(), drill.replica()
    assert replica["ReadReplicaSourceDBInstanceIdentifier"] == primary["DBInstanceArn"]
    assert primary["ReadReplicaDBInstanceIdentifiers"] == [replica["DBInstanceArn"]]
    assert replica["DBInstanceArn"].startswith(f"arn:aws:rds:{STANDBY}:")
    assert replica["KmsKeyId"] == drill.outputs("dr-data")["kms_key_databases_arn"] != primary["KmsKeyId"]
    assert replica["DbiResourceId"] != primary["DbiResourceId"]
    assert replica["DBInstanceStatus"] == "available" and replica["StorageEncrypted"] is True
    # The fleet: at zero.
    group = drill.standby_group()
    assert (group["MinSize"], group["DesiredCapacity"], group["Instances"]) == (0, 0, [])
    assert group["MaxSize"] == config.compute.fleets["web"].max_size
    # The gate: CALCULATED over the endpoint check, healthy while it is.
    edge = drill.outputs("edge")
    gate = drill.gate()["HealthCheckConfig"]
    assert (gate["Type"], gate["HealthThreshold"], gate["ChildHealthChecks"]) == (
        "CALCULATED", 1, [edge["health_check_id"]])
    endpoint = drill.client("route53", ALARM_REGION).get_health_check(
        HealthCheckId=edge["health_check_id"])["HealthCheck"]["HealthCheckConfig"]
    primary_dns = drill.outputs("compute")["load_balancer_dns_name"]
    standby_dns = drill.outputs("dr-compute")["load_balancer_dns_name"]
    assert endpoint["FullyQualifiedDomainName"] == primary_dns  # the primary ALB by its own name
    # The records: a PRIMARY (gated, the primary ALB) and a SECONDARY (the standby ALB) per public name.
    domain = config.edge.domain
    pairs: dict[str, dict[str, dict]] = {}
    for record in drill.failover_records():
        pairs.setdefault(record["Name"].rstrip("."), {})[record["Failover"]] = record
    assert sorted(pairs) == sorted([domain, f"www.{domain}"])
    for pair in pairs.values():
        assert pair["PRIMARY"]["HealthCheckId"] == edge["failover_gate_health_check_id"]
        assert pair["PRIMARY"]["AliasTarget"]["DNSName"].rstrip(".").lower().removeprefix("dualstack.") == (
            primary_dns.lower())
        assert "HealthCheckId" not in pair["SECONDARY"]
        assert pair["SECONDARY"]["AliasTarget"]["DNSName"].rstrip(".").lower().removeprefix("dualstack.") == (
            standby_dns.lower())
    # The trigger: an alarm in us-east-1 on the endpoint check's Route 53 metric, notifying the trigger topic
    # the orchestrator is subscribed to.
    failover = drill.outputs("dr-failover")
    (alarm,) = drill.client("cloudwatch", ALARM_REGION).describe_alarms(
        AlarmNames=[failover["trigger_alarm_name"]])["MetricAlarms"]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/Route53", "HealthCheckStatus")
    assert alarm["Dimensions"] == [{"Name": "HealthCheckId", "Value": edge["health_check_id"]}]
    assert alarm["AlarmActions"] == [failover["trigger_topic_arn"]]
    assert alarm["StateValue"] != "ALARM"
    subscriptions = drill.client("sns", ALARM_REGION).list_subscriptions_by_topic(
        TopicArn=failover["trigger_topic_arn"])["Subscriptions"]
    assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions] == [
        ("lambda", failover["orchestrator_function_arn"])]
    # The function: the environment Terraform wired from the producers' outputs.
    env = drill.function_environment()
    data, compute = drill.outputs("dr-data"), drill.outputs("dr-compute")
    assert json.loads(env["DATABASE"]) == {  # once promoted, as the primary: Multi-AZ, its backup retention
        "kind": "instance", "identifier": data["database_cafe_identifier"], "multi_az": True,
        "backup_retention_days": config.data.databases["cafe"].backup_retention_days}
    assert json.loads(env["PARAMETERS"]) == {
        "active_region": data["active_region_parameter_name"],
        "database_endpoint": f"{data['parameter_prefix']}/data/database/cafe/endpoint"}
    fleet = config.compute.fleets["web"]
    assert json.loads(env["FLEETS"]) == [{"kind": "asg", "name": compute["fleet_web_group_name"],
                                          "min": fleet.min_size, "desired": fleet.min_size, "max": fleet.max_size}]
    assert json.loads(env["TARGET_GROUP_ARNS"]) == list(compute["target_group_arns"].values())
    assert json.loads(env["DNS"]) == {"zone_id": edge["hosted_zone_id"], "record_name": domain,
                                      "standby_dns_name": standby_dns,
                                      "gate_health_check_id": edge["failover_gate_health_check_id"]}
    assert (env["TOPIC_ARN"], env["HEALTH_ALARM_NAME"], env["HEALTH_ALARM_REGION"]) == (
        failover["timeline_topic_arn"], failover["trigger_alarm_name"], ALARM_REGION)
    assert (env["PRIMARY_REGION"], env["STANDBY_REGION"]) == (PRIMARY, STANDBY)
    assert env["MIN_OUTAGE_SECONDS"] == str(config.dr.min_outage_seconds)
    # What the app reads at boot in the standby still names the primary region and the replica.
    assert drill.parameter(data["active_region_parameter_name"])["Value"] == PRIMARY
    assert drill.parameter(f"{data['parameter_prefix']}/data/database/cafe/endpoint")["Value"] == (
        replica["Endpoint"]["Address"])


# -- 3. the drill -----------------------------------------------------------------------------------------


def _inbox(drill: Drill) -> str:
    """An SQS queue subscribed to the timeline topic: what a subscriber receives."""
    sqs, sns = drill.client("sqs", STANDBY), drill.client("sns", STANDBY)
    url = sqs.create_queue(QueueName="drill-timeline")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=drill.outputs("dr-failover")["timeline_topic_arn"], Protocol="sqs", Endpoint=arn)
    return url


def _received(drill: Drill, url: str) -> list[dict[str, Any]]:
    sqs = drill.client("sqs", STANDBY)
    messages = []
    while True:
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            return messages
        for message in batch:
            messages.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def _orchestrate(drill: Drill, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Run the deployed function's handler here, with the deployed function's environment."""
    from lambda_src.dr_failover.handler import handler

    environment = {
        **drill.function_environment(),
        "POLL_SECONDS": POLL_SECONDS,
        "AWS_ENDPOINT_URL": drill.moto.endpoint_url,
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": STANDBY, "AWS_REGION": STANDBY, "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
    }
    with monkeypatch.context() as patch:
        for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy",
                     "https_proxy", "ALL_PROXY", "all_proxy"):
            patch.delenv(name, raising=False)
        for name, value in environment.items():
            patch.setenv(name, value)
        patch.setattr(boto3, "DEFAULT_SESSION", None)  # a session made before would keep other settings
        function = drill.outputs("dr-failover")["orchestrator_function_name"]
        result = handler({"force": True}, LambdaContext(function))
    drill.runs.append(result)
    return result


def _statuses(result: dict[str, Any]) -> dict[str, str]:
    return {step["step"]: step["status"] for step in result["steps"]}


def test_the_drill_fails_over_to_the_standby(drill: Drill, monkeypatch: pytest.MonkeyPatch) -> None:
    drill.require(*KEYS)
    config, failover = drill.config, drill.outputs("dr-failover")
    inbox = _inbox(drill)
    drill.client("cloudwatch", ALARM_REGION).set_alarm_state(
        AlarmName=failover["trigger_alarm_name"], StateValue="ALARM",
        StateReason="drill: the primary load balancer stopped answering Route 53's health checks")

    result = _orchestrate(drill, monkeypatch)

    assert result["status"] == "failed-over", result
    assert _statuses(result) == dict.fromkeys(STEPS, "done"), result["steps"]
    # The replica is a standalone, writable instance; the primary no longer lists it.
    replica = drill.replica()
    assert replica["DBInstanceStatus"] == "available"
    assert not replica.get("ReadReplicaSourceDBInstanceIdentifier")
    assert drill.primary_database()["ReadReplicaDBInstanceIdentifiers"] == []
    assert replica["BackupRetentionPeriod"] == config.data.databases["cafe"].backup_retention_days
    assert replica["MultiAZ"] is True  # the pilot light's single-AZ replica, converted as the primary was
    # The app's parameters in the standby region name the standby and the promoted database.
    data = drill.outputs("dr-data")
    assert drill.parameter(data["active_region_parameter_name"])["Value"] == STANDBY
    endpoint = drill.parameter(f"{data['parameter_prefix']}/data/database/cafe/endpoint")
    assert endpoint["Value"] == replica["Endpoint"]["Address"] == result["database_endpoint"]
    assert endpoint["Type"] == "SecureString"
    # The standby fleet runs at the primary's minimum, its instances healthy behind the standby ALB.
    size = config.compute.fleets["web"].min_size
    group = drill.standby_group()
    assert (group["MinSize"], group["DesiredCapacity"]) == (size, size)
    in_service = [i for i in group["Instances"] if (i["LifecycleState"], i["HealthStatus"]) == ("InService",
                                                                                                "Healthy")]
    assert len(in_service) == size
    (target_group,) = drill.outputs("dr-compute")["target_group_arns"].values()
    targets = drill.client("elbv2", STANDBY).describe_target_health(TargetGroupArn=target_group)[
        "TargetHealthDescriptions"]
    assert sorted(t["Target"]["Id"] for t in targets if t["TargetHealth"]["State"] == "healthy") == sorted(
        i["InstanceId"] for i in in_service)
    # The gate can no longer be healthy (threshold 2 > its 1 child): Route 53 answers the SECONDARY records.
    gate = drill.gate()["HealthCheckConfig"]
    assert (gate["HealthThreshold"], gate["ChildHealthChecks"]) == (2, [drill.outputs("edge")["health_check_id"]])
    assert gate["HealthThreshold"] > len(gate["ChildHealthChecks"])
    # Exactly one timeline, naming every step (but notify, the step that publishes it) with its outcome.
    (message,) = _received(drill, inbox)
    assert message["TopicArn"] == failover["timeline_topic_arn"]
    assert message["Subject"].startswith(f"[DR] {config.name_prefix} failed over to {STANDBY} in ")
    lines = message["Message"].splitlines()
    for step in STEPS[:-1]:
        assert any(line.split()[:2] == [step, "done"] for line in lines if line.strip()), (step, message["Message"])
    print(f"\n--- timeline: {message['Subject']}\n{message['Message']}")
    assert message["MessageId"] == result["message_id"]


def test_a_second_run_changes_nothing(drill: Drill, monkeypatch: pytest.MonkeyPatch) -> None:
    drill.require(*KEYS)
    if not drill.runs or drill.runs[0]["status"] != "failed-over":
        pytest.skip("the first run did not fail over")
    inbox = drill.client("sqs", STANDBY).get_queue_url(QueueName="drill-timeline")["QueueUrl"]
    before = drill.snapshot()

    result = _orchestrate(drill, monkeypatch)

    assert result["status"] == "failed-over", result
    statuses = _statuses(result)
    # The first step is a check: it finds the failover under way (active_region names the standby) and goes on.
    assert statuses["confirm_primary_down"] == "done"
    assert "already under way" in result["steps"][0]["detail"]
    assert {step: statuses[step] for step in STEPS[1:]} == dict.fromkeys(STEPS[1:], "skipped"), result["steps"]
    assert drill.snapshot() == before
    (message,) = _received(drill, inbox)
    assert message["Subject"] == f"[DR] {drill.config.name_prefix} already failed over to {STANDBY}: nothing to do"
    assert "nothing to do" in message["Message"]


def _unset_as_null(value: Any) -> Any:
    """The plugin SDK (v2) plans an unset string of a nested block as "" where the refreshed state holds null;
    Terraform treats the two as the same for such providers and neither shows nor applies a change."""
    if isinstance(value, dict):
        return {k: _unset_as_null(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unset_as_null(v) for v in value]
    return None if value == "" else value


def _planned_changes(workdir: TerraformWorkdir) -> dict[str, dict[str, Any]]:
    """address -> {"actions": [...], attribute: (before, after)} of every change `terraform plan` proposes;
    the plan's own summary line must count the same resources."""
    plan_file = workdir.path / "drill.tfplan"
    workdir.plan(extra_args=[f"-out={plan_file}"])
    summary = next(line for line in workdir.last_plan_output.splitlines() if line.startswith(("Plan:", "No changes")))
    plan = json.loads(workdir.run("show", "-json", str(plan_file)).stdout)
    changes: dict[str, dict[str, Any]] = {}
    for change in plan.get("resource_changes", []):
        actions = change["change"]["actions"]
        if actions in (["no-op"], ["read"]):
            continue
        before, after = change["change"]["before"] or {}, change["change"]["after"] or {}
        unknown = change["change"].get("after_unknown") or {}
        changes[change["address"]] = {"actions": actions} | {
            k: (before.get(k), after.get(k)) for k in sorted(set(before) | set(after))
            if _unset_as_null(before.get(k)) != _unset_as_null(after.get(k)) and not unknown.get(k)}
    updates = sum(c["actions"] == ["update"] for c in changes.values())
    expected = f"Plan: 0 to add, {updates} to change, 0 to destroy." if changes else "No changes."
    assert summary.startswith(expected) and updates == len(changes), (summary, changes)
    return changes


def test_terraform_after_the_failover_changes_nothing(drill: Drill) -> None:
    """A pipeline that applies dr-data, dr-compute or edge while failed over must not undo the failover:
    replicate_source_db, the fleet's min_size, dr/active_region and the gate's threshold are Terraform's
    only at creation, so each plan is empty although the orchestrator changed all four."""
    drill.require(*KEYS)
    if not drill.runs or drill.runs[0]["status"] != "failed-over":
        pytest.skip("the drill did not fail over")
    data = drill.outputs("dr-data")
    assert drill.parameter(data["active_region_parameter_name"])["Value"] == STANDBY
    for key in ("dr-data", "dr-compute", "edge"):
        assert _planned_changes(drill.workdirs[key]) == {}, key


# -- 4. the budget ----------------------------------------------------------------------------------------


def test_the_rto_budget(drill: Drill) -> None:
    config = drill.config
    budget = rto_budget(config)
    print(f"\nRTO budget of {config.name_prefix} (dr.rto_minutes {config.dr.rto_minutes}):")
    print(budget.table())
    if drill.runs:
        measured = {step["step"]: step for step in drill.runs[0]["steps"]}
        print("\nmeasured in the drill (emulated AWS; force skipped the flap guard's wait):")
        for step in STEPS:
            if step in measured:
                print(f"  {step:<22}{measured[step]['duration_seconds']:>8.3f} s  {measured[step]['status']}")
    assert budget.total_seconds <= config.dr.rto_minutes * 60
    assert [step.name for step in budget.steps] == ["detect", "flap-guard", "promote-database", "detach-file-systems",
                                                    "update-parameters", "scale-standby", "dns"]


# -- 5. teardown, following the runbook -------------------------------------------------------------------


def _lift_deletion_protection(drill: Drill, key: str) -> None:
    if key in ("data", "dr-data"):
        region = PRIMARY if key == "data" else STANDBY
        rds = drill.client("rds", region)
        for db in rds.describe_db_instances()["DBInstances"]:
            if db["DeletionProtection"]:
                rds.modify_db_instance(DBInstanceIdentifier=db["DBInstanceIdentifier"], DeletionProtection=False,
                                       ApplyImmediately=True)
    if key in ("compute", "dr-compute"):
        lift_load_balancer_deletion_protection(drill.client("elbv2", PRIMARY if key == "compute" else STANDBY))


def _buckets_to_empty(drill: Drill, key: str) -> list[str]:
    outputs = drill.outputs(key)
    if key == "data":
        return drill.config.data_bucket_names  # named: the state bucket is never matched
    return [outputs[name] for name in ("load_balancer_log_bucket_name", "cloudfront_log_bucket_name")
            if name in outputs]


@pytest.mark.parametrize("key", tuple(reversed(KEYS)))
def test_stack_destroys_following_the_runbook(drill: Drill, key: str) -> None:
    if key not in drill.applied and not (drill.workdirs[key].path / ".terraform").exists():
        pytest.skip(f"{key} was never initialised")
    _lift_deletion_protection(drill, key)
    workdir = drill.workdirs[key]
    stop_access_logging(workdir)
    empty_named_buckets(drill.client("s3"), _buckets_to_empty(drill, key))
    workdir.destroy()
    if key in drill.applied:
        drill.applied.remove(key)


def test_nothing_of_the_environment_is_left(drill: Drill) -> None:
    if drill.applied:
        pytest.skip(f"{drill.applied} not destroyed")
    for region in (PRIMARY, STANDBY):
        assert not drill.client("rds", region).describe_db_instances()["DBInstances"], region
        assert not drill.client("autoscaling", region).describe_auto_scaling_groups()["AutoScalingGroups"], region
        assert not drill.client("elbv2", region).describe_load_balancers()["LoadBalancers"], region
        assert not drill.client("lambda", region).list_functions()["Functions"], region
        running = [i["InstanceId"] for r in drill.client("ec2", region).describe_instances(Filters=[
            {"Name": "instance-state-name", "Values": ["pending", "running"]}])["Reservations"] for i in r["Instances"]]
        assert not running, region
        assert not drill.client("ec2", region).describe_vpcs(Filters=[
            {"Name": "tag:Project", "Values": [drill.config.project]}])["Vpcs"], region
    for region in (PRIMARY, STANDBY, ALARM_REGION):
        assert not drill.client("cloudwatch", region).describe_alarms()["MetricAlarms"], region
    route53 = drill.client("route53", ALARM_REGION)
    assert not route53.list_health_checks()["HealthChecks"]
    for zone in route53.list_hosted_zones()["HostedZones"]:  # the operator's certificate zone stays
        records = route53.list_resource_record_sets(HostedZoneId=zone["Id"])["ResourceRecordSets"]
        assert not [r for r in records if "SetIdentifier" in r], zone["Name"]
