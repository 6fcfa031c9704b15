"""Variables and lookups every generated module shares, declared once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from publishing.modules.spec import REQUIRED, ModuleVariable, Validation

NAME = ModuleVariable(
    "name", "string",
    "Prefix of every resource name and of the Name tags, e.g. 'shop-prod'. Lower-case letters, digits and "
    "hyphens, 3 to 24 characters (AWS caps some names at 32 with our suffixes).",
    validations=[Validation("can(regex(\"^[a-z][a-z0-9-]{2,23}$\", var.name))",
                            "name must be 3-24 lower-case letters, digits or hyphens, starting with a letter; "
                            "fix: use e.g. \"shop-prod\".")])

ACCOUNT_ID = ModuleVariable(
    "account_id", "string",
    "The 12-digit AWS account the resources live in: key policies and trust conditions name it, so nothing "
    "in another account can use them. Explicit rather than looked up, so `terraform plan` needs no STS call.",
    validations=[Validation("can(regex(\"^[0-9]{12}$\", var.account_id))",
                            "account_id must be 12 digits; fix: `aws sts get-caller-identity --query Account`.")])


def log_retention(name: str, description: str, default: int) -> ModuleVariable:
    """A CloudWatch Logs retention in days, limited to the values CloudWatch accepts."""
    from configuration.schema import LOG_RETENTION_DAYS

    allowed = str(list(LOG_RETENTION_DAYS))
    return ModuleVariable(name, "number", description, default=default, validations=[Validation(
        f"contains({allowed}, var.{name})",
        f"{name} must be a retention CloudWatch Logs accepts: one of {allowed}; fix: pick the nearest.")])


def region_and_partition(scope):
    """(region, partition) of the caller's provider: read from its configuration, no AWS call."""
    from cdktf_cdktf_provider_aws.data_aws_partition import DataAwsPartition
    from cdktf_cdktf_provider_aws.data_aws_region import DataAwsRegion

    return DataAwsRegion(scope, "region").name, DataAwsPartition(scope, "partition").partition


VPC_ID = ModuleVariable(
    "vpc_id", "string", "ID of the VPC the module's security groups live in (the network module's `vpc_id`).",
    validations=[Validation("can(regex(\"^vpc-[0-9a-f]+$\", var.vpc_id))",
                            "vpc_id must look like vpc-0123abcd; fix: pass module.network.vpc_id.")])


def subnet_ids(name: str, description: str, minimum: int = 2) -> ModuleVariable:
    """Subnets spread over at least `minimum` AZs (high availability is the default, not an option)."""
    return ModuleVariable(name, "list(string)", description, validations=[
        Validation(f"length(var.{name}) >= {minimum}",
                   f"{name} must list at least {minimum} subnets in different AZs; fix: pass the network "
                   "module's subnet ids of one tier."),
        Validation(f"alltrue([for id in var.{name} : can(regex(\"^subnet-[0-9a-f]+$\", id))])",
                   f"{name} must hold subnet ids like subnet-0123abcd; fix: pass module.network.<tier>_subnet_ids.")])


def one_of(name: str, description: str, allowed: Sequence[str], default: Any = REQUIRED) -> ModuleVariable:
    """A string variable limited to a fixed set of values (an enum AWS or the construct defines)."""
    listed = ", ".join(f"\"{value}\"" for value in allowed)
    return ModuleVariable(name, "string", description, default=default, validations=[Validation(
        f"contains([{listed}], var.{name})", f"{name} must be one of {', '.join(allowed)}; fix: pick one of them.")])


def whole_number(name: str, description: str, minimum: int, maximum: int, default: Any = REQUIRED,
                 unit: str = "") -> ModuleVariable:
    """A whole-number variable within [minimum, maximum] (sizes, counts, seconds, days, percentages)."""
    return ModuleVariable(name, "number", description, default=default, validations=[Validation(
        f"var.{name} >= {minimum} && var.{name} <= {maximum} && floor(var.{name}) == var.{name}",
        f"{name} must be a whole number from {minimum} to {maximum}{unit}; fix: pick one in that range.")])


def security_group_id(name: str, description: str) -> ModuleVariable:
    """The id of a security group made elsewhere (the network module's app tier, the alb module's group)."""
    return ModuleVariable(name, "string", description, validations=[Validation(
        f"can(regex(\"^sg-[0-9a-f]+$\", var.{name}))",
        f"{name} must look like sg-0123abcd; fix: pass the other module's security group id output.")])


def hcl_string(text: str) -> str:
    """`text` as a Terraform string literal (a regular expression keeps its backslashes)."""
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("${", "$${").replace("%{", "%%{") + "\""


def matches(expression: str, pattern: str) -> str:
    """A validation condition: the string `expression` (e.g. var.image_id) matches all of regex `pattern` (RE2)."""
    return f"can(regex({hcl_string(f'^(?:{pattern})$')}, {expression}))"


def preconditions(resource, *rules: Validation) -> None:
    """Rules over several variables (before Terraform 1.9 a variable's validation may read only itself), checked
    when Terraform plans `resource`: the plan stops with the rule's message, naming the resource."""
    resource.add_override("lifecycle.precondition", [
        {"condition": f"${{{rule.condition}}}", "error_message": rule.error_message} for rule in rules])


def email_addresses(name: str, description: str) -> ModuleVariable:
    """E-mail subscribers of a topic, at least one (configuration.ops.EMAIL's rule, case-insensitive as there)."""
    from configuration.ops import EMAIL

    pattern = "(?i)" + EMAIL.pattern.strip("^$")
    return ModuleVariable(name, "list(string)", description, validations=[Validation(
        f"length(var.{name}) >= 1 && alltrue([for e in var.{name} : {matches('e', pattern)}])",
        f"{name} must list at least one e-mail address (nobody would read what is sent otherwise); fix: e.g. "
        "[\"ops@example.com\"].")])


def sns_topic_arn(name: str, description: str) -> ModuleVariable:
    """The ARN of an SNS topic made elsewhere (the alarms module's topic): alarms and notifications go there."""
    return ModuleVariable(name, "string", description, validations=[Validation(
        matches(f"var.{name}", r"arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}"),
        f"{name} must be an SNS topic ARN, arn:aws:sns:<region>:<account>:<topic>; fix: pass the topic's `arn`, "
        "not its name or URL.")])


def kms_key_arn(name: str, description: str) -> ModuleVariable:
    """The ARN of a customer-managed KMS key made elsewhere (grants name the key by ARN, not by alias)."""
    return ModuleVariable(name, "string", description, validations=[Validation(
        matches(f"var.{name}", r"arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]+"),
        f"{name} must be a KMS key ARN, arn:aws:kms:<region>:<account>:key/<id>; fix: pass the key's `arn`, not "
        "its alias.")])
