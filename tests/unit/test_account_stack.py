"""Layer 1: the account stack exists only where configured and keeps its promises: MFA for admins,
CIS password policy, a deploy role only the named repository's workflows can assume, audit logs out
of its reach."""

from __future__ import annotations

import json

import pytest
from cdktf import Testing as CdktfTesting

from configuration import ConfigError, load
from stacks.account import AccountStack
from tests.support import only, resources


@pytest.fixture(scope="module")
def notebookly():
    return json.loads(CdktfTesting.synth(AccountStack(CdktfTesting.app(), load("notebookly", "prod"))))


def _statements(document, logical_prefix: str) -> list[dict]:
    documents = document["data"]["aws_iam_policy_document"]
    (found,) = [d for name, d in documents.items() if name.startswith(logical_prefix)]
    return found["statement"]


def test_only_environments_with_an_account_section_get_the_stack():
    assert AccountStack.applies_to(load("notebookly", "prod")) and AccountStack.applies_to(load("saas", "prod"))
    assert AccountStack.applies_to(load("levels", "prod")) and AccountStack.applies_to(load("cafe-dr", "prod"))
    assert not AccountStack.applies_to(load("notebookly", "dev"))
    assert not AccountStack.applies_to(load("cafe-dr", "dev")) and not AccountStack.applies_to(load("levels", "dev"))


def test_the_password_policy_follows_cis(notebookly):
    policy = only(notebookly, "aws_iam_account_password_policy")
    assert policy["minimum_password_length"] >= 14 and policy["password_reuse_prevention"] == 24
    assert policy["max_password_age"] == 90 and policy["require_symbols"] and policy["require_numbers"]


def test_admins_can_do_nothing_but_set_up_mfa_without_it(notebookly):
    statements = _statements(notebookly, "guardrails_admins-policy-document")
    deny = next(s for s in statements if s.get("effect") == "Deny")
    assert "iam:EnableMFADevice" in deny["not_actions"]
    assert deny["condition"][0]["variable"] == "aws:MultiFactorAuthPresent"
    assert deny["condition"][0]["values"] == ["false"]


def test_only_the_named_repository_and_environment_may_assume_the_deploy_role(notebookly):
    (trust,) = _statements(notebookly, "guardrails_deploy-role-trust")
    conditions = {c["variable"]: c["values"] for c in trust["condition"]}
    assert conditions["token.actions.githubusercontent.com:aud"] == ["sts.amazonaws.com"]
    assert conditions["token.actions.githubusercontent.com:sub"] == [
        "repo:notebookly/platform:environment:production"]


def test_the_deploy_role_reaches_this_environments_state_and_not_the_audit_logs(notebookly):
    statements = _statements(notebookly, "guardrails_deploy-policy-document")
    text = json.dumps(statements)
    assert "arn:aws:s3:::notebookly-prod-tfstate-123456789012/notebookly/prod/*" in text
    assert '"*"' not in json.dumps([s["actions"] for s in statements if s.get("effect", "Allow") == "Allow"])
    denied = [r for s in statements if s.get("effect") == "Deny" for r in s["resources"]]
    assert "arn:aws:s3:::${data.terraform_remote_state.ops.outputs.trail_bucket_name}/*" in denied


def test_a_wildcard_repository_is_refused(tmp_path):
    path = tmp_path / "shop.yaml"
    path.write_text("extends: notebookly/prod\naccount:\n  github: {organization: notebookly, repository: '*'}\n")
    with pytest.raises(ConfigError, match=r"account\.github\.repository.*'\*'.*fix:"):
        load(config_file=path)


def test_the_github_section_is_required(tmp_path):
    path = tmp_path / "shop.yaml"
    path.write_text("extends: notebookly/dev\naccount: {max_password_age_days: 30}\n")
    with pytest.raises(ConfigError, match=r"account\.github"):
        load(config_file=path)


def test_nothing_else_in_the_stack_is_open_ended(notebookly):
    assert set(resources(notebookly, "aws_iam_openid_connect_provider")) and set(
        resources(notebookly, "aws_iam_group"))


def test_a_deploy_role_nobody_can_assume_is_refused(tmp_path):
    path = tmp_path / "shop.yaml"
    path.write_text("extends: notebookly/dev\n"
                    "account:\n  github: {organization: shop, repository: infra, branches: []}\n")
    with pytest.raises(ConfigError, match=r"account\.github.*no workflow could deploy.*fix:"):
        load(config_file=path)
