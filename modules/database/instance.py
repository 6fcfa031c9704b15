"""An RDS instance (MySQL 8 or PostgreSQL 16) as production wants it by default.

Private (data subnets, no public address, one security group admitting only named client groups),
encrypted with a customer key (storage, Performance Insights, the master secret), TLS forced by its
parameter group, IAM authentication on, master password generated and rotated by RDS in Secrets
Manager (so no password exists in configuration, code or state), backups, enhanced monitoring,
log exports, Multi-AZ and deletion protection with a final snapshot unless an environment opts out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import TerraformResourceLifecycle
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import DataAwsIamPolicyDocumentStatement
from cdktf_cdktf_provider_aws.db_instance import DbInstance
from cdktf_cdktf_provider_aws.db_parameter_group import DbParameterGroup, DbParameterGroupParameter
from cdktf_cdktf_provider_aws.db_subnet_group import DbSubnetGroup
from constructs import Construct

from modules.database.engines import engine
from modules.database.monitoring import EnhancedMonitoringRole
from modules.firewall import ServiceSecurityGroup, ServiceSecurityGroupProps
from modules.kms import EncryptionKey

CA_CERTIFICATE = "rds-ca-rsa2048-g1"


@dataclass(frozen=True)
class DatabaseInstanceProps:
    identifier: str
    """DB instance identifier and prefix of its group names, e.g. 'notebookly-prod-main'."""
    engine: str
    """'mysql' or 'postgres'."""
    engine_version: str
    """Major version ('8.0', '16'): minor upgrades are applied automatically in the maintenance window."""
    instance_class: str
    database_name: str
    master_username: str
    vpc_id: str
    subnet_ids: Sequence[str]
    """The private-data subnets, one per AZ (Multi-AZ needs at least two)."""
    client_security_group_ids: Sequence[str]
    """Only these groups reach the database port (the app tier's)."""
    encryption_key: EncryptionKey
    """Encrypts storage, snapshots, Performance Insights and the RDS-managed master secret."""
    monitoring_role: EnhancedMonitoringRole
    region: str
    account_id: str
    partition: str = "aws"
    allocated_storage_gb: int = 20
    max_allocated_storage_gb: int | None = 100
    """Storage autoscaling ceiling: a full disk must not stop the database (seed 002). None turns it off."""
    multi_az: bool = True
    """A synchronous standby in another AZ with automatic failover (~60-120 s)."""
    backup_retention_days: int = 7
    """Point-in-time recovery window, 7 to 35 days."""
    deletion_protection: bool = True
    """Refuse deletion; destroying then takes a final snapshot '<identifier>-final'."""
    monitoring_interval_seconds: int = 60
    performance_insights_retention_days: int = 7

    def __post_init__(self) -> None:
        engine(self.engine)
        if self.engine not in ("mysql", "postgres"):
            raise ValueError(f"DatabaseInstance engine {self.engine!r}; fix: use 'mysql' or 'postgres' "
                             "(Aurora engines belong to AuroraDatabase)")
        if not 7 <= self.backup_retention_days <= 35:
            raise ValueError(f"database {self.identifier!r}: backup_retention_days={self.backup_retention_days}; "
                             "fix: use 7 to 35")
        if self.max_allocated_storage_gb is not None and self.max_allocated_storage_gb <= self.allocated_storage_gb:
            raise ValueError(f"database {self.identifier!r}: max_allocated_storage_gb={self.max_allocated_storage_gb}"
                             f" <= allocated_storage_gb={self.allocated_storage_gb}; fix: raise it or use None")
        if not self.client_security_group_ids:
            raise ValueError(f"database {self.identifier!r} has no client_security_group_ids; fix: pass the app "
                             "tier's security group (nothing else may connect)")


class DatabaseInstance(Construct):
    def __init__(self, scope: Construct, id: str, props: DatabaseInstanceProps) -> None:
        super().__init__(scope, id)
        self.props = props
        spec = engine(props.engine)
        self.port = spec.port
        self.security_group = ServiceSecurityGroup(self, "security-group", ServiceSecurityGroupProps(
            name=f"{props.identifier}-db", description=f"Database {props.identifier}: clients on {spec.port} only",
            vpc_id=props.vpc_id, port=spec.port, client_security_group_ids=props.client_security_group_ids))
        subnets = DbSubnetGroup(self, "subnet-group", name=f"{props.identifier}-db", subnet_ids=props.subnet_ids,
                                description=f"Private data subnets of {props.identifier}")
        parameters = DbParameterGroup(
            self, "parameter-group", name=f"{props.identifier}-db", family=spec.family(props.engine_version),
            description=f"{props.identifier}: TLS only, query logging",
            parameter=[DbParameterGroupParameter(name=n, value=v, apply_method="pending-reboot"
                                                 if n in ("rds.force_ssl",) else "immediate")
                       for n, v in (spec.tls_parameter, *spec.extra_parameters)],
            lifecycle=TerraformResourceLifecycle(create_before_destroy=True))
        key = props.encryption_key.arn
        self.instance = DbInstance(
            self, "instance", identifier=props.identifier, engine=props.engine,
            engine_version=props.engine_version, instance_class=props.instance_class, db_name=props.database_name,
            username=props.master_username, manage_master_user_password=True, master_user_secret_kms_key_id=key,
            allocated_storage=props.allocated_storage_gb, max_allocated_storage=props.max_allocated_storage_gb,
            storage_type="gp3", storage_encrypted=True, kms_key_id=key,
            db_subnet_group_name=subnets.name, vpc_security_group_ids=[self.security_group.security_group_id],
            parameter_group_name=parameters.name, publicly_accessible=False, multi_az=props.multi_az,
            port=spec.port, ca_cert_identifier=CA_CERTIFICATE, iam_database_authentication_enabled=True,
            backup_retention_period=props.backup_retention_days, copy_tags_to_snapshot=True,
            delete_automated_backups=False, deletion_protection=props.deletion_protection,
            skip_final_snapshot=not props.deletion_protection,
            final_snapshot_identifier=f"{props.identifier}-final" if props.deletion_protection else None,
            auto_minor_version_upgrade=True, allow_major_version_upgrade=False,
            performance_insights_enabled=True, performance_insights_kms_key_id=key,
            performance_insights_retention_period=props.performance_insights_retention_days,
            monitoring_interval=props.monitoring_interval_seconds, monitoring_role_arn=props.monitoring_role.arn,
            enabled_cloudwatch_logs_exports=list(spec.log_exports), apply_immediately=False)

    @property
    def endpoint(self) -> str:
        """Host name (without port) clients connect to."""
        return self.instance.address

    @property
    def arn(self) -> str:
        return self.instance.arn

    @property
    def master_secret_arn(self) -> str:
        """The RDS-managed master secret (rotated by RDS); never its value."""
        return self.instance.master_user_secret.get(0).secret_arn

    def iam_connect_policy_statement(self, db_user: str) -> DataAwsIamPolicyDocumentStatement:
        """Allow connecting as `db_user` with an IAM token (the user must exist with the IAM plugin/role)."""
        p = self.props
        return DataAwsIamPolicyDocumentStatement(
            sid=f"ConnectTo{''.join(w.capitalize() for w in p.identifier.split('-'))}", actions=["rds-db:connect"],
            resources=[f"arn:{p.partition}:rds-db:{p.region}:{p.account_id}:dbuser:"
                       f"{self.instance.resource_id}/{db_user}"])
