"""The rotation function of the generated secrets (lambda_src/secret_rotation) against moto in process: Secrets
Manager's four steps on a secret created empty (its first value) and on one with a value (a new one, the old kept
as AWSPREVIOUS), each step repeated (Secrets Manager retries), and the refusals: a secret not on the function's
allow-list (a vendor's key), a version not staged for rotation, a bad pending value, malformed events and settings.

RotateSecret runs as AWS runs it through tests/harness/moto_secrets_patches.py (moto 5.2.5 cannot start a rotation
on an empty secret and runs rotation functions only in Docker); its RUNNER here calls the handler in process, with
the function's environment, step after step, stopping at the first failure as Secrets Manager does.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

import boto3
import pytest
from moto import mock_aws

from lambda_src.secret_rotation import RotationError
from lambda_src.secret_rotation import handler as rotation_handler
from lambda_src.secret_rotation.settings import GeneratedSecret, load
from tests.harness import moto_secrets_patches
from tests.harness.moto_secrets_patches import SECRETS_PATCHES, STEPS, RotationRun

REGION, ACCOUNT = "eu-west-1", "123456789012"
GENERATED, VENDOR = "saas/prod/jwt-signing-key", "saas/prod/llm-api-key"
LENGTH = 64
SETTINGS = json.dumps({GENERATED: {"length": LENGTH}})
PATCHED = (("moto.secretsmanager.models", "SecretsManagerBackend", "rotate_secret"),
           ("moto.secretsmanager.models", "SecretsManagerBackend", "update_secret_version_stage"),
           ("moto.secretsmanager.responses", "SecretsManagerResponse", "rotate_secret"))


@dataclass
class Rotations:
    """moto with the harness's RotateSecret, a rotation function registered in Lambda, and what each run did."""

    client: object
    function_arn: str
    failures: list[tuple[str, Exception]] = field(default_factory=list)

    def create(self, name: str, value: str | None = None) -> str:
        extra = {"SecretString": value} if value is not None else {}
        return self.client.create_secret(Name=name, Description="test", **extra)["ARN"]

    def rotate(self, arn: str) -> str:
        return self.client.rotate_secret(SecretId=arn, RotationLambdaARN=self.function_arn,
                                         RotationRules={"AutomaticallyAfterDays": 30})["VersionId"]

    def stages(self, arn: str) -> dict[str, list[str]]:
        return self.client.describe_secret(SecretId=arn).get("VersionIdsToStages", {})

    def current(self, arn: str) -> str:
        return self.client.get_secret_value(SecretId=arn, VersionStage="AWSCURRENT")["SecretString"]


@pytest.fixture
def rotations(monkeypatch) -> Iterator[Rotations]:
    import importlib

    for module, owner, name in PATCHED:  # restored after the test: other tests see moto as it is
        cls = getattr(importlib.import_module(module), owner)
        monkeypatch.setattr(cls, name, getattr(cls, name))
    for patch in SECRETS_PATCHES:
        patch()
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        state = Rotations(client=boto3.client("secretsmanager", region_name=REGION), function_arn=_function())

        def run_in_process(run: RotationRun) -> None:
            """Lambda's part: each step with the function's environment; Secrets Manager stops at a failure."""
            with monkeypatch.context() as environment:
                for variable, value in run.environment.items():
                    environment.setenv(variable, value)
                for event in run.events():
                    try:
                        rotation_handler.handler(event, None)
                    except Exception as error:  # noqa: BLE001 - recorded for the test to assert on
                        state.failures.append((event["Step"], error))
                        return

        monkeypatch.setattr(moto_secrets_patches, "RUNNER", run_in_process)
        yield state


def _function() -> str:
    """A function moto knows (RotateSecret checks it exists), with the settings the construct gives it."""
    iam = boto3.client("iam", region_name=REGION)
    role = iam.create_role(RoleName="rotation", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "lambda.amazonaws.com"}}]}))["Role"]["Arn"]
    return boto3.client("lambda", region_name=REGION).create_function(
        FunctionName="saas-prod-secret-rotation", Runtime="python3.12", Role=role,
        Handler="secret_rotation.handler.handler", Code={"ZipFile": _zip()},
        Environment={"Variables": {"GENERATED_SECRETS": SETTINGS}})["FunctionArn"]


def _zip() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("secret_rotation/__init__.py", "")
    return buffer.getvalue()


def _random_value_of_the_configured_shape(value: str) -> bool:
    return len(value) == LENGTH and value.isascii() and value.isalnum()


# -- what a rotation does ---------------------------------------------------------------------------------


def test_a_secret_created_empty_gets_its_first_value_from_the_rotation(rotations):
    arn = rotations.create(GENERATED)
    token = rotations.rotate(arn)
    assert rotations.failures == []
    assert _random_value_of_the_configured_shape(rotations.current(arn))
    assert rotations.stages(arn) == {token: ["AWSPENDING", "AWSCURRENT"]}
    described = rotations.client.describe_secret(SecretId=arn)
    assert described["RotationEnabled"] is True and described["RotationRules"]["AutomaticallyAfterDays"] == 30


def test_a_second_rotation_makes_a_new_value_and_keeps_the_old_one_as_previous(rotations):
    arn = rotations.create(GENERATED)
    first_token = rotations.rotate(arn)
    first = rotations.current(arn)
    second_token = rotations.rotate(arn)
    assert rotations.failures == []
    second = rotations.current(arn)
    assert second != first and _random_value_of_the_configured_shape(second)
    stages = rotations.stages(arn)
    assert "AWSCURRENT" in stages[second_token] and stages[first_token] == ["AWSPREVIOUS"]
    previous = rotations.client.get_secret_value(SecretId=arn, VersionStage="AWSPREVIOUS")["SecretString"]
    assert previous == first  # tokens signed before the rotation still verify
    assert rotations.client.get_secret_value(SecretId=arn)["SecretString"] == second  # no stage: AWSCURRENT


def test_every_step_can_be_repeated_as_secrets_manager_retries_them(rotations, monkeypatch):
    arn = rotations.create(GENERATED, "an-operator-put-this-value-before-rotation-was-configured-0000000")
    monkeypatch.setattr(moto_secrets_patches, "RUNNER", lambda run: None)  # stage only; the test calls the steps
    token = rotations.rotate(arn)
    generated = load({"GENERATED_SECRETS": SETTINGS})
    outcomes = []
    for step in STEPS:
        outcomes.append(rotation_handler.rotate(step, arn, token, rotations.client, generated))
        if step == "createSecret":
            made = rotations.client.get_secret_value(SecretId=arn, VersionId=token)["SecretString"]
        outcomes.append(rotation_handler.rotate(step, arn, token, rotations.client, generated))
    assert outcomes == ["pending value made", "pending value already made",
                        "nothing holds a copy to set", "nothing holds a copy to set",
                        "pending value tested", "pending value tested",
                        "now current", "already current"]
    assert rotations.current(arn) == made


def test_the_value_never_reaches_the_log(rotations, caplog):
    arn = rotations.create(GENERATED)
    with caplog.at_level(logging.INFO, logger="secret_rotation"):
        rotations.rotate(arn)
    value = rotations.current(arn)
    assert [json.loads(r.getMessage())["step"] for r in caplog.records] == list(STEPS)
    assert all(value not in record.getMessage() for record in caplog.records)


# -- what it refuses ----------------------------------------------------------------------------------------


def test_a_vendor_key_pointed_at_the_function_is_refused_and_keeps_its_value(rotations):
    arn = rotations.create(VENDOR, "sk-issued-by-the-vendor")
    rotations.rotate(arn)
    ((step, error),) = rotations.failures
    assert step == "createSecret" and isinstance(error, RotationError)
    assert VENDOR in str(error) and "fix:" in str(error) and "vendor" in str(error)
    assert rotations.current(arn) == "sk-issued-by-the-vendor"


def test_a_pending_value_of_the_wrong_shape_fails_the_test_step_and_nothing_moves(rotations, monkeypatch):
    arn = rotations.create(GENERATED, "0" * LENGTH)
    monkeypatch.setattr(moto_secrets_patches, "RUNNER", lambda run: None)
    token = rotations.rotate(arn)
    rotations.client.put_secret_value(SecretId=arn, ClientRequestToken=token, SecretString="short-and-with-punct!",
                                      VersionStages=["AWSPENDING"])
    generated = load({"GENERATED_SECRETS": SETTINGS})
    with pytest.raises(RotationError, match=f"not a string of {LENGTH} characters"):
        rotation_handler.rotate("testSecret", arn, token, rotations.client, generated)
    assert rotations.current(arn) == "0" * LENGTH


def test_a_pending_value_equal_to_the_current_one_is_refused(rotations, monkeypatch):
    arn = rotations.create(GENERATED, "A1" * (LENGTH // 2))
    monkeypatch.setattr(moto_secrets_patches, "RUNNER", lambda run: None)
    token = rotations.rotate(arn)
    rotations.client.put_secret_value(SecretId=arn, ClientRequestToken=token, SecretString="A1" * (LENGTH // 2),
                                      VersionStages=["AWSPENDING"])
    with pytest.raises(RotationError, match="equals the current one"):
        rotation_handler.rotate("testSecret", arn, token, rotations.client, load({"GENERATED_SECRETS": SETTINGS}))


def test_a_secret_without_rotation_on_is_refused(rotations):
    arn = rotations.create(GENERATED, "x" * LENGTH)
    with pytest.raises(RotationError, match="does not have rotation enabled"):
        rotation_handler.rotate("createSecret", arn, "0" * 36, rotations.client,
                                {GENERATED: GeneratedSecret(GENERATED, LENGTH)})


def test_a_version_not_staged_for_rotation_is_refused(rotations, monkeypatch):
    arn = rotations.create(GENERATED, "x" * LENGTH)
    monkeypatch.setattr(moto_secrets_patches, "RUNNER", lambda run: None)
    rotations.rotate(arn)
    with pytest.raises(RotationError, match="no version 0{36} staged for rotation"):
        rotation_handler.rotate("createSecret", arn, "0" * 36, rotations.client,
                                {GENERATED: GeneratedSecret(GENERATED, LENGTH)})
    assert rotations.current(arn) == "x" * LENGTH


def test_a_new_rotation_waits_for_an_unfinished_one(rotations, monkeypatch):
    """What RotateSecret answers (the harness states AWS's rule) while a failed rotation's version is pending."""
    arn = rotations.create(GENERATED, "x" * LENGTH)
    monkeypatch.setattr(moto_secrets_patches, "RUNNER", lambda run: None)  # the function never finishes
    rotations.rotate(arn)
    with pytest.raises(rotations.client.exceptions.InvalidRequestException, match="previous rotation isn't complete"):
        rotations.rotate(arn)


@pytest.mark.parametrize(("event", "fragment"), [
    ("createSecret", "JSON object"),
    ({"Step": "createSecret", "SecretId": "arn"}, "lacks ['ClientRequestToken']"),
    ({"Step": "rotateEverything", "SecretId": "arn", "ClientRequestToken": "t"}, "unknown step 'rotateEverything'"),
])
def test_events_that_are_not_rotation_requests_are_refused(event, fragment):
    with pytest.raises(RotationError) as error:
        rotation_handler.parse_event(event)
    assert fragment in str(error.value)


@pytest.mark.parametrize(("environment", "fragment"), [
    ({}, "GENERATED_SECRETS is not set"),
    ({"GENERATED_SECRETS": "{not json"}, "is not JSON"),
    ({"GENERATED_SECRETS": "{}"}, "non-empty JSON object"),
    ({"GENERATED_SECRETS": json.dumps({GENERATED: {"length": 8}})}, "has length 8; fix: an integer from 32"),
])
def test_malformed_settings_are_refused_with_the_fix(environment, fragment):
    with pytest.raises(RotationError) as error:
        load(environment)
    assert fragment in str(error.value)
