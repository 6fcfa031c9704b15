"""Variables and lookups every generated module shares, declared once."""

from __future__ import annotations

from publishing.modules.spec import ModuleVariable, Validation

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
    allowed = ("[1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, "
               "3288, 3653]")
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
