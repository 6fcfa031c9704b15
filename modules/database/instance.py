"""An RDS instance (MySQL 8.0 or PostgreSQL 16) as production wants it by default.

Private (data subnets, no public address, one security group admitting only named client groups),
encrypted with a customer key (storage, snapshots, Performance Insights, the master secret), TLS forced
by its parameter group, IAM authentication on, master password generated and rotated by RDS in Secrets
Manager (so no password exists in configuration, code, state or outputs), 7+ days of point-in-time
recovery, enhanced monitoring, log exports, Multi-AZ and deletion protection with a final snapshot
unless an environment opts out.

Log groups: RDS creates /aws/rds/instance/<identifier>/<log> itself on first export. They are not
pre-created here under the customer key because the key's policy would first have to grant
logs.<region>.amazonaws.com (the data stack's database key grants no service).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cdktf import Op, TerraformResourceLifecycle, Token
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import DataAwsIamPolicyDocumentStatement
from cdktf_cdktf_provider_aws.db_instance import DbInstance
from cdktf_cdktf_provider_aws.db_parameter_group import DbParameterGroup, DbParameterGroupParameter
from cdktf_cdktf_provider_aws.db_subnet_group import DbSubnetGroup
from constructs import Construct

from modules.database.engines import (
    apply_method,
    check_backup_retention,
    check_identifier,
    check_monitoring,
    check_sql_name,
    engine,
    parameter_group_name,
)
from modules.database.monitoring import EnhancedMonitoringRole
from modules.firewall import ServiceSecurityGroup, ServiceSecurityGroupProps
from modules.kms import EncryptionKey

CA_CERTIFICATE = "rds-ca-rsa2048-g1"
"""Current RSA 2048 CA (valid to 2061); checkov CKV_AWS_211. Clients verify against AWS's global bundle."""
INSTANCE_ENGINES = ("mysql", "postgres")


def iam_connect_statement(sid_prefix: str, partition: str, region: str, account_id: str, resource_id: str,
                          db_user: str) -> DataAwsIamPolicyDocumentStatement:
    """rds-db:connect as one database user of one instance or cluster (by its resource id)."""
    check_sql_name("db_user", sid_prefix, db_user, 63)
    sid = "".join(w.capitalize() for w in f"{sid_prefix}-{db_user}".replace("_", "-").split("-"))
    return DataAwsIamPolicyDocumentStatement(
        sid=f"ConnectTo{sid}", actions=["rds-db:connect"],
        resources=[f"arn:{partition}:rds-db:{region}:{account_id}:dbuser:{resource_id}/{db_user}"])


def engine_parameter_group(scope: Construct, identifier: str, engine_name: str, version: str) -> DbParameterGroup:
    """The engine's hardened parameters (TLS only, query logging) for `identifier`: construct id
    'parameter-group'. The family is part of the name, so a major upgrade creates the new group before
    the old one goes."""
    spec = engine(engine_name)
    family = spec.family(version)
    return DbParameterGroup(
        scope, "parameter-group", name=parameter_group_name(identifier, family), family=family,
        description=f"{identifier}: TLS only, query logging",
        parameter=[DbParameterGroupParameter(name=n, value=v, apply_method=apply_method(n))
                   for n, v in spec.parameters],
        lifecycle=TerraformResourceLifecycle(create_before_destroy=True))


@dataclass(frozen=True)
class InstanceHousing:
    """Where an RDS instance lives: its security group, subnet group and hardened parameter group."""

    security_group: ServiceSecurityGroup
    subnet_group: DbSubnetGroup
    parameter_group: DbParameterGroup


def database_network(scope: Construct, identifier: str, port: int, vpc_id: str, subnet_ids: Sequence[str],
                     client_security_group_ids: Sequence[str], kind: str) -> tuple[ServiceSecurityGroup, DbSubnetGroup]:
    """Construct ids 'security-group' and 'subnet-group' in `scope` (any RDS instance or Aurora cluster): one
    group admitting only the clients on `port`, and the private data subnets. `kind` ('Database', 'Replica',
    'Aurora') starts the group's description."""
    security_group = ServiceSecurityGroup(scope, "security-group", ServiceSecurityGroupProps(
        name=f"{identifier}-db", description=f"{kind} {identifier}: clients on {port} only", vpc_id=vpc_id,
        port=port, client_security_group_ids=client_security_group_ids))
    subnet_group = DbSubnetGroup(scope, "subnet-group", name=f"{identifier}-db", subnet_ids=subnet_ids,
                                 description=f"Private data subnets of {identifier}")
    return security_group, subnet_group


def house_instance(scope: Construct, identifier: str, engine_name: str, version: str, vpc_id: str,
                   subnet_ids: Sequence[str], client_security_group_ids: Sequence[str], kind: str) -> InstanceHousing:
    """Construct ids 'security-group', 'subnet-group' and 'parameter-group' in `scope` (a DatabaseInstance or
    a DatabaseReplica): database_network, and the engine's hardened parameters."""
    security_group, subnet_group = database_network(scope, identifier, engine(engine_name).port, vpc_id,
                                                    subnet_ids, client_security_group_ids, kind)
    return InstanceHousing(security_group=security_group, subnet_group=subnet_group,
                           parameter_group=engine_parameter_group(scope, identifier, engine_name, version))


def hardened_instance_settings(identifier: str, engine_name: str, housing: InstanceHousing, key_arn: str,
                               multi_az: bool, deletion_protection: bool, backup_retention_days: int,
                               insights: bool, insights_retention_days: int, monitoring_interval_seconds: int,
                               monitoring_role: EnhancedMonitoringRole, log_exports: Sequence[str]) -> dict[str, Any]:
    """The DbInstance arguments an instance and its replicas share: gp3 storage under the customer key,
    private, TLS CA, IAM authentication, backups and snapshots kept, deletion protection with a final
    snapshot, minor upgrades only, Performance Insights where offered, enhanced monitoring, log exports."""
    return dict(
        storage_type="gp3", storage_encrypted=True, kms_key_id=key_arn,
        db_subnet_group_name=housing.subnet_group.name,
        vpc_security_group_ids=[housing.security_group.security_group_id],
        parameter_group_name=housing.parameter_group.name, publicly_accessible=False, multi_az=multi_az,
        port=engine(engine_name).port, ca_cert_identifier=CA_CERTIFICATE, iam_database_authentication_enabled=True,
        backup_retention_period=backup_retention_days, copy_tags_to_snapshot=True, delete_automated_backups=False,
        deletion_protection=deletion_protection, **final_snapshot_settings(identifier, deletion_protection),
        auto_minor_version_upgrade=True, allow_major_version_upgrade=False,
        performance_insights_enabled=insights, performance_insights_kms_key_id=key_arn if insights else None,
        performance_insights_retention_period=insights_retention_days if insights else None,
        monitoring_interval=monitoring_interval_seconds, monitoring_role_arn=monitoring_role.arn,
        enabled_cloudwatch_logs_exports=list(log_exports), apply_immediately=False,
        depends_on=[monitoring_role.attachment])


def final_snapshot_settings(identifier: str, deletion_protection: bool) -> dict[str, Any]:
    """A final snapshot '<identifier>-final' exactly when deletion is protected (an instance or a cluster). A
    Terraform variable's flag (the generated HCL modules) is negated by Terraform; the snapshot name is then
    always set, and RDS uses it only when the snapshot is not skipped."""
    if Token.is_unresolved(deletion_protection):
        return {"skip_final_snapshot": Op.not_(deletion_protection), "final_snapshot_identifier": f"{identifier}-final"}
    return {"skip_final_snapshot": not deletion_protection,
            "final_snapshot_identifier": f"{identifier}-final" if deletion_protection else None}


def master_password_settings(write_only: str | None, key_arn: str, argument: str) -> dict[str, Any]:
    """The master password: generated and rotated by RDS in Secrets Manager under the customer key, or, for
    a database that AWS will not let RDS manage (the source of a read replica, a global database member),
    `write_only` sent as `<argument>_wo` (version 1: raise the version with a new value to change it), which
    keeps it out of the plan and the state. argument: 'password' (DbInstance) or 'master_password' (RdsCluster)."""
    if write_only is None:
        return {"manage_master_user_password": True, "master_user_secret_kms_key_id": key_arn}
    return {f"{argument}_wo": write_only, f"{argument}_wo_version": 1}


@dataclass(frozen=True)
class DatabaseInstanceProps:
    identifier: str
    """DB instance identifier and prefix of its resource names, e.g. 'notebookly-prod-main'."""
    engine: str
    """'mysql' or 'postgres' (Aurora engines belong to AuroraDatabase)."""
    engine_version: str
    """Major version ('8.0', '16'): RDS applies minor versions in the maintenance window, and a major-only
    version never shows that as drift. The parameter family is derived from it (mysql8.0, postgres16)."""
    instance_class: str
    """e.g. 'db.t4g.micro'. On MySQL micro/small classes AWS offers no Performance Insights (see below)."""
    database_name: str
    """Initial database created with the instance."""
    master_username: str
    """Master user; its password is generated by RDS into Secrets Manager (see master_password)."""
    vpc_id: str
    subnet_ids: Sequence[str]
    """The private-data subnets, one per AZ (Multi-AZ needs two AZs)."""
    client_security_group_ids: Sequence[str]
    """Only these groups reach the database port (the app tier's); each gets one egress rule to it."""
    encryption_key: EncryptionKey
    """Customer key for storage, snapshots, Performance Insights and the RDS-managed master secret."""
    monitoring_role: EnhancedMonitoringRole
    """The stack's shared enhanced-monitoring role."""
    region: str
    """Region of the instance, for the rds-db:connect ARN of iam_connect_policy_statement."""
    account_id: str
    partition: str = "aws"
    allocated_storage_gb: int = 20
    """Initial gp3 storage (20 GB is the gp3 minimum)."""
    max_allocated_storage_gb: int | None = 100
    """Storage autoscaling ceiling: a full disk must not stop the database (seed 002). None turns it off."""
    multi_az: bool = True
    """A synchronous standby in another AZ with automatic failover (about 60-120 s)."""
    backup_retention_days: int = 7
    """Point-in-time recovery window, 7 to 35 days."""
    deletion_protection: bool = True
    """Refuse deletion; destroying (after lifting it) takes a final snapshot '<identifier>-final'. Off (dev)
    means no protection and no final snapshot, so the instance can be torn down and rebuilt."""
    monitoring_interval_seconds: int = 60
    """Enhanced monitoring (OS metrics) interval; 1, 5, 10, 15, 30 or 60."""
    performance_insights: bool | None = None
    """None: on wherever AWS offers it for the engine and class (not on MySQL db.t2/t3/t4g micro and small,
    where RDS refuses it). True on such a class is refused here; False turns it off."""
    performance_insights_retention_days: int = 7
    """7 (free tier) or a multiple of 31 up to 731."""
    log_exports: Sequence[str] | None = None
    """CloudWatch log exports. None: every log the engine exports without an option group: MySQL error,
    general (empty unless general_log is switched on to debug) and slowquery; PostgreSQL postgresql and
    upgrade. MySQL 'audit' needs the MARIADB_AUDIT_PLUGIN option group, which this construct does not create."""
    master_password: str | None = None
    """None (default): RDS generates the master password into Secrets Manager and rotates it. AWS refuses
    read replicas of such an instance ("Creating read replicas for source instance ... where
    ManageMasterUserPassword is enabled is not supported"): the source of a DR replica passes a reference to
    an ephemeral, sensitive Terraform variable instead, sent write-only (never in plan or state)."""

    def __post_init__(self) -> None:
        spec = engine(self.engine)
        if self.engine not in INSTANCE_ENGINES:
            raise ValueError(f"DatabaseInstance engine {self.engine!r}; fix: use 'mysql' or 'postgres' "
                             "(Aurora engines belong to AuroraDatabase)")
        check_identifier("database identifier", self.identifier)
        check_backup_retention(self.identifier, self.backup_retention_days)
        check_monitoring(self.identifier, self.monitoring_interval_seconds, self.performance_insights_retention_days)
        check_sql_name("database_name", self.identifier, self.database_name, 63)
        check_sql_name("master_username", self.identifier, self.master_username, 16)
        # Terraform variables' sizes (the generated HCL modules) are checked by their validations instead.
        literal = not any(Token.is_unresolved(size) for size in (self.allocated_storage_gb,
                                                                 self.max_allocated_storage_gb))
        if literal and not 20 <= self.allocated_storage_gb <= 65536:
            raise ValueError(f"database {self.identifier!r}: allocated_storage_gb={self.allocated_storage_gb}; "
                             "fix: gp3 takes 20 to 65536 GB")
        if literal and self.max_allocated_storage_gb is not None and (
                self.max_allocated_storage_gb <= self.allocated_storage_gb):
            raise ValueError(f"database {self.identifier!r}: max_allocated_storage_gb={self.max_allocated_storage_gb}"
                             f" <= allocated_storage_gb={self.allocated_storage_gb}; fix: raise it or use None")
        if not self.client_security_group_ids:
            raise ValueError(f"database {self.identifier!r} has no client_security_group_ids; fix: pass the app "
                             "tier's security group (nothing else may connect)")
        if self.performance_insights and not spec.supports_performance_insights(self.instance_class):
            raise ValueError(f"database {self.identifier!r}: performance_insights=True on {self.engine} "
                             f"{self.instance_class!r}, where AWS does not offer it; fix: use db.t4g.medium or "
                             "larger, or leave performance_insights unset")
        unknown = sorted(set(self.log_exports or ()) - set(spec.log_exports))
        if unknown:
            raise ValueError(f"database {self.identifier!r}: log_exports {unknown} are not exported by {self.engine} "
                             f"without an option group; fix: choose from {list(spec.log_exports)}")

    @property
    def performance_insights_enabled(self) -> bool:
        if self.performance_insights is None:
            return engine(self.engine).supports_performance_insights(self.instance_class)
        return self.performance_insights


class DatabaseInstance(Construct):
    def __init__(self, scope: Construct, id: str, props: DatabaseInstanceProps) -> None:
        super().__init__(scope, id)
        self.props = props
        spec = engine(props.engine)
        self.engine = props.engine
        self.port = spec.port
        housing = house_instance(self, props.identifier, props.engine, props.engine_version, props.vpc_id,
                                 props.subnet_ids, props.client_security_group_ids, "Database")
        self.security_group, self.parameter_group = housing.security_group, housing.parameter_group
        key = props.encryption_key.arn
        self.instance = DbInstance(
            self, "instance", identifier=props.identifier, engine=props.engine,
            engine_version=props.engine_version, instance_class=props.instance_class, db_name=props.database_name,
            username=props.master_username, **master_password_settings(props.master_password, key, "password"),
            allocated_storage=props.allocated_storage_gb, max_allocated_storage=props.max_allocated_storage_gb,
            **hardened_instance_settings(
                props.identifier, props.engine, housing, key, multi_az=props.multi_az,
                deletion_protection=props.deletion_protection, backup_retention_days=props.backup_retention_days,
                insights=props.performance_insights_enabled,
                insights_retention_days=props.performance_insights_retention_days,
                monitoring_interval_seconds=props.monitoring_interval_seconds, monitoring_role=props.monitoring_role,
                log_exports=props.log_exports or spec.log_exports))

    @property
    def endpoint(self) -> str:
        """Host name (without port) clients connect to."""
        return self.instance.address

    @property
    def arn(self) -> str:
        return self.instance.arn

    @property
    def resource_id(self) -> str:
        """The stable 'db-...' id that IAM database authentication ARNs name."""
        return self.instance.resource_id

    @property
    def master_secret_arn(self) -> str | None:
        """ARN of the RDS-managed master secret (rotated by RDS), never its value; None with master_password."""
        if self.props.master_password is not None:
            return None
        return self.instance.master_user_secret.get(0).secret_arn

    def iam_connect_policy_statement(self, db_user: str) -> DataAwsIamPolicyDocumentStatement:
        """Allow connecting as `db_user` with an IAM token. The user must exist in the database with IAM
        authentication (MySQL: IDENTIFIED WITH AWSAuthenticationPlugin; PostgreSQL: GRANT rds_iam)."""
        p = self.props
        return iam_connect_statement(p.identifier, p.partition, p.region, p.account_id, self.resource_id, db_user)
