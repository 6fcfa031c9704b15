# The rds module from HCL: the orders database of a shop's staging account in Frankfurt, in the network
# module's data subnets, reachable from its app tier only.
# Plans offline in the test suite (tests/terraform/test_module_examples.py).

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

  name               = "shop-staging"
  account_id         = "123456789012"
  vpc_cidr           = "10.42.0.0/16"
  availability_zones = ["eu-central-1a", "eu-central-1b", "eu-central-1c"]
}

module "rds" {
  # In your own root module: "git::https://github.com/your-org/aws-platform-blueprints.git//dist/terraform-modules/rds?ref=v0.1.0"
  source = "../../dist/terraform-modules/rds"

  name                     = "shop-staging-orders"
  account_id               = "123456789012"
  vpc_id                   = module.network.vpc_id
  subnet_ids               = module.network.data_subnet_ids
  client_security_group_id = module.network.app_security_group_id

  database_name            = "orders"
  engine_version           = "8.4"
  instance_class           = "db.m7g.large"
  allocated_storage_gb     = 50
  max_allocated_storage_gb = 200
  backup_retention_days    = 14
}

output "endpoint" {
  value = module.rds.endpoint
}

output "master_user_secret_arn" {
  value = module.rds.master_user_secret_arn
}
