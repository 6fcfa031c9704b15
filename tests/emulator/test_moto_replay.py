"""The harness's moto answers a retried call (same amz-sdk-invocation-id, a later attempt) with the answer
its first attempt got, so a response lost on the way to terraform cannot turn into a spurious
InvalidGroup.Duplicate; a new invocation, or a first attempt, is still carried out (and refused) as AWS would."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

from tests.harness.moto_server import MotoServer

pytestmark = [pytest.mark.emulator, pytest.mark.xdist_group("emulator-moto-replay")]
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only


def _call(moto: MotoServer, action: dict[str, str], invocation: str, attempt: int) -> tuple[int, str]:
    body = urllib.parse.urlencode({**action, "Version": "2016-11-15"}).encode()
    request = urllib.request.Request(moto.endpoint_url + "/", data=body, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20261126/eu-west-1/ec2/aws4_request, "
                         "SignedHeaders=host, Signature=0",
        "amz-sdk-invocation-id": invocation, "amz-sdk-request": f"attempt={attempt}; max=2"})
    try:
        with OPENER.open(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_a_retried_create_gets_the_first_attempts_answer(moto, emulator_client):
    vpc = emulator_client("ec2", "eu-west-1").create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    create = {"Action": "CreateSecurityGroup", "GroupName": "replayed", "GroupDescription": "x", "VpcId": vpc}
    invocation = str(uuid.uuid4())
    first = _call(moto, create, invocation, attempt=1)
    assert first[0] == 200 and "<groupId>sg-" in first[1]
    assert _call(moto, create, invocation, attempt=2) == first  # the lost answer, not a second create
    refused = _call(moto, create, str(uuid.uuid4()), attempt=1)  # another call: AWS refuses the duplicate
    assert refused[0] == 400 and "InvalidGroup.Duplicate" in refused[1]
    again = _call(moto, create, invocation, attempt=1)  # a first attempt is always carried out
    assert again[0] == 400 and "InvalidGroup.Duplicate" in again[1]
    groups = emulator_client("ec2", "eu-west-1").describe_security_groups(
        Filters=[{"Name": "group-name", "Values": ["replayed"]}])["SecurityGroups"]
    assert len(groups) == 1


def test_a_retry_whose_first_attempt_never_arrived_is_carried_out(moto, emulator_client):
    vpc = emulator_client("ec2", "eu-west-1").create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    create = {"Action": "CreateSecurityGroup", "GroupName": "second-attempt", "GroupDescription": "x", "VpcId": vpc}
    status, body = _call(moto, create, str(uuid.uuid4()), attempt=2)
    assert status == 200 and "<groupId>sg-" in body


def test_a_retry_after_a_refusal_is_carried_out_again(moto, emulator_client):
    """Errors are not replayed: SDKs retry throttling and eventual-consistency codes on purpose."""
    ec2 = emulator_client("ec2", "eu-west-1")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    create = {"Action": "CreateSecurityGroup", "GroupName": "refused-first", "GroupDescription": "x", "VpcId": vpc}
    existing = _call(moto, create, str(uuid.uuid4()), attempt=1)
    assert existing[0] == 200
    invocation = str(uuid.uuid4())
    refused = _call(moto, create, invocation, attempt=1)
    assert refused[0] == 400 and "InvalidGroup.Duplicate" in refused[1]
    group_id = existing[1].split("<groupId>")[1].split("</groupId>")[0]
    ec2.delete_security_group(GroupId=group_id)
    retried = _call(moto, create, invocation, attempt=2)
    assert retried[0] == 200 and "<groupId>sg-" in retried[1] and group_id not in retried[1]
