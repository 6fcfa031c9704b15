"""DR failover orchestrator against moto in process: every step, re-runs, failures, dry run, Aurora global.

The world: a primary RDS instance in eu-west-1 with a cross-region read replica in eu-west-2 (the standby),
the app's SSM parameters, an ALB target group with an Auto Scaling group and an ECS service at zero, the
failover record pair in Route 53 with the calculated "gate" health check on the PRIMARY record, the health
alarm in us-east-1, and the SNS topic with an SQS queue subscribed so the tests read what was published.
Time is a fake clock: waits of minutes take no time, and moto's state changes are scheduled "after the next
sleep" where real AWS would take a while.

moto 5.2.5 gaps met here (the emulator drill will need the same patches; each patch below names its gap):

1. rds promote_read_replica only flips an internal flag: ReadReplicaSourceDBInstanceIdentifier stays set and
   the source keeps the replica in ReadReplicaDBInstanceIdentifiers, so "promoted" is never observable.
   An unknown identifier raises a KeyError (HTTP 500), not DBInstanceNotFound.     -> ``promote_read_replica``
2. rds remove_from_global_cluster looks the global cluster up in the caller's region (moto keeps global
   clusters in us-east-1 only) and the member cluster in the caller's region too, and swallows every error
   (bare except): from any region but us-east-1 it is a silent no-op with an empty response.
                                                                        -> ``remove_from_global_cluster``
3. rds: a global database's secondary cluster gets a writer instance (IsClusterWriter true) like any cluster;
   in AWS its instances are all readers until it is detached/promoted.            -> ``designate_writer``
4. rds create_global_cluster(SourceDBClusterIdentifier=<ARN>) only finds source clusters in us-east-1, and
   describe_global_clusters ignores GlobalClusterIdentifier (returns all, never GlobalClusterNotFoundFault).
   Worked around: the global cluster is created standalone (Engine) and the code filters by identifier.
5. route53 update_health_check: omitted ChildHealthChecks / Regions are taken as [] and clear the check's
   children / regions (AWS leaves them unchanged); HealthCheckVersion is never incremented, so the
   optimistic-locking refusal (HealthCheckVersionMismatch) cannot be exercised. The code sends the children.
   get_health_check_status always reports Success (health is never evaluated).
6. cloudwatch describe_alarms has no StateTransitionedTimestamp (only StateUpdatedTimestamp); the code falls
   back to it.
7. ecs create_service with awsvpcConfiguration but no securityGroups fails with KeyError (HTTP 500); AWS uses
   the VPC's default group. The fixture passes a security group. runningCount equals desiredCount at once,
   and tasks are never registered in the service's target groups (an ip target group stays empty; one of
   the tests uses exactly that as "never healthy").
8. autoscaling: instances are InService/Healthy at once and registered as healthy targets of the group's
   target groups at once (no health-check grace, no warm-up).
"""

from __future__ import annotations

import functools
import json
import logging
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from lambda_src.dr_failover import ConfigurationError, InvalidEventError, StepFailure, handler
from lambda_src.dr_failover.aws import AwsClients
from lambda_src.dr_failover.clock import Clock, human_duration, wait_until
from lambda_src.dr_failover.config import Config
from lambda_src.dr_failover.handler import _run_step, parse_event, run_failover
from lambda_src.dr_failover.steps import Outcome, Run, StepError, detach_file_systems
from lambda_src.packaging import stage_function

PRIMARY, STANDBY, ALARM_REGION = "eu-west-1", "eu-west-2", "us-east-1"  # STANDBY = conftest's REGION
ACCOUNT = "123456789012"  # moto's default account
RECORD = "app.example.com."
ENDPOINT_PARAM, REGION_PARAM = "/cafe/prod/app/db_host", "/cafe/prod/app/active_region"
ALARM = "cafe-prod-primary-down"
SOURCE = Path(__file__).resolve().parents[2] / "lambda_src" / "dr_failover"
STEP_NAMES = ["confirm_primary_down", "promote_database", "detach_file_systems", "update_parameters", "scale_standby",
              "pin_dns", "notify"]
NO_FILE_SYSTEMS = {"detach_file_systems": "skipped"}
"""The world has no EFS replica (FILE_SYSTEMS unset): the step skips; its own tests stub EFS (below)."""


# ------------------------------------------------------------------------------------------- time


@functools.cache
def client(service: str, region: str = STANDBY) -> Any:
    """boto3 clients are stateless and moto intercepts them whenever a mock is active: creating ~20 per test
    took most of the suite's time, so they are created once per (service, region)."""
    return boto3.client(service, region_name=region)


class FakeClock(Clock):
    """Starts at ``start``; ``sleep`` advances time at once and then runs what was scheduled for it."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.offset = 0.0
        self.slept: list[float] = []
        self._after_sleep: list[Callable[[], None]] = []

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.offset)

    def monotonic(self) -> float:
        return self.offset

    def sleep(self, seconds: float) -> None:
        self.offset += seconds
        self.slept.append(seconds)
        pending, self._after_sleep = self._after_sleep, []
        for action in pending:
            action()

    def after_next_sleep(self, action: Callable[[], None]) -> None:
        self._after_sleep.append(action)


@dataclass
class FakeContext:
    """The parts of the Lambda context the handler reads; the remaining time follows the fake clock."""

    clock: FakeClock
    budget_seconds: float = 900.0
    function_name: str = "cafe-prod-dr-failover"

    def get_remaining_time_in_millis(self) -> int:
        return int((self.budget_seconds - self.clock.offset) * 1000)


# ------------------------------------------------------------------------------------------- moto gaps


def _rds_backend(region: str) -> Any:
    from moto.rds.models import rds_backends

    return rds_backends[ACCOUNT][region]


def patch_moto_rds(monkeypatch: pytest.MonkeyPatch, clock: FakeClock) -> None:
    """Gaps 1-3 of the module docstring; promotions complete after the next sleep, as RDS takes minutes."""
    from moto.rds.exceptions import DBClusterNotFoundError, DBInstanceNotFoundError, RDSClientError
    from moto.rds.models import DBCluster, RDSBackend

    original_promote = RDSBackend.promote_read_replica

    def promote_read_replica(self: Any, db_kwargs: dict[str, Any]) -> Any:
        """Gap 1: the promoted instance loses its replica source (after a while), the source forgets it."""
        database = self.databases.get(db_kwargs["db_instance_identifier"])
        if database is None:
            raise DBInstanceNotFoundError(db_kwargs["db_instance_identifier"])
        source = database.source_db_instance_identifier
        result = original_promote(self, db_kwargs)
        if source:
            database.status = "modifying"

            def complete() -> None:
                primary = self.find_db_from_id(source)
                for name in (database.db_instance_arn, database.db_instance_identifier):
                    if name in primary.replicas:
                        primary.replicas.remove(name)
                database.source_db_instance_identifier = None
                database.status = "available"

            clock.after_next_sleep(complete)
        return result

    def remove_from_global_cluster(self: Any, global_cluster_identifier: str, db_cluster_identifier: str) -> Any:
        """Gap 2: global clusters live in us-east-1's backend, the member in its own region; errors are errors."""
        global_cluster = _rds_backend("us-east-1").global_clusters.get(global_cluster_identifier)
        if global_cluster is None:
            raise RDSClientError("GlobalClusterNotFoundFault", f"Global cluster {global_cluster_identifier} not found")
        for cluster in list(global_cluster.members):
            if db_cluster_identifier in (cluster.db_cluster_arn, cluster.db_cluster_identifier):
                global_cluster.members.remove(cluster)
                cluster.global_cluster_identifier = None
                cluster.status = "modifying"  # AWS: promoting the detached cluster takes a minute or two

                def complete(cluster: Any = cluster) -> None:
                    cluster.status = "available"

                clock.after_next_sleep(complete)
                return global_cluster
        raise DBClusterNotFoundError(db_cluster_identifier)

    original_designate = DBCluster.designate_writer

    def designate_writer(self: Any) -> None:
        """Gap 3: a secondary cluster of a global database has reader instances only."""
        if self.global_cluster_identifier and not self.is_writer:
            for instance in self._members:
                instance.is_cluster_writer = False
            return
        original_designate(self)

    monkeypatch.setattr(RDSBackend, "promote_read_replica", promote_read_replica)
    monkeypatch.setattr(RDSBackend, "remove_from_global_cluster", remove_from_global_cluster)
    monkeypatch.setattr(DBCluster, "designate_writer", designate_writer)


# ------------------------------------------------------------------------------------------- the world


@dataclass
class World:
    """The resources the orchestrator acts on, and ways to look at them."""

    clock: FakeClock
    queue_url: str
    topic_arn: str
    gate_id: str
    zone_id: str
    endpoint_check_id: str
    target_group_arn: str
    empty_target_group_arn: str
    standby_dns: str
    replica_endpoint: str
    env: dict[str, str] = field(default_factory=dict)

    def client(self, service: str, region: str = STANDBY) -> Any:
        return client(service, region)

    def set_alarm(self, state: str) -> None:
        self.client("cloudwatch", ALARM_REGION).set_alarm_state(AlarmName=ALARM, StateValue=state, StateReason="test")

    def messages(self) -> list[dict[str, Any]]:
        sqs = self.client("sqs")
        found = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get("Messages", [])
        for message in found:
            sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return [json.loads(message["Body"]) for message in found]

    def replica(self) -> dict[str, Any]:
        return self.client("rds").describe_db_instances(DBInstanceIdentifier="cafe-prod-replica")["DBInstances"][0]

    def parameter(self, name: str) -> str:
        return str(self.client("ssm").get_parameter(Name=name)["Parameter"]["Value"])

    def asg(self) -> dict[str, Any]:
        return self.client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=["cafe-prod-web"])[
            "AutoScalingGroups"
        ][0]

    def ecs_desired(self) -> int:
        service = self.client("ecs").describe_services(cluster="cafe-prod", services=["api"])["services"][0]
        return int(service["desiredCount"])

    def ecs_scaling(self) -> tuple[int, int]:
        """(MinCapacity, MaxCapacity) of the api service's scaling target."""
        (target,) = self.client("application-autoscaling").describe_scalable_targets(
            ServiceNamespace="ecs", ResourceIds=["service/cafe-prod/api"])["ScalableTargets"]
        return int(target["MinCapacity"]), int(target["MaxCapacity"])

    def gate(self) -> dict[str, Any]:
        route53 = self.client("route53", "us-east-1")
        return dict(route53.get_health_check(HealthCheckId=self.gate_id)["HealthCheck"]["HealthCheckConfig"])

    def untouched(self) -> None:
        """Nothing changed anywhere (the state the fixture built)."""
        assert self.replica()["ReadReplicaSourceDBInstanceIdentifier"].endswith(":db:cafe-prod")
        assert self.parameter(ENDPOINT_PARAM) == "cafe-prod.primary.eu-west-1.rds.amazonaws.com"
        assert self.parameter(REGION_PARAM) == PRIMARY
        asg = self.asg()
        assert (asg["MinSize"], asg["DesiredCapacity"], asg["MaxSize"]) == (0, 0, 0)
        assert self.ecs_desired() == 0 and self.ecs_scaling() == (0, 4)
        assert self.gate()["HealthThreshold"] == 1


def _standby_network(ec2: Any) -> tuple[str, list[str], str]:
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.1.{index}.0/24", AvailabilityZone=f"{STANDBY}{zone}")["Subnet"][
            "SubnetId"
        ]
        for index, zone in ((1, "a"), (2, "b"))
    ]
    group = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
    return vpc, subnets, group


@pytest.fixture
def world(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """The standby environment before a failover, its configuration in the environment, the alarm in ALARM
    for ten minutes (the clock starts ten minutes after the alarm's transition)."""
    clock = FakeClock(datetime.now(timezone.utc) + timedelta(minutes=10))
    patch_moto_rds(monkeypatch, clock)

    # Database: the primary in eu-west-1 and its cross-region read replica in the standby region.
    source = client("rds", PRIMARY).create_db_instance(
        DBInstanceIdentifier="cafe-prod",
        Engine="mysql",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername="admin",
        MasterUserPassword="not-a-secret-1",
        BackupRetentionPeriod=7,
    )["DBInstance"]
    replica = client("rds").create_db_instance_read_replica(
        DBInstanceIdentifier="cafe-prod-replica",
        SourceDBInstanceIdentifier=source["DBInstanceArn"],
        DBInstanceClass="db.t3.micro",
    )["DBInstance"]

    # The parameters the app reads at boot, still naming the primary.
    ssm = client("ssm")
    ssm.put_parameter(Name=ENDPOINT_PARAM, Value="cafe-prod.primary.eu-west-1.rds.amazonaws.com", Type="String")
    ssm.put_parameter(Name=REGION_PARAM, Value=PRIMARY, Type="String")

    # Compute: ALB + target group with an ASG at zero, an ECS service at zero, and an ip target group no
    # target ever registers in (moto gap 7).
    ec2 = client("ec2")
    vpc, subnets, security_group = _standby_network(ec2)
    elb = client("elbv2")
    alb = elb.create_load_balancer(Name="cafe-prod-standby", Subnets=subnets)["LoadBalancers"][0]
    target_group = elb.create_target_group(Name="web", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][0]
    empty_group = elb.create_target_group(Name="api", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip")[
        "TargetGroups"
    ][0]
    elb.create_listener(
        LoadBalancerArn=alb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": target_group["TargetGroupArn"]}],
    )
    ec2.create_launch_template(
        LaunchTemplateName="web", LaunchTemplateData={"ImageId": "ami-12c6146b", "InstanceType": "t3.micro"}
    )
    client("autoscaling").create_auto_scaling_group(
        AutoScalingGroupName="cafe-prod-web",
        LaunchTemplate={"LaunchTemplateName": "web"},
        MinSize=0,
        MaxSize=0,
        DesiredCapacity=0,
        VPCZoneIdentifier=",".join(subnets),
        TargetGroupARNs=[target_group["TargetGroupArn"]],
    )
    ecs = client("ecs")
    ecs.create_cluster(clusterName="cafe-prod")
    ecs.register_task_definition(
        family="api",
        containerDefinitions=[{"name": "api", "image": "nginx", "memory": 256}],
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
    )
    ecs.create_service(
        cluster="cafe-prod",
        serviceName="api",
        taskDefinition="api",
        desiredCount=0,
        launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": subnets, "securityGroups": [security_group]}},
    )
    client("application-autoscaling").register_scalable_target(  # the standby's: Terraform made it at 0
        ServiceNamespace="ecs", ResourceId="service/cafe-prod/api", ScalableDimension="ecs:service:DesiredCount",
        MinCapacity=0, MaxCapacity=4)

    # DNS: endpoint check on the primary, the gate (CALCULATED, threshold = children), the failover pair.
    route53 = client("route53", "us-east-1")
    endpoint_check = route53.create_health_check(
        CallerReference="endpoint",
        HealthCheckConfig={
            "Type": "HTTPS",
            "FullyQualifiedDomainName": "primary.app.example.com",
            "Port": 443,
            "ResourcePath": "/health",
            "RequestInterval": 30,
            "FailureThreshold": 3,
        },
    )["HealthCheck"]["Id"]
    gate = route53.create_health_check(
        CallerReference="gate",
        HealthCheckConfig={
            "Type": "CALCULATED",
            "ChildHealthChecks": [endpoint_check],
            "HealthThreshold": 1,
        },
    )["HealthCheck"]["Id"]
    zone = route53.create_hosted_zone(Name="example.com", CallerReference="zone")["HostedZone"]["Id"].split("/")[-1]
    route53.change_resource_record_sets(
        HostedZoneId=zone,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": RECORD,
                        "Type": "A",
                        "SetIdentifier": "primary",
                        "Failover": "PRIMARY",
                        "HealthCheckId": gate,
                        "AliasTarget": {
                            "HostedZoneId": "Z32O12XQLNTSW2",
                            "DNSName": "primary-1.eu-west-1.elb.amazonaws.com",
                            "EvaluateTargetHealth": True,
                        },
                    },
                },
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": RECORD,
                        "Type": "A",
                        "SetIdentifier": "standby",
                        "Failover": "SECONDARY",
                        "AliasTarget": {
                            "HostedZoneId": alb["CanonicalHostedZoneId"],
                            "DNSName": f"dualstack.{alb['DNSName'].upper()}.",
                            "EvaluateTargetHealth": True,
                        },
                    },
                },
            ]
        },
    )

    # The health alarm, in ALARM; the topic with a queue subscribed.
    cloudwatch = client("cloudwatch", ALARM_REGION)
    cloudwatch.put_metric_alarm(
        AlarmName=ALARM,
        Namespace="AWS/Route53",
        MetricName="HealthCheckStatus",
        Statistic="Minimum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="LessThanThreshold",
        Dimensions=[{"Name": "HealthCheckId", "Value": endpoint_check}],
    )
    cloudwatch.set_alarm_state(AlarmName=ALARM, StateValue="ALARM", StateReason="primary health check failing")
    sns, sqs = client("sns"), client("sqs")
    topic_arn = sns.create_topic(Name="cafe-prod-dr")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="dr-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)

    env = {
        "PRIMARY_REGION": PRIMARY,
        "STANDBY_REGION": STANDBY,
        "HEALTH_ALARM_NAME": ALARM,
        "HEALTH_ALARM_REGION": ALARM_REGION,
        "MIN_OUTAGE_SECONDS": "120",
        "DATABASE": json.dumps({"kind": "instance", "identifier": "cafe-prod-replica"}),
        "PARAMETERS": json.dumps({"database_endpoint": ENDPOINT_PARAM, "active_region": REGION_PARAM}),
        "FLEETS": json.dumps(
            [
                {"kind": "asg", "name": "cafe-prod-web", "min": 2, "desired": 2, "max": 6},
                {"kind": "ecs", "cluster": "cafe-prod", "service": "api", "desired": 2},
            ]
        ),
        "TARGET_GROUP_ARNS": json.dumps([target_group["TargetGroupArn"]]),
        "DNS": json.dumps(
            {
                "zone_id": zone,
                "record_name": "App.Example.com",
                "standby_dns_name": alb["DNSName"],
                "gate_health_check_id": gate,
            }
        ),
        "TOPIC_ARN": topic_arn,
        "WAIT_TIMEOUT_SECONDS": "600",
        "POLL_SECONDS": "15",
        "ENVIRONMENT_NAME": "cafe-prod",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    yield World(
        clock=clock,
        queue_url=queue_url,
        topic_arn=topic_arn,
        gate_id=gate,
        zone_id=zone,
        endpoint_check_id=endpoint_check,
        target_group_arn=target_group["TargetGroupArn"],
        empty_target_group_arn=empty_group["TargetGroupArn"],
        standby_dns=alb["DNSName"],
        replica_endpoint=replica["Endpoint"]["Address"],
        env=env,
    )


def run(world: World, event: dict[str, Any] | None = None, budget: float = 900.0) -> dict[str, Any]:
    context = FakeContext(world.clock, budget)
    return run_failover(
        {} if event is None else event,
        context,
        clock=world.clock,
        aws=AwsClients(lambda service, region_name: client(service, region_name)),
    )


def statuses(result: dict[str, Any]) -> dict[str, str]:
    return {step["step"]: step["status"] for step in result["steps"]}


def step_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    lines = [json.loads(record.getMessage()) for record in caplog.records if record.name == "dr_failover"]
    return [line for line in lines if line["event"] == "dr_step"]


# ------------------------------------------------------------------------------------------- configuration


def valid_env() -> dict[str, str]:
    return {
        "PRIMARY_REGION": "eu-west-1",
        "STANDBY_REGION": "eu-west-2",
        "HEALTH_ALARM_NAME": "primary-down",
        "DATABASE": '{"kind": "instance", "identifier": "cafe-prod-replica"}',
        "PARAMETERS": '{"database_endpoint": "/cafe/db_host", "active_region": "/cafe/region"}',
        "FLEETS": '[{"kind": "asg", "name": "web", "min": 2, "desired": 2, "max": 6}]',
        "TARGET_GROUP_ARNS": '["arn:aws:elasticloadbalancing:eu-west-2:123456789012:targetgroup/web/0123456789abcdef"]',
        "DNS": '{"zone_id": "/hostedzone/Z123", "record_name": "App.Example.com", '
        '"standby_dns_name": "Standby-1.eu-west-2.elb.amazonaws.com.", "gate_health_check_id": "hc-1"}',
        "TOPIC_ARN": "arn:aws:sns:eu-west-2:123456789012:cafe-dr",
    }


def test_configuration_defaults_and_normalisation() -> None:
    config = Config.from_env(valid_env())
    assert (config.health_alarm_region, config.min_outage_seconds) == ("us-east-1", 120)
    assert (config.wait_timeout_seconds, config.poll_seconds) == (900, 15)
    assert config.topic_region == "eu-west-2"
    assert config.dns.zone_id == "Z123"
    assert config.dns.record_name == "app.example.com."
    assert config.dns.standby_dns_name == "standby-1.eu-west-2.elb.amazonaws.com"
    assert config.environment_name == "app.example.com"
    assert config.database.identifier == "cafe-prod-replica"
    none = Config.from_env({**valid_env(), "DATABASE": '{"kind": "none"}', "PARAMETERS": '{"active_region": "/r"}'})
    assert none.parameters.database_endpoint is None


@pytest.mark.parametrize(
    "name",
    [
        "PRIMARY_REGION",
        "STANDBY_REGION",
        "HEALTH_ALARM_NAME",
        "DATABASE",
        "PARAMETERS",
        "FLEETS",
        "TARGET_GROUP_ARNS",
        "DNS",
        "TOPIC_ARN",
    ],
)
def test_missing_variable_is_named_with_its_fix(name: str) -> None:
    env = valid_env()
    del env[name]
    with pytest.raises(ConfigurationError) as raised:
        Config.from_env(env)
    [problem] = raised.value.problems
    assert problem.startswith(f"{name} (not set): is required. Fix: ")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param(
            {"DATABASE": '{"kind": "instance", "identifier": }'},
            'DATABASE=\'{"kind": "instance", "identifier": }\': is not valid JSON (Expecting value at '
            'character 35). Fix: use e.g. {"kind": "instance"',
            id="bad-json",
        ),
        pytest.param(
            {"DATABASE": '{"kind": "cluster"}'},
            "DATABASE='{\"kind\": \"cluster\"}': kind 'cluster' is not supported. Fix: set kind to one of "
            "['instance', 'aurora-global', 'none']",
            id="unknown-kind",
        ),
        pytest.param(
            {"STANDBY_REGION": "eu-west-1"},
            "STANDBY_REGION='eu-west-1': equals PRIMARY_REGION. Fix: the standby region must be a different region",
            id="same-regions",
        ),
        pytest.param(
            {"PRIMARY_REGION": "Ireland"}, "PRIMARY_REGION='Ireland': is not an AWS region name. Fix: ", id="bad-region"
        ),
        pytest.param(
            {"FLEETS": '[{"kind": "asg", "name": "web", "min": 3, "desired": 2, "max": 6}]'},
            "[0] needs min <= desired <= max, got 3/2/6",
            id="asg-sizes",
        ),
        pytest.param(
            {"FLEETS": '[{"kind": "ecs", "cluster": "c", "service": "s", "desire": 2}]'},
            "[0] has unknown keys ['desire']. Fix: use only ['cluster', 'desired', 'kind', 'service']",
            id="typo-key",
        ),
        pytest.param({"FLEETS": '[{"kind": "lambda"}]'}, "[0].kind 'lambda' is not supported", id="fleet-kind"),
        pytest.param(
            {
                "DATABASE": '{"kind": "aurora-global", "global_cluster": "g", '
                '"cluster_arn": "arn:aws:rds:eu-west-1:123456789012:cluster:cafe"}'
            },
            "cluster_arn is in eu-west-1, not the standby region eu-west-2. Fix: give the standby "
            "(secondary) cluster's ARN",
            id="aurora-arn-region",
        ),
        pytest.param(
            {"TARGET_GROUP_ARNS": '["arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/w/1a"]'},
            "[0] is in eu-west-1, not the standby region eu-west-2",
            id="target-group-region",
        ),
        pytest.param(
            {"MIN_OUTAGE_SECONDS": "2m"}, "MIN_OUTAGE_SECONDS='2m': is not a whole number of seconds", id="not-a-number"
        ),
        pytest.param(
            {"POLL_SECONDS": "60", "WAIT_TIMEOUT_SECONDS": "30"},
            "POLL_SECONDS='60': is longer than WAIT_TIMEOUT_SECONDS=30",
            id="poll-above-timeout",
        ),
        pytest.param({"TOPIC_ARN": "cafe-dr"}, "TOPIC_ARN='cafe-dr': is not an SNS topic ARN. Fix: ", id="topic"),
        pytest.param(
            {"PARAMETERS": '{"active_region": "/r"}'},
            "PARAMETERS='{\"active_region\": \"/r\"}': lacks ['database_endpoint']",
            id="endpoint-parameter-needed",
        ),
    ],
)
def test_bad_value_names_variable_value_and_fix(changes: dict[str, str], expected: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        Config.from_env({**valid_env(), **changes})
    assert any(expected in problem for problem in raised.value.problems), raised.value.problems
    assert all(". Fix: " in problem for problem in raised.value.problems)


def test_every_configuration_problem_is_reported_at_once() -> None:
    env = {**valid_env(), "STANDBY_REGION": "eu-west-1", "DATABASE": "{", "FLEETS": "{}"}
    del env["TOPIC_ARN"]
    with pytest.raises(ConfigurationError) as raised:
        Config.from_env(env)
    assert [problem.split("=")[0].split(" ")[0] for problem in raised.value.problems] == [
        "STANDBY_REGION",
        "DATABASE",
        "FLEETS",
        "TARGET_GROUP_ARNS",
        "TOPIC_ARN",
    ]  # the target group is in eu-west-2, no longer "the standby region"


def test_configuration_error_is_raised_and_published(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLEETS", "[{]")
    with pytest.raises(ConfigurationError, match="FLEETS='\\[{\\]': is not valid JSON"):
        run(world)
    [message] = world.messages()
    assert message["Subject"] == "[DR] FAILED: cafe-prod failover cannot start: invalid configuration"
    assert "FLEETS='[{]'" in message["Message"]
    world.untouched()


# ------------------------------------------------------------------------------------------- event


@pytest.mark.parametrize(
    ("event", "trigger"),
    [
        ({}, "manual"),
        (None, "manual"),
        ({"force": True}, "manual"),
        (
            {"source": "aws.cloudwatch", "detail-type": "CloudWatch Alarm State Change", "detail": {}},
            "eventbridge (CloudWatch alarm state change)",
        ),
        ({"Records": [{"EventSource": "aws:sns", "Sns": {"Message": "{}"}}]}, "sns"),
        ({"source": "aws.cloudwatch", "alarmData": {"state": {"value": "ALARM"}}}, "cloudwatch alarm action"),
        ({"something": "else"}, "unrecognised event (treated as manual)"),
    ],
)
def test_event_envelopes_are_recognised_not_trusted(event: Any, trigger: str) -> None:
    assert parse_event(event) == (False, event is not None and event.get("force") is True, trigger)


@pytest.mark.parametrize("event", [{"dry_run": "false"}, {"force": 1}, "go", ["dry_run"]])
def test_flags_must_be_booleans(event: Any) -> None:
    with pytest.raises(InvalidEventError):
        parse_event(event)


# ------------------------------------------------------------------------------------------- no action


def test_healthy_primary_changes_nothing_and_publishes_nothing(world: World, caplog: pytest.LogCaptureFixture) -> None:
    world.set_alarm("OK")
    caplog.set_level(logging.INFO, logger="dr_failover")
    result = run(world)
    assert result["status"] == "primary-healthy"
    assert statuses(result) == {"confirm_primary_down": "done"}
    assert f"alarm {ALARM} is OK: the primary is healthy" in result["steps"][0]["detail"]
    assert (result["active_region"], result["message_id"]) == (PRIMARY, None)
    world.untouched()
    assert world.messages() == []
    assert [(line["phase"], line.get("status")) for line in step_lines(caplog)] == [("start", None), ("end", "done")]


def test_young_alarm_that_recovers_while_waiting_changes_nothing(world: World) -> None:
    world.clock.start = datetime.now(timezone.utc)  # the alarm has just fired
    world.clock.after_next_sleep(lambda: world.set_alarm("OK"))
    result = run(world)
    assert result["status"] == "primary-healthy"
    assert "went OK while waiting out MIN_OUTAGE_SECONDS=120" in result["steps"][0]["detail"]
    assert world.clock.slept == [15.0]
    world.untouched()
    assert world.messages() == []


def test_young_alarm_without_time_to_wait_is_too_early(world: World) -> None:
    world.clock.start = datetime.now(timezone.utc)
    result = run(world, budget=120)  # 90 s usable: not enough to wait out 120 s
    assert result["status"] == "too-early"
    assert "no time left to wait: stopping without action" in result["steps"][0]["detail"]
    assert world.clock.slept == []
    world.untouched()
    assert world.messages() == []


def test_young_alarm_that_stays_in_alarm_waits_out_the_flap_guard(world: World) -> None:
    world.clock.start = datetime.now(timezone.utc)
    result = run(world)
    assert result["status"] == "failed-over"
    assert "(waited out MIN_OUTAGE_SECONDS=120)" in result["steps"][0]["detail"]
    assert 120 <= result["steps"][0]["duration_seconds"] <= 140


def test_force_skips_the_age_check(world: World) -> None:
    world.clock.start = datetime.now(timezone.utc)
    result = run(world, {"force": True}, budget=120)
    assert result["status"] == "failed-over"
    assert "force: the 120s outage-age check is skipped" in result["steps"][0]["detail"]
    assert result["steps"][0]["duration_seconds"] == 0


def test_force_never_skips_the_alarm_state_check(world: World) -> None:
    world.set_alarm("OK")
    assert run(world, {"force": True})["status"] == "primary-healthy"
    world.untouched()


# ------------------------------------------------------------------------------------------- failover


def test_full_failover_of_an_instance_replica(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="dr_failover")
    result = run(world, {"source": "aws.cloudwatch", "detail-type": "CloudWatch Alarm State Change"})

    assert result["status"] == "failed-over"
    assert statuses(result) == {**dict.fromkeys(STEP_NAMES, "done"), **NO_FILE_SYSTEMS}
    assert (result["active_region"], result["database_endpoint"]) == (STANDBY, world.replica_endpoint)
    # The replica is a standalone instance, backups kept.
    replica = world.replica()
    assert "ReadReplicaSourceDBInstanceIdentifier" not in replica
    assert (replica["DBInstanceStatus"], replica["BackupRetentionPeriod"]) == ("available", 7)
    source = client("rds", PRIMARY).describe_db_instances(DBInstanceIdentifier="cafe-prod")["DBInstances"][0]
    assert source.get("ReadReplicaDBInstanceIdentifiers", []) == []
    assert "promoted cafe-prod-replica (was a replica of arn:aws:rds:eu-west-1" in result["steps"][1]["detail"]
    assert "keeping its 7-day backup retention" in result["steps"][1]["detail"]
    # The app's parameters, the fleets, the gate.
    assert world.parameter(ENDPOINT_PARAM) == world.replica_endpoint
    assert world.parameter(REGION_PARAM) == STANDBY
    asg = world.asg()
    assert (asg["MinSize"], asg["DesiredCapacity"], asg["MaxSize"]) == (2, 2, 6)
    assert world.ecs_desired() == 2
    assert world.ecs_scaling() == (2, 4)  # scale-in can no longer take the serving service below 2
    assert "ecs cafe-prod/api scaling minimum 0 -> 2; ecs cafe-prod/api desired 0 -> 2" in result["steps"][4]["detail"]
    assert (
        "target group web 2/2 healthy; asg cafe-prod-web 2/2 in service; ecs cafe-prod/api 2/2 running"
        in (result["steps"][4]["detail"])
    )
    gate = world.gate()
    assert gate["HealthThreshold"] == 2
    assert gate["ChildHealthChecks"] == [world.endpoint_check_id]  # still there (moto gap 5)
    assert f"SECONDARY app.example.com. -> {world.standby_dns} verified" in result["steps"][5]["detail"]

    # One timeline on the topic.
    [message] = world.messages()
    assert message["MessageId"] == result["message_id"]
    elapsed = human_duration(sum(step["duration_seconds"] for step in result["steps"]))
    assert message["Subject"] == f"[DR] cafe-prod failed over to {STANDBY} in {elapsed}"
    body = message["Message"]
    assert body.startswith(f"cafe-prod failed over to {STANDBY} in {elapsed}\n")
    assert "Regions:          eu-west-1 (primary) -> eu-west-2 (standby)" in body
    assert "Trigger:          eventbridge (CloudWatch alarm state change)" in body
    assert f"Health alarm:     {ALARM} ALARM since " in body
    assert f"Database:         {world.replica_endpoint}" in body
    for name in STEP_NAMES[:-1]:
        status = NO_FILE_SYSTEMS.get(name, "done")
        assert any(line.startswith(f"  {name}") and f"  {status}  " in line for line in body.splitlines()), name
    assert "FAILED" not in body

    # Two JSON log lines per step, with UTC timestamps.
    lines = step_lines(caplog)
    assert [(line["step"], line["phase"]) for line in lines] == [
        (name, phase) for name in STEP_NAMES for phase in ("start", "end")
    ]
    for line in lines:
        assert line["started_at"].endswith("Z")
        if line["phase"] == "end":
            assert line["status"] == NO_FILE_SYSTEMS.get(line["step"], "done")
            assert line["ended_at"].endswith("Z") and line["duration_seconds"] >= 0


def test_second_run_skips_every_step_and_says_nothing_to_do(world: World) -> None:
    run(world)
    world.messages()
    again = run(world)
    assert again["status"] == "failed-over"
    assert statuses(again) == {"confirm_primary_down": "done", **dict.fromkeys(STEP_NAMES[1:], "skipped")}
    assert "failover already under way or completed" in again["steps"][0]["detail"]
    [message] = world.messages()
    assert message["Subject"] == f"[DR] cafe-prod already failed over to {STANDBY}: nothing to do"
    assert world.gate()["HealthThreshold"] == 2  # not raised again
    assert world.clock.slept.count(15.0) == 1  # only the first run waited (for the promotion)


MULTI_AZ_DATABASE = json.dumps({"kind": "instance", "identifier": "cafe-prod-replica", "multi_az": True})


def test_a_promoted_pilot_light_replica_becomes_multi_az_like_the_primary(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pilot light's replica runs in one AZ; DATABASE.multi_az asks RDS for a second once it is promoted
    (not waited for: it stays writable), once: a second run finds it Multi-AZ and skips."""
    monkeypatch.setenv("DATABASE", MULTI_AZ_DATABASE)
    assert not world.replica()["MultiAZ"]
    dry = run(world, {"dry_run": True, "force": True})
    assert "and convert it to Multi-AZ" in dry["steps"][1]["detail"] and not world.replica()["MultiAZ"]
    result = run(world)
    assert result["status"] == "failed-over"
    assert world.replica()["MultiAZ"] is True
    assert "asked RDS to convert cafe-prod-replica to Multi-AZ (it stays writable meanwhile)" in (
        result["steps"][1]["detail"])
    again = run(world)
    assert statuses(again)["promote_database"] == "skipped"
    assert again["steps"][1]["detail"].endswith("; cafe-prod-replica is Multi-AZ")


def test_a_promotion_already_under_way_still_ends_multi_az(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """An operator (or a run that then failed) started the promotion: the run waits for it, then converts."""
    monkeypatch.setenv("DATABASE", MULTI_AZ_DATABASE)
    world.client("rds").promote_read_replica(DBInstanceIdentifier="cafe-prod-replica")
    result = run(world)
    assert statuses(result)["promote_database"] == "done"
    assert "asked RDS to convert cafe-prod-replica to Multi-AZ" in result["steps"][1]["detail"]
    assert world.replica()["MultiAZ"] is True


def test_a_replica_without_backups_is_promoted_with_the_primarys_retention(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A PostgreSQL replica keeps no automated backups (retention 0): promoting it without a retention would
    leave RDS's 1-day default, so DATABASE carries the primary's and the promotion asks for it."""
    world.client("rds").modify_db_instance(DBInstanceIdentifier="cafe-prod-replica", BackupRetentionPeriod=0,
                                           ApplyImmediately=True)
    monkeypatch.setenv("DATABASE", json.dumps({"kind": "instance", "identifier": "cafe-prod-replica",
                                               "backup_retention_days": 14}))
    dry = run(world, {"dry_run": True, "force": True})
    assert "with the primary's 14-day backup retention" in dry["steps"][1]["detail"]
    result = run(world)
    assert result["status"] == "failed-over"
    assert world.replica()["BackupRetentionPeriod"] == 14
    assert "with the primary's 14-day backup retention" in result["steps"][1]["detail"]


@pytest.mark.parametrize("retention", [0, 36, "7", True])
def test_a_backup_retention_outside_rds_range_is_a_configuration_error(retention: object) -> None:
    environment = {**valid_env(), "DATABASE": json.dumps({"kind": "instance", "identifier": "cafe-prod-replica",
                                                          "backup_retention_days": retention})}
    with pytest.raises(ConfigurationError, match=r"backup_retention_days=.* is not 1 to 35"):
        Config.from_env(environment)


def test_without_multi_az_the_promoted_replica_keeps_its_single_az(world: World) -> None:
    result = run(world)
    assert result["status"] == "failed-over" and world.replica()["MultiAZ"] is False
    assert "Multi-AZ" not in result["steps"][1]["detail"]


def test_already_promoted_replica_continues_even_after_the_primary_recovered(world: World) -> None:
    """An earlier run promoted the replica and set the parameters, then failed; the primary is back."""
    client("rds").promote_read_replica(DBInstanceIdentifier="cafe-prod-replica")
    world.clock.sleep(1)  # the promotion completes
    client("ssm").put_parameter(Name=REGION_PARAM, Value=STANDBY, Overwrite=True)
    world.set_alarm("OK")
    result = run(world)
    assert result["status"] == "failed-over"
    assert statuses(result) == {
        "confirm_primary_down": "done",
        "promote_database": "skipped",
        **NO_FILE_SYSTEMS,
        "update_parameters": "done",
        "scale_standby": "done",
        "pin_dns": "done",
        "notify": "done",
    }
    assert f"continuing whatever the alarm says (alarm {ALARM} is OK)" in result["steps"][0]["detail"]
    assert "already a standalone instance" in result["steps"][1]["detail"]
    assert world.parameter(ENDPOINT_PARAM) == world.replica_endpoint
    assert world.gate()["HealthThreshold"] == 2


def test_already_promoted_replica_with_primary_still_down(world: World) -> None:
    client("rds").promote_read_replica(DBInstanceIdentifier="cafe-prod-replica")
    world.clock.sleep(1)
    result = run(world)
    assert statuses(result)["promote_database"] == "skipped"
    assert result["status"] == "failed-over"


def test_never_scales_down(world: World) -> None:
    client("autoscaling").update_auto_scaling_group(
        AutoScalingGroupName="cafe-prod-web", MinSize=3, DesiredCapacity=4, MaxSize=5
    )
    result = run(world)
    asg = world.asg()
    assert (asg["MinSize"], asg["DesiredCapacity"], asg["MaxSize"]) == (3, 4, 6)  # only max was below target
    assert "asg cafe-prod-web min/desired/max 3/4/5 -> 3/4/6" in result["steps"][4]["detail"]


# ------------------------------------------------------------------------------------------- failures


def test_target_group_never_healthy_is_a_retriable_failure_and_a_rerun_resumes(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TARGET_GROUP_ARNS", json.dumps([world.target_group_arn, world.empty_target_group_arn]))
    monkeypatch.setenv("WAIT_TIMEOUT_SECONDS", "60")
    with pytest.raises(StepFailure) as raised:
        run(world)
    failure = raised.value
    assert (failure.step, failure.retriable) == ("scale_standby", True)
    assert str(failure).startswith("DR failover step scale_standby failed (retriable: invoke again")
    assert "gave up waiting for the standby fleets to serve after 1m00s (WAIT_TIMEOUT_SECONDS)" in str(failure)
    assert "reached: target group web 2/2 healthy; target group api 0/0 healthy; asg cafe-prod-web 2/2" in str(failure)
    assert "raised asg cafe-prod-web min/desired/max 0/0/0 -> 2/2/6" in str(failure)
    assert failure.__cause__ is not None
    # Done before the failure, not after it.
    assert world.parameter(REGION_PARAM) == STANDBY
    assert world.gate()["HealthThreshold"] == 1
    [message] = world.messages()
    assert message["Subject"] == f"[DR] FAILED: cafe-prod failover to {STANDBY} stopped at scale_standby (retriable)"
    body = message["Message"]
    assert "FAILED at step scale_standby: retriable" in body
    assert "What to do next" in body
    assert "aws lambda invoke --function-name cafe-prod-dr-failover --invocation-type Event" in body
    assert "  scale_standby" in body and "failed" in body

    # Fixed (the group left out), the retry resumes: the done steps are skipped.
    monkeypatch.setenv("TARGET_GROUP_ARNS", json.dumps([world.target_group_arn]))
    result = run(world)
    assert statuses(result) == {
        "confirm_primary_down": "done",
        "promote_database": "skipped",
        **NO_FILE_SYSTEMS,
        "update_parameters": "skipped",
        "scale_standby": "skipped",
        "pin_dns": "done",
        "notify": "done",
    }
    assert world.gate()["HealthThreshold"] == 2


def test_lambda_time_limit_caps_the_wait(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TARGET_GROUP_ARNS", json.dumps([world.empty_target_group_arn]))
    with pytest.raises(StepFailure) as raised:
        run(world, budget=200)
    assert raised.value.retriable
    assert "(the Lambda invocation's remaining time)" in str(raised.value)
    assert world.clock.offset <= 200 - 30  # 30 s kept for reporting
    assert len(world.messages()) == 1


def test_missing_auto_scaling_group_is_not_retriable(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLEETS", json.dumps([{"kind": "asg", "name": "nope", "min": 1, "desired": 1, "max": 1}]))
    with pytest.raises(StepFailure, match="step scale_standby failed \\(not retriable: fix the cause") as raised:
        run(world)
    assert "Auto Scaling group(s) nope not found in eu-west-2" in raised.value.detail
    [message] = world.messages()
    assert message["Subject"].endswith("stopped at scale_standby (needs a fix)")


def test_missing_secondary_record_is_not_retriable_and_nothing_is_pinned(world: World) -> None:
    route53 = client("route53", "us-east-1")
    [secondary] = [
        record
        for record in route53.list_resource_record_sets(HostedZoneId=world.zone_id)["ResourceRecordSets"]
        if record.get("Failover") == "SECONDARY"
    ]
    route53.change_resource_record_sets(
        HostedZoneId=world.zone_id, ChangeBatch={"Changes": [{"Action": "DELETE", "ResourceRecordSet": secondary}]}
    )
    with pytest.raises(StepFailure) as raised:
        run(world)
    assert (raised.value.step, raised.value.retriable) == ("pin_dns", False)
    assert "no SECONDARY failover record app.example.com." in str(raised.value)
    assert "(SECONDARY records found: none)" in str(raised.value)
    assert world.gate()["HealthThreshold"] == 1
    [message] = world.messages()
    assert "FAILED at step pin_dns: NOT retriable" in message["Message"]


def test_primary_record_on_another_health_check_is_not_retriable(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    dns = json.loads(world.env["DNS"])
    monkeypatch.setenv("DNS", json.dumps({**dns, "gate_health_check_id": world.endpoint_check_id}))
    with pytest.raises(StepFailure, match=f"uses health check {world.gate_id}, not the gate"):
        run(world)


def test_disabled_gate_is_not_retriable(world: World) -> None:
    route53 = client("route53", "us-east-1")
    route53.update_health_check(HealthCheckId=world.gate_id, Disabled=True, ChildHealthChecks=[world.endpoint_check_id])
    with pytest.raises(StepFailure, match="is disabled: a raised threshold would not hold") as raised:
        run(world)
    assert (raised.value.step, raised.value.retriable) == ("pin_dns", False)
    assert world.gate()["HealthThreshold"] == 1


def test_failure_timeline_that_cannot_be_published_is_logged_and_the_step_failure_raised(
    world: World, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("TOPIC_ARN", f"arn:aws:sns:{STANDBY}:{ACCOUNT}:no-such-topic")
    monkeypatch.setenv("FLEETS", json.dumps([{"kind": "ecs", "cluster": "cafe-prod", "service": "gone", "desired": 1}]))
    caplog.set_level(logging.INFO, logger="dr_failover")
    with pytest.raises(StepFailure, match="ECS service\\(s\\) ecs cafe-prod/gone not found"):
        run(world)
    events = [json.loads(record.getMessage()) for record in caplog.records if record.name == "dr_failover"]
    [publish_failure] = [line for line in events if line["event"] == "dr_timeline_publish_failed"]
    assert publish_failure["step"] == "scale_standby"
    assert "Publish: NotFound" in publish_failure["error"]
    [error_line] = [line for line in events if line["event"] == "dr_failover_error"]
    assert (error_line["step"], error_line["retriable"]) == ("scale_standby", False)


def test_notification_failure_fails_the_notify_step(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOPIC_ARN", f"arn:aws:sns:{STANDBY}:{ACCOUNT}:no-such-topic")
    with pytest.raises(StepFailure) as raised:
        run(world)
    assert raised.value.step == "notify"
    assert world.gate()["HealthThreshold"] == 2  # the failover itself is complete
    monkeypatch.setenv("TOPIC_ARN", world.topic_arn)
    assert statuses(run(world))["notify"] == "skipped"  # the retry still publishes ("nothing to do")
    assert len(world.messages()) == 1


# ------------------------------------------------------------------------------------------- dry run


def test_dry_run_changes_nothing_and_publishes_nothing(world: World) -> None:
    result = run(world, {"dry_run": True})
    assert (result["status"], result["decision"], result["message_id"]) == ("dry-run", "fail-over", None)
    assert statuses(result) == {"confirm_primary_down": "done", **dict.fromkeys(STEP_NAMES[1:], "would"),
                                **NO_FILE_SYSTEMS}
    details = {step["step"]: step["detail"] for step in result["steps"]}
    assert "would promote read replica cafe-prod-replica" in details["promote_database"]
    assert (
        f"would set {ENDPOINT_PARAM}: 'cafe-prod.primary.eu-west-1.rds.amazonaws.com' -> "
        in details["update_parameters"]
    )
    assert (
        "would raise asg cafe-prod-web min/desired/max 0/0/0 -> 2/2/6; ecs cafe-prod/api scaling minimum 0 -> 2; "
        "ecs cafe-prod/api desired 0 -> 2"
        in (details["scale_standby"])
    )
    assert "would raise gate" in details["pin_dns"] and "HealthThreshold 1 -> 2" in details["pin_dns"]
    world.untouched()
    assert world.messages() == []
    assert world.clock.slept == []


def test_dry_run_through_the_lambda_entry_point_on_a_healthy_primary(world: World) -> None:
    world.set_alarm("OK")
    result = handler.handler({"dry_run": True}, None)  # the real clock and clients
    assert (result["status"], result["decision"]) == ("dry-run", "primary-healthy")
    assert statuses(result)["pin_dns"] == "would"
    world.untouched()
    assert world.messages() == []


def test_dry_run_reports_a_broken_dns_as_a_failure_without_publishing(world: World) -> None:
    route53 = client("route53", "us-east-1")
    route53.delete_health_check(HealthCheckId=world.gate_id)
    with pytest.raises(StepFailure, match=f"gate health check {world.gate_id} does not exist"):
        run(world, {"dry_run": True})
    assert world.messages() == []


# ------------------------------------------------------------------------------------------- Aurora global


@pytest.fixture
def aurora(world: World, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """An Aurora global database: writer cluster in the primary region, reader-only secondary in the standby."""
    primary_rds, standby_rds = client("rds", PRIMARY), client("rds", STANDBY)
    standby_rds.create_global_cluster(GlobalClusterIdentifier="cafe-global", Engine="aurora-mysql")  # gap 4
    primary_rds.create_db_cluster(
        DBClusterIdentifier="cafe-primary",
        Engine="aurora-mysql",
        MasterUsername="admin",
        MasterUserPassword="not-a-secret-1",
        GlobalClusterIdentifier="cafe-global",
    )
    primary_rds.create_db_instance(
        DBInstanceIdentifier="cafe-primary-1",
        DBClusterIdentifier="cafe-primary",
        Engine="aurora-mysql",
        DBInstanceClass="db.r6g.large",
    )
    secondary = standby_rds.create_db_cluster(
        DBClusterIdentifier="cafe-standby", Engine="aurora-mysql", GlobalClusterIdentifier="cafe-global"
    )["DBCluster"]
    standby_rds.create_db_instance(
        DBInstanceIdentifier="cafe-standby-1",
        DBClusterIdentifier="cafe-standby",
        Engine="aurora-mysql",
        DBInstanceClass="db.r6g.large",
    )
    monkeypatch.setenv(
        "DATABASE",
        json.dumps(
            {"kind": "aurora-global", "global_cluster": "cafe-global", "cluster_arn": secondary["DBClusterArn"]}
        ),
    )
    return {"arn": secondary["DBClusterArn"], "endpoint": secondary["Endpoint"]}


def global_members() -> list[str]:
    [global_cluster] = client("rds").describe_global_clusters(GlobalClusterIdentifier="cafe-global")["GlobalClusters"]
    return [member["DBClusterArn"] for member in global_cluster["GlobalClusterMembers"]]


def test_aurora_global_secondary_is_detached_and_promoted(world: World, aurora: dict[str, str]) -> None:
    cluster = client("rds").describe_db_clusters(DBClusterIdentifier=aurora["arn"])["DBClusters"][0]
    assert [m["IsClusterWriter"] for m in cluster["DBClusterMembers"]] == [False]  # a reader-only secondary
    dry = run(world, {"dry_run": True})
    assert "would detach cafe-standby from global cluster cafe-global" in dry["steps"][1]["detail"]
    assert aurora["arn"] in global_members()

    result = run(world)
    assert result["status"] == "failed-over"
    assert statuses(result)["promote_database"] == "done"
    assert (
        "detached cafe-standby from global cluster cafe-global; status available, detached, writer "
        "cafe-standby-1" in result["steps"][1]["detail"]
    )
    assert aurora["arn"] not in global_members()
    cluster = client("rds").describe_db_clusters(DBClusterIdentifier=aurora["arn"])["DBClusters"][0]
    assert [m["IsClusterWriter"] for m in cluster["DBClusterMembers"]] == [True]
    assert world.parameter(ENDPOINT_PARAM) == aurora["endpoint"] == result["database_endpoint"]
    world.replica()  # the instance replica of the fixture is not touched on this path
    assert world.replica()["ReadReplicaSourceDBInstanceIdentifier"]

    again = run(world)
    assert statuses(again)["promote_database"] == "skipped"
    assert "already detached from cafe-global" in again["steps"][1]["detail"]


# ------------------------------------------------------------------------------------------- EFS replicas

REPLICA, SOURCE_FS = "fs-0123456789abcdef0", "fs-0fedcba98765432100"
DELETE = {"SourceFileSystemId": SOURCE_FS}  # the call names the SOURCE, sent to the standby region


@dataclass
class EfsStub:
    """The step against a stubbed EFS client of the standby region (moto has no EFS replication API in
    process; the harness's patch is tested against the moto server in tests/emulator)."""

    stubber: Stubber
    run: Run
    clock: FakeClock

    def replica(self, protection: str, status: str | None) -> None:
        """One look at the replica: DescribeFileSystems, then DescribeReplicationConfigurations (None: none)."""
        system = {"OwnerId": ACCOUNT, "CreationToken": "saas-prod-vectors", "FileSystemId": REPLICA,
                  "CreationTime": datetime(2026, 1, 1, tzinfo=timezone.utc), "LifeCycleState": "available",
                  "NumberOfMountTargets": 2, "SizeInBytes": {"Value": 6144}, "PerformanceMode": "generalPurpose",
                  "Tags": [], "FileSystemProtection": {"ReplicationOverwriteProtection": protection}}
        self.stubber.add_response("describe_file_systems", {"FileSystems": [system]}, {"FileSystemId": REPLICA})
        if status is None:
            self.stubber.add_client_error("describe_replication_configurations", "ReplicationNotFound", "none",
                                          404, expected_params={"FileSystemId": REPLICA})
            return
        source_arn = f"arn:aws:elasticfilesystem:{PRIMARY}:{ACCOUNT}:file-system/{SOURCE_FS}"
        replication = {"SourceFileSystemId": SOURCE_FS, "SourceFileSystemRegion": PRIMARY,
                       "SourceFileSystemArn": source_arn, "OriginalSourceFileSystemArn": source_arn,
                       "CreationTime": datetime(2026, 1, 1, tzinfo=timezone.utc),
                       "Destinations": [{"Status": status, "FileSystemId": REPLICA, "Region": STANDBY}]}
        self.stubber.add_response("describe_replication_configurations", {"Replications": [replication]},
                                  {"FileSystemId": REPLICA})

    def detach(self) -> Outcome:
        outcome = detach_file_systems(self.run)
        self.stubber.assert_no_pending_responses()
        return outcome


@pytest.fixture
def efs(request: pytest.FixtureRequest) -> Iterator[EfsStub]:
    """FILE_SYSTEMS = [REPLICA] (parametrize indirectly with {"dry_run": True} or {"file_systems": []})."""
    options = getattr(request, "param", {})
    client = boto3.client("efs", region_name=STANDBY, aws_access_key_id="testing", aws_secret_access_key="testing")
    clock = FakeClock(datetime(2026, 1, 1, tzinfo=timezone.utc))
    env = {**valid_env(), "FILE_SYSTEMS": json.dumps(options.get("file_systems", [REPLICA]))}

    def factory(service: str, region_name: str) -> Any:
        assert (service, region_name) == ("efs", STANDBY)
        return client

    run = Run(Config.from_env(env), AwsClients(factory), clock, dry_run=options.get("dry_run", False))
    with Stubber(client) as stubber:
        yield EfsStub(stubber, run, clock)


@pytest.mark.parametrize("efs", [{"file_systems": []}], indirect=True)
def test_without_file_systems_the_step_calls_nothing(efs: EfsStub) -> None:
    outcome = efs.detach()
    assert (outcome.status, outcome.detail) == ("skipped", "FILE_SYSTEMS is empty: no file systems to detach")


def test_a_file_system_in_no_replication_is_skipped(efs: EfsStub) -> None:
    efs.replica("ENABLED", None)
    outcome = efs.detach()
    assert (outcome.status, outcome.detail) == ("skipped", f"already detached and writable: {REPLICA} writable")


def test_a_replica_is_detached_from_the_standby_region_and_waited_for(efs: EfsStub) -> None:
    efs.replica("REPLICATING", "ENABLED")
    efs.stubber.add_response("delete_replication_configuration", {}, DELETE)
    efs.replica("REPLICATING", "DELETING")  # right after the delete: still read-only
    efs.replica("REPLICATING", None)  # the configuration is gone, the protection not yet back
    efs.replica("ENABLED", None)
    outcome = efs.detach()
    assert outcome.status == "done"
    assert outcome.detail == (f"deleted the replication of {SOURCE_FS} ({PRIMARY}) to {REPLICA}; writable after "
                              f"30s: {REPLICA} writable")
    assert efs.clock.slept == [15.0, 15.0]


def test_a_deletion_under_way_is_waited_for_not_repeated(efs: EfsStub) -> None:
    efs.replica("REPLICATING", "DELETING")
    efs.replica("ENABLED", None)
    outcome = efs.detach()
    assert outcome.detail.startswith(f"the replication of {SOURCE_FS} ({PRIMARY}) to {REPLICA} was already being "
                                     "deleted; writable after 0s")


@pytest.mark.parametrize("efs", [{"dry_run": True}], indirect=True)
def test_a_dry_run_only_reads(efs: EfsStub) -> None:
    efs.replica("REPLICATING", "ENABLED")  # no delete is stubbed: calling it would fail the test
    outcome = efs.detach()
    assert (outcome.status, outcome.detail) == ("would", (
        f"would delete the replication of {SOURCE_FS} ({PRIMARY}) to {REPLICA}; would wait until writable "
        f"(now: {REPLICA} replica of {SOURCE_FS} ({PRIMARY}), ENABLED)"))
    assert efs.clock.slept == []


def test_without_the_primary_region_the_local_side_is_deleted_alone(efs: EfsStub) -> None:
    """EFS deletes both sides by default; when it cannot, LOCAL_CONFIGURATION_ONLY deletes the standby's."""
    efs.replica("REPLICATING", "ENABLED")
    efs.stubber.add_client_error("delete_replication_configuration", "InternalServerError",
                                 "unable to reach the source region", 500, expected_params=DELETE)
    efs.stubber.add_response("delete_replication_configuration", {},
                             {**DELETE, "DeletionMode": "LOCAL_CONFIGURATION_ONLY"})
    efs.replica("ENABLED", None)
    outcome = efs.detach()
    assert outcome.status == "done"
    assert (f"deleted the replication of {SOURCE_FS} ({PRIMARY}) to {REPLICA} in {STANDBY} only "
            "(DeleteReplicationConfiguration: InternalServerError: unable to reach the source region deleting both "
            f"sides): its source side remains in {PRIMARY}; delete it there when failing back") in outcome.detail


@pytest.mark.parametrize(("code", "retriable"), [("ThrottlingException", True), ("AccessDeniedException", False)])
def test_an_aws_error_is_reported_like_any_steps(efs: EfsStub, caplog: pytest.LogCaptureFixture, code: str,
                                                 retriable: bool) -> None:
    efs.replica("REPLICATING", "ENABLED")
    efs.stubber.add_client_error("delete_replication_configuration", code, "no", 400, expected_params=DELETE)
    caplog.set_level(logging.INFO, logger="dr_failover")
    result, error = _run_step(efs.run, "detach_file_systems", detach_file_systems)
    assert (result.status, result.retriable) == ("failed", retriable)
    assert result.detail == f"DeleteReplicationConfiguration: {code}: no"
    assert error is not None
    end = step_lines(caplog)[-1]
    assert (end["step"], end["phase"], end["status"], end["retriable"]) == ("detach_file_systems", "end", "failed",
                                                                           retriable)


def test_an_unknown_file_system_is_not_retriable(efs: EfsStub) -> None:
    efs.stubber.add_client_error("describe_file_systems", "FileSystemNotFound", "not found", 404,
                                 expected_params={"FileSystemId": REPLICA})
    with pytest.raises(StepError, match=f"EFS file system {REPLICA} does not exist in {STANDBY}: check FILE_SYSTEMS"
                       ) as raised:
        efs.detach()
    assert not raised.value.retriable


def test_a_read_only_file_system_in_no_replication_needs_a_hand(efs: EfsStub) -> None:
    """Protection DISABLED (made ready to be a destination, by hand) keeps it read-only: waiting cannot help."""
    efs.replica("DISABLED", None)
    with pytest.raises(StepError, match=f"DISABLED \\(read-only\\); fix: aws efs update-file-system-protection "
                       f"--region {STANDBY} --file-system-id {REPLICA}") as raised:
        efs.detach()
    assert not raised.value.retriable


def test_a_replica_that_never_becomes_writable_is_a_retriable_timeout(efs: EfsStub) -> None:
    efs.run.hard_deadline = 20.0  # the invocation's time runs out first: looks at 0 (twice), 15 and 20 s
    for _ in range(4):
        efs.replica("REPLICATING", "DELETING")
    with pytest.raises(StepError, match="gave up waiting for file system.*reached: .*DELETING") as raised:
        efs.detach()
    assert raised.value.retriable


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('["arn:aws:elasticfilesystem:eu-west-2:1:file-system/fs-1"]', "[0]='arn:aws:elasticfilesystem"),
        (f'["{REPLICA}", "{REPLICA}"]', f"[1] repeats {REPLICA}"),
        (f'"{REPLICA}"', "must be a JSON list, got str"),
        ("[fs-1", "is not valid JSON"),
    ],
)
def test_bad_file_systems_name_the_value_and_the_fix(value: str, expected: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        Config.from_env({**valid_env(), "FILE_SYSTEMS": value})
    [problem] = raised.value.problems
    assert problem.startswith(f"FILE_SYSTEMS={value!r}: ") and expected in problem and ". Fix: " in problem


def test_file_systems_default_to_none() -> None:
    assert Config.from_env(valid_env()).file_systems == ()
    assert Config.from_env({**valid_env(), "FILE_SYSTEMS": " []"}).file_systems == ()


# ------------------------------------------------------------------------------------------- pieces


def test_wait_until_reports_what_it_reached() -> None:
    clock = FakeClock(datetime(2026, 1, 1, tzinfo=timezone.utc))
    observed = iter(range(100))
    with pytest.raises(
        Exception, match="gave up waiting for the thing after 45s \\(WAIT_TIMEOUT_SECONDS\\); reached: 3 of 10"
    ):
        wait_until(lambda: (False, f"{next(observed)} of 10"), clock=clock, timeout=45, poll=15, what="the thing")
    assert clock.slept == [15, 15, 15]


def test_staged_package_imports_without_the_repository(tmp_path: Path) -> None:
    """What lambda_src.packaging would zip: the folder alone, boto3 from the runtime, no other dependency."""
    staged = stage_function(SOURCE, (), tmp_path / "dr_failover_zip")
    assert sorted(path.name for path in staged.iterdir()) == [".lambda-staging", "dr_failover"]
    probe = "import dr_failover.handler as h, sys; print(h.handler.__module__, 'lambda_src' in sys.modules)"
    completed = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=staged,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(staged), "PATH": "/usr/bin:/bin"},
        check=False,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split() == ["dr_failover.handler", "False"]
