"""The `rds` module: modules.database.DatabaseInstance (MySQL) with its key and monitoring role, as the data
stack builds one, its master password managed by RDS."""

from __future__ import annotations

from publishing.modules.common import (
    ACCOUNT_ID,
    VPC_ID,
    preconditions,
    region_and_partition,
    subnet_ids,
    whole_number,
)
from publishing.modules.spec import ModuleOutput, ModuleSpec, ModuleVariable, Validation
from publishing.modules.specs._database import DATABASE_NAME, SHARED, instance_class, key_and_monitoring_role

ENGINE = "mysql"

VARIABLES = [
    DATABASE_NAME,
    ACCOUNT_ID,
    VPC_ID,
    subnet_ids("subnet_ids", "Private data subnets in at least two AZs (the network module's `data_subnet_ids`): "
               "the Multi-AZ standby lives in another AZ than the primary."),
    *SHARED,
    ModuleVariable(
        "engine_version", "string",
        "MySQL major version, \"8.0\" or \"8.4\": RDS applies minor versions in the maintenance window, and the "
        "parameter group's family (mysql8.0) follows the major version.", default="8.0",
        validations=[Validation("contains([\"8.0\", \"8.4\"], var.engine_version)",
                                "engine_version must be a MySQL major version, \"8.0\" or \"8.4\"; fix: give the "
                                "major version only, RDS keeps the minor version current.")]),
    instance_class("db.t4g.medium", r"db\.(t2|t3|t4g)\.(micro|small)", "MySQL"),
    whole_number("allocated_storage_gb", "Initial gp3 storage in GB, 20 (the gp3 minimum) to 65536.", 20, 65536,
                 default=20, unit=" GB"),
    whole_number("max_allocated_storage_gb", "Storage autoscaling ceiling in GB, above allocated_storage_gb: a full "
                 "disk must not stop the database, so RDS grows the storage up to this size.", 21, 65536,
                 default=100, unit=" GB"),
    ModuleVariable(
        "multi_az", "bool",
        "A synchronous standby in another AZ with automatic failover (about 60-120 s). Default true; false only "
        "for environments that may be down while an instance is replaced.", default=True),
]


def build(scope, inputs):
    from modules.database import DatabaseInstance, DatabaseInstanceProps

    region, partition = region_and_partition(scope)
    key, role = key_and_monitoring_role(scope, inputs, partition)
    db = DatabaseInstance(scope, "database", DatabaseInstanceProps(
        identifier=inputs["name"], engine=ENGINE, engine_version=inputs["engine_version"],
        instance_class=inputs["instance_class"], database_name=inputs["database_name"],
        master_username=inputs["master_username"], vpc_id=inputs["vpc_id"], subnet_ids=inputs["subnet_ids"],
        client_security_group_ids=[inputs["client_security_group_id"]], encryption_key=key, monitoring_role=role,
        allocated_storage_gb=inputs["allocated_storage_gb"],
        max_allocated_storage_gb=inputs["max_allocated_storage_gb"], multi_az=inputs["multi_az"],
        backup_retention_days=inputs["backup_retention_days"],
        deletion_protection=inputs["deletion_protection"],
        monitoring_interval_seconds=inputs["monitoring_interval_seconds"],
        performance_insights_retention_days=inputs["performance_insights_retention_days"],
        region=region, account_id=inputs["account_id"], partition=partition))
    preconditions(db.instance, Validation(
        "var.max_allocated_storage_gb > var.allocated_storage_gb",
        "max_allocated_storage_gb must exceed allocated_storage_gb (RDS refuses a storage autoscaling ceiling at or "
        "below the storage); fix: raise max_allocated_storage_gb."))
    return {
        "endpoint": ModuleOutput(db.endpoint, "Host name clients connect to (TLS required)"),
        "port": ModuleOutput(db.port, "Port of the database (MySQL: 3306)"),
        "identifier": ModuleOutput(db.instance.identifier,
                                   "RDS identifier (CloudWatch dimension DBInstanceIdentifier)"),
        "arn": ModuleOutput(db.arn, "ARN of the instance (AWS Backup plans select it by ARN)"),
        "resource_id": ModuleOutput(
            db.resource_id, "The instance's db-... resource id that IAM authentication names: "
            "arn:<partition>:rds-db:<region>:<account>:dbuser:<resource_id>/<user>"),
        "master_user_secret_arn": ModuleOutput(
            db.master_secret_arn, "Secrets Manager ARN of the master credentials (generated and rotated by RDS)"),
        "security_group_id": ModuleOutput(db.security_group.security_group_id,
                                          "Security group of the database (admits the client group only)"),
        "parameter_group_name": ModuleOutput(db.parameter_group.name, "Parameter group (TLS only, slow query log)"),
        "kms_key_arn": ModuleOutput(key.arn, "Customer key of the storage, snapshots, insights and master secret"),
        "monitoring_role_arn": ModuleOutput(role.arn, "Role RDS enhanced monitoring publishes OS metrics with"),
    }


SPEC = ModuleSpec(
    name="rds",
    construct="modules.database.DatabaseInstance",
    summary=(
        "An RDS for MySQL instance as production wants it: private (data subnets, no public address), one security "
        "group admitting only the client group on 3306, storage, snapshots and Performance Insights under a "
        "customer-managed key of its own, TLS forced by its parameter group, IAM database authentication, the "
        "master password generated and rotated by RDS in Secrets Manager, point-in-time recovery, enhanced "
        "monitoring, error/general/slow-query logs exported to CloudWatch, storage autoscaling, Multi-AZ and "
        "deletion protection with a final snapshot."),
    variables=VARIABLES,
    build=build,
    fixed=(
        "MySQL (DatabaseInstanceProps(engine=\"postgres\") builds PostgreSQL from Python).",
        "One client security group (the construct takes a list).",
        "A key and a monitoring role of its own (the data stack shares one of each among its databases).",
        "The master password is managed by RDS; a DR source with a write-only password (`master_password`) and "
        "RDS Proxy (modules.database.DatabaseProxy) are built from Python.",
    ),
    notes=(
        "Clients sign in over TLS (the parameter group refuses plain connections) with the master secret, or with "
        "IAM tokens as database users created WITH AWSAuthenticationPlugin.",
    ),
)
