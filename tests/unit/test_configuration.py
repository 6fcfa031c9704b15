"""Layer 1: configuration loading, merging, and hostile input that must fail clearly and write nothing."""

from __future__ import annotations

import pytest

import main
from configuration import ConfigError, list_blueprints, load
from configuration.loader import deep_merge
from tests.support import assert_mentions, user_config_file

HOSTILE = {
    "unknown-top-level-key": ("netwrok:\n  vpc_cidr: 10.1.0.0/16\n", ["netwrok", "did you mean 'network'"]),
    "unknown-nested-key": ("network:\n  nat_gateway: single\n", ["network.nat_gateway", "'nat_gateways'"]),
    "overlapping-cidr": ("network:\n  avoid_cidrs: [10.1.128.0/17]\n", ["overlaps 10.1.128.0/17"]),
    "too-small-vpc": ("network:\n  vpc_cidr: 10.1.0.0/26\n", ["'10.1.0.0/26' is a /26"]),
    "tiers-do-not-fit": ("network:\n  vpc_cidr: 10.1.0.0/24\n  subnet_newbits: {public: 2, app: 2, data: 2}\n",
                         ["do not fit in vpc_cidr 10.1.0.0/24"]),
    "one-az-in-prod": ("regions:\n  availability_zones: [ap-south-1a]\n", ["1 zone(s)", "2 to 4"]),
    "region-does-not-exist": ("regions:\n  primary: ap-south-9\n", ["'ap-south-9' is not an AWS region"]),
    "min-above-max": ("network:\n  ephemeral_ports: {from: 65535, to: 1024}\n", ["from (65535) is above to (1024)"]),
    "zone-in-another-region": ("regions:\n  availability_zones: [eu-west-1a, eu-west-1b]\n",
                               ["'eu-west-1a' is not in the primary region 'ap-south-1'"]),
    "public-vpc-range": ("network:\n  vpc_cidr: 8.8.0.0/16\n", ["not a private (RFC 1918) range"]),
    "host-bits-set": ("network:\n  vpc_cidr: 10.1.2.0/16\n", ["'10.1.2.0/16' is not an IPv4 network"]),
    "single-nat-in-prod": ("network:\n  nat_gateways: single\n", ["'single' in a production environment"]),
    "bad-account-id": ("account_id: 12345\n", ["12345", "not a 12-digit AWS account id"]),
    "bad-log-retention": ("network:\n  flow_log_retention_days: 100\n", ["100 is not a CloudWatch retention",
                                                                       "nearest: 90"]),
    "reserved-tag": ("tags:\n  Name: mine\n", ["tag 'Name' is set by the platform"]),
    "empty-owner-tag": ("tags:\n  Owner: ''\n", ["tags.Owner"]),
    "upper-case-project": ("project: NoteBookly\n", ["'NoteBookly' must be 2-20 lower-case"]),
    "unknown-endpoint": ("network:\n  interface_endpoints: [ssm, s3-interface]\n", ["['s3-interface']"]),
    "same-secondary-region": ("regions:\n  secondary: ap-south-1\n", ["equals the primary"]),
    "state-in-replica-region": ("state:\n  region: ap-southeast-1\n", ["is also regions.secondary"]),
    "state-bucket-name-too-long": ("state:\n  bucket: " + "x" * 40 + "\n", ["exceed S3's 63 characters",
                                                                          "set a shorter state.bucket"]),
    "yaml-syntax-error": ("network: [unclosed\n", ["cannot parse"]),
    # the data section (notebookly/prod: MySQL 'main', buckets, database_ports [3306])
    "db-port-not-admitted": ("data:\n  caches:\n    sessions: {}\n",
                             ["data.caches.sessions listens on port 6379", "add 6379 to network.database_ports"]),
    "single-az-db-in-prod": ("data:\n  databases:\n    main: {multi_az: false}\n",
                             ["data.databases.main.multi_az is false in production"]),
    "short-backups": ("data:\n  databases:\n    main: {backup_retention_days: 3}\n",
                      ["backup_retention_days", "greater than or equal to 7"]),
    "unknown-engine": ("data:\n  databases:\n    main: {engine: oracle}\n", ["'mysql' or 'postgres'"]),
    "storage-ceiling-below-size": ("data:\n  databases:\n    main: {allocated_storage_gb: 200}\n",
                                   ["max_allocated_storage_gb 100 is not above allocated_storage_gb 200"]),
    "no-aurora-replica-in-prod": ("data:\n  aurora:\n    users: {readers: 0}\n",
                                  ["data.aurora.users.readers is 0 in production"]),
    "serverless-without-capacity": ("data:\n  aurora:\n    users: {instance_class: db.serverless}\n",
                                    ["db.serverless together with serverless_v2"]),
    "replicate-without-secondary": ("regions:\n  secondary: null\ndata:\n  buckets:\n    static-assets: "
                                    "{replicate: true}\n", ["['static-assets'] set replicate", "regions.secondary"]),
    "notify-unknown-queue": ("data:\n  buckets:\n    static-assets: {notify_queue: jobs}\n",
                             ["notify_queue 'jobs' is not a queue"]),
    "unknown-storage-class": ("data:\n  buckets:\n    static-assets:\n      lifecycle: [{id: x, transitions: "
                              "[{days: 30, storage_class: GLACIER_FAST}]}]\n", ["'GLACIER_FAST' is unknown"]),
    "bad-store-name": ("data:\n  queues:\n    Jobs_Queue: {}\n", ["Jobs_Queue"]),
    "bucket-name-too-long": ("data:\n  buckets:\n    " + "b" * 20 + ": {purpose: x12, replicate: true}\n",
                             ["-123456789012-ap-southeast-1'] exceed S3's 63", "shorten the bucket's key"]),
    "bad-backup-schedule": ("data:\n  backup: {schedule: 'every day'}\n", ["not an AWS cron expression"]),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_configuration_fails_with_key_value_and_fix_and_writes_nothing(case, tmp_path, capsys):
    body, expected = HOSTILE[case]
    out = tmp_path / "out"
    code = main.main(["--config", str(user_config_file(tmp_path, "notebookly/prod", body)), "--out", str(out)])
    stderr = capsys.readouterr().err
    assert code == 2
    assert_mentions(stderr, [*expected, "fix:"])
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["my-env.yaml"]  # no staging folder left behind


def test_every_problem_is_reported_at_once(tmp_path):
    body = "regions:\n  primary: mars-1\n  availability_zones: [mars-1a, mars-1b]\nnetwork:\n  vpc_cidr: 8.8.0.0/16\n"
    with pytest.raises(ConfigError) as error:
        load(config_file=user_config_file(tmp_path, "notebookly/prod", body))
    assert len(error.value.problems) == 2
    assert "regions.primary" in str(error.value) and "network.vpc_cidr" in str(error.value)


def test_unknown_blueprint_and_environment_name_the_choices():
    with pytest.raises(ConfigError, match=r"blueprint 'notebooky' does not exist.*did you mean 'notebookly'"):
        load("notebooky", "dev")
    with pytest.raises(ConfigError, match=r"no environment 'prd'.*\['dev', 'prod'\].*did you mean 'prod'"):
        load("notebookly", "prd")


def test_missing_user_file_and_bad_extends(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load(config_file=tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="names neither a file"):
        load(config_file=user_config_file(tmp_path, "nothing/here", ""))


def test_extends_cycle_is_reported(tmp_path):
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n")
    with pytest.raises(ConfigError, match="cycle"):
        load(config_file=tmp_path / "a.yaml")


def test_environment_files_override_the_base():
    dev, prod = load("notebookly", "dev"), load("notebookly", "prod")
    assert (dev.network.nat_gateways, prod.network.nat_gateways) == ("single", "per_az")
    assert (dev.is_production, prod.is_production) == (False, True)
    assert dev.regions == prod.regions and dev.tags == prod.tags
    assert dev.network.vpc_cidr != prod.network.vpc_cidr


def test_a_user_file_extends_a_blueprint_and_toml_works_too(tmp_path):
    path = tmp_path / "shop.toml"
    path.write_text('extends = "notebookly/prod"\nproject = "shop"\n[tags]\nOwner = "web-team"\nTeam = "checkout"\n')
    config = load(config_file=path)
    assert config.name_prefix == "shop-prod" and config.network.nat_gateways == "per_az"
    assert config.default_tags["Owner"] == "web-team" and config.default_tags["Team"] == "checkout"
    assert config.default_tags["CostCenter"] == "notebookly-web"


def test_deep_merge_merges_mappings_and_replaces_lists():
    base = {"a": {"b": 1, "c": [1, 2]}, "d": 1}
    assert deep_merge(base, {"a": {"c": [3]}, "e": 2}) == {"a": {"b": 1, "c": [3]}, "d": 1, "e": 2}


def test_every_shipped_environment_validates():
    infos = list_blueprints()
    assert any(i.name == "notebookly" and i.environments == ("dev", "prod") for i in infos)
    for info in infos:
        for environment in info.environments:
            assert load(info.name, environment).environment == environment
