"""An environment's SSM Parameter Store hierarchy and the IAM policies that scope it by prefix.

Layout (seed 003: servers read their prefix, developers another):
  /<project>/<env>/app/<name>    settings from configuration; developers may read and change them
  /<project>/<env>/data/<name>   endpoints and ports published by the data stack; servers only read

Every parameter is a SecureString under the environment's parameter key, so reading one needs
both the IAM permission on its path and kms:Decrypt through SSM with that key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cdktf_cdktf_provider_aws.data_aws_iam_policy_document import (
    DataAwsIamPolicyDocument,
    DataAwsIamPolicyDocumentStatement,
    DataAwsIamPolicyDocumentStatementCondition,
)
from cdktf_cdktf_provider_aws.iam_policy import IamPolicy
from cdktf_cdktf_provider_aws.ssm_parameter import SsmParameter
from constructs import Construct

from modules.kms import EncryptionKey

READ_ACTIONS = ("ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath")
WRITE_ACTIONS = ("ssm:PutParameter", "ssm:DeleteParameter", "ssm:AddTagsToResource")


@dataclass(frozen=True)
class ParameterHierarchyProps:
    prefix: str
    """Root of the hierarchy, '/<project>/<env>'; no trailing slash."""
    name_prefix: str
    """Prefix of the IAM policy names, e.g. 'notebookly-prod'."""
    encryption_key: EncryptionKey
    """Key of every SecureString; the policies grant decrypt (and for developers encrypt) through SSM only."""
    region: str
    account_id: str
    partition: str = "aws"
    settings: Mapping[str, str] | None = None
    """Plain settings written under <prefix>/app/ (never secrets: those belong in Secrets Manager)."""
    published: Mapping[str, str] | None = None
    """Values the stack publishes under <prefix>/data/ (endpoints, ports), usually Terraform references."""
    handed_over: Sequence[str] = ()
    """Names in `published` whose value Terraform writes only at creation: afterwards an operator or the
    failover orchestrator owns it (the standby's dr/active_region), and no apply may write it back."""

    def __post_init__(self) -> None:
        if not self.prefix.startswith("/") or self.prefix.endswith("/"):
            raise ValueError(f"parameter prefix {self.prefix!r}; fix: start with '/' and end without one, "
                             "e.g. /notebookly/prod")
        unknown = sorted(set(self.handed_over) - set(self.published or {}))
        if unknown:
            raise ValueError(f"handed_over {unknown} are not published parameters; fix: name keys of published "
                             f"({sorted(self.published or {})})")


class ParameterHierarchy(Construct):
    def __init__(self, scope: Construct, id: str, props: ParameterHierarchyProps) -> None:
        super().__init__(scope, id)
        self.props = props
        self.parameters: dict[str, SsmParameter] = {}
        for area, values in (("app", props.settings or {}), ("data", props.published or {})):
            for name, value in sorted(values.items()):
                self.parameters[f"{area}/{name}"] = SsmParameter(
                    self, f"{area}-{name}".replace(".", "-").replace("_", "-"), name=self.path(area, name),
                    type="SecureString", value=value, key_id=props.encryption_key.arn, tier="Standard",
                    description=f"{'Setting' if area == 'app' else 'Published by the data stack'}: {name}",
                    lifecycle={"ignore_changes": ["value"]} if area == "data" and name in props.handed_over else None)
        self.server_read_policy = IamPolicy(
            self, "server-read-policy", name=f"{props.name_prefix}-parameters-read",
            description=f"Servers: read every parameter under {props.prefix}/",
            policy=self._document("server-read", f"{props.prefix}/*", READ_ACTIONS, ("kms:Decrypt",)).json)
        self.developer_policy = IamPolicy(
            self, "developer-policy", name=f"{props.name_prefix}-parameters-settings",
            description=f"Developers: read and change settings under {props.prefix}/app/ only",
            policy=self._document("developer", f"{props.prefix}/app/*", READ_ACTIONS + WRITE_ACTIONS,
                                  ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey")).json)

    def path(self, area: str, name: str) -> str:
        return f"{self.props.prefix}/{area}/{name}"

    def _document(self, id: str, path_pattern: str, actions: tuple[str, ...], kms_actions: tuple[str, ...]
                  ) -> DataAwsIamPolicyDocument:
        p = self.props
        return DataAwsIamPolicyDocument(self, f"{id}-document", statement=[
            DataAwsIamPolicyDocumentStatement(
                sid="ParametersUnderPrefix", actions=list(actions),
                resources=[f"arn:{p.partition}:ssm:{p.region}:{p.account_id}:parameter{path_pattern}"]),
            DataAwsIamPolicyDocumentStatement(
                sid="ParameterKeyThroughSsm", actions=list(kms_actions), resources=[p.encryption_key.arn],
                condition=[DataAwsIamPolicyDocumentStatementCondition(
                    test="StringEquals", variable="kms:ViaService", values=[f"ssm.{p.region}.amazonaws.com"])]),
        ])
