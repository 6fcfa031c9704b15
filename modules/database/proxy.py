"""RDS Proxy in front of a DatabaseInstance (seed 002: ten tasks x ten connections exhaust a small
database; the proxy pools them). TLS required, IAM authentication required, the proxy reads only
its database's RDS-managed master secret."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
    DataAwsIamPolicyDocumentStatementPrincipals,
)
from cdktf_cdktf_provider_aws.db_proxy import DbProxy, DbProxyAuth
from cdktf_cdktf_provider_aws.db_proxy_default_target_group import (
    DbProxyDefaultTargetGroup,
    DbProxyDefaultTargetGroupConnectionPoolConfig,
)
from cdktf_cdktf_provider_aws.db_proxy_target import DbProxyTarget
from cdktf_cdktf_provider_aws.iam_role import IamRole
from cdktf_cdktf_provider_aws.iam_role_policy import IamRolePolicy
from constructs import Construct

from modules.database.engines import engine
from modules.database.instance import DatabaseInstance
from modules.firewall import ServiceSecurityGroup, ServiceSecurityGroupProps
from modules.kms import EncryptionKey


@dataclass(frozen=True)
class DatabaseProxyProps:
    name: str
    database: DatabaseInstance
    vpc_id: str
    subnet_ids: Sequence[str]
    client_security_group_ids: Sequence[str]
    """Groups allowed to reach the proxy; the proxy alone is then admitted to the database."""
    encryption_key: EncryptionKey
    """The key of the database's master secret (the proxy decrypts it through Secrets Manager)."""
    region: str
    account_id: str
    idle_client_timeout_seconds: int = 1800
    max_connections_percent: int = 90
    """Share of the database's max_connections the proxy may open; the rest stays for administrators."""

    def __post_init__(self) -> None:
        if not 1 <= self.max_connections_percent <= 100:
            raise ValueError(f"proxy {self.name!r}: max_connections_percent={self.max_connections_percent}; "
                             "fix: use 1 to 100")


class DatabaseProxy(Construct):
    def __init__(self, scope: Construct, id: str, props: DatabaseProxyProps) -> None:
        super().__init__(scope, id)
        database = props.database
        spec = engine(database.props.engine)
        self.security_group = ServiceSecurityGroup(self, "security-group", ServiceSecurityGroupProps(
            name=f"{props.name}-proxy", description=f"RDS Proxy {props.name}: clients on {spec.port} only",
            vpc_id=props.vpc_id, port=spec.port, client_security_group_ids=props.client_security_group_ids))
        database.security_group.allow_from(self.security_group.security_group_id, "proxy")
        trust = DataAwsIamPolicyDocument(self, "trust", statement=[DataAwsIamPolicyDocumentStatement(
            actions=["sts:AssumeRole"], principals=[DataAwsIamPolicyDocumentStatementPrincipals(
                type="Service", identifiers=["rds.amazonaws.com"])],
            condition=[DataAwsIamPolicyDocumentStatementCondition(
                test="StringEquals", variable="aws:SourceAccount", values=[props.account_id])])])
        role = IamRole(self, "role", name=f"{props.name}-proxy", assume_role_policy=trust.json)
        access = DataAwsIamPolicyDocument(self, "secret-access", statement=[
            DataAwsIamPolicyDocumentStatement(sid="ReadTheMasterSecret", actions=["secretsmanager:GetSecretValue"],
                                              resources=[database.master_secret_arn]),
            DataAwsIamPolicyDocumentStatement(
                sid="DecryptItThroughSecretsManager", actions=["kms:Decrypt"], resources=[props.encryption_key.arn],
                condition=[DataAwsIamPolicyDocumentStatementCondition(
                    test="StringEquals", variable="kms:ViaService",
                    values=[f"secretsmanager.{props.region}.amazonaws.com"])])])
        IamRolePolicy(self, "role-policy", name="read-master-secret", role=role.id, policy=access.json)
        self.proxy = DbProxy(
            self, "proxy", name=props.name, engine_family=spec.proxy_family, role_arn=role.arn,
            vpc_subnet_ids=props.subnet_ids, vpc_security_group_ids=[self.security_group.security_group_id],
            require_tls=True, idle_client_timeout=props.idle_client_timeout_seconds, debug_logging=False,
            auth=[DbProxyAuth(auth_scheme="SECRETS", iam_auth="REQUIRED", secret_arn=database.master_secret_arn,
                              description="RDS-managed master secret")])
        DbProxyDefaultTargetGroup(
            self, "target-group", db_proxy_name=self.proxy.name,
            connection_pool_config=DbProxyDefaultTargetGroupConnectionPoolConfig(
                max_connections_percent=props.max_connections_percent,
                max_idle_connections_percent=min(50, props.max_connections_percent), connection_borrow_timeout=120))
        DbProxyTarget(self, "target", db_proxy_name=self.proxy.name, target_group_name="default",
                      db_instance_identifier=database.instance.identifier)

    @property
    def endpoint(self) -> str:
        return self.proxy.endpoint
