"""Layer 1: the account sections of levels and cafe-dr prod (seed 003 L189: CI/CD gets "fine granular permissions";
seed 001 L20: least privilege for user accounts) and the publisher roles of the application's CI
(account.publishers): put objects under named buckets' prefixes and invalidate the distributions serving them,
nothing else; bad publishers are refused before anything is built."""

from __future__ import annotations

import json

import pytest
from cdktf import TerraformStack
from cdktf import Testing as CdktfTesting

from configuration import load
from configuration.account import Account, account_rules
from modules.account import GitHubPublisher, GitHubPublisherProps, PublishTarget
from stacks.account import AccountStack
from tests.support import assert_refused, only, policy_document, policy_statement, resources, statement_conditions

ACCOUNT = "123456789012"
OIDC = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
DATA_KEY = "${data.terraform_remote_state.data.outputs.kms_key_storage_arn}"


@pytest.fixture(scope="module")
def stacks() -> dict[str, dict]:
    """blueprint -> its prod account stack JSON, for the two blueprints that gained one."""
    return {blueprint: json.loads(CdktfTesting.synth(AccountStack(CdktfTesting.app(), load(blueprint, "prod"))))
            for blueprint in ("levels", "cafe-dr")}


def _role(document: dict, name: str) -> dict:
    (role,) = [r for r in resources(document, "aws_iam_role").values() if r["name"] == name]
    return role


def _inline_policy(document: dict, role_reference_prefix: str) -> dict:
    (policy,) = [p for p in resources(document, "aws_iam_role_policy").values()
                 if p["role"].startswith(role_reference_prefix)]
    return policy_document(document, policy["policy"])


@pytest.mark.parametrize("blueprint", ["levels", "cafe-dr"])
def test_prod_gets_cis_passwords_mfa_admins_and_a_deploy_role_behind_the_approval(stacks, blueprint):
    document = stacks[blueprint]
    policy = only(document, "aws_iam_account_password_policy")
    assert (policy["minimum_password_length"], policy["password_reuse_prevention"], policy["max_password_age"]) == (
        14, 24, 90)
    admins = policy_document(document, only(document, "aws_iam_policy")["policy"])
    deny = policy_statement(admins, "BlockMostAccessUnlessSignedInWithMFA")
    assert deny["effect"] == "Deny" and "iam:EnableMFADevice" in deny["not_actions"]
    assert only(document, "aws_iam_group")["name"] == f"{blueprint}-prod-admins"
    trust = policy_document(document, _role(document, f"{blueprint}-prod-github-deploy")["assume_role_policy"])
    assert ("StringLike", "token.actions.githubusercontent.com:sub",
            (f"repo:{blueprint}-example/platform:environment:production",)) in statement_conditions(
                trust["statement"][0])


def test_levels_app_ci_may_assume_only_its_publisher_role_from_the_approved_environment(stacks):
    document = stacks["levels"]
    role = _role(document, "levels-prod-github-publish-app")
    (trust,) = policy_document(document, role["assume_role_policy"])["statement"]
    assert trust["actions"] == ["sts:AssumeRoleWithWebIdentity"]
    assert trust["principals"][0]["identifiers"] == [
        "${aws_iam_openid_connect_provider.guardrails_github-oidc-provider_3A8E8607.arn}"]
    assert statement_conditions(trust) == {
        ("StringEquals", "token.actions.githubusercontent.com:aud", ("sts.amazonaws.com",)),
        ("StringLike", "token.actions.githubusercontent.com:sub", ("repo:levels-example/app:environment:production",))}
    assert role["max_session_duration"] == 3600
    assert document["output"]["publisher_app_role_arn"]["value"] == "${aws_iam_role.publisher-app_role_82D0F9E8.arn}"


def test_levels_publisher_puts_builds_and_bundles_and_invalidates_the_assets_distribution_only(stacks):
    policy = _inline_policy(stacks["levels"], "${aws_iam_role.publisher-app_role_")
    buckets = ["arn:aws:s3:::levels-prod-web-assets-123456789012", "arn:aws:s3:::levels-prod-deployments-123456789012"]
    assert policy_statement(policy, "PutBuilds")["resources"] == [f"{b}/*" for b in buckets]
    assert policy_statement(policy, "ListWholeBuckets")["resources"] == buckets
    key = policy_statement(policy, "UseBucketKeyThroughS3")
    assert key["resources"] == [DATA_KEY]
    assert statement_conditions(key) == {("StringEquals", "kms:ViaService", ("s3.us-east-1.amazonaws.com",))}
    invalidate = policy_statement(policy, "InvalidateServingDistributions")
    assert invalidate["resources"] == [  # web-assets is served (assets.), deployments is private
        f"arn:aws:cloudfront::{ACCOUNT}:distribution/${{data.terraform_remote_state.edge.outputs."
        "assets_web_assets_distribution_id}"]
    actions = {a for s in policy["statement"] for a in s["actions"]}
    assert actions == {"s3:PutObject", "s3:ListBucket", "kms:GenerateDataKey", "kms:Decrypt",
                       "cloudfront:CreateInvalidation", "cloudfront:GetInvalidation", "cloudfront:ListInvalidations"}
    assert all(s.get("effect", "Allow") == "Allow" and "*" not in s["resources"] for s in policy["statement"])


def test_the_deploy_role_may_not_change_the_publisher_role(stacks):
    document = stacks["levels"]
    deploy = _inline_policy(document, "${aws_iam_role.guardrails_deploy-role_")
    guarded = policy_statement(deploy, "DenyChangingTheGuardrails")["resources"]
    assert f"arn:aws:iam::{ACCOUNT}:role/levels-prod-github-publish-app" in guarded
    cafe = _inline_policy(stacks["cafe-dr"], "${aws_iam_role.guardrails_deploy-role_")
    assert not [r for r in policy_statement(cafe, "DenyChangingTheGuardrails")["resources"] if "publish" in r]
    assert not [r for r in resources(stacks["cafe-dr"], "aws_iam_role").values() if "publish" in r["name"]]


def test_the_account_stack_reads_data_and_edge_only_for_publishers(stacks):
    assert set(stacks["levels"]["data"]["terraform_remote_state"]) == {"state", "ops", "data", "edge"}
    assert set(stacks["cafe-dr"]["data"]["terraform_remote_state"]) == {"state", "ops"}


@pytest.fixture(scope="module")
def variants():
    """The construct with what no blueprint uses: a key prefix, SSE-S3 buckets (no key), no distribution."""
    stack = TerraformStack(CdktfTesting.app(), "publisher-test")
    GitHubPublisher(stack, "publisher", GitHubPublisherProps(
        role_name="shop-prod-github-publish-web", oidc_provider_arn=OIDC, github_org="shop", github_repo="web",
        github_branches=["main"], targets=[PublishTarget("shop-prod-site", "builds/")], account_id=ACCOUNT,
        region="eu-west-1"))
    return json.loads(CdktfTesting.synth(stack))


def test_a_prefixed_target_is_written_and_listed_under_its_prefix_only(variants):
    policy = policy_document(variants, only(variants, "aws_iam_role_policy")["policy"])
    assert policy_statement(policy, "PutBuilds")["resources"] == ["arn:aws:s3:::shop-prod-site/builds/*"]
    listing = policy_statement(policy, "ListUnderPrefix0")
    assert listing["resources"] == ["arn:aws:s3:::shop-prod-site"]
    assert statement_conditions(listing) == {("StringLike", "s3:prefix", ("builds/*",))}
    assert [s["sid"] for s in policy["statement"]] == ["PutBuilds", "ListUnderPrefix0"]  # no key, no CloudFront
    (trust,) = policy_document(variants, only(variants, "aws_iam_role")["assume_role_policy"])["statement"]
    assert trust["principals"][0]["identifiers"] == [OIDC]
    assert ("StringLike", "token.actions.githubusercontent.com:sub",
            ("repo:shop/web:ref:refs/heads/main",)) in statement_conditions(trust)


def _publisher(**overrides) -> GitHubPublisherProps:
    values = dict(role_name="shop-prod-github-publish-web", oidc_provider_arn=OIDC, github_org="shop",
                  github_repo="web", targets=[PublishTarget("shop-prod-site")], account_id=ACCOUNT, region="eu-west-1")
    return GitHubPublisherProps(**{**values, **overrides})


@pytest.mark.parametrize(("overrides", "fragment"), [
    (dict(github_repo="*"), "github_repo='*' is a wildcard"),
    (dict(github_branches=[], github_environments=[]), "no github_branches and no github_environments"),
    (dict(targets=[]), "targets=[]"),
    (dict(targets=[PublishTarget("shop-*")]), "bucket_name 'shop-*'"),
    (dict(targets=[PublishTarget("shop-prod-site", "builds")]), "key_prefix 'builds'"),
    (dict(targets=[PublishTarget("shop-prod-site", "*/")]), "key_prefix '*/'"),
    (dict(targets=[PublishTarget("shop-prod-site"), PublishTarget("shop-prod-site", "a/")]), "repeat"),
    (dict(distribution_ids=["*"]), "distribution id '*'"),
    (dict(encryption_key_arn="alias/storage"), "encryption_key_arn 'alias/storage'"),
    (dict(role_name="x" * 65), "role_name"),
])
def test_bad_publisher_props_fail_naming_the_value_and_the_fix(overrides, fragment):
    with pytest.raises(ValueError) as error:
        _publisher(**overrides)
    assert fragment in str(error.value) and "fix:" in str(error.value), str(error.value)


PUBLISHER = "account:\n  publishers:\n    web:\n      organization: levels-example\n      repository: web\n"
"""A second publisher (a user's file merges into levels prod's `app`, so a new name is tested)."""


@pytest.mark.parametrize(("body", "fragments"), [
    (PUBLISHER + "      buckets: {web-assets: builds}\n", ["account.publishers.web.buckets.web-assets", "builds"]),
    (PUBLISHER + "      buckets: {}\n", ["account.publishers.web.buckets"]),
    (PUBLISHER.replace("repository: web", "repository: '*'") + "      buckets: {web-assets: ''}\n",
     ["account.publishers.web.repository", "'*'"]),
    (PUBLISHER + "      branches: []\n      buckets: {web-assets: ''}\n",
     ["account.publishers.web", "no workflow could deploy"]),
])
def test_bad_publishers_are_refused_when_the_configuration_loads(tmp_path, body, fragments):
    assert_refused(tmp_path, "levels/prod", body, fragments)


@pytest.mark.parametrize(("publisher", "fragment"), [
    ({"buckets": {"builds": ""}}, "account.publishers.app.buckets names 'builds', which is not under data.buckets"),
    ({"buckets": {"originals-backup": ""}}, "the copy of data.buckets.uploads (copy_to) that only replication writes"),
])
def test_publishers_write_only_buckets_of_this_environment_the_app_writes(publisher, fragment):
    _refused_by_account_rules({"app": publisher}, fragment)


def test_a_publisher_role_name_iam_would_refuse_is_refused():
    role = "levels-with-a-longer-productionxy-github-publish-twenty-character-nam"  # 69 characters
    _refused_by_account_rules({"twenty-character-nam": {"buckets": {"web-assets": ""}}},
                              f"role name {role!r} exceeds IAM's 64", project="levels-with-a-longer",
                              environment="productionxy")


def _refused_by_account_rules(publishers: dict[str, dict], fragment: str, **renamed: str) -> None:
    config = load("levels", "prod").model_copy(update=renamed)
    assert config.account is not None
    account = Account.model_validate({**config.account.model_dump(), "publishers": {
        name: {"organization": "levels-example", "repository": "app", **spec} for name, spec in publishers.items()}})
    with pytest.raises(ValueError) as error:
        account_rules(config.model_copy(update={"account": account}))
    assert fragment in str(error.value) and "fix:" in str(error.value), str(error.value)


def test_a_publisher_naming_a_missing_bucket_is_refused_when_the_configuration_loads(tmp_path):
    assert_refused(tmp_path, "levels/prod", PUBLISHER + "      buckets: {nope: ''}\n",
                   ["account.publishers.web.buckets names 'nope'"])
