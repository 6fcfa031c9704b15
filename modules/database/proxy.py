"""RDS Proxy in front of a DatabaseInstance (seed 002: ten tasks x ten connections exhaust a small
database; the proxy pools them and keeps connections open across failovers).

TLS required, IAM authentication required from clients, and the proxy's role can read exactly one
secret (its database's RDS-managed master secret, or the credentials secret of a database whose password
RDS does not manage) and decrypt it only through Secrets Manager. The
proxy has its own security group for clients; the database admits the proxy's group on its port.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktf import Fn
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

from modules.database.engines import ENGINES, check_identifier, engine
from modules.database.instance import DatabaseInstance
from modules.firewall import ServiceSecurityGroup, ServiceSecurityGroupProps
from modules.kms import EncryptionKey


@dataclass(frozen=True)
class DatabaseProxyProps:
    name: str
    """Proxy name and prefix of its role and group names, e.g. 'saas-prod-main'."""
    database: DatabaseInstance
    """The instance behind the proxy; its managed master secret is what the proxy logs in with."""
    vpc_id: str
    subnet_ids: Sequence[str]
    """The private-data subnets (RDS Proxy needs two AZs)."""
    client_security_group_ids: Sequence[str]
    """Groups allowed to reach the proxy; the proxy's own group is then the one admitted to the database."""
    encryption_key: EncryptionKey
    """The key of the database's master secret (the proxy decrypts it through Secrets Manager only)."""
    region: str
    account_id: str
    partition: str = "aws"
    idle_client_timeout_seconds: int = 1800
    """Client connections idle this long are closed (AWS default 30 min), 1 to 28800."""
    max_connections_percent: int = 90
    """Share of the database's max_connections the proxy may open; the rest stays for administrators."""
    max_idle_connections_percent: int = 50
    """Share the proxy keeps open while idle: warm connections without holding the whole pool."""
    connection_borrow_timeout_seconds: int = 120
    """How long a client waits for a pooled connection before an error (AWS default), 0 to 3600."""
    credentials_secret_arn: str | None = None
    """Default: the database's RDS-managed master secret. The secret the proxy signs in with when RDS does not
    manage one (a database with a DR standby): JSON {"username", "password"} of a database user, under
    `encryption_key`, put by the operator."""

    def __post_init__(self) -> None:
        check_identifier("proxy name", self.name, 60)  # the role is '<name>-proxy', within IAM's 64
        if not 1 <= self.max_connections_percent <= 100:
            raise ValueError(f"proxy {self.name!r}: max_connections_percent={self.max_connections_percent}; "
                             "fix: use 1 to 100")
        if not 0 <= self.max_idle_connections_percent <= self.max_connections_percent:
            raise ValueError(f"proxy {self.name!r}: max_idle_connections_percent={self.max_idle_connections_percent}"
                             f" with max_connections_percent={self.max_connections_percent}; fix: use 0 to "
                             f"{self.max_connections_percent}")
        if not 1 <= self.idle_client_timeout_seconds <= 28800:
            raise ValueError(f"proxy {self.name!r}: idle_client_timeout_seconds={self.idle_client_timeout_seconds}; "
                             "fix: use 1 to 28800 (8 hours)")
        if not 0 <= self.connection_borrow_timeout_seconds <= 3600:
            raise ValueError(f"proxy {self.name!r}: connection_borrow_timeout_seconds="
                             f"{self.connection_borrow_timeout_seconds}; fix: use 0 to 3600")
        if self.credentials_secret_arn is None and getattr(self.database, "master_secret_arn", "") is None:
            raise ValueError(f"proxy {self.name!r}: the database has no RDS-managed master secret (its master "
                             "password is the operator's) and credentials_secret_arn is not set; fix: pass the "
                             "secret holding the database user the proxy signs in as")
        target_engine = getattr(self.database, "engine", None)  # None: a stand-in, validated where built
        if target_engine is not None:
            spec = ENGINES.get(target_engine)
            if spec is None or spec.proxy_family is None or target_engine.startswith("aurora-"):
                raise ValueError(f"proxy {self.name!r}: database engine {target_engine!r} cannot be fronted by "
                                 "this construct; fix: put it in front of a DatabaseInstance with engine 'mysql' "
                                 "or 'postgres'")


class DatabaseProxy(Construct):
    def __init__(self, scope: Construct, id: str, props: DatabaseProxyProps) -> None:
        super().__init__(scope, id)
        self.props = props
        database = props.database
        secret_arn = props.credentials_secret_arn or database.master_secret_arn
        spec = engine(database.engine)
        assert spec.proxy_family and spec.proxy_client_auth  # DatabaseProxyProps checked the engine
        self.port = spec.port
        self.security_group = ServiceSecurityGroup(self, "security-group", ServiceSecurityGroupProps(
            name=f"{props.name}-proxy", description=f"RDS Proxy {props.name}: clients on {spec.port} only",
            vpc_id=props.vpc_id, port=spec.port, client_security_group_ids=props.client_security_group_ids))
        database.security_group.allow_from(self.security_group.security_group_id, "proxy")

        trust = DataAwsIamPolicyDocument(self, "trust", statement=[DataAwsIamPolicyDocumentStatement(
            sid="RdsProxyForThisAccount", actions=["sts:AssumeRole"],
            principals=[DataAwsIamPolicyDocumentStatementPrincipals(type="Service", identifiers=["rds.amazonaws.com"])],
            condition=[DataAwsIamPolicyDocumentStatementCondition(
                test="StringEquals", variable="aws:SourceAccount", values=[props.account_id])])])
        self.role = IamRole(self, "role", name=f"{props.name}-proxy", assume_role_policy=trust.json,
                            description=f"RDS Proxy {props.name} reads its database's master secret")
        access = DataAwsIamPolicyDocument(self, "secret-access", statement=[
            DataAwsIamPolicyDocumentStatement(sid="ReadTheMasterSecret", actions=["secretsmanager:GetSecretValue"],
                                              resources=[secret_arn]),
            DataAwsIamPolicyDocumentStatement(
                sid="DecryptItThroughSecretsManager", actions=["kms:Decrypt"], resources=[props.encryption_key.arn],
                condition=[DataAwsIamPolicyDocumentStatementCondition(
                    test="StringEquals", variable="kms:ViaService",
                    values=[f"secretsmanager.{props.region}.amazonaws.com"])])])
        role_policy = IamRolePolicy(self, "role-policy", name="read-master-secret", role=self.role.id,
                                    policy=access.json)

        self.proxy = DbProxy(
            self, "proxy", name=props.name, engine_family=spec.proxy_family, role_arn=self.role.arn,
            vpc_subnet_ids=props.subnet_ids, vpc_security_group_ids=[self.security_group.security_group_id],
            require_tls=True, idle_client_timeout=props.idle_client_timeout_seconds, debug_logging=False,
            auth=[DbProxyAuth(auth_scheme="SECRETS", iam_auth="REQUIRED", secret_arn=secret_arn,
                              client_password_auth_type=spec.proxy_client_auth,
                              description="RDS-managed master secret; clients authenticate with IAM tokens"
                              if props.credentials_secret_arn is None else
                              "Credentials secret kept by the operator; clients authenticate with IAM tokens")],
            depends_on=[role_policy])
        target_group = DbProxyDefaultTargetGroup(
            self, "target-group", db_proxy_name=self.proxy.name,
            connection_pool_config=DbProxyDefaultTargetGroupConnectionPoolConfig(
                max_connections_percent=props.max_connections_percent,
                max_idle_connections_percent=props.max_idle_connections_percent,
                connection_borrow_timeout=props.connection_borrow_timeout_seconds))
        DbProxyTarget(self, "target", db_proxy_name=self.proxy.name, target_group_name=target_group.name,
                      db_instance_identifier=database.instance.identifier)

    @property
    def endpoint(self) -> str:
        """Host name clients connect to instead of the database's (same port, TLS, IAM token)."""
        return self.proxy.endpoint

    @property
    def arn(self) -> str:
        return self.proxy.arn

    def iam_connect_policy_statement(self) -> DataAwsIamPolicyDocumentStatement:
        """rds-db:connect through the proxy. AWS checks an IAM token for a proxy against the proxy's own id
        (dbuser:prx-.../<user>), not the instance's; the proxy admits only the user of the one secret it holds,
        so `*` after the proxy id names that user and no other."""
        p = self.props
        proxy_id = Fn.element(Fn.split(":", self.proxy.arn), 6)  # arn:aws:rds:<region>:<account>:db-proxy:prx-...
        sid = "".join(w.capitalize() for w in p.name.replace("_", "-").split("-"))
        return DataAwsIamPolicyDocumentStatement(
            sid=f"ConnectThroughProxy{sid}", actions=["rds-db:connect"],
            resources=[f"arn:{p.partition}:rds-db:{p.region}:{p.account_id}:dbuser:{proxy_id}/*"])
