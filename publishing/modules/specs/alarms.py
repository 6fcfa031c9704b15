"""The `alarms` module: a modules.monitoring AlarmTopic with its subscribers and the AlarmSet the ops stack raises for
a load balancer and an RDS instance (modules.monitoring.catalog's alarms, thresholds as variables)."""

from __future__ import annotations

from configuration.ops import EMAIL, Thresholds
from modules.monitoring.limits import max_connections
from publishing.modules.common import ACCOUNT_ID, NAME, matches, one_of, region_and_partition, whole_number
from publishing.modules.spec import ModuleOutput, ModuleSpec, ModuleVariable, Validation

ENGINES = ("mysql", "postgres")
BURSTABLE = (("t3", "t4g"), ("micro", "small", "medium", "large", "xlarge", "2xlarge"))
STANDARD = (("m5", "m6g", "m6i", "m7g", "r5", "r6g", "r6i", "r7g"),
            ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"))
CLASSES = [f"db.{family}.{size}" for families, sizes in (BURSTABLE, STANDARD) for family in families for size in sizes]
"""RDS classes this module knows the connection limit of (modules.monitoring.limits derives it from the memory)."""
CLASS_PATTERN = "|".join(f"db\\.({'|'.join(families)})\\.({'|'.join(sizes)})"
                         for families, sizes in (BURSTABLE, STANDARD))
TARGET = "app"
"""The alb module's one target group: its alarm is <name>-app-unhealthy-hosts."""
DATABASE = "main"
"""The database's name in its alarms: <name>-main-db-cpu-high, "Database main above 80 % CPU ..."."""
DEFAULTS = Thresholds()
EMAIL_PATTERN = "(?i)" + EMAIL.pattern.strip("^$")  # configuration.ops.EMAIL, case-insensitive as there


def _percent(name: str, description: str, default: int, minimum: int, maximum: int = 100) -> ModuleVariable:
    return whole_number(name, f"{description} Default {default} %.", minimum, maximum, default=default, unit=" percent")


def _suffix(name: str, kind: str, pattern: str, example: str, source: str) -> ModuleVariable:
    return ModuleVariable(name, "string", f"ARN suffix of the {kind}: its CloudWatch dimension ({source}).",
                          validations=[Validation(matches(f"var.{name}", pattern),
                                                  f"{name} must look like {example}; fix: pass {source}.")])


VARIABLES = [
    NAME,
    ACCOUNT_ID,
    ModuleVariable(
        "alarm_emails", "list(string)",
        "E-mail addresses told of every alarm and recovery; each receives a confirmation mail from SNS it must "
        "accept. Default none.", default=[],
        validations=[Validation(f"alltrue([for e in var.alarm_emails : {matches('e', EMAIL_PATTERN)}])",
                                "alarm_emails must hold e-mail addresses; fix: e.g. [\"ops@example.com\"].")]),
    ModuleVariable(
        "alarm_https_endpoints", "list(string)",
        "HTTPS webhooks of chat or paging tools (Slack, Teams, PagerDuty integrations) told of every alarm and "
        "recovery; plain http is refused, alarm text must not travel in clear. Default none.", default=[],
        validations=[Validation("alltrue([for u in var.alarm_https_endpoints : startswith(u, \"https://\")])",
                                "alarm_https_endpoints must hold https:// URLs; fix: use the tool's HTTPS webhook.")]),
    _suffix("load_balancer_arn_suffix", "load balancer", "app/[A-Za-z0-9-]+/[0-9a-f]+",
            "app/shop-prod/0123456789abcdef", "the alb module's load_balancer_arn_suffix"),
    _suffix("target_group_arn_suffix", "target group", "targetgroup/[A-Za-z0-9-]+/[0-9a-f]+",
            "targetgroup/shop-prod-app/0123456789abcdef", "the alb module's target_group_arn_suffix"),
    ModuleVariable(
        "database_identifier", "string", "Identifier of the RDS instance watched (the rds module's `identifier`).",
        validations=[Validation(matches("var.database_identifier", "[a-z][a-z0-9-]{0,62}"),
                                "database_identifier must be an RDS identifier: lower-case letters, digits and "
                                "hyphens, starting with a letter; fix: pass module.rds.identifier.")]),
    one_of("database_engine", "Engine of the RDS instance: its max_connections on the class sets the connections "
                              "alarm.", ENGINES),
    ModuleVariable(
        "database_instance_class", "string",
        "Instance class of the RDS instance, e.g. db.t4g.medium: with the engine it gives max_connections.",
        validations=[Validation(matches("var.database_instance_class", CLASS_PATTERN),
                                f"database_instance_class must be one this module knows the connection limit of: "
                                f"db.{{{','.join(BURSTABLE[0])}}}.{{{BURSTABLE[1][0]}..{BURSTABLE[1][-1]}}} or "
                                f"db.{{{','.join(STANDARD[0])}}}.{{{STANDARD[1][0]}..{STANDARD[1][-1]}}}; fix: use "
                                "one, or compose database_alarms from Python.")]),
    whole_number("database_allocated_storage_gb", "Storage allocated to the RDS instance: the free-storage alarm "
                                                  "fires below a share of it.", 20, 65536, unit=" GiB"),
    ModuleVariable(
        "http_5xx_percent", "number",
        f"Alarm when more than this share of requests is answered 5xx (load balancer or targets) in 3 of 5 "
        f"minutes. Default {DEFAULTS.http_5xx_percent:g} % (seed 004; seed 002 says 5).",
        default=DEFAULTS.http_5xx_percent,
        validations=[Validation("var.http_5xx_percent > 0 && var.http_5xx_percent <= 50",
                                "http_5xx_percent must be above 0 and at most 50; fix: e.g. 1 or 5.")]),
    ModuleVariable(
        "latency_p95_seconds", "number",
        f"Alarm when the 95th percentile response time is above this in 3 of 5 minutes. Default "
        f"{DEFAULTS.latency_p95_seconds:g} s.", default=DEFAULTS.latency_p95_seconds,
        validations=[Validation("var.latency_p95_seconds > 0 && var.latency_p95_seconds <= 60",
                                "latency_p95_seconds must be above 0 and at most 60; fix: e.g. 2.")]),
    _percent("database_cpu_percent", "Alarm when the database averages above this CPU for 15 minutes.",
             DEFAULTS.database_cpu_percent, 10),
    _percent("database_free_storage_percent", "Alarm when less than this share of the allocated storage is free.",
             DEFAULTS.database_free_storage_percent, 1, 50),
    _percent("database_connections_percent", "Alarm when connections stay above this share of the engine's "
                                             "max_connections on the class for 10 minutes.",
             DEFAULTS.database_connections_percent, 10),
]


def build(scope, inputs):
    from cdktf import Fn, TerraformLocal

    from modules.kms import EncryptionKey, EncryptionKeyProps
    from modules.monitoring import (
        AlarmSet,
        AlarmSetProps,
        AlarmTopic,
        AlarmTopicProps,
        alarm_topic_key_grants,
        database_alarms,
        load_balancer_alarms,
    )

    _, partition = region_and_partition(scope)
    name, account_id = inputs["name"], inputs["account_id"]
    key = EncryptionKey(scope, "topic-key", EncryptionKeyProps(
        alias=f"{name}-alarms", description=f"Alarm topic of {name}", account_id=account_id, partition=partition,
        service_grants=alarm_topic_key_grants(account_id)))
    topic = AlarmTopic(scope, "alarm-topic", AlarmTopicProps(
        name=f"{name}-alarms", encryption_key=key, account_id=account_id, emails=inputs["alarm_emails"],
        https_endpoints=inputs["alarm_https_endpoints"], partition=partition))
    limits = {engine: {cls: max_connections(engine, cls) for cls in CLASSES} for engine in ENGINES}
    limit = TerraformLocal(scope, "database_max_connections", Fn.lookup(
        Fn.lookup(limits, inputs["database_engine"]), inputs["database_instance_class"]))
    specs = [
        *load_balancer_alarms(inputs["load_balancer_arn_suffix"], {TARGET: inputs["target_group_arn_suffix"]},
                              inputs["http_5xx_percent"], inputs["latency_p95_seconds"]),
        *database_alarms(DATABASE, inputs["database_identifier"], inputs["database_engine"],
                         inputs["database_instance_class"], inputs["database_allocated_storage_gb"],
                         cpu_percent=inputs["database_cpu_percent"],
                         free_storage_percent=inputs["database_free_storage_percent"],
                         connections_percent=inputs["database_connections_percent"], limit=limit.as_number),
    ]
    alarms = AlarmSet(scope, "alarms", AlarmSetProps(name_prefix=name, alarm_actions=[topic.arn], alarms=specs))
    return {
        "topic_arn": ModuleOutput(topic.arn, "SNS topic every alarm notifies: subscribe more people and tools, or "
                                             "point other alarms' actions here"),
        "kms_key_arn": ModuleOutput(key.arn, "Key of the topic: a publisher other than CloudWatch needs "
                                             "kms:GenerateDataKey on it"),
        "alarm_names": ModuleOutput([alarm.alarm_name for alarm in alarms.alarms.values()], "Names of the alarms"),
        "alarm_arns": ModuleOutput(alarms.arns, "ARNs of the alarms (e.g. for a dashboard's alarm widget)"),
        "database_max_connections": ModuleOutput(limit.as_number, "max_connections the connections alarm assumes "
                                                                  "(the engine's default on the class)"),
    }


SPEC = ModuleSpec(
    name="alarms",
    construct="modules.monitoring.AlarmSet",
    summary=(
        "The alarms the project's ops stack raises for a load balancer and an RDS instance, sent to an SNS topic "
        "encrypted with a customer-managed key of its own, publishable by CloudWatch of this account only and over "
        "TLS only, with e-mail and HTTPS subscribers. Every alarm notifies both ALARM and OK (the person paged "
        "also learns of the recovery), says in its description what to look at first, and treats missing data on "
        "purpose: load balancer 5xx rate (metric math over its own and the targets' 5xx) and p95 latency, unhealthy "
        "hosts of the target group, database CPU, free storage below a share of the allocation, and connections "
        "near the engine's max_connections on the class."),
    variables=VARIABLES,
    build=build,
    fixed=(
        f"One load balancer with one target group (`{TARGET}`) and one RDS instance (the ops stack watches every "
        "load-balanced workload, database, Aurora cluster, cache, fleet, service and queue of a blueprint; compose "
        "`modules.monitoring.catalog`'s functions from Python for another set).",
        "An RDS MySQL or PostgreSQL instance of a class database_instance_class lists (Aurora clusters have "
        "their own alarms: the catalog's `aurora_alarms`).",
    ),
    notes=(
        "Each e-mail subscriber must confirm the mail SNS sends before it receives alarms.",
    ),
)
