"""A Lambda function as production wants it: its own least-privilege role, a KMS-encrypted log group
with retention, environment variables encrypted with a customer key, X-Ray tracing, reserved
concurrency, a dead-letter queue for failed asynchronous events and, optionally, a place in the VPC.

The code is a folder (staged by `lambda_src.packaging`) that `TerraformAsset` zips at synth time; the
zip's hash is the function's `source_code_hash`, so a code change is a plan change and nothing else is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cdktf import AssetType, Fn, TerraformAsset, Token
from cdktf_cdktf_provider_aws.cloudwatch_log_group import CloudwatchLogGroup
from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import DataAwsIamPolicyDocumentStatement
from cdktf_cdktf_provider_aws.lambda_function import (
    LambdaFunction,
    LambdaFunctionDeadLetterConfig,
    LambdaFunctionEnvironment,
    LambdaFunctionLoggingConfig,
    LambdaFunctionTracingConfig,
    LambdaFunctionVpcConfig,
)
from constructs import Construct

from modules.iam import ServiceRole, ServiceRoleProps
from modules.kms import EncryptionKey, ServiceGrant

RUNTIMES = ("python3.12", "python3.13")
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
                      2922, 3288, 3653)
VPC_ACCESS_POLICY = "service-role/AWSLambdaVPCAccessExecutionRole"


def function_log_key_grant(region: str, account_id: str, partition: str = "aws") -> ServiceGrant:
    """What the key of the functions' log groups must grant CloudWatch Logs (this account's Lambda groups)."""
    return ServiceGrant(
        service=f"logs.{region}.amazonaws.com",
        actions=("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"),
        conditions=[("ArnLike", "kms:EncryptionContext:aws:logs:arn",
                     [f"arn:{partition}:logs:{region}:{account_id}:log-group:/aws/lambda/*"])])


@dataclass(frozen=True)
class FunctionVpc:
    subnet_ids: Sequence[str]
    """Private subnets (the app tier), one per AZ."""
    security_group_ids: Sequence[str]


@dataclass(frozen=True)
class ServerlessFunctionProps:
    name: str
    """Function name (at most 64 characters); the role is '<name>' and the log group '/aws/lambda/<name>'."""
    description: str
    code_dir: Path
    """Folder with the code and its dependencies (see lambda_src.packaging.stage_function)."""
    handler: str
    """Module path and function, e.g. 'sales_report.extractor.handler'."""
    encryption_key: EncryptionKey
    """Encrypts environment variables and the log group (needs function_log_key_grant)."""
    account_id: str
    dead_letter_queue_arn: str
    """SQS queue that receives events the function failed on after Lambda's retries (asynchronous calls)."""
    reserved_concurrency: int = 1
    """Upper bound of concurrent executions: a runaway trigger cannot exhaust the account's concurrency
    or the database's connections. Default 1 for scheduled jobs."""
    runtime: str = "python3.12"
    memory_mb: int = 256
    timeout_seconds: int = 60
    environment: Mapping[str, str] = field(default_factory=dict)
    """Plain settings only: secrets stay in Secrets Manager and are read at run time."""
    statements: Sequence[DataAwsIamPolicyDocumentStatement] = ()
    """What the function may do besides writing its logs and traces: the least it needs."""
    vpc: FunctionVpc | None = None
    """Run in these subnets with these groups (needed to reach a database in the VPC)."""
    log_retention_days: int = 365
    partition: str = "aws"

    def __post_init__(self) -> None:
        if not Token.is_unresolved(self.name) and not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", self.name):
            raise ValueError(f"function name {self.name!r}; fix: 1-64 letters, digits, hyphens or underscores")
        if self.runtime not in RUNTIMES:
            raise ValueError(f"function {self.name!r}: runtime {self.runtime!r}; fix: a supported runtime {RUNTIMES}")
        if not 1 <= self.reserved_concurrency <= 1000:
            raise ValueError(f"function {self.name!r}: reserved_concurrency {self.reserved_concurrency}; fix: 1-1000")
        if not 128 <= self.memory_mb <= 10240 or not 1 <= self.timeout_seconds <= 900:
            raise ValueError(f"function {self.name!r}: memory {self.memory_mb} MB / timeout {self.timeout_seconds} s; "
                             "fix: 128-10240 MB and 1-900 s")
        if self.log_retention_days not in LOG_RETENTION_DAYS:
            raise ValueError(f"function {self.name!r}: log_retention_days {self.log_retention_days}; "
                             f"fix: one of {LOG_RETENTION_DAYS}")
        if not Path(self.code_dir).is_dir():
            raise ValueError(f"function {self.name!r}: code_dir {str(self.code_dir)!r} is not a folder; fix: stage "
                             "the code first (lambda_src.packaging.stage_function)")
        if self.vpc is not None and not (self.vpc.subnet_ids and self.vpc.security_group_ids):
            raise ValueError(f"function {self.name!r}: vpc needs subnets and security groups; fix: pass both")


class ServerlessFunction(Construct):
    def __init__(self, scope: Construct, id: str, props: ServerlessFunctionProps) -> None:
        super().__init__(scope, id)
        self.log_group = CloudwatchLogGroup(self, "log-group", name=f"/aws/lambda/{props.name}",
                                            retention_in_days=props.log_retention_days,
                                            kms_key_id=props.encryption_key.arn)
        self.role = ServiceRole(self, "role", ServiceRoleProps(
            role_name=props.name, service="lambda.amazonaws.com", account_id=props.account_id,
            description=f"Runs the {props.name} function",
            managed_policy_arns=[f"arn:{props.partition}:iam::aws:policy/{VPC_ACCESS_POLICY}"] if props.vpc else (),
            statements=[
                DataAwsIamPolicyDocumentStatement(sid="OwnLogGroupOnly", actions=["logs:CreateLogStream",
                                                                                  "logs:PutLogEvents"],
                                                  resources=[f"{self.log_group.arn}:*"]),
                DataAwsIamPolicyDocumentStatement(sid="Traces", actions=["xray:PutTraceSegments",
                                                                         "xray:PutTelemetryRecords"],
                                                  resources=["*"]),  # X-Ray has no resource-level permissions
                DataAwsIamPolicyDocumentStatement(sid="DeadLetters", actions=["sqs:SendMessage"],
                                                  resources=[props.dead_letter_queue_arn]),
                DataAwsIamPolicyDocumentStatement(sid="OwnKey", actions=["kms:Decrypt", "kms:GenerateDataKey"],
                                                  resources=[props.encryption_key.arn]),
                *props.statements]))
        self.asset = TerraformAsset(self, "code", path=str(Path(props.code_dir).resolve()), type=AssetType.ARCHIVE)
        vpc = props.vpc
        self.function = LambdaFunction(
            self, "function", function_name=props.name, description=props.description, role=self.role.arn,
            runtime=props.runtime, handler=props.handler, architectures=["arm64"],
            filename=self.asset.path, source_code_hash=Fn.filebase64sha256(self.asset.path),
            memory_size=props.memory_mb, timeout=props.timeout_seconds,
            reserved_concurrent_executions=props.reserved_concurrency, kms_key_arn=props.encryption_key.arn,
            environment=LambdaFunctionEnvironment(variables=dict(props.environment)) if props.environment else None,
            tracing_config=LambdaFunctionTracingConfig(mode="Active"),
            dead_letter_config=LambdaFunctionDeadLetterConfig(target_arn=props.dead_letter_queue_arn),
            logging_config=LambdaFunctionLoggingConfig(log_format="JSON", log_group=self.log_group.name),
            vpc_config=LambdaFunctionVpcConfig(subnet_ids=list(vpc.subnet_ids),
                                               security_group_ids=list(vpc.security_group_ids)) if vpc else None,
            depends_on=[self.log_group, *self.role.attachments,
                        *([self.role.inline_policy] if self.role.inline_policy else [])])

    @property
    def arn(self) -> str:
        return self.function.arn

    @property
    def name(self) -> str:
        return self.function.function_name
