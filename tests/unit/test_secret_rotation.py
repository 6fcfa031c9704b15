"""Layer 1: rotation of the generated application secrets (data.secrets.<name>.generated, seed 002's "Secrets
Manager with automatic rotation"): saas's jwt-signing-key gets a schedule every 30 days and a rotation function
that may touch only that secret and its key; the vendor's llm-api-key gets none (configuration refuses it), the
ops stack alarms on the function's failures, and the construct refuses what Secrets Manager would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modules.app_config import RotatedSecret, SecretRotationProps
from stacks.data import staged_secret_rotation
from tests.support import (
    ALL_ENVIRONMENTS,
    assert_refused,
    only,
    policy_document,
    policy_statement,
    resources,
    stack_document,
    statement_conditions,
)

SAAS = [("saas", "dev"), ("saas", "prod"), ("saas", "prod+warm-standby")]
ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop/prod/signing-key-AbCdEf"


@pytest.fixture(scope="module")
def data(synthesized):
    return {key: stack_document(outdir, "data") for key, outdir in synthesized.items()}


def _secret_ref(document, name: str) -> str:
    (logical,) = [k for k, s in resources(document, "aws_secretsmanager_secret").items() if s["name"] == name]
    return "${aws_secretsmanager_secret.%s.arn}" % logical


def _role_policy(document) -> dict:
    (policy,) = [p for k, p in resources(document, "aws_iam_role_policy").items() if k.startswith("secret-rotation_")]
    return policy_document(document, policy["policy"])


@pytest.mark.parametrize("environment", SAAS, ids="-".join)
def test_the_generated_jwt_key_rotates_every_30_days_and_the_vendor_key_not_at_all(data, environment):
    document, prefix = data[environment], "saas/" + environment[1].split("+")[0]
    schedule = only(document, "aws_secretsmanager_secret_rotation")
    assert schedule["secret_id"] == _secret_ref(document, f"{prefix}/jwt-signing-key")
    assert schedule["rotation_rules"] == {"automatically_after_days": 30}
    assert schedule["rotate_immediately"] is True  # a new secret has its first value when the apply ends
    function = only(document, "aws_lambda_function")
    assert schedule["rotation_lambda_arn"] == "${aws_lambda_function.%s.arn}" % next(
        iter(resources(document, "aws_lambda_function")))
    assert schedule["depends_on"] == ["aws_lambda_permission.%s" % next(iter(resources(document,
                                                                                        "aws_lambda_permission")))]
    assert json.loads(function["environment"]["variables"]["GENERATED_SECRETS"]) == {
        f"{prefix}/jwt-signing-key": {"length": 64}}


@pytest.mark.parametrize("environment", SAAS, ids="-".join)
def test_the_rotation_function_follows_the_projects_lambda_conventions(data, environment):
    function = only(data[environment], "aws_lambda_function")
    assert function["function_name"] == f"saas-{environment[1].split('+')[0]}-secret-rotation"
    assert (function["handler"], function["runtime"]) == ("secret_rotation.handler.handler", "python3.12")
    assert function["tracing_config"] == {"mode": "Active"}
    assert function["reserved_concurrent_executions"] == 1  # one per generated secret: never throttled
    assert function["dead_letter_config"]["target_arn"].startswith("${aws_sqs_queue.secret-rotation_failures_")
    assert function["kms_key_arn"].startswith("${aws_kms_key.secret-rotation_key_")
    assert "vpc_config" not in function  # only Secrets Manager's API (accepted CKV_AWS_117, with the reason)


@pytest.mark.parametrize("environment", SAAS, ids="-".join)
def test_the_function_may_touch_only_the_generated_secret_and_its_key(data, environment):
    document, prefix = data[environment], "saas/" + environment[1].split("+")[0]
    policy = _role_policy(document)
    rotate = policy_statement(policy, "RotateTheGeneratedSecretsOnly")
    assert rotate["resources"] == [_secret_ref(document, f"{prefix}/jwt-signing-key")]
    assert sorted(rotate["actions"]) == ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue",
                                         "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"]
    random = policy_statement(policy, "DrawRandomValues")
    assert (random["actions"], random["resources"]) == (["secretsmanager:GetRandomPassword"], ["*"])
    key = policy_statement(policy, "SecretsKeyThroughSecretsManager")
    (config_key,) = [k for k in resources(document, "aws_kms_key") if k.startswith("config-key_")]
    assert key["resources"] == ["${aws_kms_key.%s.arn}" % config_key]  # the key the secrets are encrypted with
    via = ("secretsmanager.eu-west-1.amazonaws.com",)
    assert statement_conditions(key) == {("StringEquals", "kms:ViaService", via)}
    text = json.dumps(policy)
    assert _secret_ref(document, f"{prefix}/llm-api-key") not in text and "secretsmanager:*" not in text
    permission = only(document, "aws_lambda_permission")
    assert (permission["principal"], permission["source_account"], permission["action"]) == (
        "secretsmanager.amazonaws.com", "123456789012", "lambda:InvokeFunction")


@pytest.mark.parametrize("environment", [e for e in ALL_ENVIRONMENTS if e[0] != "saas"], ids="-".join)
def test_blueprints_without_generated_secrets_get_no_rotation(data, environment):
    document = data[environment]
    for kind in ("aws_secretsmanager_secret_rotation", "aws_lambda_function", "aws_lambda_permission"):
        assert not resources(document, kind), kind


def test_the_ops_stack_alarms_when_a_rotation_fails(synthesized):
    alarms = {a["alarm_name"]: a for a in resources(stack_document(synthesized[("saas", "prod")], "ops"),
                                                      "aws_cloudwatch_metric_alarm").values()}
    alarm = alarms["saas-prod-secret-rotation-errors"]
    assert (alarm["namespace"], alarm["metric_name"], alarm["dimensions"]) == (
        "AWS/Lambda", "Errors", {"FunctionName": "saas-prod-secret-rotation"})
    assert "rotate-secret" in alarm["alarm_description"] and alarm["treat_missing_data"] == "notBreaching"
    notebookly = resources(stack_document(synthesized[("notebookly", "prod")], "ops"), "aws_cloudwatch_metric_alarm")
    assert not [a for a in notebookly.values() if "secret-rotation" in a["alarm_name"]]


def test_the_staged_package_holds_the_handler_and_nothing_of_the_repository():
    staged = staged_secret_rotation()
    files = sorted(str(p.relative_to(staged)) for p in staged.rglob("*") if p.is_file())
    assert files == [".lambda-staging", "secret_rotation/__init__.py", "secret_rotation/handler.py",
                     "secret_rotation/settings.py", "secret_rotation/steps.py"]


@pytest.mark.parametrize(("body", "fragments"), [
    ("data:\n  secrets:\n    llm-api-key: {description: vendor key, rotation_days: 30}\n",
     ["data.secrets.llm-api-key", "rotation_days 30", "vendor", "generated: true", "security-incident.md"]),
    ("data:\n  secrets:\n    jwt-signing-key: {description: signs, generated: true, rotation_days: null}\n",
     ["data.secrets.jwt-signing-key", "without rotation_days", "e.g. 30"]),
    ("data:\n  secrets:\n    llm-api-key: {description: vendor key, length: 40}\n",
     ["data.secrets.llm-api-key", "length 40", "not generated"]),
    ("data:\n  secrets:\n    jwt-signing-key: {description: signs, generated: true, rotation_days: 400}\n",
     ["rotation_days", "400"]),
    ("data:\n  secrets:\n    jwt-signing-key: {description: signs, generated: true, rotation_days: 30, length: 16}\n",
     ["length", "16"]),
])
def test_bad_rotation_settings_are_refused(tmp_path, body, fragments):
    assert_refused(tmp_path, "saas/prod", body, fragments)


@pytest.mark.parametrize(("secret", "fragment"), [
    (dict(key="signing-key", name="shop/prod/signing-key", arn=ARN, rotation_days=0), "rotation_days 0"),
    (dict(key="signing-key", name="shop/prod/signing-key", arn=ARN, rotation_days=30, length=8), "length 8"),
    (dict(key="Signing_Key", name="shop/prod/signing-key", arn=ARN, rotation_days=30), "'Signing_Key'"),
])
def test_the_construct_refuses_what_secrets_manager_would(secret, fragment):
    with pytest.raises(ValueError) as error:
        RotatedSecret(**secret)
    assert fragment in str(error.value) and "fix:" in str(error.value)


@pytest.mark.parametrize(("secrets", "fragment"), [
    ([], "has no secrets"),
    ([RotatedSecret("signing-key", "shop/prod/signing-key", ARN, 30)] * 2, "repeat a key"),
])
def test_the_construct_needs_distinct_secrets(secrets, fragment):
    with pytest.raises(ValueError, match=fragment):
        SecretRotationProps(function_name="shop-prod-secret-rotation", secrets=secrets, secrets_key_arn="k",
                            code_dir=Path("."), region="eu-west-1", account_id="123456789012")
