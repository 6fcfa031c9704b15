"""The `aurora` module: modules.database.AuroraDatabase (Aurora MySQL, a writer and a reader in two AZs, reader
autoscaling) with its key and monitoring role, as the data stack builds one, its master password managed by RDS."""

from __future__ import annotations

from publishing.modules.common import ACCOUNT_ID, VPC_ID, region_and_partition, subnet_ids, whole_number
from publishing.modules.spec import ModuleOutput, ModuleSpec, ModuleVariable, Validation
from publishing.modules.specs._database import DATABASE_NAME, SHARED, instance_class, key_and_monitoring_role

ENGINE = "aurora-mysql"
READERS = 1
ZONES = 1 + READERS
"""The writer goes to the first zone, the reader to the second: a failover promotes it in another AZ."""

VARIABLES = [
    DATABASE_NAME,
    ACCOUNT_ID,
    VPC_ID,
    subnet_ids("subnet_ids", "Private data subnets in at least two AZs (the network module's `data_subnet_ids`)."),
    ModuleVariable(
        "availability_zones", "list(string)",
        f"AZs of the subnets, e.g. the network module's `availability_zones`: the writer goes to the first, the "
        f"reader to the second (at least {ZONES} distinct zones; further ones are not used).",
        validations=[
            Validation(f"length(var.availability_zones) >= {ZONES}",
                       f"availability_zones must list at least {ZONES} zones (writer and reader in different AZs); "
                       "fix: pass module.network.availability_zones."),
            Validation("length(distinct(var.availability_zones)) == length(var.availability_zones)",
                       "availability_zones repeats a zone; fix: list distinct zones.")]),
    *SHARED,
    ModuleVariable(
        "engine_version", "string",
        "Aurora MySQL version, e.g. \"8.0.mysql_aurora.3.08.0\"; the cluster parameter group's family "
        "(aurora-mysql8.0) follows it.", default="8.0.mysql_aurora.3.08.0",
        validations=[Validation("can(regex(\"^8\\\\.0\\\\.mysql_aurora\\\\.3\\\\.[0-9]{2}\\\\.[0-9]+$\", "
                                "var.engine_version))",
                                "engine_version must be an Aurora MySQL 3 version like \"8.0.mysql_aurora.3.08.0\"; "
                                "fix: pick one from `aws rds describe-db-engine-versions --engine aurora-mysql`.")]),
    instance_class("db.r6g.large", r"db\.(t2|t3)\..+|db\.t4g\.(micro|small)", "Aurora MySQL"),
    whole_number("max_readers", f"Reader autoscaling ceiling: target tracking on reader CPU adds readers up to this "
                 f"many and never removes the {READERS} declared here.", READERS, 15, default=3, unit=" readers"),
    whole_number("reader_target_cpu_percent", "Average reader CPU that autoscaling keeps readers at, in percent.",
                 10, 90, default=70, unit=" percent"),
]


def build(scope, inputs):
    from modules.database import AuroraDatabase, AuroraDatabaseProps

    region, partition = region_and_partition(scope)
    key, role = key_and_monitoring_role(scope, inputs, partition)
    cluster = AuroraDatabase(scope, "aurora", AuroraDatabaseProps(
        identifier=inputs["name"], engine=ENGINE, engine_version=inputs["engine_version"],
        instance_class=inputs["instance_class"], readers=READERS,
        reader_autoscaling=(inputs["max_readers"], inputs["reader_target_cpu_percent"]),
        database_name=inputs["database_name"], master_username=inputs["master_username"], vpc_id=inputs["vpc_id"],
        subnet_ids=inputs["subnet_ids"], client_security_group_ids=[inputs["client_security_group_id"]],
        encryption_key=key, monitoring_role=role, monitoring_interval_seconds=inputs["monitoring_interval_seconds"],
        performance_insights_retention_days=inputs["performance_insights_retention_days"],
        backup_retention_days=inputs["backup_retention_days"], deletion_protection=inputs["deletion_protection"],
        availability_zones=inputs.items("availability_zones", ZONES), region=region, account_id=inputs["account_id"],
        partition=partition))
    return {
        "writer_endpoint": ModuleOutput(cluster.writer_endpoint, "Cluster endpoint: always the current writer"),
        "reader_endpoint": ModuleOutput(cluster.reader_endpoint,
                                        "Reader endpoint, load-balanced over the readers (autoscaled ones too)"),
        "port": ModuleOutput(cluster.port, "Port of the cluster (Aurora MySQL: 3306)"),
        "cluster_identifier": ModuleOutput(cluster.cluster.cluster_identifier,
                                           "Cluster identifier (CloudWatch dimension DBClusterIdentifier)"),
        "arn": ModuleOutput(cluster.arn, "ARN of the cluster (AWS Backup plans select it by ARN)"),
        "cluster_resource_id": ModuleOutput(
            cluster.resource_id, "The cluster's cluster-... resource id that IAM authentication names: "
            "arn:<partition>:rds-db:<region>:<account>:dbuser:<cluster_resource_id>/<user>"),
        "instance_identifiers": ModuleOutput([i.identifier for i in cluster.instances],
                                             "The declared instances, writer first (<name>-1, <name>-2)"),
        "master_user_secret_arn": ModuleOutput(
            cluster.master_secret_arn, "Secrets Manager ARN of the master credentials (generated and rotated by RDS)"),
        "security_group_id": ModuleOutput(cluster.security_group.security_group_id,
                                          "Security group of the cluster (admits the client group only)"),
        "kms_key_arn": ModuleOutput(key.arn, "Customer key of the storage, snapshots, insights and master secret"),
        "monitoring_role_arn": ModuleOutput(role.arn, "Role RDS enhanced monitoring publishes OS metrics with"),
    }


SPEC = ModuleSpec(
    name="aurora",
    construct="modules.database.AuroraDatabase",
    summary=(
        "An Aurora MySQL cluster: a writer and a reader in different AZs that takes over on failure (about 30 s), "
        "more readers added by target tracking on reader CPU, 24 hours of backtrack, private (data subnets, one "
        "security group admitting only the client group on 3306), storage, snapshots and Performance Insights "
        "under a customer-managed key of its own, TLS forced and audit logging (logins, grants, schema changes) "
        "by its cluster parameter group, IAM database authentication, the master password generated and rotated "
        "by RDS in Secrets Manager, point-in-time recovery, enhanced monitoring, logs exported to CloudWatch and "
        "deletion protection with a final snapshot."),
    variables=VARIABLES,
    build=build,
    fixed=(
        "Aurora MySQL (AuroraDatabaseProps(engine=\"aurora-postgresql\") builds PostgreSQL from Python).",
        f"{READERS} declared reader besides the writer, reader autoscaling on (AuroraDatabaseProps.readers and "
        "reader_autoscaling set other shapes).",
        "Provisioned instances (Serverless v2 is AuroraDatabaseProps.serverless_v2) with 24 h backtrack.",
        "No global database (global_cluster_identifier and a write-only master_password are set from Python, "
        "for a DR standby).",
        "One client security group; a key and a monitoring role of its own.",
    ),
    notes=(
        "Readers that autoscaling adds are not in Terraform's state: before destroying, let them drain or delete "
        "them (RDS refuses to delete a cluster that still has instances).",
    ),
)
