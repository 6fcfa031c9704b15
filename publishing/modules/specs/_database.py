"""What the rds and aurora modules share: the database variables and the key and monitoring role each builds.
(A private helper: the catalog skips files starting with `_`.)"""

from __future__ import annotations

from dataclasses import replace

from publishing.modules.common import NAME, matches, security_group_id, whole_number
from publishing.modules.spec import ModuleVariable, Validation

DATABASE_NAME = replace(
    NAME, description="RDS identifier of the database and prefix of its resources' names (security group, "
    "parameter group, key alias, monitoring role), e.g. 'shop-prod-orders'. Lower-case letters, digits and single "
    "hyphens, 3 to 24 characters.",
    validations=[*NAME.validations, Validation(
        "!can(regex(\"--\", var.name)) && !endswith(var.name, \"-\")",
        "name must not hold two hyphens in a row or end with one (RDS identifier rules); fix: e.g. \"shop-prod-db\".")])

CLIENT_SECURITY_GROUP_ID = security_group_id(
    "client_security_group_id",
    "The one security group whose members may connect (the network module's `app_security_group_id`): the "
    "database admits it on the engine port and it gets a single egress rule to the database, nothing else.")


def instance_class(default: str, no_insights: str, engine: str) -> ModuleVariable:
    """The instance class; `no_insights` matches the whole name of a class AWS offers no Performance Insights on
    (modules.database.engines), which the module turns on everywhere."""
    return ModuleVariable(
        "instance_class", "string",
        f"Instance class, e.g. \"{default}\". Performance Insights is always on, so {engine} classes without it "
        "(micro and small burstable classes) are refused.", default=default, validations=[
            Validation(matches("var.instance_class", r"db\.[a-z0-9]+\.[a-z0-9]+"),
                       "instance_class must look like db.<family>.<size>, e.g. \"db.r6g.large\"; fix: pick a class "
                       "from the RDS instance types."),
            Validation("!" + matches("var.instance_class", no_insights),
                       f"instance_class is a class AWS offers no Performance Insights on for {engine} (this module "
                       "keeps it on); fix: use db.t4g.medium or larger.")])


DATABASE_NAME_IN_ENGINE = ModuleVariable(
    "database_name", "string", "The database created with the instance or cluster, e.g. \"orders\".", default="app",
    validations=[Validation(matches("var.database_name", "[A-Za-z][A-Za-z0-9_]{0,62}"),
                            "database_name must be 1-63 letters, digits or underscores, starting with a letter; "
                            "fix: e.g. \"orders\".")])

MASTER_USERNAME = ModuleVariable(
    "master_username", "string",
    "Master user. Its password is generated and rotated by RDS in Secrets Manager (under the module's key): no "
    "password is ever in configuration, plan or state; `master_user_secret_arn` points to it.", default="dbadmin",
    validations=[Validation(matches("var.master_username", "[A-Za-z][A-Za-z0-9_]{0,15}"),
                            "master_username must be 1-16 letters, digits or underscores, starting with a letter; "
                            "fix: e.g. \"dbadmin\".")])

BACKUP_RETENTION_DAYS = whole_number(
    "backup_retention_days",
    "Days of point-in-time recovery, 7 to 35: at least a week, so a mistake found after a weekend can be undone.",
    7, 35, default=7, unit=" days")

DELETION_PROTECTION = ModuleVariable(
    "deletion_protection", "bool",
    "Refuse deletion; destroying (after switching it off) takes a final snapshot '<name>-final'. Default true. "
    "False (disposable test environments only) deletes without a final snapshot.", default=True)

MONITORING_INTERVAL_SECONDS = ModuleVariable(
    "monitoring_interval_seconds", "number",
    "Enhanced monitoring (OS metrics) interval in seconds: 1, 5, 10, 15, 30 or 60. Monitoring stays on.",
    default=60, validations=[Validation(
        "contains([1, 5, 10, 15, 30, 60], var.monitoring_interval_seconds)",
        "monitoring_interval_seconds must be one of 1, 5, 10, 15, 30, 60 (enhanced monitoring stays on); fix: 60.")])

PERFORMANCE_INSIGHTS_RETENTION_DAYS = ModuleVariable(
    "performance_insights_retention_days", "number",
    "Days Performance Insights keeps its data: 7 (free tier) or a multiple of 31 up to 731.", default=7,
    validations=[Validation(
        "var.performance_insights_retention_days == 7 || (var.performance_insights_retention_days % 31 == 0 && "
        "var.performance_insights_retention_days >= 31 && var.performance_insights_retention_days <= 731)",
        "performance_insights_retention_days must be 7 or a multiple of 31 up to 731; fix: 7, 31, 62, ... or 731.")])

SHARED = [CLIENT_SECURITY_GROUP_ID, DATABASE_NAME_IN_ENGINE, MASTER_USERNAME, BACKUP_RETENTION_DAYS,
          DELETION_PROTECTION, MONITORING_INTERVAL_SECONDS, PERFORMANCE_INSIGHTS_RETENTION_DAYS]
"""Variables both modules declare with the same meaning (after name, account_id, vpc_id, subnet_ids)."""


def key_and_monitoring_role(scope, inputs, partition: str):
    """The database's own customer key (storage, snapshots, Performance Insights, the master secret) and the
    enhanced-monitoring role, as the data stack makes them (there shared by the stack's databases)."""
    from modules.database import EnhancedMonitoringRole, EnhancedMonitoringRoleProps
    from modules.kms import EncryptionKey, EncryptionKeyProps

    name, account_id = inputs["name"], inputs["account_id"]
    key = EncryptionKey(scope, "database-key", EncryptionKeyProps(
        alias=f"{name}-database", description=f"Database {name}: storage, snapshots, insights, master secret",
        account_id=account_id, partition=partition))
    role = EnhancedMonitoringRole(scope, "database-monitoring", EnhancedMonitoringRoleProps(
        role_name=f"{name}-rds-monitoring", account_id=account_id, partition=partition))
    return key, role
