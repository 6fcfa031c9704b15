# The network module from HCL: a VPC for a shop's staging account in Frankfurt.
# Plans offline in the test suite and applies on the emulator (tests/terraform/test_module_examples.py).

terraform {
  required_version = ">= 1.5.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100.0, < 6.0.0"
    }
  }
}

provider "aws" {
  region              = "eu-central-1"
  allowed_account_ids = ["123456789012"]
  default_tags {
    tags = {
      Project     = "shop"
      Environment = "staging"
    }
  }
}

module "network" {
  # In your own root module: "git::https://github.com/your-org/aws-platform-blueprints.git//dist/terraform-modules/network?ref=v0.1.0"
  source = "../../dist/terraform-modules/network"

  name                    = "shop-staging"
  account_id              = "123456789012"
  vpc_cidr                = "10.42.0.0/16"
  availability_zones      = ["eu-central-1a", "eu-central-1b", "eu-central-1c"]
  flow_log_retention_days = 90
}

output "vpc_id" {
  value = module.network.vpc_id
}

output "app_subnet_ids" {
  value = module.network.app_subnet_ids
}

output "data_subnet_ids" {
  value = module.network.data_subnet_ids
}
