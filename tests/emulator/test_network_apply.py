"""Layer 5: real `terraform apply` of the state and network stacks against moto on 127.0.0.1.

One moto server for the module, steps in order (pytest runs a module's tests top to bottom, and
--dist loadgroup keeps them on one worker): bootstrap the state bucket, apply the network with its
real S3 backend, re-plan clean, prove the lock, read the exports across stacks, destroy everything.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from configuration import load
from synth.app import STACK_TYPES, synthesize
from tests.consumer_stack import NetworkConsumerStack
from tests.emulator.runbook import empty_buckets, stop_access_logging
from tests.harness.terraform import TerraformError, hold_state_lock
from tests.workdirs import emulator_workdir

pytestmark = [pytest.mark.emulator, pytest.mark.xdist_group("emulator")]
BLUEPRINT, ENVIRONMENT = "notebookly", "prod"


@pytest.fixture(scope="module")
def outdir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("emulator-synth")
    synthesize(load(BLUEPRINT, ENVIRONMENT), out, stack_types=(*STACK_TYPES, NetworkConsumerStack))
    return out


@pytest.fixture(scope="module")
def workdirs(outdir, moto, tmp_path_factory):
    root = tmp_path_factory.mktemp("emulator-workdirs")
    prefix = f"{BLUEPRINT}-{ENVIRONMENT}"
    return {layer: emulator_workdir(outdir, f"{prefix}-{layer}", root / layer, moto.endpoint_url)
            for layer in ("state", "network", "consumer")}


STATE_BUCKET = "notebookly-prod-tfstate-123456789012"


@pytest.fixture(scope="module")
def aws(emulator_client):
    return lambda service: emulator_client(service, "ap-south-1")


def test_state_stack_applies_and_plans_clean(workdirs, aws):
    state = workdirs["state"]
    assert state.apply_then_plan() == 0, state.last_plan_output
    s3 = aws("s3")
    assert s3.get_bucket_versioning(Bucket=STATE_BUCKET)["Status"] == "Enabled"
    rule = s3.get_bucket_encryption(Bucket=STATE_BUCKET)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    block = s3.get_public_access_block(Bucket=STATE_BUCKET)["PublicAccessBlockConfiguration"]
    assert all(block.values())
    assert s3.get_bucket_logging(Bucket=STATE_BUCKET)["LoggingEnabled"]["TargetBucket"].endswith("-access-logs")
    rule = s3.get_bucket_replication(Bucket=STATE_BUCKET)["ReplicationConfiguration"]["Rules"][0]
    assert rule["Destination"]["Bucket"] == f"arn:aws:s3:::{STATE_BUCKET}-ap-southeast-1"
    assert rule["DeleteMarkerReplication"]["Status"] == "Enabled"


def test_network_applies_into_the_remote_state_and_plans_clean(workdirs, aws):
    network = workdirs["network"]
    assert network.apply_then_plan() == 0, network.last_plan_output
    state = json.loads(aws("s3").get_object(Bucket=STATE_BUCKET, Key="notebookly/prod/network.tfstate")["Body"].read())
    assert set(state["outputs"]) >= {"vpc_id", "app_subnet_ids", "data_subnet_ids"}
    ec2 = aws("ec2")
    vpc = ec2.describe_vpcs(VpcIds=[state["outputs"]["vpc_id"]["value"]])["Vpcs"][0]
    tags = {t["Key"]: t["Value"] for t in vpc["Tags"]}
    assert vpc["CidrBlock"] == "10.1.0.0/16" and tags["Name"] == "notebookly-prod-vpc"
    assert tags["Environment"] == "prod" and tags["CostCenter"] == "notebookly-web"
    nats = ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["NatGateways"]
    assert len([n for n in nats if n["State"] == "available"]) == 2
    flow_logs = ec2.describe_flow_logs()["FlowLogs"]
    assert [f["TrafficType"] for f in flow_logs if f["ResourceId"] == vpc["VpcId"]] == ["ALL"]


def test_a_second_writer_is_refused_while_the_state_is_locked(workdirs, tmp_path):
    network = workdirs["network"]
    rival = network.clone(tmp_path / "rival")
    rival.init()
    with hold_state_lock(network):
        with pytest.raises(TerraformError, match="Error acquiring the state lock"):
            rival.plan(extra_args=["-lock-timeout=2s"])
    assert rival.plan(detailed_exitcode=True) == 0  # the lock is released again


def test_a_consumer_stack_reads_the_network_exports_through_remote_state(workdirs, aws):
    consumer = workdirs["consumer"]
    assert consumer.apply_then_plan() == 0, consumer.last_plan_output
    network_outputs = workdirs["network"].output()
    assert consumer.output()["seen_app_subnet_ids"]["value"] == network_outputs["app_subnet_ids"]["value"]
    groups = aws("ec2").describe_security_groups(Filters=[{"Name": "group-name", "Values": ["notebookly-prod-probe"]}])
    assert groups["SecurityGroups"][0]["VpcId"] == network_outputs["vpc_id"]["value"]
    consumer.destroy()


def test_everything_destroys_cleanly(workdirs, aws):
    workdirs["network"].destroy()
    ec2 = aws("ec2")
    assert not ec2.describe_vpcs(Filters=[{"Name": "tag:Project", "Values": ["notebookly"]}])["Vpcs"]
    s3 = aws("s3")
    state = workdirs["state"]
    # The runbook for the bootstrap stack (tests/emulator/runbook.py): stop access logging, empty both
    # buckets deliberately, then destroy.
    stop_access_logging(state)
    buckets = empty_buckets(s3, STATE_BUCKET)
    assert len(buckets) == 4  # state and access logs, in the primary and the secondary region
    state.destroy()
    assert not [b for b in s3.list_buckets()["Buckets"] if b["Name"].startswith(STATE_BUCKET)]
