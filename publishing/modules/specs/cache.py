"""The `cache` module: modules.cache.ValkeyCache with its own KMS key, admitted to the app tier only."""

from __future__ import annotations

import dataclasses

from configuration.data import DEFAULT_ENGINE_VERSIONS
from publishing.modules.common import (
    ACCOUNT_ID,
    NAME,
    VPC_ID,
    log_retention,
    matches,
    region_and_partition,
    security_group_id,
    subnet_ids,
    whole_number,
)
from publishing.modules.spec import ModuleOutput, ModuleSpec, ModuleVariable, Validation

TIME = "([01][0-9]|2[0-3]):[0-5][0-9]"
DAY = "(sun|mon|tue|wed|thu|fri|sat)"

_LOGS = log_retention("log_retention_days", "Days the slow log and engine log are kept (KMS-encrypted log groups); "
                                            "default and minimum a year, for incident reviews.", 365)
LOG_RETENTION = dataclasses.replace(_LOGS, validations=[*_LOGS.validations, Validation(
    "var.log_retention_days >= 365", "log_retention_days must be at least 365 (the project keeps cache logs a "
                                     "year); fix: 365 or more.")])

CACHE_NAME = dataclasses.replace(NAME, validations=[*NAME.validations, Validation(
    "!strcontains(var.name, \"--\") && !endswith(var.name, \"-\")",
    "name must not hold two hyphens in a row nor end with one (ElastiCache ids); fix: e.g. \"shop-prod-sessions\".")])

VARIABLES = [
    CACHE_NAME,
    ACCOUNT_ID,
    VPC_ID,
    subnet_ids("subnet_ids", "Private data subnets, one per AZ (the network module's `data_subnet_ids`): the "
                             "primary and its replicas are spread over them."),
    security_group_id("client_security_group_id",
                      "The one security group whose members may connect on 6379 (the network module's "
                      "`app_security_group_id`); it also gets the matching egress rule. No other ingress exists."),
    ModuleVariable(
        "engine_version", "string", "Valkey major.minor version; default the project's tested one. Minor "
        "versions upgrade automatically in the maintenance window.", default=DEFAULT_ENGINE_VERSIONS["valkey"],
        validations=[Validation(matches("var.engine_version", r"[0-9]+\.[0-9]+"),
                                "engine_version must be a Valkey major.minor version; fix: e.g. \"7.2\" or \"8.0\".")]),
    ModuleVariable(
        "node_type", "string", "ElastiCache node type of every node; default cache.t4g.small (Graviton, "
        "burstable). Use an r-family type when the working set is large.", default="cache.t4g.small",
        validations=[Validation(matches("var.node_type", r"cache\.[a-z0-9]+\.[a-z0-9]+"),
                                "node_type must be an ElastiCache node type; fix: e.g. \"cache.t4g.small\" or "
                                "\"cache.r7g.large\".")]),
    whole_number("replicas", "Replicas of the primary, 0 to 5; default 1: with one or more the primary fails over "
                             "to a replica in another AZ automatically (Multi-AZ). 0 is a development cost setting "
                             "without failover.", 0, 5, default=1),
    whole_number("snapshot_retention_days", "Days the daily snapshots are kept; default 7. Zero (no snapshots) is "
                                            "refused.", 1, 35, default=7, unit=" days"),
    ModuleVariable(
        "snapshot_window", "string", "Daily UTC window of the snapshot, 'hh:mm-hh:mm', at least 60 minutes; it must "
        "not overlap maintenance_window (ElastiCache refuses that when applying).", default="02:00-03:00",
        validations=[Validation(
            matches("var.snapshot_window", f"{TIME}-{TIME}"),
            "snapshot_window must be a daily UTC window 'hh:mm-hh:mm'; fix: e.g. \"02:00-03:00\".")]),
    ModuleVariable(
        "maintenance_window", "string", "Weekly UTC window for patches, 'ddd:hh:mm-ddd:hh:mm', 60 minutes to a "
        "day, not overlapping snapshot_window.", default="sun:04:00-sun:05:00",
        validations=[Validation(
            matches("var.maintenance_window", f"{DAY}:{TIME}-{DAY}:{TIME}"),
            "maintenance_window must be a weekly UTC window 'ddd:hh:mm-ddd:hh:mm' in lower case; fix: e.g. "
            "\"sun:04:00-sun:05:00\".")]),
    LOG_RETENTION,
]


def build(scope, inputs):
    from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import DataAwsIamPolicyDocument

    from modules.cache import ValkeyCache, ValkeyCacheProps, valkey_key_grants
    from modules.kms import EncryptionKey, EncryptionKeyProps

    region, partition = region_and_partition(scope)
    name, account_id = inputs["name"], inputs["account_id"]
    log_group_prefix = "/aws/elasticache"  # log groups /aws/elasticache/<name>/slow-log and .../engine-log
    key = EncryptionKey(scope, "cache-key", EncryptionKeyProps(
        alias=f"{name}-cache", description=f"Valkey {name}: data at rest, snapshots and logs", account_id=account_id,
        partition=partition, service_grants=valkey_key_grants(region, account_id, log_group_prefix, partition)))
    cache = ValkeyCache(scope, "cache", ValkeyCacheProps(
        name=name, vpc_id=inputs["vpc_id"], subnet_ids=inputs["subnet_ids"],
        client_security_group_ids=[inputs["client_security_group_id"]], encryption_key=key,
        log_group_prefix=log_group_prefix, engine_version=inputs["engine_version"], node_type=inputs["node_type"],
        replicas=inputs["replicas"], snapshot_retention_days=inputs["snapshot_retention_days"],
        log_retention_days=inputs["log_retention_days"], snapshot_window=inputs["snapshot_window"],
        maintenance_window=inputs["maintenance_window"]))
    connect = DataAwsIamPolicyDocument(scope, "connect-policy", statement=[cache.connect_policy_statement()])
    group = cache.replication_group
    return {
        "primary_endpoint": ModuleOutput(cache.primary_endpoint, "Primary endpoint (writes): TLS on port 6379"),
        "reader_endpoint": ModuleOutput(cache.reader_endpoint, "Reader endpoint spread over the replicas"),
        "port": ModuleOutput(cache.port, "Port of both endpoints"),
        "user_id": ModuleOutput(cache.app_user_id, "User the application authenticates as, with an IAM token "
                                                   "signed by its role (no password exists)"),
        "connect_policy_json": ModuleOutput(connect.json, "IAM policy document allowing elasticache:Connect to "
                                                          "this cache as user_id: attach it to the app's role"),
        "replication_group_id": ModuleOutput(group.replication_group_id,
                                             "Replication group id; its nodes are <id>-001, <id>-002, ..."),
        "replication_group_arn": ModuleOutput(group.arn, "ARN of the replication group"),
        "security_group_id": ModuleOutput(cache.security_group.security_group_id, "Security group of the cache"),
        "kms_key_arn": ModuleOutput(key.arn, "Key encrypting the data, snapshots and log groups"),
    }


SPEC = ModuleSpec(
    name="cache",
    construct="modules.cache.ValkeyCache",
    summary=(
        "An ElastiCache Valkey replication group in the private data subnets (seed 002: cache, sessions, pub/sub, "
        "job queues): encrypted at rest with a customer-managed key of its own and in transit (TLS required), "
        "IAM authentication as a dedicated user (no token to store or leak; the mandatory `default` user is "
        "switched off), automatic failover and Multi-AZ with one or more replicas, daily snapshots, slow and "
        "engine logs to KMS-encrypted log groups, and a security group admitting one client group on 6379."),
    variables=VARIABLES,
    build=build,
    fixed=(
        "One client security group (the construct's `client_security_group_ids` admits any number).",
        "Cluster mode disabled: one shard with a primary and its replicas.",
    ),
    notes=(
        "Attach `connect_policy_json` to the application's role; clients connect with TLS as `user_id` and an "
        "IAM authentication token.",
    ),
)
